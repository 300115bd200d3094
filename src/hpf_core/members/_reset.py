"""忘记密码: a forgotten password reset by an SMS code to the registered phone (issue #13,
D-057). Re-exported by :mod:`hpf_core.members.services`, the public face.

Two steps, no session: :func:`send_reset_code` finds the member by phone or ID number and
texts a code of purpose ``PASSWORD_RESET`` to the registered phone — the same answer
(:data:`~hpf_core.members._codes.SENT_MESSAGE`) for an unknown identifier and over the
send quota, so the reply never tells whether a number is a member's; :func:`reset_password`
takes the code and the new password twice. Race-safe like the other services: the code's
attempt is counted before it is compared and the code is consumed once, then the change is
saved by compare-and-set (``_uow.settle``), so of racing requests with one code one resets.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from hpf_core._choice import choice
from hpf_core.dates import require_aware
from hpf_core.errors import InvalidCode, Refused, Violation, refusal
from hpf_core.members._codes import SENT_MESSAGE, hash_code, send_code, verify
from hpf_core.members._login import _set_hash, _set_lock
from hpf_core.members._passwords import (
    COMMON_PASSWORDS,
    InitialPasswordRule,
    _password_problems,
    initial_password,
    normalise_password,
    personal_fragments,
    require_password_input,
)
from hpf_core.members._records import CodePolicy, CodePurpose, Credentials, LockState, PasswordGroup
from hpf_core.members._rules import MemberRules
from hpf_core.members._uow import ANONYMOUS, DEFAULT_RULES, NewUnitOfWork, audit, audit_alone, find, settle
from hpf_core.ports import Notification

if TYPE_CHECKING:
    from hpf_core.ports import CodeSource, PasswordHasher, SmsGateway, UnitOfWork, VerificationCodeStore

__all__ = ["RESET_MESSAGE", "reset_notice", "reset_password", "send_reset_code"]

RESET_MESSAGE = "密码重置成功，请使用新密码重新登录"
"""What the channel shows after a reset."""

_PURPOSE = CodePurpose.PASSWORD_RESET
_DUMMY_PHONE = "13800000000"
_DUMMY_SALT = b"\x00" * 16
_NAMES = {PasswordGroup.ONLINE: "登录密码", PasswordGroup.KEYPAD: "12329热线/触摸屏密码"}


def reset_notice(group: PasswordGroup, at: datetime, sign: str = "12329", hotline: str = "12329") -> str:
    """The text to the registered phone after a reset: which password, when, and whom to call.

    >>> from datetime import timedelta, timezone
    >>> reset_notice(PasswordGroup.ONLINE, datetime(2018, 6, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))))
    '【12329】您的公积金登录密码已于2018年06月01日09:30重置，所有设备已退出登录，如非本人操作请致电12329。'
    """
    group = choice(PasswordGroup, group, "group")
    require_aware(at, "at")
    return (
        f"【{sign}】您的公积金{_NAMES[group]}已于{at:%Y年%m月%d日%H:%M}重置，所有设备已退出登录，"
        f"如非本人操作请致电{hotline}。"
    )


def send_reset_code(
    new_uow: NewUnitOfWork,
    identifier: str,
    at: datetime,
    *,
    sms: SmsGateway,
    codes: CodeSource,
    store: VerificationCodeStore,
    policy: CodePolicy,
) -> str:
    """忘记密码, 获取验证码: a reset code to the registered phone of the member whose phone
    or ID number is ``identifier``. Returns :data:`SENT_MESSAGE` in every case — an unknown
    identifier and a send over the member's quota (which sends nothing) included, so the
    answer never tells whether the identifier is a member's; the unknown case costs the
    same code hash as a send. Audited ``member.password.reset.requested`` (detail ``sent``,
    ``send_limit``, or ``unknown_account`` with the actor ``anonymous``)."""
    at = require_aware(at, "at")
    with new_uow() as uow:
        credentials = find(uow, identifier)
    if credentials is None:
        hash_code("0" * policy.length, _DUMMY_SALT, _DUMMY_PHONE, _PURPOSE)  # the cost of a send
        audit_alone(new_uow, ANONYMOUS, "member.password.reset.requested", at, "unknown_account")
        return SENT_MESSAGE
    try:
        send_code(
            credentials.phone,
            _PURPOSE,
            at,
            policy,
            sms=sms,
            codes=codes,
            store=store,
            owner=credentials.member_id,
        )
    except Refused:  # over the quota: said like a send, so the quota tells nothing either
        audit_alone(new_uow, credentials.member_id, "member.password.reset.requested", at, "send_limit")
        return SENT_MESSAGE
    audit_alone(new_uow, credentials.member_id, "member.password.reset.requested", at, "sent")
    return SENT_MESSAGE


def _general_problems(
    group: PasswordGroup, new: str, confirmation: str, rules: MemberRules, common: AbstractSet[str]
) -> None:
    found: list[Violation] = []
    if new != confirmation:
        found.append(Violation("confirmation_mismatch", "两次输入的新密码不一致", "confirmation"))
    found.extend(_password_problems(rules.password_rules(group), new, common=common))
    if found:
        raise refusal(found)


def _personal_problems(
    credentials: Credentials, new: str, common: AbstractSet[str], rules: MemberRules, group: PasswordGroup
) -> None:
    personal = personal_fragments(credentials.phone, credentials.id_number)
    found = [
        v
        for v in _password_problems(rules.password_rules(group), new, common=common, personal=personal)
        if v.code == "password_personal"
    ]
    forbidden = {credentials.phone, credentials.id_number}
    forbidden.update(initial_password(credentials.id_number, r) for r in InitialPasswordRule)
    if normalise_password(new).upper() in forbidden:
        found.append(
            Violation("password_is_identifier", "新密码不能是手机号、证件号或初始密码", "new_password")
        )
    if found:
        raise refusal(found)


def _refused_code(new_uow: NewUnitOfWork, actor: str, at: datetime, reason: str) -> InvalidCode:
    audit_alone(new_uow, actor, "member.password.reset.refused", at, reason)
    return InvalidCode()


def reset_password(
    new_uow: NewUnitOfWork,
    identifier: str,
    code: object,
    new_password: str,
    confirmation: str,
    at: datetime,
    *,
    hasher: PasswordHasher,
    store: VerificationCodeStore,
    policy: CodePolicy,
    rules: MemberRules = DEFAULT_RULES,
    common: AbstractSet[str] = COMMON_PASSWORDS,
    group: PasswordGroup = PasswordGroup.ONLINE,
    sign: str = "12329",
) -> str:
    """忘记密码, 确定: the reset code and the new password twice. In this order:

    1. the new password's own problems (the group's rules, ``common``, the confirmation):
       ``Refused``, nothing counted — they say nothing about the identifier;
    2. the code: an unknown identifier, a wrong, expired, used or another member's code is
       :class:`InvalidCode` (one message; every comparison counted on the code's attempts);
    3. with the code proven, the member's own problems (a fragment of the phone or ID
       number, the birth date, the initial password): ``Refused`` and the code stays usable;
    4. the code is consumed (once: of racing requests, one goes on), the new password
       hashed, and in ONE unit of work (compare-and-set, retried): the hash set, the forced
       change cleared, ``secret_version`` moved on, every session ended, the group's failure
       count, lock and 100-failure disable cleared (the owner proved the phone, as with
       ``unlock``; ``LockState.counted`` kept), the notice to the phone queued in the outbox
       and ``member.password.reset`` appended to the audit log.

    Returns :data:`RESET_MESSAGE`. The old password is not looked at (the member forgot it).
    Refused steps are audited ``member.password.reset.refused`` (``invalid_code``)."""
    at = require_aware(at, "at")
    group = choice(PasswordGroup, group, "group")
    new_password = require_password_input(new_password, "new_password")
    confirmation = require_password_input(confirmation, "confirmation")
    _general_problems(group, new_password, confirmation, rules, common)
    with new_uow() as uow:
        credentials = find(uow, identifier)
    if credentials is None:
        hash_code("0" * policy.length, _DUMMY_SALT, _DUMMY_PHONE, _PURPOSE)  # the cost of a check
        raise _refused_code(new_uow, ANONYMOUS, at, "unknown_account")
    member_id, phone = credentials.member_id, credentials.phone
    counted = store.count_attempt(phone, _PURPOSE, owner=member_id)
    if counted is None:
        hash_code("0" * policy.length, _DUMMY_SALT, phone, _PURPOSE)
        raise _refused_code(new_uow, member_id, at, "invalid_code")
    before = attrs.evolve(counted, attempts=counted.attempts - 1)  # what this attempt is checked against
    _, ok = verify(before, phone, _PURPOSE, code, at, policy)
    if not ok:
        raise _refused_code(new_uow, member_id, at, "invalid_code")
    _personal_problems(credentials, new_password, common, rules, group)
    if not store.consume(phone, _PURPOSE, counted.code_hash, at, owner=member_id):
        raise _refused_code(new_uow, member_id, at, "invalid_code")  # another request used it
    new_hash = hasher.hash(normalise_password(new_password))

    def apply(uow: UnitOfWork, current: Credentials) -> Credentials | None:
        if current.phone != phone:
            return None  # the phone changed since the code went out: the code proves nothing now
        lock = LockState(counted=current.lock_state(group).counted)
        updated = _set_lock(_set_hash(current, group, new_hash), group, lock)
        updated = attrs.evolve(
            updated,
            must_change=current.must_change - {group},
            password_changed_at=at,
            secret_version=current.secret_version + 1,
        )
        ended = uow.sessions.end_all(current.member_id, at)
        uow.outbox.enqueue(Notification(current.member_id, current.phone, reset_notice(group, at, sign), at))
        audit(uow, current.member_id, "member.password.reset", at, f"{group.value} {ended} sessions")
        return updated

    if settle(new_uow, member_id, apply) is None:
        raise _refused_code(new_uow, member_id, at, "phone_changed")
    return RESET_MESSAGE
