"""Crashes on every database (issue #12, D-047): a spawned child runs a fixed sequence of
units of work (monthly remittances of three accounts as one unit, withdrawals), each with
its own idempotency key, and is killed with SIGKILL at a random point. After each kill the
database holds only whole units — the balances are those after units 0..k-1 or after
0..k, where k is the unit the child had started, never anything between — every balance
equals the sum of its journal, and running unit k again with its key applies it exactly
once (and a second retry changes nothing).

Default run: 20 kills on each database (about 15 s each); ``-m soak``: 100 on each.
The seed of the kill points is printed, and ``HPF_CRASH_SEED`` repeats a run.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

import storage_workers as w

from hpf_adapters.sql import engine_for, upgrade

READY_WITHIN = 60.0
"""Seconds a child may take to start (import, build its app) before the test fails."""


def balances_and_journal(url: str) -> tuple[dict[str, Decimal], dict[str, Decimal], int]:
    """Each account's stored balance, the sum of its journal, and the journal's row count,
    read with plain SQL (not through the store)."""
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            stored = {
                str(number): fen
                for number, fen in connection.execute(sa.text("SELECT account_no, balance_fen FROM accounts"))
            }
            summed = {
                str(number): fen
                for number, fen in connection.execute(
                    sa.text("SELECT account_no, SUM(amount_fen) FROM journal GROUP BY account_no")
                )
            }
            rows = connection.execute(sa.text("SELECT COUNT(*) FROM journal")).scalar_one()
    finally:
        engine.dispose()

    def yuan(fen: object) -> Decimal:
        return Decimal(int(str(fen))) / 100

    return (
        {number: yuan(fen) for number, fen in stored.items()},
        {number: yuan(fen) for number, fen in summed.items()},
        int(rows),
    )


def journal_rows(done: int) -> int:
    """Journal rows after units 0..done-1: three per remittance (even unit), one per withdrawal."""
    return sum(3 if i % 2 == 0 else 1 for i in range(done))


def started(progress: Path) -> int | None:
    """The last unit the child had started, from its progress file."""
    lines = [line for line in progress.read_text(encoding="ascii").splitlines() if line.startswith("start ")]
    return int(lines[-1].split()[1]) if lines else None


def kill_and_check(url: str, kills: int, tmp_path: Path) -> None:
    upgrade(url)
    app = w.app_for(url)
    w.open_accounts(app, w.CRASH_ACCOUNTS)
    seed = int(os.environ.get("HPF_CRASH_SEED", random.randrange(2**32)))
    print(
        f"crash test on {url.split(':', maxsplit=1)[0] if '://' in url else 'sqlite'}: HPF_CRASH_SEED={seed}"
    )
    chance = random.Random(seed)
    context = multiprocessing.get_context("spawn")
    done = 0  # units 0..done-1 are applied, each once
    landed = 0  # kills that hit after the child had started a unit
    lost = 0  # ... of which the unit had not committed
    try:
        for kill in range(kills):
            progress = tmp_path / f"progress-{kill}.txt"
            progress.touch()
            child = context.Process(target=w.run_units, args=(url, done, str(progress)))
            child.start()
            deadline = time.monotonic() + READY_WITHIN
            while "ready" not in progress.read_text(encoding="ascii"):
                assert child.is_alive(), f"the child died before it was ready (exit code {child.exitcode})"
                assert time.monotonic() < deadline, "the child did not start in time"
                time.sleep(0.01)
            time.sleep(chance.uniform(0.0, 0.3))
            child.kill()  # SIGKILL: no exception handler, no rollback, no close
            child.join(30)
            assert child.exitcode == -9

            in_flight = started(progress)
            if in_flight is None:  # killed before its first unit
                continue
            landed += 1
            stored, summed, rows = balances_and_journal(url)
            assert stored == {n: summed.get(n, Decimal(0)) for n in stored}  # balance = sum of its journal
            before, after = w.expected_balances(in_flight), w.expected_balances(in_flight + 1)
            assert stored in (before, after), f"kill {kill}: a partial unit {in_flight}: {stored}"
            assert rows == journal_rows(in_flight + (stored == after and before != after))
            lost += stored == before

            w.unit(app, in_flight)  # the caller's retry, same key
            w.unit(app, in_flight)  # and once more
            stored, summed, rows = balances_and_journal(url)
            assert stored == after, f"kill {kill}: unit {in_flight} not applied exactly once"
            assert summed == after
            assert rows == journal_rows(in_flight + 1)
            done = in_flight + 1
    finally:
        app.store.dispose()  # type: ignore[union-attr]
    print(f"{kills} kills, {landed} after a unit started ({lost} of them before it committed), {done} units")
    assert landed >= kills // 2  # most kills hit a child at work


@pytest.mark.parametrize("run", [pytest.param("default"), pytest.param("soak", marks=pytest.mark.soak)])
def test_every_database_keeps_only_whole_units_of_work_across_sigkill(
    empty_database: str, run: str, tmp_path: Path
) -> None:
    kill_and_check(empty_database, 100 if run == "soak" else 20, tmp_path)
