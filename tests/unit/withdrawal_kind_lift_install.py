"""既有住宅加装电梯提取 — a withdrawal kind hpf does not ship, as a centre would add it:
this one module and a ``[withdrawals.lift-install]`` section in its policy file.

Several centres let owners draw their fund for their share of the cost of a lift added to
an existing residential building (既有住宅加装电梯): the member (or spouse) owns a home in
the building, shows the cost-sharing agreement and payment (``facts.extra``), and applies
within some months of the lift's acceptance (竣工验收). The rules below are made up for
the test; only the shape is the point.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from hpf_core.accounts import DepositAccount
from hpf_core.dates import add_months, check_date
from hpf_core.errors import Violation
from hpf_core.money import yuan
from hpf_core.withdrawals import (
    DocumentRequirement,
    WithdrawalFacts,
    WithdrawalKind,
    WithdrawalPolicy,
    WithdrawalRule,
    count_key,
    money_key,
)

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.define("lift-install", "既有住宅加装电梯提取", closes_account=False)

FACTS = frozenset({"owns_home", "extra.lift_cost_share", "extra.lift_accepted_on"})
"""What it reads: ``owns_home`` and two facts of its own in ``facts.extra``."""


@attrs.frozen(kw_only=True)
class Rule(WithdrawalRule):
    """The shared rules and two of its own."""

    max_per_home: Decimal | None = attrs.field(default=None, metadata=money_key())
    """The most one home may draw for its lift."""
    within_months: int | None = attrs.field(default=None, metadata=count_key(low=1))
    """Apply within this many months of the lift's acceptance."""


POLICY_KEYS = frozenset(
    {
        "documents",
        "notice",
        "frequency_months",
        "cap_per_year",
        "must_be_normal",
        "max_per_home",
        "within_months",
    }
)
"""The shared keys of a partial kind, and its own two."""

DOCUMENTS = (
    DocumentRequirement("加装电梯费用分摊协议", required=True),
    DocumentRequirement("付款凭证", required=True, max_files=2),
)
"""Asked for when the centre's section lists no documents."""


def _share(facts: WithdrawalFacts) -> Decimal | None:
    value = facts.extra.get("lift_cost_share")
    return None if value is None else yuan(str(value), "extra.lift_cost_share")


def _accepted(facts: WithdrawalFacts) -> date | None:
    value = facts.extra.get("lift_accepted_on")
    return None if value is None else check_date(value, "extra.lift_accepted_on")


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """``no_home``, ``cost_not_shown``, ``lift_not_accepted``, ``lift_too_old``."""
    rule = policy.rule(KIND, Rule)
    found: list[Violation] = []
    if not facts.owns_home:
        found.append(Violation("no_home", "the lift must serve a home the member owns", "owns_home"))
    if _share(facts) is None:
        found.append(
            Violation("cost_not_shown", "the member's share of the cost is needed", "extra.lift_cost_share")
        )
    accepted = _accepted(facts)
    if accepted is None or accepted > on:
        found.append(
            Violation("lift_not_accepted", "the lift's acceptance is not shown", "extra.lift_accepted_on")
        )
    elif rule.within_months is not None and on > add_months(accepted, rule.within_months):
        message = f"apply within {rule.within_months} months of the acceptance on {accepted}"
        found.append(Violation("lift_too_old", message, "extra.lift_accepted_on"))
    return tuple(found)


def cap(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> Decimal | None:
    """The member's share of the cost, at most ``max_per_home``; None while not shown."""
    share = _share(facts)
    limit = policy.rule(KIND, Rule).max_per_home
    if share is None or limit is None:
        return share
    return min(share, limit)
