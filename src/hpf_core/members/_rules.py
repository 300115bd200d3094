"""A centre's member rules as data: password rules, the initial password, lockout and
session timeouts, read from the ``[members.*]`` tables of its policy file.

Every table and key is optional; what a file leaves out keeps the library's default (the
seed's password rules, :data:`ONLINE_LOGIN_POLICY` / :data:`KEYPAD_LOGIN_POLICY`,
:data:`DEFAULT_SESSION_POLICY`). Unknown keys are refused, so a typo cannot silently fall
back to a default, and every problem raises ``InvalidPolicy`` naming the full key.

>>> import tomllib
>>> text = '''
... [members.passwords]
... initial = "id-last-6"
... [members.passwords.online]
... min_length = 10
... max_length = 64
... charset = "any"
... [members.login.online]
... max_failures = 3
... lock_minutes = 60
... [members.sessions]
... idle_minutes = 10
... '''
>>> rules = parse_member_rules(tomllib.loads(text)["members"])
>>> rules.password_rules(PasswordGroup.ONLINE).min_length, rules.initial_password.value
(10, 'id-last-6')
>>> rules.login_policy(PasswordChannel.APP).lock_minutes, rules.sessions.absolute_hours
(60, 8)
>>> rules.login_policy(PasswordChannel.HOTLINE) == KEYPAD_LOGIN_POLICY
True
>>> parse_member_rules({"login": {"online": {"max_failure": 5}}})
Traceback (most recent call last):
...
hpf_core.errors.InvalidPolicy: members.login.online.max_failure: is not a known key (did you mean ...)
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

import attrs

from hpf_core._tables import check_document, known_table, shown
from hpf_core.centers._records import VerificationMethod
from hpf_core.errors import HpfError, InvalidPolicy
from hpf_core.members._login import KEYPAD_LOGIN_POLICY, ONLINE_LOGIN_POLICY, LoginPolicy
from hpf_core.members._passwords import (
    DEFAULT_ONLINE_RULES,
    ONLINE_MIN_LENGTH,
    SEED_KEYPAD_RULES,
    InitialPasswordRule,
    PasswordChannel,
    PasswordRules,
)
from hpf_core.members._records import PasswordGroup
from hpf_core.members._sessions import DEFAULT_SESSION_POLICY, SessionPolicy

__all__ = ["FirstLoginRule", "MemberRules", "parse_member_rules"]

_E = TypeVar("_E", bound=enum.Enum)


@attrs.frozen
class FirstLoginRule:
    """首次登录 (seed §2.1.2, "首次登录需通过支付宝授权或刷脸验证"): whether a member must
    pass a third-party check before the first password login on ``channels``, and which
    checks the centre offers (``methods``) — ``[members.first_login]`` in its policy.

    >>> from hpf_core.members import PasswordChannel
    >>> rule = FirstLoginRule(required=True)
    >>> rule.applies(PasswordChannel.APP), rule.applies(PasswordChannel.HOTLINE)
    (True, False)
    """

    required: bool = False
    channels: tuple[PasswordChannel, ...] = (PasswordChannel.APP,)
    """The channels whose password login needs it (the seed is the APP's manual)."""
    methods: tuple[VerificationMethod, ...] = (VerificationMethod.ALIPAY, VerificationMethod.FACE)
    """The checks the centre offers: 【支付宝登录】 and 【刷脸登录】 (seed §2.1.2 (2), (3))."""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.required, bool):
            raise InvalidPolicy("required", "must be true or false", self.required)
        for name, kind in (("channels", PasswordChannel), ("methods", VerificationMethod)):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, kind) for v in value):
                raise InvalidPolicy(name, f"must be a tuple of {kind.__name__}", shown(value))
            if len(set(value)) != len(value):
                raise InvalidPolicy(name, "names a value twice", shown(value))
        if self.required and not (self.channels and self.methods):
            raise InvalidPolicy("methods", "a required first-login check needs a channel and a method")

    def applies(self, channel: PasswordChannel) -> bool:
        """True when a password login on ``channel`` needs the first-login check."""
        return self.required and channel in self.channels


@attrs.frozen
class MemberRules:
    """Password, lockout and session rules of one centre (``[members.*]`` in its policy).

    The defaults are the seed's rules (letters and digits online, from 8 — NIST's minimum,
    the seed says 6 — to 18; 6 digits on the keypad; initial password = last 8 of the ID
    number) and hpf's lockout and session
    designs; see D-032/D-033 in ``docs/decisions.md``."""

    online_passwords: PasswordRules = DEFAULT_ONLINE_RULES
    keypad_passwords: PasswordRules = SEED_KEYPAD_RULES
    initial_password: InitialPasswordRule = InitialPasswordRule.ID_LAST_8
    online_login: LoginPolicy = ONLINE_LOGIN_POLICY
    keypad_login: LoginPolicy = KEYPAD_LOGIN_POLICY
    sessions: SessionPolicy = DEFAULT_SESSION_POLICY
    keypad_initial_password: InitialPasswordRule | None = InitialPasswordRule.ID_LAST_6
    """How the keypad (12329 热线、触摸屏) password starts when a member is enrolled
    (``[members.passwords] keypad_initial``; ``"none"``: no keypad password), D-048."""
    first_login: FirstLoginRule = FirstLoginRule()
    """The first-login check (``[members.first_login]``): not required unless the file says so."""

    def __attrs_post_init__(self) -> None:
        if self.online_passwords.min_length < ONLINE_MIN_LENGTH:
            raise InvalidPolicy(
                "members.passwords.online.min_length",
                f"must be at least {ONLINE_MIN_LENGTH} (NIST SP 800-63B)",
                self.online_passwords.min_length,
            )

    def password_rules(self, group: PasswordGroup) -> PasswordRules:
        """The rule a new password of ``group`` must meet (pass to ``change_password``)."""
        return self.online_passwords if group is PasswordGroup.ONLINE else self.keypad_passwords

    def login_policy(self, channel: PasswordChannel) -> LoginPolicy:
        """The lockout policy of ``channel``'s password group (pass to ``login``)."""
        return self.online_login if channel.group is PasswordGroup.ONLINE else self.keypad_login


_LARGEST = 10**6
"""No count or duration in ``[members.*]`` comes near this; above it, a value is refused
before it can overflow a ``timedelta``."""


def _int(table: dict[str, Any], key: str, path: str, default: int) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidPolicy(f"{path}.{key}", "must be a TOML integer", shown(value))
    if not 0 <= value <= _LARGEST:
        raise InvalidPolicy(f"{path}.{key}", f"must be 0..{_LARGEST}", value)
    return value


def _bool(table: dict[str, Any], key: str, path: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise InvalidPolicy(f"{path}.{key}", "must be true or false", shown(value))
    return value


def _enum(table: dict[str, Any], key: str, path: str, default: _E) -> _E:
    value = table.get(key, default.value)
    kind = type(default)
    for member in kind:
        if member.value == value:
            return member
    choices = ", ".join(repr(member.value) for member in kind)
    raise InvalidPolicy(f"{path}.{key}", f"must be one of {choices}", shown(value))


def _rewrap(path: str, exc: HpfError) -> InvalidPolicy:
    """A constructor's complaint (``max_failures``, ``password_rules``) under the full key."""
    if exc.field.startswith(path):
        return exc if isinstance(exc, InvalidPolicy) else InvalidPolicy(exc.field, exc.reason, exc.value)
    key = "max_length" if exc.field == "password_rules" else exc.field
    return InvalidPolicy(f"{path}.{key}", exc.reason, exc.value)


_PASSWORD_KEYS = frozenset({"min_length", "max_length", "charset", "refuse_common"})
_LOGIN_KEYS = frozenset({"max_failures", "lock_minutes", "per_day"})
_SESSION_KEYS = frozenset({"idle_minutes", "absolute_hours"})
_SECTIONS = frozenset({"codes", "passwords", "login", "sessions", "first_login"})
_PASSWORD_SECTIONS = frozenset({"online", "keypad", "initial", "keypad_initial"})
_FIRST_LOGIN_KEYS = frozenset({"required", "channels", "methods"})


def _choices(
    table: dict[str, Any], key: str, path: str, default: tuple[_E, ...], kind: type[_E]
) -> tuple[_E, ...]:
    """A list of ``kind`` values (each at most once), in the file's order, or ``default``."""
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidPolicy(f"{path}.{key}", "must be a list of strings", shown(value))
    by_value = {member.value: member for member in kind}
    found: list[_E] = []
    for item in value:
        if item not in by_value:
            choices = ", ".join(repr(v) for v in by_value)
            raise InvalidPolicy(f"{path}.{key}", f"must name only {choices}", item)
        if by_value[item] in found:
            raise InvalidPolicy(f"{path}.{key}", "names a value twice", item)
        found.append(by_value[item])
    return tuple(found)


def _first_login(table: Any, path: str) -> FirstLoginRule:
    t = known_table(table, path, _FIRST_LOGIN_KEYS)
    default = FirstLoginRule()
    try:
        return FirstLoginRule(
            required=_bool(t, "required", path, default.required),
            channels=_choices(t, "channels", path, default.channels, PasswordChannel),
            methods=_choices(t, "methods", path, default.methods, VerificationMethod),
        )
    except HpfError as exc:
        raise _rewrap(path, exc) from exc


def _keypad_initial(passwords: dict[str, Any], path: str) -> InitialPasswordRule | None:
    if passwords.get("keypad_initial") == "none":
        return None
    return _enum(passwords, "keypad_initial", path, InitialPasswordRule.ID_LAST_6)


def _password_rules(table: Any, path: str, default: PasswordRules) -> PasswordRules:
    t = known_table(table, path, _PASSWORD_KEYS)
    try:
        return PasswordRules(
            min_length=_int(t, "min_length", path, default.min_length),
            max_length=_int(t, "max_length", path, default.max_length),
            charset=_enum(t, "charset", path, default.charset),
            refuse_common=_bool(t, "refuse_common", path, default.refuse_common),
        )
    except HpfError as exc:
        raise _rewrap(path, exc) from exc


def _online_rules(table: Any, path: str) -> PasswordRules:
    rules = _password_rules(table, path, DEFAULT_ONLINE_RULES)
    if rules.min_length < ONLINE_MIN_LENGTH:
        raise InvalidPolicy(
            f"{path}.min_length", f"must be at least {ONLINE_MIN_LENGTH} (NIST SP 800-63B)", rules.min_length
        )
    return rules


def _login_policy(table: Any, path: str, default: LoginPolicy) -> LoginPolicy:
    t = known_table(table, path, _LOGIN_KEYS)
    try:
        return LoginPolicy(
            max_failures=_int(t, "max_failures", path, default.max_failures),
            lock_minutes=_int(t, "lock_minutes", path, default.lock_minutes),
            per_day=_bool(t, "per_day", path, default.per_day),
        )
    except HpfError as exc:
        raise _rewrap(path, exc) from exc


def _session_policy(table: Any, path: str) -> SessionPolicy:
    t = known_table(table, path, _SESSION_KEYS)
    default = DEFAULT_SESSION_POLICY
    idle = _int(t, "idle_minutes", path, default.idle_minutes)
    absolute = _int(t, "absolute_hours", path, default.absolute_hours)
    if not 1 <= idle <= 24 * 60:
        raise InvalidPolicy(f"{path}.idle_minutes", "must be 1..1440 minutes", idle)
    if not 1 <= absolute <= 24 * 30:
        raise InvalidPolicy(f"{path}.absolute_hours", "must be 1..720 hours", absolute)
    if idle > absolute * 60:
        raise InvalidPolicy(f"{path}.idle_minutes", "must not exceed the absolute timeout", idle)
    return SessionPolicy(idle_minutes=idle, absolute_hours=absolute)


def parse_member_rules(members: Any) -> MemberRules:
    """:class:`MemberRules` from a policy file's ``[members]`` table (its ``codes`` table is
    read by ``parse_code_policy``). Missing tables and keys keep the defaults."""
    path = "members"
    m = known_table(members, path, _SECTIONS, what="section")
    check_document(m, path)
    passwords = known_table(m.get("passwords", {}), f"{path}.passwords", _PASSWORD_SECTIONS)
    login = known_table(m.get("login", {}), f"{path}.login", frozenset({"online", "keypad"}), what="section")
    where = f"{path}.passwords"
    return MemberRules(
        online_passwords=_online_rules(passwords.get("online", {}), f"{where}.online"),
        keypad_passwords=_password_rules(passwords.get("keypad", {}), f"{where}.keypad", SEED_KEYPAD_RULES),
        initial_password=_enum(passwords, "initial", where, InitialPasswordRule.ID_LAST_8),
        online_login=_login_policy(login.get("online", {}), f"{path}.login.online", ONLINE_LOGIN_POLICY),
        keypad_login=_login_policy(login.get("keypad", {}), f"{path}.login.keypad", KEYPAD_LOGIN_POLICY),
        sessions=_session_policy(m.get("sessions", {}), f"{path}.sessions"),
        keypad_initial_password=_keypad_initial(passwords, where),
        first_login=_first_login(m.get("first_login", {}), f"{path}.first_login"),
    )
