"""In-memory adapters (内存适配器): real, shipped code for notebooks, demos and tests.

``MemoryStore`` holds the data; each ``MemoryUnitOfWork`` over it takes a lock for its
duration (units of work run one at a time, as if serializable), works on copies, and
publishes them only on ``commit()``.

>>> store = MemoryStore()
>>> with MemoryUnitOfWork(store) as uow:
...     uow.keys.put("k", StoredRequest("op", (), ()))
>>> MemoryUnitOfWork(store).keys.get("k") is None   # not committed: rolled back
True
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Self

import attrs

from hpf_core.accounts._ledger import DepositAccount, EntryDraft, JournalEntry
from hpf_core.errors import InputError, UnknownRecord
from hpf_core.loans import LoanAccount, LoanEntry, LoanEntryDraft
from hpf_core.ports import StoredRequest
from hpf_core.withdrawals._cards import BankCard
from hpf_core.withdrawals._workflow import Application

__all__ = [
    "MemoryAccounts",
    "MemoryApplications",
    "MemoryCards",
    "MemoryIdempotency",
    "MemoryJournal",
    "MemoryLoanJournal",
    "MemoryLoans",
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


class MemoryAccounts:
    """:class:`hpf_core.ports.AccountRepository` over a unit of work's working copy."""

    def __init__(self, data: _Data) -> None:
        self._data = data

    def get(self, account_no: str) -> DepositAccount:
        try:
            return self._data.accounts[account_no]
        except KeyError:
            raise UnknownRecord("account_no", "no such account", account_no) from None

    def add(self, account: DepositAccount) -> None:
        if account.account_no in self._data.accounts:
            raise InputError("account_no", "an account with this number exists", account.account_no)
        if any(a.member.id_number == account.member.id_number for a in self._data.accounts.values()):
            raise InputError("member.id_number", "this member already has an account (Art. 13)")
        self._data.accounts[account.account_no] = account

    def save(self, account: DepositAccount) -> None:
        self.get(account.account_no)
        self._data.accounts[account.account_no] = account

    def by_employer(self, employer_no: str) -> Sequence[DepositAccount]:
        return [a for _, a in sorted(self._data.accounts.items()) if a.employer.employer_no == employer_no]

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

    def add(self, loan: LoanAccount) -> None:
        number = loan.contract.contract_no
        if number in self._data.loans:
            raise InputError("contract_no", "a loan with this contract number exists", number)
        self._data.loans[number] = loan

    def save(self, loan: LoanAccount) -> None:
        self.get(loan.contract.contract_no)
        self._data.loans[loan.contract.contract_no] = loan

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

    def add(self, application: Application) -> None:
        if application.application_id in self._data.applications:
            raise InputError(
                "application_id", "an application with this id exists", application.application_id
            )
        self._data.applications[application.application_id] = application

    def save(self, application: Application) -> None:
        self.get(application.application_id)
        self._data.applications[application.application_id] = application

    def by_member(self, member_id: str) -> Sequence[Application]:
        return [a for a in self._data.applications.values() if a.member_id == member_id]


class MemoryCards:
    """:class:`hpf_core.ports.CardRepository` over a unit of work's working copy."""

    def __init__(self, data: _Data) -> None:
        self._data = data

    def cards_of(self, member_id: str) -> Sequence[BankCard]:
        return self._data.cards.get(member_id, ())

    def replace(self, member_id: str, cards: Sequence[BankCard]) -> None:
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
