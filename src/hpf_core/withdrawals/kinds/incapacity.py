"""完全丧失劳动能力提取 — total incapacity (Art. 24(3) [S1]): a closing withdrawal.

Both conditions of the statute: certified totally incapable of work
(``facts.incapacity_certified_on``) and employment ended (``facts.employment_ended_on``,
并与单位终止劳动关系), each on or before the day.

>>> from datetime import date
>>> from hpf_core.withdrawals._assess import WithdrawalFacts
>>> from hpf_core.withdrawals.kinds._common import sample_account, sample_policy
>>> policy = sample_policy(KIND)
>>> facts = WithdrawalFacts(incapacity_certified_on=date(2025, 1, 2))
>>> [v.code for v in check(sample_account("100"), facts, policy, date(2025, 3, 1))]
['employment_not_ended']
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._policy import WithdrawalNotice, WithdrawalPolicy
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind
from hpf_core.withdrawals.kinds._common import documents_of, happened, notice_of

if TYPE_CHECKING:
    from hpf_core.withdrawals._assess import WithdrawalFacts

__all__ = ["KIND", "cap", "check", "documents", "notice"]

KIND = WithdrawalKind.INCAPACITY


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """``not_incapacitated`` and ``employment_not_ended``, as they apply."""
    found: list[Violation] = []
    if not happened(facts.incapacity_certified_on, on):
        message = (
            "no certificate of total incapacity (完全丧失劳动能力鉴定) shown"
            if (facts.incapacity_certified_on is None)
            else f"the incapacity is certified on {facts.incapacity_certified_on}, after {on}"
        )
        found.append(Violation("not_incapacitated", message, "incapacity_certified_on"))
    if not happened(facts.employment_ended_on, on):
        message = (
            "no end of employment shown: Art. 24(3) needs it too"
            if facts.employment_ended_on is None
            else (f"employment ends on {facts.employment_ended_on}, after {on}")
        )
        found.append(Violation("employment_not_ended", message, "employment_ended_on"))
    return tuple(found)


def cap(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> Decimal | None:
    """None: a closing withdrawal takes the whole balance with closing interest."""
    return None


def documents(policy: WithdrawalPolicy) -> tuple[DocumentRequirement, ...]:
    """The categories to upload (档案上传) for 完全丧失劳动能力提取 under ``policy``."""
    return documents_of(KIND, policy)


def notice(policy: WithdrawalPolicy) -> WithdrawalNotice | None:
    """The 《完全丧失劳动能力提取须知》 under ``policy``, if the centre publishes one."""
    return notice_of(KIND, policy)
