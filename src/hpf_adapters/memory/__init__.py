"""In-memory adapters (内存适配器): real, shipped code for notebooks, demos and tests.

``MemoryStore`` holds the data; each ``MemoryUnitOfWork`` over it takes a lock for its
duration (units of work run one at a time, as if serializable), works on copies, and
publishes them only on ``commit()``. Versioned records are saved by compare-and-set
(``ConcurrentUpdate`` for a stale version), as a database adapter does.

>>> store = MemoryStore()
>>> with MemoryUnitOfWork(store) as uow:
...     uow.keys.put("k", StoredRequest("op", (), ()))
>>> MemoryUnitOfWork(store).keys.get("k") is None   # not committed: rolled back
True
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from types import TracebackType
from typing import Self

import attrs

from hpf_adapters.memory._members import MemoryCredentials, MemoryMembers, MemorySessions
from hpf_adapters.memory._records import MemoryAudit, MemoryDocuments, MemoryOutbox
from hpf_adapters.memory._versions import next_version as _next_version
from hpf_core.accounts import ContributionRounding, DepositAccount, EntryDraft, JournalEntry
from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord
from hpf_core.loans import LoanAccount, LoanEntry, LoanEntryDraft
from hpf_core.members import Credentials, Session
from hpf_core.ports import AuditEvent, MemberRecord, Notification, StoredDocument, StoredRequest
from hpf_core.withdrawals import Application, BankCard

__all__ = [
    "MemoryAccounts",
    "MemoryApplications",
    "MemoryAudit",
    "MemoryCards",
    "MemoryCredentials",
    "MemoryDocuments",
    "MemoryIdempotency",
    "MemoryJournal",
    "MemoryLoanJournal",
    "MemoryLoans",
    "MemoryMembers",
    "MemoryOutbox",
    "MemorySessions",
    "MemoryStore",
    "MemoryUnitOfWork",
]


@attrs.define
class _Data:
    accounts: dict[str, DepositAccount] = attrs.Factory(dict)
    entries: list[JournalEntry] = attrs.Factory(list)
    keys: dict[str, StoredRequest] = attrs.Factory(dict)
    loans: dict[str, LoanAccount] = attrs.Factory(dict)
    loan_entries: list[LoanEntry] = attrs.Factory(list)
    applications: dict[str, Application] = attrs.Factory(dict)
    cards: dict[str, tuple[BankCard, ...]] = attrs.Factory(dict)
    members: dict[str, MemberRecord] = attrs.Factory(dict)
    credentials: dict[str, Credentials] = attrs.Factory(dict)
    sessions: dict[str, Session] = attrs.Factory(dict)
    outbox: list[Notification] = attrs.Factory(list)
    documents: list[StoredDocument] = attrs.Factory(list)
    blobs: dict[str, bytes] = attrs.Factory(dict)
    audit: list[AuditEvent] = attrs.Factory(list)

    def copy(self) -> _Data:
        # records are immutable, so shallow copies are snapshots
        return _Data(
            dict(self.accounts),
            list(self.entries),
            dict(self.keys),
            dict(self.loans),
            list(self.loan_entries),
            dict(self.applications),
            dict(self.cards),
            dict(self.members),
            dict(self.credentials),
            dict(self.sessions),
            list(self.outbox),
            list(self.documents),
            dict(self.blobs),
            list(self.audit),
        )


class MemoryStore:
    """The data every unit of work over it shares."""

    def __init__(self) -> None:
        self._data = _Data()
        self._lock = threading.RLock()

    @property
    def entries(self) -> tuple[JournalEntry, ...]:
        """Every committed journal entry, in order (an inspection helper)."""
        return tuple(self._data.entries)

    @property
    def accounts(self) -> tuple[DepositAccount, ...]:
        """Every committed account (an inspection helper)."""
        return tuple(self._data.accounts.values())

    @property
    def loans(self) -> tuple[LoanAccount, ...]:
        """Every committed loan (an inspection helper)."""
        return tuple(self._data.loans.values())

    @property
    def applications(self) -> tuple[Application, ...]:
        """Every committed withdrawal application (an inspection helper)."""
        return tuple(self._data.applications.values())

    @property
    def loan_entries(self) -> tuple[LoanEntry, ...]:
        """Every committed loan journal entry, in order (an inspection helper)."""
        return tuple(self._data.loan_entries)

    @property
    def notifications(self) -> tuple[Notification, ...]:
        """Every committed notification, sent or not, in order (an inspection helper)."""
        return tuple(self._data.outbox)

    @property
    def audit_events(self) -> tuple[AuditEvent, ...]:
        """Every committed audit event, in order (an inspection helper)."""
        return tuple(self._data.audit)

    def unit_of_work(self) -> MemoryUnitOfWork:
        """A new unit of work over this store (what ``hpf_adapters.wiring`` hands out)."""
        return MemoryUnitOfWork(self)


class MemoryAccounts:
    """:class:`hpf_core.ports.AccountRepository` over a unit of work's working copy."""

    def __init__(self, data: _Data) -> None:
        self._data = data

    def get(self, account_no: str) -> DepositAccount:
        try:
            return self._data.accounts[account_no]
        except KeyError:
            raise UnknownRecord("account_no", "no such account", account_no) from None

    def add(self, account: DepositAccount) -> DepositAccount:
        if account.account_no in self._data.accounts:
            raise InputError("account_no", "an account with this number exists", account.account_no)
        if any(a.member.id_number == account.member.id_number for a in self._data.accounts.values()):
            raise InputError("member.id_number", "this member already has an account (Art. 13)")
        stored = attrs.evolve(account, version=0)
        self._data.accounts[account.account_no] = stored
        return stored

    def save(self, account: DepositAccount) -> DepositAccount:
        stored = _next_version(self.get(account.account_no), account, "account_no", account.account_no)
        self._data.accounts[account.account_no] = stored
        return stored

    def save_many(self, accounts: Sequence[DepositAccount]) -> Sequence[DepositAccount]:
        return [self.save(account) for account in accounts]

    def by_employer(self, employer_no: str) -> Sequence[DepositAccount]:
        return [a for _, a in sorted(self._data.accounts.items()) if a.employer.employer_no == employer_no]

    def remit_in_store(
        self, employer_no: str, *, month: date, value_date: date, rounding: ContributionRounding, key: str
    ) -> Sequence[JournalEntry] | None:
        """Not offered: the core posts (the store has nothing faster to do)."""
        return None

    def numbers(self) -> Sequence[str]:
        return sorted(self._data.accounts)


class MemoryJournal:
    """:class:`hpf_core.ports.JournalRepository`: append-only, ids ``E`` + sequence."""

    def __init__(self, data: _Data) -> None:
        self._data = data

    def append(self, draft: EntryDraft) -> JournalEntry:
        sequence = len(self._data.entries) + 1
        entry = JournalEntry(
            f"E{sequence:09d}",
            sequence,
            draft.account_no,
            draft.kind,
            draft.amount,
            draft.value_date,
            draft.key,
            draft.month,
            draft.interest_year,
            draft.reverses,
            draft.memo,
        )
        self._data.entries.append(entry)
        return entry

    def append_many(self, drafts: Sequence[EntryDraft]) -> Sequence[JournalEntry]:
        return [self.append(draft) for draft in drafts]

    def get(self, entry_id: str) -> JournalEntry:
        for entry in self._data.entries:
            if entry.entry_id == entry_id:
                return entry
        raise UnknownRecord("entry_id", "no such journal entry", entry_id)

    def entries(self, account_no: str) -> Sequence[JournalEntry]:
        return [e for e in self._data.entries if e.account_no == account_no]

    def reversal_of(self, entry_id: str) -> JournalEntry | None:
        return next((e for e in self._data.entries if e.reverses == entry_id), None)


class MemoryLoans:
    """:class:`hpf_core.ports.LoanRepository` over a unit of work's working copy."""

    def __init__(self, data: _Data) -> None:
        self._data = data

    def get(self, contract_no: str) -> LoanAccount:
        try:
            return self._data.loans[contract_no]
        except KeyError:
            raise UnknownRecord("contract_no", "no such loan", contract_no) from None

    def add(self, loan: LoanAccount) -> LoanAccount:
        number = loan.contract.contract_no
        if number in self._data.loans:
            raise InputError("contract_no", "a loan with this contract number exists", number)
        stored = attrs.evolve(loan, version=0)
        self._data.loans[number] = stored
        return stored

    def save(self, loan: LoanAccount) -> LoanAccount:
        number = loan.contract.contract_no
        stored = _next_version(self.get(number), loan, "contract_no", number)
        self._data.loans[number] = stored
        return stored

    def numbers(self) -> Sequence[str]:
        return sorted(self._data.loans)


class MemoryLoanJournal:
    """:class:`hpf_core.ports.LoanJournal`: append-only, ids ``L`` + sequence."""

    def __init__(self, data: _Data) -> None:
        self._data = data

    def append(self, draft: LoanEntryDraft) -> LoanEntry:
        entry = draft.stored(f"L{len(self._data.loan_entries) + 1:09d}")
        self._data.loan_entries.append(entry)
        return entry

    def entries(self, contract_no: str) -> Sequence[LoanEntry]:
        return [e for e in self._data.loan_entries if e.contract_no == contract_no]


class MemoryApplications:
    """:class:`hpf_core.ports.ApplicationRepository` over a unit of work's working copy."""

    def __init__(self, data: _Data) -> None:
        self._data = data

    def get(self, application_id: str) -> Application:
        try:
            return self._data.applications[application_id]
        except KeyError:
            raise UnknownRecord("application_id", "no such application", application_id) from None

    def add(self, application: Application) -> Application:
        if application.application_id in self._data.applications:
            raise InputError(
                "application_id", "an application with this id exists", application.application_id
            )
        stored = attrs.evolve(application, version=0)
        self._data.applications[application.application_id] = stored
        return stored

    def save(self, application: Application) -> Application:
        number = application.application_id
        stored = _next_version(self.get(number), application, "application_id", number)
        self._data.applications[number] = stored
        return stored

    def by_member(self, member_id: str) -> Sequence[Application]:
        return [a for a in self._data.applications.values() if a.member_id == member_id]


class MemoryCards:
    """:class:`hpf_core.ports.CardRepository` over a unit of work's working copy."""

    def __init__(self, data: _Data) -> None:
        self._data = data

    def cards_of(self, member_id: str) -> Sequence[BankCard]:
        return self._data.cards.get(member_id, ())

    def add(self, card: BankCard) -> None:
        held = self._data.cards.get(card.member_id, ())
        if any(c.number == card.number for c in held):
            raise InputError("number", "the member already has this card")
        self._data.cards[card.member_id] = (*held, card)

    def remove(self, member_id: str, number: str) -> None:
        held = self._data.cards.get(member_id, ())
        kept = tuple(c for c in held if c.number != number)
        if len(kept) == len(held):
            raise UnknownRecord("number", "the member has no such card")
        self._data.cards[member_id] = kept

    def replace(
        self, member_id: str, cards: Sequence[BankCard], *, expected: Sequence[BankCard] | None = None
    ) -> None:
        if expected is not None and tuple(expected) != self._data.cards.get(member_id, ()):
            raise ConcurrentUpdate("cards", "the member's cards were changed by another request", member_id)
        self._data.cards[member_id] = tuple(cards)


class MemoryIdempotency:
    """:class:`hpf_core.ports.IdempotencyStore`."""

    def __init__(self, data: _Data) -> None:
        self._data = data

    def get(self, key: str) -> StoredRequest | None:
        return self._data.keys.get(key)

    def put(self, key: str, request: StoredRequest) -> None:
        self._data.keys[key] = request


class MemoryUnitOfWork:
    """:class:`hpf_core.ports.UnitOfWork` over a :class:`MemoryStore`."""

    accounts: MemoryAccounts
    journal: MemoryJournal
    keys: MemoryIdempotency
    loans: MemoryLoans
    loan_journal: MemoryLoanJournal
    applications: MemoryApplications
    cards: MemoryCards
    members: MemoryMembers
    credentials: MemoryCredentials
    sessions: MemorySessions
    outbox: MemoryOutbox
    documents: MemoryDocuments
    audit: MemoryAudit

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._begin()

    def _begin(self) -> None:
        self._work = self._store._data.copy()
        self.accounts = MemoryAccounts(self._work)
        self.journal = MemoryJournal(self._work)
        self.keys = MemoryIdempotency(self._work)
        self.loans = MemoryLoans(self._work)
        self.loan_journal = MemoryLoanJournal(self._work)
        self.applications = MemoryApplications(self._work)
        self.cards = MemoryCards(self._work)
        self.members = MemoryMembers(self._work.members)
        self.credentials = MemoryCredentials(self._work.credentials)
        self.sessions = MemorySessions(self._work.sessions)
        self.outbox = MemoryOutbox(self._work.outbox)
        self.documents = MemoryDocuments(self._work.documents, self._work.blobs)
        self.audit = MemoryAudit(self._work.audit)

    def __enter__(self) -> Self:
        self._store._lock.acquire()
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._store._lock.release()

    def commit(self) -> None:
        self._store._data = self._work
        self._begin()

    def rollback(self) -> None:
        self._begin()
