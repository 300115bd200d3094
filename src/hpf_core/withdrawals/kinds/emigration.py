"""出境定居提取 — emigration (Art. 24(4) [S1]): a closing withdrawal.

The member has settled abroad (出境定居): ``facts.emigrated_on`` on or before the day.

>>> from datetime import date
>>> from hpf_core.withdrawals._assess import WithdrawalFacts
>>> from hpf_core.withdrawals.kinds._common import sample_account, sample_policy
>>> policy = sample_policy(KIND)
>>> check(sample_account("100"), WithdrawalFacts(emigrated_on=date(2025, 1, 2)), policy, date(2025, 3, 1))
()
>>> [v.code for v in check(sample_account("100"), WithdrawalFacts(), policy, date(2025, 3, 1))]
['not_emigrated']
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

KIND = WithdrawalKind.EMIGRATION


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


def documents(policy: WithdrawalPolicy) -> tuple[DocumentRequirement, ...]:
    """The categories to upload (档案上传) for 出境定居提取 under ``policy``."""
    return documents_of(KIND, policy)


def notice(policy: WithdrawalPolicy) -> WithdrawalNotice | None:
    """The 《出境定居提取须知》 under ``policy``, if the centre publishes one."""
    return notice_of(KIND, policy)
