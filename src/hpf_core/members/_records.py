"""The member records the ports exchange (D-041): credentials and their lock state,
sessions, verification codes and send logs, the send limits and reservations of the code
store, and the code policy an issued code is checked against.

This module sits BELOW ``hpf_core.ports``: the ports import it, and it imports no port and
no function module, so the import graph has no circle even counting the imports made for
the type checker only. The functions that work on these records (``_login``,
``_sessions``, ``_codes``, ``_phone``) sit above the ports. Each name's public home is
unchanged: ``hpf_core.members.Credentials``, ``hpf_core.ports.SendLimit`` and so on.

>>> from datetime import datetime, timezone
>>> at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
>>> log = SendLog("13800138000", (at,))
>>> "138****8000" in repr(log), "13800138000" in repr(log)
(True, False)
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

import attrs

from hpf_core.centers._records import VerificationMethod
from hpf_core.errors import InputError, InputTypeError
from hpf_core.identity import mask_id_number, mask_phone, masked_repr

__all__ = [
    "HARD_CAP",
    "BoundIdentity",
    "CodePolicy",
    "CodePurpose",
    "Credentials",
    "IssuedCode",
    "LockState",
    "PasswordGroup",
    "SendLimit",
    "SendLog",
    "SendReservation",
    "Session",
]


# --------------------------------------------------------------------------- credentials


class PasswordGroup(enum.Enum):
    """The two passwords a member has (seed §7.4): channels in one group share one password."""

    ONLINE = "online"
    """APP、微信、网厅密码."""
    KEYPAD = "keypad"
    """12329 语音热线、触摸屏密码."""


@attrs.frozen
class LockState:
    """Failed attempts of one password group (D-045).

    ``failures``: failures in the current window (since the last lock ended, or in the last
    24 hours for a per-day policy, whose instants are ``recent``); ``first_failure_at``:
    when that window's first failure came; ``locked_until``: the end of the current lock;
    ``consecutive``: failures since the last success, never reset by the end of a lock
    (at :data:`HARD_CAP` the group is ``disabled`` until the owner proves the phone);
    ``locks``: locks since the last success (each lasts twice as long as the one before);
    ``counted``: every attempt ever reserved (only grows: a success uses it to keep the
    failures counted after its own attempt)."""

    failures: int = 0
    first_failure_at: datetime | None = None
    locked_until: datetime | None = None
    consecutive: int = 0
    locks: int = 0
    disabled: bool = False
    recent: tuple[datetime, ...] = ()
    counted: int = 0

    def locked(self, at: datetime) -> bool:
        """True at instant ``at`` while the lock lasts (always, once ``disabled``)."""
        return self.disabled or (self.locked_until is not None and at < self.locked_until)


HARD_CAP = 100
"""Consecutive failures after which a password group is disabled until the owner unlocks it
with an SMS code (NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts)."""


def _hidden(_: object) -> str:
    return "<hidden>"


@attrs.frozen
class BoundIdentity:
    """A third-party identity bound to a member (绑定的第三方身份, seed §2.1.2): how it was
    verified (支付宝授权 or 刷脸), the third party's number for the member — the Alipay
    ``user_id``, or for a face check the ID number it compared — when it was bound, and
    the verification's reference (流水号). The number is masked in the repr and sealed at
    rest (it is personal data).

    >>> from datetime import datetime, timezone
    >>> bound = BoundIdentity(VerificationMethod.ALIPAY, "2088102150477652",
    ...                       datetime(2026, 12, 4, tzinfo=timezone.utc), "alipay-000001")
    >>> "2088102150477652" in repr(bound)
    False
    """

    method: VerificationMethod
    number: str = attrs.field(repr=masked_repr)
    bound_at: datetime
    reference: str = ""


@attrs.frozen
class Credentials:
    """A member's login record (登录凭据). Holds only password *hashes*; its ``repr`` hides
    them and masks the phone and ID numbers."""

    member_id: str
    phone: str = attrs.field(repr=mask_phone)
    id_number: str = attrs.field(repr=mask_id_number)
    online_hash: str = attrs.field(repr=_hidden)
    keypad_hash: str | None = attrs.field(default=None, repr=_hidden)
    must_change: frozenset[PasswordGroup] = frozenset()
    online_lock: LockState = LockState()
    keypad_lock: LockState = LockState()
    password_changed_at: datetime | None = None
    secret_version: int = attrs.field(default=0, kw_only=True)
    """Grows by one at every password or phone change; a session opened under an older
    value is over (D-045). Unlike ``version`` a failed login does not change it."""
    first_login_verified_at: datetime | None = attrs.field(default=None, kw_only=True)
    """When the member first passed the third-party check (首次登录需通过支付宝授权或刷脸验证,
    seed §2.1.2); None until then. A centre that requires it refuses a password login
    before (D-048)."""
    identities: tuple[BoundIdentity, ...] = attrs.field(default=(), kw_only=True)
    """The third-party identities bound to the member, at most one per method (D-048)."""
    version: int = attrs.field(default=0, kw_only=True)
    """The stored version: a repository's ``save`` refuses a record whose version is not
    the stored one (``ConcurrentUpdate``) and stores it as ``version + 1``."""

    def stored_hash(self, group: PasswordGroup) -> str | None:
        """The hash of ``group``'s password, None if that password was never set."""
        return self.online_hash if group is PasswordGroup.ONLINE else self.keypad_hash

    def lock_state(self, group: PasswordGroup) -> LockState:
        """The throttling state of ``group``."""
        return self.online_lock if group is PasswordGroup.ONLINE else self.keypad_lock

    def bound(self, method: VerificationMethod) -> BoundIdentity | None:
        """The identity bound by ``method``, None if there is none."""
        return next((i for i in self.identities if i.method is method), None)


# --------------------------------------------------------------------------- sessions


@attrs.frozen
class Session:
    """One login session. ``password_change_required``: opened on an initial password, it
    allows nothing but the password change until :func:`mark_password_changed`."""

    token_hash: str = attrs.field(repr=False)
    member_id: str
    created_at: datetime
    last_seen_at: datetime
    password_verified_at: datetime
    ended_at: datetime | None = None
    password_change_required: bool = False
    secret_version: int = attrs.field(default=0, kw_only=True)
    """The credentials' ``secret_version`` when the session opened (or last changed the
    password in it): a later password or phone change ends the session (D-045)."""
    group: PasswordGroup | None = attrs.field(default=None, kw_only=True)
    """The password group whose login opened the session (a third-party login opens an
    ONLINE one); None for a session stored before D-048. Changing the OTHER group's
    password does not lift ``password_change_required``."""

    @property
    def ended(self) -> bool:
        """True after logout or after being ended by a password change."""
        return self.ended_at is not None


# --------------------------------------------------------------------------- codes


class CodePurpose(enum.Enum):
    """What a code may be used for (验证码用途); a code works for its own purpose only."""

    LOGIN = "login"
    """登录: logging in with a code."""

    PHONE_CHANGE = "phone-change"
    """修改手机号: confirming a new mobile number (seed §5.1.3)."""

    PASSWORD_RESET = "password-reset"
    """重置密码: resetting a forgotten password."""

    WITHDRAWAL = "withdrawal"
    """提取确认: confirming a withdrawal (提取)."""

    UNLOCK = "unlock"
    """解锁: the owner proves the phone to lift a login lock (D-045)."""

    @property
    def chinese(self) -> str:
        """登录, 修改手机号, 重置密码 or 提取确认."""
        return _CHINESE[self]


_CHINESE = {
    CodePurpose.LOGIN: "登录",
    CodePurpose.PHONE_CHANGE: "修改手机号",
    CodePurpose.PASSWORD_RESET: "重置密码",
    CodePurpose.WITHDRAWAL: "提取确认",
    CodePurpose.UNLOCK: "解锁",
}


@attrs.frozen
class SendLimit:
    """At most ``count`` sends to one phone in any ``window`` (ending at the new send)."""

    window: timedelta
    count: int


_WINDOWS = (
    ("per_minute", timedelta(minutes=1), "每分钟"),
    ("per_hour", timedelta(hours=1), "每小时"),
    ("per_day", timedelta(days=1), "每天"),
)
"""The send caps of :class:`CodePolicy`: its field, the window, the window's Chinese name."""


def _positive_int(maximum: int) -> Any:
    def check(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputTypeError(attribute.name, "must be an int", value)
        if not 1 <= value <= maximum:
            raise InputError(attribute.name, f"must be between 1 and {maximum}", value)

    return check


@attrs.frozen
class CodePolicy:
    """A centre's rules for verification codes (``[members.codes]`` in its policy file).

    >>> CodePolicy().ttl_minutes, CodePolicy().per_day
    (5, 10)
    >>> CodePolicy(ttl_minutes=15)
    Traceback (most recent call last):
    ...
    hpf_core.errors.InputError: ttl_minutes: must be between 1 and 10 (got 15)
    """

    length: int = attrs.field(default=6, validator=_positive_int(8))
    """Digits per code: 6 (about 20 bits, ASVS 6.5.4); 7 or 8 are allowed, fewer are not."""
    ttl_minutes: int = attrs.field(default=5, validator=_positive_int(10))
    """How long a code lives: at most 10 minutes (ASVS 6.5.5)."""
    max_attempts: int = attrs.field(default=5, validator=_positive_int(10))
    """Checks allowed per code (Twilio Verify: 5); after that the code is dead."""
    per_minute: int = attrs.field(default=1, validator=_positive_int(10))
    """Sends per phone in any 60 seconds (Aliyun default 1)."""
    per_hour: int = attrs.field(default=5, validator=_positive_int(100))
    """Sends per phone in any hour (Aliyun default 5)."""
    per_day: int = attrs.field(default=10, validator=_positive_int(100))
    """Sends per phone in any 24 hours (Aliyun default 10)."""
    reauth_minutes: int = attrs.field(default=10, validator=_positive_int(60))
    """How recent the password check must be for a phone change (ASVS 7.5.1)."""

    def __attrs_post_init__(self) -> None:
        if self.length < 6:
            raise InputError("length", "must be at least 6 digits (20 bits)", self.length)
        if not self.per_minute <= self.per_hour <= self.per_day:
            raise InputError("per_hour", "limits must grow: per_minute <= per_hour <= per_day", self.per_hour)

    @property
    def send_limits(self) -> tuple[SendLimit, ...]:
        """The per-minute, per-hour and per-day caps as the code store checks them.

        >>> [(limit.window.total_seconds(), limit.count) for limit in CodePolicy().send_limits]
        [(60.0, 1), (3600.0, 5), (86400.0, 10)]
        """
        return tuple(SendLimit(window, getattr(self, name)) for name, window, _ in _WINDOWS)


@attrs.frozen
class IssuedCode:
    """A code that was sent: everything needed to check it, never the code itself. The
    repr leaves out the hash and salt and masks the phones (138****8000)."""

    phone: str = attrs.field(repr=mask_phone)
    purpose: CodePurpose
    code_hash: bytes = attrs.field(repr=False)
    salt: bytes = attrs.field(repr=False)
    issued_at: datetime
    expires_at: datetime
    subject: str = attrs.field(default="", repr=mask_phone)
    """What else the code is bound to (the member's current phone for 修改手机号)."""
    attempts: int = 0
    used_at: datetime | None = None
    owner: str = attrs.field(default="", kw_only=True)
    """Who asked for it (a member id, ``""`` for none): codes and send logs are kept per
    owner and phone, so one member can neither replace another's code nor use up another's
    quota for the same number (D-045)."""

    def is_live(self, at: datetime, policy: CodePolicy) -> bool:
        """Not used, not expired and attempts left."""
        return self.used_at is None and at < self.expires_at and self.attempts < policy.max_attempts


@attrs.frozen
class SendLog:
    """When codes went to one phone in the last 24 hours (oldest first)."""

    phone: str = attrs.field(repr=mask_phone)
    sent_at: tuple[datetime, ...] = ()
    owner: str = attrs.field(default="", kw_only=True)
    """Whose sends these are (``IssuedCode.owner``)."""

    def within(self, at: datetime, window: timedelta) -> int:
        """How many sends fall in the ``window`` before ``at``."""
        return sum(1 for moment in self.sent_at if at - window < moment <= at)


@attrs.frozen
class SendReservation:
    """What :meth:`VerificationCodeStore.reserve_send` did: whether the send was recorded,
    and the phone's send log (after the send if it was, as it stands if it was not)."""

    accepted: bool
    sends: SendLog
