"""Repayment (还款): a payment of up to what is due, split between the buckets in the
policy's order, by default penalty → overdue interest → overdue principal → current
interest → current principal (older bills first within each bucket)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import attrs

from hpf_core._inputs import instance
from hpf_core.dates import check_date
from hpf_core.errors import InvalidAmount, Violation, refusal
from hpf_core.loans._cycle import accrue
from hpf_core.loans._loan_records import ZERO, Allocation, LoanAccount, PaymentSource
from hpf_core.loans._servicing_policy import Bucket, ServicingPolicy
from hpf_core.money import Amount, money_context, yuan


def repay(
    loan: LoanAccount,
    amount: Amount,
    on: date,
    policy: ServicingPolicy,
    *,
    source: PaymentSource = PaymentSource.BANK,
) -> tuple[LoanAccount, Allocation]:
    """Post a repayment (还款) of up to what is due on ``on``, allocated in the policy's
    order; older bills come first within each bucket. Paying more than is due is a
    prepayment, not a repayment.

    Refusals raise ``refusal(...)`` (D-035): ``settled`` (the loan is settled),
    ``exceeds_due`` (more than is due).
    """
    instance(loan, LoanAccount, "loan")
    check_date(on, "on")
    instance(policy, ServicingPolicy, "policy")
    check_date(on, "on")
    paid = yuan(amount, "amount")
    if paid <= 0:
        raise InvalidAmount("amount", "must be greater than 0", amount)
    if loan.settled_on is not None:
        raise refusal([Violation("settled", "the loan is settled", "status")])
    loan = accrue(loan, on, policy)
    with money_context():
        return _allocate(loan, paid, on, policy, source)


def _allocate(
    loan: LoanAccount, paid: Decimal, on: date, policy: ServicingPolicy, source: PaymentSource
) -> tuple[LoanAccount, Allocation]:
    due = sum((b.total_due for b in loan.bills), ZERO)
    if paid > due:
        raise refusal([Violation("exceeds_due", f"{paid} exceeds the {due} due: prepay the rest", "amount")])
    left = paid
    bills = list(loan.bills)
    taken = dict.fromkeys(Bucket, ZERO)
    cutoff = on - timedelta(days=policy.grace_days)
    for bucket in policy.allocation:
        for i, bill in enumerate(bills):
            overdue = bill.due_date < cutoff
            if bucket in (Bucket.OVERDUE_INTEREST, Bucket.OVERDUE_PRINCIPAL) and not overdue:
                continue
            if bucket in (Bucket.CURRENT_INTEREST, Bucket.CURRENT_PRINCIPAL) and overdue:
                continue
            if bucket is Bucket.PENALTY:
                take = min(left, bill.penalty_due)
                bills[i] = attrs.evolve(bill, penalty_paid=bill.penalty_paid + take)
            elif bucket in (Bucket.OVERDUE_INTEREST, Bucket.CURRENT_INTEREST):
                take = min(left, bill.interest_due)
                bills[i] = attrs.evolve(bill, interest_paid=bill.interest_paid + take)
            else:
                take = min(left, bill.principal_due)
                bills[i] = attrs.evolve(bill, principal_paid=bill.principal_paid + take)
            taken[bucket] += take
            left -= take
    cleared = {b.period for b in bills if b.total_due == 0}
    records = tuple(
        attrs.evolve(r, cleared_on=on) if r.period in cleared and r.cleared_on is None else r
        for r in loan.overdue
    )
    allocation = Allocation(
        on,
        source,
        taken[Bucket.PENALTY],
        taken[Bucket.OVERDUE_INTEREST],
        taken[Bucket.OVERDUE_PRINCIPAL],
        taken[Bucket.CURRENT_INTEREST],
        taken[Bucket.CURRENT_PRINCIPAL],
    )
    updated = attrs.evolve(
        loan,
        balance=loan.balance - allocation.principal,
        bills=tuple(b for b in bills if b.total_due > 0),
        overdue=records,
        repaid_principal=loan.repaid_principal + allocation.principal,
        repaid_interest=loan.repaid_interest + allocation.interest,
        repaid_penalty=loan.repaid_penalty + allocation.penalty,
    )
    return updated, allocation
