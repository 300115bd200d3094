"""重大疾病提取 — serious illness: a partial withdrawal set by local rules.

A local addition (DOMAIN.md §5.2, [S36], grade C): the member's or family's self-paid
medical cost (``facts.medical_self_paid``) above the centre's ``threshold`` (30,000 in the
one example found), at most that cost, usually once a year (``frequency_months``).

>>> from datetime import date
>>> from hpf_core.withdrawals._assess import WithdrawalFacts
>>> from hpf_core.withdrawals.kinds._common import sample_account, sample_policy
>>> from decimal import Decimal
>>> policy = sample_policy(KIND, threshold=Decimal("30000.00"))
>>> [v.code for v in check(sample_account("80000"), WithdrawalFacts(medical_self_paid="30000"), policy,
...                        date(2025, 3, 1))]
['below_threshold']
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._policy import WithdrawalNotice, WithdrawalPolicy
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind
from hpf_core.withdrawals.kinds._common import documents_of, notice_of

if TYPE_CHECKING:
    from hpf_core.withdrawals._assess import WithdrawalFacts

__all__ = ["KIND", "cap", "check", "documents", "notice"]

KIND = WithdrawalKind.SERIOUS_ILLNESS


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """``cost_not_shown`` or ``below_threshold``."""
    rule = policy.rule(KIND)
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


def documents(policy: WithdrawalPolicy) -> tuple[DocumentRequirement, ...]:
    """The categories to upload (档案上传) for 重大疾病提取 under ``policy``."""
    return documents_of(KIND, policy)


def notice(policy: WithdrawalPolicy) -> WithdrawalNotice | None:
    """The 《重大疾病提取须知》 under ``policy``, if the centre publishes one."""
    return notice_of(KIND, policy)
