"""Load on every database from separate processes (issue #12, D-047): 8 processes started
with ``spawn`` go through the public services at once — withdrawals from one balance,
checks of one SMS code, failed logins on one account, one employer's remittance of one
month under eight keys — and nothing is lost or doubled.

The sizes of the issue (8 x 125 withdrawals against 50,000.00, ten codes, 80 failed
logins) are the ``full`` case, marked ``soak`` (``pytest -m soak tests/storage``); the
default run keeps 8 processes on every database with fewer requests (``small``). Starting 8
interpreters costs most of a case's time, so one set of processes runs all three races.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

import storage_workers as w

from hpf_adapters.sql import engine_for, upgrade
from hpf_core.members import CodePurpose, new_credentials

PROCESSES = 8
TIMEOUT = 240.0
"""Seconds the children of one test may take in all before the test fails."""


def run_children(target: Callable[..., None], args: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Start one spawned process per argument tuple (each gets a shared barrier and a
    result queue appended), wait for all within ``TIMEOUT`` and return what each reported."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(args))
    results = context.Queue()
    children = [context.Process(target=target, args=(*a, start, results)) for a in args]
    for child in children:
        child.start()
    deadline = time.monotonic() + TIMEOUT
    outcomes: list[dict[str, Any]] = []
    try:
        while len(outcomes) < len(children):
            outcomes.append(results.get(timeout=max(1.0, deadline - time.monotonic())))
        for child in children:
            child.join(max(1.0, deadline - time.monotonic()))
            assert child.exitcode == 0, f"child exit code {child.exitcode}"
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
                child.join()
    return sorted(outcomes, key=lambda outcome: int(outcome["worker"]))


def scalar(url: str, statement: str) -> Any:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(statement)).scalar_one()
    finally:
        engine.dispose()


def prepare(url: str, balance: str, phones: Sequence[str], login_phone: str) -> None:
    """A1 with ``balance`` (and A2, A3 of the same employer, empty), a code sent to each of
    ``phones``, credentials with ``login_phone``."""
    upgrade(url)
    app = w.app_for(url)
    w.open_accounts(app, ["A1", "A2", "A3"])
    app.accounts.receive_transfer(account_no="A1", amount=balance, value_date=date(2025, 1, 3), key="in")
    for phone in phones:  # one code a phone, all "042817" (the fixed code source)
        app.send_code(phone, CodePurpose.LOGIN)
    with app.unit_of_work() as uow:
        uow.credentials.add(new_credentials("M9", login_phone, w.ID_NUMBERS[2], app.hasher))
        uow.commit()
    app.store.dispose()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("withdrawals", "balance", "codes", "logins"),
    [
        pytest.param(20, "8000.00", 2, 3, id="small"),
        pytest.param(125, "50000.00", 10, 10, id="full", marks=pytest.mark.soak),
    ],
)
def test_8_racing_processes_lose_and_double_nothing(
    empty_database: str, withdrawals: int, balance: str, codes: int, logins: int
) -> None:
    """Full size (the issue's): 8 x 125 withdrawals of 100.00 against 50,000.00, 8 checks of
    each of 10 codes, 8 x 10 failed logins on one account. Small: 8 x 20 against 8,000.00,
    2 codes, 8 x 3 failed logins."""
    url = empty_database
    phones = tuple(f"1380013{n:04d}" for n in range(codes))
    login_phone = "13900139000"
    prepare(url, balance, phones, login_phone)

    outcomes = run_children(
        w.race, [(url, i, withdrawals, phones, (login_phone, logins), True) for i in range(PROCESSES)]
    )

    assert [o["errors"] for o in outcomes] == [[]] * PROCESSES  # no error but insufficient funds
    succeed = int(Decimal(balance) / Decimal("100.00"))  # 500 (full) or 80 (small)
    assert PROCESSES * withdrawals > succeed  # more asked than the balance holds
    assert sum(o["ok"] for o in outcomes) == succeed
    assert sum(o["refused"] for o in outcomes) == PROCESSES * withdrawals - succeed
    assert scalar(url, "SELECT COUNT(*) FROM journal WHERE amount_fen = -10000") == succeed
    assert scalar(url, "SELECT SUM(amount_fen) FROM journal WHERE account_no = 'A1'") == 120000
    # then 8 remittances of one month with 8 keys: one posts (1,200.00 each to A1..A3, the
    # withdrawals having emptied A1), seven are refused "month_paid" for each of the three
    # accounts and change nothing
    assert sum(o["remitted"] for o in outcomes) == 1
    assert sorted(code for o in outcomes for code in o["remit_refused"]) == ["month_paid"] * 7 * 3
    assert scalar(url, "SELECT SUM(balance_fen) FROM accounts") == 3 * 120000
    assert scalar(url, "SELECT COUNT(*) FROM journal WHERE amount_fen = 120000") == 3
    assert scalar(url, "SELECT COUNT(*) FROM journal") == succeed + 1 + 3  # and the transfer in

    winners = sorted(phone for o in outcomes for phone in o["won"])
    assert winners == sorted(phones)  # each code: exactly one of the 8 racing checks
    assert sum(o["lost"] for o in outcomes) == codes * (PROCESSES - 1)
    app = w.app_for(url)
    for phone in phones:
        issued = app.code_store.get(phone, CodePurpose.LOGIN)
        assert issued is not None
        assert issued.attempts == PROCESSES  # every check counted
        assert issued.used_at is not None

    assert sum(o["failed"] for o in outcomes) == PROCESSES * logins
    with app.unit_of_work() as uow:
        credentials = uow.credentials.by_phone(login_phone)
    assert credentials is not None
    assert credentials.lock_state(w.LOGIN_POLICY_GROUP).failures == PROCESSES * logins  # none lost
    app.store.dispose()  # type: ignore[union-attr]
