"""Member security services (登录、会话、修改密码、修改手机号、解锁): the use cases over a unit
of work, race-safe (issue #10, D-045).

Each service takes ``new_uow`` (a factory of units of work over one store) and the ports
it needs as keywords. A login or password check is split in three so the slow hash runs
outside any transaction: (1) in one unit of work the attempt is COUNTED AS A FAILURE
before the password is looked at (compare-and-set on the credentials' ``version``,
retried on a conflict), refused at once when the group is locked; (2) the hash is
verified; (3) on success a second unit of work takes the attempt back — keeping every
failure reserved after it — and does the work. So 50 racing guesses are all counted and
at most ``max_failures`` of them are ever compared; ``change_password`` and
``verify_password`` count on the same lock as the login.

A session is tied to the credentials' ``secret_version``: a password or phone change
moves it on and ends every other session, and :func:`authenticate` refuses (and ends) a
session opened under an older one. A member locked out by someone else's guesses
proves the phone with an SMS code (:func:`send_unlock_code`, :func:`unlock`); a member
who forgot the password resets it with one (忘记密码: :func:`send_reset_code`,
:func:`reset_password`, D-057).

首次登录 (D-048): where the centre requires it, :func:`login` opens no session for a member
who has not passed the third-party check; :func:`login_with_identity` (支付宝登录, 刷脸登录)
passes it and binds the identity; :func:`enrol` stores a new member on the centre's initial
passwords, the keypad (12329 / 触摸屏) one included.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import attrs

from hpf_core._choice import choice
from hpf_core.dates import require_aware
from hpf_core.errors import ConcurrentUpdate, InvalidCode, Violation, refusal
from hpf_core.identity import validate_phone
from hpf_core.members._codes import SENT_MESSAGE, check_code, hash_code, send_code
from hpf_core.members._identity import FIRST_LOGIN_MESSAGE, enrol, login_with_identity
from hpf_core.members._login import (
    REFUSED_MESSAGE,
    LoginResult,
    _after_success,
    _dummy_hash,
    _set_hash,
    _set_lock,
    _undo_own,
    _verify,
)
from hpf_core.members._login import change_password as _change_password
from hpf_core.members._passwords import (
    COMMON_PASSWORDS,
    PasswordChannel,
    normalise_password,
    require_password_input,
)
from hpf_core.members._phone import PhoneChange, PhoneChanged, change_notice, check_new_phone
from hpf_core.members._records import CodePolicy, CodePurpose, Credentials, LockState, PasswordGroup, Session
from hpf_core.members._reset import RESET_MESSAGE, reset_notice, reset_password, send_reset_code
from hpf_core.members._rules import MemberRules
from hpf_core.members._sessions import (
    hash_token,
    mark_password_changed,
    open_session,
    password_verified,
    touch,
)
from hpf_core.members._uow import DEFAULT_RULES as _DEFAULT_RULES
from hpf_core.members._uow import RETRIES as _RETRIES
from hpf_core.members._uow import LoginOutcome, NewUnitOfWork, Reserved
from hpf_core.members._uow import audit as _audit
from hpf_core.members._uow import audit_alone as _audit_alone
from hpf_core.members._uow import find as _find
from hpf_core.members._uow import reserve as _reserve
from hpf_core.members._uow import settle as _settle
from hpf_core.ports import Notification

if TYPE_CHECKING:
    from hpf_core.ports import (
        CodeSource,
        PasswordHasher,
        SmsGateway,
        TokenSource,
        UnitOfWork,
        VerificationCodeStore,
    )

__all__ = [
    "FIRST_LOGIN_MESSAGE",
    "RESET_MESSAGE",
    "LoginOutcome",
    "authenticate",
    "change_password",
    "confirm_phone_change",
    "enrol",
    "login",
    "login_with_identity",
    "logout",
    "logout_everywhere",
    "request_phone_change",
    "reset_notice",
    "reset_password",
    "send_reset_code",
    "send_unlock_code",
    "unlock",
    "verify_password",
]

T = TypeVar("T")


def _refused(reason: str) -> LoginOutcome:
    return LoginOutcome(LoginResult(False, REFUSED_MESSAGE, audit_reason=reason))


def login(
    new_uow: NewUnitOfWork,
    identifier: str,
    password: str,
    channel: PasswordChannel,
    at: datetime,
    *,
    hasher: PasswordHasher,
    tokens: TokenSource,
    rules: MemberRules = _DEFAULT_RULES,
) -> LoginOutcome:
    """One login (登录) by phone or ID number: the failure is counted before the password
    is verified, so racing guesses are all counted; on success a session is opened (its
    token in the outcome; restricted to the password change on an initial password), the
    failures counted before this attempt are cleared and a hash below the hasher's
    parameters is replaced. Every refusal reads :data:`REFUSED_MESSAGE` and costs one
    verify (a dummy hash for an unknown or locked account).

    首次登录 (D-048): where the centre's ``rules.first_login`` applies to ``channel`` and the
    member has not yet passed the third-party check (``first_login_verified_at`` is None),
    a RIGHT password opens no session: the outcome is not accepted, reads
    :data:`FIRST_LOGIN_MESSAGE` with ``verification_required`` set (the channel offers
    【支付宝登录】 / 【刷脸登录】, :func:`login_with_identity`), and the attempt counted in
    advance is taken back, so nothing else changes. A wrong password is refused as always,
    before anything is said about the check."""
    at = require_aware(at, "at")
    password = require_password_input(password)
    channel = choice(PasswordChannel, channel, "channel")
    group = channel.group
    reserved = _reserve(
        new_uow, lambda uow: _find(uow, identifier), group, at, rules, channel, "member.login"
    )
    if isinstance(reserved, str):
        hasher.verify(_dummy_hash(hasher), password)
        return _refused(reserved)
    stored = reserved.credentials.stored_hash(group)
    assert stored is not None  # _reserve checked it
    member_id = reserved.credentials.member_id
    if not _verify(hasher, stored, password):
        _audit_alone(new_uow, member_id, "member.login.refused", at, "wrong_password")
        return _refused("wrong_password")
    policy = rules.login_policy(channel)
    rehash = hasher.hash(normalise_password(password)) if hasher.needs_rehash(stored) else None
    token = tokens.new_token()
    unverified: list[bool] = []

    def succeed(uow: UnitOfWork, current: Credentials) -> Credentials | None:
        if current.secret_version != reserved.credentials.secret_version:
            return None  # the password changed meanwhile: this one is no longer right
        if rules.first_login.applies(channel) and current.first_login_verified_at is None:
            unverified[:] = [True]  # the first-login check first: take this attempt back
            _audit(uow, current.member_id, "member.login.refused", at, "first_login_verification_required")
            return _set_lock(current, group, _undo_own(current.lock_state(group), at, policy))
        unverified[:] = []
        lock = _after_success(current.lock_state(group), reserved.counted, at, policy)
        updated = _set_lock(current, group, lock)
        if rehash is not None and current.stored_hash(group) == stored:
            updated = _set_hash(updated, group, rehash)
        change = group in current.must_change
        session = open_session(
            current.member_id,
            token,
            at,
            password_change_required=change,
            secret_version=current.secret_version,
            group=group,
        )
        uow.sessions.add(session)
        _audit(uow, current.member_id, "member.login.ok", at, f"{group.value} {channel.value}")
        return updated

    saved = _settle(new_uow, member_id, succeed)
    if saved is None:
        _audit_alone(new_uow, member_id, "member.login.refused", at, "wrong_password")
        return _refused("wrong_password")
    if unverified:
        result = LoginResult(
            False,
            FIRST_LOGIN_MESSAGE,
            audit_reason="first_login_verification_required",
            verification_required=True,
        )
        return LoginOutcome(result)
    change = group in saved.must_change
    message = "登录成功，请先修改初始密码" if change else "登录成功"
    return LoginOutcome(LoginResult(True, message, saved.member_id, change), token)


TOUCH_INTERVAL = timedelta(minutes=1)
"""How far a request must move a session's ``last_seen_at`` before :func:`authenticate`
stores it (D-067): at most one session write a minute per session, whatever the request rate."""


def _live_session(uow: UnitOfWork, token: str, at: datetime) -> tuple[Session, Credentials]:
    session = uow.sessions.get(hash_token(token))
    if session is None or session.ended:
        raise refusal([Violation("session_ended", "已退出登录，请重新登录", "session")])
    credentials = uow.credentials.get(session.member_id)
    if session.secret_version != credentials.secret_version:
        uow.sessions.end(session.token_hash, at)
        uow.commit()
        raise refusal([Violation("session_ended", "密码或手机号已变更，请重新登录", "session")])
    return session, credentials


def authenticate(
    new_uow: NewUnitOfWork,
    token: str,
    at: datetime,
    *,
    rules: MemberRules = _DEFAULT_RULES,
    changing_password: bool = False,
) -> Session:
    """The session of ``token`` after a request at ``at`` (``touch``), stored. ``Refused``
    with ``session_ended`` for an unknown or ended session or one opened before the last
    password or phone change (which it ends), ``session_expired``, or
    ``password_change_required`` unless ``changing_password``.

    The touch is stored only when it moves ``last_seen_at`` by :data:`TOUCH_INTERVAL` or
    more (D-067): a member reading several screens a second costs reads, not a write per
    request; the idle expiry then counts from a ``last_seen_at`` at most a minute old, so a
    session may end up to that much earlier than ``idle_minutes`` after its last request."""
    at = require_aware(at, "at")
    with new_uow() as uow:
        session, _ = _live_session(uow, token, at)
        touched = touch(session, at, rules.sessions, changing_password=changing_password)
        if touched.last_seen_at - session.last_seen_at >= TOUCH_INTERVAL:
            uow.sessions.save(touched)
            uow.commit()
        return touched


def logout(new_uow: NewUnitOfWork, token: str, at: datetime) -> bool:
    """Ends the session of ``token`` (退出登录); False if there was none or it had ended.
    An ended session is audited (``member.logout``) in the same unit of work."""
    at = require_aware(at, "at")

    def work(uow: UnitOfWork) -> bool:
        session = uow.sessions.get(hash_token(token))
        ended = uow.sessions.end(hash_token(token), at)
        if ended and session is not None:
            _audit(uow, session.member_id, "member.logout", at)
        return ended

    return _retried(new_uow, work)


def _retried(new_uow: NewUnitOfWork, work: Callable[[UnitOfWork], T]) -> T:
    """``work`` in a unit of work, committed; run again on a lock conflict (which wrote nothing)."""
    for _ in range(_RETRIES):
        try:
            with new_uow() as uow:
                result = work(uow)
                uow.commit()
                return result
        except ConcurrentUpdate:
            continue
    raise ConcurrentUpdate("sessions", "too many racing attempts; try again")


def logout_everywhere(
    new_uow: NewUnitOfWork, token: str, at: datetime, *, rules: MemberRules = _DEFAULT_RULES
) -> int:
    """退出所有设备: ends EVERY session of the member of ``token`` (this one included), in one
    unit of work with the audit event ``member.logout.everywhere``; how many were ended.
    ``Refused`` like :func:`authenticate` for a session that is not live."""
    at = require_aware(at, "at")
    session = authenticate(new_uow, token, at, rules=rules, changing_password=True)

    def work(uow: UnitOfWork) -> int:
        ended = uow.sessions.end_all(session.member_id, at)
        _audit(uow, session.member_id, "member.logout.everywhere", at, f"{ended} sessions")
        return ended

    return _retried(new_uow, work)


def _checked_password(
    new_uow: NewUnitOfWork,
    session: Session,
    group: PasswordGroup,
    password: str,
    at: datetime,
    hasher: PasswordHasher,
    rules: MemberRules,
) -> Reserved:
    """Count, then verify, a password typed in a session, on the login's lock: ``Refused``
    (``locked`` or ``wrong_password``, the failure stays counted) unless it is right."""
    channel = PasswordChannel.APP if group is PasswordGroup.ONLINE else PasswordChannel.HOTLINE
    reserved = _reserve(
        new_uow,
        lambda uow: uow.credentials.get(session.member_id),
        group,
        at,
        rules,
        channel,
        "member.password.check",
    )
    if isinstance(reserved, str):
        hasher.verify(_dummy_hash(hasher), password)
        raise refusal([Violation("locked", "密码错误次数过多，账户已锁定", "old_password")])
    stored = reserved.credentials.stored_hash(group)
    assert stored is not None
    if not _verify(hasher, stored, password):
        _audit_alone(new_uow, session.member_id, "member.password.check.refused", at, "wrong_password")
        raise refusal([Violation("wrong_password", "旧密码错误", "old_password")])
    return reserved


def verify_password(
    new_uow: NewUnitOfWork,
    token: str,
    password: str,
    at: datetime,
    *,
    hasher: PasswordHasher,
    rules: MemberRules = _DEFAULT_RULES,
) -> Session:
    """Re-authentication (请输入密码) in a session before a sensitive action: the online
    password, counted on the login's lock. Returns the session marked verified at ``at``;
    ``Refused`` (``locked``, ``wrong_password``) otherwise."""
    at = require_aware(at, "at")
    password = require_password_input(password)
    session = authenticate(new_uow, token, at, rules=rules)
    reserved = _checked_password(new_uow, session, PasswordGroup.ONLINE, password, at, hasher, rules)
    policy = rules.login_policy(PasswordChannel.APP)

    def succeed(uow: UnitOfWork, current: Credentials) -> Credentials:
        lock = _after_success(current.online_lock, reserved.counted, at, policy)
        uow.sessions.save(password_verified(session, at))
        _audit(uow, current.member_id, "member.password.verified", at)
        return _set_lock(current, PasswordGroup.ONLINE, lock)

    _settle(new_uow, session.member_id, succeed)
    return password_verified(session, at)


def change_password(
    new_uow: NewUnitOfWork,
    token: str,
    group: PasswordGroup,
    old_password: str,
    new_password: str,
    confirmation: str,
    at: datetime,
    *,
    hasher: PasswordHasher,
    rules: MemberRules = _DEFAULT_RULES,
    common: AbstractSet[str] = COMMON_PASSWORDS,
) -> Session:
    """密码修改 in the session of ``token``. The new password's problems are checked first
    (nothing counted); then the old password is counted and verified on the LOGIN's lock —
    refused while locked, every wrong one counted, and a success does not clear failures
    or a lock that others caused. On success the password is changed (NFKC),
    ``secret_version`` moves on, every other session ends, and this session (returned)
    carries the new version."""
    at = require_aware(at, "at")
    group = choice(PasswordGroup, group, "group")
    old_password = require_password_input(old_password, "old_password")
    session = authenticate(new_uow, token, at, rules=rules, changing_password=True)
    with new_uow() as uow:
        before = uow.credentials.get(session.member_id)
    if before.stored_hash(group) is None:
        hasher.verify(_dummy_hash(hasher), old_password)
        raise refusal([Violation("wrong_password", "旧密码错误", "old_password")])

    class _Accept:
        def hash(self, password: str) -> str:
            return ""  # the new hash is made once, below

        def verify(self, stored: str, password: str) -> bool:
            return True  # the old password is checked below, counted

        def needs_rehash(self, stored: str) -> bool:
            return False

    # every reason that does not need the old password, before any guess is counted
    _change_password(
        before,
        group,
        old_password,
        new_password,
        confirmation,
        _Accept(),
        at,
        rules.password_rules(group),
        common=common,
    )
    reserved = _checked_password(new_uow, session, group, old_password, at, hasher, rules)
    channel = PasswordChannel.APP if group is PasswordGroup.ONLINE else PasswordChannel.HOTLINE
    policy = rules.login_policy(channel)
    new_hash = hasher.hash(normalise_password(new_password))
    done: list[Session] = []

    def succeed(uow: UnitOfWork, current: Credentials) -> Credentials:
        lock = _undo_own(current.lock_state(group), at, policy)
        updated = _set_lock(_set_hash(current, group, new_hash), group, lock)
        updated = attrs.evolve(
            updated,
            must_change=current.must_change - {group},
            password_changed_at=at,
            secret_version=current.secret_version + 1,
        )
        uow.sessions.end_all(current.member_id, at, keep=session.token_hash)
        kept = attrs.evolve(mark_password_changed(session, at), secret_version=updated.secret_version)
        if session.password_change_required and session.group not in (None, group):
            # the session's own (initial) password is still to change: it stays restricted
            still = session.group in updated.must_change
            kept = attrs.evolve(kept, password_change_required=still)
        uow.sessions.save(kept)
        _audit(uow, current.member_id, "member.password.changed", at, group.value)
        done[:] = [kept]
        return updated

    _settle(new_uow, reserved.credentials.member_id, succeed)
    return done[0]


def send_unlock_code(
    new_uow: NewUnitOfWork,
    identifier: str,
    at: datetime,
    *,
    sms: SmsGateway,
    codes: CodeSource,
    store: VerificationCodeStore,
    policy: CodePolicy,
) -> str:
    """解锁: text an unlock code to the member's registered phone. Returns
    :data:`SENT_MESSAGE` whether or not the account exists (no enumeration); ``Refused``
    (``send_limit``) over the member's quota."""
    at = require_aware(at, "at")
    with new_uow() as uow:
        credentials = _find(uow, identifier)
    if credentials is None:
        return SENT_MESSAGE
    return send_code(
        credentials.phone,
        CodePurpose.UNLOCK,
        at,
        policy,
        sms=sms,
        codes=codes,
        store=store,
        owner=credentials.member_id,
    )


def unlock(
    new_uow: NewUnitOfWork,
    identifier: str,
    code: object,
    at: datetime,
    *,
    store: VerificationCodeStore,
    policy: CodePolicy,
) -> None:
    """The owner proves the phone with the unlock code: both password groups' failure
    counts, locks and the 100-failure disable are cleared, so guesses by someone else
    cannot keep the owner out for good (NIST SP 800-63B §5.2.2). :class:`InvalidCode`
    (always the same message) otherwise, also for an unknown account."""
    at = require_aware(at, "at")
    with new_uow() as uow:
        credentials = _find(uow, identifier)
    if credentials is None:
        hash_code("0" * policy.length, b"\x00" * 16, "13800000000", CodePurpose.UNLOCK)  # same time
        raise InvalidCode()
    check_code(
        credentials.phone, CodePurpose.UNLOCK, code, at, policy, store=store, owner=credentials.member_id
    )

    def clear(uow: UnitOfWork, current: Credentials) -> Credentials:
        _audit(uow, current.member_id, "member.unlocked", at)
        return attrs.evolve(
            current,
            online_lock=LockState(counted=current.online_lock.counted),
            keypad_lock=LockState(counted=current.keypad_lock.counted),
        )

    _settle(new_uow, credentials.member_id, clear)


def _taken(uow: UnitOfWork, member_id: str, phone: str) -> tuple[str, ...]:
    other = uow.credentials.by_phone(phone)
    owner = uow.members.by_phone(phone)
    taken = {c.phone for c in (other, owner) if c is not None and c.member_id != member_id}
    return tuple(taken)


def request_phone_change(
    new_uow: NewUnitOfWork,
    token: str,
    new_phone: str,
    at: datetime,
    *,
    sms: SmsGateway,
    codes: CodeSource,
    store: VerificationCodeStore,
    policy: CodePolicy,
    rules: MemberRules = _DEFAULT_RULES,
) -> str:
    """获取验证码 for 修改手机号 in the session of ``token``: the session must be live, past
    the initial password and verified within ``reauth_minutes``; the code goes to the new
    number, counted against this member's quota for it. Returns :data:`SENT_MESSAGE`."""
    at = require_aware(at, "at")
    session = authenticate(new_uow, token, at, rules=rules)
    new = validate_phone(new_phone, "new_phone")
    with new_uow() as uow:
        credentials = uow.credentials.get(session.member_id)
        taken = _taken(uow, session.member_id, new)
    return PhoneChange(policy, sms, codes, store).request(session, credentials.phone, new, taken, at)


def confirm_phone_change(
    new_uow: NewUnitOfWork,
    token: str,
    new_phone: str,
    code: object,
    at: datetime,
    *,
    store: VerificationCodeStore,
    policy: CodePolicy,
    rules: MemberRules = _DEFAULT_RULES,
    sign: str = "12329",
) -> PhoneChanged:
    """确定: check the member's own code (counted first, consumed once), then in one unit of
    work change the phone on the credentials (and the member record, if any), move
    ``secret_version`` on, end every other session, and queue the notice to the OLD number
    in the outbox. :class:`InvalidCode` for any code failure; ``Refused`` for a session or
    number problem; ``ConcurrentUpdate`` if the number was taken meanwhile."""
    at = require_aware(at, "at")
    session = authenticate(new_uow, token, at, rules=rules)
    new = validate_phone(new_phone, "new_phone")
    with new_uow() as uow:
        credentials = uow.credentials.get(session.member_id)
        taken = _taken(uow, session.member_id, new)
    old = credentials.phone
    check_new_phone(old, new, taken, session, at, policy)
    check_code(
        new, CodePurpose.PHONE_CHANGE, code, at, policy, store=store, subject=old, owner=session.member_id
    )
    changed = PhoneChanged(old, new, at, change_notice(new, at, sign))

    def apply(uow: UnitOfWork, current: Credentials) -> Credentials:
        if _taken(uow, current.member_id, new):
            raise refusal([Violation("phone_taken", "该手机号已被本中心其他职工使用", "new_phone")])
        updated = attrs.evolve(current, phone=new, secret_version=current.secret_version + 1)
        try:
            record = uow.members.get(current.member_id)
        except LookupError:
            record = None
        if record is not None:
            uow.members.save(attrs.evolve(record, phone=new))
        uow.sessions.end_all(current.member_id, at, keep=session.token_hash)
        uow.sessions.save(attrs.evolve(session, secret_version=updated.secret_version))
        uow.outbox.enqueue(Notification(current.member_id, old, changed.notice, at))
        _audit(uow, current.member_id, "member.phone.changed", at)
        return updated

    _settle(new_uow, session.member_id, apply)
    return changed
