"""What the kind modules share: whether a dated fact happened, the violation for one that
did not, the closing kinds' cap, and counting earlier withdrawals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import WithdrawalPolicy
from hpf_core.withdrawals._types import WithdrawalFacts, WithdrawalKind

__all__ = ["happened", "no_cap", "shown_by", "withdrawn_since"]


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
