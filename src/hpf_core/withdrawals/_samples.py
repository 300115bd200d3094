"""Small examples for the doctests of the withdrawal modules: an account and a policy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hpf_core.accounts import NORMAL, AccountState, DepositAccount, Employer, Member
from hpf_core.money import yuan
from hpf_core.withdrawals._rules import WithdrawalPolicy
from hpf_core.withdrawals._types import WithdrawalKind
from hpf_core.withdrawals.kinds import KINDS

__all__ = ["sample_account", "sample_policy"]


def sample_account(balance: str = "0", state: AccountState = NORMAL) -> DepositAccount:
    """An account holding ``balance``, for examples.

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
    """A policy opening only ``kind``, with no reserve, a unit of 0.01 and the kind's rule
    with the fields given (``sample_policy(WithdrawalKind.RENT, cap_per_month=Decimal("2000.00"))``).

    >>> sample_policy(WithdrawalKind.RENT, cap_per_month=Decimal("2000.00")).rule(WithdrawalKind.RENT)
    ...     # doctest: +ELLIPSIS
    Rule(documents=(), notice=None, ..., cap_per_month=Decimal('2000.00'), ...)
    """
    return WithdrawalPolicy(
        open_kinds=frozenset({kind}),
        reserve=Decimal("0.00"),
        amount_unit=Decimal("0.01"),
        loan_blocks_closing=False,
        source="example",
        rules=((kind, KINDS[kind].Rule(**rule)),),
    )
