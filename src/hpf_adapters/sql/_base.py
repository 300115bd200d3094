"""What every SQL repository shares: the unit of work's connection, the keyring, vendor
errors translated, compare-and-set, insert-if-absent and ids made from sequence numbers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from hpf_adapters.sql._codec import Keyring
from hpf_adapters.sql._engine import is_transient
from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Unit(Protocol):
    """What a repository needs from its unit of work."""

    @property
    def keyring(self) -> Keyring: ...

    @property
    def dialect(self) -> str: ...

    @property
    def locking(self) -> bool: ...

    def connection(self) -> sa.Connection: ...


@contextmanager
def translated() -> Iterator[None]:
    """Vendor errors as hpf_core errors: a deadlock, serialization failure or lock timeout
    is ``ConcurrentUpdate`` (the whole unit of work may be tried again); a unique or check
    constraint is ``InputError``."""
    try:
        yield
    except sa.exc.DBAPIError as error:
        if is_transient(error):
            raise ConcurrentUpdate(
                "transaction", "the database chose this unit of work to retry (lock conflict)", ""
            ) from error
        if isinstance(error, sa.exc.IntegrityError):
            raise InputError("record", "conflicts with a stored record (a unique or check rule)") from error
        raise


class Repo:
    """A repository over a unit of work."""

    def __init__(self, session: Unit) -> None:
        self._session = session

    @property
    def _ring(self) -> Keyring:
        return self._session.keyring

    def _run(self, statement: sa.Executable, params: Any = None) -> sa.CursorResult[Any]:
        with translated():
            return self._session.connection().execute(statement, params)

    def _locked(self, query: sa.Select[Any]) -> sa.Select[Any]:
        """``query`` taking row locks (SELECT ... FOR UPDATE) in a writing unit of work on a
        server; SQLite's BEGIN IMMEDIATE already holds the write lock."""
        return query.with_for_update() if self._session.locking else query

    def _insert(self, table: sa.Table, **values: Any) -> int:
        """Insert a row and return its primary key (the ``seq`` of an ordered table)."""
        result = self._run(sa.insert(table).values(**values))
        if "seq" not in table.c:
            return 0
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def _insert_once(self, table: sa.Table, field: str, ident: str, **values: Any) -> int:
        """:meth:`_insert` where a unique clash means a concurrent request stored the same
        thing first: ``ConcurrentUpdate`` (run again, the work finds that row)."""
        try:
            return self._insert(table, **values)
        except InputError as error:
            if isinstance(error.__cause__, sa.exc.IntegrityError):
                raise ConcurrentUpdate(field, "was stored by a concurrent request", ident) from error
            raise

    def _insert_if_absent(self, table: sa.Table, **values: Any) -> None:
        """Insert a row unless one with its key exists (no error either way)."""
        dialect = self._session.dialect
        statement: sa.Executable
        if dialect == "postgresql":
            statement = postgresql.insert(table).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
        else:
            statement = mysql.insert(table).values(**values).prefix_with("IGNORE")
        self._run(statement)

    def _compare_and_set(
        self,
        table: sa.Table,
        key: sa.ColumnElement[bool],
        version: int,
        field: str,
        ident: str,
        **values: Any,
    ) -> None:
        """``UPDATE table SET ..., version = version + 1 WHERE key AND version = :version``;
        ``ConcurrentUpdate`` if the version moved on, ``UnknownRecord`` if there is no row."""
        result = self._run(
            sa.update(table).where(key, table.c.version == version).values(version=version + 1, **values)
        )
        if result.rowcount == 1:
            return
        found = self._run(sa.select(table.c.version).where(key)).first()
        if found is None:
            raise UnknownRecord(field, "no such record", ident)
        raise ConcurrentUpdate(
            field, f"was changed by another request (stored version {found[0]}, not {version})", ident
        )

    def _check_version(
        self, table: sa.Table, key: sa.ColumnElement[bool], version: int, field: str, ident: str
    ) -> None:
        """The stored version, locked; the errors of :meth:`_compare_and_set` before any write."""
        found = self._run(self._locked(sa.select(table.c.version).where(key))).first()
        if found is None:
            raise UnknownRecord(field, "no such record", ident)
        if found[0] != version:
            raise ConcurrentUpdate(
                field, f"was changed by another request (stored version {found[0]}, not {version})", ident
            )


def make_id(prefix: str, seq: int) -> str:
    """The id of the ``seq``-th row: ``E000000001``."""
    return f"{prefix}{seq:09d}"


def seq_of(prefix: str, ident: str) -> int | None:
    """The sequence number in an id :func:`make_id` made, or None if it is not one."""
    if not isinstance(ident, str) or not ident.startswith(prefix) or not ident[len(prefix) :].isdigit():
        return None
    return int(ident[len(prefix) :])


def micros(at: datetime) -> int:
    """An aware instant as microseconds since the epoch (sortable)."""
    return (at - _EPOCH) // timedelta(microseconds=1)
