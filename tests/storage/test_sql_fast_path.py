"""The SQL store's fast paths (D-071) keep what the slow ones did: the record text byte for
byte, the journal's numbering across multi-row INSERT pages, vendor errors in hpf_core's
terms, and the engine's cursor listeners seeing every statement — on each database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from hpf_adapters.sql import Keyring, SqlStore, _base
from hpf_adapters.sql._codec import UnitKeys, dumps, loads
from hpf_core.accounts import DepositAccount, Employer, EntryDraft, EntryKind, Member
from hpf_core.errors import ConcurrentUpdate
from hpf_core.ports import StoredRequest

RING = Keyring.from_secret(b"golden: a test secret of 32 bytes+")
GOLDEN = (
    r'{"account_no":"A7","balance":"3600.00","base":"5000.00","employee_ratio":"0.12","employer"'
    r':{"employer_no":"E1","name":"单位 \"一\""},"employer_ratio":"0.1","first_month":"2025-01-01",'
    r'"last_value_date":"2025-03-15","member":{"id_number":"enc1:k1:qDTqvOHVWkuVLZ7ssJew5AMnM4Vp'
    r'kprXBR/MGNvUeWa+GJi5l5lym9oS//nW3A==","member_id":"M7","name":"职工","phone":"enc1:k1:e5mqeX'
    r'T2OaAvZma4r9M0rwPze5AfoytI1pXvOE6kvlVUkpgeJGKf"},"opened_on":"2025-01-02","paid_months":["'
    r'2025-01-01","2025-02-01","2025-03-01"],"settled_years":[2023,2024],"state":{"before_freeze'
    r'":null,"freeze":"0","frozen_amount":"0.00","status":"01"},"version":4}'
)
"""An account's text as the codec before D-071 wrote it (its ID number and phone sealed
under RING; the nonces were random then and are part of the text now)."""

ACCOUNT = DepositAccount(
    "A7", Member("M7", "职工", "11010519491231002X", "13800138000"), Employer("E1", '单位 "一"'),
    date(2025, 1, 2), Decimal("5000.00"), Decimal("0.12"), Decimal("0.1"), balance=Decimal("3600.00"),
    first_month=date(2025, 1, 1),
    paid_months=frozenset({date(2025, 3, 1), date(2025, 1, 1), date(2025, 2, 1)}),
    settled_years=frozenset({2024, 2023}), last_value_date=date(2025, 3, 15), version=4,
)  # fmt: skip


def test_the_codec_reads_the_previous_text_and_writes_it_back_byte_for_byte() -> None:
    unit = UnitKeys(RING)
    read = loads(GOLDEN, DepositAccount, unit)
    assert read == ACCOUNT
    assert dumps(read, unit) == GOLDEN  # the sealed values it opened are reused, the rest re-encoded
    posted = attrs.evolve(read, balance=Decimal("4800.00"), paid_months=read.paid_months | {date(2025, 4, 1)})
    assert dumps(posted, unit) == GOLDEN.replace('"3600.00"', '"4800.00"').replace(
        '"2025-03-01"]', '"2025-03-01","2025-04-01"]'
    )


@pytest.fixture
def store(empty_database: str) -> Iterator[SqlStore]:
    made = SqlStore(empty_database, RING)
    made.create_schema()
    yield made
    made.dispose()


def draft(n: int) -> EntryDraft:
    return EntryDraft(f"A{n % 3}", EntryKind.REMITTANCE, Decimal(f"{n}.50"), date(2025, 2, 15), f"k{n}")


def test_append_many_numbers_drafts_in_order_across_insert_pages(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_base, "INSERT_PAGE", 4)  # 11 drafts: pages of 4, 4 and 3 rows
    with store.unit_of_work() as uow:
        first = uow.journal.append(draft(0))
        many = uow.journal.append_many([draft(n) for n in range(1, 12)])
        uow.commit()
    assert first.sequence == 1
    assert [e.sequence for e in many] == list(range(2, 13))
    assert [(e.key, e.amount, e.account_no) for e in many] == [
        (f"k{n}", Decimal(f"{n}.50"), f"A{n % 3}") for n in range(1, 12)
    ]
    with store.unit_of_work(write=False) as uow:
        assert [uow.journal.get(e.entry_id) for e in many] == list(many)
        assert [e.key for e in uow.journal.entries("A1")] == ["k1", "k4", "k7", "k10"]


def test_errors_on_the_fast_path_are_hpf_core_errors(store: SqlStore) -> None:
    request = StoredRequest("withdraw", (("amount", "1"),), ("E000000001",))
    with store.unit_of_work() as uow:
        uow.keys.put("k", request)
        uow.accounts.add(ACCOUNT)
        uow.commit()
    with store.unit_of_work() as uow, pytest.raises(ConcurrentUpdate, match="key"):
        uow.keys.put("k", request)  # the primary key clashes: a concurrent request stored it
    with store.unit_of_work() as uow:
        stale = uow.accounts.get("A7")
        uow.accounts.save(stale)
        with pytest.raises(ConcurrentUpdate, match="stored version 1, not 0"):
            uow.accounts.save(stale)  # compare-and-set: the version moved on
    with store.unit_of_work() as uow:
        assert uow.keys.get("k") == request
        assert uow.accounts.get("A7").version == 0  # the block above was rolled back


def test_cursor_listeners_see_the_fast_statements(store: SqlStore) -> None:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        seen.append(f"{words[0]} {words[2 if words[0] == 'INSERT' else 1]}")

    sa.event.listen(store.engine, "before_cursor_execute", note)
    with store.unit_of_work() as uow:
        uow.accounts.add(ACCOUNT)
        uow.accounts.save(uow.accounts.get("A7"))
        uow.journal.append_many([draft(1), draft(2)])
        uow.commit()
    assert "UPDATE accounts" in seen
    assert "INSERT journal" in seen
    assert "INSERT accounts" in seen


def test_a_save_writes_the_lookup_columns_when_their_fields_changed(store: SqlStore) -> None:
    other = attrs.evolve(ACCOUNT, account_no="A8", member=Member("M8", "职工", "110105194912310021"))
    with store.unit_of_work() as uow:
        uow.accounts.add(ACCOUNT)
        uow.accounts.add(other)
        uow.commit()
    with store.unit_of_work() as uow:  # one changes employer, one only its balance; then one alone
        moved = attrs.evolve(uow.accounts.get("A7"), employer=Employer("E2", "新单位"))
        paid = attrs.evolve(uow.accounts.get("A8"), balance=Decimal("1.00"))
        uow.accounts.save_many([moved, paid])
        uow.accounts.save(attrs.evolve(uow.accounts.get("A8"), employer=Employer("E2", "新单位")))
        uow.commit()
    with store.unit_of_work(write=False) as uow:
        assert [a.account_no for a in uow.accounts.by_employer("E2")] == ["A7", "A8"]
        assert uow.accounts.by_employer("E1") == []
        assert [(a.balance, a.version) for a in uow.accounts.by_employer("E2")] == [
            (Decimal("3600.00"), 1),
            (Decimal("1.00"), 2),
        ]
    with store.engine.connect() as connection:
        columns = connection.execute(sa.text("SELECT account_no, employer_no, balance_fen FROM accounts"))
        assert sorted(tuple(row) for row in columns) == [("A7", "E2", 360000), ("A8", "E2", 100)]
