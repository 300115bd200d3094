"""Ports (端口): the small protocols the services call and the adapters implement.

Every port has an in-memory adapter shipped as library code (``hpf_adapters.memory``),
and one contract suite runs against every adapter of a port (``tests/contract``). Every
``Protocol`` of the core is here: the repositories and the unit of work below, the member
ports (``_members``), the code ports (``_codes``), the outbox, document and audit ports
(``_records``) and the withdrawal-kind plug-in (``_kinds``), all importable as ``hpf_core.ports.X``.

Versioned records (``DepositAccount``, ``LoanAccount``, ``Application``, ``Credentials``,
``MemberRecord``) are saved by compare-and-set: ``add`` stores version 0, ``save`` raises
``ConcurrentUpdate`` unless the record's ``version`` is the stored one, stores it as
``version + 1`` and returns the stored record — save that one if it changes again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self

import attrs

from hpf_core.accounts._contribution import ContributionRounding
from hpf_core.accounts._ledger import DepositAccount, EntryDraft, JournalEntry
from hpf_core.loans._loan_records import LoanAccount
from hpf_core.loans._loan_views import LoanEntry, LoanEntryDraft
from hpf_core.members._records import SendLimit, SendReservation
from hpf_core.ports._codes import CodeSource, SmsGateway, VerificationCodeStore
from hpf_core.ports._kinds import KindModule
from hpf_core.ports._members import (
    CredentialRepository,
    IdentityVerifier,
    MemberRecord,
    MemberRepository,
    PasswordHasher,
    SessionRepository,
    TokenSource,
)
from hpf_core.ports._records import (
    AuditEvent,
    AuditLog,
    DocumentStore,
    Notification,
    NotificationOutbox,
    StoredDocument,
    content_hash,
)
from hpf_core.withdrawals._application import Application
from hpf_core.withdrawals._cards import BankCard

__all__ = [
    "AccountRepository",
    "ApplicationRepository",
    "AuditEvent",
    "AuditLog",
    "BankDebit",
    "CardRepository",
    "CodeSource",
    "CredentialRepository",
    "DocumentStore",
    "IdempotencyStore",
    "IdentityVerifier",
    "JournalRepository",
    "KindModule",
    "LoanJournal",
    "LoanRepository",
    "MemberRecord",
    "MemberRepository",
    "Notification",
    "NotificationOutbox",
    "PasswordHasher",
    "PaymentChannel",
    "PaymentReceipt",
    "SendLimit",
    "SendReservation",
    "SessionRepository",
    "SmsGateway",
    "StoredDocument",
    "StoredRequest",
    "TokenSource",
    "UnitOfWork",
    "VerificationCodeStore",
    "content_hash",
]


@attrs.frozen
class StoredRequest:
    """What an idempotency key was first used for, and what it produced."""

    operation: str
    params: tuple[tuple[str, str], ...]
    result: tuple[str, ...]
    """The ids of the journal entries (or records) the first request made."""


class AccountRepository(Protocol):
    """Deposit accounts by account number."""

    def get(self, account_no: str) -> DepositAccount:
        """The account; ``UnknownRecord`` if there is none."""
        ...

    def add(self, account: DepositAccount) -> DepositAccount:
        """Store a new account as version 0 and return it; ``InputError`` if the number or
        the member's ID is taken."""
        ...

    def save(self, account: DepositAccount) -> DepositAccount:
        """Compare-and-set: store the changed account and return it as stored (version + 1);
        ``ConcurrentUpdate`` if ``account.version`` is not the stored version;
        ``UnknownRecord`` if there is no such account."""
        ...

    def save_many(self, accounts: Sequence[DepositAccount]) -> Sequence[DepositAccount]:
        """:meth:`save` of each account (distinct numbers) in one call, which an adapter may
        send as one batch; the stored records come back in order. On ``ConcurrentUpdate`` or
        ``UnknownRecord`` some may have been written: the caller's unit of work is then
        rolled back, as after a failing :meth:`save`."""
        ...

    def by_employer(self, employer_no: str) -> Sequence[DepositAccount]:
        """The employer's accounts, by account number."""
        ...

    def remit_in_store(
        self, employer_no: str, *, month: date, value_date: date, rounding: ContributionRounding, key: str
    ) -> Sequence[JournalEntry] | None:
        """汇缴 of the employer's accounts done by the store itself (D-078), offered only
        when it can vouch for every one of them: each account either credited what
        :func:`hpf_core.accounts.remit_month` would credit it (its monthly deposit under
        ``rounding``, journal key ``f"{key}/{account_no}"``) and stored as the core would
        store it, or passed over (closed, sealed); the appended entries in account order.
        None when it does not — no such capability, a rounding it does not compute, an
        account whose posting the core must decide, no account at all — and then nothing
        was written: the caller posts through the core. It joins the caller's unit of
        work and touches neither its idempotency key nor its audit."""
        ...

    def numbers(self) -> Sequence[str]:
        """Every account number, sorted."""
        ...


class JournalRepository(Protocol):
    """The append-only journal."""

    def append(self, draft: EntryDraft) -> JournalEntry:
        """Give the draft its id and sequence number and store it. There is no update or delete."""
        ...

    def append_many(self, drafts: Sequence[EntryDraft]) -> Sequence[JournalEntry]:
        """:meth:`append` of each draft in order, in one call (an adapter may send one
        batch); the stored entries come back in the drafts' order, numbered as successive
        appends would be."""
        ...

    def get(self, entry_id: str) -> JournalEntry:
        """One entry; ``UnknownRecord`` if there is none."""
        ...

    def entries(self, account_no: str) -> Sequence[JournalEntry]:
        """An account's entries in posting order."""
        ...

    def reversal_of(self, entry_id: str) -> JournalEntry | None:
        """The entry that reverses ``entry_id``, if any."""
        ...


class LoanRepository(Protocol):
    """Loan accounts by contract number."""

    def get(self, contract_no: str) -> LoanAccount:
        """The loan; ``UnknownRecord`` if there is none."""
        ...

    def add(self, loan: LoanAccount) -> LoanAccount:
        """Store a new loan as version 0 and return it; ``InputError`` if the contract
        number is taken."""
        ...

    def save(self, loan: LoanAccount) -> LoanAccount:
        """Compare-and-set: store the changed loan and return it as stored (version + 1);
        ``ConcurrentUpdate`` if ``loan.version`` is not the stored version;
        ``UnknownRecord`` if there is no such loan."""
        ...

    def numbers(self) -> Sequence[str]:
        """Every contract number, sorted."""
        ...


class LoanJournal(Protocol):
    """The append-only loan journal (贷款流水), shaped like the deposit journal."""

    def append(self, draft: LoanEntryDraft) -> LoanEntry:
        """Give the draft its id (unique, increasing in posting order), store it and return
        the stored entry. There is no update or delete."""
        ...

    def entries(self, contract_no: str) -> Sequence[LoanEntry]:
        """A loan's entries in posting order."""
        ...


class BankDebit(Protocol):
    """Debiting a borrower's repayment bank card (银行卡扣款) for a loan instalment.

    Contract:

    - ``debit`` asks the bank to take ``amount`` (fen-exact, above 0) from the loan's
      repayment card and returns ``True`` if the money was taken, ``False`` if the bank
      declined (insufficient funds, a blocked card): a decline is an answer, not an error.
    - It is idempotent per ``debit_id``: a repeated call with the same id returns the first
      answer and never debits twice, so a service may retry after a lost reply. The same
      id with another contract or amount is an ``IdempotencyConflict``.
    - A failure to get an answer raises (``PaymentTimeout``); the caller retries with the
      same id.
    """

    def debit(self, *, debit_id: str, contract_no: str, amount: Decimal, card_number: str = "") -> bool:
        """Take ``amount`` for loan ``contract_no`` from ``card_number`` (the loan's 还款卡号;
        '' when the loan has none recorded and the bank knows the card by the contract);
        ``True`` if debited (see the contract)."""
        ...


class ApplicationRepository(Protocol):
    """Withdrawal applications (提取申请)."""

    def get(self, application_id: str) -> Application:
        """One application; ``UnknownRecord`` if there is none."""
        ...

    def add(self, application: Application) -> Application:
        """Store a new application as version 0 and return it; ``InputError`` if the id is
        taken."""
        ...

    def save(self, application: Application) -> Application:
        """Compare-and-set: store the changed application and return it as stored
        (version + 1); ``ConcurrentUpdate`` if ``application.version`` is not the stored
        version; ``UnknownRecord`` if there is no such application."""
        ...

    def by_member(self, member_id: str) -> Sequence[Application]:
        """A member's applications, oldest first."""
        ...


class CardRepository(Protocol):
    """Members' bank cards (银行卡). ``add`` and ``remove`` change one card each, so two
    requests changing different cards both take effect; ``replace`` is compare-and-set
    on the whole list when given the list it was computed from."""

    def cards_of(self, member_id: str) -> Sequence[BankCard]:
        """A member's cards, in the order added."""
        ...

    def add(self, card: BankCard) -> None:
        """Add one card at the end of its member's list; ``InputError`` if the member
        already has a card with that number."""
        ...

    def remove(self, member_id: str, number: str) -> None:
        """Remove one of the member's cards; ``UnknownRecord`` if the member has no card
        with that number."""
        ...

    def replace(
        self, member_id: str, cards: Sequence[BankCard], *, expected: Sequence[BankCard] | None = None
    ) -> None:
        """Store a member's cards. With ``expected`` (the list the new one was computed
        from), ``ConcurrentUpdate`` if the stored list is no longer that one."""
        ...


class IdempotencyStore(Protocol):
    """Idempotency keys and what they were first used for."""

    def get(self, key: str) -> StoredRequest | None:
        """The stored request, or None for a new key."""
        ...

    def put(self, key: str, request: StoredRequest) -> None:
        """Remember a key; it is committed with the work it guards."""
        ...


@attrs.frozen
class PaymentReceipt:
    """A channel's confirmation that ``payment_id`` was paid (or had been, on a retry)."""

    payment_id: str
    reference: str
    """The channel's own reference (银行流水号)."""
    card_number: str = attrs.field(repr=False)
    amount: Decimal = attrs.field()


class PaymentChannel(Protocol):
    """Pays money to a member's bank card (支付通道).

    A channel pays each ``payment_id`` at most once: a retry with the same id returns the
    first receipt (and refuses the same id with a different card or amount). It raises
    ``PaymentTimeout`` when it cannot tell whether it paid, and ``PaymentRejected`` when
    it refused for good.
    """

    def transfer(self, *, payment_id: str, card_number: str, amount: Decimal, memo: str) -> PaymentReceipt:
        """Pay ``amount`` to ``card_number``."""
        ...


class UnitOfWork(Protocol):
    """One atomic piece of work: everything or nothing.

    Used as ``with uow: ...; uow.commit()``; leaving the block without ``commit()``, or
    by an exception, rolls every change back.
    """

    @property
    def accounts(self) -> AccountRepository:
        """The accounts, as this unit of work sees them."""
        ...

    @property
    def journal(self) -> JournalRepository:
        """The journal, as this unit of work sees it."""
        ...

    @property
    def loans(self) -> LoanRepository:
        """The loans, as this unit of work sees them."""
        ...

    @property
    def loan_journal(self) -> LoanJournal:
        """The loan journal, as this unit of work sees it."""
        ...

    @property
    def applications(self) -> ApplicationRepository:
        """Withdrawal applications, as this unit of work sees them."""
        ...

    @property
    def cards(self) -> CardRepository:
        """Members' bank cards, as this unit of work sees them."""
        ...

    @property
    def keys(self) -> IdempotencyStore:
        """The idempotency keys, as this unit of work sees them."""
        ...

    @property
    def members(self) -> MemberRepository:
        """Members and what they own, as this unit of work sees them."""
        ...

    @property
    def credentials(self) -> CredentialRepository:
        """Members' credentials, as this unit of work sees them."""
        ...

    @property
    def sessions(self) -> SessionRepository:
        """Login sessions, as this unit of work sees them."""
        ...

    @property
    def outbox(self) -> NotificationOutbox:
        """Notifications to send once this unit of work commits."""
        ...

    @property
    def documents(self) -> DocumentStore:
        """Uploaded documents, as this unit of work sees them."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit log, as this unit of work sees it."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make the changes since ``__enter__`` permanent."""
        ...

    def rollback(self) -> None:
        """Forget the changes since ``__enter__`` (or the last commit)."""
        ...
