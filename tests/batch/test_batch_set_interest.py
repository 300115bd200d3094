"""The interest settlement computed in SQL on SQLite (issue #16, D-070): a differential
test. The same database (one file, copied, so even the sealed text is the same) is settled
once with the SQL path and once with the core's pure functions only; every account row —
balance column, version, status and the record's text byte for byte — every journal row
and the chunks' checkpoints must be identical, on random journals (deposits and
withdrawals dated before, inside and after the interest year, written in a random order,
some accounts with none), with the rate changing mid-year (on a 31st, on the last day of
February) or not, on each day basis, and on random accounts that mix what the SQL settles
with what it must leave to the core (sealed, frozen, closed, status 99, the year or a later
one settled, opened after the value date). The interest's only rounding is the core's, half
up per segment; a rate of ten places (the most the core takes) is part of the plans, with a balance of
500 million its product would overflow 64 bits in SQL: the core settles that one."""

from __future__ import annotations

import random
import shutil
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from hpf_adapters.batch import InterestSettlement, RunStatus, _set_interest, prepare, status, work
from hpf_adapters.sql import Keyring, SqlStore
from hpf_core.accounts import (
    AccountState,
    AccountStatus,
    DayBasis,
    DepositAccount,
    Employer,
    EntryDraft,
    EntryKind,
    FreezeFlag,
    Member,
)
from hpf_core.errors import InvalidAmount

sys.path.insert(0, str(Path(__file__).parent))
from batch_world import (
    Rows,
    id_number,
    returns_of_post_in_sql,
    rows,
    schema_copy,
    seed_at,
    space_balance_key,
)

SECRET = b"batch set-based tests: a secret of at least 32 bytes"
YEAR = 2025  # 2025-07-01 .. 2026-06-30
PLANS = {
    "one rate": ((date(2016, 2, 21), "0.015"),),
    "three cuts": (
        (date(2016, 2, 21), "0.015"),
        (date(2025, 7, 1), "0.015"),  # the rate in force repeated: not a split
        (date(2026, 1, 31), "0.0135"),  # on a 31st
        (date(2026, 2, 28), "0.012"),  # on the last day of February
        (date(2026, 5, 20), "0.0123456789"),  # ten places: large balances go to the core
        (date(2026, 7, 1), "0.02"),  # after the year: ignored
    ),
}


def random_journal(rng: random.Random, n: int) -> list[EntryDraft]:
    """Entries dated 2024-03-01 .. 2026-09-30, deposits and withdrawals within the balance
    in date order, shuffled (``world`` drops a day's withdrawals the day before's balance
    does not cover, so no order of a day's entries goes below zero)."""
    days = sorted(date(2024, 3, 1) + timedelta(days=rng.randrange(944)) for _ in range(rng.randrange(10)))
    drafts = []
    balance = 0
    for k, day in enumerate(days):
        if rng.random() < 0.35 and balance > 0:
            amount = -rng.randint(1, balance)
            kind = EntryKind.WITHDRAWAL
        else:
            amount = rng.choice((rng.randint(1, 99), rng.randint(100, 2_000_000)))
            kind = EntryKind.REMITTANCE
        balance += amount
        key = f"seed/{n}/{k}"
        drafts.append(EntryDraft(f"A{n:07d}", kind, Decimal(amount).scaleb(-2), day, key))
    rng.shuffle(drafts)
    return drafts


def world(seed: int, count: int) -> tuple[list[DepositAccount], list[EntryDraft]]:
    rng = random.Random(seed)
    accounts = []
    entries: list[EntryDraft] = []
    for n in range(count):
        journal = random_journal(rng, n)
        per_day: dict[date, list[EntryDraft]] = {}
        for draft in journal:
            per_day.setdefault(draft.value_date, []).append(draft)
        kept: list[EntryDraft] = []
        balance = 0
        for day in sorted(per_day):
            outs = sum(int(d.amount * 100) for d in per_day[day] if d.amount < 0)
            if balance + outs < 0:
                per_day[day] = [d for d in per_day[day] if d.amount > 0]
            kept += per_day[day]
            balance += sum(int(d.amount * 100) for d in per_day[day])
        journal = [d for d in journal if d in kept]
        entries += journal
        fields: dict[str, object] = {
            "balance": Decimal(balance).scaleb(-2),
            "settled_years": rng.choice((frozenset(), frozenset({2023, 2024}))),
        }
        opened = date(2024, 1, 2)
        odd = rng.randrange(24)  # 11 kinds of odd, the rest ordinary
        if odd == 0:
            fields["state"] = AccountState(AccountStatus.SEALED)
        elif odd == 1:
            fields["state"] = AccountState(AccountStatus.NORMAL, FreezeFlag.CREDITS_ONLY)
        elif odd == 2:
            fields["state"] = AccountState(AccountStatus.CLOSED_WITHDRAWN)
        elif odd == 3:
            fields["state"] = AccountState(AccountStatus.OTHER)
        elif odd == 4:
            fields["settled_years"] = frozenset({YEAR})
        elif odd == 5:
            fields["settled_years"] = frozenset({2024, YEAR + 1})
        elif odd == 6:
            opened = date(2026, 7, 2)
        elif odd == 7:
            fields["state"] = AccountState(
                AccountStatus.FROZEN, FreezeFlag.NO_MOVEMENT, before_freeze=AccountStatus.NORMAL
            )
        elif odd == 8:
            fields["last_value_date"] = date(2026, 8, 3)  # later than the value date: kept
        elif odd == 9:
            fields["last_value_date"] = date(2026, 3, 3)  # earlier: moved to the value date
        elif odd == 10:  # 500 million: too large a product for a rate of ten places
            big = EntryDraft(
                f"A{n:07d}", EntryKind.TRANSFER_IN, Decimal(500_000_000), date(2025, 3, 1), "big"
            )
            entries.append(big)
            fields["balance"] = Decimal(balance).scaleb(-2) + big.amount
        accounts.append(
            DepositAccount(
                f"A{n:07d}", Member(f"M{n:07d}", "职工", id_number(n)), Employer("E01", "单位"),
                opened, Decimal(5000), Decimal("0.12"), Decimal("0.12"), **fields,  # type: ignore[arg-type]
            )
        )  # fmt: skip
    return accounts, entries


def settled(
    url: str, job: InterestSettlement, dialects: frozenset[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[Rows, Rows, Rows], RunStatus]:
    """The rows and the run's status (its start time blanked) after ``job`` at ``url``, in
    SQL on ``dialects`` only."""
    monkeypatch.setattr(_set_interest, "DIALECTS", dialects)
    store = SqlStore(url, Keyring.from_secret(SECRET))
    try:
        prepare(store, job, chunk_size=16)
        work(store, job)
        return rows(url), attrs.evolve(status(store, f"interest/{YEAR}"), started_at="")
    finally:
        store.dispose()


def assert_same_and_not_vacuous(
    found: dict[str, tuple[tuple[Rows, Rows, Rows], RunStatus]],
    in_sql: list[tuple[int, int, int]],
    count: int,
) -> None:
    """Both runs left the same rows and status; many accounts were credited, most by the
    SQL, some decided in SQL with nothing earned, and the core skipped the rest."""
    (sql_accounts, sql_journal, sql_chunks), sql_status = found["sql"]
    (core_accounts, core_journal, core_chunks), core_status = found["core"]
    assert len(sql_accounts) == count
    for mine, theirs in zip(sql_accounts, core_accounts, strict=True):
        assert mine == theirs
    assert sql_journal == core_journal
    assert sql_chunks == core_chunks
    assert sql_status == core_status
    decided = sum(d for d, _, _ in in_sql)
    credited = sum(c for _, c, _ in in_sql)
    assert core_status.posted > 150
    assert credited > 120
    assert decided - credited > 15
    assert decided < count - 80  # the odd ones went to the core
    assert core_status.skipped > decided - credited
    assert len({row[2] for row in core_journal if row[1] == "interest"}) > 100  # many amounts


@pytest.mark.parametrize("plan", sorted(PLANS))
@pytest.mark.parametrize("basis", [b.value for b in DayBasis])
def test_the_sql_interest_leaves_every_row_as_the_pure_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan: str, basis: str
) -> None:
    accounts, entries = world(sum(map(ord, plan + basis)), 320)
    source = tmp_path / "seeded.db"
    seed_at(str(source), SECRET, accounts, entries)
    job = InterestSettlement(YEAR, PLANS[plan], basis, date(2026, 7, 1))
    in_sql = returns_of_post_in_sql(monkeypatch, _set_interest)
    found = {}
    for name, dialects in (("sql", frozenset({"sqlite"})), ("core", frozenset())):
        path = tmp_path / f"{name}.db"
        shutil.copy(source, path)  # one file copied: even the sealed text is the same
        found[name] = settled(str(path), job, dialects, monkeypatch)
    assert_same_and_not_vacuous(found, in_sql, len(accounts))


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("basis", [b.value for b in DayBasis])
def test_the_postgresql_interest_leaves_every_row_as_the_pure_functions(
    empty_database: str, monkeypatch: pytest.MonkeyPatch, basis: str
) -> None:
    """The same on PostgreSQL (D-075), with the three cuts: the seeded rows copied to a
    second schema (the sealed text the same in both), one settled in SQL, one by the core.
    The products are exact there, so the 500-million accounts are settled in SQL too."""
    accounts, entries = world(sum(map(ord, "postgresql" + basis)), 320)
    seed_at(empty_database, SECRET, accounts, entries)
    big = {a.account_no for a in accounts if a.balance >= 500_000_000}  # normal, nothing else odd
    spaced = min(big)  # its record not in the codec's text: left to the core (D-078)
    space_balance_key(empty_database, spaced)
    job = InterestSettlement(YEAR, PLANS["three cuts"], basis, date(2026, 7, 1))
    with schema_copy(empty_database, ("accounts", "journal")) as copied:
        in_sql = returns_of_post_in_sql(monkeypatch, _set_interest)
        by_core: list[str] = []  # the accounts the SQL run left to the core
        post = InterestSettlement.post

        def recorded(self: InterestSettlement, account: DepositAccount, entries: object) -> object:
            by_core.append(account.account_no)
            return post(self, account, entries)  # type: ignore[arg-type]

        monkeypatch.setattr(InterestSettlement, "post", recorded)
        found = {"sql": settled(empty_database, job, frozenset({"postgresql"}), monkeypatch)}
        monkeypatch.setattr(InterestSettlement, "post", post)
        found["core"] = settled(copied, job, frozenset(), monkeypatch)
    assert_same_and_not_vacuous(found, in_sql, len(accounts))
    assert len(big) > 5
    assert big & set(by_core) == {spaced}  # the rest settled in SQL, exactly
    assert len(by_core) > 80


def test_a_journal_the_core_refuses_is_refused_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An in-year withdrawal journalled before the deposit it draws on, the same day
    posted in the other order: the core's running balance goes below zero, and the SQL
    leaves it to the core, which raises the same error."""
    accounts, entries = world(7, 20)
    n = 5
    entries += [
        EntryDraft(f"A{n:07d}", EntryKind.WITHDRAWAL, Decimal("-999999.00"), date(2025, 9, 1), "odd/out"),
        EntryDraft(f"A{n:07d}", EntryKind.REMITTANCE, Decimal("999999.00"), date(2025, 9, 1), "odd/in"),
    ]
    source = tmp_path / "seeded.db"
    seed_at(str(source), SECRET, accounts, entries)
    job = InterestSettlement(YEAR, PLANS["one rate"], "actual/365", date(2026, 7, 1))
    raised: list[tuple[str, str]] = []
    for dialects in (frozenset({"sqlite"}), frozenset()):
        path = tmp_path / f"{len(raised)}.db"
        shutil.copy(source, path)
        monkeypatch.setattr(_set_interest, "DIALECTS", dialects)
        store = SqlStore(str(path), Keyring.from_secret(SECRET))
        try:
            prepare(store, job, chunk_size=16)
            with pytest.raises(InvalidAmount) as error:
                work(store, job)
            raised.append((error.value.field, str(error.value)))
        finally:
            store.dispose()
    assert raised[0] == raised[1]
    assert raised[0][0].startswith("postings[")


def test_the_sql_path_is_taken_on_sqlite_and_postgresql() -> None:
    assert _set_interest.applies("sqlite")
    assert _set_interest.applies("postgresql")
    assert not _set_interest.applies("mysql")
