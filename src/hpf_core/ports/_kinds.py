"""The plug-in port of the withdrawal rules: the shape of a withdrawal kind module.

A kind module (``hpf_core.withdrawals.kinds.rent`` and the others, or a centre's own kind
registered with ``hpf_core.withdrawals.register_kind``) owns its facts, its policy keys, its
documents and its rules. It is implemented by modules, not adapters, but it is the seam a
centre extends the core through, so its contract is here with the other ports and
``tests/contract/test_kind_module.py`` runs it against every registered kind.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from hpf_core.accounts import DepositAccount
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import WithdrawalPolicy, WithdrawalRule
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind

__all__ = ["KindModule"]


class KindModule(Protocol):
    """What every kind module provides (a module satisfies this protocol).

    ``KIND`` is the kind it decides; ``FACTS`` the ``WithdrawalFacts`` fields it reads
    (``extra.<name>`` for facts hpf does not know); ``POLICY_KEYS`` the keys its policy section
    takes (``CLOSING_KEYS`` or ``PARTIAL_KEYS`` plus its ``Rule``'s own); ``DOCUMENTS`` the
    categories asked for when the centre lists none; ``Rule`` its rule class (a
    ``WithdrawalRule``). ``check`` returns every reason the kind refuses (the ``Assessment``
    lists them; an empty tuple when eligible) and ``cap`` the most the kind allows, or
    ``None`` for no cap of its own. Both are pure and take the policy already parsed.
    """

    KIND: WithdrawalKind
    FACTS: frozenset[str]
    POLICY_KEYS: frozenset[str]
    DOCUMENTS: tuple[DocumentRequirement, ...]

    @property
    def Rule(self) -> type[WithdrawalRule]: ...  # noqa: N802 - the module's class

    def check(
        self, account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
    ) -> tuple[Violation, ...]: ...

    def cap(
        self, account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
    ) -> Decimal | None: ...
