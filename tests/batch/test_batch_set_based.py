"""The remittance computed in SQL on SQLite (issue #16, D-066): a differential test. The
same database (one file, copied, so even the sealed text is the same) is posted once with
the SQL path and once with the core's pure functions only; every account row — balance
column, version, status and the record's text byte for byte — every journal row and the
chunks' checkpoints must be identical, on random accounts that mix what the SQL posts
(plain bases and ratios, normal accounts) with everything it must leave to the core
(sealed, frozen, a month already paid or paid past, a first month later, an account opened
after the value date, a settled year, a base or ratio written unusually, a zero base), for
each rounding mode."""

from __future__ import annotations

import random
import shutil
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from hpf_adapters.batch import Remittance, RunStatus, prepare, status, work
from hpf_adapters.sql import Keyring, SqlStore, _set_remittance
from hpf_core.accounts import (
    AccountState,
    AccountStatus,
    ContributionRounding,
    DepositAccount,
    Employer,
    FreezeFlag,
    Member,
)

sys.path.insert(0, str(Path(__file__).parent))
from batch_world import Rows, id_number, returns_of_post_in_sql, rows, schema_copy, seed_at

SECRET = b"batch set-based tests: a secret of at least 32 bytes"
MONTH = date(2025, 7, 1)


NAMES = ("职工", 'x","balance":"1.00","version":7', 'y\\"paid_months":[],"last_value_date":null')
"""Member names, two of them holding the text the PostgreSQL path looks for in a record."""


def odd_accounts(seed: int, count: int) -> list[DepositAccount]:
    """Random accounts, about half ordinary, the rest each with one thing the SQL must not
    decide."""
    rng = random.Random(seed)
    found = []
    for n in range(count):
        base = rng.choice(
            (
                Decimal(rng.randint(100_000, 4_000_000)).scaleb(-2),  # 1234.56
                Decimal(rng.randint(1_000, 40_000)),  # 3000
                Decimal(rng.randint(10_000, 400_000)).scaleb(-1),  # 3000.5
            )
        )
        ratios = [Decimal(rng.choice(range(10, 25))).scaleb(-2) / 2 for _ in range(2)]  # 0.05 .. 0.12
        fields: dict[str, object] = {
            "balance": Decimal(rng.randint(0, 9_000_000)).scaleb(-2),
            "first_month": date(2025, 1, 1),
            "paid_months": frozenset({date(2025, m, 1) for m in range(1, rng.randint(1, 7))}),
            # before and after the value date: the record keeps the later one
            "last_value_date": rng.choice((None, date(2025, 6, 30), date(2025, 7, 15), date(2025, 8, 2))),
        }
        opened = date(2025, 1, 2)
        odd = rng.randrange(22)  # 11 kinds of odd, the rest ordinary
        if odd == 0:
            fields["state"] = AccountState(AccountStatus.SEALED)
        elif odd == 1:
            fields["state"] = AccountState(AccountStatus.NORMAL, FreezeFlag.CREDITS_ONLY)
        elif odd == 2:
            fields["paid_months"] = frozenset({MONTH})
        elif odd == 3:
            fields["paid_months"] = frozenset({date(2025, 9, 1)})
        elif odd == 4:
            fields["first_month"] = date(2025, 8, 1)
        elif odd == 5:
            opened = date(2025, 7, 20)
        elif odd == 6:
            fields["settled_years"] = frozenset({2025})
        elif odd == 7:
            ratios[0] = Decimal("0.11235")  # five places: the core's
        elif odd == 8:
            base = Decimal(0)
        elif odd == 9:
            ratios[1] = Decimal("0.1234")  # four places: still SQL
        elif odd == 10:
            fields["state"] = AccountState(
                AccountStatus.FROZEN, FreezeFlag.NO_MOVEMENT, before_freeze=AccountStatus.NORMAL
            )
        found.append(
            DepositAccount(
                f"A{n:07d}", Member(f"M{n:07d}", rng.choice(NAMES), id_number(n)), Employer("E01", "单位"),
                opened, base, ratios[0], ratios[1], **fields,  # type: ignore[arg-type]
            )
        )  # fmt: skip
    return found


def seed(url: str, rounding: str) -> None:
    """300 of :func:`odd_accounts` at ``url`` (upgraded first)."""
    seed_at(url, SECRET, odd_accounts(sum(map(ord, rounding)), 300))


def remitted(
    url: str, rounding: str, dialects: frozenset[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[Rows, Rows, Rows], RunStatus]:
    """The rows and the run's status (its start time blanked) after July's remittance at
    ``url``, in SQL on ``dialects`` only."""
    monkeypatch.setattr(_set_remittance, "DIALECTS", dialects)
    store = SqlStore(url, Keyring.from_secret(SECRET))
    try:
        job = Remittance(MONTH, date(2025, 7, 15), rounding)
        prepare(store, job, chunk_size=16)
        work(store, job)
        return rows(url), attrs.evolve(status(store, "remittance/2025-07"), started_at="")
    finally:
        store.dispose()


@pytest.mark.parametrize("rounding", [m.value for m in ContributionRounding])
def test_the_sql_remittance_leaves_every_row_as_the_pure_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rounding: str
) -> None:
    seeded = tmp_path / "seeded.db"
    seed(str(seeded), rounding)
    in_sql = returns_of_post_in_sql(monkeypatch, _set_remittance)  # (accounts posted, fen) a chunk
    found = {}
    for name, dialects in (("sql", frozenset({"sqlite"})), ("core", frozenset())):
        path = tmp_path / f"{name}.db"
        shutil.copy(seeded, path)
        found[name] = remitted(str(path), rounding, dialects, monkeypatch)
    (sql_accounts, sql_journal, sql_chunks), sql_status = found["sql"]
    (core_accounts, core_journal, core_chunks), core_status = found["core"]
    assert sql_accounts == core_accounts
    assert sql_journal == core_journal
    assert sql_chunks == core_chunks
    assert sql_status == core_status
    # not vacuous: many posted, most by the SQL (none for the "up" modes), and the core
    # refused or skipped some
    assert sql_status.posted > 100
    up = ContributionRounding(rounding).name in ("JIAO_UP_YUAN", "FEN_UP_JIAO", "UP_YUAN")
    posted_in_sql = sum(posted for posted, _ in in_sql)
    assert posted_in_sql == 0 if up else posted_in_sql > 120
    assert sql_status.refused
    assert sql_status.skipped > 0


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("rounding", ["half-up-yuan", "truncate-jiao", "half-up-fen"])
def test_the_postgresql_remittance_leaves_every_row_as_the_pure_functions(
    empty_database: str, monkeypatch: pytest.MonkeyPatch, rounding: str
) -> None:
    """The same on PostgreSQL (D-074): the seeded rows copied to a second schema, so the
    sealed text is the same in both; one posted in SQL, one by the core."""
    seed(empty_database, rounding)
    with schema_copy(empty_database, ("accounts",)) as copied:
        in_sql = returns_of_post_in_sql(monkeypatch, _set_remittance)  # (accounts posted, fen) a chunk
        found = {
            "sql": remitted(empty_database, rounding, frozenset({"postgresql"}), monkeypatch),
            "core": remitted(copied, rounding, frozenset(), monkeypatch),
        }
    (sql_accounts, sql_journal, sql_chunks), sql_status = found["sql"]
    (core_accounts, core_journal, core_chunks), core_status = found["core"]
    assert len(sql_accounts) == 300
    for mine, theirs in zip(sql_accounts, core_accounts, strict=True):
        assert mine == theirs
    assert sql_journal == core_journal
    assert sql_chunks == core_chunks
    assert sql_status == core_status
    assert sql_status.posted > 100
    assert sum(posted for posted, _ in in_sql) > 120
    assert sql_status.refused
    assert sql_status.skipped > 0
    # a member name holding a key's text (escaped in the record) is among the rows compared
    assert any('balance\\":\\"1.00' in str(value) for row in sql_accounts for value in row)


def test_the_sql_path_is_taken_on_sqlite() -> None:
    assert _set_remittance.applies("sqlite", MONTH, date(2025, 7, 15), ContributionRounding.HALF_UP_YUAN)
    assert not _set_remittance.applies("sqlite", MONTH, date(2025, 7, 15), ContributionRounding.JIAO_UP_YUAN)
    assert not _set_remittance.applies("sqlite", MONTH, date(2025, 6, 30), ContributionRounding.HALF_UP_YUAN)
    assert _set_remittance.applies("postgresql", MONTH, date(2025, 7, 15), ContributionRounding.HALF_UP_YUAN)
    assert not _set_remittance.applies("mariadb", MONTH, date(2025, 7, 15), ContributionRounding.HALF_UP_YUAN)
