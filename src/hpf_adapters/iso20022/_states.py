"""Where each payment of a file channel stands, by payment id: the ``PaymentLog`` protocol
and two implementations, in memory and in an SQLite file (the standard library's
``sqlite3``: durable, one writer at a time, so two batch runs never share a payment)."""

from __future__ import annotations

import enum
import sqlite3
import threading
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import attrs

__all__ = ["MemoryPaymentLog", "PaymentLog", "PaymentState", "PaymentStatus", "SqlitePaymentLog"]


class PaymentStatus(enum.Enum):
    """QUEUED: waiting for the next file; SENT: in a file, result unknown; ACCEPTED and
    REJECTED: settled by a status report or a status query (final)."""

    QUEUED = "queued"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def settled(self) -> bool:
        """Whether the bank's answer is known."""
        return self in (PaymentStatus.ACCEPTED, PaymentStatus.REJECTED)


@attrs.frozen
class PaymentState:
    """One payment as the channel knows it. ``message_id``: the file it went in ('' while
    queued); ``reference``: the bank's reference once accepted; ``reason``: why rejected."""

    payment_id: str
    card_number: str = attrs.field(repr=False)
    amount: Decimal
    memo: str = attrs.field(repr=False)
    status: PaymentStatus = PaymentStatus.QUEUED
    message_id: str = ""
    reference: str = ""
    reason: str = ""


@attrs.frozen
class Batch:
    """A file the channel made: its id, when, for which day, and its payments in order."""

    message_id: str
    created_at: datetime
    execute_on: date
    payment_ids: tuple[str, ...]


class PaymentLog(Protocol):
    """The channel's durable memory. Every method is atomic."""

    def record(self, state: PaymentState) -> PaymentState:
        """Store a new QUEUED payment, or return the one already stored under its id."""
        ...

    def get(self, payment_id: str) -> PaymentState | None:
        """The payment, or None."""
        ...

    def claim(self, created_at: datetime, execute_on: date, limit: int) -> Batch | None:
        """Move up to ``limit`` QUEUED payments (oldest first) into a new batch, SENT, and
        return it; None when nothing is queued."""
        ...

    def batch(self, message_id: str) -> Batch | None:
        """A batch made before, or None."""
        ...

    def settle(self, payment_id: str, status: PaymentStatus, reference: str, reason: str) -> PaymentState:
        """Set a final status on a payment not yet settled; a settled payment is returned
        unchanged (the first answer stands). ``KeyError`` if there is no such payment."""
        ...

    def states(self, status: PaymentStatus | None = None) -> Sequence[PaymentState]:
        """Every payment (of one status if given), in the order recorded."""
        ...


def _message_id(created_at: datetime, number: int) -> str:
    return f"HPF{created_at:%Y%m%d}{number:06d}"


class MemoryPaymentLog:
    """:class:`PaymentLog` in memory (tests, notebooks)."""

    def __init__(self) -> None:
        self._states: dict[str, PaymentState] = {}
        self._batches: dict[str, Batch] = {}
        self._lock = threading.Lock()

    def record(self, state: PaymentState) -> PaymentState:
        with self._lock:
            return self._states.setdefault(state.payment_id, state)

    def get(self, payment_id: str) -> PaymentState | None:
        with self._lock:
            return self._states.get(payment_id)

    def claim(self, created_at: datetime, execute_on: date, limit: int) -> Batch | None:
        with self._lock:
            queued = [s for s in self._states.values() if s.status is PaymentStatus.QUEUED][:limit]
            if not queued:
                return None
            message_id = _message_id(created_at, len(self._batches) + 1)
            for s in queued:
                self._states[s.payment_id] = attrs.evolve(s, status=PaymentStatus.SENT, message_id=message_id)
            batch = Batch(message_id, created_at, execute_on, tuple(s.payment_id for s in queued))
            self._batches[message_id] = batch
            return batch

    def batch(self, message_id: str) -> Batch | None:
        with self._lock:
            return self._batches.get(message_id)

    def settle(self, payment_id: str, status: PaymentStatus, reference: str, reason: str) -> PaymentState:
        with self._lock:
            state = self._states[payment_id]
            if not state.status.settled:
                state = attrs.evolve(state, status=status, reference=reference, reason=reason)
                self._states[payment_id] = state
            return state

    def states(self, status: PaymentStatus | None = None) -> Sequence[PaymentState]:
        with self._lock:
            return [s for s in self._states.values() if status is None or s.status is status]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id TEXT NOT NULL UNIQUE,
    card_number TEXT NOT NULL,
    amount TEXT NOT NULL,
    memo TEXT NOT NULL,
    status TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    reference TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    execute_on TEXT NOT NULL
);
"""
_COLUMNS = "payment_id, card_number, amount, memo, status, message_id, reference, reason"


class CardSealer(Protocol):
    """What seals a card number at rest and opens it again: the store's
    ``hpf_adapters.sql.Keyring`` (AES-GCM, the field name as associated data)."""

    def seal(self, text: str, field: str) -> str: ...

    def open(self, sealed: str, field: str) -> str: ...


class SqlitePaymentLog:
    """:class:`PaymentLog` in an SQLite file (made on first use). Each call is one
    transaction taken with ``BEGIN IMMEDIATE``, so concurrent processes queue. Card numbers
    are stored sealed by ``sealer`` (the centre's data key): a dump of the file shows none in
    clear (the payment files themselves carry them, as the bank needs)."""

    def __init__(self, path: str | Path, sealer: CardSealer) -> None:
        self.path = Path(path)
        self._sealer = sealer
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _state(self, row: tuple[str, ...]) -> PaymentState:
        pid, card, amount, memo, status, message_id, reference, reason = row
        return PaymentState(
            pid,
            self._sealer.open(card, "card_number"),
            Decimal(amount),
            memo,
            PaymentStatus(status),
            message_id,
            reference,
            reason,
        )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def _write(self, db: sqlite3.Connection) -> None:
        db.execute("BEGIN IMMEDIATE")

    def record(self, state: PaymentState) -> PaymentState:
        db = self._connect()
        try:
            self._write(db)
            db.execute(
                f"INSERT OR IGNORE INTO payments ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (state.payment_id, self._sealer.seal(state.card_number, "card_number"), f"{state.amount}",
                 state.memo, state.status.value, state.message_id, state.reference, state.reason),
            )  # fmt: skip
            row = db.execute(
                f"SELECT {_COLUMNS} FROM payments WHERE payment_id = ?", (state.payment_id,)
            ).fetchone()
            db.execute("COMMIT")
            return self._state(row)
        finally:
            db.close()

    def get(self, payment_id: str) -> PaymentState | None:
        db = self._connect()
        try:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM payments WHERE payment_id = ?", (payment_id,)
            ).fetchone()
            return None if row is None else self._state(row)
        finally:
            db.close()

    def claim(self, created_at: datetime, execute_on: date, limit: int) -> Batch | None:
        db = self._connect()
        try:
            self._write(db)
            ids = [
                r[0]
                for r in db.execute(
                    "SELECT payment_id FROM payments WHERE status = ? ORDER BY seq LIMIT ?",
                    (PaymentStatus.QUEUED.value, limit),
                )
            ]
            if not ids:
                db.execute("ROLLBACK")
                return None
            (count,) = db.execute("SELECT COUNT(*) FROM batches").fetchone()
            message_id = _message_id(created_at, count + 1)
            db.execute(
                "INSERT INTO batches (message_id, created_at, execute_on) VALUES (?, ?, ?)",
                (message_id, created_at.isoformat(), execute_on.isoformat()),
            )
            db.executemany(
                "UPDATE payments SET status = ?, message_id = ? WHERE payment_id = ?",
                [(PaymentStatus.SENT.value, message_id, i) for i in ids],
            )
            db.execute("COMMIT")
            return Batch(message_id, created_at, execute_on, tuple(ids))
        finally:
            db.close()

    def batch(self, message_id: str) -> Batch | None:
        db = self._connect()
        try:
            row = db.execute(
                "SELECT created_at, execute_on FROM batches WHERE message_id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return None
            ids = tuple(
                r[0]
                for r in db.execute(
                    "SELECT payment_id FROM payments WHERE message_id = ? ORDER BY seq", (message_id,)
                )
            )
            return Batch(message_id, datetime.fromisoformat(row[0]), date.fromisoformat(row[1]), ids)
        finally:
            db.close()

    def settle(self, payment_id: str, status: PaymentStatus, reference: str, reason: str) -> PaymentState:
        db = self._connect()
        try:
            self._write(db)
            db.execute(
                "UPDATE payments SET status = ?, reference = ?, reason = ?"
                " WHERE payment_id = ? AND status IN (?, ?)",
                (
                    status.value,
                    reference,
                    reason,
                    payment_id,
                    PaymentStatus.QUEUED.value,
                    PaymentStatus.SENT.value,
                ),
            )
            row = db.execute(
                f"SELECT {_COLUMNS} FROM payments WHERE payment_id = ?", (payment_id,)
            ).fetchone()
            db.execute("COMMIT")
            if row is None:
                raise KeyError(payment_id)
            return self._state(row)
        finally:
            db.close()

    def states(self, status: PaymentStatus | None = None) -> Sequence[PaymentState]:
        db = self._connect()
        try:
            query = f"SELECT {_COLUMNS} FROM payments"
            rows = (
                db.execute(query + " ORDER BY seq")
                if status is None
                else db.execute(query + " WHERE status = ? ORDER BY seq", (status.value,))
            )
            return [self._state(r) for r in rows]
        finally:
            db.close()
