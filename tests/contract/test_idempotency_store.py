"""IdempotencyStore contract: a key remembers what it was first used for, with the work."""

from __future__ import annotations

from collections.abc import Callable

from hpf_core.ports import StoredRequest, UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
FIRST = StoredRequest("withdraw", (("account_no", "A1"), ("amount", "100")), ("E000000001",))


class TestIdempotencyStore:
    def test_a_new_key_is_none_and_a_put_key_is_read_back_after_commit(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            assert uow.keys.get("k") is None
            uow.keys.put("k", FIRST)
            assert uow.keys.get("k") == FIRST
            uow.commit()
        with new_uow() as uow:
            assert uow.keys.get("k") == FIRST
            assert uow.keys.get("other") is None

    def test_a_key_is_committed_with_the_work_it_guards_or_not_at_all(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.keys.put("k", FIRST)
        with new_uow() as uow:
            assert uow.keys.get("k") is None
