"""hpf's pytest plugin (issue #19, D-062): a wired application for your tests.

Installed with hpf (entry point ``pytest11``: ``hpf = "hpf_adapters.pytest_plugin"``);
it needs ``pytest`` and ``hypothesis`` (``pip install hpf[testing]``). Every fixture name
starts with ``hpf_``:

- ``hpf_app``: an :class:`~hpf_adapters.wiring.App` built by ``wiring.build`` on the store
  ``--hpf-db`` names — ``memory`` (the default), ``sqlite`` (a temporary file per test) or a
  ``postgresql://`` / ``mysql://`` URL (a new schema or database per test, dropped after) —
  for the centre ``--hpf-centre`` names (default ``altay``), with fixed codes and the
  clock ``hpf_clock``;
- ``hpf_clock``: a :class:`MovableClock` the test moves (``hpf_clock.advance(days=1)``);
- ``hpf_bank`` and ``hpf_sms``: the simulated bank (its transfers) and the SMS outbox
  (``hpf_sms.to(phone)``);
- ``hpf_centre``: the app with a demo centre's members opened (:func:`seed_centre`);
- ``hpf_units``: a factory of fresh stores for the state machines of
  :mod:`hpf_core.testing` (``DepositAccountMachine.on(hpf_units)``).

Outside pytest the same stores come from :func:`memory_units`, :func:`sqlite_units` and
:func:`database_units`.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from hpf_adapters.memory import MemoryStore
from hpf_adapters.payments import MemoryBank
from hpf_adapters.sms import MemorySms
from hpf_adapters.wiring import SHANGHAI, App, Config, build
from hpf_core.accounts import Employer, Member
from hpf_core.members import new_credentials
from hpf_core.ports import UnitOfWork

__all__ = [
    "SEALING_KEY",
    "START",
    "DemoMember",
    "MovableClock",
    "NewUnitOfWork",
    "database_units",
    "memory_units",
    "pytest_addoption",
    "seed_centre",
    "sqlite_units",
]

NewUnitOfWork = Callable[[], UnitOfWork]
"""A factory of units of work over one store (what the stores below return)."""

START = datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
"""Where ``hpf_clock`` starts: 2026-01-05 09:00 in China."""

SEALING_KEY = b"hpf pytest plugin: a test key, never for real data"
"""The key SQL stores seal personal data with in tests (public: tests hold no real data)."""


class MovableClock:
    """A fixed clock the test moves: call it for the instant (it is the app's clock)."""

    def __init__(self, start: datetime = START) -> None:
        self.instant = start

    def __call__(self) -> datetime:
        return self.instant

    def advance(self, **delta: float) -> datetime:
        """Move on by ``timedelta(**delta)`` (``days=1``, ``minutes=5``); the new instant."""
        self.instant += timedelta(**delta)
        return self.instant

    def set(self, instant: datetime) -> None:
        """Jump to an aware ``instant``."""
        if instant.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self.instant = instant

    def today(self) -> date:
        """The clock's date in China."""
        return self.instant.astimezone(SHANGHAI).date()


# --------------------------------------------------------------------------- stores


def memory_units() -> NewUnitOfWork:
    """A fresh in-memory store, as a factory of units of work over it."""
    return MemoryStore().unit_of_work


def sqlite_units() -> NewUnitOfWork:
    """A fresh SQLite file (removed when the process ends), with hpf's schema."""
    from hpf_adapters.sql import Keyring, SqlStore  # noqa: PLC0415 - the sql extra is optional

    folder = tempfile.mkdtemp(prefix="hpf-kit-")
    store = SqlStore(str(Path(folder) / "hpf.db"), Keyring.from_secret(SEALING_KEY))
    store.create_schema()
    atexit.register(_remove, store, folder)
    return store.unit_of_work


def _remove(store: object, folder: str) -> None:
    store.dispose()  # type: ignore[attr-defined]
    shutil.rmtree(folder, ignore_errors=True)


def database_units(url: str) -> NewUnitOfWork:
    """A fresh schema (PostgreSQL) or database (MariaDB/MySQL) on the server at ``url``,
    with hpf's schema, dropped when the process ends."""
    from hpf_adapters.sql import Keyring, SqlStore  # noqa: PLC0415 - the sql extra is optional

    fresh, drop = _fresh_database(url)
    store = SqlStore(fresh, Keyring.from_secret(SEALING_KEY))
    store.create_schema()
    atexit.register(_dispose_then, store, drop)
    return store.unit_of_work


def _dispose_then(store: object, drop: Callable[[], None]) -> None:
    store.dispose()  # type: ignore[attr-defined]
    drop()


def _fresh_database(url: str) -> tuple[str, Callable[[], None]]:
    """A URL to a new, empty schema or database on the server at ``url``, and how to drop it."""
    from hpf_adapters.sql import engine_for  # noqa: PLC0415 - the sql extra is optional

    name = f"hpf_kit_{uuid.uuid4().hex[:12]}"
    postgres = url.startswith("postgresql")
    what = "SCHEMA" if postgres else "DATABASE"
    admin = engine_for(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE {what} {name}")

    def drop() -> None:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP {what} {name}" + (" CASCADE" if postgres else ""))
        admin.dispose()

    fresh = f"{url}?options=-csearch_path%3D{name}" if postgres else f"{url.rsplit('/', 1)[0]}/{name}"
    return fresh, drop


# --------------------------------------------------------------------------- the demo centre


@attrs.frozen
class DemoMember:
    """A member :func:`seed_centre` opened: their deposit account, phone and the initial
    password their credentials take (the last 8 characters of their ID number)."""

    member: Member
    account_no: str
    password: str = attrs.field(repr=False)


_PEOPLE = (
    ("张三", "11010519491231002X", "13800138000"),
    ("李四", "440524188001010014", "13900139000"),
    ("王五", "11010219840406970X", "13700137000"),
)


def seed_centre(app: App, *, opened_on: date = date(2025, 1, 1)) -> tuple[DemoMember, ...]:
    """Open three members' deposit accounts at one employer, credit each an opening
    balance (10,000.00, 20,000.00, 30,000.00 yuan by transfer-in) and give each initial
    credentials; the members, for the test to log in and act as."""
    employer = Employer("E1", "示例单位")
    seeded = []
    for i, (name, id_number, phone) in enumerate(_PEOPLE, start=1):
        member = Member(f"M{i}", name, id_number, phone)
        account_no = f"A{i}"
        app.accounts.open_account(
            account_no=account_no,
            member=member,
            employer=employer,
            opened_on=opened_on,
            base=5000,
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
        app.accounts.receive_transfer(
            account_no=account_no, amount=Decimal(10000 * i), value_date=opened_on, key=f"seed/{account_no}"
        )
        with app.unit_of_work() as uow:
            uow.credentials.add(new_credentials(member.member_id, phone, id_number, app.hasher))
            uow.commit()
        seeded.append(DemoMember(member, account_no, id_number[-8:]))
    return tuple(seeded)


# --------------------------------------------------------------------------- pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """pytest's hook: the options ``--hpf-db`` and ``--hpf-centre``."""
    group = parser.getgroup("hpf", "hpf's test fixtures")
    group.addoption(
        "--hpf-db",
        default="memory",
        help="the store of hpf_app and hpf_units: memory (default), sqlite, or a server URL"
        " (postgresql:// or mysql://)",
    )
    group.addoption(
        "--hpf-centre", default="altay", help="the shipped centre policy hpf_app uses (default altay)"
    )


@pytest.fixture(name="hpf_clock")
def _clock() -> MovableClock:
    """A clock at :data:`START` the test moves; ``hpf_app`` reads it."""
    return MovableClock()


@pytest.fixture(name="hpf_app")
def _app(request: pytest.FixtureRequest, hpf_clock: MovableClock, tmp_path: Path) -> Iterator[App]:
    """A wired application on the store ``--hpf-db`` names, reading ``hpf_clock``; SMS codes
    are ``123456``, ``234567``, ... in order; passwords hashed fast (scrypt, n=2**10)."""
    db: str = request.config.getoption("--hpf-db")
    centre: str = request.config.getoption("--hpf-centre")
    codes = tuple(f"{(123456 + 111111 * i) % 1000000:06d}" for i in range(50))
    common = {
        "centre": centre,
        "codes": "fixed",
        "fixed_codes": codes,
        "clock": START,
        "password_cost": 2**10,
    }
    drop: Callable[[], None] | None = None
    if db == "memory":
        config = Config(hasher="scrypt", **common)  # type: ignore[arg-type]
    else:
        url = str(tmp_path / "hpf.db") if db == "sqlite" else db
        if db != "sqlite":
            url, drop = _fresh_database(db)
        config = Config(store="sql", url=url, key=SEALING_KEY, hasher="scrypt", **common)  # type: ignore[arg-type]
    app = build(config)
    if config.store == "sql":
        app.store.create_schema()  # type: ignore[union-attr]
    try:
        yield attrs.evolve(app, clock=hpf_clock)
    finally:
        if config.store == "sql":
            app.store.dispose()  # type: ignore[union-attr]
        if drop is not None:
            drop()


@pytest.fixture(name="hpf_bank")
def _bank(hpf_app: App) -> MemoryBank:
    """The app's simulated bank: ``hpf_bank.transfers`` lists what it paid."""
    assert isinstance(hpf_app.bank, MemoryBank)
    return hpf_app.bank


@pytest.fixture(name="hpf_sms")
def _sms(hpf_app: App) -> MemorySms:
    """The app's SMS outbox: ``hpf_sms.to(phone)`` lists the texts sent to a phone."""
    assert isinstance(hpf_app.sms, MemorySms)
    return hpf_app.sms


@pytest.fixture(name="hpf_centre")
def _centre(hpf_app: App) -> tuple[DemoMember, ...]:
    """The members :func:`seed_centre` opened in ``hpf_app``."""
    return seed_centre(hpf_app)


@pytest.fixture(name="hpf_units")
def _units(request: pytest.FixtureRequest) -> Callable[[], NewUnitOfWork]:
    """Makes a fresh store on the ``--hpf-db`` backend per call (for the state machines)."""
    db: str = request.config.getoption("--hpf-db")
    if db == "memory":
        return memory_units
    if db == "sqlite":
        return sqlite_units

    def on_server() -> NewUnitOfWork:
        return database_units(db)

    on_server.__name__ = "database"
    return on_server
