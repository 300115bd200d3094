"""SMS verification codes (短信验证码): issue, rate-limit, verify once.

A code is 6 random decimal digits (about 20 bits, RELIABILITY.md §3) drawn by a
:class:`CodeSource` adapter from a CSPRNG; it is bound to a purpose (用途: 登录, 修改手机号,
重置密码, 提取确认), to the phone it went to and to an optional subject (the member's
current phone for a phone change), lives at most 10 minutes, may be checked a limited
number of times and works once. Sends per phone are capped per minute, hour and day
(Aliyun's defaults: 1, 5, 10). The clear code is never stored: :class:`IssuedCode` keeps
a salted scrypt hash (n=2**14, r=8, p=1, 16-byte salt), as ASVS 6.5.2 asks for secrets
under 112 bits.

Every failure — wrong, expired, used, wrong purpose or phone, too many attempts,
malformed — gives the same outcome and the same message (:data:`GENERIC_MESSAGE`), and
each counts as an attempt. Time is always an argument.

The services :func:`send_code` and :func:`check_code` race safely: the send limits are
checked and the send recorded in one atomic step of the store
(:meth:`~hpf_core.ports.VerificationCodeStore.reserve_send`), an attempt is counted
before the code is compared (``count_attempt``) and a code is consumed once (``consume``).
The records (:class:`IssuedCode`, :class:`SendLog`, :class:`CodePolicy`) live in
``_records``, below the ports; the ports appear here in annotations only (D-041).

>>> from datetime import datetime, timedelta, timezone
>>> at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
>>> policy = CodePolicy()
>>> issued, sends = issue("13800138000", CodePurpose.LOGIN, "042817", b"s" * 16, at, policy, None)
>>> "042817" in repr(issued)
False
>>> issued, ok = verify(issued, "13800138000", CodePurpose.LOGIN, "042817", at, policy)
>>> ok, issued.used_at == at
(True, True)
>>> verify(issued, "13800138000", CodePurpose.LOGIN, "042817", at, policy)[1]   # single use
False
>>> issue("13800138000", CodePurpose.LOGIN, "111111", b"t" * 16, at, policy, sends)
Traceback (most recent call last):
...
hpf_core.errors.Refused: phone: 验证码发送过于频繁(每分钟最多1条),请于09:01后再试
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs

from hpf_core._choice import choice
from hpf_core._inputs import instance
from hpf_core._tables import known_table
from hpf_core.dates import require_aware
from hpf_core.errors import HpfError, InputError, InvalidCode, InvalidPolicy, Violation, refusal
from hpf_core.identity import validate_phone
from hpf_core.members._records import _WINDOWS, CodePolicy, CodePurpose, IssuedCode, SendLog

if TYPE_CHECKING:
    from hpf_core.ports import CodeSource, SmsGateway, VerificationCodeStore

__all__ = [
    "GENERIC_MESSAGE",
    "SCRYPT_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "SENT_MESSAGE",
    "check_code",
    "code_message",
    "hash_code",
    "issue",
    "next_send_at",
    "parse_code_policy",
    "send_code",
    "verify",
]

GENERIC_MESSAGE = InvalidCode.message
"""The one message for every failed check (wrong, expired, used, other purpose, too many
attempts, malformed), so a reply tells an attacker nothing (RELIABILITY.md §4 rows 31-32)."""

SENT_MESSAGE = "已发送,请查收"
"""What the app shows after 获取验证码 (seed manual §5.1.3)."""

SCRYPT_N = 2**14
"""scrypt cost: 2**14 x r=8 takes 16 MiB and some tens of milliseconds per hash."""
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_MIN = 16
_DIGITS = {length: re.compile(rf"[0-9]{{{length}}}\Z", re.ASCII) for length in (6, 7, 8)}


def _check_purpose(value: object, field: str = "purpose") -> CodePurpose:
    return choice(CodePurpose, value, field)


_POLICY_KEYS = frozenset(attrs.fields_dict(CodePolicy))


def parse_code_policy(table: dict[str, Any]) -> CodePolicy:
    """A :class:`CodePolicy` from a policy file's ``[members.codes]`` table.

    Every key is optional (the defaults are Aliyun's limits and a 5-minute life);
    unknown keys are refused so a typo cannot fall back to a default; values are TOML
    integers. Any problem raises ``InvalidPolicy`` naming the key.

    >>> import tomllib
    >>> text = '''
    ... [members.codes]
    ... ttl_minutes = 10
    ... per_hour = 3
    ... '''
    >>> parse_code_policy(tomllib.loads(text)["members"]["codes"]).ttl_minutes
    10
    >>> parse_code_policy({"ttl_minute": 5})
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: members.codes.ttl_minute: is not a known key (...)
    """
    path = "members.codes"
    table = known_table(table, path, _POLICY_KEYS)
    try:
        return CodePolicy(**table)
    except HpfError as exc:
        raise InvalidPolicy(f"{path}.{exc.field}", exc.reason, exc.value) from exc


# --------------------------------------------------------------------------- pure functions


def hash_code(code: str, salt: bytes, phone: str, purpose: CodePurpose, subject: str = "") -> bytes:
    """scrypt (n=2**14, r=8, p=1, 32 bytes) of the code bound to its purpose, phone and
    subject, so a stored hash is useless for any other request.

    >>> len(hash_code("123456", b"0" * 16, "13800138000", CodePurpose.LOGIN))
    32
    """
    instance(code, str, "code")
    instance(salt, bytes, "salt")
    instance(phone, str, "phone")
    purpose = choice(CodePurpose, purpose, "purpose")
    instance(subject, str, "subject")
    message = f"{purpose.value}\x00{phone}\x00{subject}\x00{code}".encode()
    return hashlib.scrypt(message, salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)


def next_send_at(sends: SendLog | None, at: datetime, policy: CodePolicy) -> datetime:
    """The first moment another code may go to the phone (``at`` when it may go then).

    >>> from datetime import timezone
    >>> t = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> next_send_at(SendLog("13800138000", (t,)), t, CodePolicy()) - t
    datetime.timedelta(seconds=60)
    """
    require_aware(at, "at")
    if sends is None:
        return at
    allowed = at
    for name, window, _ in _WINDOWS:
        limit: int = getattr(policy, name)
        recent = sorted(moment for moment in sends.sent_at if at - window < moment <= at)
        if len(recent) >= limit:
            allowed = max(allowed, recent[len(recent) - limit] + window)
    return allowed


def _check_code_text(code: object, policy: CodePolicy) -> bool:
    return isinstance(code, str) and _DIGITS[policy.length].match(code) is not None


def _send_limit(sends: SendLog, at: datetime, policy: CodePolicy) -> Violation | None:
    for name, window, chinese in _WINDOWS:
        if sends.within(at, window) >= getattr(policy, name):
            wait = next_send_at(sends, at, policy)
            message = f"验证码发送过于频繁({chinese}最多{getattr(policy, name)}条),请于{wait:%H:%M}后再试"
            return Violation("send_limit", message, "phone")
    return None


def _new_record(
    phone: str,
    purpose: CodePurpose,
    code: str,
    salt: bytes,
    at: datetime,
    policy: CodePolicy,
    subject: str,
    owner: str = "",
) -> IssuedCode:
    if not _check_code_text(code, policy):
        raise InputError("code", f"a code source must give exactly {policy.length} ASCII digits")
    if not isinstance(salt, bytes) or len(salt) < _SALT_MIN:
        raise InputError("salt", f"must be at least {_SALT_MIN} random bytes")
    return IssuedCode(
        phone=phone,
        purpose=purpose,
        code_hash=hash_code(code, salt, phone, purpose, subject),
        salt=salt,
        issued_at=at,
        expires_at=at + timedelta(minutes=policy.ttl_minutes),
        subject=subject,
        owner=owner,
    )


def issue(
    phone: str,
    purpose: CodePurpose,
    code: str,
    salt: bytes,
    at: datetime,
    policy: CodePolicy,
    sends: SendLog | None,
    *,
    subject: str = "",
) -> tuple[IssuedCode, SendLog]:
    """A new code for ``phone`` and ``purpose`` and the phone's updated send log; raises
    ``Refused`` (``send_limit``, saying when the next code may go) when the per-minute,
    per-hour or per-day cap is reached. ``code`` and ``salt`` come from a
    :class:`CodeSource`; the caller sends the code and stores the record in place of any
    earlier one (which stops working). Pure: a service racing other requests uses
    :func:`send_code`, whose store checks and records the send in one step.
    """
    phone = validate_phone(phone)
    purpose = _check_purpose(purpose)
    require_aware(at, "at")
    issued = _new_record(phone, purpose, code, salt, at, policy, subject)
    if sends is not None and sends.phone != phone:
        raise InputError("sends", "is the send log of another phone")
    if sends is not None and (limited := _send_limit(sends, at, policy)) is not None:
        raise refusal([limited])
    kept = () if sends is None else tuple(m for m in sends.sent_at if at - timedelta(days=1) < m <= at)
    return issued, SendLog(phone, (*kept, at))


_DUMMY_SALT = b"\x00" * _SALT_MIN


def verify(
    issued: IssuedCode,
    phone: str,
    purpose: CodePurpose,
    code: object,
    at: datetime,
    policy: CodePolicy,
    *,
    subject: str = "",
) -> tuple[IssuedCode, bool]:
    """Check ``code`` against the stored record: the record with one more attempt (and,
    on success, marked used) and whether it checked out. Wrong, expired, used, other
    purpose/phone/subject, attempts exhausted and malformed (not exactly 6 ASCII digits,
    so ``'12345'`` and full-width ``'１２３４５６'`` fail) all give ``False`` and count an
    attempt. The hash is computed in every case, so failures take the same time.
    """
    require_aware(at, "at")
    purpose = _check_purpose(purpose)
    well_formed = _check_code_text(code, policy)
    text = code if well_formed and isinstance(code, str) else "0" * policy.length
    salt = issued.salt if len(issued.salt) >= _SALT_MIN else _DUMMY_SALT
    candidate = hash_code(text, salt, issued.phone, issued.purpose, issued.subject)
    matches = hmac.compare_digest(candidate, issued.code_hash)
    ok = (
        well_formed
        and matches
        and issued.is_live(at, policy)
        and issued.phone == phone
        and issued.purpose is purpose
        and issued.subject == subject
    )
    return attrs.evolve(issued, attempts=issued.attempts + 1, used_at=at if ok else issued.used_at), ok


# --------------------------------------------------------------------------- services


def code_message(code: str, purpose: CodePurpose, policy: CodePolicy, sign: str = "12329") -> str:
    """The text of the message that carries a code (the only place the clear code goes).

    >>> code_message("042817", CodePurpose.PHONE_CHANGE, CodePolicy())
    '【12329】您的验证码为042817，用于修改手机号，5分钟内有效，请勿泄露给他人。'
    """
    instance(code, str, "code")
    purpose = choice(CodePurpose, purpose, "purpose")
    instance(policy, CodePolicy, "policy")
    instance(sign, str, "sign")
    return (
        f"【{sign}】您的验证码为{code}，用于{purpose.chinese}，"
        f"{policy.ttl_minutes}分钟内有效，请勿泄露给他人。"
    )


def send_code(
    phone: str,
    purpose: CodePurpose,
    at: datetime,
    policy: CodePolicy,
    *,
    sms: SmsGateway,
    codes: CodeSource,
    store: VerificationCodeStore,
    subject: str = "",
    sign: str = "12329",
    owner: str = "",
) -> str:
    """Issue a code, reserve the send and store its hash in one atomic step of the store
    (so racing requests cannot exceed the caps), text it to ``phone``; returns
    :data:`SENT_MESSAGE`. ``Refused`` (``send_limit``) when the phone had too many.
    ``owner`` (a member id) keeps the code and the quota apart from other members' for the
    same phone (D-045).
    """
    phone = validate_phone(phone)
    purpose = _check_purpose(purpose)
    require_aware(at, "at")
    code = codes.new_code()
    issued = _new_record(phone, purpose, code, codes.new_salt(), at, policy, subject, owner)
    reservation = store.reserve_send(issued, policy.send_limits)
    if not reservation.accepted:
        limited = _send_limit(reservation.sends, at, policy)
        raise refusal([limited or Violation("send_limit", "验证码发送过于频繁,请稍后再试", "phone")])
    sms.send(phone, code_message(code, purpose, policy, sign))
    return SENT_MESSAGE


def check_code(
    phone: str,
    purpose: CodePurpose,
    code: object,
    at: datetime,
    policy: CodePolicy,
    *,
    store: VerificationCodeStore,
    subject: str = "",
    owner: str = "",
) -> None:
    """Verify and consume the code for ``phone`` and ``purpose``; :class:`InvalidCode`
    (always the same message) unless it checks out. The attempt is counted in the store
    before the code is compared, and the code is consumed in one step, so of two requests
    racing with the right code exactly one succeeds."""
    phone = validate_phone(phone)
    purpose = _check_purpose(purpose)
    require_aware(at, "at")
    counted = store.count_attempt(phone, purpose, owner=owner)
    if counted is None:
        hash_code("0" * policy.length, _DUMMY_SALT, phone, purpose, subject)  # same time as a check
        raise InvalidCode()
    before = attrs.evolve(counted, attempts=counted.attempts - 1)  # what this attempt was checked against
    _, ok = verify(before, phone, purpose, code, at, policy, subject=subject)
    if not ok or not store.consume(phone, purpose, counted.code_hash, at, owner=owner):
        raise InvalidCode()
