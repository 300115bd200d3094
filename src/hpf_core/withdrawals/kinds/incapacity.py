"""完全丧失劳动能力提取 — total incapacity (Art. 24(3) [S1]): a closing withdrawal.

Both conditions of the statute: certified totally incapable of work
(``facts.incapacity_certified_on``) and employment ended (``facts.employment_ended_on``,
并与单位终止劳动关系), each on or before the day.

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> policy = sample_policy(KIND)
>>> facts = WithdrawalFacts(incapacity_certified_on=date(2025, 1, 2))
>>> [v.code for v in check(sample_account("100"), facts, policy, date(2025, 3, 1))]
['employment_not_ended']
"""

from __future__ import annotations

from datetime import date

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import CLOSING_KEYS, WithdrawalPolicy, WithdrawalRule
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind
from hpf_core.withdrawals.kinds._common import no_cap, shown_by

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.INCAPACITY

FACTS = frozenset({"employment_ended_on", "incapacity_certified_on"})
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
    """``not_incapacitated`` and ``employment_not_ended``, as they apply."""
    return shown_by(
        facts.incapacity_certified_on,
        on,
        code="not_incapacitated",
        field="incapacity_certified_on",
        missing="no certificate of total incapacity (完全丧失劳动能力鉴定) shown",
        later="the incapacity is certified on {day}, after {on}",
    ) + shown_by(
        facts.employment_ended_on,
        on,
        code="employment_not_ended",
        field="employment_ended_on",
        missing="no end of employment shown: Art. 24(3) needs it too",
        later="employment ends on {day}, after {on}",
    )


cap = no_cap
"""None: a closing withdrawal takes the whole balance with closing interest."""
