"""The member's security screens (登录, 忘记密码, 密码修改, 修改手机号码, 退出): the race-safe
services of :mod:`hpf_core.members.services`, which append their own audit events in the
unit of work of each change (D-045, D-052), with the centre's rules and ports bound by
``hpf_adapters.wiring``."""

from __future__ import annotations

from datetime import datetime

from hpf_core.centers import VerificationMethod
from hpf_core.members import (
    CodePolicy,
    MemberRules,
    PasswordChannel,
    PasswordGroup,
    PhoneChanged,
    Session,
)
from hpf_core.members import services as member_services
from hpf_core.members.services import LoginOutcome
from hpf_core.portal._access import NewUnitOfWork
from hpf_core.ports import (
    CodeSource,
    IdentityVerifier,
    PasswordHasher,
    SmsGateway,
    TokenSource,
    VerificationCodeStore,
)

__all__ = [
    "change_password",
    "confirm_phone_change",
    "login",
    "logout",
    "logout_everywhere",
    "request_phone_change",
    "reset_password",
    "send_reset_code",
    "send_unlock_code",
    "unlock",
    "verify_password",
]


def login(
    new_uow: NewUnitOfWork,
    identifier: str,
    password: str,
    channel: PasswordChannel,
    at: datetime,
    *,
    hasher: PasswordHasher,
    tokens: TokenSource,
    rules: MemberRules,
) -> LoginOutcome:
    """登录 by phone or ID number (seed §2.1): :func:`hpf_core.members.services.login`.
    Audited ``member.login.attempt`` in the unit that counts the attempt, then
    ``member.login.ok`` (with the session) or ``member.login.refused`` (with the reason).
    Where the centre requires the third-party first login and the member has not passed it,
    a right password opens no session (``verification_required``): the channel offers
    :func:`login_with_identity`."""
    return member_services.login(
        new_uow, identifier, password, channel, at, hasher=hasher, tokens=tokens, rules=rules
    )


def login_with_identity(
    new_uow: NewUnitOfWork,
    method: VerificationMethod,
    evidence: str,
    at: datetime,
    *,
    verifier: IdentityVerifier,
    tokens: TokenSource,
    rules: MemberRules,
) -> LoginOutcome:
    """【支付宝登录】 / 【刷脸登录】 (seed §2.1.2), the first login a centre may require:
    :func:`hpf_core.members.services.login_with_identity`. The identity the third party
    vouches for is bound to the member, the first-login check marked passed and a session
    opened, audited ``member.login.third_party`` in the same unit of work."""
    return member_services.login_with_identity(
        new_uow, method, evidence, at, verifier=verifier, tokens=tokens, rules=rules
    )


def logout(new_uow: NewUnitOfWork, token: str, at: datetime) -> bool:
    """退出当前账号 (seed §7.5): ends this session, audited ``member.logout``."""
    return member_services.logout(new_uow, token, at)


def logout_everywhere(new_uow: NewUnitOfWork, token: str, at: datetime, *, rules: MemberRules) -> int:
    """Ends every session of the member (this one too), audited ``member.logout.everywhere``."""
    return member_services.logout_everywhere(new_uow, token, at, rules=rules)


def verify_password(
    new_uow: NewUnitOfWork,
    token: str,
    password: str,
    at: datetime,
    *,
    hasher: PasswordHasher,
    rules: MemberRules,
) -> Session:
    """请输入密码 before a sensitive step (a new card, a phone change): counted on the
    login's lock; audited ``member.password.verified`` (or ``…check.refused``)."""
    return member_services.verify_password(new_uow, token, password, at, hasher=hasher, rules=rules)


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
    rules: MemberRules,
) -> Session:
    """密码修改 (seed §7.4): the APP/微信/网厅 password (``PasswordGroup.ONLINE``) or the
    12329/触摸屏 password (``PasswordGroup.KEYPAD``); audited ``member.password.changed``."""
    return member_services.change_password(
        new_uow, token, group, old_password, new_password, confirmation, at, hasher=hasher, rules=rules
    )


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
    rules: MemberRules,
) -> str:
    """修改手机号码 (seed §5.1.3), 获取验证码: the code goes to the new number."""
    return member_services.request_phone_change(
        new_uow, token, new_phone, at, sms=sms, codes=codes, store=store, policy=policy, rules=rules
    )


def confirm_phone_change(
    new_uow: NewUnitOfWork,
    token: str,
    new_phone: str,
    code: object,
    at: datetime,
    *,
    store: VerificationCodeStore,
    policy: CodePolicy,
    rules: MemberRules,
) -> PhoneChanged:
    """修改手机号码, 确定: the phone changes, other sessions end, the old number is told
    (outbox), audited ``member.phone.changed`` — one unit of work."""
    return member_services.confirm_phone_change(
        new_uow, token, new_phone, code, at, store=store, policy=policy, rules=rules
    )


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
    """解锁, 获取验证码 (no session: the member is locked out): the code goes to the
    registered phone; the same answer whether or not the identifier is a member's."""
    return member_services.send_unlock_code(
        new_uow, identifier, at, sms=sms, codes=codes, store=store, policy=policy
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
    """解锁 with the SMS code: both passwords' locks are cleared, audited ``member.unlocked``;
    ``InvalidCode`` (one message) for any failure, an unknown identifier included."""
    member_services.unlock(new_uow, identifier, code, at, store=store, policy=policy)


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
    """忘记密码, 获取验证码 (no session): :func:`hpf_core.members.services.send_reset_code`.
    The code goes to the registered phone of the member whose phone or ID number is
    ``identifier``; the same answer for an unknown identifier and over the send quota."""
    return member_services.send_reset_code(
        new_uow, identifier, at, sms=sms, codes=codes, store=store, policy=policy
    )


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
    rules: MemberRules,
    group: PasswordGroup = PasswordGroup.ONLINE,
) -> str:
    """忘记密码, 确定 (no session): :func:`hpf_core.members.services.reset_password`. The
    code and the new password twice; every session ends, the group's lock is cleared, the
    phone is told (outbox) and ``member.password.reset`` audited — one unit of work.
    ``InvalidCode`` (one message) for any code failure, an unknown identifier included."""
    return member_services.reset_password(
        new_uow,
        identifier,
        code,
        new_password,
        confirmation,
        at,
        hasher=hasher,
        store=store,
        policy=policy,
        rules=rules,
        group=group,
    )
