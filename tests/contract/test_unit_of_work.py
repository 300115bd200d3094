"""The UnitOfWork contract, run against every adapter of ``conftest.UNIT_OF_WORK_ADAPTERS``
(the in-memory one for now; the database adapters join that list when they land)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from hpf_core.accounts import DepositAccount, Employer, EntryDraft, EntryKind, Member
from hpf_core.ports import StoredRequest, UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]


def an_account(number: str = "A1") -> DepositAccount:
    return DepositAccount(
        number,
        Member("M1", "职工", "11010519491231002X"),
        Employer("E1", "单位"),
        date(2025, 1, 1),
        Decimal("5000.00"),
        Decimal("0.12"),
        Decimal("0.12"),
    )


class TestUnitOfWorkContract:
    def test_committed_work_is_seen_by_the_next_unit(self, new_uow: NewUnitOfWork) -> None:
        new = new_uow
        with new() as uow:
            uow.accounts.add(an_account())
            uow.journal.append(
                EntryDraft("A1", EntryKind.TRANSFER_IN, Decimal("10.00"), date(2025, 1, 2), "k")
            )
            uow.keys.put("k", StoredRequest("op", (("a", "1"),), ("E1",)))
            uow.commit()
        with new() as uow:
            assert uow.accounts.get("A1") == an_account()
            assert [e.amount for e in uow.journal.entries("A1")] == [Decimal("10.00")]
            assert uow.keys.get("k") == StoredRequest("op", (("a", "1"),), ("E1",))

    def test_uncommitted_work_is_rolled_back(self, new_uow: NewUnitOfWork) -> None:
        new = new_uow
        with new() as uow:
            uow.accounts.add(an_account())
        with new() as uow:
            assert uow.accounts.numbers() == []

    def test_an_error_rolls_back(self, new_uow: NewUnitOfWork) -> None:
        new = new_uow

        def fail_midway() -> None:
            with new() as uow:
                uow.accounts.add(an_account())
                draft = EntryDraft("A1", EntryKind.TRANSFER_IN, Decimal("10.00"), date(2025, 1, 2), "k")
                uow.journal.append(draft)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            fail_midway()
        with new() as uow:
            assert uow.accounts.numbers() == []
            assert uow.journal.entries("A1") == []

    def test_the_journal_is_append_only_and_numbered(self, new_uow: NewUnitOfWork) -> None:
        new = new_uow
        with new() as uow:
            uow.accounts.add(an_account())
            first = uow.journal.append(
                EntryDraft("A1", EntryKind.TRANSFER_IN, Decimal("1.00"), date(2025, 1, 2), "a")
            )
            second = uow.journal.append(
                EntryDraft("A1", EntryKind.TRANSFER_IN, Decimal("2.00"), date(2025, 1, 3), "b")
            )
            uow.commit()
        assert (first.sequence, second.sequence) == (1, 2)
        assert not hasattr(new().journal, "update")
        assert not hasattr(new().journal, "delete")

    def test_a_second_account_for_the_same_member_is_refused(self, new_uow: NewUnitOfWork) -> None:
        from hpf_core.errors import InputError

        new = new_uow
        with new() as uow:
            uow.accounts.add(an_account("A1"))
            with pytest.raises(InputError, match=r"Art\. 13"):
                uow.accounts.add(an_account("A2"))
