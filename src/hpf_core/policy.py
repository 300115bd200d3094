"""Centre policies (中心政策): the rules a fund centre sets, as data.

A policy is a TOML document, one per centre, parsed here from text (reading the file is
an adapter's job: :mod:`hpf_adapters.policies`). Every number in a shipped file carries
its source in a comment, or the mark ``EXAMPLE`` where no source was found.

>>> p = parse_policy('''
... [center]
... code = "demo"
... name = "示例中心"
... [loans]
... max_term_months = 360
... balance_multiple = "15"
... capacity_ratio = "0.5"
... ltv_first = "0.8"
... ltv_second = "0.6"
... cap_first = "600000"
... cap_second = "400000"
... quota_unit = "1000"
... ''')
>>> p.loans.cap_first, p.loans.repricing.overrides
(Decimal('600000.00'), ())
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from hpf_core._tables import known_table, load_toml, no_float, shown
from hpf_core.accounts._contribution import ContributionPolicy, parse_contribution_policy
from hpf_core.accounts._interest import DayBasis, check_basis
from hpf_core.errors import HpfError, InvalidPolicy
from hpf_core.loans import RepricingOverride, RepricingRule, ServicingPolicy, parse_servicing_policy
from hpf_core.members._codes import parse_code_policy
from hpf_core.members._records import CodePolicy
from hpf_core.members._rules import _SECTIONS as _MEMBER_SECTIONS
from hpf_core.members._rules import MemberRules, parse_member_rules
from hpf_core.money import check_rate, yuan
from hpf_core.withdrawals._policy import WithdrawalPolicy, parse_withdrawal_policy

__all__ = ["CenterPolicy", "InterestPolicy", "LoanPolicy", "parse_policy"]


@attrs.frozen
class LoanPolicy:
    """A centre's loan rules: term cap and the parts of the loan quota (可贷额度)."""

    max_term_months: int
    balance_multiple: Decimal
    """Quota limit = account balances x this multiple (账户余额倍数)."""
    capacity_ratio: Decimal
    """Share of monthly income the payment may take (还款能力)."""
    ltv_first: Decimal
    """Largest loan / price for a first home (首套贷款成数)."""
    ltv_second: Decimal
    cap_first: Decimal
    """The centre's ceiling for a first-home loan (最高贷款额度)."""
    cap_second: Decimal
    quota_unit: Decimal
    """The quota is rounded down to a multiple of this many yuan."""
    repricing: RepricingRule = attrs.field(factory=RepricingRule)
    servicing: ServicingPolicy = attrs.field(factory=ServicingPolicy)
    """The ``[loans.servicing]`` section: day basis, penalty, prepayment rules and the
    repayment allocation (``hpf_core.loans.parse_servicing_policy``; the library's
    defaults where the file is silent)."""


@attrs.frozen
class CenterPolicy:
    """One centre's rules. Later sections (withdrawals, passwords, SMS) join here."""

    code: str
    name: str
    loans: LoanPolicy
    contributions: ContributionPolicy | None = None
    """The ``[contributions]`` section: base limits, ratio bounds, rounding (缴存精度)."""
    interest: InterestPolicy | None = None
    """The ``[interest]`` section: the day basis of deposit interest (计息天数)."""
    withdrawals: WithdrawalPolicy | None = None
    """The ``[withdrawals]`` section: open kinds, caps, waits, limits, documents, notices."""
    codes: CodePolicy | None = None
    """The ``[members.codes]`` section: SMS verification codes (验证码) — life, attempts, send limits."""
    members: MemberRules = attrs.field(factory=MemberRules)
    """The ``[members.passwords]``, ``[members.login]`` and ``[members.sessions]`` sections:
    password rules per channel, the initial password, lockout and session timeouts
    (the library's defaults where the file is silent)."""


@attrs.frozen
class InterestPolicy:
    """How a centre counts deposit interest: the day basis, and where that comes from."""

    day_basis: DayBasis
    source: str


_SECTIONS = frozenset({"center", "loans", "contributions", "interest", "withdrawals", "members"})
"""The sections a policy file may have; any other is refused with the nearest name."""
_CENTER_KEYS = frozenset({"code", "name"})
_LOAN_KEYS = frozenset(
    {
        "max_term_months",
        "balance_multiple",
        "capacity_ratio",
        "ltv_first",
        "ltv_second",
        "cap_first",
        "cap_second",
        "quota_unit",
        "repricing",
        "servicing",  # [loans.servicing]: read by the loan servicing rules (issue #9)
    }
)
_REPRICING_KEYS = frozenset({"overrides", "short_loan_months", "source"})
_OVERRIDE_KEYS = frozenset({"change", "reprice_on", "source"})
_INTEREST_KEYS = frozenset({"day_basis", "source"})
_MAX_MULTIPLE = Decimal(1000)


def _get(table: dict[str, Any], key: str, path: str) -> Any:
    if key not in table:
        raise InvalidPolicy(f"{path}.{key}", "is missing")
    return table[key]


def _text(table: dict[str, Any], key: str, path: str) -> str:
    value = _get(table, key, path)
    if not isinstance(value, str) or not value.strip():
        raise InvalidPolicy(f"{path}.{key}", "must be a non-empty string", shown(value))
    return value


def _fraction(table: dict[str, Any], key: str, path: str) -> Decimal:
    value = _get(table, key, path)
    no_float(value, f"{path}.{key}")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidPolicy(f"{path}.{key}", "must be a quoted decimal", shown(value))
    try:
        return check_rate(value, f"{path}.{key}")
    except HpfError as exc:
        raise InvalidPolicy(f"{path}.{key}", exc.reason, shown(value)) from exc


def _money(table: dict[str, Any], key: str, path: str) -> Decimal:
    value = _get(table, key, path)
    no_float(value, f"{path}.{key}")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidPolicy(f"{path}.{key}", "must be a quoted decimal or an integer", shown(value))
    try:
        amount = yuan(value, f"{path}.{key}")
    except HpfError as exc:
        raise InvalidPolicy(f"{path}.{key}", exc.reason, shown(value)) from exc
    if amount <= 0:
        raise InvalidPolicy(f"{path}.{key}", "must be greater than 0", value)
    return amount


def _positive_decimal(table: dict[str, Any], key: str, path: str) -> Decimal:
    value = _get(table, key, path)
    no_float(value, f"{path}.{key}")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidPolicy(f"{path}.{key}", "must be a quoted decimal or an integer", shown(value))
    if isinstance(value, str) and len(value) > 40:
        raise InvalidPolicy(f"{path}.{key}", "is too long for a decimal number", shown(value))
    try:
        number = Decimal(value)
    except ArithmeticError as exc:
        raise InvalidPolicy(f"{path}.{key}", "is not a decimal number", value) from exc
    if not number.is_finite() or not 0 < number <= _MAX_MULTIPLE:
        raise InvalidPolicy(f"{path}.{key}", f"must be a positive number up to {_MAX_MULTIPLE}", value)
    return number


def _whole(
    table: dict[str, Any], key: str, path: str, low: int, high: int, default: int | None = None
) -> int:
    value = table.get(key, default) if default is not None else _get(table, key, path)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidPolicy(f"{path}.{key}", f"must be a whole number in {low}..{high}", shown(value))
    return value


def _toml_date(value: object, where: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidPolicy(where, "must be a TOML date (YYYY-MM-DD)", shown(value))
    return value


def _repricing(value: object) -> RepricingRule:
    path = "loans.repricing"
    rule = known_table(value, path, _REPRICING_KEYS)
    items = rule.get("overrides", [])
    if not isinstance(items, list):
        raise InvalidPolicy(f"{path}.overrides", "must be an array of tables ([[loans.repricing.overrides]])")
    overrides = []
    for i, item in enumerate(items):
        where = f"{path}.overrides[{i}]"
        row = known_table(item, where, _OVERRIDE_KEYS)
        change = _toml_date(_get(row, "change", where), f"{where}.change")
        day = _toml_date(_get(row, "reprice_on", where), f"{where}.reprice_on")
        overrides.append(RepricingOverride(change, day, _text(row, "source", where)))
    return RepricingRule(
        overrides=tuple(overrides),
        short_loan_months=_whole(rule, "short_loan_months", path, 1, 480, default=12),
        source=_text(rule, "source", path),
    )


def _interest(value: object) -> InterestPolicy:
    table = known_table(value, "interest", _INTEREST_KEYS)
    basis = _get(table, "day_basis", "interest")
    try:
        day_basis = check_basis(basis, "interest.day_basis")
    except HpfError as exc:
        raise InvalidPolicy("interest.day_basis", exc.reason, shown(basis)) from exc
    return InterestPolicy(day_basis, _text(table, "source", "interest"))


def parse_policy(text: str) -> CenterPolicy:
    """Parse a centre policy from TOML text; a malformed one raises ``InvalidPolicy``
    naming the key path. Decimals are written as strings (``"0.8"``) so no float is involved.

    Parsing is strict (D-038): an unknown section or key — ``[withdrawal]`` for
    ``[withdrawals]``, ``cap_frist`` — is refused with the nearest known name, and so are
    wrong types, a section that is not a table, nesting deeper than any policy needs and
    numbers of more than 18 digits. No other exception escapes.

    >>> parse_policy("[withdrawal]")
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: withdrawal: is not a known section (did you mean 'withdrawals'? ...)
    """
    data = known_table(load_toml(text), "", _SECTIONS, what="section")
    center = known_table(_get(data, "center", "policy"), "center", _CENTER_KEYS)
    loans = known_table(_get(data, "loans", "policy"), "loans", _LOAN_KEYS)
    term = _whole(loans, "max_term_months", "loans", 1, 480)
    repricing = _repricing(loans["repricing"]) if "repricing" in loans else RepricingRule()
    servicing = parse_servicing_policy(loans["servicing"]) if "servicing" in loans else ServicingPolicy()
    contributions = parse_contribution_policy(data["contributions"]) if "contributions" in data else None
    interest = _interest(data["interest"]) if "interest" in data else None
    withdrawals = parse_withdrawal_policy(data["withdrawals"]) if "withdrawals" in data else None
    members = known_table(data.get("members", {}), "members", _MEMBER_SECTIONS, what="section")
    codes = parse_code_policy(members["codes"]) if "codes" in members else None
    member_rules = parse_member_rules(members)
    return CenterPolicy(
        code=_text(center, "code", "center"),
        name=_text(center, "name", "center"),
        contributions=contributions,
        interest=interest,
        withdrawals=withdrawals,
        codes=codes,
        members=member_rules,
        loans=LoanPolicy(
            max_term_months=term,
            balance_multiple=_positive_decimal(loans, "balance_multiple", "loans"),
            capacity_ratio=_fraction(loans, "capacity_ratio", "loans"),
            ltv_first=_fraction(loans, "ltv_first", "loans"),
            ltv_second=_fraction(loans, "ltv_second", "loans"),
            cap_first=_money(loans, "cap_first", "loans"),
            cap_second=_money(loans, "cap_second", "loans"),
            quota_unit=_money(loans, "quota_unit", "loans"),
            repricing=repricing,
            servicing=servicing,
        ),
    )
