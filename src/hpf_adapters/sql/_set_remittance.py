"""The remittance computed in SQL on SQLite (issue #16, D-066) and PostgreSQL (D-074), for
the batch job's chunks (:func:`post_in_sql`) and for the service's remittance of one
employer (:func:`remit_employer`, D-078): the ordinary accounts in three set-based
statements — their amounts into a staging table (``INSERT … SELECT``), the journal rows
from it (``INSERT … SELECT``), the accounts from it (``UPDATE … FROM``, the stored record
changed in place: ``json_set`` on SQLite) — and every other account of the chunk through
the core's pure functions as before. An employer's remittance is posted in SQL whole or
not at all: one account the SQL cannot vouch for and the core posts them all.

"Ordinary" is decided in SQL, conservatively: status normal (01) and not frozen, the month
after every paid month and not before the first month, the value date neither before the
account opened nor in a settled interest year, the base and ratios written as plain
decimals (at most 2 and 4 places), the balance column equal to the record's balance, a
rounding mode that half-ups or truncates to a step,
and an amount above 0 and within the ledger maximum. Whatever is not ordinary (sealed,
closed, frozen, a paid month, a back-pay gap, an unusual number, an "up" rounding mode) is
read, decoded and posted by :meth:`Remittance.post` with its refusals. So the SQL only
ever handles the case the core would post without a question, and
``tests/batch/test_batch_set_based.py`` proves on random data that it leaves every account
row (balance column, version, the record's text byte for byte) and journal row exactly as
the pure functions do.

The amount: with the base in fen ``B``, a ratio scaled to ten-thousandths ``R`` and the
mode's step in fen ``s``, one side is ``(B·R + 5000·s) div (10000·s) · s`` (half up) or
``B·R div (10000·s) · s`` (truncate) — :func:`hpf_core.accounts.round_contribution` of
``base × ratio`` — in integers, exact; the total is the two sides' sum.

On PostgreSQL (D-074) the chunk's rows are locked first (``FOR UPDATE``, as the Python
path reads them), the record is read once a row as ``jsonb`` (the new last value date
staged with the amount) and changed as text: its JSON functions do not write the canonical
text, so the values a remittance changes — balance, last value date and version, top-level
keys no nested record has (a string's quotes are escaped in the text, so no value can hold
a key's text; the tests' member names try) — are spliced in as bytes at their keys, and the
month is appended to the paid months' list (it sorts after every month there); the stage
leaves a record whose keys are not where the codec writes them to the core (D-078). Text
comparisons of dates use ``COLLATE "C"``. MariaDB keeps the Python path (already within
about 2× of the bare SQL)."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import sqlalchemy as sa

from hpf_core.accounts import MAX_KEY_LENGTH, AccountStatus, ContributionRounding, interest_year_of
from hpf_core.money import MAX_AMOUNT

DIALECTS = frozenset({"sqlite", "postgresql"})
"""The databases on which the remittance computes in SQL (the tests switch it off to
compare)."""

_STEP_FEN = {
    ContributionRounding.HALF_UP_YUAN: ("half-up", 100),
    ContributionRounding.TRUNCATE_YUAN: ("truncate", 100),
    ContributionRounding.HALF_UP_JIAO: ("half-up", 10),
    ContributionRounding.TRUNCATE_JIAO: ("truncate", 10),
    ContributionRounding.HALF_UP_FEN: ("half-up", 1),
}
"""The modes SQL computes: half up or truncate to a step of 100, 10 or 1 fen."""

_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS batch_stage"
    " (account_no TEXT PRIMARY KEY, amount_fen BIGINT NOT NULL, last_value TEXT)"
)
"""The chunk's staged accounts: the amount and the new last value date."""

# a decimal text in fen: "3000" / "3000.5" / "3000.50" (checked by the GLOBs before use)
_FEN = (
    "(CAST(CASE WHEN instr({x}, '.') = 0 THEN {x} ELSE substr({x}, 1, instr({x}, '.') - 1) END AS INTEGER)"
    " * 100 + CASE WHEN instr({x}, '.') = 0 THEN 0"
    " ELSE CAST(substr(substr({x}, instr({x}, '.') + 1) || '00', 1, 2) AS INTEGER) END)"
)
# a ratio "0.12" / "0.075" / "0.1234" in ten-thousandths
_TEN_THOUSANDTHS = "CAST(substr({x} || '0000', 3, 4) AS INTEGER)"
_PLAIN_AMOUNT = (
    "({x} GLOB '[0-9]*' AND {x} NOT GLOB '*[^0-9.]*' AND {x} NOT GLOB '*.*.*'"
    " AND (instr({x}, '.') = 0 OR length({x}) - instr({x}, '.') BETWEEN 1 AND 2))"
)
_PLAIN_RATIO = "({x} GLOB '0.[0-9]*' AND {x} NOT GLOB '*[^0-9.]*' AND length({x}) BETWEEN 3 AND 6)"


def _side(ratio: str, kind: str, step: int) -> str:
    product = f"(base_fen * {_TEN_THOUSANDTHS.format(x=ratio)})"
    if kind == "half-up":
        return f"(({product} + {5000 * step}) / {10000 * step} * {step})"
    return f"({product} / {10000 * step} * {step})"


_CHUNK = "account_no BETWEEN :first AND :last"
"""The rows a batch chunk posts."""
_EMPLOYER = f"employer_no = :employer_no AND length(:prefix || account_no) <= {MAX_KEY_LENGTH}"
"""The rows a service's remittance posts: one employer's (an account whose journal key
would be too long is left to the core, which refuses it)."""


_READ_PATHS = (
    "$.base", "$.employee_ratio", "$.employer_ratio", "$.state.freeze", "$.state.status",
    "$.paid_months[#-1]", "$.settled_years", "$.first_month", "$.opened_on", "$.balance", "$.last_value_date",
)  # fmt: skip
"""What the SQLite stage reads of a record, in one ``json_extract`` (one parse): of the
paid months only the last, the latest (D-079)."""

_MONTH = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-01'"
"""A month as the codec writes it (the first of the month), for ``GLOB``."""


def _select(kind: str, step: int, among: str = _CHUNK) -> str:
    # SQLite 3.40 parses a record again at each json_extract (~0.6 µs), so the record is
    # read once into an array of the values the stage needs (``read``), and each value is
    # taken out of that short array once (``fields``); MATERIALIZED keeps SQLite from
    # folding a level into the next, which would evaluate its expressions at each use
    # (D-074, D-078). Of the paid months it reads the last only: the list is stored in
    # ascending order (the codec writes a set sorted; this SQL appends only a later month),
    # so "after every paid month" is "after the last"; reading the whole list made every
    # read of the array as long as the account's history (D-079). An empty list (its last
    # is NULL) is told from a missing or malformed one by a second look at the record.
    amount = f"({_side('e', kind, step)} + {_side('r', kind, step)})"
    paths = ", ".join(f"'{path}'" for path in _READ_PATHS)
    return f"""
INSERT INTO batch_stage (account_no, amount_fen, last_value)
WITH read AS MATERIALIZED (
  SELECT account_no, balance_fen, json_extract(body, {paths}) AS x
  FROM accounts WHERE {among} AND status = '01'
), fields AS MATERIALIZED (
  SELECT account_no, balance_fen, x,
         json_extract(x, '$[0]') AS b, json_extract(x, '$[1]') AS e, json_extract(x, '$[2]') AS r,
         json_extract(x, '$[3]') AS freeze, json_extract(x, '$[4]') AS status,
         json_extract(x, '$[5]') AS last_paid, json_type(x, '$[6]') AS settled_type,
         json_extract(x, '$[7]') AS first_month, json_extract(x, '$[8]') AS opened_on,
         json_type(x, '$[9]') AS balance_type, json_extract(x, '$[9]') AS balance,
         json_extract(x, '$[10]') AS lv
  FROM read
), ordinary AS MATERIALIZED (
  SELECT account_no, e, r, {_FEN.format(x="b")} AS base_fen,
         CASE WHEN lv IS NULL OR lv < :value_date THEN :value_date ELSE lv END AS last_value
  FROM fields
  WHERE freeze = '0'
    AND status = '01'
    AND CASE WHEN last_paid IS NULL
          THEN (SELECT json_type(a.body, '$.paid_months') = 'array'
                       AND json_array_length(a.body, '$.paid_months') = 0
                FROM accounts AS a WHERE a.account_no = fields.account_no)
          ELSE last_paid GLOB {_MONTH} AND last_paid < :month END
    AND settled_type = 'array'
    AND NOT EXISTS (SELECT 1 FROM json_each(x, '$[6]') WHERE value = :settled_year)
    AND coalesce(first_month, '') <= :month
    AND opened_on <= :value_date
    AND balance_type = 'text'
    AND balance GLOB '[0-9]*.[0-9][0-9]'
    AND balance NOT GLOB '*[^0-9.]*'
    AND balance_fen = CAST(replace(balance, '.', '') AS INTEGER)
    AND {_PLAIN_AMOUNT.format(x="b")} AND {_PLAIN_RATIO.format(x="e")} AND {_PLAIN_RATIO.format(x="r")}
)
SELECT account_no, amount, last_value FROM (
  SELECT account_no, {amount} AS amount, last_value FROM ordinary
)
WHERE amount > 0 AND amount <= :max_fen
"""


_JOURNAL = """
INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, month, interest_year, reverses, memo)
SELECT account_no, 'remittance', amount_fen, :value_date, :prefix || account_no, :month, NULL, NULL, ''
FROM batch_stage ORDER BY account_no
"""


def credit_accounts(
    stage: str,
    appended: str | None,
    value: str,
    where: str = "",
    *,
    amount: str = "s.amount_fen",
    value_date: str = ":value_date",
    ranged: bool = True,
    last_value: str | None = None,
) -> str:
    """The ``UPDATE … FROM`` that credits each account of a chunk with its staged
    ``amount`` (an expression over the row ``s`` of table ``stage``; negative for a debit):
    the balance column, the version, and the stored record in place with ``json_set`` —
    balance, last value date (the later of it and ``value_date``), ``value`` appended to
    the list at ``appended`` (``'$.paid_months'``, bound as ``:month``; None appends
    nothing), version. ``where``: a further condition on the staged row ``s``; ``ranged``:
    only the accounts ``:first``..``:last`` (a chunk of accounts, not of loans);
    ``last_value``: the new last value date as staged (an expression over ``s``), instead
    of reading the record's again (two more parses of it on SQLite)."""
    append = "" if appended is None else f"\n    '{appended}[#]', {value},"
    chunk = "accounts.account_no BETWEEN :first AND :last AND " if ranged else ""
    if last_value is None:
        last_value = f"""CASE
      WHEN json_extract(accounts.body, '$.last_value_date') IS NULL
        OR json_extract(accounts.body, '$.last_value_date') < {value_date} THEN {value_date}
      ELSE json_extract(accounts.body, '$.last_value_date') END"""
    return f"""
UPDATE accounts SET
  balance_fen = accounts.balance_fen + {amount},
  version = accounts.version + 1,
  body = json_set(
    accounts.body,
    '$.balance', printf('%d.%02d', (accounts.balance_fen + {amount}) / 100,
                        (accounts.balance_fen + {amount}) % 100),
    '$.last_value_date', {last_value},{append}
    '$.version', accounts.version + 1
  )
FROM {stage} AS s
WHERE {chunk}accounts.account_no = s.account_no{where}
"""


_ACCOUNTS = credit_accounts("batch_stage", "$.paid_months", ":month", last_value="s.last_value")


# --------------------------------------------------------------------------- PostgreSQL

PG_LOCK = sa.text("SELECT 1 FROM accounts WHERE account_no BETWEEN :first AND :last FOR UPDATE")
"""The chunk's account rows locked, as the Python path reads them (the interest's too)."""

# the patterns a value must match before it is cast (shared with the interest's SQL)
PG_DATE = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}$'"
PG_BALANCE = r"'^[0-9]+\.[0-9]{2}$'"
_PG_PLAIN_AMOUNT = r"'^[0-9]+(\.[0-9]{1,2})?$'"
_PG_PLAIN_RATIO = r"'^0\.[0-9]{1,4}$'"
_PG_MONTH = "'^[0-9]{4}-[0-9]{2}-01$'"


def _pg_select(kind: str, step: int, among: str = _CHUNK) -> str:
    """The staging ``INSERT … SELECT`` on PostgreSQL: the conditions of the SQLite one,
    each cast guarded by the pattern it needs (PostgreSQL may evaluate a select list
    before a filter; a ``CASE`` keeps ``jsonb_array_length`` from a value not a list). Of
    the paid months it reads the last, as SQLite does (D-079)."""
    amount = f"({_side('e', kind, step)} + {_side('r', kind, step)})"  # base_fen is BIGINT there
    return f"""
INSERT INTO batch_stage (account_no, amount_fen, last_value)
SELECT account_no, amount, last_value FROM (
  SELECT account_no, {amount} AS amount,
         CASE WHEN lv IS NULL OR lv COLLATE "C" < :value_date THEN :value_date ELSE lv END AS last_value
  FROM (
    SELECT account_no, e, r, j ->> 'last_value_date' AS lv,
           CASE WHEN b ~ {_PG_PLAIN_AMOUNT} AND e ~ {_PG_PLAIN_RATIO} AND r ~ {_PG_PLAIN_RATIO}
             THEN CAST(split_part(b, '.', 1) AS BIGINT) * 100
                  + CAST(rpad(split_part(b, '.', 2), 2, '0') AS BIGINT) END AS base_fen
    FROM (
      SELECT account_no, status, balance_fen, j, body,
             j ->> 'base' AS b, j ->> 'employee_ratio' AS e, j ->> 'employer_ratio' AS r
      FROM (SELECT account_no, status, balance_fen, body, CAST(body AS jsonb) AS j
            FROM accounts WHERE {among} OFFSET 0) AS stored
    ) AS parsed
    WHERE status = '01'
      AND {pg_spliceable("body", "paid_months")}
      AND j -> 'state' ->> 'freeze' = '0'
      AND j -> 'state' ->> 'status' = '01'
      AND CASE WHEN jsonb_typeof(j -> 'paid_months') <> 'array' THEN false
               WHEN jsonb_array_length(j -> 'paid_months') = 0 THEN true
               ELSE coalesce((j -> 'paid_months' ->> -1) ~ {_PG_MONTH}, false)
                    AND (j -> 'paid_months' ->> -1) COLLATE "C" < :month END
      AND jsonb_typeof(j -> 'settled_years') = 'array'
      AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(j -> 'settled_years') AS y(v)
                      WHERE y.v = :settled_text)
      AND coalesce(j ->> 'first_month', '') COLLATE "C" <= :month
      AND j ->> 'opened_on' COLLATE "C" <= :value_date
      AND (jsonb_typeof(j -> 'last_value_date') = 'null' OR j ->> 'last_value_date' ~ {PG_DATE})
      AND jsonb_typeof(j -> 'balance') = 'string'
      AND j ->> 'balance' ~ {PG_BALANCE}
      AND balance_fen = CASE WHEN j ->> 'balance' ~ {PG_BALANCE}
                          THEN CAST(replace(j ->> 'balance', '.', '') AS BIGINT) END
      AND jsonb_typeof(j -> 'version') = 'number'
      AND b ~ {_PG_PLAIN_AMOUNT} AND e ~ {_PG_PLAIN_RATIO} AND r ~ {_PG_PLAIN_RATIO}
  ) AS ordinary
) AS amounts
WHERE amount > 0 AND amount <= :max_fen
"""


_PG_JOURNAL = sa.text("""
INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, month, interest_year, reverses, memo)
SELECT account_no, 'remittance', amount_fen, :value_day, :prefix || account_no, :month_day, NULL, NULL, ''
FROM batch_stage ORDER BY account_no
""")


def _bytes(text: str) -> str:
    """``text``'s UTF-8 bytes as a ``bytea`` literal (hex: no quote or colon to escape)."""
    return f"'\\x{text.encode().hex()}'::bytea"


def _pg_keys(raw: str, key: str) -> tuple[str, str, str, str]:
    """Where, in the record's bytes ``raw``, the values a credit changes begin: the
    balance's digits, the last value date (``null`` or a quoted date), the list at the
    top-level ``key`` (its first item) and the version's digits — 1-based, and each
    position 0 plus the text's length when its key is absent."""
    marks = ('"balance":"', '"last_value_date":', f'"{key}":[', '"version":')
    balance, last_value, items, version = (f"(position({_bytes(m)} in {raw}) + {len(m)})" for m in marks)
    return balance, last_value, items, version


def pg_spliceable(body: str, key: str) -> str:
    """The staging condition that the record ``body`` (text) is one
    :func:`pg_credit_accounts` can change as bytes: each of its keys found, in the
    canonical order (a key's first occurrence is the top-level one: no nested record has
    these keys, and a string's quotes are escaped in the text)."""
    raw = f"convert_to({body}, 'UTF8')"
    balance, last_value, items, version = _pg_keys(raw, key)
    return f"({balance} > 11 AND {last_value} > {balance} AND {items} > {last_value} AND {version} > {items})"


_QUOTE = _bytes('"')


def pg_credit_accounts(
    stage: str, key: str, item: str, where: str = "", *, ranged: bool = True
) -> sa.TextClause:
    """The PostgreSQL ``UPDATE … FROM`` that credits each account of a chunk with its
    staged ``amount_fen`` and ``last_value`` (table ``stage``): the balance column, the
    version, and the stored record — balance, last value date, version, and the JSON text
    ``item`` (an SQL expression) appended to the list at the top-level ``key`` — spliced
    as bytes between the positions of :func:`_pg_keys` (the staging statement checked them
    with :func:`pg_spliceable`; ``position`` and ``substring`` on ``bytea`` cost a few
    microseconds a record where ``regexp_replace`` on the text cost ~25, D-078).
    ``where``: a further condition on the staged row ``s``; ``ranged``: only the accounts
    ``:first``..``:last``."""
    chunk = "a.account_no BETWEEN :first AND :last AND " if ranged else ""
    balance, last_value, items, version = _pg_keys("raw", key)
    new_balance = (
        "CAST((balance_fen + amount_fen) / 100 AS TEXT) || '.'"
        " || lpad(CAST(mod(balance_fen + amount_fen, 100) AS TEXT), 2, '0')"
    )
    return sa.text(f"""
UPDATE accounts SET
  balance_fen = accounts.balance_fen + n.amount_fen,
  version = accounts.version + 1,
  body = n.body
FROM (
  SELECT account_no, amount_fen, convert_from(
    substring(raw from 1 for pb - 1) || convert_to({new_balance}, 'UTF8')
    || substring(raw from pb + lb for pl - pb - lb) || convert_to('"' || last_value || '"', 'UTF8')
    || substring(raw from pl + ll for pk + lk - pl - ll)
    || convert_to(CASE WHEN lk = 0 THEN '' ELSE ',' END || {item}, 'UTF8')
    || substring(raw from pk + lk for pv - pk - lk) || convert_to(CAST(version + 1 AS TEXT), 'UTF8')
    || substring(raw from pv + lv), 'UTF8') AS body
  FROM (
    SELECT account_no, amount_fen, last_value, balance_fen, version, raw, pb, pl, pk, pv,
           position({_QUOTE} in substring(raw from pb)) - 1 AS lb,
           CASE WHEN substring(raw from pl for 4) = {_bytes("null")} THEN 4 ELSE 12 END AS ll,
           position({_bytes("]")} in substring(raw from pk)) - 1 AS lk,
           position({_bytes("}")} in substring(raw from pv)) - 1 AS lv
    FROM (
      SELECT a.account_no, s.amount_fen, s.last_value, a.balance_fen, a.version, a.raw,
             {balance} AS pb, {last_value} AS pl, {items} AS pk, {version} AS pv
      FROM {stage} AS s
      JOIN (SELECT account_no, balance_fen, version, convert_to(body, 'UTF8') AS raw FROM accounts) AS a
        ON a.account_no = s.account_no
      WHERE {chunk}true{where}
      OFFSET 0
    ) AS found OFFSET 0
  ) AS measured
) AS n
WHERE accounts.account_no = n.account_no
""")


_PG_ACCOUNTS = pg_credit_accounts("batch_stage", "paid_months", """'"' || :month || '"'""")


def applies(dialect: str, month: date, value_date: date, rounding: ContributionRounding) -> bool:
    """Whether a remittance of these parameters computes in SQL on ``dialect``."""
    return dialect in DIALECTS and rounding in _STEP_FEN and value_date >= month


def _params(month: date, value_date: date, prefix: str, dialect: str, **rows: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "month": month.isoformat(),
        "value_date": value_date.isoformat(),
        "settled_year": interest_year_of(value_date),
        "max_fen": int(MAX_AMOUNT * 100),
        "prefix": prefix,
        **rows,
    }
    if dialect == "postgresql":
        params.update(month_day=month, value_day=value_date, settled_text=str(params["settled_year"]))
    return params


@functools.cache
def _staging(postgresql: bool, rounding: ContributionRounding, among: str) -> sa.TextClause:
    """The staging statement for a rounding mode and a set of rows, built once (a chunk or
    a remittance runs it again and again)."""
    kind, step = _STEP_FEN[rounding]
    return sa.text(_pg_select(kind, step, among) if postgresql else _select(kind, step, among))


def clear(connection: sa.Connection, table: str) -> None:
    """Empty the staging table ``table``. On PostgreSQL with ``TRUNCATE``: a ``DELETE``
    leaves the rows dead in a temporary table, which autovacuum never visits, so over a
    connection's life the table grew (21 MB after 360 remittances), the planner took its
    pages for rows, rescanned it for every account and compiled the plan with JIT: the
    left-over count went from 1 ms to 100-300 ms (D-079). SQLite performs a ``DELETE``
    without a condition as a truncation."""
    emptying = "TRUNCATE" if connection.dialect.name == "postgresql" else "DELETE FROM"
    connection.exec_driver_sql(f"{emptying} {table}")


def _stage(
    connection: sa.Connection, rounding: ContributionRounding, among: str, lock: sa.TextClause, params: Any
) -> None:
    """The ordinary accounts ``among`` the rows staged with their amounts (the rows
    locked first on PostgreSQL)."""
    postgresql = connection.dialect.name == "postgresql"
    connection.exec_driver_sql(_STAGE)
    clear(connection, "batch_stage")
    if postgresql:
        connection.execute(lock, params)
    connection.execute(_staging(postgresql, rounding, among), params)


def post_in_sql(
    connection: sa.Connection,
    *,
    first: str,
    last: str,
    month: date,
    value_date: date,
    rounding: ContributionRounding,
    prefix: str,
) -> tuple[int, int]:
    """Post the ordinary accounts of ``first``..``last`` in SQL; (accounts posted, their
    sum in fen). The staging table keeps their numbers until the next chunk."""
    params = _params(month, value_date, prefix, connection.dialect.name, first=first, last=last)
    _stage(connection, rounding, _CHUNK, PG_LOCK, params)
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_JOURNAL, params)
        connection.execute(_PG_ACCOUNTS, params)
    else:
        connection.execute(sa.text(_JOURNAL), params)
        connection.execute(sa.text(_ACCOUNTS), params)
    row = connection.exec_driver_sql("SELECT count(*), coalesce(sum(amount_fen), 0) FROM batch_stage").one()
    return int(row[0]), int(row[1])


_SKIPPED = tuple(s.value for s in AccountStatus if s.closed or s is AccountStatus.SEALED)
"""The statuses a remittance passes over without a word (closed, sealed)."""

_PG_EMPLOYER_LOCK = sa.text(
    "SELECT 1 FROM accounts WHERE employer_no = :employer_no ORDER BY account_no FOR UPDATE"
)


def _left(body_status: str) -> sa.TextClause:
    """The employer's accounts, and those of them neither staged nor passed over (a status
    column and record both closed or sealed)."""
    skipped = ", ".join(f"'{code}'" for code in _SKIPPED)
    # a join, not "IN (SELECT …)": PostgreSQL rescans a subquery it misjudges once for
    # every account (D-079)
    return sa.text(f"""
SELECT count(*), coalesce(sum(CASE
  WHEN s.account_no IS NOT NULL THEN 0
  WHEN a.status IN ({skipped}) AND {body_status} = a.status THEN 0
  ELSE 1 END), 0)
FROM accounts AS a LEFT JOIN batch_stage AS s ON s.account_no = a.account_no
WHERE a.employer_no = :employer_no
""")


_LEFT = _left("json_extract(a.body, '$.state.status')")
_PG_LEFT = _left("CAST(a.body AS jsonb) -> 'state' ->> 'status'")
_EMPLOYER_JOURNAL = sa.text(_JOURNAL + " RETURNING seq, account_no, amount_fen")
_PG_EMPLOYER_JOURNAL = sa.text(_PG_JOURNAL.text + " RETURNING seq, account_no, amount_fen")
_EMPLOYER_ACCOUNTS = sa.text(
    credit_accounts("batch_stage", "$.paid_months", ":month", ranged=False, last_value="s.last_value")
)
_PG_EMPLOYER_ACCOUNTS = pg_credit_accounts(
    "batch_stage", "paid_months", """'"' || :month || '"'""", ranged=False
)


def remit_employer(
    connection: sa.Connection,
    *,
    employer_no: str,
    month: date,
    value_date: date,
    rounding: ContributionRounding,
    prefix: str,
) -> list[tuple[int, str, int]] | None:
    """The remittance of ``employer_no``'s accounts in SQL (D-078), if the SQL can vouch
    for every one of them: each either ordinary (staged as :func:`post_in_sql` stages a
    chunk's) or one the remittance passes over (closed or sealed), and at least one
    account. Then the journal rows and the accounts are written as a chunk's, and the
    rows come back as ``(seq, account_no, amount_fen)`` in sequence order. Otherwise
    None, with nothing written: the caller posts through the core, which decides (and
    refuses) what the SQL does not."""
    dialect = connection.dialect.name
    if not applies(dialect, month, value_date, rounding):
        return None
    params = _params(month, value_date, prefix, dialect, employer_no=employer_no)
    _stage(connection, rounding, _EMPLOYER, _PG_EMPLOYER_LOCK, params)
    pg = dialect == "postgresql"
    accounts, left = connection.execute(_PG_LEFT if pg else _LEFT, params).one()
    if not accounts or left:
        clear(connection, "batch_stage")
        return None
    journal = connection.execute(_PG_EMPLOYER_JOURNAL if pg else _EMPLOYER_JOURNAL, params)
    rows: list[tuple[int, str, int]] = sorted(map(tuple, journal.all()))
    connection.execute(_PG_EMPLOYER_ACCOUNTS if pg else _EMPLOYER_ACCOUNTS, params)
    return rows


REST = sa.text(
    "SELECT body, version FROM accounts WHERE account_no BETWEEN :first AND :last"
    " AND account_no NOT IN (SELECT account_no FROM batch_stage) ORDER BY account_no"
)
"""The chunk's accounts the SQL did not post."""
