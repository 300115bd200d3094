"""物业管理费提取 — property-management fee: a partial withdrawal set by local rules.

Local only (docs/domain.md §5.2: Shanghai allowed it in 2005 for low-income groups; the
conditions are unverified). Modelled on the seed screens: the member owns the home
(不动产权证) and pays its fee (物业管理服务费收费票据); the amount is bounded by the fee
billed when shown and by the centre's ``cap_per_year`` (the seed centre's screen shows
可提取金额 3,000.00 on a balance of 9,249.44).

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> from decimal import Decimal
>>> policy = sample_policy(KIND, cap_per_year=Decimal("3000.00"))
>>> check(sample_account("9249.44"), WithdrawalFacts(owns_home=True), policy, date(2018, 7, 23))
()
>>> cap(sample_account("9249.44"), WithdrawalFacts(owns_home=True, property_fee_billed="2400"), policy,
...     date(2018, 7, 23))
Decimal('2400.00')
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import PARTIAL_KEYS, WithdrawalPolicy, WithdrawalRule
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.PROPERTY_FEE

FACTS = frozenset({"owns_home", "property_fee_billed"})
"""The :class:`~hpf_core.withdrawals.WithdrawalFacts` fields ``check`` and ``cap`` read."""

Rule = WithdrawalRule
"""No rule of its own: the shared ones."""

POLICY_KEYS = PARTIAL_KEYS
"""The keys its ``[withdrawals.<kind>]`` section takes."""

DOCUMENTS: tuple[DocumentRequirement, ...] = ()
"""The categories asked for when the centre's section lists none: none, each centre names its own."""


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """``no_home`` unless the member owns the home the fee is for."""
    if facts.owns_home:
        return ()
    return (Violation("no_home", "the fee must be for a home the member owns (不动产权证)", "owns_home"),)


def cap(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> Decimal | None:
    """The fee billed, when shown (the yearly cap is the policy's ``cap_per_year``)."""
    return facts.property_fee_billed
