"""首次登录 and the third-party login paths (seed §2.1.2), and enrolment with the centre's
initial passwords (seed §7.4), D-048.

"首次登录需通过支付宝授权或刷脸验证": :func:`login_with_identity` is 【支付宝登录】 and
【刷脸登录】. The channel runs the third party's own screen (支付宝's 确认授权, or the face
check after 同意协议,开始拍摄) and passes what it got back — the ``evidence``: Alipay's
one-time ``auth_code``, or the face check's ``CertifyId`` — to the service, which asks the
:class:`~hpf_core.ports.IdentityVerifier` whom it vouches for (an ID number, and the
third party's own number for the person), finds the member by that ID number, binds the
identity to the member's credentials (one per method; a different Alipay account for a
member who has one bound is refused), records the first-login check as passed and opens a
session. A refusal anywhere changes nothing. :func:`enrol` stores a new member's
credentials on the centre's initial passwords, the keypad one included.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from hpf_core._choice import choice
from hpf_core._inputs import instance
from hpf_core.centers._records import VerificationMethod, VerificationResult
from hpf_core.dates import require_aware
from hpf_core.errors import HpfError, InputError, InputTypeError, Violation, refusal
from hpf_core.identity import validate_id_number
from hpf_core.members._login import LoginResult, new_credentials
from hpf_core.members._records import BoundIdentity, Credentials, PasswordGroup
from hpf_core.members._rules import MemberRules
from hpf_core.members._sessions import open_session
from hpf_core.members._uow import DEFAULT_RULES as _DEFAULT_RULES
from hpf_core.members._uow import LoginOutcome, NewUnitOfWork, audit, settle

if TYPE_CHECKING:
    from hpf_core.ports import IdentityVerifier, PasswordHasher, TokenSource, UnitOfWork

__all__ = ["FIRST_LOGIN_MESSAGE", "enrol", "login_with_identity"]

FIRST_LOGIN_MESSAGE = "首次登录需通过支付宝授权或刷脸验证"
"""What a password login shows a member who has not passed the first-login check (seed §2.1.2)."""

MAX_EVIDENCE_LENGTH = 512
"""Longest evidence accepted (an Alipay ``auth_code`` is 32 characters, a face check's
``CertifyId`` 32): anything longer is refused before the verifier is asked."""


def _evidence(evidence: object) -> str:
    if not isinstance(evidence, str):
        raise InputTypeError("evidence", f"must be a str, not {type(evidence).__name__}")
    if not evidence.strip() or len(evidence) > MAX_EVIDENCE_LENGTH or not evidence.isprintable():
        raise InputError("evidence", f"must be 1 to {MAX_EVIDENCE_LENGTH} printable characters")
    return evidence


def _failed(method: VerificationMethod) -> Violation:
    return Violation(
        "third_party_verification_failed",
        f"{method.label}未通过 (third-party verification did not pass)",
        "evidence",
    )


def _vouched(result: object, method: VerificationMethod) -> tuple[str, str, str]:
    """(ID number, third party's number, reference) of a passing answer for ``method``;
    ``Refused`` (``third_party_verification_failed``) for anything else."""
    if not isinstance(result, VerificationResult) or not result.ok or result.method is not method:
        raise refusal([_failed(method)])
    try:
        id_number = validate_id_number(result.id_number)
    except (HpfError, ValueError, TypeError):
        raise refusal([_failed(method)]) from None
    number = result.number if method is VerificationMethod.ALIPAY else id_number
    if not isinstance(number, str) or not number:
        raise refusal([_failed(method)])
    return id_number, number, result.reference


def login_with_identity(
    new_uow: NewUnitOfWork,
    method: VerificationMethod,
    evidence: str,
    at: datetime,
    *,
    verifier: IdentityVerifier,
    tokens: TokenSource,
    rules: MemberRules = _DEFAULT_RULES,
) -> LoginOutcome:
    """【支付宝登录】 / 【刷脸登录】 (seed §2.1.2): log in by a third-party identity.

    ``evidence`` is what the third party's screen gave the channel (Alipay's one-time
    ``auth_code``; the face check's ``CertifyId``); ``verifier.identify`` says whom it
    vouches for. The member is the one whose ID number the third party vouches for; on
    the first use of a method the identity (the Alipay ``user_id``, or for a face check the
    ID number) is bound to the member's credentials, and every later use must show the
    same one. The first-login check is then passed (``first_login_verified_at``) and a
    session opened (ONLINE; restricted to the password change while the online password is
    the initial one). The verifier is asked outside any unit of work; the binding is a
    compare-and-set on the credentials, retried on a conflict, so two racing first logins
    with different Alipay accounts bind one and refuse the other.

    ``Refused`` (and nothing changes): ``method_not_offered`` (not in the centre's
    ``rules.first_login.methods``), ``third_party_verification_failed`` (the verifier
    refused, or vouched for no valid ID number), ``no_account`` (no member with that ID
    number at this centre), ``identity_mismatch`` (another account of that third party is
    bound to the member). ``InvalidChoice`` for an unknown method; ``InputError`` for
    evidence that is not 1-512 printable characters."""
    at = require_aware(at, "at")
    method = choice(VerificationMethod, method, "method")
    evidence = _evidence(evidence)
    instance(rules, MemberRules, "rules")
    if method not in rules.first_login.methods:
        raise refusal([Violation("method_not_offered", f"本中心未开通{method.label}登录", "method")])
    id_number, number, reference = _vouched(verifier.identify(method, evidence), method)
    with new_uow() as uow:
        credentials = uow.credentials.by_id_number(id_number)
    if credentials is None:
        raise refusal([Violation("no_account", "未找到该证件号码的缴存人账户", "id_number")])
    token = tokens.new_token()

    def bind(uow: UnitOfWork, current: Credentials) -> Credentials:
        if current.id_number != id_number:  # pragma: no cover - an ID number never changes
            raise refusal([Violation("no_account", "未找到该证件号码的缴存人账户", "id_number")])
        bound = current.bound(method)
        if bound is not None and bound.number != number:
            raise refusal([Violation("identity_mismatch", f"该账户已绑定其他{method.label}身份", "evidence")])
        identities = current.identities
        if bound is None:
            identities = (*identities, BoundIdentity(method, number, at, reference))
        updated = attrs.evolve(
            current,
            identities=identities,
            first_login_verified_at=current.first_login_verified_at or at,
        )
        session = open_session(
            current.member_id,
            token,
            at,
            password_change_required=PasswordGroup.ONLINE in current.must_change,
            secret_version=current.secret_version,
            group=PasswordGroup.ONLINE,
        )
        uow.sessions.add(session)
        detail = f"{method.value} bound" if bound is None else method.value
        audit(uow, current.member_id, "member.login.third_party", at, detail)
        return updated

    saved = settle(new_uow, credentials.member_id, bind)
    assert saved is not None  # bind never declines
    change = PasswordGroup.ONLINE in saved.must_change
    message = f"{method.label}登录成功" + ("，请先修改初始密码" if change else "")
    return LoginOutcome(LoginResult(True, message, saved.member_id, change), token)


def enrol(
    new_uow: NewUnitOfWork,
    member_id: str,
    phone: str,
    id_number: str,
    *,
    hasher: PasswordHasher,
    rules: MemberRules = _DEFAULT_RULES,
) -> Credentials:
    """A new member's credentials (开户登记), stored: the online password on the centre's
    ``rules.initial_password`` and — unless the centre has none — the keypad password
    (12329 语音热线、触摸屏) on ``rules.keypad_initial_password``, each to be changed on
    first use; the first-login check not yet passed. ``InputError`` if the member id, the
    phone or the ID number already has credentials."""
    instance(rules, MemberRules, "rules")
    if not instance(member_id, str, "member_id").strip():
        raise InputError("member_id", "must not be empty", member_id)
    credentials = new_credentials(
        member_id,
        phone,
        id_number,
        hasher,
        rule=rules.initial_password,
        keypad_rule=rules.keypad_initial_password,
    )
    with new_uow() as uow:
        stored = uow.credentials.add(credentials)
        uow.commit()
    return stored
