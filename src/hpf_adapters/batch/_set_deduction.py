"""The loan deduction computed in SQL on SQLite (issue #16, D-077): one chunk's ordinary
loans — one instalment due on the collection day, paid in full from the one signer's
deposit account and the card — in set-based statements, and every other loan of the chunk
through :meth:`LoanDeduction.collect` as before.

"Ordinary" is decided in SQL, conservatively, as the loan's own record and its signer's
account show it:

- the loan: not settled; no bill outstanding and every overdue record cleared; the next
  row of its schedule due exactly on the collection day and at least one row after it (so
  the collection bills one instalment, late by nothing, and settles nothing); no repricing
  dated after the last due date up to the day, and the rate in force the rate of the rows;
  the balance column equal to the record's balance; the amounts written as plain decimals
  with two places; the contract number the row's;
- its offset agreement: none (the card pays everything), or exactly one signer whose
  account no other loan of the chunk names, an account that is normal and not frozen,
  opened on or before the day, with no settled interest year holding the day and no
  posting dated after it, its balance column equal to its record's; the signer pays the
  lesser of its balance and the instalment (:func:`hpf_core.loans.plan_monthly_offset`);
- what the account does not cover is the card's: the job's bank (:class:`hpf_core.ports.
  BankDebit`) is asked here, under the debit id the Python path uses (``<key>/card``),
  before anything is written; a loan whose card is declined, or whose card has a part to
  pay when the job has no bank, is left to the Python path (the bank answers a debit id
  the same way each time it is asked: the port's contract).

The split of a payment follows the policy's order of the current interest and principal
(:func:`hpf_core.loans.repay`: the signer's take first, then the card). Each loan's record
is read once (:data:`_EXTRACT`, one parse); a staged loan's record is then edited as text
where the canonical form has each value the collection changes (:func:`edited`: balance,
last due date, next period, repaid amounts, the schedule's first row, first due date,
months and principal, version) and written back in one ``executemany``; a record not in
that form goes to the Python path. The account is debited as the remittance credits
(balance, last value date, version). ``tests/batch/test_batch_set_deduction.py`` proves on
random loans and accounts that this leaves every loan, account, journal and loan journal
row exactly as the pure functions do. PostgreSQL and MariaDB keep the Python path (within
3× of their floors, D-074)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hpf_adapters.sql._codec import fen_text
from hpf_adapters.sql._set_remittance import credit_accounts
from hpf_core.accounts import interest_year_of
from hpf_core.dates import add_months
from hpf_core.loans import Bucket, ServicingPolicy
from hpf_core.money import amount_from_fen

DIALECTS = frozenset({"sqlite"})
"""The databases on which the deduction computes in SQL (the tests switch it off to
compare)."""

_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS batch_loan_read (contract_no TEXT PRIMARY KEY, balance_fen BIGINT,"
    " settled_on DATE, x TEXT, n_balance_fen INTEGER, n_interest_fen INTEGER, n_payment_fen INTEGER,"
    " n_principal_fen INTEGER)",
    "CREATE TEMP TABLE IF NOT EXISTS batch_loan_stage (contract_no TEXT PRIMARY KEY, account_no TEXT,"
    " take_fen BIGINT NOT NULL, card_fen BIGINT NOT NULL, p_fen BIGINT NOT NULL, i_fen BIGINT NOT NULL,"
    " p1_fen BIGINT NOT NULL, i1_fen BIGINT NOT NULL, balance_fen BIGINT NOT NULL, period INTEGER NOT NULL,"
    " card TEXT, x TEXT NOT NULL)",
    "CREATE TEMP TABLE IF NOT EXISTS batch_loan_signers (contract_no TEXT NOT NULL, account_no TEXT)",
    "CREATE INDEX IF NOT EXISTS temp.batch_loan_signer ON batch_loan_signers (account_no)",
    "DELETE FROM batch_loan_read",
    "DELETE FROM batch_loan_stage",
    "DELETE FROM batch_loan_signers",
)
"""The chunk's loans as read (what the SQL needs of each record, :data:`_EXTRACT`), the
staged ones (the instalment, its split, the signer's take and the card's part) and every
signer of every loan of the chunk."""

_MONEY = "({x} GLOB '[0-9]*.[0-9][0-9]' AND {x} NOT GLOB '*[^0-9.]*' AND {x} NOT GLOB '*.*.*')"
"""A value that is a plain two-place decimal text (``"1234.50"``)."""
_FEN = "CAST(replace({x}, '.', '') AS INTEGER)"
"""A plain two-place decimal text as a count of fen."""

_PATHS = (
    "settled_on", "contract.contract_no", "bills", "overdue", "schedule.first_due", "schedule.months",
    "schedule.balance_fen[0]", "schedule.interest_fen[0]", "schedule.payment_fen[0]",
    "schedule.principal_fen[0]", "next_period", "last_due", "rates", "annual_rate",
    "contract.annual_rate", "balance", "repaid_principal", "repaid_interest", "repaid_penalty",
    "agreement", "agreement.signers", "card_number", "schedule.principal",
)  # fmt: skip
"""What the SQL reads of a loan's record, in one ``json_extract`` (one parse of the record):
the values are then read from that short array."""
_EXTRACT = "json_extract(body, " + ", ".join(f"'$.{path}'" for path in _PATHS) + ")"
_COLUMNS = ("balance_fen", "interest_fen", "payment_fen", "principal_fen")
"""The schedule's fen columns, in the order the canonical text has them."""


def _x(path: str) -> str:
    return f"json_extract(x, '$[{_PATHS.index(path)}]')"


def _type(path: str) -> str:
    return f"json_type(x, '$[{_PATHS.index(path)}]')"


def _money(path: str) -> str:
    return f"{_type(path)} = 'text' AND " + _MONEY.format(x=_x(path))


_ORDINARY_LOAN = " AND ".join(
    (
        "settled_on IS NULL",
        f"{_type('settled_on')} = 'null'",
        f"{_x('contract.contract_no')} = contract_no",
        f"{_type('bills')} = 'array' AND json_array_length({_x('bills')}) = 0",
        f"{_type('overdue')} = 'array'",
        f"NOT EXISTS (SELECT 1 FROM json_each({_x('overdue')}) AS o"
        " WHERE coalesce(json_type(o.value, '$.cleared_on'), '') <> 'text')",
        f"{_x('schedule.first_due')} = :on",
        f"{_type('schedule.months')} = 'integer' AND {_x('schedule.months')} >= 2",
        *(
            f"{_type(f'schedule.{c}[0]')} = 'integer' AND {_x(f'schedule.{c}[0]')} >= 0"
            f" AND n_{c} = {_x('schedule.months')}"
            for c in _COLUMNS
        ),
        f"{_type('next_period')} = 'integer'",
        f"{_type('last_due')} = 'text' AND {_x('last_due')} < :on",
        # the rate in force on the day is already the rows' rate (no repricing reached now)
        f"{_type('rates')} = 'array'",
        f"NOT EXISTS (SELECT 1 FROM json_each({_x('rates')}) AS r"
        f" WHERE json_extract(r.value, '$[0]') > {_x('last_due')} AND json_extract(r.value, '$[0]') <= :on)",
        f"(json_array_length({_x('rates')}) = 0 OR {_x('annual_rate')} IS coalesce("
        f"(SELECT json_extract(r.value, '$[1]') FROM json_each({_x('rates')}) AS r"
        " WHERE json_extract(r.value, '$[0]') <= :on ORDER BY r.key DESC LIMIT 1),"
        f" {_x('contract.annual_rate')}))",
        _money("balance"),
        "balance_fen = " + _FEN.format(x=_x("balance")),
        _money("repaid_principal"),
        _money("repaid_interest"),
        _money("repaid_penalty"),
        _money("schedule.principal"),
        f"({_type('agreement')} = 'null' OR json_array_length({_x('agreement.signers')}) = 1)",
    )
)
"""The conditions on a loan, over ``x`` (:data:`_EXTRACT`) and the columns' lengths."""

_ORDINARY_ACCOUNT = " AND ".join(
    (
        "a.status = '01'",
        "json_extract(a.body, '$.state.status') = '01'",
        "json_extract(a.body, '$.state.freeze') = '0'",
        "json_extract(a.body, '$.opened_on') <= :on",
        "json_type(a.body, '$.settled_years') = 'array'",
        "NOT EXISTS (SELECT 1 FROM json_each(json_extract(a.body, '$.settled_years'))"
        " WHERE value = :settled_year)",
        "(json_type(a.body, '$.last_value_date') = 'null'"
        " OR json_extract(a.body, '$.last_value_date') <= :on)",
        "json_type(a.body, '$.balance') = 'text'",
        _MONEY.format(x="json_extract(a.body, '$.balance')"),
        "a.balance_fen = " + _FEN.format(x="json_extract(a.body, '$.balance')"),
        "(SELECT count(*) FROM batch_loan_signers AS n WHERE n.account_no = a.account_no) = 1",
    )
)


_READ = sa.text(f"""
INSERT INTO batch_loan_read
SELECT contract_no, balance_fen, settled_on, {_EXTRACT},
       {", ".join(f"json_array_length(body, '$.schedule.{c}')" for c in _COLUMNS)}
FROM loans WHERE contract_no BETWEEN :first AND :last
""")
"""Each loan of the chunk read once: every function reads the record's one parse."""

_SIGNERS = sa.text(f"""
INSERT INTO batch_loan_signers (contract_no, account_no)
SELECT r.contract_no, json_extract(s.value, '$.account_no')
FROM batch_loan_read AS r, json_each({_x("agreement.signers")}) AS s
""")

_STAGE = sa.text(f"""
INSERT INTO batch_loan_stage
  (contract_no, account_no, take_fen, card_fen, p_fen, i_fen, p1_fen, i1_fen, balance_fen, period, card, x)
SELECT contract_no, account_no, take, p + i - take, p, i,
       CASE WHEN :interest_first THEN take - min(take, i) ELSE min(take, p) END,
       CASE WHEN :interest_first THEN min(take, i) ELSE take - min(take, p) END,
       balance_fen, period, card, x
FROM (
  SELECT *, CASE WHEN account_no IS NULL THEN 0 ELSE min(account_fen, p + i) END AS take
  FROM (
    SELECT l.contract_no, l.balance_fen, l.p, l.i, l.period, l.card, l.signed, l.x,
           a.account_no, a.balance_fen AS account_fen
    FROM (
      SELECT contract_no, balance_fen, x,
             {_x("schedule.principal_fen[0]")} AS p, {_x("schedule.interest_fen[0]")} AS i,
             {_x("next_period")} AS period, {_x("card_number")} AS card,
             json_extract({_x("agreement.signers")}, '$[0].account_no') AS signed
      FROM batch_loan_read
      WHERE {_ORDINARY_LOAN}
      LIMIT -1 OFFSET 0
    ) AS l
    LEFT JOIN accounts AS a ON a.account_no = l.signed AND {_ORDINARY_ACCOUNT}
    WHERE l.balance_fen >= l.p AND l.p + l.i > 0
  )
  WHERE signed IS NULL OR account_no IS NOT NULL
)
WHERE :has_bank OR p + i - take = 0
""")
"""The chunk's ordinary loans staged: a loan with a signer whose account is not ordinary
(or not there) is not staged."""

_DECLINED = sa.text("DELETE FROM batch_loan_stage WHERE contract_no = :contract_no")

_JOURNAL = sa.text("""
INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, month, interest_year, reverses, memo)
SELECT account_no, 'loan-deduction', -take_fen, :on, :prefix || contract_no || '/' || account_no,
       NULL, NULL, NULL, ''
FROM batch_loan_stage WHERE take_fen > 0 ORDER BY contract_no
""")

_LINES = sa.text("""
INSERT INTO loan_journal (contract_no, kind, on_date, principal_fen, interest_fen, penalty_fen, source,
                          idem_key, balance_after_fen, period)
SELECT contract_no, 'repayment', :on, p, i, 0, source, idem_key, after, period FROM (
  SELECT contract_no, p1_fen AS p, i1_fen AS i, 'hpf' AS source, 0 AS rank,
         :prefix || contract_no || '/' || account_no AS idem_key, balance_fen - p1_fen AS after, period
  FROM batch_loan_stage WHERE take_fen > 0
  UNION ALL
  SELECT contract_no, p_fen - p1_fen, i_fen - i1_fen, 'bank', 1,
         :prefix || contract_no || '/card', balance_fen - p_fen, period
  FROM batch_loan_stage WHERE card_fen > 0
) ORDER BY contract_no, rank
""")

_ACCOUNTS = sa.text(
    credit_accounts(
        "batch_loan_stage",
        None,
        "",
        " AND s.take_fen > 0",
        amount="-s.take_fen",
        value_date=":on",
        ranged=False,
    )
)


_LOANS = sa.text("""
UPDATE loans SET balance_fen = :balance_fen, version = :new_version, body = CAST(:body AS TEXT)
WHERE contract_no = :contract_no AND version = :version
""")

_COUNT = "SELECT count(*), coalesce(sum(p_fen + i_fen), 0) FROM batch_loan_stage"
_CARDS = "SELECT contract_no, card_fen, card FROM batch_loan_stage WHERE card_fen > 0 ORDER BY contract_no"

REST = sa.text(
    "SELECT body, version FROM loans WHERE contract_no BETWEEN :first AND :last"
    " AND contract_no NOT IN (SELECT contract_no FROM batch_loan_stage) ORDER BY contract_no"
)
"""The chunk's loans the SQL did not collect."""

Bank = Callable[[str, str, Decimal, str], bool]
"""``(debit id, contract number, amount, sealed card text) -> taken``: the job's bank,
asked with the card number opened."""


def applies(dialect: str) -> bool:
    """Whether the deduction computes in SQL on ``dialect``."""
    return dialect in DIALECTS


def interest_first(policy: ServicingPolicy) -> bool:
    """Whether ``policy`` pays an instalment's interest before its principal."""
    order = list(policy.allocation)
    return order.index(Bucket.CURRENT_INTEREST) < order.index(Bucket.CURRENT_PRINCIPAL)


_EDITED = (
    ("balance", "balance"),
    ("last_due", "last_due"),
    ("next_period", "next_period"),
    ("repaid_interest", "repaid_interest"),
    ("repaid_principal", "repaid_principal"),
    ("balance_fen", "schedule.balance_fen[0]"),
    ("first_due", "schedule.first_due"),
    ("interest_fen", "schedule.interest_fen[0]"),
    ("months", "schedule.months"),
    ("payment_fen", "schedule.payment_fen[0]"),
    ("principal", "schedule.principal"),
    ("principal_fen", "schedule.principal_fen[0]"),
)
"""The keys :func:`edited` visits, in the canonical text's order (the version last), and
the path of the value read for each (a ``[0]`` path: a fen column's first item)."""
_KEYS = (
    *(f'"{key}":['.encode() if path.endswith("[0]") else f'"{key}":'.encode() for key, path in _EDITED),
    b'"version":',
)
_ITEMS = (*(path.endswith("[0]") for _, path in _EDITED), False)
_OLD = ", ".join(f"json_extract(s.x, '$[{_PATHS.index(path)}]')" for _, path in _EDITED)


_RECORDS = sa.text(f"""
SELECT s.contract_no, s.balance_fen, s.p_fen, s.i_fen, CAST(l.body AS BLOB), l.version, {_OLD}
FROM batch_loan_stage AS s JOIN loans AS l ON l.contract_no = s.contract_no
ORDER BY s.contract_no
""")


def edited(
    body: bytes, old: Sequence[Any], balance_fen: int, p: int, i: int, version: int, next_due: str
) -> bytes | None:
    """The record's UTF-8 text after the collection (``old``: the values of :data:`_EDITED`'s
    paths as the SQL read them; ``p`` and ``i`` the instalment billed and paid), or None if
    the text is not where the canonical form puts it. Each value the collection changes is
    replaced where its key is, the keys visited in the order the canonical text has them
    (sorted; the schedule's after the loan's ``repaid_*``), each found after the one before
    — so the schedule's ``"principal":`` is the one after its payment column, not the
    contract's — and its old text checked there (followed by a comma or a brace); a fen
    column's first item is cut out with its comma. A key's quotes cannot come from inside a
    string value: there they are escaped."""
    (balance, last_due, period, interest, principal, rest, first_due, _, months, pay, owed, _) = old
    olds = (
        b'"%s"' % balance.encode(), b'"%s"' % last_due.encode(), b"%d" % period,
        b'"%s"' % interest.encode(), b'"%s"' % principal.encode(), b"%d," % rest,
        b'"%s"' % first_due.encode(), b"%d," % i, b"%d" % months, b"%d," % pay,
        b'"%s"' % owed.encode(), b"%d," % p, b"%d" % version,
    )  # fmt: skip
    news = (
        b'"%s"' % fen_text(balance_fen - p).encode(), b'"%s"' % first_due.encode(), b"%d" % (period + 1),
        b'"%s"' % fen_text(int(interest.replace(".", "")) + i).encode(),
        b'"%s"' % fen_text(int(principal.replace(".", "")) + p).encode(), b"",
        b'"%s"' % next_due.encode(), b"", b"%d" % (months - 1), b"",
        b'"%s"' % fen_text(rest).encode(), b"", b"%d" % (version + 1),
    )  # fmt: skip
    pieces: list[bytes] = []
    start = 0
    for key, item, was, new in zip(_KEYS, _ITEMS, olds, news, strict=True):
        found = body.find(key, start)
        value = found + len(key)
        end = value + len(was)
        if found < 0 or not body.startswith(was, value) or (not item and body[end : end + 1] not in b",}"):
            return None
        pieces += (body[start:value], new)
        start = end
    pieces.append(body[start:])
    return b"".join(pieces)


def post_in_sql(
    connection: sa.Connection,
    *,
    first: str,
    last: str,
    on: date,
    policy: ServicingPolicy,
    prefix: str,
    bank: Bank | None,
) -> tuple[int, int]:
    """Collect the ordinary loans of ``first``..``last`` in SQL; (loans collected, the
    sum collected in fen). The staging table keeps their numbers until the next chunk."""
    for statement in _TABLES:
        connection.exec_driver_sql(statement)
    params: dict[str, Any] = {
        "first": first,
        "last": last,
        "on": on.isoformat(),
        "settled_year": interest_year_of(on),
        "interest_first": interest_first(policy),
        "has_bank": bank is not None,
        "prefix": prefix,
    }
    connection.execute(_READ, params)
    connection.execute(_SIGNERS, params)
    connection.execute(_STAGE, params)
    if bank is not None:
        for contract_no, card_fen, card in connection.exec_driver_sql(_CARDS).all():
            if not bank(f"{prefix}{contract_no}/card", contract_no, amount_from_fen(card_fen), card or ""):
                connection.execute(_DECLINED, {"contract_no": contract_no})
    next_due = add_months(on, 1).isoformat()
    rows = []
    for contract_no, balance_fen, p, i, body, version, *old in connection.execute(_RECORDS).all():
        text = edited(body, old, balance_fen, p, i, version, next_due)
        if text is None:  # a record the codec did not write: the Python path reads any JSON
            connection.execute(_DECLINED, {"contract_no": contract_no})
            continue
        rows.append(
            {
                "contract_no": contract_no,
                "version": version,
                "new_version": version + 1,
                "balance_fen": balance_fen - p,
                "body": text,
            }
        )
    connection.execute(_JOURNAL, params)
    connection.execute(_LINES, params)
    connection.execute(_ACCOUNTS, params)
    if rows:
        connection.execute(_LOANS, rows)
    row = connection.exec_driver_sql(_COUNT).one()
    return int(row[0]), int(row[1])
