"""离、退休提取 — retirement (Art. 24(2) [S1]): a closing withdrawal.

The member has retired (离休、退休), shown by the 离(退)休证, the 《退休审批表》 or the
离(退)休文件: ``facts.retired_on`` on or before the day. The whole balance is paid with
the closing interest and the account is closed (Art. 24, second paragraph).

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> policy = sample_policy(KIND)
>>> check(sample_account("5925.21"), WithdrawalFacts(retired_on=date(2018, 5, 1)), policy, date(2018, 5, 29))
()
>>> [v.code for v in check(sample_account(), WithdrawalFacts(), policy, date(2018, 5, 29))]
['not_retired']
"""

from __future__ import annotations

from datetime import date

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import CLOSING_KEYS, WithdrawalPolicy, WithdrawalRule
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind
from hpf_core.withdrawals.kinds._common import no_cap, shown_by

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.RETIREMENT

FACTS = frozenset({"retired_on"})
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
    """``not_retired`` unless a retirement date on or before ``on`` is shown."""
    return shown_by(
        facts.retired_on,
        on,
        code="not_retired",
        field="retired_on",
        missing="no retirement shown: the 离(退)休证, 《退休审批表》 or 离(退)休文件 gives the date",
        later="retires on {day}, after {on}",
    )


cap = no_cap
"""None: a closing withdrawal takes the whole balance with closing interest."""
