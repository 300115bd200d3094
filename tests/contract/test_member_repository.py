"""MemberRepository contract: who a member is and owns; unique phones, ID numbers,
accounts and loans; compare-and-set saves."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord
from hpf_core.ports import MemberRecord, UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]
ZHANG = MemberRecord("M1", "13800138000", "11010519491231002X", "A1", ("HT1",))
LI = MemberRecord("M2", "13900139000", "440524188001010014", "A2")


def stored(new_uow: NewUnitOfWork, *members: MemberRecord) -> list[MemberRecord]:
    with new_uow() as uow:
        added = [uow.members.add(m) for m in members]
        uow.commit()
    return added


class TestMemberRepository:
    def test_a_member_is_found_by_id_phone_id_number_account_and_loan(self, new_uow: NewUnitOfWork) -> None:
        zhang, li = stored(new_uow, attrs.evolve(ZHANG, version=4), LI)
        assert zhang.version == 0
        with new_uow() as uow:
            assert uow.members.get("M1") == zhang
            assert uow.members.by_phone("13900139000") == li
            assert uow.members.by_id_number("11010519491231002X") == zhang
            assert uow.members.owner_of_account("A2") == li
            assert uow.members.owner_of_loan("HT1") == zhang
            assert uow.members.by_phone("13700137000") is None
            assert uow.members.by_id_number("11010219840406970X") is None
            assert uow.members.owner_of_account("A9") is None
            assert uow.members.owner_of_loan("HT9") is None
            with pytest.raises(UnknownRecord):
                uow.members.get("M9")

    @pytest.mark.parametrize(
        "clash",
        [
            MemberRecord("M1", "13700137000", "11010219840406970X"),  # the id
            MemberRecord("M3", "13800138000", "11010219840406970X"),  # the phone
            MemberRecord("M3", "13700137000", "11010519491231002X"),  # the ID number
            MemberRecord("M3", "13700137000", "11010219840406970X", "A1"),  # the account
            MemberRecord("M3", "13700137000", "11010219840406970X", None, ("HT1",)),  # the loan
        ],
        ids=["id", "phone", "id_number", "account", "loan"],
    )
    def test_what_is_another_members_is_refused_on_add(
        self, new_uow: NewUnitOfWork, clash: MemberRecord
    ) -> None:
        stored(new_uow, ZHANG)
        with new_uow() as uow, pytest.raises(InputError):
            uow.members.add(clash)

    def test_save_returns_the_next_version_and_refuses_a_phone_taken_meanwhile(
        self, new_uow: NewUnitOfWork
    ) -> None:
        zhang, _ = stored(new_uow, ZHANG, LI)
        with new_uow() as uow:
            moved = uow.members.save(attrs.evolve(zhang, phone="13700137000"))
            assert moved.version == 1
            with pytest.raises(InputError):
                uow.members.save(attrs.evolve(moved, phone="13900139000"))
            uow.commit()
        with new_uow() as uow:
            assert uow.members.by_phone("13700137000") == moved
            assert uow.members.by_phone("13800138000") is None

    def test_a_stale_save_is_concurrent_update(self, new_uow: NewUnitOfWork, race: Race) -> None:
        (read,) = stored(new_uow, ZHANG)
        phones = [f"1370013700{i}" for i in range(8)]

        def save(i: int) -> None:
            with new_uow() as uow:
                uow.members.save(attrs.evolve(read, phone=phones[i]))
                uow.commit()

        outcomes = race(8, save)
        assert sum(o is None for o in outcomes) == 1
        assert all(isinstance(o, ConcurrentUpdate) for o in outcomes if o is not None)
        with new_uow() as uow:
            assert uow.members.get("M1").phone == phones[outcomes.index(None)]
