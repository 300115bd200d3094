"""Password rules (密码规则) per channel and the initial password (初始密码).

The seed centre has two passwords (seed manual §7.4): one shared by the APP, WeChat
(微信公众号) and the online hall (网厅) — "6-18 位的字母与数字组合" — and one shared by the
12329 hotline (12329 语音热线) and the hall touch screens (触摸屏) — "6 位数字". Both rules
ship as :data:`SEED_ONLINE_RULES` and :data:`SEED_KEYPAD_RULES`; a centre may choose the
stricter :data:`RECOMMENDED_RULES` (ASVS 6.2: at least 8, up to 128, no composition rule).

>>> from hpf_core.errors import Refused
>>> check_password(SEED_ONLINE_RULES, "gjj2024")
'gjj2024'
>>> def refused(rules, password):
...     try:
...         check_password(rules, password)
...     except Refused as refusal:
...         return refusal.codes
>>> refused(SEED_ONLINE_RULES, "abc123"), refused(SEED_ONLINE_RULES, "abcdef")
(('password_common',), ('password_letters_and_digits',))
>>> refused(SEED_KEYPAD_RULES, "12a456")
('password_digits_only',)
>>> initial_password("11010519491231002X")
'1231002X'
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Collection

import attrs

from hpf_core._inputs import instance
from hpf_core.errors import InputTypeError, InvalidPolicy, PasswordTooLong, Violation, refusal
from hpf_core.identity import validate_id_number
from hpf_core.members._records import PasswordGroup

__all__ = [
    "COMMON_PASSWORDS",
    "DEFAULT_ONLINE_RULES",
    "MAX_PASSWORD_INPUT_LENGTH",
    "ONLINE_MIN_LENGTH",
    "RECOMMENDED_RULES",
    "SEED_KEYPAD_RULES",
    "SEED_ONLINE_RULES",
    "Charset",
    "InitialPasswordRule",
    "PasswordChannel",
    "PasswordRules",
    "check_password",
    "initial_password",
    "normalise_password",
    "personal_fragments",
    "require_password_input",
]

MAX_PASSWORD_INPUT_LENGTH = 1024
"""Longest password input accepted at all, in characters (RELIABILITY.md §4 row 33): longer
input raises :class:`PasswordTooLong` before anything is hashed (long-password DoS)."""


class PasswordChannel(enum.Enum):
    """Where a member types a password (渠道)."""

    APP = "app"
    WECHAT = "wechat"
    WEB = "web"
    HOTLINE = "hotline"
    """12329 语音热线 (keypad)."""
    TOUCH_SCREEN = "touch-screen"
    """大厅触摸屏."""

    @property
    def group(self) -> PasswordGroup:
        """The password this channel checks.

        >>> PasswordChannel.WECHAT.group
        <PasswordGroup.ONLINE: 'online'>
        """
        keypad = (PasswordChannel.HOTLINE, PasswordChannel.TOUCH_SCREEN)
        return PasswordGroup.KEYPAD if self in keypad else PasswordGroup.ONLINE


class Charset(enum.Enum):
    """Which characters a password may (and must) contain."""

    LETTERS_AND_DIGITS = "letters-and-digits"
    """ASCII letters and digits only, at least one of each (seed: 字母与数字组合)."""
    DIGITS = "digits"
    """ASCII digits only (keypad channels)."""
    ANY = "any"
    """Any printable characters, spaces included; no composition rule (ASVS 6.2.5)."""


class InitialPasswordRule(enum.Enum):
    """How a centre derives the initial password (初始密码) from the ID number."""

    ID_LAST_8 = "id-last-8"
    """The seed's rule: the last 8 characters of the ID number (seed §7.4.1)."""
    ID_LAST_6 = "id-last-6"
    """Last 6 characters with a final X read as 0 — common for keypad passwords (docs/domain.md §8.3)."""


@attrs.frozen
class PasswordRules:
    """A centre's password rule for one password group (密码规则)."""

    min_length: int
    max_length: int
    charset: Charset
    refuse_common: bool = True

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.min_length <= self.max_length <= MAX_PASSWORD_INPUT_LENGTH:
            raise InvalidPolicy(
                "password_rules",
                f"need 1 <= min_length <= max_length <= {MAX_PASSWORD_INPUT_LENGTH}",
                (self.min_length, self.max_length),
            )


SEED_ONLINE_RULES = PasswordRules(6, 18, Charset.LETTERS_AND_DIGITS, refuse_common=True)
"""APP / WeChat / web hall: 6-18 letters and digits (seed §7.4.1), common passwords refused."""
SEED_KEYPAD_RULES = PasswordRules(6, 6, Charset.DIGITS, refuse_common=True)
"""12329 hotline / touch screen: exactly 6 digits (seed §7.4.2), common ones (123456) refused."""
ONLINE_MIN_LENGTH = 8
"""The shortest online password any policy may allow (NIST SP 800-63B §5.1.1.2: at least 8)."""
DEFAULT_ONLINE_RULES = PasswordRules(ONLINE_MIN_LENGTH, 18, Charset.LETTERS_AND_DIGITS, refuse_common=True)
"""The online rule a centre gets by default: the seed's 字母与数字组合 up to 18, from 8 (D-045)."""
RECOMMENDED_RULES = PasswordRules(8, 128, Charset.ANY, refuse_common=True)
"""A stricter choice for online channels (ASVS 6.2.1/6.2.9: min 8, >= 64 allowed, no composition)."""

# A short built-in list of the most common passwords, from the well-known public top lists
# (SplashData / NordPass yearly top lists and the CSDN/12306 leak analyses for Chinese users),
# keypad-style PINs included. It is NOT enough on its own: ASVS 6.2.4 asks for a check against
# at least the top 3,000 — a centre should load a list of >= 3,000 entries (and a breached-password
# check, ASVS 6.2.12) and pass it to ``check_password(..., common=...)``.
COMMON_PASSWORDS: frozenset[str] = frozenset(
    {
        "000000", "111111", "112233", "121212", "123123", "123321", "123456", "1234567",
        "12345678", "123456789", "1234567890", "147258", "147258369", "159753", "222222",
        "333333", "444444", "520520", "5201314", "555555", "654321", "666666", "777777",
        "888888", "987654", "999999", "a123456", "a12345678", "a1b2c3", "a1b2c3d4", "aa123456",
        "aaa111", "abc123", "abc12345", "abc123456", "abcd1234", "admin123", "iloveyou",
        "1q2w3e", "1q2w3e4r", "1qaz2wsx", "password", "password1", "passw0rd", "qq123456",
        "qwe123", "qwer1234", "qwerty", "qwerty123", "woaini1314", "zxc123", "zxcvbnm",
        "123456a", "123qwe", "q1w2e3", "q1w2e3r4", "asd123", "test123", "abc123abc",
    }
)  # fmt: skip


def require_password_input(password: object, field: str = "password") -> str:
    """The password as given, after the checks every input gets before hashing: a ``str`` of at
    most :data:`MAX_PASSWORD_INPUT_LENGTH` characters. Never trimmed or case-folded (ASVS 6.2.8).

    >>> require_password_input("x" * 2000)
    Traceback (most recent call last):
    ...
    hpf_core.errors.PasswordTooLong: password: longer than 1024 characters
    """
    if not isinstance(password, str):
        raise InputTypeError(field, f"must be a str, not {type(password).__name__}")
    if len(password) > MAX_PASSWORD_INPUT_LENGTH:
        raise PasswordTooLong(field, f"longer than {MAX_PASSWORD_INPUT_LENGTH} characters")
    return password


def normalise_password(password: str) -> str:
    """The password in Unicode NFKC (NIST SP 800-63B §5.1.1.2): full-width ``ａｂｃ１２３``
    is ``abc123``. Rules are checked, and hashes made and verified, on this form.

    >>> normalise_password("ａｂｃ１２３")
    'abc123'
    """
    return unicodedata.normalize("NFKC", require_password_input(password))


_FRAGMENT = 6
"""Consecutive characters of the phone or ID number a password may not contain."""


def personal_fragments(phone: str | None, id_number: str | None) -> frozenset[str]:
    """What a member's password may not contain: any 6 consecutive characters of the phone
    or ID number, and the ID's birth date as YYYYMMDD, YYMMDD, MMDDYYYY, DDMMYYYY, MMDDYY
    and DDMMYY (casefolded; the ID's final X matches x).

    >>> sorted(f for f in personal_fragments(None, "11010519491231002X") if f.startswith("19"))
    ['194912', '19491231']
    """
    if phone is not None:
        instance(phone, str, "phone")
    if id_number is not None:
        instance(id_number, str, "id_number")
    found: set[str] = set()
    for number in (phone, id_number):
        if number:
            text = number.casefold()
            found.update(text[i : i + _FRAGMENT] for i in range(len(text) - _FRAGMENT + 1))
    if id_number:
        number = validate_id_number(id_number)
        yyyy, mm, dd = number[6:10], number[10:12], number[12:14]
        yy = yyyy[2:]
        found.update(
            {yyyy + mm + dd, yy + mm + dd, mm + dd + yyyy, dd + mm + yyyy, mm + dd + yy, dd + mm + yy}
        )
    return frozenset(found)


def _ascii_alnum(text: str) -> bool:
    return text.isascii() and text.isalnum()


def check_password(
    rules: PasswordRules,
    password: str,
    *,
    common: Collection[str] = COMMON_PASSWORDS,
    phone: str | None = None,
    id_number: str | None = None,
) -> str:
    """The new ``password`` in NFKC (:func:`normalise_password`) when ``rules`` accept it;
    otherwise ``Refused`` carrying every reason (D-038: one refusal shape — a screen shows
    ``refused.violations``). ``common`` is the list to refuse (a centre passes a real one,
    e.g. ``hpf_adapters.security.common_passwords()``); with the member's ``phone`` and
    ``id_number``, a password containing a fragment of them or the birth date is refused
    (``password_personal``).

    Violations never quote the password. Input over :data:`MAX_PASSWORD_INPUT_LENGTH`
    raises :class:`PasswordTooLong` instead.

    >>> from hpf_core.errors import Refused
    >>> try:
    ...     check_password(SEED_ONLINE_RULES, "abc 123")
    ... except Refused as refused:
    ...     print(refused.codes)
    ('password_letters_and_digits',)
    >>> check_password(SEED_KEYPAD_RULES, "583920")
    '583920'
    """
    instance(rules, PasswordRules, "rules")
    found = _password_problems(rules, password, common=common, personal=personal_fragments(phone, id_number))
    if found:
        raise refusal(found)
    return normalise_password(password)


def _password_problems(
    rules: PasswordRules,
    password: str,
    *,
    common: Collection[str] = COMMON_PASSWORDS,
    personal: Collection[str] = (),
) -> tuple[Violation, ...]:
    """:func:`check_password`'s reasons without raising, for ``change_password`` to gather
    with its own (package-private: not exported)."""
    password = normalise_password(password)
    found: list[Violation] = []
    if len(password) < rules.min_length:
        found.append(Violation("password_too_short", f"密码至少 {rules.min_length} 位", "password"))
    if len(password) > rules.max_length:
        found.append(Violation("password_too_long", f"密码至多 {rules.max_length} 位", "password"))
    if rules.charset is Charset.LETTERS_AND_DIGITS:
        has_letter = any(c.isascii() and c.isalpha() for c in password)
        has_digit = any(c.isascii() and c.isdigit() for c in password)
        if not (_ascii_alnum(password) and has_letter and has_digit):
            found.append(
                Violation(
                    "password_letters_and_digits", "请输入字母与数字组合（须同时含字母和数字）", "password"
                )
            )
    elif rules.charset is Charset.DIGITS:
        if not (password.isascii() and password.isdigit()):
            found.append(Violation("password_digits_only", "请输入数字密码", "password"))
    elif not password.isprintable():
        found.append(Violation("password_not_printable", "密码含不可打印字符", "password"))
    folded = password.casefold()
    if rules.refuse_common and (folded in common or folded in COMMON_PASSWORDS):
        found.append(Violation("password_common", "密码过于常见，请换一个", "password"))
    if any(fragment in folded for fragment in personal):
        found.append(Violation("password_personal", "密码不能含手机号、证件号的片段或出生日期", "password"))
    return tuple(found)


def initial_password(id_number: str, rule: InitialPasswordRule = InitialPasswordRule.ID_LAST_8) -> str:
    """The initial password (初始密码) a centre's ``rule`` derives from an ID number.

    A weak, guessable value (RELIABILITY §3): an account on it must change it before
    anything else works (see ``login``).

    >>> initial_password("11010519491231002X", InitialPasswordRule.ID_LAST_6)
    '310020'
    """
    number = validate_id_number(id_number)
    if rule is InitialPasswordRule.ID_LAST_8:
        return number[-8:]
    return number[-6:].replace("X", "0")
