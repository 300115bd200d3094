"""Repricing (存量贷款利率调整) of a loan account: a new rate reaches the rows not yet billed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import attrs

from hpf_core._inputs import instance
from hpf_core.dates import check_date
from hpf_core.loans._amortize import (
    RepaymentMethod,
    annuity_fen,
    build_schedule,
    due_date_of,
    ledger_kernel,
    rate_fraction,
)
from hpf_core.loans._loan_records import LoanAccount, rate_in_force, rate_segments
from hpf_core.loans._servicing_policy import ServicingPolicy
from hpf_core.money import Rate, check_rate, fen, round_fraction_fen


def reprice_loan(loan: LoanAccount, new_rate: Rate, effective: date, policy: ServicingPolicy) -> LoanAccount:
    """A new rate reaches the loan on ``effective`` (存量贷款利率调整); nothing is billed.

    An interest period is [previous due date, due date). Rows whose period ends before
    ``effective`` keep the old rate; the period under way on ``effective`` keeps the old
    rate and its instalment, unless the policy splits it by days (each day at the rate in
    force that day); from the next period the rows are recalculated on the principal they
    carry, at the new rate, over the months left (the payment is recalculated).
    ``effective`` may lie ahead: the rows before it are kept as they are.

    Repricings accumulate in ``loan.rates`` (D-042): one dated after an earlier one leaves
    the earlier in force up to its own date, and one dated before a repricing the loan has
    already taken is applied first, the later ones applied again on top, so the result
    never depends on the order the changes were applied in.

    >>> from hpf_core.loans import Borrower, ServicingPolicy, SignerRole, open_loan
    >>> main = [Borrower(SignerRole.BORROWER, "张三", "P1")]
    >>> loan = open_loan(contract_no="C1", borrowers=main, principal=1000000, disbursed_on=date(2023, 3, 1),
    ...                  term_months=360, method="equal-installment", annual_rate="0.031")
    >>> p = ServicingPolicy()
    >>> twice = reprice_loan(reprice_loan(loan, "0.0285", date(2025, 1, 1), p), "0.026", date(2026, 1, 1), p)
    >>> [str(rate_on(twice, date(y, 6, 1))) for y in (2024, 2025, 2026)]
    ['0.031', '0.0285', '0.026']
    """
    rate = check_rate(new_rate, "new_rate")
    check_date(effective, "effective")
    if loan.settled_on is not None:
        return loan
    later = tuple(change for change in loan.rates if change[0] > effective)
    earlier = tuple(change for change in loan.rates if change[0] < effective)
    result = _reprice(attrs.evolve(loan, rates=earlier), rate, effective, policy)
    for when, value in later:
        result = _reprice(result, value, when, policy)
    return result


def _reprice(loan: LoanAccount, rate: Decimal, effective: date, policy: ServicingPolicy) -> LoanAccount:
    """Apply one repricing dated after every one in ``loan.rates``."""
    rows = loan.schedule
    timeline = attrs.evolve(loan, rates=(*loan.rates, (effective, rate)))
    # due dates from the first one, not from every row's record (a batch repricing reads
    # a loan's rows once; issue #16, D-066's profile)
    index = next(
        (i for i in range(len(rows)) if (day := due_date_of(rows, i)) is not None and day >= effective),
        None,
    )
    if index is None:  # every row falls due before the change
        return attrs.evolve(timeline, annual_rate=rate_in_force(timeline, loan.last_due))
    months = len(rows) - index
    due = due_date_of(rows, index)
    start = due_date_of(rows, index - 1) if index else loan.last_due
    assert due is not None
    assert start is not None
    owed_fen = rows.balance_fen[index - 1] if index else fen(rows.principal)
    kind = loan.contract.method
    num, den = rate_fraction(rate)
    equal_principal = kind is RepaymentMethod.EQUAL_PRINCIPAL

    def recalculated(balance: int, count: int) -> tuple[list[int], list[int], list[int], list[int]]:
        if equal_principal:
            amount = (2 * balance + count) // (2 * count)
        else:
            amount = annuity_fen(balance, num, den, count)
        return ledger_kernel(balance, num, den, count, amount, equal_principal=equal_principal)

    if effective <= start:  # a whole period at the new rate: recalculate from this row
        tail = recalculated(owed_fen, months)
    else:
        if effective < due and policy.split_repricing_period:
            days = (due - start).days
            # owed x (each day's rate, summed over the period) / (12 x days), exactly
            weighted = sum(
                (Fraction(value) * count for count, value in rate_segments(timeline, start, due)),
                Fraction(0),
            )
            exact = Fraction(owed_fen, 100) * weighted / (12 * days)
            interest = fen(round_fraction_fen(exact))
            if equal_principal:
                amount = (2 * owed_fen + months) // (2 * months)
            else:
                amount = annuity_fen(owed_fen, num, den, months)
            part = min(amount if equal_principal else amount - interest, owed_fen)
            head = (interest + part, part, interest, owed_fen - part)
        else:  # the period under way keeps the old rate and its instalment
            head = (
                rows.payment_fen[index],
                rows.principal_fen[index],
                rows.interest_fen[index],
                rows.balance_fen[index],
            )
        rest = recalculated(head[3], months - 1) if months > 1 else ([], [], [], [])
        tail = (
            [head[0], *rest[0]],
            [head[1], *rest[1]],
            [head[2], *rest[2]],
            [head[3], *rest[3]],
        )
    columns = (
        (*rows.payment_fen[:index], *tail[0]),
        (*rows.principal_fen[:index], *tail[1]),
        (*rows.interest_fen[:index], *tail[2]),
        (*rows.balance_fen[:index], *tail[3]),
    )
    schedule = build_schedule(rows.principal, rate, len(rows), kind, rows.first_due, columns)
    return attrs.evolve(timeline, schedule=schedule, annual_rate=rate_in_force(timeline, loan.last_due))


def rate_on(loan: LoanAccount, on: date) -> Decimal:
    """The contract rate in force on ``on``: the latest repricing dated on or before it
    (whether or not the loan has been billed up to it), else the contract's rate."""
    instance(loan, LoanAccount, "loan")
    check_date(on, "on")
    return rate_in_force(loan, on)
