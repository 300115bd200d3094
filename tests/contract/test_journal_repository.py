"""JournalRepository contract: append a draft, get the stored entry; no update or delete."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from hpf_core.accounts import DepositAccount, EntryDraft, EntryKind
from hpf_core.errors import UnknownRecord
from hpf_core.ports import UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
Account = Callable[..., DepositAccount]


def draft(amount: str, key: str, account_no: str = "A1", reverses: str | None = None) -> EntryDraft:
    return EntryDraft(
        account_no, EntryKind.TRANSFER_IN, Decimal(amount), date(2025, 1, 2), key, reverses=reverses
    )


class TestJournalRepository:
    def test_append_gives_ids_and_sequence_numbers_in_order(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            first = uow.journal.append(draft("1.00", "a"))
            second = uow.journal.append(draft("2.00", "b", "A2"))
            uow.commit()
        assert (first.sequence, second.sequence) == (1, 2)
        assert first.entry_id != second.entry_id
        assert (second.account_no, second.amount, second.key) == ("A2", Decimal("2.00"), "b")
        with new_uow() as uow:
            assert uow.journal.get(first.entry_id) == first
            assert list(uow.journal.entries("A1")) == [first]

    def test_sequence_numbers_go_on_across_units_of_work(self, new_uow: NewUnitOfWork) -> None:
        for key in ("a", "b"):
            with new_uow() as uow:
                last = uow.journal.append(draft("1.00", key))
                uow.commit()
        assert last.sequence == 2

    def test_an_unknown_entry_is_unknown_record(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow, pytest.raises(UnknownRecord):
            uow.journal.get("E-nope")

    def test_reversal_of_finds_the_reversing_entry(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            first = uow.journal.append(draft("1.00", "a"))
            assert uow.journal.reversal_of(first.entry_id) is None
            back = uow.journal.append(draft("-1.00", "r", reverses=first.entry_id))
            assert uow.journal.reversal_of(first.entry_id) == back

    def test_there_is_no_update_or_delete(self, new_uow: NewUnitOfWork) -> None:
        journal = new_uow().journal
        for name in ("update", "delete", "remove", "save"):
            assert not hasattr(journal, name)

    def test_append_many_numbers_the_drafts_in_order_as_successive_appends(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            first = uow.journal.append(draft("1.00", "a"))
            many = uow.journal.append_many(
                [draft("2.00", "b", "A2"), draft("-0.50", "c"), draft("3", "d", "A3")]
            )
            last = uow.journal.append(draft("4.00", "e"))
            assert uow.journal.append_many([]) == []
            uow.commit()
        assert [e.sequence for e in (first, *many, last)] == [1, 2, 3, 4, 5]
        assert len({e.entry_id for e in (first, *many, last)}) == 5
        assert [(e.account_no, e.amount, e.key) for e in many] == [
            ("A2", Decimal("2.00"), "b"),
            ("A1", Decimal("-0.50"), "c"),
            ("A3", Decimal("3"), "d"),
        ]
        with new_uow() as uow:
            assert [uow.journal.get(e.entry_id) for e in many] == list(many)
            assert list(uow.journal.entries("A1")) == [first, many[1], last]

    def test_append_many_rolled_back_leaves_no_entry(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.journal.append_many([draft("1.00", "a"), draft("2.00", "b")])
            uow.rollback()
        with new_uow() as uow:
            assert list(uow.journal.entries("A1")) == []
