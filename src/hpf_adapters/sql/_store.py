"""The SQL store and its unit of work."""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa

from hpf_adapters.sql import _tables
from hpf_adapters.sql._base import translated
from hpf_adapters.sql._codec import Keyring, UnitKeys
from hpf_adapters.sql._codes import SqlCodeStore
from hpf_adapters.sql._deposits import (
    SqlAccounts,
    SqlApplications,
    SqlCards,
    SqlIdempotency,
    SqlJournal,
    SqlLoanJournal,
    SqlLoans,
)
from hpf_adapters.sql._engine import engine_for
from hpf_adapters.sql._people import (
    SqlAudit,
    SqlCredentials,
    SqlDocuments,
    SqlMembers,
    SqlOutbox,
    SqlSessions,
)
from hpf_core.accounts import DepositAccount, JournalEntry
from hpf_core.errors import InputTypeError
from hpf_core.loans import LoanAccount, LoanEntry
from hpf_core.ports import AuditEvent, Notification


class SqlStore:
    """Every storage port on one SQL database (SQLite file, PostgreSQL or MariaDB/MySQL),
    with personal data sealed by ``keyring``. Making one connects nothing; the first unit
    of work does. The schema comes from ``hpf db upgrade`` (or :meth:`create_schema` in
    tests).

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hpf.db"
    >>> store = SqlStore(str(path), Keyring.from_secret(b"s" * 32))
    >>> store.create_schema()
    >>> with store.unit_of_work() as uow:
    ...     uow.accounts.numbers()
    []
    >>> store.dispose()
    """

    def __init__(
        self, url: str, keyring: Keyring, *, engine: sa.Engine | None = None, **options: Any
    ) -> None:
        if not isinstance(keyring, Keyring):
            raise InputTypeError("keyring", "must be a Keyring", type(keyring).__name__)
        self.keyring = keyring
        self.engine = engine if engine is not None else engine_for(url, **options)
        self.dialect = self.engine.dialect.name
        self._reader = self.engine.execution_options(hpf_write=False)
        """The engine for units of work that take no write lock up front (made once: an
        ``execution_options`` call a connection costs more than it does)."""

    def unit_of_work(self, *, write: bool = True) -> SqlUnitOfWork:
        """A new unit of work (``write=False``: SQLite takes no write lock up front)."""
        return SqlUnitOfWork(self, write=write)

    def code_store(self) -> SqlCodeStore:
        """The verification code store on this database."""
        return SqlCodeStore(self.engine, self.keyring, self.dialect)

    def create_schema(self) -> None:
        """Create every table and trigger directly (tests, notebooks); a deployment runs
        ``hpf db upgrade`` instead, which also records the revision."""
        with self.engine.begin() as connection:
            _tables.metadata.create_all(connection)
            for statement in _tables.append_only_ddl(self.dialect):
                connection.execute(sa.text(statement))

    # Inspection helpers, as MemoryStore has: every committed record, in order.

    @property
    def entries(self) -> tuple[JournalEntry, ...]:
        """Every committed journal entry, in order (an inspection helper)."""
        with self.unit_of_work(write=False) as uow:
            numbers = uow.accounts.numbers()
            return tuple(
                sorted((e for n in numbers for e in uow.journal.entries(n)), key=lambda e: e.sequence)
            )

    @property
    def accounts(self) -> tuple[DepositAccount, ...]:
        """Every committed account, by number (an inspection helper)."""
        with self.unit_of_work(write=False) as uow:
            return tuple(uow.accounts.get(n) for n in uow.accounts.numbers())

    @property
    def loans(self) -> tuple[LoanAccount, ...]:
        """Every committed loan, by contract number (an inspection helper)."""
        with self.unit_of_work(write=False) as uow:
            return tuple(uow.loans.get(n) for n in uow.loans.numbers())

    @property
    def loan_entries(self) -> tuple[LoanEntry, ...]:
        """Every committed loan journal entry, in order (an inspection helper)."""
        with self.unit_of_work(write=False) as uow:
            found = [e for n in uow.loans.numbers() for e in uow.loan_journal.entries(n)]
        return tuple(sorted(found, key=lambda e: e.entry_id))

    @property
    def notifications(self) -> tuple[Notification, ...]:
        """Every committed notification, sent or not, in order (an inspection helper)."""
        with self.unit_of_work(write=False) as uow:
            return tuple(uow.outbox.every())

    @property
    def audit_events(self) -> tuple[AuditEvent, ...]:
        """Every committed audit event, in order (an inspection helper)."""
        with self.unit_of_work(write=False) as uow:
            return tuple(uow.audit.events())

    def dispose(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()


class SqlUnitOfWork:
    """:class:`hpf_core.ports.UnitOfWork` on a :class:`SqlStore`: one database transaction
    from ``__enter__`` (or first use) to ``commit``/``rollback``; leaving the block closes
    it, rolling back anything not committed. In a writing unit of work on a server, reading
    a versioned record locks its row (``SELECT ... FOR UPDATE``) until the end, so two
    requests changing one account queue instead of failing. A deadlock or serialization
    failure surfaces as ``ConcurrentUpdate``: nothing was written and the whole unit may be
    run again (``hpf_adapters.wiring`` does, a bounded number of times)."""

    def __init__(self, store: SqlStore, *, write: bool = True) -> None:
        self._store = store
        self._write = write
        self._entered = False
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None
        self._sealer: UnitKeys | None = None
        self.accounts = SqlAccounts(self)
        self.journal = SqlJournal(self)
        self.loans = SqlLoans(self)
        self.loan_journal = SqlLoanJournal(self)
        self.applications = SqlApplications(self)
        self.cards = SqlCards(self)
        self.keys = SqlIdempotency(self)
        self.members = SqlMembers(self)
        self.credentials = SqlCredentials(self)
        self.sessions = SqlSessions(self)
        self.outbox = SqlOutbox(self)
        self.documents = SqlDocuments(self)
        self.audit = SqlAudit(self)

    @property
    def keyring(self) -> Keyring:
        """The store's keyring."""
        return self._store.keyring

    @property
    def sealer(self) -> UnitKeys:
        """The keyring as this unit of work's repositories use it: a value read and saved
        unchanged keeps its sealed text (no new seal per save), lookup hashes are computed
        once; forgotten when the unit of work closes."""
        if self._sealer is None:
            self._sealer = UnitKeys(self._store.keyring)
        return self._sealer

    @property
    def dialect(self) -> str:
        """``sqlite``, ``postgresql`` or ``mysql``."""
        return self._store.dialect

    @property
    def locking(self) -> bool:
        """Whether reads of versioned records lock their rows (in a writing unit of work
        entered with ``with``, on a server)."""
        return self._write and self._entered and self._store.dialect != "sqlite"

    def connection(self) -> sa.Connection:
        """The open connection, in a transaction (begun on first use). Used outside a
        ``with`` block, the unit of work takes no write lock up front and no row locks, and
        its connection closes when the object goes away."""
        if self._connection is None:
            engine = self._store.engine if self._write and self._entered else self._store._reader
            with translated():
                self._connection = engine.connect()
        if self._transaction is None or not self._transaction.is_active:
            with translated():
                self._transaction = self._connection.begin()
        return self._connection

    def __enter__(self) -> Self:
        self._close()
        self._entered = True
        self.connection()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered = False
        self._close()

    def _close(self) -> None:
        self._sealer = None
        self.accounts.forget()
        try:
            self.rollback()
        finally:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __del__(self) -> None:
        if getattr(self, "_connection", None) is not None:
            with contextlib.suppress(Exception):  # nothing to report to at garbage collection
                self._close()

    def commit(self) -> None:
        """Make the changes permanent (a later change starts a new transaction)."""
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            with translated():
                transaction.commit()

    def rollback(self) -> None:
        """Forget the changes since the last commit."""
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            transaction.rollback()
