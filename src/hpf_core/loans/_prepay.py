"""Prepayment (提前还本), early settlement (提前结清) and repricing (利率调整) of a schedule.

The remaining loan is described by its balance, rate and remaining months; the result is
a new schedule in the ledger convention, and the interest it saves against carrying on.
"""

from __future__ import annotations

import enum
import math
from datetime import date
from decimal import Decimal

import attrs

from hpf_core._choice import choice
from hpf_core.dates import check_date
from hpf_core.errors import InvalidAmount, InvalidPrepayment
from hpf_core.loans._amortize import (
    MAX_MONTHS,
    RepaymentMethod,
    Schedule,
    amortize,
    build_schedule,
    check_method,
    check_months,
    check_principal,
    check_schedule_dates,
    equal_installment_rows,
    equal_principal_rows,
    rate_fraction,
)
from hpf_core.money import Amount, Rate, amount_from_fen, check_rate, fen, money_context, yuan


class PrepaymentStrategy(enum.Enum):
    """What a partial prepayment changes."""

    KEEP_TERM = "keep-term"
    """期限不变，减少月供: same number of months, lower payment."""

    SHORTEN_TERM = "shorten-term"
    """月供不变，缩短期限: the payment stays, the term shrinks."""


@attrs.frozen
class PrepaymentResult:
    """The loan after a prepayment (提前还本结果).

    ``schedule`` holds the remaining rows (empty after an early settlement);
    ``interest_saved`` is the remaining interest before minus after, both in the ledger
    convention. It is reported as computed, never clamped: for a prepayment of a few
    yuan the fen rounding of the new rows can outweigh the saving and make it slightly
    negative; for realistic loans it cannot from about 2,000 yuan up.
    """

    amount: Decimal
    new_balance: Decimal
    new_payment: Decimal
    remaining_months: int
    schedule: Schedule
    interest_saved: Decimal
    settled: bool


def check_strategy(value: object) -> PrepaymentStrategy:
    """A :class:`PrepaymentStrategy`, or its value string (``"keep-term"``)."""
    return choice(PrepaymentStrategy, value, "strategy")


def _empty_schedule(rate: Decimal, method: RepaymentMethod) -> Schedule:
    return build_schedule(Decimal("0.00"), rate, 0, method, None, ((), (), (), ()))


def shortest_term_fen(
    principal_fen: int,
    num: int,
    den: int,
    payment_fen: int,
    method: RepaymentMethod,
    *,
    limit: int = MAX_MONTHS,
) -> int:
    """The fewest whole months whose ledger rows never exceed ``payment_fen`` (D-042):
    equal instalment, the rows that pay ``payment_fen`` a month until what is left (with
    its interest) fits in one payment; equal principal, the fewest months none of whose
    rows (principal / months rounded once, interest on the falling balance, the last row
    taking the rest) exceeds it. ``limit + 1`` when more than ``limit`` months are needed.

    Raises ``InvalidPrepayment`` when the payment does not even cover a month's interest.
    """
    half = den // 2
    first_interest = (principal_fen * num + half) // den
    if payment_fen <= first_interest:
        raise InvalidPrepayment(
            "current_payment",
            f"does not cover the month's interest of {amount_from_fen(first_interest)}",
            str(amount_from_fen(payment_fen)),
        )
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        # the ledger itself: each row pays the payment, until the balance and its interest fit
        balance = principal_fen
        for months in range(1, limit + 1):
            interest = (balance * num + half) // den
            if balance + interest <= payment_fen:
                return months
            balance -= payment_fen - interest
        return limit + 1

    def fits(months: int) -> bool:
        pays = equal_principal_rows(principal_fen, num, den, months)[0]
        return max(pays) <= payment_fen

    months = min(max(math.ceil(principal_fen / max(payment_fen - first_interest, 1)), 1), limit + 1)
    while months <= limit and not fits(months):
        months += 1
    while months > 1 and fits(months - 1):
        months -= 1
    return months


def prepay(
    balance: Amount,
    annual_rate: Rate,
    remaining_months: int,
    amount: Amount,
    strategy: PrepaymentStrategy | str,
    *,
    method: RepaymentMethod | str = RepaymentMethod.EQUAL_INSTALLMENT,
    current_payment: Amount | None = None,
    on: date | None = None,
    disbursed_on: date | None = None,
    first_due: date | None = None,
) -> PrepaymentResult:
    """Recalculate a loan after a partial prepayment of ``amount`` (提前部分还本).

    KEEP_TERM re-amortizes the new balance over the same months. SHORTEN_TERM keeps
    ``current_payment`` and takes the fewest whole months none of whose rows exceeds it
    (the last row is smaller). If even the remaining months need a larger payment (a ``current_payment``
    below the loan's own), the term stays and the payment is recalculated instead.
    An ``amount`` equal to ``balance`` is an early settlement (结清); 0 changes nothing.

    >>> r = prepay("979468.01", "0.031", 348, 100000, PrepaymentStrategy.KEEP_TERM)
    >>> r.new_balance, r.new_payment, r.remaining_months
    (Decimal('879468.01'), Decimal('3834.20'), 348)
    >>> s = prepay("979468.01", "0.031", 348, 100000, "shorten-term", current_payment="4270.16")
    >>> s.new_payment, s.remaining_months, s.interest_saved > r.interest_saved
    (Decimal('4270.16'), 295, True)
    """
    owed = check_principal(balance, "balance")
    rate = check_rate(annual_rate)
    months = check_months(remaining_months, "remaining_months")
    paid = yuan(amount, "amount")
    if paid < 0:
        raise InvalidAmount("amount", "must not be negative", amount)
    if paid > owed:
        raise InvalidPrepayment("amount", f"exceeds the outstanding balance {owed}", str(paid))
    plan = check_strategy(strategy)
    kind = check_method(method)
    if on is not None or disbursed_on is not None:
        if on is None or disbursed_on is None:
            raise InvalidPrepayment("on", "on and disbursed_on must be given together")
        check_date(on, "on")
        check_date(disbursed_on, "disbursed_on")
        if on < disbursed_on:
            raise InvalidPrepayment(
                "on", f"is before the disbursement date {disbursed_on.isoformat()}", on.isoformat()
            )
    keep = None
    if plan is PrepaymentStrategy.SHORTEN_TERM:
        if current_payment is None:
            raise InvalidPrepayment("current_payment", "is required for SHORTEN_TERM")
        keep = yuan(current_payment, "current_payment")
        if keep <= 0:
            raise InvalidAmount("current_payment", "must be greater than 0", current_payment)
    if first_due is not None:
        check_schedule_dates(first_due, months)

    with money_context():  # sums of amounts never use the caller's decimal context
        before = amortize(owed, rate, months, kind, first_due=first_due)
        if paid == 0:
            return PrepaymentResult(paid, owed, before.payment, months, before, Decimal("0.00"), False)
        left = owed - paid
        if left == 0:
            empty = _empty_schedule(rate, kind)
            return PrepaymentResult(paid, left, Decimal("0.00"), 0, empty, before.total_interest, True)

        after = amortize(left, rate, months, kind, first_due=first_due)
        if keep is not None:
            num, den = rate_fraction(rate)
            left_fen = fen(left)
            term = shortest_term_fen(left_fen, num, den, fen(keep), kind)
            if term < months or (term == months and kind is RepaymentMethod.EQUAL_INSTALLMENT):
                if kind is RepaymentMethod.EQUAL_INSTALLMENT:
                    columns = equal_installment_rows(left_fen, num, den, term, fen(keep))
                    after = build_schedule(left, rate, term, kind, first_due, columns)
                else:
                    after = amortize(left, rate, term, kind, first_due=first_due)
        saved = before.total_interest - after.total_interest
        return PrepaymentResult(paid, left, after.payment, len(after), after, saved, False)


def reprice(
    balance: Amount,
    new_rate: Rate,
    remaining_months: int,
    method: RepaymentMethod | str = RepaymentMethod.EQUAL_INSTALLMENT,
    *,
    first_due: date | None = None,
) -> Schedule:
    """The remaining schedule when a new rate reaches an existing loan (存量贷款利率调整):
    same balance, new rate, the remaining months; the payment is recalculated.

    >>> reprice("979468.01", "0.0285", 348).payment
    Decimal('4139.26')
    """
    owed = check_principal(balance, "balance")
    rate = check_rate(new_rate, "new_rate")
    months = check_months(remaining_months, "remaining_months")
    return amortize(owed, rate, months, method, first_due=first_due)
