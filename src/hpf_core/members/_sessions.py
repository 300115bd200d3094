"""Login sessions (会话): reference tokens, idle and absolute expiry, logout (退出登录).

A session stores only the SHA-256 of its token; the token itself (>= 128 bits from a
:class:`TokenSource`, ASVS 7.2.3) lives with the client. ``touch`` is called on every
request and refuses an ended or expired session (ASVS 7.3.1/7.3.2, 7.4.1) by raising
``refusal(violations)`` (D-038). Instants are ``at``.

>>> from datetime import datetime, timedelta, timezone
>>> from hpf_core.errors import Refused
>>> at = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
>>> token = "q3Vb9-xZk2_TmN7wLp4HsYc"
>>> session = open_session("M1", token, at)
>>> touch(session, at + timedelta(minutes=5)).last_seen_at.minute
5
>>> try:
...     touch(session, at + timedelta(minutes=16))
... except Refused as refused:
...     print(refused.codes)
('session_expired',)
>>> logout(session, at).ended_at is not None
True
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from hpf_core._inputs import instance, items
from hpf_core.dates import require_aware
from hpf_core.errors import InputTypeError, InvalidPolicy, InvalidSessionToken, Violation, refusal
from hpf_core.members._records import PasswordGroup, Session

__all__ = [
    "DEFAULT_SESSION_POLICY",
    "MIN_DISTINCT_CHARACTERS",
    "MIN_TOKEN_LENGTH",
    "SessionPolicy",
    "end_all",
    "end_others",
    "find_session",
    "hash_token",
    "logout",
    "mark_password_changed",
    "open_session",
    "password_verified",
    "recent_password_check",
    "touch",
]

MIN_TOKEN_LENGTH = 22
"""Shortest token accepted, in characters: 22 base64url characters carry 132 bits."""

MIN_DISTINCT_CHARACTERS = 8
"""Fewest different characters a token may have: 22 random base64url characters have 19 on
average (18.7) and fewer than 8 with a probability of 3.5e-13; ``'a' * 22`` has one (D-045)."""

_TOKEN = re.compile(r"[A-Za-z0-9_\-]+\Z")


def hash_token(token: str) -> str:
    """The SHA-256 (hex) of a token — what is stored instead of the token. A token must
    look like CSPRNG output: :data:`MIN_TOKEN_LENGTH` to 256 base64url characters with at
    least :data:`MIN_DISTINCT_CHARACTERS` different ones (``secrets.token_urlsafe(16)`` or
    longer); ``'a' * 22`` raises :class:`InvalidSessionToken`.

    >>> hash_token("q3Vb9-xZk2_TmN7wLp4HsYc")[:12]
    '42792c62ded8'
    """
    if not isinstance(token, str):
        raise InputTypeError("token", f"must be a str, not {type(token).__name__}")
    if not (MIN_TOKEN_LENGTH <= len(token) <= 256 and _TOKEN.match(token)):
        raise InvalidSessionToken("token", f"must be {MIN_TOKEN_LENGTH}-256 base64url characters")
    if len(set(token)) < MIN_DISTINCT_CHARACTERS:
        raise InvalidSessionToken("token", "is not random enough (too few different characters)")
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@attrs.frozen
class SessionPolicy:
    """Inactivity (空闲) and absolute (绝对) timeouts: idle 1..1440 minutes, absolute
    1..720 hours, idle no longer than absolute (D-045)."""

    idle_minutes: int = 15
    absolute_hours: int = 8

    def __attrs_post_init__(self) -> None:
        for name, high in (("idle_minutes", 24 * 60), ("absolute_hours", 24 * 30)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidPolicy(name, "must be an int", value)
            if not 1 <= value <= high:
                raise InvalidPolicy(name, f"must be 1..{high}", value)
        if self.idle_minutes > self.absolute_hours * 60:
            raise InvalidPolicy("idle_minutes", "must not exceed the absolute timeout", self.idle_minutes)


DEFAULT_SESSION_POLICY = SessionPolicy()
"""(design) 15 minutes idle, 8 hours absolute — OWASP's range for a financial service."""


def open_session(
    member_id: str,
    token: str,
    at: datetime,
    *,
    password_change_required: bool = False,
    secret_version: int = 0,
    group: PasswordGroup | None = None,
) -> Session:
    """A new session after a successful login at ``at`` (always a new token, ASVS 7.2.4),
    under the credentials' ``secret_version``: a later password or phone change ends it.
    ``group``: the password group the login checked (D-048)."""
    at = require_aware(at, "at")
    if group is not None:
        instance(group, PasswordGroup, "group")
    return Session(
        hash_token(token),
        member_id,
        at,
        at,
        at,
        None,
        password_change_required,
        secret_version=secret_version,
        group=group,
    )


def _expired(why: str) -> Violation:
    return Violation("session_expired", f"登录已过期，请重新登录 ({why})", "session")


def touch(
    session: Session,
    at: datetime,
    policy: SessionPolicy = DEFAULT_SESSION_POLICY,
    *,
    changing_password: bool = False,
) -> Session:
    """The session after a request at ``at``. A request the session does not allow raises
    ``Refused`` with one violation: ``session_ended``, ``session_expired`` (idle or
    absolute), or ``password_change_required`` unless the request is the password change
    itself."""
    at = require_aware(at, "at")
    if session.ended:
        raise refusal([Violation("session_ended", "已退出登录，请重新登录", "session")])
    if at - session.last_seen_at >= timedelta(minutes=policy.idle_minutes):
        raise refusal([_expired("idle")])
    if at - session.created_at >= timedelta(hours=policy.absolute_hours):
        raise refusal([_expired("absolute")])
    if session.password_change_required and not changing_password:
        raise refusal([Violation("password_change_required", "请先修改初始密码", "password")])
    return attrs.evolve(session, last_seen_at=max(at, session.last_seen_at))


def logout(session: Session, at: datetime) -> Session:
    """Ends the session at ``at`` (退出当前账号); an ended session stays ended."""
    at = require_aware(at, "at")
    return session if session.ended else attrs.evolve(session, ended_at=at)


def end_others(sessions: Iterable[Session], keep_token_hash: str, at: datetime) -> tuple[Session, ...]:
    """Every session of the list ended except the one whose token hash is ``keep_token_hash``
    — after a password change (ASVS 7.4.3)."""
    sessions = items(sessions, Session, "sessions")
    instance(keep_token_hash, str, "keep_token_hash")
    return tuple(s if hmac.compare_digest(s.token_hash, keep_token_hash) else logout(s, at) for s in sessions)


def end_all(sessions: Iterable[Session], at: datetime) -> tuple[Session, ...]:
    """Every session ended — when the account is disabled or locked by the centre (ASVS 7.4.2)."""
    sessions = items(sessions, Session, "sessions")
    return tuple(logout(s, at) for s in sessions)


def find_session(sessions: Iterable[Session], token: str) -> Session | None:
    """The session a client's token belongs to, or None (looked up by hash)."""
    wanted = hash_token(token)
    return next((s for s in sessions if hmac.compare_digest(s.token_hash, wanted)), None)


def mark_password_changed(session: Session, at: datetime) -> Session:
    """The session after its member changed the password in it at ``at``: no longer
    restricted, and the password counts as just verified."""
    at = require_aware(at, "at")
    return attrs.evolve(session, password_change_required=False, password_verified_at=at)


def password_verified(session: Session, at: datetime) -> Session:
    """The session after the member typed the password again in it (re-authentication)."""
    at = require_aware(at, "at")
    return attrs.evolve(session, password_verified_at=at)


def recent_password_check(session: Session, at: datetime, within: timedelta) -> None:
    """Passes (returns None) if the password was verified in this session within
    ``within`` before ``at``; else raises ``Refused`` with ``reauth_required`` — before
    changing the phone, bank card, or large withdrawals (ASVS 7.5.1, 7.5.3)."""
    at = require_aware(at, "at")
    if session.ended or at - session.password_verified_at > within:
        raise refusal([Violation("reauth_required", "请重新输入密码", "password")])
