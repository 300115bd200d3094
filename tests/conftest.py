"""Shared test settings. Hypothesis profiles: the default keeps CI quick; set
HPF_HYPOTHESIS_PROFILE=thorough for a long soak (10x the examples of the default).

The contract tests (``tests/contract``) take their adapters from the fixtures at the end:
``new_uow`` over every factory of ``UNIT_OF_WORK_ADAPTERS`` and ``code_store`` over every
factory of ``CODE_STORE_ADAPTERS``. A new adapter (SQLite, PostgreSQL, Redis, ...) joins
by adding a factory there; each factory makes a FRESH, empty adapter; the contract modules
are unchanged."""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from hpf_adapters.memory import MemoryStore
from hpf_adapters.sms import MemoryCodeStore
from hpf_core.accounts import DepositAccount, Employer, Member
from hpf_core.errors import HpfError
from hpf_core.ports import UnitOfWork, VerificationCodeStore

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


UNIT_OF_WORK_ADAPTERS: list[Callable[[], NewUnitOfWork]] = [memory_store]
CODE_STORE_ADAPTERS: list[Callable[[], VerificationCodeStore]] = [memory_code_store]


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
