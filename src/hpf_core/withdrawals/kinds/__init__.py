"""One module per withdrawal kind (提取类型), all with the same verbs, and their registry.

Each module (``retirement``, ``labor_termination``, ``rent``, ``property_fee``,
``loan_repayment``, ``home_purchase``, ``emigration``, ``death``, ``incapacity``,
``serious_illness``) exposes:

- ``KIND``: its :class:`~hpf_core.withdrawals.WithdrawalKind`;
- ``check(account, facts, policy, on)``: every unmet condition of that kind, as
  ``Violation`` data (the rules shared by all kinds — open, account status, frequency,
  loan block — are :func:`~hpf_core.withdrawals.assess`'s);
- ``cap(account, facts, policy, on)``: the kind's own upper bound on the amount, or None;
- ``documents(policy)``: the categories to upload (档案上传);
- ``notice(policy)``: the kind's 须知, or None.

``policy`` is a :class:`~hpf_core.withdrawals.WithdrawalPolicy`. ``KINDS`` maps every
kind to its module, so callers and tests can iterate over kinds:

>>> len(KINDS), KINDS[WithdrawalKind.RENT].KIND.chinese
(10, '房租提取')
>>> all(module.KIND is kind for kind, module in KINDS.items())
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._policy import WithdrawalNotice, WithdrawalPolicy
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind
from hpf_core.withdrawals.kinds import (
    death,
    emigration,
    home_purchase,
    incapacity,
    labor_termination,
    loan_repayment,
    property_fee,
    rent,
    retirement,
    serious_illness,
)

if TYPE_CHECKING:
    from hpf_core.withdrawals._assess import WithdrawalFacts

__all__ = [
    "KINDS",
    "KindModule",
    "death",
    "emigration",
    "home_purchase",
    "incapacity",
    "labor_termination",
    "loan_repayment",
    "property_fee",
    "rent",
    "retirement",
    "serious_illness",
]


class KindModule(Protocol):
    """What every kind module provides (a module satisfies this protocol)."""

    KIND: WithdrawalKind

    def check(
        self, account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
    ) -> tuple[Violation, ...]: ...

    def cap(
        self, account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
    ) -> Decimal | None: ...

    def documents(self, policy: WithdrawalPolicy) -> tuple[DocumentRequirement, ...]: ...

    def notice(self, policy: WithdrawalPolicy) -> WithdrawalNotice | None: ...


_MODULES: tuple[KindModule, ...] = (
    retirement,
    labor_termination,
    rent,
    property_fee,
    loan_repayment,
    home_purchase,
    emigration,
    death,
    incapacity,
    serious_illness,
)

KINDS: Mapping[WithdrawalKind, KindModule] = MappingProxyType({module.KIND: module for module in _MODULES})
"""Every :class:`WithdrawalKind` and the module that decides it."""
