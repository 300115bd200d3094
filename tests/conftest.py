"""Shared test settings. Hypothesis profiles: the default keeps CI quick; set
HPF_HYPOTHESIS_PROFILE=thorough for a long soak (10x the examples of the default).

The contract tests (``tests/contract``) take their adapters from the fixtures at the end:
``new_uow`` over every factory of ``UNIT_OF_WORK_ADAPTERS`` and ``code_store`` over every
factory of ``CODE_STORE_ADAPTERS``: memory, SQLite, PostgreSQL and MariaDB (a server that
is not reachable skips its tests, or fails them with ``CI=true``). A new adapter (Redis,
...) joins by adding a factory there; each factory makes a FRESH, empty adapter; the contract modules
are unchanged."""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from hpf_adapters.memory import MemoryStore
from hpf_adapters.sms import MemoryCodeStore
from hpf_adapters.sql import Keyring, SqlStore, engine_for
from hpf_adapters.sql import _tables as sql_tables
from hpf_core.accounts import DepositAccount, Employer, Member
from hpf_core.errors import HpfError
from hpf_core.ports import UnitOfWork, VerificationCodeStore

# --- issue #19 (D-062): hpf's pytest plugin. An installed hpf loads it by its pytest11 entry
# point; a checkout whose installed metadata predates the entry point loads it here.
if not any(ep.value == "hpf_adapters.pytest_plugin" for ep in entry_points(group="pytest11")):
    pytest_plugins = ["hpf_adapters.pytest_plugin"]
# --- end issue #19

settings.register_profile("default", max_examples=200, print_blob=True)
settings.register_profile(
    "thorough", max_examples=2000, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HPF_HYPOTHESIS_PROFILE", "default"))


# --------------------------------------------------------------------------- contract tests

NewUnitOfWork = Callable[[], UnitOfWork]
"""Makes a new unit of work; every one made by the same callable sees the same store."""


def memory_store() -> NewUnitOfWork:
    return MemoryStore().unit_of_work


def memory_code_store() -> VerificationCodeStore:
    return MemoryCodeStore()


TEST_KEYRING = Keyring.from_secret(b"hpf contract tests: not a real key")
POSTGRES_URL = os.environ.get("HPF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MARIADB_URL = os.environ.get("HPF_TEST_MARIADB", "mysql://root@127.0.0.1:3306/test")


def _unavailable(what: str, error: BaseException) -> NoReturn:
    """A database server the suite needs is not reachable: skip, or fail under CI=true."""
    message = f"{what} is not reachable: {type(error).__name__}: {str(error)[:200]}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def sqlite_store() -> SqlStore:
    folder = tempfile.mkdtemp(prefix="hpf-sqlite-")
    store = SqlStore(str(Path(folder) / "hpf.db"), TEST_KEYRING)
    atexit.register(_remove, store, folder)
    store.create_schema()
    return store


def _remove(store: SqlStore, folder: str) -> None:
    store.dispose()
    shutil.rmtree(folder, ignore_errors=True)


_SERVERS: dict[str, SqlStore] = {}


def _server_store(kind: str) -> SqlStore:
    """One schema (PostgreSQL) or database (MariaDB) per test session, emptied for each
    test: every table the previous test wrote is truncated (its numbering restarted); the
    schema is dropped when the session ends."""
    store = _SERVERS.get(kind)
    if store is None:
        name = f"hpf_test_{uuid.uuid4().hex[:12]}"
        try:
            if kind == "postgresql":
                admin = engine_for(POSTGRES_URL)
                with admin.begin() as connection:
                    connection.exec_driver_sql(f"CREATE SCHEMA {name}")
                store = SqlStore(
                    POSTGRES_URL, TEST_KEYRING, connect_args={"options": f"-csearch_path={name}"}
                )
                atexit.register(_drop, admin, store, f"DROP SCHEMA {name} CASCADE")
            else:
                admin = engine_for(MARIADB_URL)
                with admin.begin() as connection:
                    connection.exec_driver_sql(f"CREATE DATABASE {name}")
                store = SqlStore(MARIADB_URL.rsplit("/", 1)[0] + f"/{name}", TEST_KEYRING)
                atexit.register(_drop, admin, store, f"DROP DATABASE {name}")
            store.create_schema()
        except sa.exc.OperationalError as error:
            _unavailable(kind, error)
        sa.event.listen(store.engine, "before_cursor_execute", _note_writes)
        _SERVERS[kind] = store
    # Empty what the previous test wrote, once per test: a test may take two fixtures on one
    # server (a unit of work and a code store), and the second must not wipe the first's data.
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    if _EMPTIED_FOR.get(kind) == test and test:
        return store
    _EMPTIED_FOR[kind] = test
    tables = sorted(_WRITTEN.pop(kind, set()))
    if tables:
        with store.engine.begin() as connection:
            if kind == "postgresql":
                connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
            else:
                for table in tables:
                    connection.exec_driver_sql(f"TRUNCATE TABLE {table}")
    return store


_WRITTEN: dict[str, set[str]] = {}
_EMPTIED_FOR: dict[str, str] = {}
"""The test for which each server's tables were last emptied."""
_SCHEMA_TABLES = frozenset(sql_tables.metadata.tables)
_WRITE = re.compile(r"^\s*(?:INSERT\s+(?:IGNORE\s+)?INTO|UPDATE|DELETE\s+FROM)\s+[`\"]?(\w+)", re.IGNORECASE)


def _note_writes(connection: sa.Connection, cursor: object, statement: str, *args: object) -> None:
    """Remember which tables a test wrote, so the next test empties only those (the
    schema's: a temporary staging table lives and dies with its connection)."""
    found = _WRITE.match(statement)
    if found and found.group(1) in _SCHEMA_TABLES:
        _WRITTEN.setdefault(connection.dialect.name, set()).add(found.group(1))


def _drop(admin: sa.Engine, store: SqlStore, statement: str) -> None:
    store.dispose()
    with admin.begin() as connection:
        connection.exec_driver_sql(statement)
    admin.dispose()


def sqlite() -> NewUnitOfWork:
    return sqlite_store().unit_of_work


def postgresql() -> NewUnitOfWork:
    return _server_store("postgresql").unit_of_work


def mariadb() -> NewUnitOfWork:
    return _server_store("mysql").unit_of_work


def sqlite_code_store() -> VerificationCodeStore:
    return sqlite_store().code_store()


def postgresql_code_store() -> VerificationCodeStore:
    return _server_store("postgresql").code_store()


def mariadb_code_store() -> VerificationCodeStore:
    return _server_store("mysql").code_store()


# --- Redis code store (issue #15, D-055): a fresh namespace (centre) per store, its keys
# deleted when the session ends; db 8 or another per-worktree number keeps parallel runs apart.
REDIS_URL = os.environ.get("HPF_TEST_REDIS", "redis://127.0.0.1:6379/0")
_REDIS_PREFIXES: list[str] = []


def _reachable_redis() -> Any:
    """A client of the suite's Redis, answered a ping: else skip, or fail under CI=true."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        _unavailable("redis", error)
    return client


@pytest.fixture
def redis_client() -> Iterator[Any]:
    """The suite's Redis (``HPF_TEST_REDIS``), reachable, closed after the test."""
    client = _reachable_redis()
    yield client
    client.close()


def redis_code_store() -> VerificationCodeStore:
    from hpf_adapters.redis_codes import RedisCodeStore

    client = _reachable_redis()
    store = RedisCodeStore(client, TEST_KEYRING, centre=f"t{uuid.uuid4().hex[:16]}")
    if not _REDIS_PREFIXES:
        atexit.register(_forget_redis, client)
    _REDIS_PREFIXES.append(store.prefix)
    return store


def _forget_redis(client: Any) -> None:
    for prefix in _REDIS_PREFIXES:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)


# --- end Redis code store

UNIT_OF_WORK_ADAPTERS: list[Callable[[], NewUnitOfWork]] = [memory_store, sqlite, postgresql, mariadb]
CODE_STORE_ADAPTERS: list[Callable[[], VerificationCodeStore]] = [
    memory_code_store,
    sqlite_code_store,
    postgresql_code_store,
    mariadb_code_store,
    redis_code_store,
]


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database on each kind (an SQLite file, a PostgreSQL schema,
    a MariaDB database), dropped afterwards; skipped (failed under CI=true) if the server
    is not reachable."""
    kind: str = request.param
    if kind == "sqlite":
        yield str(tmp_path / "empty.db")
        return
    name = f"hpf_empty_{uuid.uuid4().hex[:12]}"
    server = POSTGRES_URL if kind == "postgresql" else MARIADB_URL
    admin = engine_for(server)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"CREATE {'SCHEMA' if kind == 'postgresql' else 'DATABASE'} {name}")
    except sa.exc.OperationalError as error:
        admin.dispose()
        _unavailable(kind, error)
    try:
        if kind == "postgresql":
            yield f"{server}?options=-csearch_path%3D{name}"
        else:
            yield f"{server.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(
                f"DROP SCHEMA {name} CASCADE" if kind == "postgresql" else f"DROP DATABASE {name}"
            )
        admin.dispose()


# --- issue #15 (D-056): the file-system document store joins the DocumentStore contract.
def file_documents() -> NewUnitOfWork:
    """A SQLite store whose documents keep their bytes in a folder (hpf_adapters.documents)."""
    from hpf_adapters.documents import DocumentLimits, FileDocumentStore

    sql = sqlite_store()
    folder = tempfile.mkdtemp(prefix="hpf-documents-")
    atexit.register(shutil.rmtree, folder, True)
    return FileDocumentStore(sql, folder, DocumentLimits(10 * 1024 * 1024, 40)).unit_of_work


DOCUMENT_STORE_ADAPTERS: list[Callable[[], NewUnitOfWork]] = [*UNIT_OF_WORK_ADAPTERS, file_documents]


@pytest.fixture(params=DOCUMENT_STORE_ADAPTERS, ids=lambda f: f.__name__)
def documents_uow(request: pytest.FixtureRequest) -> NewUnitOfWork:
    """Like ``new_uow``, over every adapter whose unit of work has a DocumentStore."""
    factory: Callable[[], NewUnitOfWork] = request.param
    return factory()


# --- end issue #15


@pytest.fixture(params=UNIT_OF_WORK_ADAPTERS, ids=lambda f: f.__name__)
def new_uow(request: pytest.FixtureRequest) -> NewUnitOfWork:
    """A fresh store, as a factory of units of work over it."""
    factory: Callable[[], NewUnitOfWork] = request.param
    return factory()


@pytest.fixture(params=CODE_STORE_ADAPTERS, ids=lambda f: f.__name__)
def code_store(request: pytest.FixtureRequest) -> VerificationCodeStore:
    factory: Callable[[], VerificationCodeStore] = request.param
    return factory()


def an_account(
    number: str = "A1", member_id: str = "M1", id_number: str = "11010519491231002X"
) -> DepositAccount:
    return DepositAccount(
        number,
        Member(member_id, "职工", id_number),
        Employer("E1", "单位"),
        date(2025, 1, 1),
        Decimal("5000.00"),
        Decimal("0.12"),
        Decimal("0.12"),
    )


Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]


def _race(threads: int, work: Callable[[int], object]) -> list[BaseException | None]:
    """Run ``work(i)`` in ``threads`` threads released together; what each raised."""
    start = threading.Barrier(threads)
    outcomes: list[BaseException | None] = [None] * threads

    def run(index: int) -> None:
        start.wait()
        try:
            work(index)
        except BaseException as exc:
            outcomes[index] = exc

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return outcomes


@pytest.fixture
def race() -> Race:
    """``race(n, work)``: run ``work(i)`` in ``n`` threads released together; what each raised."""
    return _race


@pytest.fixture
def account_record() -> Callable[..., DepositAccount]:
    """``account(number, member_id, id_number)``: a deposit account to store."""
    return an_account


# --------------------------------------------------------------------------- personal data

UNMASKED = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{17}[\dXx](?!\d)|\d{12,}")
"""An unmasked mainland phone, an 18-character resident ID number, or a card/account number
(12 digits or more): what no error message or error value may carry (issue #10)."""

ERRORS_SEEN: list[str] = []
"""The text of every ``HpfError`` the whole test run constructed: its message and its value."""

_hpf_error_init = HpfError.__init__


@functools.wraps(_hpf_error_init)  # keeps the signature the API reference shows
def _recording_init(self: HpfError, *args: Any, **kwargs: Any) -> None:
    _hpf_error_init(self, *args, **kwargs)
    ERRORS_SEEN.append(f"{type(self).__name__}: {self} | value={self.value!r}")


HpfError.__init__ = _recording_init  # type: ignore[method-assign]


def unmasked_in(texts: list[str]) -> list[str]:
    """The texts that show personal data in clear."""
    return [text for text in texts if UNMASKED.search(text)]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the whole run: every error message and value any test produced is masked."""
    leaks = unmasked_in(ERRORS_SEEN)
    if leaks:
        print(f"\n{len(leaks)} of {len(ERRORS_SEEN)} hpf errors showed personal data in clear:")
        for text in leaks[:20]:
            print("  ", text[:200])
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def errors_seen() -> list[str]:
    """The live record of every hpf error the run constructed (for the check's own test)."""
    return ERRORS_SEEN


@pytest.fixture
def scan_unmasked() -> Callable[[list[str]], list[str]]:
    """The suite-wide scan for personal data in clear, as a function."""
    return unmasked_in


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran on each database server (and Redis), so a run shows they were not skipped."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            for server in ("postgresql", "mariadb", "redis"):  # redis: D-055
                if f"[{server}" in nodeid and getattr(report, "when", "call") in ("call", "setup"):
                    if outcome == "passed" and report.when != "call":
                        continue
                    counts.setdefault(server, {}).setdefault(outcome, 0)
                    counts[server][outcome] += 1
    for server, seen in sorted(counts.items()):
        shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(seen.items()))
        terminalreporter.write_line(f"database tests on {server}: {shown}")
