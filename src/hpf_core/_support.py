"""Shared machinery of the services: storing a posting's outcome."""

from __future__ import annotations

from hpf_core.accounts._ledger import DepositAccount, EntryDraft, JournalEntry
from hpf_core.ports import UnitOfWork


def apply_outcome(uow: UnitOfWork, outcome: tuple[DepositAccount, EntryDraft]) -> JournalEntry:
    """Store a posting's account and append its entry; the stored entry comes back. A
    refused posting never gets here: the posting function raised (D-038). Read the account
    again (``uow.accounts.get``) before posting to it a second time in the same unit of
    work, so its version is the stored one."""
    account, draft = outcome
    uow.accounts.save(account)
    return uow.journal.append(draft)
