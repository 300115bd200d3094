"""A stateful Hypothesis test of the deposit-account services on the in-memory adapter.

Rules drive remittances, back-pay, interest settlement, withdrawals, freezes, seals and
reversals, and replay earlier requests with the same key (and with a changed
parameter). After every step the invariants of issue #3 are checked.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_core.accounts import (
    AccountStatus,
    DayBasis,
    Employer,
    EntryKind,
    FreezeFlag,
    JournalEntry,
    Member,
    balance_of,
)
from hpf_core.accounts import services as svc
from hpf_core.errors import IdempotencyConflict, InsufficientFunds, Refused
from hpf_core.testing import amounts

ACCOUNTS = ("A0", "A1", "A2")
EMPLOYERS = (Employer("E1", "单位一"), Employer("E2", "单位二"))
IDS = ("11010519491231002X", "440524188001010014", "11010219840406970X")
MONTHS = tuple(date(2024 + (m // 12), m % 12 + 1, 1) for m in range(6, 30))  # 2024-07 .. 2026-06
RATES = [(date(2016, 2, 21), Decimal("0.015"))]

Request = tuple[str, dict[str, object], Callable[..., object]]
REMIT = functools.partial(svc.remit_month, rounding="half-up-yuan")
OUT_DATE = date(2026, 7, 3)
"""Money out (withdrawals, reversals) is dated after every credit the rules can make."""


class DepositMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = MemoryStore()
        self.requests: list[Request] = []
        self.counter = 0
        # partial-freeze floors: the balance a partial freeze protects (min of the amount
        # and the balance when frozen), per account
        self.floor: dict[str, Decimal] = {}
        self.frozen_balance: dict[str, Decimal] = {}

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)

    def key(self) -> str:
        self.counter += 1
        return f"k{self.counter}"

    def account(self, number: str) -> object:
        return self.uow().accounts.get(number)

    def run(self, call: Callable[..., object], **kwargs: object) -> object | None:
        """Call a money service; remember the request for replays if it succeeded."""
        try:
            result = call(self.uow(), **kwargs)
        except Refused:
            return None
        self.requests.append((str(kwargs["key"]), kwargs, call))
        return result

    @initialize()
    def open_accounts(self) -> None:
        for i, number in enumerate(ACCOUNTS):
            svc.open_account(
                self.uow(),
                account_no=number,
                member=Member(f"M{i}", f"职工{i}", IDS[i]),
                employer=EMPLOYERS[i % 2],
                opened_on=date(2024, 1, 1),
                base=3000 + 1000 * i,
                employee_ratio="0.12",
                employer_ratio="0.12",
            )

    @rule(employer=st.sampled_from(EMPLOYERS), month=st.sampled_from(MONTHS))
    def remit(self, employer: Employer, month: date) -> None:
        self.run(REMIT, employer_no=employer.employer_no, month=month, value_date=month, key=self.key())

    @rule(
        number=st.sampled_from(ACCOUNTS),
        month=st.sampled_from(MONTHS),
        amount=amounts(Decimal(1), Decimal(2000)),
    )
    def back_pay(self, number: str, month: date, amount: Decimal) -> None:
        self.run(
            svc.back_pay,
            account_no=number,
            month=month,
            amount=amount,
            value_date=date(2026, 7, 1),
            key=self.key(),
        )

    @rule(number=st.sampled_from(ACCOUNTS), amount=amounts(Decimal("0.01"), Decimal(20000)))
    def withdraw(self, number: str, amount: Decimal) -> None:
        before = self.uow().accounts.get(number)
        refused: Refused | None = None
        try:
            svc.withdraw(self.uow(), account_no=number, amount=amount, value_date=OUT_DATE, key=self.key())
        except InsufficientFunds:
            available = before.balance - (
                before.state.frozen_amount if before.state.freeze is FreezeFlag.PARTIAL else Decimal(0)
            )
            assert amount > available
        except Refused as exc:
            refused = exc
        else:
            assert before.state.freeze not in (FreezeFlag.CREDITS_ONLY, FreezeFlag.NO_MOVEMENT)
        if refused is not None:  # beyond "not enough", only the account's state refuses
            assert before.status is not AccountStatus.NORMAL, refused.violations

    @rule(year=st.sampled_from([2024, 2025]), basis=st.sampled_from(DayBasis))
    def settle(self, year: int, basis: DayBasis) -> None:
        self.run(
            svc.settle_annual_interest,
            year=year,
            rates=RATES,
            basis=basis,
            key=self.key(),
            on=date(year + 1, 7, 1),
        )

    @rule(
        number=st.sampled_from(ACCOUNTS),
        flag=st.sampled_from([FreezeFlag.CREDITS_ONLY, FreezeFlag.NO_MOVEMENT, FreezeFlag.PARTIAL]),
        amount=amounts(Decimal(1), Decimal(5000)),
    )
    def freeze(self, number: str, flag: FreezeFlag, amount: Decimal) -> None:
        try:
            after = svc.freeze(self.uow(), account_no=number, flag=flag, amount=amount)
        except Refused:
            return
        self.frozen_balance[number] = after.balance
        self.floor[number] = min(amount, after.balance) if flag is FreezeFlag.PARTIAL else after.balance

    @rule(number=st.sampled_from(ACCOUNTS))
    def unfreeze(self, number: str) -> None:
        try:
            svc.unfreeze(self.uow(), account_no=number)
        except Refused:
            return
        self.floor.pop(number, None)

    @rule(number=st.sampled_from(ACCOUNTS), sealing=st.booleans())
    def seal_or_unseal(self, number: str, sealing: bool) -> None:
        with contextlib.suppress(Refused):
            (svc.seal if sealing else svc.unseal)(self.uow(), account_no=number)

    @precondition(lambda self: bool(self.store.entries))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        entry: JournalEntry = data.draw(st.sampled_from(self.store.entries))
        self.run(svc.reverse_entry, entry_id=entry.entry_id, value_date=OUT_DATE, key=self.key())

    @precondition(lambda self: bool(self.requests))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        _, kwargs, call = data.draw(st.sampled_from(self.requests))
        before = self.store.entries
        accounts_before = self.store.accounts
        result = call(self.uow(), **kwargs)
        assert self.store.entries == before
        assert self.store.accounts == accounts_before
        assert result is not None

    @precondition(lambda self: bool(self.requests))
    @rule(data=st.data())
    def replay_with_a_changed_parameter(self, data: st.DataObject) -> None:
        key, kwargs, call = data.draw(st.sampled_from(self.requests))
        name = data.draw(
            st.sampled_from(sorted(k for k in kwargs if k not in ("key", "rates", "basis", "entry_id")))
        )
        value = kwargs[name]
        changed: object
        if isinstance(value, Decimal):
            changed = value + Decimal("0.01")
        elif isinstance(value, date) and name == "month":  # a month is a month: the 2nd is the same one
            changed = date(value.year + value.month // 12, value.month % 12 + 1, 1)
        elif isinstance(value, date):
            changed = value.replace(day=2) if value.day == 1 else value.replace(day=1)
        elif isinstance(value, int):
            changed = value + 1
        else:
            changed = f"{value}x"
        before = self.store.entries
        with pytest.raises(IdempotencyConflict) as info:
            call(self.uow(), **{**kwargs, name: changed})
        assert info.value.field == name, f"{name} changed from {value} to {changed} for key {key}"
        assert self.store.entries == before

    @invariant()
    def balances_are_the_sum_of_entries_and_never_negative(self) -> None:
        journal = self.uow().journal
        for acct in self.store.accounts:
            assert acct.balance == balance_of(journal.entries(acct.account_no))
            assert acct.balance >= 0

    @invariant()
    def a_frozen_amount_is_never_withdrawn(self) -> None:
        for acct in self.store.accounts:
            if acct.status is AccountStatus.FROZEN and acct.account_no in self.floor:
                assert acct.balance >= self.floor[acct.account_no]

    @invariant()
    def each_account_year_is_settled_at_most_once(self) -> None:
        entries = self.store.entries
        reversed_ids = {e.reverses for e in entries if e.reverses}
        live = [
            e
            for e in entries
            if e.kind is EntryKind.INTEREST and e.interest_year is not None and e.entry_id not in reversed_ids
        ]
        pairs = [(e.account_no, e.interest_year) for e in live]
        assert len(pairs) == len(set(pairs))
        for acct in self.store.accounts:
            assert {y for a, y in pairs if a == acct.account_no} == set(acct.settled_years)

    @invariant()
    def the_journal_only_grows_and_entries_never_change(self) -> None:
        entries = self.store.entries
        assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
        previous = getattr(self, "_seen", ())
        assert entries[: len(previous)] == previous
        self._seen = entries


DepositMachine.TestCase.settings = settings(
    max_examples=300, stateful_step_count=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestDepositMachine = DepositMachine.TestCase
