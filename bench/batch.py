"""Benchmark of the centre-scale batch jobs (issue #16, D-059).

For each database (SQLite, PostgreSQL, MariaDB) a new database gets N accounts (written
straight into the tables, as the repository encodes them), then, each in its own process so
its peak memory is its own:

- ``hpf remittance`` — :func:`hpf_adapters.batch.run_job` of a month's remittance, with 1
  worker, then another month with 2 workers;
- ``floor remittance`` — the bare SQL doing the same writes a chunk (the driver's own
  cursor: lock and read the chunk's accounts, one ``executemany`` compare-and-set
  ``UPDATE``, one ``INSERT`` of the journal rows, the chunk's checkpoint, in one
  transaction), with the amounts computed beforehand: the floor for that database;
- ``hpf interest`` / ``floor interest`` — the same for the interest settlement (the floor
  also reads the chunk's journal rows): interest year 2025 with 1 worker, 2026 with 2.

Peak memory is sampled from /proc every 20 ms: the largest single process, and all the
processes of the step together (``ru_maxrss`` would not do: a spawned child inherits its
parent's high-water mark).

Run: ``python bench/batch.py --smoke`` (2,000 accounts, SQLite and whatever server is
reachable) or ``python bench/batch.py --accounts 100000``. The servers are the ones in
``HPF_TEST_POSTGRES`` / ``HPF_TEST_MARIADB``; each run makes its own schema or database and
drops it. Results are printed as a Markdown table (docs/performance.md, "Batch jobs").
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import attrs
import sqlalchemy as sa
from _databases import MARIADB, POSTGRES, database

from hpf_adapters.batch import InterestSettlement, Job, Remittance, run_job
from hpf_adapters.sql import Keyring, SqlStore, engine_for
from hpf_adapters.sql import _tables as t
from hpf_core.accounts import DepositAccount, Employer, Member, deposit_rate_changes

SECRET = b"bench: a secret of at least 32 bytes, not a real key"
RATIO = Decimal("0.12")
RATES = deposit_rate_changes(date(2025, 7, 1), date(2026, 6, 30))
RATES_2026 = deposit_rate_changes(date(2026, 7, 1), date(2027, 6, 30))


def id_number(n: int) -> str:
    """A valid resident ID number (GB 11643 check digit), different for each ``n``."""
    born = date.fromordinal(date(1960, 1, 1).toordinal() + n % 20000)
    body = f"11{n // 20000 % 10000:04d}{born:%Y%m%d}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def seed(url: str, count: int) -> None:
    """``count`` accounts written straight into ``accounts``, 5,000 rows a statement, each
    row as the repository encodes it (a benchmark may use the repository's private
    encoder on purpose)."""
    store = SqlStore(url, Keyring.from_secret(SECRET))
    try:
        for start in range(0, count, 5000):
            with store.unit_of_work() as uow:
                rows = []
                for n in range(start, min(count, start + 5000)):
                    member = Member(f"M{n:08d}", "职工", id_number(n))
                    account = DepositAccount(
                        f"A{n:08d}", member, Employer(f"E{n % 97:03d}", "单位"), date(2025, 1, 2),
                        Decimal(3000 + n % 20000), RATIO, RATIO, first_month=date(2025, 1, 1),
                    )  # fmt: skip
                    encoded = uow.accounts._row(account)
                    rows.append({"account_no": account.account_no, "version": 0, **encoded})
                uow.connection().execute(sa.insert(t.accounts), rows)
                uow.commit()
    finally:
        store.dispose()


# --------------------------------------------------------------------------- hpf and the floor


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *_descendants(int(child))]
    except OSError:
        pass
    return found


class PeakMemory:
    """Samples, every 20 ms, the resident memory of this process and of every process it
    started (its workers): the peak of the largest one and the peak of their sum, in MB.
    (``ru_maxrss`` would not do: a spawned child inherits its parent's high-water mark.)"""

    def __init__(self) -> None:
        self.one = self.all = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = [_rss_kb(pid) for pid in (os.getpid(), *_descendants(os.getpid()))]
            sizes = [size for size in sizes if size]
            self.one = max(self.one, *sizes)
            self.all = max(self.all, sum(sizes))
            self._stop.wait(0.02)

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        self._thread.join()
        return self.one / 1024, self.all / 1024


def hpf_step(url: str, job: Job, workers: int, chunk: int, out: Any) -> None:
    """Run ``job`` through hpf; report (seconds, peak MB of any one process)."""
    memory = PeakMemory()
    started = time.perf_counter()
    done = run_job(url, SECRET, job, workers=workers, chunk_size=chunk)
    spent = time.perf_counter() - started
    assert done.done, done
    assert done.posted == done.account_count, done
    out.put((spent, *memory.stop()))


def floor_step(url: str, kind: str, run_id: str, chunk: int, journal: bool, out: Any) -> None:
    """The bare SQL of a run: the same writes a chunk, on the driver's own connection."""
    engine = engine_for(url)
    proxy = engine.raw_connection()
    raw: Any = cast(Any, proxy.driver_connection)
    mark = "?" if kind == "sqlite" else "%s"
    lock = "" if kind == "sqlite" else " FOR UPDATE"
    if kind == "sqlite":
        raw.isolation_level = None
    elif kind == "postgresql":
        raw.autocommit = True
    else:
        raw.autocommit(True)

    def sql(text: str) -> str:
        return text.replace("?", mark)

    memory = PeakMemory()
    started = time.perf_counter()
    cursor = raw.cursor()
    cursor.execute(sql("SELECT account_no FROM accounts ORDER BY account_no"))
    numbers = [row[0] for row in cursor.fetchall()]
    bounds = [(numbers[i], numbers[min(i + chunk, len(numbers)) - 1]) for i in range(0, len(numbers), chunk)]
    cursor.execute(
        sql("INSERT INTO batch_runs VALUES (?, 'floor', ?, '{}', ?, ?, '', NULL)"),
        (run_id, run_id, len(bounds), len(numbers)),
    )
    cursor.executemany(
        sql("INSERT INTO batch_chunks VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, '{}', '', NULL)"),
        [(run_id, n, first, last, False) for n, (first, last) in enumerate(bounds)],
    )
    for n, (first, last) in enumerate(bounds):
        cursor.execute("BEGIN IMMEDIATE" if kind == "sqlite" else "BEGIN")
        cursor.execute(
            sql("SELECT chunk FROM batch_chunks WHERE run_id = ? AND chunk = ? AND done = ?") + lock,
            (run_id, n, False),
        )
        cursor.fetchall()
        cursor.execute(
            sql(
                "SELECT account_no, balance_fen, version, body FROM accounts WHERE account_no BETWEEN ? AND ?"
            )
            + lock,
            (first, last),
        )
        rows = cursor.fetchall()
        if journal:
            cursor.execute(
                sql("SELECT * FROM journal WHERE account_no BETWEEN ? AND ? ORDER BY seq"), (first, last)
            )
            cursor.fetchall()
        cursor.executemany(
            sql(
                "UPDATE accounts SET balance_fen = ?, version = ?, body = ? "
                "WHERE account_no = ? AND version = ?"
            ),
            [(b + 100, v + 1, body, no, v) for no, b, v, body in rows],
        )
        values = ", ".join(["(?, 'interest', 100, ?, ?, NULL, 2025, NULL, '')"] * len(rows))
        cursor.execute(
            sql(
                "INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, month, "
                f"interest_year, reverses, memo) VALUES {values}"
            ),
            [x for no, *_ in rows for x in (no, date(2026, 7, 1), f"floor/{run_id}/{no}")],
        )
        cursor.execute(
            sql("UPDATE batch_chunks SET done = ?, accounts = ?, posted = ? WHERE run_id = ? AND chunk = ?"),
            (True, len(rows), len(rows), run_id, n),
        )
        cursor.execute("COMMIT")
    spent = time.perf_counter() - started
    cursor.close()
    proxy.close()
    engine.dispose()
    out.put((spent, *memory.stop()))


def measured(target: Any, *args: Any) -> tuple[float, float, float]:
    """Run ``target(*args, out)`` in a new process; its (seconds, peak MB of the largest
    process, peak MB of all its processes together)."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=target, args=(*args, out))
    process.start()
    result = out.get(timeout=3600)
    process.join()
    return cast(tuple[float, float, float], result)


@attrs.frozen
class Row:
    kind: str
    job: str
    workers: int
    seconds: float
    floor: float
    peak_mb: float
    peak_all_mb: float


def bench(kind: str, count: int, chunk: int) -> list[Row]:
    out: list[Row] = []
    with database(kind, "hpf_batch") as url:
        started = time.perf_counter()
        seed(url, count)
        print(f"{kind}: seeded {count:,} accounts in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        floor_remit, floor_mb, _ = measured(floor_step, url, kind, "floor/remittance", chunk, False)
        for workers, month in ((1, 7), (2, 8)):
            job = Remittance(date(2025, month, 1), date(2025, month, 15), "half-up-yuan")
            spent, peak, peak_all = measured(hpf_step, url, job, workers, chunk)
            out.append(Row(kind, "remittance", workers, spent, floor_remit, peak, peak_all))
        floor_interest, _, _ = measured(floor_step, url, kind, "floor/interest", chunk, True)
        interest = InterestSettlement(2025, RATES, "actual/360", date(2026, 7, 1))
        for workers in (1, 2):
            if workers == 2:  # the next interest year: every account has a balance to earn on
                interest = InterestSettlement(2026, RATES_2026, "actual/360", date(2027, 7, 1))
            spent, peak, peak_all = measured(hpf_step, url, interest, workers, chunk)
            out.append(Row(kind, "interest", workers, spent, floor_interest, peak, peak_all))
        print(f"{kind}: floor peak {floor_mb:.0f} MB", file=sys.stderr)
    return out


def _reachable(kind: str) -> bool:
    if kind == "sqlite":
        return True
    engine = engine_for(POSTGRES if kind == "postgresql" else MARIADB)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="2,000 accounts, a quick check")
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--databases", default="sqlite,postgresql,mariadb")
    args = parser.parse_args(argv)
    count, chunk = (2000, 250) if args.smoke else (args.accounts, args.chunk)
    rows: list[Row] = []
    for kind in args.databases.split(","):
        if not _reachable(kind):
            print(f"{kind}: not reachable, skipped", file=sys.stderr)
            continue
        rows.extend(bench(kind, count, chunk))
    print(f"\n{count:,} accounts, chunks of {chunk:,}, load average {os.getloadavg()[0]:.1f}\n")
    print("| database | job | workers | hpf s | accounts/s | bare SQL s | ratio | peak MB (largest / all) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r.kind} | {r.job} | {r.workers} | {r.seconds:.1f} | {count / r.seconds:,.0f} | "
            f"{r.floor:.1f} | {r.seconds / r.floor:.1f}x | {r.peak_mb:.0f} / {r.peak_all_mb:.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
