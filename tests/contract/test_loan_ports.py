"""The contracts of the loan ports — ``BankDebit`` and ``LoanJournal`` — run against every
adapter (the in-memory ones for now; a real bank gateway or a database journal joins the
parametrisation when it lands, and these tests must pass unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.payments import MemoryBankDebit
from hpf_core.errors import IdempotencyConflict, PaymentTimeout
from hpf_core.loans import LoanEntryDraft, LoanEntryKind, PaymentSource
from hpf_core.ports import BankDebit, UnitOfWork

D = Decimal

# A bank factory takes the contract numbers the bank must decline and how many replies it
# loses, and returns a fresh adapter.
BankFactory = Callable[[frozenset[str], int], BankDebit]


def memory_bank(declined: frozenset[str], lose_replies: int) -> BankDebit:
    return MemoryBankDebit(declined=declined, lose_replies=lose_replies)


BANKS = [pytest.param(memory_bank, id="memory")]


@pytest.mark.parametrize("new_bank", BANKS)
class TestBankDebitContract:
    def test_a_debit_the_bank_makes_answers_true(self, new_bank: BankFactory) -> None:
        bank = new_bank(frozenset(), 0)
        assert bank.debit(debit_id="D1", contract_no="C1", amount=D("4270.16")) is True

    def test_a_declined_debit_answers_false_and_is_not_an_error(self, new_bank: BankFactory) -> None:
        bank = new_bank(frozenset({"C2"}), 0)
        assert bank.debit(debit_id="D1", contract_no="C2", amount=D("100.00")) is False
        assert bank.debit(debit_id="D1", contract_no="C2", amount=D("100.00")) is False

    def test_a_repeated_debit_id_replays_the_first_answer_and_debits_once(
        self, new_bank: BankFactory
    ) -> None:
        bank = new_bank(frozenset(), 0)
        answers = [bank.debit(debit_id="D1", contract_no="C1", amount=D("10.00")) for _ in range(3)]
        assert answers == [True, True, True]
        if isinstance(bank, MemoryBankDebit):  # what an inspectable adapter shows
            assert bank.debits == (("D1", "C1", D("10.00")),)

    def test_the_same_id_for_another_debit_is_a_conflict(self, new_bank: BankFactory) -> None:
        bank = new_bank(frozenset(), 0)
        bank.debit(debit_id="D1", contract_no="C1", amount=D("10.00"))
        with pytest.raises(IdempotencyConflict):
            bank.debit(debit_id="D1", contract_no="C1", amount=D("10.01"))
        with pytest.raises(IdempotencyConflict):
            bank.debit(debit_id="D1", contract_no="C9", amount=D("10.00"))

    def test_a_lost_reply_is_retried_under_the_same_id_without_a_second_debit(
        self, new_bank: BankFactory
    ) -> None:
        bank = new_bank(frozenset(), 1)
        with pytest.raises(PaymentTimeout):
            bank.debit(debit_id="D1", contract_no="C1", amount=D("10.00"))
        assert bank.debit(debit_id="D1", contract_no="C1", amount=D("10.00")) is True
        if isinstance(bank, MemoryBankDebit):
            assert bank.debits == (("D1", "C1", D("10.00")),)


UowFactory = Callable[[], Callable[[], UnitOfWork]]


def memory_uow() -> Callable[[], UnitOfWork]:
    store = MemoryStore()
    return lambda: MemoryUnitOfWork(store)


JOURNALS = [pytest.param(memory_uow, id="memory")]


def a_draft(contract_no: str = "C1", principal: str = "1686.83", key: str = "k1") -> LoanEntryDraft:
    return LoanEntryDraft(
        contract_no,
        LoanEntryKind.REPAYMENT,
        date(2023, 4, 1),
        D(principal),
        D("2583.33"),
        D("0.00"),
        PaymentSource.BANK,
        key,
        D("998313.17"),
        1,
    )


@pytest.mark.parametrize("factory", JOURNALS)
class TestLoanJournalContract:
    def test_append_gives_the_draft_an_id_and_returns_the_stored_entry(self, factory: UowFactory) -> None:
        new = factory()
        with new() as uow:
            entry = uow.loan_journal.append(a_draft())
            assert entry == a_draft().stored(entry.entry_id)
            assert entry.entry_id
            assert uow.loan_journal.entries("C1") == [entry]
            uow.commit()
        with new() as uow:
            assert list(uow.loan_journal.entries("C1")) == [entry]

    def test_ids_are_unique_and_entries_come_in_posting_order(self, factory: UowFactory) -> None:
        new = factory()
        with new() as uow:
            first = uow.loan_journal.append(a_draft("C1", "1.00", "a"))
            other = uow.loan_journal.append(a_draft("C2", "2.00", "b"))
            second = uow.loan_journal.append(a_draft("C1", "3.00", "c"))
            uow.commit()
        assert len({first.entry_id, other.entry_id, second.entry_id}) == 3
        with new() as uow:
            assert [e.principal for e in uow.loan_journal.entries("C1")] == [D("1.00"), D("3.00")]
            assert [e.key for e in uow.loan_journal.entries("C2")] == ["b"]

    def test_an_uncommitted_append_is_rolled_back(self, factory: UowFactory) -> None:
        new = factory()
        with new() as uow:
            uow.loan_journal.append(a_draft())
        with new() as uow:
            assert list(uow.loan_journal.entries("C1")) == []
