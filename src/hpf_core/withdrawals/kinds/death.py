"""死亡或宣告死亡提取 — death (Art. 24, third paragraph [S1]): a closing withdrawal.

The member died or was declared dead (死亡或者被宣告死亡): ``facts.died_on`` on or before
the day. The heirs or legatees (继承人、受遗赠人) withdraw the whole balance; with none, it
goes to the fund's value-added income (增值收益) — which is the centre's business, not
this assessment's.

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> policy = sample_policy(KIND)
>>> check(sample_account("100"), WithdrawalFacts(died_on=date(2025, 1, 2)), policy, date(2025, 3, 1))
()
>>> [v.code for v in check(sample_account("100"), WithdrawalFacts(), policy, date(2025, 3, 1))]
['no_death_record']
"""

from __future__ import annotations

from datetime import date

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import CLOSING_KEYS, WithdrawalPolicy, WithdrawalRule
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind
from hpf_core.withdrawals.kinds._common import no_cap, shown_by

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.DEATH

FACTS = frozenset({"died_on"})
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
    """``no_death_record`` unless a death (or declaration of death) on or before ``on`` is shown."""
    return shown_by(
        facts.died_on,
        on,
        code="no_death_record",
        field="died_on",
        missing="no death certificate or declaration of death shown",
        later="the death is dated {day}, after {on}",
    )


cap = no_cap
"""None: a closing withdrawal takes the whole balance with closing interest."""
