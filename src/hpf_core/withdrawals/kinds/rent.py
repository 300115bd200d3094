"""房租提取 — rent (Art. 24(6) [S1]): a partial withdrawal.

The statute allows rent "above a set share of household wage income"; centres add the
rest [S29][S30]: no home of one's own in the city, continuous contributions
(``min_contribution_months``, 3 in the national 2015 notice), and in Shanghai no HPF loan
and a lease filed with the city's rental platform. The cap is per month:
``min(monthly rent − income_share × household income, cap_per_month)`` times the months
the withdrawal covers (Shanghai 2014: rent less 20% of household monthly wage income, at
most 2,000 a month).

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> from decimal import Decimal
>>> policy = sample_policy(KIND, income_share=Decimal("0.2"), cap_per_month=Decimal("2000.00"))
>>> facts = WithdrawalFacts(monthly_rent="3000", rent_months=3, household_monthly_income="8000")
>>> cap(sample_account("50000"), facts, policy, date(2025, 3, 1))  # 3 x min(3,000 - 1,600, 2,000)
Decimal('4200.00')
>>> check(sample_account("50000"), facts, policy, date(2025, 3, 1))
()
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Context, Decimal

import attrs

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.money import FEN
from hpf_core.withdrawals._rules import (
    PARTIAL_KEYS,
    WithdrawalPolicy,
    WithdrawalRule,
    count_key,
    flag_key,
    money_key,
    share_key,
)
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.RENT

FACTS = frozenset(
    {
        "continuous_months",
        "has_outstanding_hpf_loan",
        "household_monthly_income",
        "lease_registered",
        "monthly_rent",
        "owns_home",
        "rent_months",
    }
)
"""The :class:`~hpf_core.withdrawals.WithdrawalFacts` fields ``check`` and ``cap`` read."""


@attrs.frozen(kw_only=True)
class Rule(WithdrawalRule):
    """The kind's rules at one centre: the shared ones and its own."""

    min_contribution_months: int = attrs.field(default=0, metadata=count_key(low=0))
    """At least this many months of continuous contribution (连续足额缴存)."""
    cap_per_month: Decimal | None = attrs.field(default=None, metadata=money_key())
    """The most one month's rent may draw (每月提取限额)."""
    income_share: Decimal | None = attrs.field(default=None, metadata=share_key())
    """Only rent above this share of household monthly wage income may be drawn
    (房租超出家庭工资收入的规定比例, Art. 24(6))."""
    no_hpf_loan: bool = attrs.field(default=False, metadata=flag_key())
    """Refused while the member has an outstanding HPF loan (公积金贷款未结清)."""
    lease_registration_required: bool = attrs.field(default=False, metadata=flag_key())
    """The lease must be filed with the city's rental platform (租赁备案)."""


POLICY_KEYS = PARTIAL_KEYS | {
    "cap_per_month",
    "income_share",
    "lease_registration_required",
    "min_contribution_months",
    "no_hpf_loan",
}
"""The keys its ``[withdrawals.<kind>]`` section takes."""

DOCUMENTS: tuple[DocumentRequirement, ...] = ()
"""The categories asked for when the centre's section lists none: none, each centre names its own."""

# Exact whatever the caller's ambient decimal context (amounts have at most 12 digits,
# shares at most 10 places).
_CTX = Context(prec=60)


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """Every unmet condition: ``owns_home``, ``contribution_too_short``,
    ``hpf_loan_outstanding``, ``lease_not_registered``, ``rent_not_shown``,
    ``income_not_shown``, ``rent_within_income_share``."""
    rule = policy.rule(KIND, Rule)
    found: list[Violation] = []
    if facts.owns_home:
        found.append(
            Violation("owns_home", "rent withdrawal is for members without a home in the city", "owns_home")
        )
    months = facts.continuous_months or 0
    if months < rule.min_contribution_months:
        message = (
            f"needs {rule.min_contribution_months} months of continuous contribution (连续足额缴存); "
            f"{months} shown"
        )
        found.append(Violation("contribution_too_short", message, "continuous_months"))
    if rule.no_hpf_loan and facts.has_outstanding_hpf_loan:
        message = "rent withdrawal is refused while an HPF loan is outstanding"
        found.append(Violation("hpf_loan_outstanding", message, "has_outstanding_hpf_loan"))
    if rule.lease_registration_required and not facts.lease_registered:
        message = "the lease must be filed with the city's rental platform (租赁备案)"
        found.append(Violation("lease_not_registered", message, "lease_registered"))
    if facts.monthly_rent is None or not facts.rent_months:
        message = "the lease's monthly rent and the months this withdrawal covers are needed"
        found.append(Violation("rent_not_shown", message, "monthly_rent"))
    if rule.income_share is not None:
        income = facts.household_monthly_income
        if income is None:
            message = (
                f"household monthly wage income is needed: only rent above {rule.income_share} of it counts"
            )
            found.append(Violation("income_not_shown", message, "household_monthly_income"))
        elif facts.monthly_rent is not None and facts.monthly_rent <= _CTX.multiply(
            rule.income_share, income
        ):
            message = (
                f"the rent {facts.monthly_rent} does not exceed {rule.income_share} of household "
                f"income {income} (房租未超出家庭工资收入的规定比例)"
            )
            found.append(Violation("rent_within_income_share", message, "monthly_rent"))
    return tuple(found)


def cap(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> Decimal | None:
    """The months covered times the month's drawable rent; None while the rent is not shown."""
    rule = policy.rule(KIND, Rule)
    if facts.monthly_rent is None or not facts.rent_months:
        return None
    per_month = facts.monthly_rent
    if rule.income_share is not None and facts.household_monthly_income is not None:
        per_month = _CTX.subtract(per_month, _CTX.multiply(rule.income_share, facts.household_monthly_income))
    if rule.cap_per_month is not None:
        per_month = min(per_month, rule.cap_per_month)
    total = _CTX.multiply(max(per_month, Decimal(0)), Decimal(facts.rent_months))
    return total.quantize(FEN, rounding=ROUND_FLOOR, context=_CTX)
