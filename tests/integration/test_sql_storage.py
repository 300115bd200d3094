"""The SQL store beyond the port contracts: personal data sealed at rest (a dump of the
SQLite file holds no phone, ID or card number in clear), key rotation, the database's own
guard on balances, and an SQL-backed app from the composition root."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import attrs
import pytest

from hpf_adapters.sql import Keyring, SqlStore, upgrade
from hpf_adapters.wiring import ATTEMPTS, App, Config, Services, build
from hpf_core.accounts import Employer, Member
from hpf_core.errors import ConcurrentUpdate, InputError, InsufficientFunds
from hpf_core.loans import Borrower, ServicingPolicy, SignerRole, accrue, open_loan, reprice_loan
from hpf_core.members import CodePurpose, new_credentials
from hpf_core.ports import MemberRecord, Notification, UnitOfWork

AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
PHONE = "13800138000"
ID_NUMBER = "11010519491231002X"
CARD = "6217001234567890122"
SECRET = b"a test secret of at least 32 bytes!"
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]


def sql_app(path: Path, *codes: str) -> App:
    return build(
        Config(
            centre="altay", clock=AT, codes="fixed", fixed_codes=codes, password_cost=2**10,
            store="sql", url=str(path), key=SECRET, migrate=True,
        )
    )  # fmt: skip


def journey(app: App) -> None:
    """Every kind of record that holds a phone, an ID or a card number."""
    app.accounts.open_account(
        account_no="A1", member=Member("M1", "职工", ID_NUMBER, PHONE), employer=Employer("E1", "单位"),
        opened_on=date(2025, 1, 2), base="5000.00", employee_ratio="0.12", employer_ratio="0.12",
    )  # fmt: skip
    app.accounts.receive_transfer(account_no="A1", amount="100", value_date=date(2025, 1, 3), key="t")
    app.withdrawals.add_bank_card(member_id="M1", number=CARD, verified_at=AT, at=AT)
    app.send_code(PHONE, CodePurpose.LOGIN)
    with app.unit_of_work() as uow:
        uow.members.add(MemberRecord("M1", PHONE, ID_NUMBER, "A1"))
        uow.credentials.add(new_credentials("M1", PHONE, ID_NUMBER, app.hasher))
        uow.outbox.enqueue(Notification("M1", PHONE, "【12329】您的手机号已变更", AT))
        uow.commit()


def dump(path: Path) -> str:
    """The SQL text of the whole database, and the raw bytes of its files as text."""
    with sqlite3.connect(path) as connection:
        text = "\n".join(connection.iterdump())
    raw = "".join(p.read_bytes().decode("latin-1") for p in path.parent.glob(path.name + "*"))
    return text + raw


class TestPersonalDataAtRest:
    def test_a_dump_holds_no_phone_id_or_card_number_in_clear(self, tmp_path: Path) -> None:
        path = tmp_path / "hpf.db"
        app = sql_app(path, "042817")
        journey(app)
        with app.unit_of_work() as uow:  # ... yet the lookups find them
            assert uow.members.by_phone(PHONE) is not None
            assert uow.members.by_id_number(ID_NUMBER) is not None
            assert uow.credentials.by_phone(PHONE) is not None
            assert [c.number for c in uow.cards.cards_of("M1")] == [CARD]
            assert uow.accounts.get("A1").member.id_number == ID_NUMBER
            assert uow.outbox.pending()[0].to == PHONE
        assert app.code_store.get(PHONE, CodePurpose.LOGIN) is not None
        app.store.dispose()  # type: ignore[union-attr]
        text = dump(path)
        assert "M1" in text
        assert "enc1:k1:" in text
        for clear in (PHONE, ID_NUMBER, CARD, "1231002X"):
            assert clear not in text, clear

    def test_old_keys_still_open_after_rotation_and_a_missing_key_is_refused(self, tmp_path: Path) -> None:
        path = str(tmp_path / "hpf.db")
        upgrade(path)
        old = Keyring.from_secret(SECRET)
        with SqlStore(path, old).unit_of_work() as uow:
            uow.members.add(MemberRecord("M1", PHONE, ID_NUMBER))
            uow.commit()
        rotated = Keyring({**old.keys, "k2": b"n" * 32}, "k2", old.lookup)
        with SqlStore(path, rotated).unit_of_work() as uow:
            assert uow.members.by_phone(PHONE) == MemberRecord("M1", PHONE, ID_NUMBER)
            uow.members.add(MemberRecord("M2", "13900139000", "440524188001010014"))
            uow.commit()
        with sqlite3.connect(path) as connection:
            bodies = [row[0] for row in connection.execute("SELECT body FROM members ORDER BY member_id")]
        assert '"enc1:k1:' in bodies[0]
        assert '"enc1:k2:' in bodies[1]
        only_new = Keyring({"k2": b"n" * 32}, "k2", old.lookup)
        with (
            SqlStore(path, only_new).unit_of_work() as uow,
            pytest.raises(InputError, match="not in the keyring"),
        ):
            uow.members.get("M1")

    def test_the_keyring_repr_shows_no_key(self) -> None:
        ring = Keyring.from_secret(SECRET)
        assert repr(ring) == "Keyring(current='k1', ids=('k1',))"
        assert "a test secret" not in repr(Config(centre="altay", store="sql", url="x.db", key=SECRET))


class TestTheDatabaseGuards:
    def test_a_balance_below_zero_is_refused_by_the_database(self, tmp_path: Path) -> None:
        app = sql_app(tmp_path / "hpf.db", "042817")
        journey(app)
        with app.unit_of_work() as uow:
            account = uow.accounts.get("A1")
            with pytest.raises(InputError):
                uow.accounts.save(attrs.evolve(account, balance=Decimal("-0.01")))
        with app.unit_of_work() as uow:
            assert uow.accounts.get("A1").balance == Decimal("100.00")

    def test_a_fraction_of_a_fen_cannot_be_stored(self, tmp_path: Path) -> None:
        app = sql_app(tmp_path / "hpf.db", "042817")
        journey(app)
        with app.unit_of_work() as uow, pytest.raises(InputError, match="fen"):
            uow.accounts.save(attrs.evolve(uow.accounts.get("A1"), balance=Decimal("1.005")))


class TestComposition:
    def test_an_sql_app_keeps_its_data_across_builds(self, tmp_path: Path) -> None:
        journey(sql_app(tmp_path / "hpf.db", "042817"))
        again = sql_app(tmp_path / "hpf.db")
        with again.unit_of_work() as uow:
            assert uow.accounts.get("A1").balance == Decimal("100.00")
            assert [e.entry_id for e in uow.journal.entries("A1")] == ["E000000001"]

    def test_store_sql_needs_a_url_and_a_key(self) -> None:
        with pytest.raises(InputError, match="url"):
            Config(centre="altay", store="sql", key=SECRET)
        with pytest.raises(InputError, match="key"):
            Config(centre="altay", store="sql", url="x.db", key=b"short")

    def test_building_an_sql_app_connects_nothing_until_used(self, tmp_path: Path) -> None:
        path = tmp_path / "never.db"
        build(Config(centre="altay", store="sql", url=str(path), key=SECRET))
        assert not path.exists()


calls: list[int] = []


def flaky(uow: UnitOfWork, *, fail: int) -> int:
    calls.append(1)
    if len(calls) <= fail:
        raise ConcurrentUpdate("transaction", "a lock conflict", "")
    return len(calls)


class TestRetry:
    def module(self) -> ModuleType:
        module = ModuleType("flaky_services")
        module.flaky = flaky  # type: ignore[attr-defined]
        module.__all__ = ["flaky"]  # type: ignore[attr-defined]
        return module

    def test_a_lock_conflict_is_retried_with_a_new_unit_of_work(self) -> None:
        made: list[object] = []

        def new_uow() -> UnitOfWork:
            made.append(1)
            return None  # type: ignore[return-value]  # flaky never uses it

        services = Services(self.module(), new_uow, {})
        calls.clear()
        assert services.flaky(fail=ATTEMPTS - 1) == ATTEMPTS
        assert len(made) == ATTEMPTS

    def test_after_the_last_attempt_the_conflict_reaches_the_caller(self) -> None:
        services = Services(self.module(), lambda: None, {})  # type: ignore[arg-type, return-value]
        calls.clear()
        with pytest.raises(ConcurrentUpdate):
            services.flaky(fail=ATTEMPTS)
        assert len(calls) == ATTEMPTS


class TestOnEveryDatabase:
    def test_racing_requests_with_one_key_debit_once_and_all_get_its_entry(
        self, empty_database: str, race: Race
    ) -> None:
        app = build(
            Config(centre="altay", clock=AT, store="sql", url=empty_database, key=SECRET, migrate=True)
        )
        app.accounts.open_account(
            account_no="A1", member=Member("M1", "职工", ID_NUMBER), employer=Employer("E1", "单位"),
            opened_on=date(2025, 1, 2), base="5000.00", employee_ratio="0.12", employer_ratio="0.12",
        )  # fmt: skip
        app.accounts.receive_transfer(account_no="A1", amount="1000", value_date=date(2025, 1, 3), key="t")
        got: list[str] = [""] * 8

        def withdraw(i: int) -> None:
            entry = app.accounts.withdraw(account_no="A1", amount="100", value_date=date(2025, 2, 1), key="w")
            got[i] = entry.entry_id

        try:
            assert race(8, withdraw) == [None] * 8
            with app.unit_of_work() as uow:
                assert uow.accounts.get("A1").balance == Decimal("900.00")  # 1,000.00 - 100.00 once
                debits = [e.entry_id for e in uow.journal.entries("A1") if e.amount < 0]
            assert len(debits) == 1
            assert got == debits * 8
        finally:
            app.store.dispose()  # type: ignore[union-attr]

    def test_racing_withdrawals_stop_at_zero_with_no_error_but_insufficient_funds(
        self, empty_database: str, race: Race
    ) -> None:
        app = build(
            Config(centre="altay", clock=AT, store="sql", url=empty_database, key=SECRET, migrate=True)
        )
        app.accounts.open_account(
            account_no="A1", member=Member("M1", "职工", ID_NUMBER), employer=Employer("E1", "单位"),
            opened_on=date(2025, 1, 2), base="5000.00", employee_ratio="0.12", employer_ratio="0.12",
        )  # fmt: skip
        app.accounts.receive_transfer(account_no="A1", amount="1000", value_date=date(2025, 1, 3), key="t")
        refused: list[int] = [0] * 8

        def withdraw(i: int) -> None:
            for j in range(4):  # 8 x 4 = 32 requests of 100.00 against 1,000.00: 10 can succeed
                try:
                    app.accounts.withdraw(
                        account_no="A1", amount="100", value_date=date(2025, 2, 1), key=f"w{i}-{j}"
                    )
                except InsufficientFunds:
                    refused[i] += 1

        try:
            assert race(8, withdraw) == [None] * 8
            assert sum(refused) == 32 - 10
            with app.unit_of_work() as uow:
                assert uow.accounts.get("A1").balance == Decimal("0.00")
                assert len([e for e in uow.journal.entries("A1") if e.amount < 0]) == 10
        finally:
            app.store.dispose()  # type: ignore[union-attr]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_writers_begin_immediate(tmp_path: Path) -> None:
    path = str(tmp_path / "hpf.db")
    upgrade(path)
    store = SqlStore(path, Keyring.from_secret(SECRET))
    try:
        with store.unit_of_work() as uow:
            connection = uow.connection()
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 30_000
            # BEGIN IMMEDIATE: this unit of work holds the write lock before it writes anything
            other = sqlite3.connect(path, timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
        with store.unit_of_work(write=False) as uow:  # a reader takes no write lock up front
            uow.accounts.numbers()
            other = sqlite3.connect(path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            finally:
                other.close()
    finally:
        store.dispose()


def test_a_serviced_loan_comes_back_equal_with_its_bills_penalties_and_pending_rate(tmp_path: Path) -> None:
    """The canonical JSON keeps every nested value exactly: bills, overdue records, a
    penalty held as a Fraction, a rate change not yet in force."""
    loan = open_loan(
        contract_no="HT1",
        borrowers=(Borrower(SignerRole.BORROWER, "职工", "A1"), Borrower(SignerRole.SPOUSE, "配偶", "A2")),
        principal=1000000,
        disbursed_on=date(2023, 3, 1),
        term_months=360,
        method="equal-installment",
        annual_rate="0.031",
    )
    policy = ServicingPolicy()
    loan = accrue(loan, date(2023, 7, 15), policy)  # four bills, none paid: overdue, penalty by the day
    loan = reprice_loan(loan, "0.0285", date(2024, 1, 1), policy)
    assert len(loan.bills) == 4
    assert len(loan.overdue) == 4
    assert loan.pending_rate == (date(2024, 1, 1), Decimal("0.0285"))
    assert any(bill.penalty_exact.denominator != 1 for bill in loan.bills)  # a Fraction of a fen
    path = str(tmp_path / "hpf.db")
    upgrade(path)
    store = SqlStore(path, Keyring.from_secret(SECRET))
    try:
        with store.unit_of_work() as uow:
            added = uow.loans.add(loan)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.loans.get("HT1") == added
            assert uow.loans.get("HT1").schedule == loan.schedule
    finally:
        store.dispose()


def test_a_unit_of_work_used_without_with_locks_nothing_and_the_store_can_be_inspected(
    tmp_path: Path,
) -> None:
    app = sql_app(tmp_path / "hpf.db", "042817")
    journey(app)
    store = app.store
    assert isinstance(store, SqlStore)
    assert store.unit_of_work().accounts.get("A1").balance == Decimal("100.00")  # no `with`
    peek = store.unit_of_work()
    peek.accounts.numbers()  # its transaction is open, but holds no write lock ...
    app.accounts.receive_transfer(account_no="A1", amount="1", value_date=date(2025, 1, 4), key="t2")
    del peek
    assert [e.amount for e in store.entries] == [Decimal("100.00"), Decimal("1.00")]
    assert [a.account_no for a in store.accounts] == ["A1"]
    assert [n.to for n in store.notifications] == [PHONE]
    assert store.loans == ()
    assert store.loan_entries == ()
    assert store.audit_events == ()
    store.dispose()
