"""The annual interest settlement computed in SQL on SQLite (issue #16, D-070) and
PostgreSQL (D-075): one chunk's ordinary accounts in four set-based statements — their
interest into a staging table (``INSERT … SELECT`` over the journal), the journal rows from
it (``INSERT … SELECT``), the accounts from it (``UPDATE … FROM``, the stored record changed
in place: ``json_set`` on SQLite) — and every other account of the chunk through the core's
pure functions as before (:meth:`InterestSettlement.post
<hpf_adapters.batch.InterestSettlement.post>`).

The arithmetic is the core's (:func:`hpf_core.accounts.accrue_interest_segments`), made
linear. A segment ``k`` of the year (``f``..``l``, one rate) has the balance product
(积数) Σ over its days ``d`` of weight(d) × balance(d); the balance of a day is the sum of
the entries dated on or before it, so the product is Σ over the entries of amount ×
:func:`hpf_core.accounts.interest_days` (max(value date, ``f``), ``l``) — an entry dated
before the year counts from ``f`` (the opening balance), one after ``l`` counts nothing.
Those day counts, for every day of the year and every segment, are computed in Python by
the core's own :func:`~hpf_core.accounts.interest_days` into a small table (at most 366 ×
segments rows) and joined to the journal; the segments (where a different rate takes
effect) are the core's, read from :func:`~hpf_core.accounts.accrue_interest_segments` of an
empty journal. The interest of a segment is round_half_up(product × rate / D), with the
rate as the exact fraction num/den: ``(2·P·num + den·D) div (2·den·D)`` in integers, exact
(P ≥ 0); the account's interest is the segments' sum, as the core rounds each on its own.

"Ordinary" is decided in SQL, conservatively: status normal (01) and not frozen, every
settled year before this one (so this year and the value date's are not settled, and the
year appends at the end of the sorted list), opened on or before the value date (1 July
after the year), the balance column equal to the record's balance, the opening balance
(entries before the year) and every end-of-posting balance within the year (in value-date
order, then journal order, as the core applies them) between 0 and the ledger maximum, and
the balance after the interest within it too. Whatever is not ordinary (sealed, frozen,
closed, status 99, a settled year, a journal the core would refuse) is read, decoded and
posted by the core with its refusals, and so is an account whose product times its rate's
numerator would not fit 64-bit integers (a rate of many places on a large balance) on
SQLite. ``tests/batch/test_batch_set_interest.py`` proves on random journals, with rates
changing mid-year on every day basis, that the two leave every account row and journal row
byte for byte the same, on both databases.

On PostgreSQL (D-075) the statements are those of the remittance there
(:mod:`hpf_adapters.sql._set_remittance`): the chunk's rows locked first, each record read
once as ``jsonb`` (the new last value date staged with the interest), the record changed
as bytes at its keys (D-078) and the year appended to ``settled_years``. The products
and the division are ``NUMERIC`` (``sum`` of ``BIGINT`` is), exact at any size, so no
account goes to the core for its size there."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hpf_adapters.sql._set_remittance import (
    PG_BALANCE,
    PG_DATE,
    PG_LOCK,
    clear,
    credit_accounts,
    pg_credit_accounts,
    pg_spliceable,
)
from hpf_core.accounts import DayBasis, accrue_interest_segments, interest_days, interest_year
from hpf_core.money import MAX_AMOUNT

DIALECTS = frozenset({"sqlite", "postgresql"})
"""The databases on which the interest computes in SQL (the tests switch it off to compare)."""

_MAX_FEN = int(MAX_AMOUNT * 100)
_INT64 = 2**63 - 1

_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS batch_interest"
    " (account_no TEXT PRIMARY KEY, amount_fen INTEGER NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS batch_weights"
    " (day TEXT NOT NULL, seg INTEGER NOT NULL, weight INTEGER NOT NULL, PRIMARY KEY (day, seg))",
    "CREATE TEMP TABLE IF NOT EXISTS batch_segments"
    " (seg INTEGER PRIMARY KEY, num INTEGER NOT NULL, den INTEGER NOT NULL, max_product INTEGER NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS batch_plan (plan TEXT NOT NULL)",
)

# the chunk's accounts whose journal the core would refuse (a negative or overflowing
# opening or running balance): left to the core, which raises as before
_REFUSED_JOURNALS = """
SELECT DISTINCT account_no FROM (
  SELECT account_no, value_date,
         sum(CASE WHEN value_date < :start THEN amount_fen ELSE 0 END)
           OVER (PARTITION BY account_no) AS opening,
         sum(amount_fen) OVER (
           PARTITION BY account_no ORDER BY value_date >= :start, value_date, seq
           ROWS UNBOUNDED PRECEDING) AS running
  FROM journal WHERE account_no BETWEEN :first AND :last AND value_date <= :end
) AS balances
WHERE opening < 0 OR opening > :max_fen
   OR (value_date >= :start AND (running < 0 OR running > :max_fen))
"""

_SELECT = sa.text(f"""
INSERT INTO batch_interest (account_no, amount_fen)
SELECT a.account_no, coalesce(i.amount, 0) FROM (
  SELECT account_no, balance_fen FROM accounts
  WHERE account_no BETWEEN :first AND :last
    AND status = '01'
    AND json_extract(body, '$.state.status') = '01'
    AND json_extract(body, '$.state.freeze') = '0'
    AND json_type(body, '$.settled_years') = 'array'
    AND NOT EXISTS (SELECT 1 FROM json_each(body, '$.settled_years')
                    WHERE type <> 'integer' OR value >= :year)
    AND json_extract(body, '$.opened_on') <= :value_date
    AND json_type(body, '$.balance') = 'text'
    AND json_extract(body, '$.balance') GLOB '[0-9]*.[0-9][0-9]'
    AND json_extract(body, '$.balance') NOT GLOB '*[^0-9.]*'
    AND balance_fen = CAST(replace(json_extract(body, '$.balance'), '.', '') AS INTEGER)
    AND account_no NOT IN ({_REFUSED_JOURNALS})
) AS a
LEFT JOIN (
  SELECT p.account_no,
         sum(CASE WHEN p.product <= s.max_product
             THEN (2 * p.product * s.num + s.den * :divisor) / (2 * s.den * :divisor) END) AS amount,
         max(p.product > s.max_product) AS too_big
  FROM (
    SELECT e.account_no, w.seg, sum(e.amount_fen * w.weight) AS product
    FROM journal AS e JOIN batch_weights AS w ON w.day = max(e.value_date, :start)
    WHERE e.account_no BETWEEN :first AND :last AND e.value_date <= :end
    GROUP BY e.account_no, w.seg
  ) AS p JOIN batch_segments AS s ON s.seg = p.seg
  GROUP BY p.account_no
) AS i ON i.account_no = a.account_no
WHERE coalesce(i.too_big, 0) = 0 AND a.balance_fen + coalesce(i.amount, 0) <= :max_fen
""")

_JOURNAL = sa.text("""
INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, month, interest_year, reverses, memo)
SELECT account_no, 'interest', amount_fen, :value_date, :prefix || account_no, NULL, :year, NULL, ''
FROM batch_interest WHERE amount_fen > 0 ORDER BY account_no
""")

_ACCOUNTS = sa.text(credit_accounts("batch_interest", "$.settled_years", ":year", "\n  AND s.amount_fen > 0"))


# --------------------------------------------------------------------------- PostgreSQL

_PG_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS batch_interest"
    " (account_no TEXT PRIMARY KEY, amount_fen BIGINT NOT NULL, last_value TEXT NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS batch_weights"
    " (day DATE NOT NULL, seg INTEGER NOT NULL, weight BIGINT NOT NULL, PRIMARY KEY (day, seg))",
    "CREATE TEMP TABLE IF NOT EXISTS batch_segments"
    " (seg INTEGER PRIMARY KEY, num NUMERIC NOT NULL, den NUMERIC NOT NULL, max_product NUMERIC NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS batch_plan (plan TEXT NOT NULL)",
)

# the products are NUMERIC (``sum`` of BIGINT is): exact at any size, so no account is left
# to the core for its size; the casts are guarded by CASE (PostgreSQL may evaluate a select
# list or a condition in any order)
_PG_SELECT = sa.text(f"""
INSERT INTO batch_interest (account_no, amount_fen, last_value)
SELECT a.account_no, coalesce(i.amount, 0),
       CASE WHEN a.lv IS NULL OR a.lv COLLATE "C" < :value_date THEN :value_date ELSE a.lv END
FROM (
  SELECT account_no, balance_fen, j ->> 'last_value_date' AS lv
  FROM (SELECT account_no, status, balance_fen, body, CAST(body AS jsonb) AS j
        FROM accounts WHERE account_no BETWEEN :first AND :last OFFSET 0) AS stored
  WHERE status = '01'
    AND {pg_spliceable("body", "settled_years")}
    AND j -> 'state' ->> 'status' = '01'
    AND j -> 'state' ->> 'freeze' = '0'
    AND jsonb_typeof(j -> 'settled_years') = 'array'
    AND NOT EXISTS (
      SELECT 1 FROM jsonb_array_elements(j -> 'settled_years') AS y(v)
      WHERE CASE WHEN jsonb_typeof(y.v) = 'number' AND y.v #>> '{{}}' ~ '^[0-9]{{1,9}}$'
                 THEN CAST(y.v #>> '{{}}' AS INTEGER) >= :year ELSE true END)
    AND j ->> 'opened_on' COLLATE "C" <= :value_date
    AND (jsonb_typeof(j -> 'last_value_date') = 'null'
         OR j ->> 'last_value_date' ~ {PG_DATE})
    AND jsonb_typeof(j -> 'balance') = 'string'
    AND j ->> 'balance' ~ {PG_BALANCE}
    AND balance_fen = CASE WHEN j ->> 'balance' ~ {PG_BALANCE}
                        THEN CAST(replace(j ->> 'balance', '.', '') AS BIGINT) END
    AND jsonb_typeof(j -> 'version') = 'number'
    AND account_no NOT IN ({_REFUSED_JOURNALS})
) AS a
LEFT JOIN (
  SELECT p.account_no,
         sum(div(2 * p.product * s.num + s.den * :divisor, 2 * s.den * :divisor)) AS amount
  FROM (
    SELECT e.account_no, w.seg, sum(CAST(e.amount_fen AS NUMERIC) * w.weight) AS product
    FROM journal AS e JOIN batch_weights AS w ON w.day = greatest(e.value_date, :start)
    WHERE e.account_no BETWEEN :first AND :last AND e.value_date <= :end
    GROUP BY e.account_no, w.seg
  ) AS p JOIN batch_segments AS s ON s.seg = p.seg
  GROUP BY p.account_no
) AS i ON i.account_no = a.account_no
WHERE a.balance_fen + coalesce(i.amount, 0) <= :max_fen
""")

_PG_JOURNAL = sa.text("""
INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, month, interest_year, reverses, memo)
SELECT account_no, 'interest', amount_fen, :value_day, :prefix || account_no, NULL, :year, NULL, ''
FROM batch_interest WHERE amount_fen > 0 ORDER BY account_no
""")

_PG_ACCOUNTS = pg_credit_accounts("batch_interest", "settled_years", ":year_text", "\n  AND s.amount_fen > 0")


def _segments(
    year: int, rates: tuple[tuple[date, Decimal], ...], basis: DayBasis
) -> list[tuple[date, date, Decimal]]:
    """The core's segments of the year: (first day, last day, annual rate)."""
    start, end = interest_year(date(year, 7, 1))
    breakdown = accrue_interest_segments(0, [], start, end, rates, basis=basis)
    return [(s.start, s.end, s.annual_rate) for s in breakdown.segments]


def _max_product(rate: Decimal, divisor: int) -> int:
    """The largest product P whose ``2·P·num + den·D`` stays within 64-bit integers (any,
    for a rate of 0)."""
    num, den = rate.as_integer_ratio()
    return (_INT64 - den * divisor) // (2 * num) if num else _INT64


def applies(dialect: str) -> bool:
    """Whether the interest settlement computes in SQL on ``dialect`` (on SQLite a rate has
    at most 10 places, so its fraction's denominator times D always fits 64-bit integers;
    an account whose product is too large for its rate's numerator is left to the core; on
    PostgreSQL the products are exact ``NUMERIC``)."""
    return dialect in DIALECTS


def _plan(
    connection: sa.Connection, year: int, rates: tuple[tuple[date, Decimal], ...], basis: DayBasis
) -> None:
    """The day-count and segment tables for the year, unless the connection has them."""
    plan = repr((year, rates, basis.value))
    if connection.exec_driver_sql("SELECT plan FROM batch_plan").scalar() == plan:
        return
    segments = _segments(year, rates, basis)
    start, end = interest_year(date(year, 7, 1))
    dated = connection.dialect.name == "postgresql"  # a DATE column there, ISO text on SQLite
    weights = []
    day = start
    while day <= end:
        for k, (first, last, _) in enumerate(segments):
            if day <= last:
                days = interest_days(max(day, first), last, basis=basis)
                weights.append({"day": day if dated else day.isoformat(), "seg": k, "weight": days})
        day += timedelta(days=1)
    fractions = [
        {
            "seg": k,
            "num": rate.as_integer_ratio()[0],
            "den": rate.as_integer_ratio()[1],
            "max_product": _max_product(rate, basis.divisor),
        }
        for k, (_, _, rate) in enumerate(segments)
    ]
    for table in ("batch_weights", "batch_segments", "batch_plan"):
        clear(connection, table)
    connection.execute(sa.text("INSERT INTO batch_weights VALUES (:day, :seg, :weight)"), weights)
    connection.execute(
        sa.text("INSERT INTO batch_segments VALUES (:seg, :num, :den, :max_product)"), fractions
    )
    connection.execute(sa.text("INSERT INTO batch_plan VALUES (:plan)"), {"plan": plan})


def post_in_sql(
    connection: sa.Connection,
    *,
    first: str,
    last: str,
    year: int,
    rates: tuple[tuple[date, Decimal], ...],
    basis: DayBasis,
    prefix: str,
) -> tuple[int, int, int]:
    """Settle the ordinary accounts of ``first``..``last`` in SQL; (accounts decided, of
    them credited, their sum in fen). An ordinary account that earned nothing is decided
    and not credited. The staging table keeps their numbers until the next chunk."""
    postgresql = connection.dialect.name == "postgresql"
    for statement in _PG_TABLES if postgresql else _TABLES:
        connection.exec_driver_sql(statement)
    _plan(connection, year, rates, basis)
    clear(connection, "batch_interest")
    start, end = interest_year(date(year, 7, 1))
    params: dict[str, Any] = {
        "first": first,
        "last": last,
        "year": year,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "value_date": (end + timedelta(days=1)).isoformat(),
        "divisor": basis.divisor,
        "max_fen": _MAX_FEN,
        "prefix": prefix,
    }
    if postgresql:
        value_day = end + timedelta(days=1)
        params.update(start=start, end=end, value_day=value_day, year_text=str(year))
        connection.execute(PG_LOCK, params)
        connection.execute(_PG_SELECT, params)
        connection.execute(_PG_JOURNAL, params)
        connection.execute(_PG_ACCOUNTS, params)
    else:
        connection.execute(_SELECT, params)
        connection.execute(_JOURNAL, params)
        connection.execute(_ACCOUNTS, params)
    row = connection.exec_driver_sql(
        "SELECT count(*), count(nullif(amount_fen, 0)), coalesce(sum(amount_fen), 0) FROM batch_interest"
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


REST = sa.text(
    "SELECT body, version FROM accounts WHERE account_no BETWEEN :first AND :last"
    " AND account_no NOT IN (SELECT account_no FROM batch_interest) ORDER BY account_no"
)
"""The chunk's accounts the SQL did not decide."""
