"""A stateful Hypothesis test of a loan account over on-time payments, late payments,
partial payments, prepayments, repricings and early settlement (issue #4)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hpf_core.dates import add_months
from hpf_core.errors import Refused
from hpf_core.loans import (
    Borrower,
    LoanAccount,
    LoanStatus,
    PrepaymentQuote,
    PrepaymentStrategy,
    RepaymentMethod,
    ServicingPolicy,
    SignerRole,
    accrue,
    amount_due,
    apply_prepayment,
    open_loan,
    prepayment_quote,
    repay,
    reprice_loan,
    settle,
    settlement_quote,
)
from hpf_core.testing import amounts

POLICY = ServicingPolicy()


class LoanMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loan: LoanAccount | None = None
        self.today = date(2023, 3, 1)
        self.original = Decimal(0)

    @initialize(
        principal=amounts(Decimal(10000), Decimal(2000000)),
        rate=st.sampled_from(["0.026", "0.031", "0.0325", "0.049"]),
        months=st.integers(13, 360),
        method=st.sampled_from(RepaymentMethod),
        day=st.integers(1, 28),
    )
    def open(self, principal: Decimal, rate: str, months: int, method: RepaymentMethod, day: int) -> None:
        self.loan = open_loan(
            contract_no="C",
            borrowers=(Borrower(SignerRole.BORROWER, "张三", "P1"),),
            principal=principal,
            disbursed_on=self.today,
            term_months=months,
            method=method,
            annual_rate=rate,
            repayment_day=day,
        )
        self.original = principal

    @property
    def current(self) -> LoanAccount:
        assert self.loan is not None
        return self.loan

    def settled(self) -> bool:
        return self.current.settled_on is not None

    @rule(days=st.integers(0, 40))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)
        self.loan = accrue(self.current, self.today, POLICY)

    @precondition(lambda self: self.loan is not None and self.loan.settled_on is None)
    @rule()
    def pay_everything_due(self) -> None:
        due = amount_due(self.current, self.today, POLICY)
        if due > 0:
            self.loan, _ = repay(self.current, due, self.today, POLICY)
            assert not self.current.bills

    @precondition(lambda self: self.loan is not None and self.loan.settled_on is None)
    @rule(share=st.integers(1, 99))
    def pay_part_of_what_is_due(self, share: int) -> None:
        due = amount_due(self.current, self.today, POLICY)
        part = (due * share / 100).quantize(Decimal("0.01"))
        if part > 0:
            self.loan, _ = repay(self.current, part, self.today, POLICY)

    @precondition(lambda self: self.loan is not None and self.loan.settled_on is None)
    @rule(share=st.integers(1, 60), strategy=st.sampled_from(PrepaymentStrategy))
    def prepay(self, share: int, strategy: PrepaymentStrategy) -> None:
        amount = (self.current.schedule.principal * share / 100).quantize(Decimal("0.01"))
        if amount <= 0:
            return
        quote: PrepaymentQuote | Refused
        try:
            quote = prepayment_quote(self.current, amount, self.today, strategy, POLICY)
        except Refused as refused:
            quote = refused
        if isinstance(quote, Refused):  # the default policy has only these reasons to say no
            assert set(quote.codes) <= {"too_early", "arrears", "no_principal", "settles"}, quote.codes
            return
        assert quote.remaining_months <= len(self.current.schedule)
        self.loan, _ = apply_prepayment(self.current, quote, POLICY)

    @precondition(lambda self: self.loan is not None and self.loan.settled_on is None)
    @rule(rate=st.sampled_from(["0.021", "0.026", "0.0285", "0.031"]), ahead=st.integers(0, 60))
    def reprice(self, rate: str, ahead: int) -> None:
        effective = self.today + timedelta(days=ahead)
        before = self.current
        self.loan = reprice_loan(self.current, rate, effective, POLICY)
        self.today = max(self.today, effective)
        assert self.current.balance == before.balance

    @precondition(lambda self: self.loan is not None and self.loan.settled_on is None)
    @rule()
    def settle_early(self) -> None:
        quote = settlement_quote(self.current, self.today, POLICY)
        self.loan, certificate = settle(self.current, quote, POLICY, certificate_no="X")
        assert certificate.total_principal_repaid == self.original

    @precondition(lambda self: self.loan is not None and self.loan.settled_on is not None)
    @rule(amount=amounts(Decimal("0.01"), Decimal(1000)))
    def a_settled_loan_accepts_nothing(self, amount: Decimal) -> None:
        for attempt in (
            lambda: repay(self.current, amount, self.today, POLICY),
            lambda: prepayment_quote(self.current, amount, self.today, "keep-term", POLICY),
            lambda: settlement_quote(self.current, self.today, POLICY),
        ):
            with pytest.raises(Refused) as refused:
                attempt()
            assert refused.value.codes == ("settled",)
        assert accrue(self.current, self.today + timedelta(days=400), POLICY) == self.current

    @invariant()
    def principal_repaid_plus_outstanding_is_the_loan(self) -> None:
        if self.loan is not None:
            assert self.loan.repaid_principal + self.loan.balance == self.original

    @invariant()
    def the_balance_is_billed_plus_unbilled_principal(self) -> None:
        if self.loan is not None and self.loan.settled_on is None:
            billed = sum((b.principal_due for b in self.loan.bills), Decimal(0))
            assert self.loan.balance == billed + self.loan.schedule.principal
            assert self.loan.schedule.total_principal == self.loan.schedule.principal

    @invariant()
    def no_amount_is_negative(self) -> None:
        if self.loan is None:
            return
        loan = self.loan
        assert loan.balance >= 0
        assert min(loan.repaid_principal, loan.repaid_interest, loan.repaid_penalty) >= 0
        for bill in loan.bills:
            assert min(bill.principal_due, bill.interest_due, bill.penalty_due) >= 0
        for row in loan.schedule:
            assert min(row.payment, row.principal, row.interest, row.balance) >= 0

    @invariant()
    def status_follows_the_records(self) -> None:
        if self.loan is None:
            return
        if self.loan.settled_on is not None:
            assert self.loan.status is LoanStatus.SETTLED
            assert self.loan.balance == 0
        elif any(r.cleared_on is None for r in self.loan.overdue):
            assert self.loan.status is LoanStatus.OVERDUE
        else:
            assert self.loan.status is LoanStatus.NORMAL

    @invariant()
    def due_dates_stay_on_the_agreed_day(self) -> None:
        if self.loan is None or not len(self.loan.schedule):
            return
        first = self.loan.schedule[0].due_date
        assert first is not None
        assert first.day == self.loan.contract.repayment_day
        assert self.loan.schedule[-1].due_date == add_months(first, len(self.loan.schedule) - 1)


LoanMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLoanMachine = LoanMachine.TestCase
