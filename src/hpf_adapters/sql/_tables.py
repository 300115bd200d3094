"""The schema (SQLAlchemy Core ``MetaData``): one definition for SQLite, PostgreSQL and
MariaDB. Money is integer fen (``*_fen``), dates are ``DATE``, enums their stable codes,
instants ISO 8601 text with their offset; ``body`` columns hold a record's canonical JSON
(``_codec``); ``*_hash`` columns the HMAC lookup hashes of personal data. Rows that keep
an order have an autoincrement ``seq``. The journals and the audit log are append-only:
:data:`APPEND_ONLY` lists them and :func:`append_only_ddl` the triggers that refuse
``UPDATE`` and ``DELETE`` on each database.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

metadata = sa.MetaData()

_ID = 64
_HASH = 64
_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
_BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
_INSTANT = 40


def _seq() -> sa.Column[int]:
    return sa.Column(
        "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )


accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("account_no", sa.String(_ID), primary_key=True),
    sa.Column("member_id", sa.String(_ID), nullable=False),
    sa.Column("id_hash", sa.String(_HASH), nullable=False, unique=True),
    sa.Column("employer_no", sa.String(_ID), nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("balance_fen", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", _TEXT, nullable=False),
    sa.CheckConstraint("balance_fen >= 0", name="ck_accounts_balance_not_negative"),
)

journal = sa.Table(
    "journal",
    metadata,
    _seq(),
    sa.Column("account_no", sa.String(_ID), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("value_date", sa.Date, nullable=False),
    sa.Column("idem_key", sa.String(255), nullable=False),
    sa.Column("month", sa.Date, nullable=True),
    sa.Column("interest_year", sa.Integer, nullable=True),
    sa.Column("reverses", sa.String(_ID), nullable=True, index=True),
    sa.Column("memo", sa.String(500), nullable=False),
)

loans = sa.Table(
    "loans",
    metadata,
    sa.Column("contract_no", sa.String(_ID), primary_key=True),
    sa.Column("balance_fen", sa.BigInteger, nullable=False),
    sa.Column("settled_on", sa.Date, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", _TEXT, nullable=False),
)

loan_journal = sa.Table(
    "loan_journal",
    metadata,
    _seq(),
    sa.Column("contract_no", sa.String(_ID), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("principal_fen", sa.BigInteger, nullable=False),
    sa.Column("interest_fen", sa.BigInteger, nullable=False),
    sa.Column("penalty_fen", sa.BigInteger, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("idem_key", sa.String(255), nullable=False),
    sa.Column("balance_after_fen", sa.BigInteger, nullable=False),
    sa.Column("period", sa.Integer, nullable=True),
)

applications = sa.Table(
    "applications",
    metadata,
    _seq(),
    sa.Column("application_id", sa.String(_ID), nullable=False, unique=True),
    sa.Column("member_id", sa.String(_ID), nullable=False, index=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", _TEXT, nullable=False),
)

cards = sa.Table(
    "cards",
    metadata,
    _seq(),
    sa.Column("member_id", sa.String(_ID), nullable=False),
    sa.Column("number_hash", sa.String(_HASH), nullable=False),
    sa.Column("body", _TEXT, nullable=False),
    sa.UniqueConstraint("member_id", "number_hash", name="uq_cards_member_number"),
)

card_owners = sa.Table(
    "card_owners",
    metadata,
    sa.Column("member_id", sa.String(_ID), primary_key=True),
    sa.Column("changes", sa.BigInteger, nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("idem_key", sa.String(255), primary_key=True),
    sa.Column("operation", sa.String(128), nullable=False),
    sa.Column("body", _TEXT, nullable=False),
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("member_id", sa.String(_ID), primary_key=True),
    sa.Column("phone_hash", sa.String(_HASH), nullable=False, unique=True),
    sa.Column("id_hash", sa.String(_HASH), nullable=False, unique=True),
    sa.Column("account_no", sa.String(_ID), nullable=True, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", _TEXT, nullable=False),
)

member_loans = sa.Table(
    "member_loans",
    metadata,
    sa.Column("contract_no", sa.String(_ID), primary_key=True),
    sa.Column("member_id", sa.String(_ID), nullable=False, index=True),
)

credentials = sa.Table(
    "credentials",
    metadata,
    sa.Column("member_id", sa.String(_ID), primary_key=True),
    sa.Column("phone_hash", sa.String(_HASH), nullable=False, unique=True),
    sa.Column("id_hash", sa.String(_HASH), nullable=False, unique=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", _TEXT, nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(128), primary_key=True),
    sa.Column("member_id", sa.String(_ID), nullable=False, index=True),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("ended_at", sa.String(_INSTANT), nullable=True),
    sa.Column("body", _TEXT, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    _seq(),
    sa.Column("member_id", sa.String(_ID), nullable=False),
    sa.Column("sent_at", sa.String(_INSTANT), nullable=True),
    sa.Column("body", _TEXT, nullable=False),
    # D-057: a notification given up for good (mark_failed) is no longer pending
    sa.Column("failed_at", sa.String(_INSTANT), nullable=True),
    sa.Column("failure", sa.String(255), nullable=True),
)

documents = sa.Table(
    "documents",
    metadata,
    _seq(),
    sa.Column("application_id", sa.String(_ID), nullable=False),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("uploaded_at", sa.String(_INSTANT), nullable=False),
    sa.UniqueConstraint("application_id", "category", "sha256", name="uq_documents_content"),
)

blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("content", _BLOB, nullable=False),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("actor", sa.String(_ID), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("at", sa.String(_INSTANT), nullable=False),
    sa.Column("record", sa.String(128), nullable=False, index=True),
    sa.Column("detail", sa.String(500), nullable=False),
)

codes = sa.Table(
    "codes",
    metadata,
    sa.Column("phone_hash", sa.String(_HASH), primary_key=True),
    sa.Column("purpose", sa.String(32), primary_key=True),
    sa.Column("owner", sa.String(64), primary_key=True),  # a member id, "" for none (D-045)
    sa.Column("code_hash", sa.String(128), nullable=False),  # hex
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("used_at", sa.String(_INSTANT), nullable=True),
    sa.Column("body", _TEXT, nullable=False),
)

code_sends = sa.Table(
    "code_sends",
    metadata,
    sa.Column("phone_hash", sa.String(_HASH), primary_key=True),
    sa.Column("owner", sa.String(64), primary_key=True),
    sa.Column("body", _TEXT, nullable=False),
)

# --- batch runs (issue #16, D-059): a run per (job, period), its chunks by account range
batch_runs = sa.Table(
    "batch_runs",
    metadata,
    sa.Column("run_id", sa.String(96), primary_key=True),  # "<job>/<period>"
    sa.Column("job", sa.String(32), nullable=False),
    sa.Column("period", sa.String(32), nullable=False),
    sa.Column("params", sa.String(2000), nullable=False),  # the job's canonical JSON
    sa.Column("chunk_count", sa.Integer, nullable=False),
    sa.Column("account_count", sa.Integer, nullable=False),
    sa.Column("started_at", sa.String(_INSTANT), nullable=False),
    sa.Column("finished_at", sa.String(_INSTANT), nullable=True),
)

batch_chunks = sa.Table(
    "batch_chunks",
    metadata,
    sa.Column("run_id", sa.String(96), primary_key=True),
    sa.Column("chunk", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("first_account", sa.String(_ID), nullable=False),
    sa.Column("last_account", sa.String(_ID), nullable=False),
    sa.Column("done", sa.Boolean, nullable=False),
    sa.Column("accounts", sa.Integer, nullable=False),
    sa.Column("posted", sa.Integer, nullable=False),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),
    sa.Column("refused", sa.String(500), nullable=False),  # {"code": count} of refusals
    sa.Column("worker", sa.String(64), nullable=False),
    sa.Column("done_at", sa.String(_INSTANT), nullable=True),
)

APPEND_ONLY = ("journal", "loan_journal", "audit")
"""The tables a trigger keeps append-only."""


def append_only_ddl(dialect: str) -> list[str]:
    """The statements that make :data:`APPEND_ONLY` refuse UPDATE and DELETE on ``dialect``
    (``sqlite``, ``postgresql``, ``mysql``/``mariadb``)."""
    out: list[str] = []
    if dialect == "postgresql":
        out.append(
            "CREATE OR REPLACE FUNCTION hpf_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'hpf: % is append-only', TG_TABLE_NAME; END $$"
        )
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            name = f"{table}_no_{action.lower()}"
            if dialect == "sqlite":
                out.append(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'hpf: {table} is append-only'); END"
                )
            elif dialect == "postgresql":
                out.append(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION hpf_append_only()"
                )
            else:
                out.append(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {table} FOR EACH ROW "
                    f"SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'hpf: {table} is append-only'"
                )
    return out


def drop_append_only_ddl(dialect: str) -> list[str]:
    """The statements that undo :func:`append_only_ddl`."""
    out = [
        f"DROP TRIGGER IF EXISTS {table}_no_{action}" + (f" ON {table}" if dialect == "postgresql" else "")
        for table in APPEND_ONLY
        for action in ("update", "delete")
    ]
    if dialect == "postgresql":
        out.append("DROP FUNCTION IF EXISTS hpf_append_only()")
    return out
