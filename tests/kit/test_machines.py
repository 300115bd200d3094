"""hpf_core.testing's three state machines run against the in-memory store and SQLite
(issue #19, D-062), and a subclass adds a rule of its own."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from hpf_adapters.pytest_plugin import memory_units, sqlite_units
from hpf_core.accounts import EntryKind
from hpf_core.testing import ApplicationMachine, DepositAccountMachine, LoanMachine

MEMORY = settings(
    max_examples=40, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
)
SQLITE = settings(MEMORY, max_examples=6, stateful_step_count=20)

TestDepositsInMemory = DepositAccountMachine.on(memory_units).TestCase
TestDepositsInMemory.settings = MEMORY
TestLoanInMemory = LoanMachine.on(memory_units).TestCase
TestLoanInMemory.settings = MEMORY
TestApplicationsInMemory = ApplicationMachine.on(memory_units).TestCase
TestApplicationsInMemory.settings = MEMORY

TestDepositsOnSqlite = DepositAccountMachine.on(sqlite_units).TestCase
TestDepositsOnSqlite.settings = SQLITE
TestLoanOnSqlite = LoanMachine.on(sqlite_units).TestCase
TestLoanOnSqlite.settings = SQLITE
TestApplicationsOnSqlite = ApplicationMachine.on(sqlite_units).TestCase
TestApplicationsOnSqlite.settings = SQLITE


class CountingDeposits(DepositAccountMachine):
    """A user's subclass: one rule of its own (a statement total computed by hand)."""

    totals: ClassVar[list[int]] = []

    @rule(number=st.sampled_from(DepositAccountMachine.ACCOUNTS))
    def the_statement_adds_up(self, number: str) -> None:
        signed = Decimal(0)
        by_id = {e.entry_id: e for e in self.entries(number)}
        for entry in by_id.values():
            if entry.kind is EntryKind.REVERSAL:
                assert entry.reverses is not None
                target = by_id[entry.reverses]
                signed += -abs(target.amount) if target.kind.is_credit else abs(target.amount)
            else:
                signed += abs(entry.amount) if entry.kind.is_credit else -abs(entry.amount)
        assert signed == self.account(number).balance
        CountingDeposits.totals.append(len(by_id))


def test_a_subclass_adds_a_rule_and_keeps_the_invariants() -> None:
    CountingDeposits.totals.clear()
    run_state_machine_as_test(CountingDeposits.on(memory_units), settings=MEMORY)
    assert CountingDeposits.totals  # the rule ran
    assert max(CountingDeposits.totals) > 0  # on statements with entries


def test_a_machine_without_a_store_says_how_to_bind_one() -> None:
    with pytest.raises(TypeError, match=r"use DepositAccountMachine\.on\(factory\)"):
        DepositAccountMachine()


def test_on_binds_a_fresh_store_per_run() -> None:
    made: list[object] = []

    def counting() -> object:
        units = memory_units()
        made.append(units)
        return units

    bound = LoanMachine.on(counting)  # type: ignore[arg-type]
    bound()
    bound()
    assert len(made) == 2
    assert made[0] is not made[1]
