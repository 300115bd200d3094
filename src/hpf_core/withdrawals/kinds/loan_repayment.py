"""偿还购房贷款本息提取 — repaying a home loan (Art. 24(5) [S1]): a partial withdrawal.

There is a home loan still owed (``facts.loan_owed``: the instalments or principal the
withdrawal may pay) and, where the centre says so, at least ``min_instalments_repaid``
regular instalments already repaid (Shanghai: one [S31]). The amount never exceeds what
is owed. Shanghai also needs a normal account, free of any freeze or seal
(``must_be_normal``, [S31]).

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
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

import attrs

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import PARTIAL_KEYS, WithdrawalPolicy, WithdrawalRule, count_key
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.LOAN_REPAYMENT

FACTS = frozenset({"instalments_repaid", "loan_owed"})
"""The :class:`~hpf_core.withdrawals.WithdrawalFacts` fields ``check`` and ``cap`` read."""


@attrs.frozen(kw_only=True)
class Rule(WithdrawalRule):
    """The kind's rules at one centre: the shared ones and its own."""

    min_instalments_repaid: int = attrs.field(default=0, metadata=count_key(low=0))
    """At least this many regular instalments already repaid."""


POLICY_KEYS = PARTIAL_KEYS | {"min_instalments_repaid"}
"""The keys its ``[withdrawals.<kind>]`` section takes."""

DOCUMENTS: tuple[DocumentRequirement, ...] = ()
"""The categories asked for when the centre's section lists none: none, each centre names its own."""


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """``no_loan`` and ``no_instalment_repaid``, as they apply."""
    rule = policy.rule(KIND, Rule)
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
