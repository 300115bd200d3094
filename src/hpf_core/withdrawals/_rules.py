"""A kind's rules at one centre (``[withdrawals.<kind>]``) and the centre's withdrawal
policy (``[withdrawals]``), as records.

Each kind module owns its rules: it declares a ``Rule`` class (a :class:`WithdrawalRule`,
with its own fields made by :func:`flag_key`, :func:`count_key`, :func:`money_key` or
:func:`share_key`) and the ``POLICY_KEYS`` its section accepts. The parser
(:func:`~hpf_core.withdrawals.parse_withdrawal_policy`) reads each key the way its field
says and refuses any other key, naming it (``withdrawals.rent.cap_frist``).

>>> @attrs.frozen(kw_only=True)
... class LiftRule(WithdrawalRule):
...     share_of_cost: Decimal | None = attrs.field(default=None, metadata=share_key())
>>> sorted(policy_keys(LiftRule))
['cap_per_year', 'documents', 'frequency_months', 'must_be_normal', 'notice', 'share_of_cost']
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TypeVar, overload

import attrs

from hpf_core.errors import InputTypeError
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind, WithdrawalNotice

__all__ = [
    "CLOSING_KEYS",
    "PARTIAL_KEYS",
    "PolicyKey",
    "WithdrawalPolicy",
    "WithdrawalRule",
    "count_key",
    "flag_key",
    "money_key",
    "policy_keys",
    "share_key",
]

_KEY = "hpf_policy_key"
R = TypeVar("R", bound="WithdrawalRule")


@attrs.frozen
class PolicyKey:
    """How one rule field is read from a policy file: ``kind`` is ``flag`` (true/false),
    ``count`` (a whole number from ``low``), ``money`` (a quoted decimal or an integer,
    above 0 when ``positive``), ``share`` (a quoted fraction), ``documents`` or ``notice``."""

    kind: str
    low: int = 0
    positive: bool = False


def flag_key() -> Mapping[str, object]:
    """The ``metadata`` of a rule field read as ``true`` / ``false``:
    ``no_hpf_loan: bool = attrs.field(default=False, metadata=flag_key())``."""
    return {_KEY: PolicyKey("flag")}


def count_key(*, low: int = 0) -> Mapping[str, object]:
    """The ``metadata`` of a rule field read as a whole number (of months, of times), at
    least ``low``."""
    return {_KEY: PolicyKey("count", low=low)}


def money_key(*, positive: bool = True) -> Mapping[str, object]:
    """The ``metadata`` of a rule field read as an amount in yuan (a quoted decimal or an
    integer), above 0 when ``positive``, else at least 0."""
    return {_KEY: PolicyKey("money", positive=positive)}


def share_key() -> Mapping[str, object]:
    """The ``metadata`` of a rule field read as a quoted fraction (``"0.2"``)."""
    return {_KEY: PolicyKey("share")}


def policy_keys(rule_type: type[WithdrawalRule]) -> Mapping[str, PolicyKey]:
    """Every field of ``rule_type`` a policy file may set, with how it is read."""
    if not (isinstance(rule_type, type) and attrs.has(rule_type)):
        raise InputTypeError("rule_type", "must be an attrs rule class", type(rule_type).__name__)
    return {f.name: f.metadata[_KEY] for f in attrs.fields(rule_type) if _KEY in f.metadata}


@attrs.frozen(kw_only=True)
class WithdrawalRule:
    """The rules every kind shares at one centre (``[withdrawals.<kind>]``); a kind's own
    ``Rule`` adds its fields. Unset means "no such rule".

    Which keys a kind's section may set is the kind's ``POLICY_KEYS`` (a closing kind takes
    only ``documents`` and ``notice``); the parser refuses the others, so a key under the
    wrong kind cannot be silently ignored.

    >>> WithdrawalRule().frequency_months is None
    True
    """

    documents: tuple[DocumentRequirement, ...] = attrs.field(
        default=(), metadata={_KEY: PolicyKey("documents")}
    )
    """档案上传: the categories to upload, in the order the screen lists them."""
    notice: WithdrawalNotice | None = attrs.field(default=None, metadata={_KEY: PolicyKey("notice")})
    """提取须知, if the centre publishes one."""
    frequency_months: int | None = attrs.field(default=None, metadata=count_key(low=1))
    """At most one withdrawal of this kind every N months (提取频次)."""
    cap_per_year: Decimal | None = attrs.field(default=None, metadata=money_key())
    """The most this kind may pay in one calendar year (自然年), all withdrawals together."""
    must_be_normal: bool = attrs.field(default=False, metadata=flag_key())
    """The account must be 正常: neither sealed (封存) nor frozen in any way (冻结)."""


CLOSING_KEYS = frozenset({"documents", "notice"})
"""The keys a closing kind's section takes."""

PARTIAL_KEYS = CLOSING_KEYS | {"frequency_months", "cap_per_year", "must_be_normal"}
"""The keys every partial kind's section takes (its ``Rule`` may add more)."""

_DEFAULT_RULE = WithdrawalRule()


@attrs.frozen(kw_only=True)
class WithdrawalPolicy:
    """A centre's withdrawal rules (``[withdrawals]``).

    ``reserve`` (留存金额) stays in the account after a partial withdrawal and
    ``amount_unit`` is the unit its 可提取金额 is rounded down to; neither applies to a
    closing withdrawal, which pays the whole balance with closing interest.
    ``loan_blocks_closing`` says an outstanding HPF loan blocks the closing kinds (from
    ``loan_blocks_closing_since`` when given). ``online`` are the kinds the app's
    我要提取 list offers (a subset of ``open_kinds``; the rest are handled at the counter).

    >>> p = WithdrawalPolicy(open_kinds=frozenset(WithdrawalKind), reserve=Decimal("10.00"),
    ...     amount_unit=Decimal("10.00"), loan_blocks_closing=False, source="example")
    >>> p.rule(WithdrawalKind.RENT).frequency_months is None
    True
    """

    open_kinds: frozenset[WithdrawalKind]
    """开放的提取业务 (the ``open`` key)."""
    reserve: Decimal
    amount_unit: Decimal
    loan_blocks_closing: bool
    source: str
    loan_blocks_closing_since: date | None = None
    online: frozenset[WithdrawalKind] = frozenset()
    rules: tuple[tuple[WithdrawalKind, WithdrawalRule], ...] = ()
    """The ``[withdrawals.<kind>]`` tables, in file order; see :meth:`rule`."""
    document_max_bytes: int | None = None
    """The largest uploaded file (档案上传) a document store takes, in bytes (None: not set)."""
    document_max_files: int | None = None
    """The most files one application may hold in a document store (None: not set)."""

    def is_open(self, kind: WithdrawalKind) -> bool:
        """Whether the centre accepts this kind at all."""
        return kind in self.open_kinds

    @overload
    def rule(self, kind: WithdrawalKind) -> WithdrawalRule: ...

    @overload
    def rule(self, kind: WithdrawalKind, rule_type: type[R]) -> R: ...

    def rule(self, kind: WithdrawalKind, rule_type: type[WithdrawalRule] = WithdrawalRule) -> WithdrawalRule:
        """The kind's rules; a kind without a table has none (``rule_type()``).

        With ``rule_type`` (the kind's ``Rule``) the rules come as that class, so a kind
        reads its own fields: ``policy.rule(WithdrawalKind.RENT, rent.Rule).cap_per_month``.
        A rule stored as a base :class:`WithdrawalRule` is widened with the kind's defaults.
        """
        found = _DEFAULT_RULE
        for known, rule in self.rules:
            if known is kind:
                found = rule
                break
        if isinstance(found, rule_type):
            return found
        shared = {f.name: getattr(found, f.name) for f in attrs.fields(WithdrawalRule)}
        return rule_type(**shared)

    def loan_blocks_closing_on(self, on: date) -> bool:
        """Whether an outstanding HPF loan blocks a closing withdrawal applied for ``on``."""
        if not self.loan_blocks_closing:
            return False
        return self.loan_blocks_closing_since is None or on >= self.loan_blocks_closing_since
