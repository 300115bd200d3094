"""Shared machinery of the services: idempotent execution and turning refusals into errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from hpf_core.accounts._ledger import DepositAccount, EntryDraft, JournalEntry, check_key
from hpf_core.errors import IdempotencyConflict, Refused, Violation, refusal
from hpf_core.ports import StoredRequest, UnitOfWork


def refuse(violations: Sequence[Violation]) -> Refused:
    """The error for a refusal (kept for the services; the table is ``errors.refusal``)."""
    return refusal(violations)


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


def apply_outcome(uow: UnitOfWork, outcome: tuple[DepositAccount, EntryDraft]) -> JournalEntry:
    """Store a posting's account and append its entry; the stored entry comes back. A
    refused posting never gets here: the posting function raised (D-038). Read the account
    again (``uow.accounts.get``) before posting to it a second time in the same unit of
    work, so its version is the stored one."""
    account, draft = outcome
    uow.accounts.save(account)
    return uow.journal.append(draft)
