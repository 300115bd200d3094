"""出境定居提取 — emigration (Art. 24(4) [S1]): a closing withdrawal.

The member has settled abroad (出境定居): ``facts.emigrated_on`` on or before the day.

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> policy = sample_policy(KIND)
>>> check(sample_account("100"), WithdrawalFacts(emigrated_on=date(2025, 1, 2)), policy, date(2025, 3, 1))
()
>>> [v.code for v in check(sample_account("100"), WithdrawalFacts(), policy, date(2025, 3, 1))]
['not_emigrated']
"""

from __future__ import annotations

from datetime import date

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import CLOSING_KEYS, WithdrawalPolicy, WithdrawalRule
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind
from hpf_core.withdrawals.kinds._common import no_cap, shown_by

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.EMIGRATION

FACTS = frozenset({"emigrated_on"})
"""The :class:`~hpf_core.withdrawals.WithdrawalFacts` fields ``check`` and ``cap`` read."""

Rule = WithdrawalRule
"""No rule of its own: the shared ones."""

POLICY_KEYS = CLOSING_KEYS
"""The keys its ``[withdrawals.<kind>]`` section takes."""

DOCUMENTS: tuple[DocumentRequirement, ...] = ()
"""The categories asked for when the centre's section lists none: none, each centre names its own."""


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """``not_emigrated`` unless settlement abroad on or before ``on`` is shown."""
    return shown_by(
        facts.emigrated_on,
        on,
        code="not_emigrated",
        field="emigrated_on",
        missing="no settlement abroad shown (出境定居证明)",
        later="settles abroad on {day}, after {on}",
    )


cap = no_cap
"""None: a closing withdrawal takes the whole balance with closing interest."""
