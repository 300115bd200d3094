"""One module per withdrawal kind (提取类型), all with the same names, and their registry.

Each module (``retirement``, ``labor_termination``, ``rent``, ``property_fee``,
``loan_repayment``, ``home_purchase``, ``emigration``, ``death``, ``incapacity``,
``serious_illness``) is a ``hpf_core.ports.KindModule``: it owns its data and its rules.

- ``KIND``: its :class:`~hpf_core.withdrawals.WithdrawalKind`;
- ``FACTS``: the :class:`~hpf_core.withdrawals.WithdrawalFacts` fields it reads (a kind
  registered from outside hpf names its own facts ``extra.<name>``: it reads them from
  ``facts.extra``);
- ``Rule`` and ``POLICY_KEYS``: its rules at a centre (a
  :class:`~hpf_core.withdrawals.WithdrawalRule`) and the keys its ``[withdrawals.<kind>]``
  section takes — the parser reads each the way its ``Rule`` field says and refuses any
  other key;
- ``DOCUMENTS``: the document categories it asks for when a centre's section lists none;
- ``check(account, facts, policy, on)``: every unmet condition of that kind, as
  ``Violation`` data (the rules shared by all kinds — open, account status, frequency,
  loan block — are :func:`~hpf_core.withdrawals.assess`'s);
- ``cap(account, facts, policy, on)``: the kind's own upper bound on the amount, or None.

``KINDS`` maps every registered kind to its module. A centre's own kind is one module
(its ``KIND`` made with :meth:`WithdrawalKind.define
<hpf_core.withdrawals.WithdrawalKind.define>`) passed to :func:`register_kind`; nothing
else in hpf changes:

>>> len(KINDS), KINDS[WithdrawalKind.RENT].KIND.chinese
(10, '房租提取')
>>> all(module.KIND is kind for kind, module in KINDS.items())
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, cast

import attrs

from hpf_core.errors import InputError
from hpf_core.withdrawals._rules import WithdrawalRule, policy_keys
from hpf_core.withdrawals._types import (
    DocumentRequirement,
    WithdrawalFacts,
    WithdrawalKind,
    admit,
    is_shipped,
    retire,
)
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
    from hpf_core.ports import KindModule

__all__ = [
    "KINDS",
    "death",
    "emigration",
    "home_purchase",
    "incapacity",
    "labor_termination",
    "loan_repayment",
    "property_fee",
    "register_kind",
    "rent",
    "retirement",
    "serious_illness",
    "unregister_kind",
]


_REGISTRY: dict[WithdrawalKind, KindModule] = {}

KINDS: Mapping[WithdrawalKind, KindModule] = MappingProxyType(_REGISTRY)
"""Every registered :class:`WithdrawalKind` and the module that decides it (a read-only
live view: :func:`register_kind` and :func:`unregister_kind` change it)."""

_FACT_FIELDS = frozenset(f.name for f in attrs.fields(WithdrawalFacts))


def _problem(name: str, reason: str, value: object = None) -> InputError:
    return InputError(name, reason, value)


def _is_extra(name: str) -> bool:
    prefix, _, rest = name.partition(".")
    return prefix == "extra" and rest.isidentifier()


def _check_module(module: KindModule | ModuleType) -> None:
    kind = getattr(module, "KIND", None)
    if not isinstance(kind, WithdrawalKind):
        raise _problem("KIND", "must be a WithdrawalKind (WithdrawalKind.define(...))", kind)
    facts = getattr(module, "FACTS", None)
    if not isinstance(facts, frozenset) or not all(isinstance(f, str) for f in facts):
        raise _problem("FACTS", "must be a frozenset of WithdrawalFacts field names", facts)
    unknown = sorted(f for f in facts if f not in _FACT_FIELDS and not _is_extra(f))
    if unknown:
        names = ", ".join(unknown)
        raise _problem("FACTS", f"names neither a WithdrawalFacts field nor extra.<name>: {names}", facts)
    rule = getattr(module, "Rule", None)
    if not isinstance(rule, type) or not issubclass(rule, WithdrawalRule):
        raise _problem("Rule", "must be WithdrawalRule or an attrs subclass of it", rule)
    keys = getattr(module, "POLICY_KEYS", None)
    if not isinstance(keys, frozenset):
        raise _problem("POLICY_KEYS", "must be a frozenset of the Rule's field names", keys)
    unreadable = sorted(keys - set(policy_keys(rule)))
    if unreadable:
        raise _problem(
            "POLICY_KEYS", f"names no policy field of Rule: {', '.join(map(str, unreadable))}", keys
        )
    documents = getattr(module, "DOCUMENTS", None)
    if not isinstance(documents, tuple) or not all(isinstance(d, DocumentRequirement) for d in documents):
        raise _problem("DOCUMENTS", "must be a tuple of DocumentRequirement", documents)
    for name in ("check", "cap"):
        function: Callable[..., object] | None = getattr(module, name, None)
        if not callable(function):
            raise _problem(name, "must be a function (account, facts, policy, on)", function)


def register_kind(module: KindModule | ModuleType) -> WithdrawalKind:
    """Add a kind module to :data:`KINDS`, so that ``assess``, the policy parser and the
    workflow know its kind, and return the kind.

    The module is checked (``InputError`` naming the attribute): ``KIND`` a kind not
    registered yet, ``FACTS`` fields of :class:`WithdrawalFacts`, ``Rule`` a
    :class:`WithdrawalRule`, ``POLICY_KEYS`` fields of ``Rule`` a policy may set,
    ``DOCUMENTS`` requirements, ``check`` and ``cap`` functions. A defined kind becomes
    known by its value (``WithdrawalKind("lift-install")``) until :func:`unregister_kind`.
    """
    _check_module(module)
    checked = cast("KindModule", module)
    kind = checked.KIND
    if kind in _REGISTRY or kind.value in {k.value for k in _REGISTRY}:
        raise _problem("KIND", "is already registered", kind.value)
    _REGISTRY[kind] = checked
    if not is_shipped(kind):
        admit(kind)
    return kind


def unregister_kind(kind: WithdrawalKind) -> None:
    """Remove a defined kind's module from :data:`KINDS`; its value is no longer known.
    The ten shipped kinds cannot be removed (``InputError``)."""
    if not isinstance(kind, WithdrawalKind) or kind not in _REGISTRY:
        raise _problem("kind", "is not a registered withdrawal kind", kind)
    if is_shipped(kind):
        raise _problem("kind", "is shipped with hpf and cannot be unregistered", kind.value)
    del _REGISTRY[kind]
    retire(kind)


for _module in (
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
):
    register_kind(_module)
