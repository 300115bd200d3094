"""Changing the registered mobile number (修改手机号码, seed manual §5.1.3).

The screen has 旧手机号码, 新手机号, 验证码 with 获取验证码 and 确定. Around it the
library adds what binding a new authenticator needs (NIST 800-63B 5.1.3.3, ASVS 7.5.1):
the member is in a logged-in :class:`Session` (not ended, not restricted to the initial
password's change) whose password was checked within the policy's
``reauth_minutes``; the new number differs from the old one, is a valid mainland mobile
and belongs to no other member of the centre (a phone is unique within a centre); the
code goes to the NEW number and is bound to the old one too; after the change a notice
goes to the OLD number (通知旧手机号), masked, so a hijack is noticed.

:func:`request_change` and :func:`confirm_change` are pure; :class:`PhoneChange` calls
the ports it is given (SmsGateway, CodeSource, VerificationCodeStore) through the atomic
:func:`send_code` and :func:`check_code`, with the code and the send quota kept per member
(``owner``) so one member cannot cancel another's pending change or use up their quota.

>>> from datetime import datetime, timedelta, timezone
>>> at = datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=8)))
>>> change_notice("13800138000", at)
'【12329】您的公积金账户手机号已于2026年01月05日09:30变更为138****8000，如非本人操作请致电12329。'
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from hpf_core.dates import require_aware
from hpf_core.errors import InputTypeError, Violation, refusal
from hpf_core.identity import mask_phone, validate_phone
from hpf_core.members._codes import check_code, hash_code, issue, send_code, verify
from hpf_core.members._records import CodePolicy, CodePurpose, IssuedCode, SendLog, Session

if TYPE_CHECKING:
    from hpf_core.ports import CodeSource, SmsGateway, VerificationCodeStore

__all__ = [
    "CHANGED_MESSAGE",
    "PhoneChange",
    "PhoneChanged",
    "change_notice",
    "check_new_phone",
    "confirm_change",
    "request_change",
]

CHANGED_MESSAGE = "修改成功"
"""What the app shows after 确定 succeeds (seed manual §5.1.3)."""


@attrs.frozen
class PhoneChanged:
    """A completed change: the member's record takes ``new_phone``; ``notice`` goes to
    ``old_phone``."""

    old_phone: str = attrs.field(repr=mask_phone)
    new_phone: str = attrs.field(repr=mask_phone)
    changed_at: datetime
    notice: str


def change_notice(new_phone: str, changed_at: datetime, sign: str = "12329", hotline: str = "12329") -> str:
    """The text for the OLD number: when, and the new number masked 3+4."""
    require_aware(changed_at, "changed_at")
    return (
        f"【{sign}】您的公积金账户手机号已于{changed_at:%Y年%m月%d日%H:%M}变更为{mask_phone(new_phone)}，"
        f"如非本人操作请致电{hotline}。"
    )


def _check_session(session: Session | None, at: datetime, policy: CodePolicy) -> None:
    if session is not None and not isinstance(session, Session):
        raise InputTypeError("session", "must be a Session", type(session).__name__)
    if session is None or session.ended:
        raise refusal([Violation("session_ended", "已退出登录，请重新登录", "session")])
    if session.password_change_required:
        raise refusal([Violation("password_change_required", "请先修改初始密码", "password")])
    verified = session.password_verified_at
    if not at - timedelta(minutes=policy.reauth_minutes) <= verified <= at:
        raise refusal(
            [Violation("reauth_required", f"请先验证登录密码({policy.reauth_minutes}分钟内有效)", "password")]
        )


def check_new_phone(
    member_phone: str,
    new_phone: str,
    taken_phones: Collection[str],
    session: Session | None,
    at: datetime,
    policy: CodePolicy,
) -> str:
    """The new number, normalised. A number that may not replace ``member_phone`` raises
    ``Refused`` with the first reason: ``session_ended`` (no session, or a logged-out one),
    ``password_change_required`` (a session still on the initial password),
    ``reauth_required`` (no password check in this session within ``reauth_minutes``
    before ``at``), ``same_phone`` or ``phone_taken``
    (another member of the centre has it; ``taken_phones`` are the centre's other members'
    numbers). ``InvalidPhone`` for a malformed number.

    >>> from datetime import timezone
    >>> from hpf_core.errors import Refused
    >>> at = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
    >>> session = Session("0" * 64, "M1", at, at, at)
    >>> check_new_phone("13800138000", "139 0000 1111", (), session, at, CodePolicy())
    '13900001111'
    >>> try:
    ...     check_new_phone("13800138000", "13900001111", (), None, at, CodePolicy())
    ... except Refused as refused:
    ...     print(refused.codes)
    ('session_ended',)
    """
    require_aware(at, "at")
    new = validate_phone(new_phone, "new_phone")
    _check_session(session, at, policy)
    if new == validate_phone(member_phone, "old_phone"):
        raise refusal([Violation("same_phone", "新手机号与旧手机号相同", "new_phone")])
    if new in {validate_phone(phone, "taken_phones") for phone in taken_phones}:
        raise refusal([Violation("phone_taken", "该手机号已被本中心其他职工使用", "new_phone")])
    return new


def request_change(
    member_phone: str,
    new_phone: str,
    taken_phones: Collection[str],
    session: Session | None,
    at: datetime,
    policy: CodePolicy,
    *,
    code: str,
    salt: bytes,
    sends: SendLog | None,
) -> tuple[IssuedCode, SendLog]:
    """获取验证码: after :func:`check_new_phone`, a 修改手机号 code for the NEW phone,
    bound to the old one, and the new phone's send log. ``Refused`` with the first reason
    not to (a :func:`check_new_phone` reason or the send limit)."""
    checked = check_new_phone(member_phone, new_phone, taken_phones, session, at, policy)
    old = validate_phone(member_phone, "old_phone")
    issued, log = issue(checked, CodePurpose.PHONE_CHANGE, code, salt, at, policy, sends, subject=old)
    assert session is not None  # checked above
    owner = session.member_id
    return attrs.evolve(issued, owner=owner), attrs.evolve(log, owner=owner)


def confirm_change(
    member_phone: str,
    new_phone: str,
    issued: IssuedCode | None,
    code: object,
    taken_phones: Collection[str],
    session: Session | None,
    at: datetime,
    policy: CodePolicy,
    *,
    sign: str = "12329",
) -> tuple[IssuedCode | None, PhoneChanged | None]:
    """确定: the code record after this attempt, and the change (with the notice for the
    old number) — or ``None`` in its place when the code failed, whatever went wrong
    (show :data:`GENERIC_MESSAGE`). A failed code is a result, not a raised refusal: the
    attempt is counted in the returned record, which the caller must store (D-038). The
    session and the number are checked again first (another member may have taken it
    meanwhile); those refusals change nothing and raise ``Refused``."""
    checked = check_new_phone(member_phone, new_phone, taken_phones, session, at, policy)
    old = validate_phone(member_phone, "old_phone")
    if issued is None:
        hash_code("0" * policy.length, b"\x00" * 16, checked, CodePurpose.PHONE_CHANGE, old)  # same time
        return None, None
    issued, ok = verify(issued, checked, CodePurpose.PHONE_CHANGE, code, at, policy, subject=old)
    if not ok:
        return issued, None
    return issued, PhoneChanged(old, checked, at, change_notice(checked, at, sign))


@attrs.frozen
class PhoneChange:
    """The 修改手机号码 walk over the ports it is given, through the code store's atomic
    steps (:func:`send_code`, :func:`check_code`): racing confirmations give one change,
    and the code and quota are the session's member's own. It does not store the member:
    the caller saves :attr:`PhoneChanged.new_phone` on the member's record (where the
    centre-wide uniqueness of phones must also be enforced, for races), moves the
    credentials' ``secret_version`` on and ends the other sessions — as
    ``hpf_core.members.services.confirm_phone_change`` does."""

    policy: CodePolicy
    sms: SmsGateway
    codes: CodeSource
    store: VerificationCodeStore
    sign: str = "12329"

    def request(
        self,
        session: Session | None,
        member_phone: str,
        new_phone: str,
        taken_phones: Collection[str],
        at: datetime,
    ) -> str:
        """获取验证码: text a code to the NEW phone; returns :data:`SENT_MESSAGE`.
        ``Refused`` for any :func:`check_new_phone` reason or the send limit (counted per
        member and phone). A resend replaces the code but keeps its attempts."""
        checked = check_new_phone(member_phone, new_phone, taken_phones, session, at, self.policy)
        assert session is not None  # checked above
        old = validate_phone(member_phone, "old_phone")
        return send_code(
            checked,
            CodePurpose.PHONE_CHANGE,
            at,
            self.policy,
            sms=self.sms,
            codes=self.codes,
            store=self.store,
            subject=old,
            sign=self.sign,
            owner=session.member_id,
        )

    def confirm(
        self,
        session: Session | None,
        member_phone: str,
        new_phone: str,
        code: object,
        taken_phones: Collection[str],
        at: datetime,
    ) -> PhoneChanged:
        """确定: check the code (the attempt is counted first, the code consumed once),
        send the notice to the OLD phone and return the change. :class:`InvalidCode` for
        any code failure, ``Refused`` for a session or number problem."""
        checked = check_new_phone(member_phone, new_phone, taken_phones, session, at, self.policy)
        assert session is not None  # checked above
        old = validate_phone(member_phone, "old_phone")
        check_code(
            checked,
            CodePurpose.PHONE_CHANGE,
            code,
            at,
            self.policy,
            store=self.store,
            subject=old,
            owner=session.member_id,
        )
        changed = PhoneChanged(old, checked, at, change_notice(checked, at, self.sign))
        self.sms.send(changed.old_phone, changed.notice)
        return changed
