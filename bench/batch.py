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
  also reads the chunk's journal rows): interest year 2025 with 1 worker, 2026 with 2;
- with ``--loans``, the loan deduction (an untimed first collection on 1 September 2025,
  then 1 October with 1 worker and 1 November with 2: one instalment a loan each) and the
  repricing, next to their floors. ``--jobs`` picks the jobs (the interest needs the
  remittance before it). The repricing's floor does the job's arithmetic too, in plain
  Python on each loan's text (SQLite and MariaDB cannot compute the exact annuity in SQL),
  and is checked equal to hpf's text, byte for byte, on a sample of the loans (D-080).

Peak memory is sampled from /proc every 20 ms: the largest single process, and all the
processes of the step together (``ru_maxrss`` would not do: a spawned child inherits its
parent's high-water mark).

Run: ``python bench/batch.py --smoke`` (2,000 accounts, SQLite and whatever server is
reachable; with ``CI=true`` an unreachable server stops the run, as in ``.ci/run``) or
``python bench/batch.py --accounts 100000``. The servers are the ones in
``HPF_TEST_POSTGRES`` / ``HPF_TEST_MARIADB``; each run makes its own schema or database and
drops it. Results are printed as a Markdown table (docs/performance.md, "Batch jobs").
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import attrs
import sqlalchemy as sa
from _databases import MARIADB, POSTGRES, database, unreachable
from _repricing_floor import Lookups, repriced
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hpf_adapters.batch import AnyJob, InterestSettlement, LoanDeduction, Remittance, Repricing, run_job
from hpf_adapters.policies import load_policy
from hpf_adapters.sql import Keyring, SqlStore, engine_for
from hpf_core.accounts import DepositAccount, Employer, Member, deposit_rate_changes
from hpf_core.loans import Borrower, LoanAccount, OffsetSigner, SignerRole, open_loan, sign_offset

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


def _account(n: int) -> DepositAccount:
    member = Member(f"M{n:08d}", "职工", id_number(n))
    return DepositAccount(
        f"A{n:08d}", member, Employer(f"E{n % 97:03d}", "单位"), date(2025, 1, 2),
        Decimal(3000 + n % 20000), RATIO, RATIO, first_month=date(2025, 1, 1),
    )  # fmt: skip


SEED_ROWS = 20_000
"""Rows a statement when seeding (an ``executemany``; ``COPY`` on PostgreSQL)."""


def seed(url: str, count: int) -> None:
    """``count`` accounts written straight into ``accounts``: each row's record is the
    repository's canonical text of account 0 with the number, member, ID number (sealed
    anew), employer and base put in — the same text the repository writes (checked on the
    first rows against its own encoder) — 20,000 rows a statement, ``COPY`` on
    PostgreSQL."""
    ring = Keyring.from_secret(SECRET)
    store = SqlStore(url, ring)
    try:
        with store.unit_of_work() as uow:
            template = uow.accounts._row(_account(0))["body"]
            sealed0 = json.loads(template)["member"]["id_number"]
            template = (
                template.replace('"A00000000"', '"{no}"').replace('"M00000000"', '"{member}"')
                .replace(sealed0, "{sealed}").replace('"E000"', '"{employer}"')
                .replace('"base":"3000"', '"base":"{base}"')
            )  # fmt: skip
            template = template.replace("{", "{{").replace("}", "}}")
            for name in ("no", "member", "sealed", "employer", "base"):
                template = template.replace("{{" + name + "}}", "{" + name + "}")
            probe = [uow.accounts._row(_account(n)) for n in range(3)]
        hashes = [ring.hash(id_number(n), "id_number") for n in range(3)]
        assert [p["id_hash"] for p in probe] == hashes
        for n, row in enumerate(probe):  # the template writes what the repository writes
            found = json.loads(row["body"])
            mine = json.loads(_body(template, n, found["member"]["id_number"]))
            assert mine == found, n
            assert _body(template, n, found["member"]["id_number"]) == row["body"], n
        seal = _sealer(ring)
        assert ring.open(seal(id_number(7)), "id_number") == id_number(7)  # the keyring opens it
        kind = store.dialect
        for start in range(0, count, SEED_ROWS):
            rows = [
                (
                    f"A{n:08d}", f"M{n:08d}", ring.hash(id_number(n), "id_number"), f"E{n % 97:03d}",
                    "01", 0, 0,
                    _body(template, n, seal(id_number(n))),
                )
                for n in range(start, min(count, start + SEED_ROWS))
            ]  # fmt: skip
            _write_rows(store, kind, "accounts", _ACCOUNT_COLUMNS, rows)
    finally:
        store.dispose()


_ACCOUNT_COLUMNS = (
    "account_no",
    "member_id",
    "id_hash",
    "employer_no",
    "status",
    "balance_fen",
    "version",
    "body",
)
_LOAN_COLUMNS = ("contract_no", "balance_fen", "settled_on", "version", "body")


def _sealer(ring: Keyring) -> Callable[[str], str]:
    """:meth:`Keyring.seal` of ID numbers with one AES-GCM object (the keyring makes one
    a call): the same form, ``enc1:<key id>:<base64 of nonce + ciphertext>``, the field
    name as associated data."""
    aes = AESGCM(ring.keys[ring.current])

    def seal(text: str) -> str:
        nonce = os.urandom(12)
        sealed = aes.encrypt(nonce, text.encode(), b"id_number")
        return f"enc1:{ring.current}:{base64.b64encode(nonce + sealed).decode()}"

    return seal


def _body(template: str, n: int, sealed: str) -> str:
    return template.format(
        no=f"A{n:08d}", member=f"M{n:08d}", sealed=sealed, employer=f"E{n % 97:03d}", base=3000 + n % 20000
    )


def _write_rows(
    store: SqlStore, kind: str, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """One statement of rows: ``COPY`` on PostgreSQL, else one ``executemany``."""
    with store.unit_of_work() as uow:
        connection = uow.connection()
        raw: Any = connection.connection.driver_connection
        if kind == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            mark = "?" if kind == "sqlite" else "%s"
            cursor = raw.cursor()
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})",
                rows,
            )
        uow.commit()


def loan_templates(count: int) -> list[LoanAccount]:
    """``count`` distinct loans (principal, rate, term, method, disbursement day), each
    signed for the monthly offset by its borrower."""
    found = []
    for n in range(count):
        loan = open_loan(
            contract_no="HT00000000", borrowers=(Borrower(SignerRole.BORROWER, "张三", "A00000000"),),
            principal=Decimal(200_000 + 10_000 * (n % 60)), disbursed_on=date(2025, 4, 1 + n % 28),
            term_months=(120, 240, 360)[n % 3], method=("equal-installment", "equal-principal")[n % 2],
            annual_rate=("0.031", "0.0325", "0.0285")[n % 3],
        )  # fmt: skip
        signer = OffsetSigner(SignerRole.BORROWER, "A00000000", "张三")
        agreement = sign_offset(
            None, contract_no="HT00000000", signer=signer, borrowers=[signer], on=date(2025, 4, 1)
        )
        found.append(attrs.evolve(loan, agreement=agreement))
    return found


def seed_loans(url: str, count: int) -> None:
    """``count`` loans, loan ``n`` on account ``n`` (borrower, signed for the offset): the
    canonical text of one of 120 distinct loans with the contract and account numbers put
    in, 2,000 rows a statement."""
    store = SqlStore(url, Keyring.from_secret(SECRET))
    try:
        with store.unit_of_work() as uow:
            templates = [uow.loans._row(loan) for loan in loan_templates(120)]
        for start in range(0, count, 2000):
            rows = []
            for n in range(start, min(count, start + 2000)):
                row = templates[n % len(templates)]
                body = row["body"].replace("HT00000000", f"HT{n:08d}").replace("A00000000", f"A{n:08d}")
                rows.append((f"HT{n:08d}", row["balance_fen"], None, 0, body))
            _write_rows(store, store.dialect, "loans", _LOAN_COLUMNS, rows)
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


def hpf_step(url: str, job: AnyJob, workers: int, chunk: int, out: Any) -> None:
    """Run ``job`` through hpf; report (seconds, peak MB of any one process)."""
    memory = PeakMemory()
    started = time.perf_counter()
    done = run_job(url, SECRET, job, workers=workers, chunk_size=chunk)
    spent = time.perf_counter() - started
    assert done.done, done
    assert done.posted == done.account_count, done
    out.put((spent, *memory.stop()))


def floor_step(
    url: str,
    kind: str,
    run_id: str,
    chunk: int,
    what: str,
    out: Any,
    job: Repricing | None = None,
    loan_table: str = "loans",
) -> None:
    """The bare SQL of a run: the same writes a chunk, on the driver's own connection.
    ``what``: ``remittance`` (lock and read the chunk's accounts, one ``executemany``
    compare-and-set ``UPDATE``, one multi-row ``INSERT`` of journal rows), ``interest``
    (the same, reading the chunk's journal too), ``repricing`` (the chunk's loans read and
    written back), ``deduction`` (the loans, then their signers' accounts by number, both
    written back, a deposit and a loan journal row each). On SQLite a record is written back
    with its text changed by one byte (a space added at the end), as a job's write changes
    it: SQLite does not write the pages of a value whose bytes are unchanged, so writing the
    same text back cost the floor less than the job's write costs the job (D-077); it runs
    on a copy (:func:`floor_on_copy`). ``what`` ending in ``/same`` writes the same text
    back (the floor before D-077), to show the difference; the servers' floors do so too.

    ``job``, a repricing's (D-080): its floor does the job's arithmetic too — each loan's
    remaining rows recomputed from its text and the text written back as the repository
    writes it (:mod:`_repricing_floor`), the loans the job leaves alone not written — on
    the table ``loan_table``. Without it the repricing's floor is the statements alone,
    each record written back changed by a byte as above (the floor before D-080)."""
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

    what, same = what.removesuffix("/same"), what.endswith("/same") or kind != "sqlite"

    def changed(body: str) -> str:
        return body if same else body[:-1] if body.endswith(" ") else body + " "

    loans = what in ("repricing", "deduction")
    lookups = None if job is None else Lookups(job)
    table, key = (loan_table, "contract_no") if loans else ("accounts", "account_no")
    memory = PeakMemory()
    started = time.perf_counter()
    cursor = raw.cursor()
    cursor.execute(f"SELECT {key} FROM {table} ORDER BY {key}")
    numbers = [row[0] for row in cursor.fetchall()]
    bounds = [(numbers[i], numbers[min(i + chunk, len(numbers)) - 1]) for i in range(0, len(numbers), chunk)]
    del numbers
    cursor.execute(
        sql("INSERT INTO batch_runs VALUES (?, 'floor', ?, '{}', ?, ?, '', NULL)"),
        (run_id, run_id, len(bounds), 0),
    )
    cursor.executemany(
        sql("INSERT INTO batch_chunks VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, '{}', '', NULL)"),
        [(run_id, n, first, last, False) for n, (first, last) in enumerate(bounds)],
    )

    def write_accounts(rows: list[Any]) -> None:
        cursor.executemany(
            sql(
                "UPDATE accounts SET balance_fen = ?, version = ?, body = ? "
                "WHERE account_no = ? AND version = ?"
            ),
            [(b, v + 1, changed(body), no, v) for no, b, v, body in rows],
        )
        values = ", ".join(["(?, 'interest', 100, ?, ?, NULL, 2025, NULL, '')"] * len(rows))
        cursor.execute(
            sql(
                "INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, month, "
                f"interest_year, reverses, memo) VALUES {values}"
            ),
            [x for no, *_ in rows for x in (no, date(2026, 7, 1), f"floor/{run_id}/{no}")],
        )

    for n, (first, last) in enumerate(bounds):
        cursor.execute("BEGIN IMMEDIATE" if kind == "sqlite" else "BEGIN")
        cursor.execute(
            sql("SELECT chunk FROM batch_chunks WHERE run_id = ? AND chunk = ? AND done = ?") + lock,
            (run_id, n, False),
        )
        cursor.fetchall()
        if loans:
            cursor.execute(
                sql(
                    f"SELECT contract_no, balance_fen, version, body FROM {table} "
                    "WHERE contract_no BETWEEN ? AND ?"
                )
                + lock,
                (first, last),
            )
            rows = cursor.fetchall()
            if lookups is None:
                written = [(b, v + 1, changed(body), no, v) for no, b, v, body in rows]
            else:  # the repricing's arithmetic on each record's text (D-080)
                written = [
                    (b, v + 1, text, no, v)
                    for no, b, v, body in rows
                    if (text := repriced(body, v, lookups)) is not None
                ]
            cursor.executemany(
                sql(
                    f"UPDATE {table} SET balance_fen = ?, version = ?, body = ? "
                    "WHERE contract_no = ? AND version = ?"
                ),
                written,
            )
            if what == "deduction":
                signers = sorted("A" + no[2:] for no, *_ in rows)  # loan HTn is on account An
                cursor.execute(
                    sql(
                        "SELECT account_no, balance_fen, version, body FROM accounts WHERE account_no IN "
                        f"({', '.join(['?'] * len(signers))}) ORDER BY account_no"
                    )
                    + lock,
                    signers,
                )
                write_accounts(cursor.fetchall())
                values = ", ".join(["(?, 'repayment', ?, 100, 10, 0, 'hpf', ?, 1000, 1)"] * len(rows))
                cursor.execute(
                    sql(
                        "INSERT INTO loan_journal (contract_no, kind, on_date, principal_fen, interest_fen, "
                        f"penalty_fen, source, idem_key, balance_after_fen, period) VALUES {values}"
                    ),
                    [x for no, *_ in rows for x in (no, date(2025, 7, 1), f"floor/{run_id}/{no}")],
                )
        else:
            cursor.execute(
                sql(
                    "SELECT account_no, balance_fen, version, body FROM accounts "
                    "WHERE account_no BETWEEN ? AND ?"
                )
                + lock,
                (first, last),
            )
            rows = cursor.fetchall()
            if what == "interest":
                cursor.execute(
                    sql("SELECT * FROM journal WHERE account_no BETWEEN ? AND ? ORDER BY seq"), (first, last)
                )
                cursor.fetchall()
            write_accounts(rows)
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


def floor_on_copy(
    url: str, kind: str, run_id: str, chunk: int, what: str, out: Any, job: Repricing | None = None
) -> None:
    """:func:`floor_step` on SQLite on a copy of the database file (made before the timing
    starts, removed after), so that the floor's writes — each record's text changed by a
    byte — leave the database the jobs run on as it was: a record one byte longer no longer
    fits where it was, and the pages the copy's records move to are not the job's to read.
    On the servers, the floor itself on the database (its records written back unchanged),
    but for the repricing's floor with its arithmetic (``job``, D-080), which writes the
    repriced text: on a copy of the loans table (``floor_loans``, made before the timing
    starts and dropped after), so the job still finds every loan to reprice."""
    if kind != "sqlite" and job is None:
        floor_step(url, kind, run_id, chunk, what, out)
        return
    if kind != "sqlite":
        engine = engine_for(url)
        with engine.begin() as connection:
            like = "(LIKE loans INCLUDING ALL)" if kind == "postgresql" else "LIKE loans"
            connection.exec_driver_sql(f"CREATE TABLE floor_loans {like}")
            connection.exec_driver_sql("INSERT INTO floor_loans SELECT * FROM loans")
        try:
            floor_step(url, kind, run_id, chunk, what, out, job, "floor_loans")
        finally:
            with engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE floor_loans")
            engine.dispose()
        return
    copy = f"{url}.floor"
    source = sqlite3.connect(url)
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    try:
        floor_step(copy, kind, run_id, chunk, what, out, job)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(copy + suffix).unlink(missing_ok=True)


def measured(target: Any, url: str, *args: Any, **kwargs: Any) -> tuple[float, float, float]:
    """Run ``target(url, *args, out, **kwargs)`` in a new process; its (seconds, peak MB of the
    largest process, peak MB of all its processes together). On SQLite the write-ahead log
    is checkpointed and emptied first (untimed), so no step pays for the one before."""
    if "://" not in url:
        connection = sqlite3.connect(url, isolation_level=None)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        connection.close()
    args = (url, *args)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=target, args=(*args, out), kwargs=kwargs)
    process.start()
    result = out.get(timeout=3600)
    process.join()
    return cast(tuple[float, float, float], result)


SAMPLE = 2000
"""Loans a repricing's check reads (every loan in a smaller run)."""


_SAMPLED = sa.text("SELECT contract_no, version, body FROM loans WHERE contract_no IN :numbers").bindparams(
    sa.bindparam("numbers", expanding=True)
)


def sample_loans(url: str, count: int) -> dict[str, tuple[int, str]]:
    """Every ``count // SAMPLE``-th loan's (version, text), read before a repricing."""
    numbers = [f"HT{n:08d}" for n in range(0, count, max(1, count // SAMPLE))]
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(_SAMPLED, {"numbers": numbers}).all()
    finally:
        engine.dispose()
    assert len(found) == len(numbers), "a sampled loan is missing"
    return {no: (version, body) for no, version, body in found}


def same_loans(url: str, before: dict[str, tuple[int, str]], job: Repricing) -> None:
    """Assert that hpf's repricing left each sampled loan with the text the floor's
    arithmetic (:mod:`_repricing_floor`) makes of its text before: the floor does the
    job's arithmetic, byte for byte (D-080)."""
    lookups = Lookups(job)
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            read = connection.execute(_SAMPLED, {"numbers": sorted(before)}).all()
            after = {no: body for no, _, body in read}
    finally:
        engine.dispose()
    changed = 0
    for no, (version, body) in before.items():
        mine = repriced(body, version, lookups)
        assert (mine or body) == after[no], f"loan {no}: the floor's text differs from hpf's"
        changed += mine is not None
    assert changed, "no sampled loan was repriced"
    print(f"repricing: the floor's text equals hpf's on {len(before):,} loans ({changed:,} repriced)",
          file=sys.stderr)  # fmt: skip


def same_text_floor(url: str, kind: str, what: str, chunk: int) -> float | None:
    """On SQLite, the seconds of the floor of ``what`` writing each record's text back
    unchanged (before D-077); on the servers their floor already does, so None."""
    if kind != "sqlite":
        return None
    return measured(floor_on_copy, url, kind, f"floor/{what}/same", chunk, f"{what}/same")[0]


@attrs.frozen
class Row:
    kind: str
    job: str
    count: int
    workers: int
    seconds: float
    floor: float
    peak_mb: float
    peak_all_mb: float
    floor_same: float | None = None
    """The loan jobs' other floor: the deduction's writing each record's text back
    unchanged (before D-077), the repricing's without the arithmetic (before D-080)."""


@attrs.frozen
class Approving:
    """A bank that takes every card debit and keeps nothing (the same answer for a debit
    id in every worker process)."""

    def debit(self, *, debit_id: str, contract_no: str, amount: Decimal, card_number: str = "") -> bool:
        return True


JOBS = ("remittance", "deduction", "repricing", "interest")
"""The jobs timed, in the order they run (``--jobs`` takes a subset)."""


def bench(kind: str, count: int, loans: int, chunk: int, jobs: tuple[str, ...] = JOBS) -> list[Row]:
    out: list[Row] = []
    with database(kind, "hpf_batch") as url:
        started = time.perf_counter()
        seed(url, count)
        print(f"{kind}: seeded {count:,} accounts in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        started = time.perf_counter()
        seed_loans(url, loans)
        print(f"{kind}: seeded {loans:,} loans in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        floor_mb = 0.0
        for workers, month in ((1, 7), (2, 8)) if "remittance" in jobs else ():
            if workers == 1:
                floor_remit, floor_mb, _ = measured(
                    floor_on_copy, url, kind, "floor/remittance", chunk, "remittance"
                )
            job: AnyJob = Remittance(date(2025, month, 1), date(2025, month, 15), "half-up-yuan")
            spent, peak, peak_all = measured(hpf_step, url, job, workers, chunk)
            out.append(Row(kind, "remittance", count, workers, spent, floor_remit, peak, peak_all))
            print(f"{kind}: {out[-1]}", file=sys.stderr)
        if loans:
            servicing = load_policy("altay").loans.servicing
            loan_chunk = max(1, chunk // 5)  # a loan's record is ~11 KB, its schedule 120-360 rows
            if "deduction" in jobs:
                floor_deduct, _, _ = measured(
                    floor_on_copy, url, kind, "floor/deduction", loan_chunk, "deduction"
                )
                same_deduct = same_text_floor(url, kind, "deduction", loan_chunk)
                # untimed: the loans' first months (four bills since May, overdue, with penalty)
                first = LoanDeduction(date(2025, 9, 1), servicing, Approving())
                measured(hpf_step, url, first, 2, loan_chunk)
            # timed: a month's collection each, one instalment a loan (the steady state)
            for workers, on in (
                ((1, date(2025, 10, 1)), (2, date(2025, 11, 1))) if "deduction" in jobs else ()
            ):
                job = LoanDeduction(on, servicing, Approving())
                spent, peak, peak_all = measured(hpf_step, url, job, workers, loan_chunk)
                out.append(
                    Row(kind, "deduction", loans, workers, spent, floor_deduct, peak, peak_all, same_deduct)
                )
                print(f"{kind}: {out[-1]}", file=sys.stderr)
            # 2 workers: a notional second change the day after (the rate of 8 May in force)
            for workers, change in (
                ((1, date(2025, 5, 8)), (2, date(2025, 5, 9))) if "repricing" in jobs else ()
            ):
                job = Repricing(change, date(2026, 1, 1), servicing)
                if workers == 1:  # the floor with the arithmetic, and without it (D-080)
                    floor_reprice, _, _ = measured(
                        floor_on_copy, url, kind, "floor/repricing", loan_chunk, "repricing", job=job
                    )
                    same_reprice, _, _ = measured(
                        floor_on_copy, url, kind, "floor/statements", loan_chunk, "repricing"
                    )
                    before = sample_loans(url, loans)
                spent, peak, peak_all = measured(hpf_step, url, job, workers, loan_chunk)
                if workers == 1:
                    same_loans(url, before, job)
                out.append(
                    Row(kind, "repricing", loans, workers, spent, floor_reprice, peak, peak_all, same_reprice)
                )
                print(f"{kind}: {out[-1]}", file=sys.stderr)
        interest = InterestSettlement(2025, RATES, "actual/360", date(2026, 7, 1))
        for workers in (1, 2) if "interest" in jobs else ():
            if workers == 1:
                floor_interest, _, _ = measured(floor_on_copy, url, kind, "floor/interest", chunk, "interest")
            else:  # the next interest year: every account has a balance to earn on
                interest = InterestSettlement(2026, RATES_2026, "actual/360", date(2027, 7, 1))
            spent, peak, peak_all = measured(hpf_step, url, interest, workers, chunk)
            out.append(Row(kind, "interest", count, workers, spent, floor_interest, peak, peak_all))
            print(f"{kind}: {out[-1]}", file=sys.stderr)
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
    parser.add_argument("--loans", type=int, default=20_000, help="loans for the loan jobs (0: none)")
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--databases", default="sqlite,postgresql,mariadb")
    parser.add_argument("--jobs", default=",".join(JOBS), help="a subset of " + ",".join(JOBS))
    args = parser.parse_args(argv)
    count, chunk = (2000, 250) if args.smoke else (args.accounts, args.chunk)
    loans = min(count, 500 if args.smoke else args.loans)
    rows: list[Row] = []
    for kind in args.databases.split(","):
        if not _reachable(kind):
            unreachable(kind, "no connection")
            continue
        rows.extend(bench(kind, count, loans, chunk, tuple(args.jobs.split(","))))
    print(
        f"\n{count:,} accounts, {loans:,} loans, chunks of {chunk:,} (of loans {max(1, chunk // 5):,}), "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "Other floor: the deduction's on SQLite writing each record's text back unchanged (before "
        "D-077); the repricing's doing the statements alone, without the arithmetic (before D-080).\n"
    )
    print(
        "| database | job | records | workers | hpf s | records/s | bare SQL s | ratio "
        "| peak MB (largest / all) | other floor s | ratio to it |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        same = "" if r.floor_same is None else f"{r.floor_same:.1f} | {r.seconds / r.floor_same:.1f}x"
        print(
            f"| {r.kind} | {r.job} | {r.count:,} | {r.workers} | {r.seconds:.1f} "
            f"| {r.count / r.seconds:,.0f} | "
            f"{r.floor:.1f} | {r.seconds / r.floor:.1f}x | {r.peak_mb:.0f} / {r.peak_all_mb:.0f} | "
            f"{same or ' | '} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
