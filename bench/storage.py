"""Storage benchmark (issue #12): units of work per second through hpf's services on
SQLite, PostgreSQL and MariaDB, next to the bare SQL statements that do the same reads
and writes (the floor), measured in the same run on the same database.

Workloads:

* withdrawal — ``app.accounts.withdraw`` of 100.00 from one account, each with its own
  idempotency key, one after another in one process;
* remittance — ``app.accounts.remit_month`` of one employer's 1,000 accounts (one unit of
  work: every account credited its 1,200.00, or none), one month after another.

The floor is one transaction through the driver's own connection (no SQLAlchemy, no
codec, no keys), with the statements hpf's unit issues for the same work: look the
idempotency key up, read the account row(s) (``FOR UPDATE`` on the servers), update
balance, version and body with compare-and-set (the record's text changed as hpf changes
it: balance, version, last value date and a remittance's month, D-078 and D-079, checked
equal to hpf's after each workload; the old floor, which wrote the text back unchanged, runs
beside it as a third column) and append the journal row(s) — for one
account one ``UPDATE`` and one ``INSERT``; for many, as hpf's ``save_many`` and
``append_many`` do (D-051), one ``executemany`` of the ``UPDATE`` and one multi-row
``INSERT ... RETURNING seq`` (on PostgreSQL ``INSERT ... SELECT FROM unnest(<arrays>)``) —
insert the idempotency key, commit. hpf additionally
validates, encodes each record as canonical JSON and seals/opens the personal data in each
body; that difference is what the ratio measures. Time is wall time (``time.perf_counter``)
summed over a sample's units, the two sides taking turns (50 withdrawals or one remittance
at a time) so that load from other work on the machine falls on both; best of
``--samples``.

Usage::

    python bench/storage.py                  # full: 1,000 withdrawals, 3 months of 1,000 accounts
    python bench/storage.py --smoke          # small sizes, seconds
    python bench/storage.py --history 120    # the remittance's accounts ten years old (D-079)
    python bench/storage.py --profile sqlite # where hpf's time goes (cProfile: shares, top 25)
    python bench/storage.py --profile sqlite --workload remittance

Servers: ``HPF_TEST_POSTGRES`` / ``HPF_TEST_MARIADB`` (the test suite's defaults); an
unreachable one is reported and skipped (with ``CI=true`` the run stops instead). Each run
creates its own schema/database and drops it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any, cast

import sqlalchemy as sa
from _databases import database, unreachable

from hpf_adapters.sql import engine_for
from hpf_adapters.wiring import App, Config, build
from hpf_core.accounts import Employer, Member
from hpf_core.dates import add_months

AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
SECRET = b"bench: a secret of at least 32 bytes, not a real key"


def id_number(n: int) -> str:
    """A valid resident ID number (GB 11643 check digit), different for each ``n``."""
    born = date(1960, 1, 1) + timedelta(days=n)
    body = f"110105{born:%Y%m%d}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


_people = iter(range(1_000_000))


def app_for(url: str) -> App:
    return build(Config(centre="altay", clock=AT, store="sql", url=url, key=SECRET, password_cost=2**10))


def open_accounts(
    app: App, employer: str, prefix: str, count: int, first: date = date(2025, 1, 1)
) -> list[str]:
    """``count`` accounts of ``employer``, paying from the month ``first`` (opened on its
    second day)."""
    numbers = [f"{prefix}{n:05d}" for n in range(count)]
    for n, number in enumerate(numbers):
        app.accounts.open_account(
            account_no=number, member=Member(f"{prefix}M{n:05d}", "职工", id_number(next(_people))),
            employer=Employer(employer, "单位"), opened_on=first + timedelta(days=1), base="5000.00",
            employee_ratio="0.12", employer_ratio="0.12", first_month=first,
        )  # fmt: skip
    return numbers


# --------------------------------------------------------------------------- the floor


def rewritten(body: str, balances: tuple[int, int], version: int, on: str, month: str | None = None) -> str:
    """The record's text as hpf writes it back after posting to it (its canonical JSON
    writes each key once, the version last): the balance (fen ``balances[0]`` →
    ``balances[1]``) and version (``version`` → ``version + 1``) replaced, the last value
    date made the later of it and the value date ``on`` (ISO text), and a remittance's
    ``month`` (quoted ISO text) appended to the paid months (D-078, D-079)."""
    old, new = balances
    balance = f'"balance":"{old // 100}.{old % 100:02d}"'
    stamp = f'"version":{version}}}'
    at = body.find(balance)  # the record read once for the balance: the floor's edit is timed
    assert at >= 0, "the floor must write a changed record"
    assert body.endswith(stamp), "the floor must write a changed record"
    at += 11  # the pieces joined once: the cheapest edit in Python
    pieces = [body[:at], f"{new // 100}.{new % 100:02d}"]
    at = body.index('"', at)
    last = body.index('"last_value_date":', at) + 18
    end = last + (4 if body[last] == "n" else 12)
    pieces += [
        body[at:last],
        f'"{on}"' if body[last] == "n" or body[last + 1 : end - 1] < on else body[last:end],
    ]
    if month is not None:
        at = body.index("]", body.index('"paid_months":[', end))
        pieces += [body[end:at], month if body[at - 1] == "[" else "," + month]
        end = at
    pieces += [body[end : -len(stamp)], f'"version":{version + 1}}}']
    return "".join(pieces)


class Floor:
    """The bare statements, on the driver's own connection."""

    def __init__(self, url: str, kind: str) -> None:
        self.kind = kind
        self.engine = engine_for(url)
        self.proxy = self.engine.raw_connection()
        self.raw: Any = cast(Any, self.proxy.driver_connection)
        if kind == "sqlite":
            self.raw.isolation_level = None  # we say BEGIN ourselves, as hpf does
        elif kind == "postgresql":
            self.raw.autocommit = True
        else:
            self.raw.autocommit(True)
        self.mark = "?" if kind == "sqlite" else "%s"
        self.lock = "" if kind == "sqlite" else " FOR UPDATE"
        self.journal_id = 0

    def sql(self, text: str) -> str:
        return text.replace("?", self.mark)

    def begin(self, cursor: Any) -> None:
        cursor.execute("BEGIN IMMEDIATE" if self.kind == "sqlite" else "BEGIN")

    def unit(
        self,
        key: str,
        account_rows: str,
        arg: str,
        amount_fen: int,
        kind: str,
        on: date,
        same: bool = False,
        month: date | None = None,
    ) -> None:
        """One unit: key lookup, read the rows, CAS update(s) + journal insert(s), key insert.
        Each record is written with its new balance and version in the text, as hpf writes
        it (:func:`rewritten`); ``same``: written back unchanged, the floor before D-078,
        which SQLite writes for less (it skips a value's unchanged bytes). ``month``: a
        remittance's, appended to each record's paid months and written in the journal
        rows (with the value date ``on`` as the record's last value date)."""
        dated, paid = on.isoformat(), None if month is None else f'"{month.isoformat()}"'

        def new(body: str, balances: tuple[int, int], version: int) -> str:
            return body if same else rewritten(body, balances, version, dated, paid)

        cursor = self.raw.cursor()
        self.begin(cursor)
        try:
            cursor.execute(self.sql("SELECT body FROM idempotency_keys WHERE idem_key = ?"), (key,))
            assert cursor.fetchone() is None
            cursor.execute(
                self.sql(f"SELECT account_no, balance_fen, version, body FROM accounts WHERE {account_rows}")
                + self.lock,
                (arg,),
            )
            rows = cursor.fetchall()
            if len(rows) == 1:  # one account: one UPDATE and one INSERT, as hpf's save and append
                journal = []
                for account_no, balance_fen, version, body in rows:
                    cursor.execute(
                        self.sql(
                            "UPDATE accounts SET balance_fen = ?, version = ?, body = ? "
                            "WHERE account_no = ? AND version = ?"
                        ),
                        (
                            balance_fen + amount_fen,
                            version + 1,
                            new(body, (balance_fen, balance_fen + amount_fen), version),
                            account_no,
                            version,
                        ),
                    )
                    assert cursor.rowcount == 1
                    cursor.execute(
                        self.sql(
                            "INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, memo) "
                            "VALUES (?, ?, ?, ?, ?, '')"
                            + (" RETURNING seq" if self.kind == "postgresql" else "")
                        ),
                        (account_no, kind, amount_fen, on, f"{key}/{account_no}"),
                    )
                    journal.append(cursor.fetchone()[0] if self.kind == "postgresql" else cursor.lastrowid)
            else:  # a batch, as hpf's save_many and append_many: one executemany, one INSERT
                cursor.executemany(
                    self.sql(
                        "UPDATE accounts SET balance_fen = ?, version = ?, body = ? "
                        "WHERE account_no = ? AND version = ?"
                    ),
                    [
                        (b + amount_fen, v + 1, new(body, (b, b + amount_fen), v), no, v)
                        for no, b, v, body in rows
                    ],
                )
                assert cursor.rowcount == len(rows)
                if self.kind == "postgresql":  # hpf's form there: one array a column (D-051)
                    cursor.execute(
                        "INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, month,"
                        " memo) SELECT a, k, f, d, i, mo, m FROM unnest(%s::varchar[], %s::varchar[],"
                        " %s::bigint[], %s::date[], %s::varchar[], %s::date[], %s::varchar[]) "
                        "WITH ORDINALITY AS u(a, k, f, d, i, mo, m, n) ORDER BY n RETURNING seq",
                        [
                            [no for no, *_ in rows], [kind] * len(rows), [amount_fen] * len(rows),
                            [on] * len(rows), [f"{key}/{no}" for no, *_ in rows], [month] * len(rows),
                            [""] * len(rows),
                        ],
                    )  # fmt: skip
                    journal = sorted(row[0] for row in cursor.fetchall())
                else:
                    values = ", ".join(["(?, ?, ?, ?, ?, ?, '')"] * len(rows))
                    cursor.execute(
                        self.sql(
                            "INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key,"
                            f" month, memo) VALUES {values} RETURNING seq"
                        ),
                        [x for no, *_ in rows for x in (no, kind, amount_fen, on, f"{key}/{no}", month)],
                    )
                    journal = [row[0] for row in cursor.fetchall()]
                assert len(journal) == len(rows)
            cursor.execute(
                self.sql("INSERT INTO idempotency_keys (idem_key, operation, body) VALUES (?, ?, ?)"),
                (key, kind, f'{{"result":{journal}}}'),
            )
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        finally:
            cursor.close()

    def same_as(self, hpf_no: str, floor_no: str) -> None:
        """Assert that the floor left account ``floor_no`` as hpf left ``hpf_no``: balance
        and version columns, and the record but for the numbers and names that tell the
        two apart (the floor writes what hpf writes, D-078 and D-079)."""
        cursor = self.raw.cursor()
        found = []
        for account_no in (hpf_no, floor_no):
            cursor.execute(
                self.sql("SELECT balance_fen, version, body FROM accounts WHERE account_no = ?"),
                (account_no,),
            )
            balance_fen, version, body = cursor.fetchone()
            record = {
                k: v for k, v in json.loads(body).items() if k not in ("account_no", "employer", "member")
            }
            found.append((balance_fen, version, record))
        cursor.close()
        assert found[0] == found[1], f"the floor wrote {found[1]}, hpf {found[0]}"

    def close(self) -> None:
        self.proxy.close()
        self.engine.dispose()


# --------------------------------------------------------------------------- workloads


def interleaved(samples: int, units: int, chunk: int, *sides: Callable[[int], None]) -> list[float]:
    """The best rates (units/s) of each side (hpf, then the floors) over ``samples``
    samples of ``units`` units each. Within a sample the sides take turns in chunks of
    ``chunk`` units and each side's time is summed, so a burst of load on the shared
    machine falls on every side alike (D-051; a sample used to run all of hpf's units,
    then all of the floor's). ``side(n)`` runs unit number ``n`` (the same numbers for
    every side, distinct across samples)."""
    best = [0.0] * len(sides)
    number = 0
    for _ in range(samples):
        spent = [0.0] * len(sides)
        for start in range(0, units, chunk):
            size = min(chunk, units - start)
            for k, side in enumerate(sides):
                started = time.perf_counter()
                for n in range(number, number + size):
                    side(n)
                spent[k] += time.perf_counter() - started
            number += size
        best = [max(b, units / t) for b, t in zip(best, spent, strict=True)]
    return best


CHUNK = 50
"""Withdrawals a side runs before the other side's turn."""


def withdrawals(url: str, kind: str, count: int, samples: int) -> list[float]:
    app = app_for(url)
    open_accounts(app, "EW", "W", 1)
    app.accounts.receive_transfer(
        account_no="W00000", amount="100000000.00", value_date=date(2025, 1, 3), key="in"
    )
    open_accounts(app, "EX", "X", 1)
    app.accounts.receive_transfer(
        account_no="X00000", amount="100000000.00", value_date=date(2025, 1, 3), key="fin"
    )
    open_accounts(app, "EY", "Y", 1)
    app.accounts.receive_transfer(
        account_no="Y00000", amount="100000000.00", value_date=date(2025, 1, 3), key="sin"
    )
    floor = Floor(url, kind)
    on = date(2025, 2, 1)

    def hpf(n: int) -> None:
        app.accounts.withdraw(account_no="W00000", amount="100.00", value_date=on, key=f"w{n}")

    def bare(n: int) -> None:
        floor.unit(f"f{n}", "account_no = ?", "X00000", -10000, "withdrawal", on)

    def same(n: int) -> None:
        floor.unit(f"s{n}", "account_no = ?", "Y00000", -10000, "withdrawal", on, same=True)

    try:
        rates = interleaved(samples, count, CHUNK, hpf, bare, same)
        floor.same_as("W00000", "X00000")
        return rates
    finally:
        floor.close()
        app.store.dispose()  # type: ignore[union-attr]


def remittances(
    url: str, kind: str, accounts: int, months: int, samples: int, history: int = 0
) -> list[float]:
    """The remittance's rates (hpf, floor, same-text floor). ``history``: months every
    account has paid before the timing starts (remitted through hpf for all three
    employers, so the records are alike; then, on PostgreSQL, ``VACUUM ANALYZE``, as
    autovacuum would have done over those months: the bench's rapid updates leave dead rows
    it has not reached yet)."""
    first = add_months(date(2025, 1, 1), -history)
    app = app_for(url)
    for employer, prefix in (("ER", "R"), ("EF", "F"), ("EG", "G")):
        open_accounts(app, employer, prefix, accounts, first)
    for n in range(history):
        m = add_months(first, n)
        for employer in ("ER", "EF", "EG"):
            app.accounts.remit_month(
                employer_no=employer, month=m, value_date=m + timedelta(days=14), key=f"h{employer}{m}",
                rounding="half-up-fen",
            )  # fmt: skip
    if history and kind == "postgresql":
        with app.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:  # type: ignore[union-attr]
            connection.exec_driver_sql("VACUUM ANALYZE accounts")
    floor = Floor(url, kind)

    def hpf(n: int) -> None:
        m = add_months(date(2025, 1, 1), n)
        app.accounts.remit_month(
            employer_no="ER", month=m, value_date=m + timedelta(days=14), key=f"r{m}", rounding="half-up-fen"
        )

    def bare(n: int) -> None:
        m = add_months(date(2025, 1, 1), n)  # hpf's month and value date: the same record changes
        on = m + timedelta(days=14)
        floor.unit(f"fr{n}", "employer_no = ? ORDER BY account_no", "EF", 120000, "remittance", on, month=m)

    def same(n: int) -> None:
        floor.unit(
            f"sr{n}", "employer_no = ? ORDER BY account_no", "EG", 120000, "remittance", date(2025, 2, 15),
            same=True,
        )  # fmt: skip

    try:
        rates = interleaved(samples, months, 1, hpf, bare, same)  # one month a side in turn
        floor.same_as("R00000", "F00000")
        return rates
    finally:
        floor.close()
        app.store.dispose()  # type: ignore[union-attr]


GROUPS = (
    ("SQLAlchemy Core (execution, compiled cache, result rows, pool)", ("/sqlalchemy/",)),
    ("driver and database (execute, fetch, commit, round trips)", ("sqlite3", "psycopg", "pymysql", "sock")),
    ("hpf's codec: canonical JSON, AES-GCM, HMAC", ("_codec.py", "json/", "cryptography", "hmac", "base64")),
    ("the rest of the hpf SQL adapter", ("hpf_adapters/sql/",)),
    ("hpf_core (the debit, idempotency, validation)", ("hpf_core/",)),
    ("wiring.Services", ("hpf_adapters/wiring",)),
    ("attrs (evolve, fields)", ("/attr/",)),
)


def group_of(where: str) -> str:
    for label, marks in GROUPS:
        if any(mark in where for mark in marks):
            return label
    return "other (Python builtins, decimal, datetime)"


def profile(kind: str, count: int, workload: str = "withdrawal") -> None:
    """cProfile of ``count`` withdrawals (or 3 remittances of 1,000 accounts) after a
    warm-up, self time grouped by where the code lives, then the top 25 functions."""
    with database(kind) as url:
        app = app_for(url)
        if workload == "withdrawal":
            open_accounts(app, "EW", "W", 1)
            app.accounts.receive_transfer(
                account_no="W00000", amount="1000000.00", value_date=date(2025, 1, 3), key="in"
            )

            def one(i: int) -> None:
                app.accounts.withdraw(
                    account_no="W00000", amount="100.00", value_date=date(2025, 2, 1), key=f"p{i}"
                )

            warm, units = 20, count
        else:
            open_accounts(app, "ER", "R", 1000)

            def one(i: int) -> None:
                m = add_months(date(2025, 1, 1), i)
                app.accounts.remit_month(
                    employer_no="ER", month=m, value_date=m + timedelta(days=14), key=f"r{m}",
                    rounding="half-up-fen",
                )  # fmt: skip

            warm, units = 1, 3
        for i in range(warm):
            one(i)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for i in range(warm, warm + units):
            one(i)
        profiler.disable()
        elapsed = time.perf_counter() - started
        app.store.dispose()  # type: ignore[union-attr]
    stats = pstats.Stats(profiler)
    shares: dict[str, float] = {}
    for (path, _line, name), row in cast(Any, stats).stats.items():
        shares[group_of(f"{path}:{name}")] = shares.get(group_of(f"{path}:{name}"), 0.0) + row[2]
    total = sum(shares.values())
    print(f"{kind} {workload}: {units} units, {elapsed / units * 1000:.2f} ms a unit profiled")
    for label, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"  {seconds / total:6.1%}  {label}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--samples", type=int, help="best of N (default 5, smoke 1)")
    parser.add_argument("--databases", default="sqlite,postgresql,mariadb")
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="months each remittance account has paid before timing (default 0)",
    )
    parser.add_argument("--profile", metavar="KIND", help="profile hpf's withdrawal on one database instead")
    parser.add_argument(
        "--workload", default="withdrawal", choices=("withdrawal", "remittance"), help="what --profile runs"
    )
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.profile, 300, args.workload)
        return 0
    count = 50 if args.smoke else 1000
    accounts = 50 if args.smoke else 1000
    months = 1 if args.smoke else 3
    samples = args.samples or (1 if args.smoke else 5)
    if args.history:
        print(f"the remittance's accounts have paid {args.history} months before the timing starts")
    print(
        f"{'database':<11} {'workload':<28} {'hpf units/s':>12} {'bare SQL':>10} {'ratio':>6}"
        f" {'same-text floor':>16} {'ratio':>6}"
    )
    for kind in args.databases.split(","):
        try:
            with database(kind) as url:
                w_hpf, w_bare, w_same = withdrawals(url, kind, count, samples)
                r_hpf, r_bare, r_same = remittances(url, kind, accounts, months, samples, args.history)
        except sa.exc.OperationalError as error:
            unreachable(kind, str(error).splitlines()[0][:100])
            continue
        print(
            f"{kind:<11} {'withdrawal':<28} {w_hpf:>12.1f} {w_bare:>10.1f} {w_hpf / w_bare:>6.2f}"
            f" {w_same:>16.1f} {w_hpf / w_same:>6.2f}"
        )
        label = f"remittance of {accounts} accounts"
        print(
            f"{kind:<11} {label:<28} {r_hpf:>12.2f} {r_bare:>10.2f} {r_hpf / r_bare:>6.2f}"
            f" {r_same:>16.2f} {r_hpf / r_same:>6.2f}"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
