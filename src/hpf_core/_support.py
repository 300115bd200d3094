"""Shared machinery of the services: idempotent execution and turning refusals into errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from hpf_core.accounts._ledger import DepositAccount, EntryDraft, JournalEntry, check_key
from hpf_core.errors import (
    FourEyesViolation,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidTransition,
    Refused,
    Violation,
)
from hpf_core.ports import StoredRequest, UnitOfWork

_STATE_VIOLATIONS = {
    "closed",
    "sealed",
    "frozen",
    "already_frozen",
    "not_frozen",
    "already_sealed",
    "not_sealed",
    "other_status",
    "balance_not_zero",
    "invalid_transition",
    "settled",
}


def refuse(violations: Sequence[Violation]) -> Refused:
    """The error for a refusal: the most specific class its violations call for."""
    codes = {v.code for v in violations}
    if "insufficient_funds" in codes:
        return InsufficientFunds(violations)
    if "four_eyes" in codes:
        return FourEyesViolation(violations)
    if codes & _STATE_VIOLATIONS:
        return InvalidTransition(violations)
    return Refused(violations)


def once(
    uow: UnitOfWork,
    key: str,
    operation: str,
    params: Mapping[str, object],
    work: Callable[[], tuple[str, ...]],
) -> tuple[str, ...]:
    """Run ``work`` once per key (inside the caller's unit of work), committing with it."""
    check_key(key)
    fingerprint = tuple((name, str(value)) for name, value in params.items())
    stored = uow.keys.get(key)
    if stored is not None:
        if stored.operation != operation:
            raise IdempotencyConflict("key", f"was used for {stored.operation}, not {operation}", key)
        for (name, first), (_, now) in zip(stored.params, fingerprint, strict=True):
            if first != now:
                raise IdempotencyConflict(
                    name, f"differs from the first request with this key ({first})", now
                )
        return stored.result
    result = work()
    uow.keys.put(key, StoredRequest(operation, fingerprint, result))
    uow.commit()
    return result


def apply_outcome(
    uow: UnitOfWork, outcome: tuple[DepositAccount, EntryDraft] | tuple[Violation, ...]
) -> JournalEntry:
    if len(outcome) == 2 and isinstance(outcome[0], DepositAccount):
        account, draft = outcome
        assert isinstance(draft, EntryDraft)
        uow.accounts.save(account)
        return uow.journal.append(draft)
    raise refuse([v for v in outcome if isinstance(v, Violation)])
