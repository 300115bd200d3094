"""Engines from URLs, and vendor errors in hpf_core's terms."""

from __future__ import annotations

import functools
import sqlite3
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from hpf_core.errors import InputError, InputTypeError

BUSY_TIMEOUT_MS = 30_000


def sqlalchemy_url(url: str) -> sa.URL:
    """``url`` as SQLAlchemy reads it: a URL without a scheme is an SQLite file path;
    ``postgresql://`` and ``mysql://``/``mariadb://`` get the drivers hpf uses
    (psycopg 3, PyMySQL)."""
    if not isinstance(url, str) or not url:
        raise InputTypeError("url", "must be a database URL or an SQLite file path", url)
    if "://" not in url:
        return sa.URL.create("sqlite", database=url)
    parsed = sa.make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgresql" and not driver:
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend in ("mysql", "mariadb") and not driver:
        parsed = parsed.set(drivername="mysql+pymysql")
    if parsed.get_backend_name() not in ("sqlite", "postgresql", "mysql", "mariadb"):
        raise InputError("url", "must be an SQLite path, postgresql:// or mysql:// URL", parsed.drivername)
    return parsed


def engine_for(url: str, **options: Any) -> sa.Engine:
    """A lazily connecting engine for ``url`` (nothing connects until first use).

    SQLite: the stdlib ``sqlite3`` driver in WAL mode with a busy timeout; hpf begins each
    transaction itself — ``BEGIN IMMEDIATE`` (the write lock up front) unless the
    connection's execution option ``hpf_write`` is False. PostgreSQL and MariaDB run at
    READ COMMITTED: compare-and-set updates and row locks do the rest."""
    parsed = sqlalchemy_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **options)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    mysql = parsed.get_backend_name() in ("mysql", "mariadb")
    if mysql:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
        options = {"pool_reset_on_return": None, **options}
    engine = sa.create_engine(parsed, isolation_level="READ COMMITTED", **options)
    event.listen(engine, "connect", _mark_used)
    event.listen(engine, "checkin", _mark_used)
    event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    if mysql:
        event.listen(engine, "reset", _mysql_reset)
    return engine


PING_AFTER_S = 1.0
"""A pooled server connection idle for longer than this is pinged before use (and replaced
if the ping fails); one used more recently is not, so back-to-back units of work do not pay
a round trip each for ``pool_pre_ping`` (D-051)."""


def _mark_used(_dbapi_connection: Any, record: Any, *_: Any) -> None:
    if record is not None:
        record.info["hpf_used"] = time.monotonic()


def _ping_if_idle(dialect: sa.Dialect, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    used = record.info.get("hpf_used")
    if used is not None and time.monotonic() - used < PING_AFTER_S:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as error:  # the server went away: the pool connects anew
        failed = f"the pooled connection failed its ping: {type(error).__name__}"
        raise sa.exc.DisconnectionError(failed) from error
    record.info["hpf_used"] = time.monotonic()


_IN_TRANSACTION = 1  # MySQL's SERVER_STATUS_IN_TRANS flag, which PyMySQL keeps from each reply


def _mysql_reset(dbapi_connection: Any, _record: Any, reset_state: Any) -> None:
    """The pool's reset of a returned MariaDB/MySQL connection: ROLLBACK only when the
    server says a transaction is open (a unit of work has already committed or rolled
    back; PyMySQL's rollback() would otherwise be one more round trip per unit)."""
    if reset_state.terminate_only:
        return
    status = getattr(dbapi_connection, "server_status", None)
    if not isinstance(status, int) or status & _IN_TRANSACTION:
        dbapi_connection.rollback()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # hpf issues BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    """Begin on the driver's connection itself (not through ``exec_driver_sql``, whose
    execution machinery cost more than the BEGIN: D-051); a driver error is raised as
    SQLAlchemy's, so ``translated`` sees a locked database as it sees any other."""
    statement = "BEGIN IMMEDIATE" if connection.get_execution_options().get("hpf_write", True) else "BEGIN"
    try:
        connection.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
    except sqlite3.Error as error:
        raise sa.exc.DBAPIError.instance(statement, (), error, sqlite3.Error) from error


_TRANSIENT_PG = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
_TRANSIENT_MY = {1205, 1213}  # lock wait timeout, deadlock


def is_transient(error: sa.exc.DBAPIError) -> bool:
    """A serialization failure, a deadlock or a lock timeout: the whole unit of work may be
    tried again."""
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _TRANSIENT_PG:
        return True
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _TRANSIENT_MY:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "deadlock" in text
