"""终止劳动关系提取 — leaving a job: a closing withdrawal set by local rules, not the statute.

Guangzhou's rule [S30] is the pattern: 非本市户籍职工与单位解除或者终止劳动关系，未在异地
继续缴存，账户封存满半年. So: employment ended (``facts.employment_ended_on``); the account
is sealed (封存), for at least ``sealed_months`` (counted from ``facts.sealed_since``);
not contributing to another centre (then the account is transferred, not withdrawn);
and, where the centre says ``non_local_hukou_only``, no local household registration.

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> from hpf_core.accounts import AccountState, AccountStatus
>>> policy = sample_policy(KIND, sealed_months=6)
>>> sealed = sample_account("262.37", AccountState(AccountStatus.SEALED))
>>> facts = WithdrawalFacts(employment_ended_on=date(2017, 12, 31), sealed_since=date(2018, 1, 22))
>>> check(sealed, facts, policy, date(2018, 7, 22))
()
>>> [v.code for v in check(sealed, facts, policy, date(2018, 7, 21))]   # 5 months and 29 days
['sealed_too_short']
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from hpf_core.accounts import AccountStatus, DepositAccount
from hpf_core.dates import add_months
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import CLOSING_KEYS, WithdrawalPolicy, WithdrawalRule, count_key, flag_key
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind
from hpf_core.withdrawals.kinds._common import happened

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.LABOR_TERMINATION

FACTS = frozenset({"contributing_elsewhere", "employment_ended_on", "local_hukou", "sealed_since"})
"""The :class:`~hpf_core.withdrawals.WithdrawalFacts` fields ``check`` and ``cap`` read."""


@attrs.frozen(kw_only=True)
class Rule(WithdrawalRule):
    """The kind's rules at one centre: the shared ones and its own."""

    sealed_months: int = attrs.field(default=0, metadata=count_key(low=0))
    """Labour termination: the account sealed at least this many months (封存满 N 个月)."""
    non_local_hukou_only: bool = attrs.field(default=False, metadata=flag_key())
    """Only for members without the city's household registration (非本市户籍)."""


POLICY_KEYS = CLOSING_KEYS | {"non_local_hukou_only", "sealed_months"}
"""The keys its ``[withdrawals.<kind>]`` section takes."""

DOCUMENTS: tuple[DocumentRequirement, ...] = ()
"""The categories asked for when the centre's section lists none: none, each centre names its own."""


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """Every unmet condition: ``employment_not_ended``, ``account_not_sealed``,
    ``sealed_too_short``, ``local_hukou``, ``contributing_elsewhere``."""
    rule = policy.rule(KIND, Rule)
    found: list[Violation] = []
    if not happened(facts.employment_ended_on, on):
        message = (
            "no end of employment shown (解除劳动合同书)"
            if facts.employment_ended_on is None
            else (f"employment ends on {facts.employment_ended_on}, after {on}")
        )
        found.append(Violation("employment_not_ended", message, "employment_ended_on"))
    state = account.state
    sealed = state.status is AccountStatus.SEALED or (
        state.status is AccountStatus.FROZEN and state.before_freeze is AccountStatus.SEALED
    )
    if not sealed and state.status in (AccountStatus.NORMAL, AccountStatus.FROZEN):
        message = f"the account must be sealed (封存); it is {state.status.chinese}"
        found.append(Violation("account_not_sealed", message, "status"))
    if rule.sealed_months > 0:
        since = facts.sealed_since
        if since is None or since > on:
            message = f"the sealing date is not shown; the account must be sealed {rule.sealed_months} months"
            found.append(Violation("sealed_too_short", message, "sealed_since"))
        elif on < add_months(since, rule.sealed_months):
            message = (
                f"sealed on {since}: {rule.sealed_months} months sealed are reached on "
                f"{add_months(since, rule.sealed_months)}"
            )
            found.append(Violation("sealed_too_short", message, "sealed_since"))
    if rule.non_local_hukou_only and facts.local_hukou is not False:
        message = (
            "only members without the city's household registration (非本市户籍) may withdraw"
            if facts.local_hukou
            else "the household registration (户籍) is not stated; only non-local members may withdraw"
        )
        found.append(Violation("local_hukou", message, "local_hukou"))
    if facts.contributing_elsewhere:
        message = "contributions continue at another centre: transfer the account (转移接续) instead"
        found.append(Violation("contributing_elsewhere", message, "contributing_elsewhere"))
    return tuple(found)


def cap(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> Decimal | None:
    """None: a closing withdrawal takes the whole balance with closing interest."""
    return None
