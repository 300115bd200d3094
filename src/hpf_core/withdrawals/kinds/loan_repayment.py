"""偿还购房贷款本息提取 — repaying a home loan (Art. 24(5) [S1]): a partial withdrawal.

There is a home loan still owed (``facts.loan_owed``: the instalments or principal the
withdrawal may pay) and, where the centre says so, at least ``min_instalments_repaid``
regular instalments already repaid (Shanghai: one [S31]). The amount never exceeds what
is owed. Shanghai also needs a normal account, free of any freeze or seal
(``must_be_normal``, [S31]).

>>> from datetime import date
>>> from hpf_core.withdrawals._assess import WithdrawalFacts
>>> from hpf_core.withdrawals.kinds._common import sample_account, sample_policy
>>> policy = sample_policy(KIND, min_instalments_repaid=1)
>>> facts = WithdrawalFacts(loan_owed="800000", instalments_repaid=0)
>>> [v.code for v in check(sample_account("57626.57"), facts, policy, date(2018, 7, 23))]
['no_instalment_repaid']
>>> cap(sample_account("57626.57"), facts, policy, date(2018, 7, 23))
Decimal('800000.00')
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

KIND = WithdrawalKind.LOAN_REPAYMENT


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """``no_loan`` and ``no_instalment_repaid``, as they apply."""
    rule = policy.rule(KIND)
    found: list[Violation] = []
    if not facts.loan_owed:
        found.append(Violation("no_loan", "no home loan still owed is shown (借款合同)", "loan_owed"))
    if rule.min_instalments_repaid > 0 and (facts.instalments_repaid or 0) < rule.min_instalments_repaid:
        message = (
            f"at least {rule.min_instalments_repaid} regular instalment(s) must be repaid first; "
            f"{facts.instalments_repaid or 0} shown"
        )
        found.append(Violation("no_instalment_repaid", message, "instalments_repaid"))
    return tuple(found)


def cap(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> Decimal | None:
    """What is owed on the loan, when shown."""
    return facts.loan_owed


def documents(policy: WithdrawalPolicy) -> tuple[DocumentRequirement, ...]:
    """The categories to upload (档案上传) for 偿还购房贷款本息提取 under ``policy``."""
    return documents_of(KIND, policy)


def notice(policy: WithdrawalPolicy) -> WithdrawalNotice | None:
    """The 《偿还购房贷款本息提取须知》 under ``policy``, if the centre publishes one."""
    return notice_of(KIND, policy)
