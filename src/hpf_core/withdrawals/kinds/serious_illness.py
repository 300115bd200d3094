"""重大疾病提取 — serious illness: a partial withdrawal set by local rules.

A local addition (docs/domain.md §5.2, [S36], grade C): the member's or family's self-paid
medical cost (``facts.medical_self_paid``) above the centre's ``threshold`` (30,000 in the
one example found), at most that cost, usually once a year (``frequency_months``).

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> from decimal import Decimal
>>> policy = sample_policy(KIND, threshold=Decimal("30000.00"))
>>> [v.code for v in check(sample_account("80000"), WithdrawalFacts(medical_self_paid="30000"), policy,
...                        date(2025, 3, 1))]
['below_threshold']
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import PARTIAL_KEYS, WithdrawalPolicy, WithdrawalRule, money_key
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.SERIOUS_ILLNESS

FACTS = frozenset({"medical_self_paid"})
"""The :class:`~hpf_core.withdrawals.WithdrawalFacts` fields ``check`` and ``cap`` read."""


@attrs.frozen(kw_only=True)
class Rule(WithdrawalRule):
    """The kind's rules at one centre: the shared ones and its own."""

    threshold: Decimal | None = attrs.field(default=None, metadata=money_key(positive=False))
    """The self-paid cost must exceed this amount (自付费用超过)."""


POLICY_KEYS = PARTIAL_KEYS | {"threshold"}
"""The keys its ``[withdrawals.<kind>]`` section takes."""

DOCUMENTS: tuple[DocumentRequirement, ...] = ()
"""The categories asked for when the centre's section lists none: none, each centre names its own."""


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """``cost_not_shown`` or ``below_threshold``."""
    rule = policy.rule(KIND, Rule)
    cost = facts.medical_self_paid
    if cost is None:
        return (
            Violation(
                "cost_not_shown", "the self-paid medical cost (自付医疗费用) is needed", "medical_self_paid"
            ),
        )
    if rule.threshold is not None and cost <= rule.threshold:
        message = f"the self-paid cost {cost} must exceed {rule.threshold}"
        return (Violation("below_threshold", message, "medical_self_paid"),)
    return ()


def cap(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> Decimal | None:
    """The self-paid cost, when shown."""
    return facts.medical_self_paid
