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

import tomllib
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from hpf_core._tables import no_float
from hpf_core.accounts._contribution import ContributionPolicy, parse_contribution_policy
from hpf_core.accounts._interest import DayBasis, check_basis
from hpf_core.errors import HpfError, InvalidPolicy
from hpf_core.loans import RepricingOverride, RepricingRule, ServicingPolicy, parse_servicing_policy
from hpf_core.members._codes import CodePolicy, parse_code_policy
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


def _get(table: dict[str, Any], key: str, path: str) -> Any:
    if key not in table:
        raise InvalidPolicy(f"{path}.{key}", "is missing")
    return table[key]


def _fraction(table: dict[str, Any], key: str, path: str) -> Decimal:
    value = _get(table, key, path)
    no_float(value, f"{path}.{key}")
    try:
        return check_rate(value, f"{path}.{key}")
    except HpfError as exc:
        raise InvalidPolicy(f"{path}.{key}", exc.reason, value) from exc


def _money(table: dict[str, Any], key: str, path: str) -> Decimal:
    value = _get(table, key, path)
    no_float(value, f"{path}.{key}")
    try:
        amount = yuan(value, f"{path}.{key}")
    except HpfError as exc:
        raise InvalidPolicy(f"{path}.{key}", exc.reason, value) from exc
    if amount <= 0:
        raise InvalidPolicy(f"{path}.{key}", "must be greater than 0", value)
    return amount


def _positive_decimal(table: dict[str, Any], key: str, path: str) -> Decimal:
    value = _get(table, key, path)
    no_float(value, f"{path}.{key}")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidPolicy(f"{path}.{key}", "must be a quoted decimal or an integer", value)
    try:
        number = Decimal(value)
    except ArithmeticError as exc:
        raise InvalidPolicy(f"{path}.{key}", "is not a decimal number", value) from exc
    if not number.is_finite() or number <= 0:
        raise InvalidPolicy(f"{path}.{key}", "must be a positive number", value)
    return number


def parse_policy(text: str) -> CenterPolicy:
    """Parse a centre policy from TOML text; a malformed one raises ``InvalidPolicy``
    naming the key. Decimals are written as strings (``"0.8"``) so no float is involved."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidPolicy("policy", f"is not valid TOML: {exc}") from exc
    center = _get(data, "center", "policy")
    loans = _get(data, "loans", "policy")
    term = _get(loans, "max_term_months", "loans")
    if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= 480:
        raise InvalidPolicy("loans.max_term_months", "must be a whole number of months in 1..480", term)
    repricing = RepricingRule()
    if "repricing" in loans:
        rule = loans["repricing"]
        overrides = []
        for i, item in enumerate(rule.get("overrides", [])):
            where = f"loans.repricing.overrides[{i}]"
            change, day = _get(item, "change", where), _get(item, "reprice_on", where)
            for name, value in (("change", change), ("reprice_on", day)):
                if not isinstance(value, date):
                    raise InvalidPolicy(f"{where}.{name}", "must be a TOML date", value)
            overrides.append(RepricingOverride(change, day, str(_get(item, "source", where))))
        repricing = RepricingRule(
            overrides=tuple(overrides),
            short_loan_months=int(rule.get("short_loan_months", 12)),
            source=str(_get(rule, "source", "loans.repricing")),
        )
    servicing = parse_servicing_policy(loans["servicing"]) if "servicing" in loans else ServicingPolicy()
    contributions = parse_contribution_policy(data["contributions"]) if "contributions" in data else None
    interest = None
    if "interest" in data:
        table = data["interest"]
        basis = _get(table, "day_basis", "interest")
        try:
            day_basis = check_basis(basis, "interest.day_basis")
        except HpfError as exc:
            raise InvalidPolicy("interest.day_basis", exc.reason, basis) from exc
        interest = InterestPolicy(day_basis, str(_get(table, "source", "interest")))
    withdrawals = parse_withdrawal_policy(data["withdrawals"]) if "withdrawals" in data else None
    members = data.get("members", {})
    codes = parse_code_policy(members["codes"]) if "codes" in members else None
    member_rules = parse_member_rules(members)
    return CenterPolicy(
        code=str(_get(center, "code", "center")),
        name=str(_get(center, "name", "center")),
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
