"""死亡或宣告死亡提取 — death (Art. 24, third paragraph [S1]): a closing withdrawal.

The member died or was declared dead (死亡或者被宣告死亡): ``facts.died_on`` on or before
the day. The heirs or legatees (继承人、受遗赠人) withdraw the whole balance; with none, it
goes to the fund's value-added income (增值收益) — which is the centre's business, not
this assessment's.

>>> from datetime import date
>>> from hpf_core.withdrawals._assess import WithdrawalFacts
>>> from hpf_core.withdrawals.kinds._common import sample_account, sample_policy
>>> policy = sample_policy(KIND)
>>> check(sample_account("100"), WithdrawalFacts(died_on=date(2025, 1, 2)), policy, date(2025, 3, 1))
()
>>> [v.code for v in check(sample_account("100"), WithdrawalFacts(), policy, date(2025, 3, 1))]
['no_death_record']
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._policy import WithdrawalNotice, WithdrawalPolicy
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind
from hpf_core.withdrawals.kinds._common import documents_of, no_cap, notice_of, shown_by

if TYPE_CHECKING:
    from hpf_core.withdrawals._assess import WithdrawalFacts

__all__ = ["KIND", "cap", "check", "documents", "notice"]

KIND = WithdrawalKind.DEATH


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


def documents(policy: WithdrawalPolicy) -> tuple[DocumentRequirement, ...]:
    """The categories to upload (档案上传) for 死亡或宣告死亡提取 under ``policy``."""
    return documents_of(KIND, policy)


def notice(policy: WithdrawalPolicy) -> WithdrawalNotice | None:
    """The 《死亡或宣告死亡提取须知》 under ``policy``, if the centre publishes one."""
    return notice_of(KIND, policy)
