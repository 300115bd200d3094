"""What every SQL repository shares: the unit of work's connection, the keyring, vendor
errors translated, compare-and-set, insert-if-absent and ids made from sequence numbers."""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol, cast

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from hpf_adapters.sql._codec import Sealer
from hpf_adapters.sql._engine import is_transient
from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Unit(Protocol):
    """What a repository needs from its unit of work."""

    @property
    def sealer(self) -> Sealer: ...

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


class Done(NamedTuple):
    """What :meth:`Repo._fast` hands back: the rows (plain tuples, in the statement's column
    order), the row count and the driver's ``lastrowid``."""

    rows: list[tuple[Any, ...]]
    rowcount: int
    lastrowid: int | None


class _Plan:
    """A statement compiled once for one dialect and one set of parameter names: its SQL
    text, the bind names in order (positional drivers) or by name, their bind processors
    (e.g. SQLite's ``DATE`` to text)."""

    __slots__ = ("_pick", "names", "positional", "processors", "rows", "sql")

    def __init__(self, compiled: sa.engine.Compiled, names: Sequence[str], positional: bool) -> None:
        self.sql = compiled.string
        self.names = tuple(names)
        self.positional = positional
        self.processors: Mapping[str, Callable[[Any], Any]] = dict(
            getattr(compiled, "_bind_processors", None) or {}
        )
        self.rows = isinstance(compiled.statement, sa.Select) or bool(getattr(compiled, "returning", None))
        """Whether the statement returns rows (a SELECT, or RETURNING, which SQLAlchemy adds
        to an INSERT where the dialect fetches the new key that way: PostgreSQL)."""
        several = operator.itemgetter(*self.names) if len(self.names) > 1 else None
        first = self.names[0] if self.names else ""
        self._pick: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
            several if several is not None else (lambda params: (params[first],) if first else ())
        )

    def values(self, params: Mapping[str, Any]) -> Any:
        processors = self.processors
        if processors:
            params = {
                k: (processors[k](v) if k in processors and v is not None else v) for k, v in params.items()
            }
        return self._pick(params) if self.positional else params


INSERT_PAGE = 1000
"""Rows a multi-row ``INSERT`` of :meth:`Repo._insert_rows` (9,000 parameters for the
journal: below SQLite's 32,766)."""

_PLANS: weakref.WeakKeyDictionary[sa.Dialect, dict[tuple[sa.Executable, frozenset[str]], _Plan | None]]
_PLANS = weakref.WeakKeyDictionary()
"""Plans by engine dialect (not by name: MariaDB and MySQL, or two server versions, compile
some statements differently), then by statement and parameter names."""


def _plan(dialect: sa.Dialect, statement: sa.Executable, keys: frozenset[str]) -> _Plan | None:
    """:class:`_Plan` of ``statement`` for ``dialect`` and parameters named ``keys``, made
    once; None when the statement needs SQLAlchemy's execution (a bind it fills itself, an
    expanding or literal parameter, an escaped name, a result column with a processor)."""
    plans = _PLANS.get(dialect)
    if plans is None:
        plans = _PLANS[dialect] = {}
    found_key = (statement, keys)
    if found_key in plans:
        return plans[found_key]
    plan: _Plan | None = None
    compiled: Any = cast(Any, statement).compile(dialect=dialect, column_keys=sorted(keys))
    names: list[str] = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
    simple = (
        not compiled.escaped_bind_names
        and not compiled.literal_execute_params
        and not compiled.post_compile_params
        and set(names) <= keys
        and (compiled.positional or dialect.paramstyle in ("pyformat", "named"))
    )
    if simple and isinstance(statement, sa.Select | sa.Insert | sa.Update | sa.Delete):
        columns = statement.selected_columns if isinstance(statement, sa.Select) else ()
        if all(c.type.dialect_impl(dialect).result_processor(dialect, None) is None for c in columns):
            plan = _Plan(compiled, names, bool(compiled.positional))
    plans[found_key] = plan
    return plan


class Query:
    """A SELECT built once (bind parameters for its inputs) with its ``FOR UPDATE`` twin:
    SQLAlchemy then reuses the statement's cache key and compiled form on every execution
    instead of coercing and hashing a new statement each time (D-051)."""

    __slots__ = ("locked", "plain")

    def __init__(self, query: sa.Select[Any]) -> None:
        self.plain = query
        self.locked = query.with_for_update()


_INSERTS: dict[sa.Table, sa.Insert] = {}
_IF_ABSENT: dict[tuple[str, sa.Table], sa.Executable] = {}
_CAS: dict[tuple[sa.Table, str], tuple[sa.Update, sa.Select[Any], sa.Select[Any]]] = {}


def insert_of(table: sa.Table) -> sa.Insert:
    """``INSERT INTO table``, built once; the columns are the parameters' keys."""
    statement = _INSERTS.get(table)
    if statement is None:
        statement = _INSERTS[table] = sa.insert(table)
    return statement


def _if_absent(dialect: str, table: sa.Table) -> sa.Executable:
    statement = _IF_ABSENT.get((dialect, table))
    if statement is None:
        if dialect == "postgresql":
            statement = postgresql.insert(table).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(table).on_conflict_do_nothing()
        else:
            statement = mysql.insert(table).prefix_with("IGNORE")
        _IF_ABSENT[(dialect, table)] = statement
    return statement


def cas_of(table: sa.Table, key: str) -> tuple[sa.Update, sa.Select[Any], sa.Select[Any]]:
    """For a versioned table keyed by column ``key``: ``UPDATE table SET <the parameters'
    columns> WHERE key = :cas_key AND version = :cas_version``, and the version read (plain
    and ``FOR UPDATE``) by ``:cas_key``; built once."""
    found = _CAS.get((table, key))
    if found is None:
        column = table.c[key]
        update = sa.update(table).where(
            column == sa.bindparam("cas_key"), table.c.version == sa.bindparam("cas_version")
        )
        version = sa.select(table.c.version).where(column == sa.bindparam("cas_key"))
        found = _CAS[(table, key)] = (update, version, version.with_for_update())
    return found


class Repo:
    """A repository over a unit of work."""

    def __init__(self, session: Unit) -> None:
        self._session = session

    @property
    def _ring(self) -> Sealer:
        return self._session.sealer

    def _run(self, statement: sa.Executable, params: Any = None) -> sa.CursorResult[Any]:
        with translated():
            return self._session.connection().execute(statement, params)

    def _fast(self, statement: sa.Executable, params: Any, *, many: bool = False) -> Done:
        """``statement`` (built once, at module level) on the unit's connection, through the
        driver's cursor: the SQL SQLAlchemy compiled for this dialect (once), without its
        per-execution machinery (~10 µs a statement, the largest share of a SQLite
        withdrawal: D-071). Same transaction, the same cursor-execute listeners, and
        a driver error is raised as SQLAlchemy's, as :meth:`_run` would. A statement the
        plain cursor cannot run as SQLAlchemy would (see :func:`_plan`) goes through
        :meth:`_run`. ``many``: ``params`` is a list, one ``executemany``."""
        connection = self._session.connection()
        dialect = connection.dialect
        first = params[0] if many else params
        plan = _plan(dialect, statement, frozenset(first))
        if plan is None:
            result = self._run(statement, params)
            rows = [tuple(row) for row in result] if result.returns_rows else []
            return Done(rows, result.rowcount, getattr(result, "lastrowid", None))
        values = [plan.values(p) for p in params] if many else plan.values(params)
        return self._execute(connection, plan, plan.sql, values, many=many)

    @staticmethod
    def _execute(connection: sa.Connection, plan: _Plan, sql: str, values: Any, *, many: bool) -> Done:
        """``sql`` (``plan``'s, or pages of it) with ``values`` on the driver's cursor."""
        dialect = connection.dialect
        cursor = connection.connection.cursor()
        try:
            if connection.dispatch.before_cursor_execute:
                connection.dispatch.before_cursor_execute(connection, cursor, sql, values, None, many)
            if many:
                cursor.executemany(sql, values)
            else:
                cursor.execute(sql, values)
            rows = [tuple(row) for row in cursor.fetchall()] if plan.rows else []
            if connection.dispatch.after_cursor_execute:
                connection.dispatch.after_cursor_execute(connection, cursor, sql, values, None, many)
            return Done(rows, cursor.rowcount, getattr(cursor, "lastrowid", None))
        except dialect.loaded_dbapi.Error as error:
            gone = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
            wrapped = sa.exc.DBAPIError.instance(
                sql,
                values,
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=gone,
                dialect=dialect,
            )
            if gone:
                connection.invalidate(error)
            with translated():
                raise wrapped from error
            raise  # pragma: no cover (translated() raises)
        finally:
            cursor.close()

    def _insert_rows(self, statement: sa.Insert, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """The rows (same keys) inserted by ``statement`` (``INSERT ... RETURNING seq``) as
        multi-row ``INSERT ... VALUES (...), (...) RETURNING seq`` on the driver's cursor,
        :data:`INSERT_PAGE` rows a statement; the new sequence numbers in the rows' order.
        On SQLite and MariaDB a statement inserts its rows in order and draws each a number
        above the last (SQLite holds the write lock; InnoDB draws a statement's numbers in
        row order), so the returned numbers sorted are the rows' (RETURNING itself
        promises no order). Positional drivers (SQLite, PyMySQL); otherwise SQLAlchemy's
        own ``executemany`` with ordered RETURNING."""
        connection = self._session.connection()
        plan = _plan(connection.dialect, statement, frozenset(rows[0])) if rows else None
        head, _, tail = plan.sql.partition(" VALUES ") if plan is not None else ("", "", "")
        group, _, rest = tail.partition(")")
        if (
            plan is None
            or not plan.positional
            or not plan.rows
            or not group.startswith("(")
            or "(" in group[1:]
        ):
            return [int(row[0]) for row in self._run(statement, list(rows))]
        seqs: list[int] = []
        for start in range(0, len(rows), INSERT_PAGE):
            page = rows[start : start + INSERT_PAGE]
            sql = f"{head} VALUES {', '.join([group + ')'] * len(page))}{rest}"
            values = tuple(value for row in page for value in plan.values(row))
            done = self._execute(connection, plan, sql, values, many=False)
            seqs.extend(sorted(int(row[0]) for row in done.rows))
        return seqs

    def _locked(self, query: Query) -> sa.Select[Any]:
        """``query`` taking row locks (SELECT ... FOR UPDATE) in a writing unit of work on a
        server; SQLite's BEGIN IMMEDIATE already holds the write lock."""
        return query.locked if self._session.locking else query.plain

    def _insert(self, table: sa.Table, **values: Any) -> int:
        """Insert a row and return its primary key (the ``seq`` of an ordered table)."""
        done = self._fast(insert_of(table), values)
        if "seq" not in table.c:
            return 0
        if "seq" in values:  # a numbered table whose caller chose the number (the audit log)
            return int(values["seq"])
        key = done.rows[0][0] if done.rows else done.lastrowid  # RETURNING seq, or the driver's
        assert key is not None
        return int(key)

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
        self._run(_if_absent(self._session.dialect, table), values)

    def _compare_and_set(
        self, table: sa.Table, key: str, ident: str, version: int, field: str, values: dict[str, Any]
    ) -> None:
        """``UPDATE table SET ..., version = version + 1 WHERE key = ident AND version =
        :version``; ``ConcurrentUpdate`` if the version moved on, ``UnknownRecord`` if there
        is no row."""
        update, read, _ = cas_of(table, key)
        params = {**values, "version": version + 1, "cas_key": ident, "cas_version": version}
        if self._fast(update, params).rowcount == 1:
            return
        found = self._run(read, {"cas_key": ident}).first()
        if found is None:
            raise UnknownRecord(field, "no such record", ident)
        raise ConcurrentUpdate(
            field, f"was changed by another request (stored version {found[0]}, not {version})", ident
        )

    def _compare_and_set_many(
        self, table: sa.Table, key: str, field: str, rows: Sequence[tuple[str, int, dict[str, Any]]]
    ) -> None:
        """:meth:`_compare_and_set` for many ``(ident, version, values)`` rows in one
        ``executemany``; the summed row count must be the number of rows, else the first
        row that did not match is reported as :meth:`_compare_and_set` would (the unit of
        work is then rolled back by its caller, so nothing stays written)."""
        if not rows:
            return
        update, _, _ = cas_of(table, key)
        params = [
            {**values, "version": version + 1, "cas_key": ident, "cas_version": version}
            for ident, version, values in rows
        ]
        if self._fast(update, params, many=True).rowcount == len(rows):
            return
        check: sa.Select[Any] = sa.select(table.c.version, table.c.body).where(
            table.c[key] == sa.bindparam("cas_key")
        )
        for ident, version, values in rows:  # which row did not match (rare: build the query here)
            found = self._run(check, {"cas_key": ident}).first()
            if found is None:
                raise UnknownRecord(field, "no such record", ident)
            if found.version != version + 1 or found.body != values["body"]:
                raise ConcurrentUpdate(
                    field, f"was changed by another request (stored version {found[0]}, not {version})", ident
                )
        raise ConcurrentUpdate(field, "a row was changed by another request", "")

    def _check_version(self, table: sa.Table, key: str, ident: str, version: int, field: str) -> None:
        """The stored version, locked; the errors of :meth:`_compare_and_set` before any write."""
        _, read, locked = cas_of(table, key)
        found = self._run(locked if self._session.locking else read, {"cas_key": ident}).first()
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
