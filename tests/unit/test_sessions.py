"""Sessions: token hashing, idle / absolute expiry, logout, ending other sessions (issue #6)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest

from hpf_adapters.security import ScryptHasher, SecretsTokens
from hpf_core.errors import InputTypeError, InvalidPolicy, InvalidSessionToken, NaiveDatetimeError, Refused
from hpf_core.members import (
    PasswordChannel,
    PasswordGroup,
    Session,
    SessionPolicy,
    change_password,
    end_all,
    end_others,
    find_session,
    hash_token,
    login,
    logout,
    mark_password_changed,
    new_credentials,
    open_session,
    password_verified,
    recent_password_check,
    touch,
)

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=CST)
POLICY = SessionPolicy(idle_minutes=15, absolute_hours=8)


@pytest.fixture
def token() -> str:
    return SecretsTokens().new_token()


def alive(result: Session) -> Session:
    assert isinstance(result, Session), result
    return result


def refused(session: Session, at: datetime) -> str:
    """The one code ``touch`` refuses the request at ``at`` with."""
    with pytest.raises(Refused) as caught:
        touch(session, at, POLICY)
    (code,) = caught.value.codes
    return code


class TestOpenSession:
    def test_a_session_stores_only_the_hash_of_its_token(self, token: str) -> None:
        session = open_session("M1", token, NOW)
        assert session.token_hash == hash_token(token)
        assert len(session.token_hash) == 64
        for field in attrs.fields(Session):
            assert token not in repr(getattr(session, field.name))
        assert token not in repr(session)
        assert session.token_hash not in repr(session)

    @pytest.mark.parametrize("bad", ["", "short", "x" * 21, "x" * 257, "ü" * 30, "tab\t" * 8])
    def test_a_token_with_too_little_entropy_or_odd_characters_is_refused(self, bad: str) -> None:
        with pytest.raises(InvalidSessionToken) as caught:
            open_session("M1", bad, NOW)
        assert caught.value.code == "invalid_session_token"

    def test_a_non_string_token_is_a_type_error(self) -> None:
        with pytest.raises(InputTypeError):
            hash_token(b"x" * 43)  # type: ignore[arg-type]

    def test_a_naive_clock_is_refused(self, token: str) -> None:
        with pytest.raises(NaiveDatetimeError):
            open_session("M1", token, NOW.replace(tzinfo=None))

    def test_the_token_is_found_again_by_its_hash(self, token: str) -> None:
        sessions = [open_session("M1", SecretsTokens().new_token(), NOW), open_session("M1", token, NOW)]
        assert find_session(sessions, token) is sessions[1]
        assert find_session(sessions, SecretsTokens().new_token()) is None


class TestExpiry:
    def test_activity_within_the_idle_limit_keeps_the_session(self, token: str) -> None:
        session = open_session("M1", token, NOW)
        for minutes in (10, 20, 30, 40):
            session = alive(touch(session, NOW + timedelta(minutes=minutes), POLICY))
        assert session.last_seen_at == NOW + timedelta(minutes=40)

    def test_15_idle_minutes_expire_the_session(self, token: str) -> None:
        session = alive(touch(open_session("M1", token, NOW), NOW + timedelta(minutes=10), POLICY))
        assert refused(session, NOW + timedelta(minutes=25)) == "session_expired"
        assert alive(touch(session, NOW + timedelta(minutes=24, seconds=59), POLICY))

    def test_8_hours_expire_the_session_however_active(self, token: str) -> None:
        session = open_session("M1", token, NOW)
        at = NOW
        while at < NOW + timedelta(hours=7, minutes=50):
            at += timedelta(minutes=10)
            session = alive(touch(session, at, POLICY))
        assert refused(session, NOW + timedelta(hours=8)) == "session_expired"

    def test_impossible_policies_are_refused(self) -> None:
        with pytest.raises(InvalidPolicy):
            SessionPolicy(idle_minutes=0)


class TestLogout:
    def test_logout_ends_the_session_for_good(self, token: str) -> None:
        session = logout(open_session("M1", token, NOW), NOW + timedelta(minutes=1))
        assert session.ended
        assert session.ended_at == NOW + timedelta(minutes=1)
        assert refused(session, NOW + timedelta(minutes=2)) == "session_ended"
        assert logout(session, NOW + timedelta(minutes=5)) is session
        with pytest.raises(Refused, match="请重新输入密码"):
            recent_password_check(session, NOW + timedelta(minutes=2), timedelta(minutes=5))

    def test_disabling_an_account_ends_every_session(self) -> None:
        sessions = [open_session("M1", SecretsTokens().new_token(), NOW) for _ in range(3)]
        assert all(s.ended for s in end_all(sessions, NOW))


class TestPasswordChange:
    def test_a_password_change_ends_the_other_sessions(self) -> None:
        hasher = ScryptHasher(n=2**4)
        creds = new_credentials("M1", "13800138000", "11010519491231002X", hasher)
        tokens = [SecretsTokens().new_token() for _ in range(3)]
        sessions = [open_session("M1", t, NOW) for t in tokens]
        creds = change_password(
            creds, PasswordGroup.ONLINE, "1231002X", "Zhang2025", "Zhang2025", hasher, NOW
        )
        assert PasswordGroup.ONLINE not in creds.must_change
        after = end_others(sessions, hash_token(tokens[1]), NOW + timedelta(minutes=1))
        assert [s.ended for s in after] == [True, False, True]
        assert alive(touch(after[1], NOW + timedelta(minutes=2), POLICY))

    def test_an_initial_password_session_allows_only_the_change(self, token: str) -> None:
        hasher = ScryptHasher(n=2**4)
        creds = new_credentials("M1", "13800138000", "11010519491231002X", hasher)
        _, result = login(creds, "11010519491231002X", "1231002X", PasswordChannel.APP, hasher, NOW)
        session = open_session("M1", token, NOW, password_change_required=result.password_change_required)
        later = NOW + timedelta(minutes=1)
        assert refused(session, later) == "password_change_required"
        session = alive(touch(session, later, POLICY, changing_password=True))
        session = mark_password_changed(session, later)
        assert alive(touch(session, later + timedelta(minutes=1), POLICY))


class TestRecentPasswordCheck:
    def test_sensitive_actions_need_a_recent_password_check(self, token: str) -> None:
        session = open_session("M1", token, NOW)
        within = timedelta(minutes=5)
        recent_password_check(session, NOW + timedelta(minutes=4), within)  # passes: no raise
        recent_password_check(session, NOW + timedelta(minutes=5), within)  # exactly 5 minutes
        with pytest.raises(Refused) as stale:
            recent_password_check(session, NOW + timedelta(minutes=6), within)
        assert stale.value.codes == ("reauth_required",)
        session = password_verified(session, NOW + timedelta(minutes=6))
        recent_password_check(session, NOW + timedelta(minutes=7), within)
