"""The service's remittance in SQL (D-078): ``remit_month`` of one employer posted by the
store (``AccountRepository.remit_in_store``, the batch job's statements over the employer's
accounts) leaves every row as the core's pure functions do — on SQLite and PostgreSQL, the
same seeded accounts copied so the sealed text is the same — and the store steps aside,
writing nothing, whenever one account is not one its SQL can vouch for."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from hpf_adapters.sql import Keyring, SqlStore, _set_remittance, engine_for
from hpf_core.accounts import (
    AccountState,
    AccountStatus,
    ContributionRounding,
    DepositAccount,
    FreezeFlag,
    JournalEntry,
)
from hpf_core.accounts.services import remit_month
from hpf_core.errors import Refused

sys.path.insert(0, str(Path(__file__).parent))
from batch_world import Rows, read_all, returns_of_post_in_sql, schema_copy, seed_at, space_balance_key
from test_batch_set_based import MONTH, SECRET, odd_accounts

VALUE_DATE = date(2025, 7, 15)
KEY = "remit/E01/2025-07"


def vouched(account: DepositAccount) -> bool:
    """Whether the SQL posts ``account`` in July: normal and not frozen, no month paid from
    July on, first month and opening by the value date, no year settled, a base above 0 and
    ratios of at most four places (the conditions of the module's text)."""
    return (
        account.state == AccountState(AccountStatus.NORMAL)
        and all(month < MONTH for month in account.paid_months)
        and (account.first_month is None or account.first_month <= MONTH)
        and account.opened_on <= VALUE_DATE
        and not account.settled_years
        and account.base > 0
        and all(-ratio.as_tuple().exponent <= 4 for ratio in (account.employee_ratio, account.employer_ratio))  # type: ignore[operator]
    )


def accounts(case: str) -> list[DepositAccount]:
    """The employer's accounts: ``vouched`` — 80 the SQL posts, 6 sealed and 4 closed
    (passed over); ``frozen`` and ``ratio`` — those and one the core must post (frozen for
    debits only; a ratio of five places); ``refused`` — those and one whose July is paid
    already; ``spaced`` — those, one of the 80 then given a space after a key (:func:`seed`)."""
    pool = odd_accounts(7, 400)
    found = [a for a in pool if vouched(a)][:80]
    assert len(found) == 80
    for n in range(6):
        found.append(
            attrs.evolve(pool[200 + n], account_no=f"S{n:07d}", state=AccountState(AccountStatus.SEALED))
        )
    for n in range(4):
        closed = AccountState(AccountStatus.CLOSED_WITHDRAWN)
        found.append(
            attrs.evolve(pool[210 + n], account_no=f"C{n:07d}", state=closed, balance=Decimal("0.00"))
        )
    spare = [a for a in pool if vouched(a)][80:82]
    if case == "frozen":  # the status column says normal, the record: frozen for debits
        debits_frozen = AccountState(AccountStatus.NORMAL, FreezeFlag.CREDITS_ONLY)
        found.append(attrs.evolve(spare[0], account_no="X0000001", state=debits_frozen))
    if case == "ratio":
        found.append(attrs.evolve(spare[1], account_no="X0000002", employee_ratio=Decimal("0.11235")))
    if case == "refused":
        found.append(attrs.evolve(pool[220], account_no="X0000004", paid_months=frozenset({MONTH})))
    return found


def seed(url: str, case: str) -> None:
    seed_at(url, SECRET, accounts(case))
    if case == "spaced":  # one record not in the codec's text: a space after a key
        space_balance_key(url, "A0000000")


QUERIES = (
    "SELECT * FROM accounts ORDER BY account_no",
    "SELECT * FROM journal ORDER BY seq",
    "SELECT * FROM idempotency_keys ORDER BY idem_key",
)


def remitted(
    url: str, rounding: str, dialects: frozenset[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[JournalEntry, ...] | str, tuple[Rows, ...]]:
    """What July's remittance of E01 returned (or the codes it was refused with) and every
    row after it and after its replay under the same key, in SQL on ``dialects`` only."""
    monkeypatch.setattr(_set_remittance, "DIALECTS", dialects)
    store = SqlStore(url, Keyring.from_secret(SECRET))
    try:
        answers: list[tuple[JournalEntry, ...] | str] = []
        for _ in range(2):  # the replay answers from the key, in both
            uow = store.unit_of_work()
            try:
                answers.append(
                    remit_month(
                        uow, employer_no="E01", month=MONTH, value_date=VALUE_DATE, key=KEY, rounding=rounding
                    )
                )
            except Refused as refused:
                answers.append(",".join(sorted(v.code for v in refused.violations)))
        assert answers[0] == answers[1]
        return answers[0], read_all(url, *QUERIES)
    finally:
        store.dispose()


@contextmanager
def two_copies(kind: str, case: str, tmp_path: Path, empty_database: str | None) -> Iterator[tuple[str, str]]:
    """The same seeded accounts at two URLs: SQLite files or PostgreSQL schemas."""
    if kind == "sqlite":
        seeded = tmp_path / "seeded.db"
        seed(str(seeded), case)
        for name in ("sql.db", "core.db"):
            shutil.copy(seeded, tmp_path / name)
        yield str(tmp_path / "sql.db"), str(tmp_path / "core.db")
        return
    assert empty_database is not None
    seed(empty_database, case)
    with schema_copy(empty_database, ("accounts",)) as copied:
        yield empty_database, copied


def compare(
    kind: str, case: str, rounding: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str | None
) -> list[object]:
    """Post July at both copies, in SQL and by the core, assert every row and the answers
    equal; what the store's SQL returned each time."""
    in_store = returns_of_post_in_sql(monkeypatch, _set_remittance, "remit_employer")
    with two_copies(kind, case, tmp_path, url) as (sql_url, core_url):
        before = read_all(core_url, *QUERIES)
        sql_answer, sql_rows = remitted(sql_url, rounding, frozenset({kind}), monkeypatch)
        core_answer, core_rows = remitted(core_url, rounding, frozenset(), monkeypatch)
    assert sql_answer == core_answer
    for mine, theirs in zip(sql_rows, core_rows, strict=True):
        assert len(mine) == len(theirs)
        for row, other in zip(mine, theirs, strict=True):
            assert row == other
    if case == "refused":
        assert sql_answer == "month_paid"  # X0000004 (July paid), the one refusal
        assert core_rows == before  # a refused remittance changes nothing
    return in_store


CASES = [
    ("vouched", "half-up-fen"),
    ("vouched", "truncate-jiao"),
    ("vouched", "half-up-yuan"),
    ("frozen", "half-up-fen"),
    ("ratio", "half-up-fen"),
    ("refused", "half-up-fen"),
    ("spaced", "half-up-fen"),
    ("vouched", "jiao-up-yuan"),
]


@pytest.mark.parametrize(("case", "rounding"), CASES)
def test_the_store_remittance_on_sqlite_leaves_every_row_as_the_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, rounding: str
) -> None:
    kind = "sqlite"
    in_store = compare(kind, case, rounding, tmp_path, monkeypatch, None)
    check_path(in_store, case, rounding, kind)


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)
@pytest.mark.parametrize(("case", "rounding"), CASES[:1] + CASES[3:7])
def test_the_store_remittance_on_postgresql_leaves_every_row_as_the_core(
    empty_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, rounding: str
) -> None:
    kind = "postgresql"
    in_store = compare(kind, case, rounding, tmp_path, monkeypatch, empty_database)
    check_path(in_store, case, rounding, kind)


def check_path(in_store: list[object], case: str, rounding: str, kind: str) -> None:
    """Not vacuous: the SQL posted the 80 accounts once (the replay answers from the key)
    when it could vouch for all, and stepped aside otherwise; with the SQL switched off
    (the second run) it was asked and stepped aside. A refused remittance stores no key,
    so its replay asks again. A spaced record is SQLite's (``json_set`` reads any JSON),
    not PostgreSQL's (it splices the codec's text)."""
    if case == "refused":
        assert in_store == [None] * 4
        return
    assert len(in_store) == 2
    assert in_store[1] is None
    if (case == "vouched" and rounding != "jiao-up-yuan") or (case == "spaced" and kind == "sqlite"):
        posted = in_store[0]
        assert isinstance(posted, list)
        assert len(posted) == 80
    else:
        assert in_store[0] is None


PAID_MONTHS: tuple[tuple[Callable[[dict[str, Any]], object], bool], ...] = (
    # how the first ordinary records' paid months are changed, and whether still ordinary
    (lambda record: record.update(paid_months="x"), False),  # a string: not a list
    (lambda record: record.pop("paid_months"), False),  # missing
    (lambda record: record["paid_months"].append(1), False),  # the last not a month (1 < "2025")
    (lambda record: record.update(paid_months=["2025-08-01"]), False),  # a month after July paid
    (lambda record: record.update(paid_months=[]), True),  # empty
    (lambda record: record.update(paid_months=["2025-01-01", "2025-06-01"]), True),  # June the last
)


def staged_after_changing_paid_months(url: str) -> tuple[list[str], set[str], set[str]]:
    """Seed the vouched accounts at ``url``, change the first ordinary records' paid months
    as :data:`PAID_MONTHS` says (in the codec's text: sorted keys, no spaces), and stage
    July's remittance of E01: (the ordinary accounts, those changed to be refused, those
    staged)."""
    found = accounts("vouched")
    seed_at(url, SECRET, found)
    ordinary = sorted(a.account_no for a in found if vouched(a))
    changed = dict(zip(ordinary, PAID_MONTHS, strict=False))
    engine = engine_for(url)
    read = sa.text("SELECT body FROM accounts WHERE account_no = :n")
    write = sa.text("UPDATE accounts SET body = :body WHERE account_no = :n")
    try:
        with engine.begin() as connection:
            for account_no, (change, _) in changed.items():
                record = json.loads(connection.execute(read, {"n": account_no}).scalar_one())
                change(record)
                body = json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
                assert connection.execute(write, {"body": body, "n": account_no}).rowcount == 1
            dialect = connection.dialect.name
            params = _set_remittance._params(MONTH, VALUE_DATE, f"{KEY}/", dialect, employer_no="E01")
            _set_remittance._stage(
                connection, ContributionRounding.HALF_UP_FEN, _set_remittance._EMPLOYER,
                _set_remittance._PG_EMPLOYER_LOCK, params,
            )  # fmt: skip
            staged = {row[0] for row in connection.exec_driver_sql("SELECT account_no FROM batch_stage")}
    finally:
        engine.dispose()
    refused = {account_no for account_no, (_, still) in changed.items() if not still}
    assert len(refused) == 4
    return ordinary, refused, staged


def test_the_sqlite_stage_reads_the_last_paid_month_and_vouches_for_no_malformed_list(tmp_path: Path) -> None:
    """D-079: the stage reads only the last of the paid months (the list is stored
    ascending). An empty list is still ordinary; a list that is missing, not a list, or
    ends in something not a month, or in a month from July on, is not staged (the core
    decides it)."""
    ordinary, refused, staged = staged_after_changing_paid_months(str(tmp_path / "stage.db"))
    assert staged == set(ordinary) - refused


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)
def test_the_postgresql_stage_reads_the_last_paid_month_and_vouches_for_no_malformed_list(
    empty_database: str,
) -> None:
    """The same on PostgreSQL, where the stage reads the record as ``jsonb``."""
    ordinary, refused, staged = staged_after_changing_paid_months(empty_database)
    assert staged == set(ordinary) - refused


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)
def test_the_postgresql_stage_does_not_grow_over_a_connections_life(empty_database: str) -> None:
    """D-079: the stage is emptied with ``TRUNCATE`` on PostgreSQL. A ``DELETE`` left its
    rows dead in the temporary table, which autovacuum never visits; over a pooled
    connection's life it grew and the planner misjudged it."""
    seed_at(empty_database, SECRET, accounts("vouched"))
    params = _set_remittance._params(MONTH, VALUE_DATE, f"{KEY}/", "postgresql", employer_no="E01")
    size = sa.text("SELECT pg_relation_size('batch_stage')")
    engine = engine_for(empty_database)
    try:
        with engine.connect() as connection:
            sizes = []
            for _ in range(30):
                with connection.begin():
                    _set_remittance._stage(
                        connection, ContributionRounding.HALF_UP_FEN, _set_remittance._EMPLOYER,
                        _set_remittance._PG_EMPLOYER_LOCK, params,
                    )  # fmt: skip
                    staged = connection.exec_driver_sql("SELECT count(*) FROM batch_stage").scalar_one()
                    sizes.append(connection.execute(size).scalar_one())
                assert staged == 80
    finally:
        engine.dispose()
    assert sizes[-1] == sizes[0]
