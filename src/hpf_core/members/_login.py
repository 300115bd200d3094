"""Login (登录) by phone number (手机号) or ID number (证件号码) and password, lockout
(锁定) and password change (密码修改).

Pure functions: the caller looks the member up (:func:`find_credentials`), passes the
clock's instant ``at`` and a :class:`~hpf_core.ports.PasswordHasher`, and stores the
returned :class:`Credentials`. Every failed login carries the same message,
:data:`REFUSED_MESSAGE`, for an unknown account, a wrong password and a locked account; the
hasher is called once in every case so the three take the same time (RELIABILITY §3).

A failed login is a *result*, not a raised refusal: it changes state (a failure counted,
maybe a lock) that the caller must store. A refused password change changes nothing and
raises ``refusal(violations)`` like every other business refusal (D-038).

>>> from datetime import datetime, timezone
>>> import hashlib
>>> class ExampleHasher:  # unsalted and fast: for this example only, use ScryptHasher
...     def hash(self, password): return "$sha256$" + hashlib.sha256(password.encode()).hexdigest()
...     def verify(self, stored, password): return stored == self.hash(password)
...     def needs_rehash(self, stored): return False
>>> at = datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
>>> hasher = ExampleHasher()
>>> member = new_credentials("M1", "13800138000", "11010519491231002X", hasher)
>>> member, result = login(member, "13800138000", "1231002X", PasswordChannel.APP, hasher, at)
>>> result.accepted, result.password_change_required
(True, True)
>>> member, result = login(member, "13800138000", "wrong", PasswordChannel.APP, hasher, at)
>>> result.message == REFUSED_MESSAGE
True
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from hpf_core._choice import choice
from hpf_core._inputs import instance, items
from hpf_core.dates import require_aware
from hpf_core.errors import InputTypeError, InvalidPolicy, Violation, refusal
from hpf_core.identity import validate_id_number, validate_phone
from hpf_core.members._passwords import (
    COMMON_PASSWORDS,
    DEFAULT_ONLINE_RULES,
    SEED_KEYPAD_RULES,
    InitialPasswordRule,
    PasswordChannel,
    PasswordRules,
    _password_problems,
    initial_password,
    normalise_password,
    personal_fragments,
    require_password_input,
)
from hpf_core.members._records import HARD_CAP, Credentials, LockState, PasswordGroup

if TYPE_CHECKING:
    from hpf_core.ports import PasswordHasher

__all__ = [
    "KEYPAD_LOGIN_POLICY",
    "MAX_LOCK_MINUTES",
    "ONLINE_LOGIN_POLICY",
    "REFUSED_MESSAGE",
    "LoginPolicy",
    "LoginResult",
    "change_password",
    "find_credentials",
    "login",
    "new_credentials",
    "normalise_identifier",
]

REFUSED_MESSAGE = "账号或密码错误 / wrong account or password"
"""The one message every login refusal shows: unknown account, wrong password, locked."""


MAX_LOCK_MINUTES = 24 * 60
"""The longest single lock, in minutes: a growing lock stops doubling here (D-045)."""


def _bounded(low: int, high: int) -> Any:
    def check(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidPolicy(attribute.name, "must be an int", value)
        if not low <= value <= high:
            raise InvalidPolicy(attribute.name, f"must be {low}..{high}", value)

    return check


@attrs.frozen
class LoginPolicy:
    """Throttling per account and password group (登录失败锁定), D-045.

    ``per_day=False``: ``max_failures`` failures lock for ``lock_minutes``; each further
    lock before a success lasts twice as long as the one before (at most
    :data:`MAX_LOCK_MINUTES`), and the count restarts when a lock ends. ``per_day=True``:
    at most ``max_failures`` failures in any 24 hours (a rolling window, not the calendar
    day): the lock lasts until the oldest of them is 24 hours old. Either way
    :data:`HARD_CAP` (100) consecutive failures without a success disable the group until
    the owner proves the phone (``hpf_core.members.services.unlock``).

    >>> LoginPolicy(max_failures=5, lock_minutes=2000)
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: lock_minutes: must be 0..1440 (got 2000)
    """

    max_failures: int = attrs.field(validator=_bounded(1, HARD_CAP))
    lock_minutes: int = attrs.field(default=0, validator=_bounded(0, MAX_LOCK_MINUTES))
    per_day: bool = False

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.per_day, bool):
            raise InvalidPolicy("per_day", "must be true or false", self.per_day)
        if not self.per_day and self.lock_minutes < 1:
            raise InvalidPolicy("lock_minutes", "must be at least 1 unless per_day", self.lock_minutes)


ONLINE_LOGIN_POLICY = LoginPolicy(max_failures=5, lock_minutes=30)
"""APP / WeChat / web (design): 5 consecutive failures lock the account for 30 minutes."""
KEYPAD_LOGIN_POLICY = LoginPolicy(max_failures=3, per_day=True)
"""12329 hotline / touch screen: 3 failures in any 24 hours lock (docs/domain.md §8.3's "3 a day",
read as a rolling window so that 3 before and 3 after midnight are not 6)."""


def _set_lock(credentials: Credentials, group: PasswordGroup, lock: LockState) -> Credentials:
    if group is PasswordGroup.ONLINE:
        return attrs.evolve(credentials, online_lock=lock)
    return attrs.evolve(credentials, keypad_lock=lock)


def _set_hash(credentials: Credentials, group: PasswordGroup, stored: str) -> Credentials:
    if group is PasswordGroup.ONLINE:
        return attrs.evolve(credentials, online_hash=stored)
    return attrs.evolve(credentials, keypad_hash=stored)


@attrs.frozen
class LoginResult:
    """What a login attempt gives the channel.

    ``message`` is the only text to show. ``audit_reason`` (``ok``, ``unknown_account``,
    ``wrong_password``, ``locked``, ``first_login_verification_required``) is for the
    centre's security log only — never show it. ``verification_required``: the password
    was right but the first-login check (支付宝授权 or 刷脸验证) is still to pass (D-048)."""

    accepted: bool
    message: str
    member_id: str | None = None
    password_change_required: bool = False
    audit_reason: str = "ok"
    verification_required: bool = False


def new_credentials(
    member_id: str,
    phone: str,
    id_number: str,
    hasher: PasswordHasher,
    *,
    rule: InitialPasswordRule = InitialPasswordRule.ID_LAST_8,
    keypad_rule: InitialPasswordRule | None = None,
) -> Credentials:
    """A new member's credentials on the centre's initial password(s) (初始密码), each marked
    for a forced change. The keypad password is only set when ``keypad_rule`` is given."""
    if not callable(getattr(hasher, "hash", None)):
        raise InputTypeError("hasher", "must be a PasswordHasher", type(hasher).__name__)
    phone = validate_phone(phone)
    id_number = validate_id_number(id_number)
    must = {PasswordGroup.ONLINE}
    keypad_hash = None
    if keypad_rule is not None:
        keypad_hash = hasher.hash(initial_password(id_number, keypad_rule))
        must.add(PasswordGroup.KEYPAD)
    return Credentials(
        member_id,
        phone,
        id_number,
        hasher.hash(initial_password(id_number, rule)),
        keypad_hash,
        must_change=frozenset(must),
    )


def normalise_identifier(identifier: str) -> tuple[str, str] | None:
    """``("phone", number)`` or ``("id_number", number)``, or None if it is neither.

    >>> normalise_identifier("+86 138 0013 8000")
    ('phone', '13800138000')
    >>> normalise_identifier("11010519491231002x")
    ('id_number', '11010519491231002X')
    """
    if not isinstance(identifier, str) or len(identifier) > 64:
        return None
    for kind, validate in (("phone", validate_phone), ("id_number", validate_id_number)):
        try:
            return kind, validate(identifier)
        except ValueError:
            continue
    return None


def _matches(credentials: Credentials, identifier: str) -> bool:
    found = normalise_identifier(identifier)
    if found is None:
        return False
    kind, number = found
    return number == (credentials.phone if kind == "phone" else credentials.id_number)


def find_credentials(records: Iterable[Credentials], identifier: str) -> Credentials | None:
    """The record whose phone number or ID number is ``identifier`` (登录账号), or None."""
    records = items(records, Credentials, "records")
    instance(identifier, str, "identifier")
    return next((c for c in records if _matches(c, identifier)), None)


def _policy_for(channel: PasswordChannel) -> LoginPolicy:
    return ONLINE_LOGIN_POLICY if channel.group is PasswordGroup.ONLINE else KEYPAD_LOGIN_POLICY


def _refused(reason: str) -> LoginResult:
    return LoginResult(False, REFUSED_MESSAGE, audit_reason=reason)


_DAY = timedelta(days=1)


def _after_failure(lock: LockState, at: datetime, policy: LoginPolicy) -> LockState:
    """``lock`` after one more failure at ``at`` (D-045)."""
    consecutive = lock.consecutive + 1
    counted = lock.counted + 1
    locks = lock.locks
    locked_until = lock.locked_until
    start: datetime | None
    if policy.per_day:
        recent = (*(m for m in lock.recent if at - _DAY < m <= at), at)
        failures, start = len(recent), recent[0]
        if failures >= policy.max_failures:
            locked_until = max(recent[-policy.max_failures] + _DAY, locked_until or at)
            locks += 1
    else:
        recent = ()
        failures, start = lock.failures, lock.first_failure_at
        if start is None or (lock.locked_until is not None and at >= lock.locked_until):
            failures, start, locked_until = 0, at, None  # a lock that ended starts a fresh count
        failures += 1
        if failures >= policy.max_failures:
            minutes = min(policy.lock_minutes * 2 ** min(locks, 16), MAX_LOCK_MINUTES)
            locked_until = at + timedelta(minutes=minutes)
            locks += 1
    disabled = lock.disabled or consecutive >= HARD_CAP
    return LockState(failures, start, locked_until, consecutive, locks, disabled, recent, counted)


def _after_success(current: LockState, reserved: int, at: datetime, policy: LoginPolicy) -> LockState:
    """The lock state after the attempt reserved as number ``reserved`` succeeded: the
    failures reserved before it are cleared, those reserved after it (racing guesses) stay
    counted, as if the attempts had run one at a time in the order they were reserved."""
    later = max(0, current.counted - reserved)
    state = LockState(counted=reserved)
    for _ in range(later):
        state = _after_failure(state, at, policy)
    return state


def _undo_own(current: LockState, at: datetime, policy: LoginPolicy) -> LockState:
    """The lock state without one failure counted at ``at`` in advance (a password change
    whose old password was right): every other failure and any lock stay."""
    recent = list(current.recent)
    if at in recent:
        recent.remove(at)
    failures = max(0, current.failures - 1)
    locked_until, locks = current.locked_until, current.locks
    own_lock = locked_until is not None and current.failures >= policy.max_failures > failures
    if own_lock and (not policy.per_day or len(recent) < policy.max_failures):
        locked_until, locks = None, max(0, locks - 1)
    consecutive = max(0, current.consecutive - 1)
    disabled = current.disabled and consecutive >= HARD_CAP
    first = current.first_failure_at if failures else None
    return LockState(
        failures, first, locked_until, consecutive, locks, disabled, tuple(recent), current.counted
    )


_DUMMY_PASSWORD = "hpf-dummy-password-0"
_dummies: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash made by ``hasher`` with its current parameters, verified for an unknown or a
    locked account so that every refusal costs one verify at today's cost (D-045)."""
    try:
        found = _dummies.get(hasher)
    except TypeError:  # not weak-referenceable: no cache
        return hasher.hash(_DUMMY_PASSWORD)
    if found is None:
        found = hasher.hash(_DUMMY_PASSWORD)
        _dummies[hasher] = found
    return found


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    """The password in NFKC against ``stored``; a password that NFKC changes is also tried
    as typed, for a hash made before passwords were normalised (D-045)."""
    normalised = normalise_password(password)
    if hasher.verify(stored, normalised):
        return True
    return normalised != password and hasher.verify(stored, password)


def login(
    credentials: Credentials | None,
    identifier: str,
    password: str,
    channel: PasswordChannel | str,
    hasher: PasswordHasher,
    at: datetime,
    policy: LoginPolicy | None = None,
) -> tuple[Credentials | None, LoginResult]:
    """One login attempt (登录) with a phone or ID number and a password on ``channel``.

    ``credentials`` is what :func:`find_credentials` found for ``identifier`` (None when
    nothing matched). Returns the credentials to store (failure count, lock, or a rehash
    when the hasher's parameters rose) and the result. The policy defaults to
    :data:`ONLINE_LOGIN_POLICY` or :data:`KEYPAD_LOGIN_POLICY` by channel; a centre's own
    is ``policy.members.login_policy(channel)`` (``[members.login]``). A success on an
    initial password sets ``password_change_required``: open the session restricted to the
    password change. Passwords longer than the input limit raise ``PasswordTooLong``.

    A failed attempt is returned, not raised: it changes the credentials (the failure is
    counted, a lock may start) and the caller must store them (D-038). ``channel`` may be
    given by its value (``"app"``); anything else is ``InvalidChoice``; a ``credentials`` that
    is not a ``Credentials`` or an ``identifier`` that is not a string is ``InputTypeError``.
    """
    at = require_aware(at, "at")
    channel = choice(PasswordChannel, channel, "channel")
    if credentials is not None and not isinstance(credentials, Credentials):
        raise InputTypeError("credentials", "must be Credentials or None", type(credentials).__name__)
    if not isinstance(identifier, str):
        raise InputTypeError("identifier", "must be a str", type(identifier).__name__)
    password = require_password_input(password)
    policy = policy or _policy_for(channel)
    group = channel.group
    stored = credentials.stored_hash(group) if credentials is not None else None
    if credentials is None or stored is None or not _matches(credentials, identifier):
        hasher.verify(_dummy_hash(hasher), password)  # one verify at today's cost, as for a member
        return credentials, _refused("unknown_account")
    correct = _verify(hasher, stored, password)
    lock = credentials.lock_state(group)
    if lock.locked(at):
        return credentials, _refused("locked")
    if not correct:
        return _set_lock(credentials, group, _after_failure(lock, at, policy)), _refused("wrong_password")
    updated = _set_lock(credentials, group, LockState(counted=lock.counted))
    if hasher.needs_rehash(stored):
        updated = _set_hash(updated, group, hasher.hash(normalise_password(password)))
    change = group in credentials.must_change
    message = "登录成功，请先修改初始密码" if change else "登录成功"
    return updated, LoginResult(True, message, credentials.member_id, change)


def change_password(
    credentials: Credentials,
    group: PasswordGroup,
    old_password: str,
    new_password: str,
    confirmation: str,
    hasher: PasswordHasher,
    at: datetime,
    rules: PasswordRules | None = None,
    *,
    common: AbstractSet[str] = COMMON_PASSWORDS,
) -> Credentials:
    """Change ``group``'s password (密码修改: 旧密码、新密码、确认密码), seed §7.4.

    Checks the old password, that the confirmation matches, the centre's ``rules``
    (``policy.members.password_rules(group)``; default: the seed's rule for the group),
    that the new one differs from the old one and is neither the phone nor the ID number
    nor the initial password, and contains no fragment of the phone or ID number nor the
    birth date (``password_personal``), nor is in ``common`` (after NFKC). On success the forced
    change is cleared, ``secret_version`` moves on and the new password is hashed in NFKC;
    the caller then ends the member's other sessions (``end_others``). This pure step
    does not count a wrong old password: the service
    ``hpf_core.members.services.change_password`` counts it with the login's failures.
    While the group is locked it refuses with ``locked`` whatever the old password.
    Returns the changed credentials; a refused change changes nothing and raises
    ``refusal(violations)`` (a ``Refused``) carrying every reason found.
    """
    at = require_aware(at, "at")
    old_password = require_password_input(old_password, "old_password")
    new_password = require_password_input(new_password, "new_password")
    confirmation = require_password_input(confirmation, "confirmation")
    rules = rules or (DEFAULT_ONLINE_RULES if group is PasswordGroup.ONLINE else SEED_KEYPAD_RULES)
    stored = credentials.stored_hash(group)
    if credentials.lock_state(group).locked(at):
        if stored is not None:
            hasher.verify(stored, old_password)  # the same work as a check
        raise refusal([Violation("locked", "密码错误次数过多，账户已锁定", "old_password")])
    found: list[Violation] = []
    if stored is None:
        hasher.hash(old_password)
        found.append(Violation("wrong_password", "旧密码错误", "old_password"))
    elif not _verify(hasher, stored, old_password):
        found.append(Violation("wrong_password", "旧密码错误", "old_password"))
    if new_password != confirmation:
        found.append(Violation("confirmation_mismatch", "两次输入的新密码不一致", "confirmation"))
    personal = personal_fragments(credentials.phone, credentials.id_number)
    found.extend(_password_problems(rules, new_password, common=common, personal=personal))
    if normalise_password(new_password) == normalise_password(old_password):
        found.append(Violation("password_unchanged", "新密码不能与旧密码相同", "new_password"))
    forbidden = {credentials.phone, credentials.id_number}
    forbidden.update(initial_password(credentials.id_number, r) for r in InitialPasswordRule)
    if normalise_password(new_password).upper() in forbidden:
        found.append(
            Violation("password_is_identifier", "新密码不能是手机号、证件号或初始密码", "new_password")
        )
    if found:
        raise refusal(found)
    updated = _set_hash(credentials, group, hasher.hash(normalise_password(new_password)))
    return attrs.evolve(
        updated,
        must_change=credentials.must_change - {group},
        password_changed_at=at,
        secret_version=credentials.secret_version + 1,
    )
