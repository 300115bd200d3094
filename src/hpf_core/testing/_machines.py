"""State machines to extend (issue #19, D-062): a deposit account, a loan and a
withdrawal application, driven through hpf's services over any unit of work, with hpf's
invariants as ``@invariant``s.

A machine needs a store: :meth:`HpfMachine.on` makes a subclass bound to a factory that
returns a fresh store as a unit-of-work factory (``hpf_adapters.pytest_plugin`` has them
for memory, SQLite and a database URL). Subclass to add your own rules — your API in front
of hpf — and keep the invariants::

    class MyDeposits(DepositAccountMachine):
        @rule(number=st.sampled_from(DepositAccountMachine.ACCOUNTS))
        def my_statement_matches(self, number: str) -> None:
            assert my_api.balance(number) == self.account(number).balance

    TestMyDeposits = MyDeposits.on(memory_units).TestCase
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hpf_core.accounts import (
    DepositAccount,
    Employer,
    EntryKind,
    FreezeFlag,
    JournalEntry,
    Member,
    balance_of,
)
from hpf_core.accounts import services as accounts
from hpf_core.errors import Refused
from hpf_core.loans import (
    Borrower,
    LoanAccount,
    LoanStatus,
    PrepaymentStrategy,
    RepaymentMethod,
    SignerRole,
    amount_due,
    open_loan,
)
from hpf_core.loans import services as loans
from hpf_core.ports import UnitOfWork
from hpf_core.testing._basics import amounts
from hpf_core.testing._cases import LOAN_POLICY
from hpf_core.testing._records import CHINA
from hpf_core.withdrawals import (
    DEFAULT_REVIEW_NODE,
    Application,
    ApplicationStatus,
    DocumentRequirement,
    StepAction,
    WithdrawalKind,
    approve,
    draft,
    end,
    mark_paid,
    resubmit,
    return_to_applicant,
    start_review,
    submit,
    upload,
)

__all__ = ["ApplicationMachine", "ApprovingDebit", "DepositAccountMachine", "HpfMachine", "LoanMachine"]

NewUnitOfWork = Callable[[], UnitOfWork]
M = TypeVar("M", bound="HpfMachine")


class HpfMachine(RuleBasedStateMachine):
    """The base of hpf's machines: ``self.new_uow()`` is a unit of work over the store the
    class was bound to with :meth:`on`; ``self.today`` the day the rules act on."""

    store: ClassVar[Callable[[], NewUnitOfWork] | None] = None

    def __init__(self) -> None:
        super().__init__()
        if type(self).store is None:
            raise TypeError(f"{type(self).__name__} has no store: use {type(self).__name__}.on(factory)")
        self.new_uow: NewUnitOfWork = type(self).store()  # type: ignore[misc]
        self.counter = 0
        self.today = date(2024, 7, 1)

    @classmethod
    def on(cls: type[M], store: Callable[[], NewUnitOfWork]) -> type[M]:
        """A subclass whose every run starts on ``store()`` (a fresh store each run)."""
        return type(
            f"{cls.__name__}On{getattr(store, '__name__', 'store').title()}", (cls,), {"store": store}
        )

    def key(self) -> str:
        """A new idempotency key."""
        self.counter += 1
        return f"{type(self).__name__}-{self.counter}"

    @contextlib.contextmanager
    def unit(self) -> Iterator[UnitOfWork]:
        """A unit of work that commits when the block ends without an error."""
        with self.new_uow() as uow:
            yield uow
            uow.commit()


# --------------------------------------------------------------------------- deposits


class DepositAccountMachine(HpfMachine):
    """Deposit accounts under remittances, withdrawals, freezes and reversals.

    Invariants: each balance is the sum of its journal and never negative; the journal
    only grows and its entries never change; a refused posting changes nothing."""

    ACCOUNTS: ClassVar[tuple[str, ...]] = ("A0", "A1")
    IDS: ClassVar[tuple[str, ...]] = ("11010519491231002X", "440524188001010014")
    EMPLOYER = Employer("E1", "单位")

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, tuple[JournalEntry, ...]] = {}

    def account(self, number: str) -> DepositAccount:
        """The account as the store has it now."""
        with self.new_uow() as uow:
            return uow.accounts.get(number)

    def entries(self, number: str) -> tuple[JournalEntry, ...]:
        with self.new_uow() as uow:
            return tuple(uow.journal.entries(number))

    def attempt(self, call: Callable[..., object], **kwargs: Any) -> object | None:
        """Call a service; a refusal must leave every account and journal as it was."""
        before = {n: (self.account(n), self.entries(n)) for n in self.ACCOUNTS}
        try:
            return call(self.new_uow(), **kwargs)
        except Refused:
            assert before == {n: (self.account(n), self.entries(n)) for n in self.ACCOUNTS}
            return None

    @initialize()
    def open_accounts(self) -> None:
        for i, number in enumerate(self.ACCOUNTS):
            accounts.open_account(
                self.new_uow(),
                account_no=number,
                member=Member(f"M{i}", f"职工{i}", self.IDS[i % len(self.IDS)]),
                employer=self.EMPLOYER,
                opened_on=date(2024, 1, 1),
                base=3000 + 1000 * i,
                employee_ratio="0.12",
                employer_ratio="0.12",
            )

    @rule(days=st.integers(1, 40))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @rule()
    def remit(self) -> None:
        month = self.today.replace(day=1)
        self.attempt(
            accounts.remit_month,
            employer_no=self.EMPLOYER.employer_no,
            month=month,
            value_date=self.today,
            key=self.key(),
            rounding="half-up-yuan",
        )

    @rule(number=st.sampled_from(ACCOUNTS), amount=amounts(Decimal("0.01"), Decimal("3000.00")))
    def withdraw(self, number: str, amount: Decimal) -> None:
        self.attempt(
            accounts.withdraw, account_no=number, amount=amount, value_date=self.today, key=self.key()
        )

    @rule(
        number=st.sampled_from(ACCOUNTS),
        flag=st.sampled_from(FreezeFlag),
        amount=amounts(Decimal(1), Decimal(999)),
    )
    def freeze(self, number: str, flag: FreezeFlag, amount: Decimal) -> None:
        if flag is not FreezeFlag.NONE:
            self.attempt(accounts.freeze, account_no=number, flag=flag, amount=amount)

    @rule(number=st.sampled_from(ACCOUNTS))
    def unfreeze(self, number: str) -> None:
        self.attempt(accounts.unfreeze, account_no=number)

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        entries = [e for n in self.ACCOUNTS for e in self.entries(n) if e.kind is not EntryKind.REVERSAL]
        if entries:
            entry = data.draw(st.sampled_from(entries))
            self.attempt(
                accounts.reverse_entry, entry_id=entry.entry_id, value_date=self.today, key=self.key()
            )

    @invariant()
    def balances_are_the_sum_of_the_journal_and_never_negative(self) -> None:
        for number in self.ACCOUNTS:
            balance = self.account(number).balance
            assert balance == balance_of(self.entries(number)) >= 0

    @invariant()
    def the_journal_only_grows(self) -> None:
        for number in self.ACCOUNTS:
            entries = self.entries(number)
            previous = self.seen.get(number, ())
            assert entries[: len(previous)] == previous
            self.seen[number] = entries


# --------------------------------------------------------------------------- loans


class ApprovingDebit:
    """A :class:`~hpf_core.ports.BankDebit` that approves every debit (or declines all when
    ``declines``), remembering each debit id once."""

    def __init__(self, declines: bool = False) -> None:
        self.declines = declines
        self.debits: dict[str, Decimal] = {}

    def debit(self, *, debit_id: str, contract_no: str, amount: Decimal, card_number: str = "") -> bool:
        if self.declines:
            return False
        self.debits.setdefault(debit_id, amount)
        return True


class LoanMachine(HpfMachine):
    """A disbursed loan under monthly collections (some declined), prepayments, time and
    early settlement. Invariants: principal repaid plus the balance is the loan; nothing is
    negative; the status follows the records (settled ⇔ nothing owed and a settlement day)."""

    CONTRACT = "C1"

    def __init__(self) -> None:
        super().__init__()
        self.principal = Decimal(0)
        self.bank = ApprovingDebit()

    def loan(self) -> LoanAccount:
        with self.new_uow() as uow:
            return uow.loans.get(self.CONTRACT)

    def settled(self) -> bool:
        return self.loan().settled_on is not None

    @initialize(
        principal=amounts(Decimal(10000), Decimal(1000000)),
        months=st.integers(24, 360),
        method=st.sampled_from(RepaymentMethod),
        day=st.integers(1, 28),
    )
    def disburse(self, principal: Decimal, months: int, method: RepaymentMethod, day: int) -> None:
        loan = open_loan(
            contract_no=self.CONTRACT,
            borrowers=(Borrower(SignerRole.BORROWER, "张三", "P1"),),
            principal=principal,
            disbursed_on=self.today,
            term_months=months,
            method=method,
            annual_rate="0.031",
            repayment_day=day,
            card_number="6222021234567890128",
        )
        loans.disburse(self.new_uow(), loan)
        self.principal = principal

    @rule(days=st.integers(1, 45))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @precondition(lambda self: not self.settled())
    @rule(declined=st.booleans())
    def collect(self, declined: bool) -> None:
        self.bank.declines = declined
        with contextlib.suppress(Refused):
            loans.collect_instalment(
                self.new_uow(),
                contract_no=self.CONTRACT,
                on=self.today,
                policy=LOAN_POLICY,
                key=self.key(),
                bank=self.bank,
            )

    @precondition(lambda self: not self.settled())
    @rule(share=st.integers(1, 50), strategy=st.sampled_from(PrepaymentStrategy))
    def prepay(self, share: int, strategy: PrepaymentStrategy) -> None:
        amount = (self.loan().balance * share / 100).quantize(Decimal("0.01"))
        if amount > 0:
            with contextlib.suppress(Refused):
                loans.prepay_loan(
                    self.new_uow(),
                    contract_no=self.CONTRACT,
                    amount=amount,
                    on=self.today,
                    strategy=strategy,
                    policy=LOAN_POLICY,
                    key=self.key(),
                )

    @precondition(lambda self: not self.settled())
    @rule()
    def settle_early(self) -> None:
        with contextlib.suppress(Refused):
            loans.settle_loan(
                self.new_uow(),
                contract_no=self.CONTRACT,
                on=self.today,
                from_hpf=0,
                policy=LOAN_POLICY,
                key=self.key(),
                certificate_no=self.key(),
            )

    @invariant()
    def principal_repaid_plus_balance_is_the_loan(self) -> None:
        if self.principal:
            loan = self.loan()
            assert loan.repaid_principal + loan.balance == self.principal

    @invariant()
    def nothing_is_negative(self) -> None:
        if self.principal:
            loan = self.loan()
            assert min(loan.balance, loan.repaid_principal, loan.repaid_interest, loan.repaid_penalty) >= 0
            assert amount_due(loan, loan.last_due, LOAN_POLICY) >= 0 or loan.settled_on is not None

    @invariant()
    def the_status_follows_the_records(self) -> None:
        if self.principal:
            loan = self.loan()
            if loan.settled_on is not None:
                assert loan.status is LoanStatus.SETTLED
                assert loan.balance == 0
            elif any(r.cleared_on is None for r in loan.overdue):
                assert loan.status is LoanStatus.OVERDUE


# --------------------------------------------------------------------------- applications


_NEXT = {
    ApplicationStatus.DRAFT: "submit",
    ApplicationStatus.SUBMITTED: "review",
    ApplicationStatus.UNDER_REVIEW: "approve",
    ApplicationStatus.RETURNED: "resubmit",
    ApplicationStatus.APPROVED: "pay",
}


class ApplicationMachine(HpfMachine):
    """Withdrawal applications through the workflow (draft, upload, submit, review,
    return, resubmit, approve, pay, end), each transition applied to the stored record.

    Invariants: the history only grows; an application is paid at most once and only
    after an approval; an ended one is never paid; a refused transition changes nothing;
    a reviewer is never the applicant; a member has at most one application of a kind in
    flight."""

    MEMBERS: ClassVar[tuple[str, ...]] = ("M1", "M2")
    STEPS: ClassVar[tuple[str, ...]] = (
        "upload",
        "submit",
        "review",
        "return",
        "resubmit",
        "approve",
        "pay",
        "end",
    )
    REQUIREMENTS = (DocumentRequirement("身份证", True, 2),)

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.seen: dict[str, Application] = {}
        self.at = datetime(2024, 7, 1, 9, 0, tzinfo=CHINA)

    def now(self) -> datetime:
        self.at += timedelta(minutes=7)
        return self.at

    def stored(self, application_id: str) -> Application:
        with self.new_uow() as uow:
            return uow.applications.get(application_id)

    def change(self, application_id: str, step: Callable[[Application], Application]) -> None:
        """Apply ``step`` to the stored application and save it; a refusal saves nothing."""
        before = self.stored(application_id)
        try:
            with self.unit() as uow:
                uow.applications.save(step(uow.applications.get(application_id)))
        except Refused:
            assert self.stored(application_id) == before

    @rule(
        member=st.sampled_from(MEMBERS),
        kind=st.sampled_from(WithdrawalKind),
        amount=amounts(Decimal(1), Decimal(9999)),
    )
    def start(self, member: str, kind: WithdrawalKind, amount: Decimal) -> None:
        with contextlib.suppress(Refused), self.unit() as uow:
            others = uow.applications.by_member(member)
            app = draft(
                f"W{len(self.ids) + 1}",
                member,
                kind,
                amount,
                "6222021234567890128",
                self.REQUIREMENTS,
                others=others,
            )
            uow.applications.add(app)
            self.ids.append(app.application_id)

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data(), step=st.sampled_from(STEPS), at_random=st.integers(0, 3))
    def act(self, data: st.DataObject, step: str, at_random: int) -> None:
        """A step on one application: mostly the step its state expects next (so runs
        reach payment), one time in four any step (most then refused)."""
        application_id = data.draw(st.sampled_from(self.ids))
        app = self.stored(application_id)
        member = app.member_id
        if at_random:
            step = _NEXT.get(app.status, step)
            if step == "submit" and not app.documents:
                step = "upload"
        # the applicant acts on their own steps; reviewers mostly staff, sometimes the applicant
        staff = step in ("review", "return", "approve")
        actor = data.draw(st.sampled_from(["S1", "S2", "S1", member])) if staff else member
        at = self.now()
        steps: dict[str, Callable[[Application], Application]] = {
            "upload": lambda a: upload(a, "身份证", 1),
            "submit": lambda a: submit(a, actor, at),
            "review": lambda a: start_review(a, DEFAULT_REVIEW_NODE, actor, at),
            "return": lambda a: return_to_applicant(a, DEFAULT_REVIEW_NODE, actor, "请补充", at),
            "resubmit": lambda a: resubmit(a, actor, at),
            "approve": lambda a: approve(a, DEFAULT_REVIEW_NODE, actor, at),
            "pay": lambda a: mark_paid(a, f"P-{application_id}", at),
            "end": lambda a: end(a, actor, at),
        }
        self.change(application_id, steps[step])

    @invariant()
    def histories_only_grow_and_payment_follows_approval(self) -> None:
        for application_id in self.ids:
            app = self.stored(application_id)
            old = self.seen.get(application_id)
            if old is not None:
                assert app.history[: len(old.history)] == old.history
            actions = [s.action for s in app.history]
            assert actions.count(StepAction.PAY) <= 1
            if StepAction.PAY in actions:
                assert StepAction.APPROVE in actions[: actions.index(StepAction.PAY)]
                assert app.status is ApplicationStatus.PAID
            if app.status is ApplicationStatus.ENDED:
                assert app.payment_ref is None
            for s in app.history:
                if s.action in (StepAction.APPROVE, StepAction.RETURN, StepAction.START_REVIEW):
                    assert s.actor != app.member_id
            self.seen[application_id] = app

    @invariant()
    def a_member_has_one_application_of_a_kind_in_flight(self) -> None:
        with self.new_uow() as uow:
            for member in self.MEMBERS:
                kinds = [a.kind for a in uow.applications.by_member(member) if a.status.in_flight]
                assert len(kinds) == len(set(kinds)), kinds
