"""The monthly cycle (月度循环): bill what falls due, mark overdue bills and accrue their
penalty interest.

Conventions (docs/decisions.md D-021..):

- An instalment is billed on its due date (约定还款日); paying on the due date is on time.
  Unpaid after the due date (plus the policy's grace days) it is overdue (逾期).
- Penalty interest (罚息) accrues on the unpaid principal and interest of an overdue bill
  for every day after the due date, at the policy's daily rate (:mod:`._penalty`) on the
  contract rate in force that day (a repricing counts from its effective date); it is
  summed exactly and rounded half up to the fen once, so it does not depend on how often
  the loan is brought up to date.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import attrs

from hpf_core._inputs import instance
from hpf_core.dates import check_date
from hpf_core.loans._amortize import Schedule, build_schedule, due_date_of
from hpf_core.loans._loan_records import (
    ZERO,
    Bill,
    LoanAccount,
    OverdueRecord,
    rate_in_force,
    rate_segments,
)
from hpf_core.loans._penalty import daily_penalty_rate, penalty_for
from hpf_core.loans._servicing_policy import ServicingPolicy
from hpf_core.money import amount_from_fen, money_context


def _rest(schedule: Schedule, start: int) -> Schedule:
    """The rows of ``schedule`` from index ``start`` on, as a schedule of their own."""
    first_due = due_date_of(schedule, start) if start < len(schedule) else None
    principal = amount_from_fen(schedule.balance_fen[start - 1]) if start else schedule.principal
    columns = (
        schedule.payment_fen[start:],
        schedule.principal_fen[start:],
        schedule.interest_fen[start:],
        schedule.balance_fen[start:],
    )
    return build_schedule(
        principal, schedule.annual_rate, len(columns[0]), schedule.method, first_due, columns
    )


def bill_due(loan: LoanAccount, on: date) -> LoanAccount:
    """Bill every instalment whose due date is on or before ``on`` (到期应还)."""
    instance(loan, LoanAccount, "loan")
    check_date(on, "on")
    if loan.settled_on is not None:
        return loan
    # Only the rows that fall due are read, from the fen columns: a loan billed each month
    # reads one row, not its whole schedule as records (issue #16, D-066's batch profile).
    schedule = loan.schedule
    count, dues = 0, []
    while count < len(schedule):
        due = due_date_of(schedule, count)
        if due is None or due > on:
            break
        dues.append(due)
        count += 1
    if not count:
        return loan
    bills = loan.bills + tuple(
        Bill(
            loan.next_period + i,
            due,
            amount_from_fen(schedule.principal_fen[i]),
            amount_from_fen(schedule.interest_fen[i]),
        )
        for i, due in enumerate(dues)
    )
    last = dues[-1]
    billed = attrs.evolve(
        loan,
        schedule=_rest(loan.schedule, count),
        next_period=loan.next_period + count,
        last_due=last,
        bills=bills,
    )
    # a repricing the billing has reached becomes the rate of the rows
    return attrs.evolve(billed, annual_rate=rate_in_force(billed, last)) if billed.rates else billed


def accrue(loan: LoanAccount, on: date, policy: ServicingPolicy) -> LoanAccount:
    """Bring the loan up to ``on``: bill what fell due, mark overdue bills (逾期记录) and
    accrue their penalty interest (罚息) through ``on``."""
    instance(loan, LoanAccount, "loan")
    check_date(on, "on")
    instance(policy, ServicingPolicy, "policy")
    check_date(on, "on")
    loan = bill_due(loan, on)
    bills: list[Bill] = []
    records = list(loan.overdue)
    for billed in loan.bills:
        bill = billed
        late_from = bill.due_date + timedelta(days=policy.grace_days + 1)
        if on >= late_from and (bill.principal_due > 0 or bill.interest_due > 0):
            start = late_from if bill.penalty_through is None else bill.penalty_through + timedelta(days=1)
            days = (on - start).days + 1
            if days > 0:
                with money_context():
                    owed = bill.principal_due + bill.interest_due
                # each day at the contract rate in force that day (D-042)
                runs = rate_segments(loan, start, on + timedelta(days=1))
                added = sum(
                    (penalty_for(owed, daily_penalty_rate(rate, policy), count) for count, rate in runs),
                    Fraction(0),
                )
                bill = attrs.evolve(bill, penalty_exact=bill.penalty_exact + added, penalty_through=on)
            if not any(r.period == bill.period for r in records):
                records.append(OverdueRecord(bill.period, bill.due_date, bill.principal, bill.interest))
            records = [
                attrs.evolve(r, penalty=bill.penalty) if r.period == bill.period else r for r in records
            ]
        bills.append(bill)
    if not records and all(new is old for new, old in zip(bills, loan.bills, strict=True)):
        return loan  # nothing overdue: the loan as billed (an evolve a loan saved, D-074)
    return attrs.evolve(loan, bills=tuple(bills), overdue=tuple(records))


def amount_due(loan: LoanAccount, on: date, policy: ServicingPolicy) -> Decimal:
    """What must be paid on ``on`` to be up to date (应还合计), penalty included."""
    instance(loan, LoanAccount, "loan")
    check_date(on, "on")
    instance(policy, ServicingPolicy, "policy")
    current = accrue(loan, on, policy)
    with money_context():
        return sum((b.total_due for b in current.bills), ZERO)
