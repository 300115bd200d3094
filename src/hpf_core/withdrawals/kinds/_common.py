"""What the kind modules share: reading a rule's documents and notice, counting earlier
withdrawals, and small examples for their doctests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hpf_core.accounts import NORMAL, AccountState, DepositAccount, Employer, Member
from hpf_core.errors import Violation
from hpf_core.money import yuan
from hpf_core.withdrawals._policy import WithdrawalNotice, WithdrawalPolicy, WithdrawalRule
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind

if TYPE_CHECKING:
    from hpf_core.withdrawals._assess import WithdrawalFacts

__all__ = [
    "documents_of",
    "happened",
    "notice_of",
    "sample_account",
    "sample_policy",
    "withdrawn_since",
]


def documents_of(kind: WithdrawalKind, policy: WithdrawalPolicy) -> tuple[DocumentRequirement, ...]:
    """The kind's 档案上传 categories under ``policy``."""
    return policy.rule(kind).documents


def notice_of(kind: WithdrawalKind, policy: WithdrawalPolicy) -> WithdrawalNotice | None:
    """The kind's 须知 under ``policy``, if the centre publishes one."""
    return policy.rule(kind).notice


def happened(day: date | None, on: date) -> bool:
    """A fact's date is shown and not after the assessment day.

    >>> happened(date(2018, 5, 1), date(2018, 5, 29)), happened(None, date(2018, 5, 29))
    (True, False)
    """
    return day is not None and day <= on


def shown_by(
    day: date | None, on: date, *, code: str, field: str, missing: str, later: str
) -> tuple[Violation, ...]:
    """The violation for a dated fact that is not shown, or dated after ``on``; none if it
    happened. ``later`` may use ``{day}`` and ``{on}``.

    >>> shown_by(None, date(2018, 5, 29), code="not_retired", field="retired_on",
    ...          missing="no retirement shown", later="retires on {day}")[0].code
    'not_retired'
    """
    if happened(day, on):
        return ()
    message = missing if day is None else later.format(day=day, on=on)
    return (Violation(code, message, field),)


def no_cap(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> Decimal | None:
    """A closing kind has no cap of its own: it takes the whole balance with closing interest."""
    return None


def withdrawn_since(facts: WithdrawalFacts, kind: WithdrawalKind, since: date) -> Decimal:
    """What earlier ``kind`` withdrawals dated on or after ``since`` paid in total."""
    return sum((p.amount for p in facts.previous if p.kind is kind and p.on >= since), Decimal("0.00"))


def sample_account(balance: str = "0", state: AccountState = NORMAL) -> DepositAccount:
    """An account holding ``balance``, for examples: ``sample_account("5925.21").balance``.

    >>> sample_account("5925.21").balance
    Decimal('5925.21')
    """
    return DepositAccount(
        "EXAMPLE-1",
        Member("M-1", "职工", "11010519491231002X"),
        Employer("E-1", "单位"),
        date(2000, 1, 1),
        Decimal("5000.00"),
        Decimal("0.12"),
        Decimal("0.12"),
        state=state,
        balance=yuan(balance, "balance"),
    )


def sample_policy(kind: WithdrawalKind, **rule: Any) -> WithdrawalPolicy:
    """A policy opening only ``kind``, with no reserve, a unit of 0.01 and the rule's fields
    given (``sample_policy(WithdrawalKind.RENT, cap_per_month=Decimal("2000.00"))``)."""
    return WithdrawalPolicy(
        open_kinds=frozenset({kind}),
        reserve=Decimal("0.00"),
        amount_unit=Decimal("0.01"),
        loan_blocks_closing=False,
        source="example",
        rules=((kind, WithdrawalRule(**rule)),),
    )
