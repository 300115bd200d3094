"""SessionRepository contract: sessions by token hash; by member; end one or all; an
ended session stays ended."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import attrs
import pytest

from hpf_core.errors import InputError, UnknownRecord
from hpf_core.members import Session, open_session
from hpf_core.ports import UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]
AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def a_session(member_id: str, letter: str, minutes: int = 0) -> Session:
    return open_session(member_id, letter * 22 + "Xq7_Zr-9Kp2w", AT + timedelta(minutes=minutes))


class TestSessionRepository:
    def test_a_session_is_found_by_its_token_hash_and_a_taken_hash_is_refused(
        self, new_uow: NewUnitOfWork
    ) -> None:
        session = a_session("M1", "a")
        with new_uow() as uow:
            uow.sessions.add(session)
            with pytest.raises(InputError):
                uow.sessions.add(session)
            uow.commit()
        with new_uow() as uow:
            assert uow.sessions.get(session.token_hash) == session
            assert uow.sessions.get("0" * 64) is None

    def test_of_member_lists_the_sessions_not_ended_oldest_first(self, new_uow: NewUnitOfWork) -> None:
        second, first, other = a_session("M1", "b", 5), a_session("M1", "a"), a_session("M2", "c")
        with new_uow() as uow:
            for session in (second, first, other):
                uow.sessions.add(session)
            assert list(uow.sessions.of_member("M1")) == [first, second]
            assert uow.sessions.end(first.token_hash, AT + timedelta(minutes=9))
            assert not uow.sessions.end(first.token_hash, AT + timedelta(minutes=10))  # already ended
            assert not uow.sessions.end("0" * 64, AT)
            assert list(uow.sessions.of_member("M1")) == [second]
            ended = uow.sessions.get(first.token_hash)
            assert ended is not None
            assert ended.ended_at == AT + timedelta(minutes=9)

    def test_end_all_ends_every_session_of_the_member_but_the_one_kept(self, new_uow: NewUnitOfWork) -> None:
        sessions = [a_session("M1", letter, n) for n, letter in enumerate("abc")]
        other = a_session("M2", "d")
        with new_uow() as uow:
            for session in (*sessions, other):
                uow.sessions.add(session)
            assert uow.sessions.end_all("M1", AT + timedelta(hours=1), keep=sessions[1].token_hash) == 2
            assert list(uow.sessions.of_member("M1")) == [sessions[1]]
            assert list(uow.sessions.of_member("M2")) == [other]
            assert uow.sessions.end_all("M1", AT + timedelta(hours=2)) == 1
            assert list(uow.sessions.of_member("M1")) == []

    def test_a_save_racing_a_logout_does_not_revive_the_session(self, new_uow: NewUnitOfWork) -> None:
        session = a_session("M1", "a")
        with new_uow() as uow:
            uow.sessions.add(session)
            uow.commit()
        touched = attrs.evolve(session, last_seen_at=AT + timedelta(minutes=3))  # read before the logout
        with new_uow() as uow:
            assert uow.sessions.end(session.token_hash, AT + timedelta(minutes=2))
            uow.commit()
        with new_uow() as uow:
            uow.sessions.save(touched)
            uow.commit()
        with new_uow() as uow:
            stored = uow.sessions.get(session.token_hash)
            assert stored is not None
            assert stored.ended_at == AT + timedelta(minutes=2)
            assert stored.last_seen_at == AT + timedelta(minutes=3)
            with pytest.raises(UnknownRecord):
                uow.sessions.save(a_session("M1", "z"))

    def test_racing_logouts_end_a_session_once(self, new_uow: NewUnitOfWork, race: Race) -> None:
        session = a_session("M1", "a")
        with new_uow() as uow:
            uow.sessions.add(session)
            uow.commit()
        ended: list[bool] = []

        def logout(i: int) -> None:
            with new_uow() as uow:
                ended.append(uow.sessions.end(session.token_hash, AT + timedelta(minutes=i)))
                uow.commit()

        assert race(8, logout) == [None] * 8
        assert sorted(ended) == [False] * 7 + [True]
