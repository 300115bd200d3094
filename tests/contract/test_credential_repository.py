"""CredentialRepository contract: login records found by member, phone and ID number;
compare-and-set saves, so two logins racing on one record cannot lose a failure count."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord
from hpf_core.members import Credentials, LockState
from hpf_core.ports import UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]
ZHANG = Credentials("M1", "13800138000", "11010519491231002X", "$scrypt$stand-in")
LI = Credentials("M2", "13900139000", "440524188001010014", "$scrypt$stand-in")


def stored(new_uow: NewUnitOfWork, *records: Credentials) -> list[Credentials]:
    with new_uow() as uow:
        added = [uow.credentials.add(c) for c in records]
        uow.commit()
    return added


class TestCredentialRepository:
    def test_credentials_are_found_by_member_phone_and_id_number(self, new_uow: NewUnitOfWork) -> None:
        zhang, li = stored(new_uow, attrs.evolve(ZHANG, version=2), LI)
        assert zhang.version == 0
        with new_uow() as uow:
            assert uow.credentials.get("M1") == zhang
            assert uow.credentials.by_phone("13900139000") == li
            assert uow.credentials.by_id_number("11010519491231002X") == zhang
            assert uow.credentials.by_phone("13700137000") is None
            assert uow.credentials.by_id_number("11010219840406970X") is None
            with pytest.raises(UnknownRecord):
                uow.credentials.get("M9")

    def test_a_second_record_for_a_member_phone_or_id_number_is_refused(self, new_uow: NewUnitOfWork) -> None:
        stored(new_uow, ZHANG)
        with new_uow() as uow:
            for clash in (
                attrs.evolve(ZHANG, phone="13700137000", id_number="11010219840406970X"),
                attrs.evolve(LI, phone=ZHANG.phone),
                attrs.evolve(LI, id_number=ZHANG.id_number),
            ):
                with pytest.raises(InputError):
                    uow.credentials.add(clash)

    def test_save_is_compare_and_set(self, new_uow: NewUnitOfWork) -> None:
        (read,) = stored(new_uow, ZHANG)
        with new_uow() as uow:
            failed = uow.credentials.save(attrs.evolve(read, online_lock=LockState(failures=1)))
            assert failed.version == 1
            uow.commit()
        with new_uow() as uow, pytest.raises(ConcurrentUpdate):
            uow.credentials.save(attrs.evolve(read, online_hash="$scrypt$other"))
        with new_uow() as uow:
            assert uow.credentials.get("M1") == failed

    def test_of_racing_failed_logins_from_one_read_one_is_stored_and_the_others_must_retry(
        self, new_uow: NewUnitOfWork, race: Race
    ) -> None:
        (read,) = stored(new_uow, ZHANG)

        def fail(_: int) -> None:
            with new_uow() as uow:
                uow.credentials.save(
                    attrs.evolve(read, online_lock=LockState(failures=read.online_lock.failures + 1))
                )
                uow.commit()

        outcomes = race(8, fail)
        assert sum(o is None for o in outcomes) == 1
        assert all(isinstance(o, ConcurrentUpdate) for o in outcomes if o is not None)
