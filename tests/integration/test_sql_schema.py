"""The shipped migrations on every database: ``hpf db upgrade`` on an empty database and
after a downgrade, the head matching the models (no pending autogenerate diff), and the
append-only triggers refusing UPDATE and DELETE."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hpf_adapters.cli import run
from hpf_adapters.sql import current, downgrade, engine_for, metadata, upgrade


def test_upgrade_on_an_empty_database_reaches_the_head_with_no_pending_diff(empty_database: str) -> None:
    assert current(empty_database) is None
    printed = run(["db", "upgrade", "--url", empty_database])
    assert printed.endswith(": at revision 0004")
    assert current(empty_database) == "0004"
    assert run(["db", "current", "--url", empty_database]).endswith(": at revision 0004")
    engine = engine_for(empty_database)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), metadata
            )
        assert diff == []
    finally:
        engine.dispose()


def test_upgrade_from_the_previous_revision_and_again_is_a_no_op(empty_database: str) -> None:
    upgrade(empty_database)
    downgrade(empty_database, "0001")  # the previous revision: codes not yet keyed by owner
    assert current(empty_database) == "0001"
    engine = engine_for(empty_database)
    try:
        with engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("codes")}
        assert "owner" not in columns
    finally:
        engine.dispose()
    upgrade(empty_database)
    upgrade(empty_database)
    assert current(empty_database) == "0004"
    downgrade(empty_database, "base")  # no hpf tables
    assert current(empty_database) is None
    upgrade(empty_database)
    assert current(empty_database) == "0004"


def test_0003_adds_the_outbox_failure_columns_and_keeps_the_rows(empty_database: str) -> None:
    upgrade(empty_database, "0002")
    engine = engine_for(empty_database)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO outbox (member_id, sent_at, body) VALUES ('M1', NULL, '{}'), ('M2', 'x', '{}')"
            )
        upgrade(empty_database, "0003")
        assert current(empty_database) == "0003"
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT member_id, sent_at, failed_at, failure FROM outbox ORDER BY seq"
            ).all()
        assert [tuple(row) for row in rows] == [("M1", None, None, None), ("M2", "x", None, None)]
        downgrade(empty_database, "0002")
        with engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("outbox")}
            count = connection.exec_driver_sql("SELECT COUNT(*) FROM outbox").scalar()
        assert (columns, count) == ({"seq", "member_id", "sent_at", "body"}, 2)
    finally:
        engine.dispose()


def test_the_journals_refuse_update_and_delete(empty_database: str) -> None:
    upgrade(empty_database)
    engine = engine_for(empty_database)
    rows = {
        "journal": "INSERT INTO journal (account_no, kind, amount_fen, value_date, idem_key, memo) "
        "VALUES ('A1', 'remittance', 100, '2025-01-02', 'k', '')",
        "loan_journal": "INSERT INTO loan_journal (contract_no, kind, on_date, principal_fen, interest_fen, "
        "penalty_fen, source, idem_key, balance_after_fen) "
        "VALUES ('HT1', 'repayment', '2025-01-02', 1, 1, 0, 'card', 'k', 9)",
        "audit": "INSERT INTO audit (seq, actor, action, at, record, detail) "
        "VALUES (1, 'M1', 'login', '2025-01-02T09:00:00+08:00', 'credentials/M1', '')",
    }
    try:
        for table, row in rows.items():
            with engine.begin() as connection:
                connection.execute(sa.text(row))
            for statement in (f"UPDATE {table} SET seq = seq", f"DELETE FROM {table}"):
                with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
                    connection.execute(sa.text(statement))
            with engine.connect() as connection:
                assert connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 1
    finally:
        engine.dispose()
