"""A dump of each database after a journey through every record that holds a phone, an
ID or a bank card number shows none of them in clear (issue #12, D-047): SQLite's
``iterdump()`` and the file's raw bytes, ``pg_dump`` of the PostgreSQL schema and
``mariadb-dump`` of the MariaDB database — and, on every database, every row of every
table read back with plain SQL and rendered as text (what a tool-less dump would show)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

import sqlalchemy as sa

from hpf_adapters.sql import engine_for
from hpf_adapters.wiring import Config, build
from hpf_core.accounts import Employer, Member
from hpf_core.members import CodePurpose, new_credentials
from hpf_core.ports import MemberRecord, Notification

AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
PHONE = "13800138000"
NEW_PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"
CARD = "6217001234567890122"
SECRET = b"a test secret of at least 32 bytes!"
IN_CLEAR = (PHONE, NEW_PHONE, ID_NUMBER, CARD, "1231002X", "34567890122")
"""The journey's numbers, whole and their longest tails that a mask would not show."""


def journey(url: str) -> None:
    app = build(
        Config(
            centre="altay", clock=AT, codes="fixed", fixed_codes=("042817", "135790"), password_cost=2**10,
            store="sql", url=url, key=SECRET, migrate=True,
        )
    )  # fmt: skip
    try:
        app.accounts.open_account(
            account_no="A1", member=Member("M1", "职工", ID_NUMBER, PHONE), employer=Employer("E1", "单位"),
            opened_on=date(2025, 1, 2), base="5000.00", employee_ratio="0.12", employer_ratio="0.12",
        )  # fmt: skip
        app.accounts.receive_transfer(account_no="A1", amount="100", value_date=date(2025, 1, 3), key="t")
        app.withdrawals.add_bank_card(member_id="M1", number=CARD, verified_at=AT, at=AT)
        app.send_code(PHONE, CodePurpose.LOGIN)
        app.send_code(NEW_PHONE, CodePurpose.PHONE_CHANGE, subject="M1")
        with app.unit_of_work() as uow:
            uow.members.add(MemberRecord("M1", PHONE, ID_NUMBER, "A1"))
            uow.credentials.add(new_credentials("M1", PHONE, ID_NUMBER, app.hasher))
            uow.outbox.enqueue(Notification("M1", NEW_PHONE, "【12329】您的手机号已变更", AT))
            uow.commit()
        with app.unit_of_work() as uow:  # the lookups still find every number
            assert uow.members.by_phone(PHONE) is not None
            assert uow.members.by_id_number(ID_NUMBER) is not None
            assert [c.number for c in uow.cards.cards_of("M1")] == [CARD]
            assert uow.outbox.pending()[0].to == NEW_PHONE
        assert app.code_store.get(NEW_PHONE, CodePurpose.PHONE_CHANGE) is not None
    finally:
        app.store.dispose()  # type: ignore[union-attr]


def every_row(url: str) -> str:
    """Every row of every table, each value as text."""
    engine = engine_for(url)
    try:
        lines: list[str] = []
        with engine.connect() as connection:
            for table in sorted(sa.inspect(connection).get_table_names()):
                quoted = connection.dialect.identifier_preparer.quote(table)
                for row in connection.execute(sa.text(f"SELECT * FROM {quoted}")):
                    lines.append(f"{table}: " + " | ".join(
                        v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row
                    ))  # fmt: skip
        return "\n".join(lines)
    finally:
        engine.dispose()


def tool_dump(url: str) -> tuple[str, str]:
    """The database's own dump tool's output (which tool), or ('', why not)."""
    if "://" not in url:  # an SQLite path
        with sqlite3.connect(url) as connection:
            text = "\n".join(connection.iterdump())
        path = Path(url)
        raw = "".join(p.read_bytes().decode("latin-1") for p in path.parent.glob(path.name + "*"))
        return text + raw, "iterdump and the raw files"
    parsed = sa.make_url(url)
    if parsed.drivername.startswith("postgresql"):
        tool = shutil.which("pg_dump")
        options = unquote(str(parsed.query.get("options", "")))
        schema = options.removeprefix("-csearch_path=")
        command = [
            "pg_dump", "-h", str(parsed.host), "-p", str(parsed.port or 5432), "-U", str(parsed.username),
            "-n", schema, "--no-owner", str(parsed.database),
        ]  # fmt: skip
    else:
        tool = shutil.which("mariadb-dump") or shutil.which("mysqldump")
        command = [
            tool or "mariadb-dump", "-h", str(parsed.host), "-P", str(parsed.port or 3306),
            "-u", str(parsed.username), "--skip-extended-insert", str(parsed.database),
        ]  # fmt: skip
    if tool is None:
        return "", f"{command[0]} is not installed"
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:  # e.g. pg_dump older than the server: the SELECT dump still runs
        return "", f"{command[0]} failed: {done.stderr[:300]}"
    return done.stdout, command[0]


def test_a_dump_after_the_journey_shows_no_phone_id_or_card_number(empty_database: str) -> None:
    journey(empty_database)
    rows = every_row(empty_database)
    dumped, tool = tool_dump(empty_database)
    print(f"dumped with {tool}: {len(dumped)} characters; every row: {len(rows)} characters")
    for text in (rows, dumped):
        for clear in IN_CLEAR:
            assert clear not in text, clear
    assert "enc1:k1:" in rows  # the sealed values are there ...
    assert "M1" in rows  # ... and what is not personal is in clear
    if dumped:  # the tool ran (for SQLite, always); else the SELECT of every row stands in
        assert "enc1:k1:" in dumped
