"""The contract of ``hpf_core.ports.LoanJournal`` (the append-only loan journal, 贷款流水),
run through the unit of work of every store adapter (the ``new_uow`` fixture of
``tests/conftest.py``; a database store joins there and these tests pass unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from hpf_core.loans import LoanEntryDraft, LoanEntryKind, PaymentSource
from hpf_core.ports import UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]

D = Decimal


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


class TestLoanJournalContract:
    def test_append_gives_the_draft_an_id_and_returns_the_stored_entry(self, new_uow: NewUnitOfWork) -> None:
        new = new_uow
        with new() as uow:
            entry = uow.loan_journal.append(a_draft())
            assert entry == a_draft().stored(entry.entry_id)
            assert entry.entry_id
            assert uow.loan_journal.entries("C1") == [entry]
            uow.commit()
        with new() as uow:
            assert list(uow.loan_journal.entries("C1")) == [entry]

    def test_ids_are_unique_and_entries_come_in_posting_order(self, new_uow: NewUnitOfWork) -> None:
        new = new_uow
        with new() as uow:
            first = uow.loan_journal.append(a_draft("C1", "1.00", "a"))
            other = uow.loan_journal.append(a_draft("C2", "2.00", "b"))
            second = uow.loan_journal.append(a_draft("C1", "3.00", "c"))
            uow.commit()
        assert len({first.entry_id, other.entry_id, second.entry_id}) == 3
        with new() as uow:
            assert [e.principal for e in uow.loan_journal.entries("C1")] == [D("1.00"), D("3.00")]
            assert [e.key for e in uow.loan_journal.entries("C2")] == ["b"]

    def test_an_uncommitted_append_is_rolled_back(self, new_uow: NewUnitOfWork) -> None:
        new = new_uow
        with new() as uow:
            uow.loan_journal.append(a_draft())
        with new() as uow:
            assert list(uow.loan_journal.entries("C1")) == []
