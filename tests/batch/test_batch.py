"""The batch jobs (issue #16, D-059) on SQLite, PostgreSQL and MariaDB: every account's
result equals what the services give it on a memory store (the oracle: ``remit_month`` per
employer, ``settle_annual_interest``), a run per period posts once, a rerun of a done
period does nothing, and a run with other parameters for the same period is refused."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from hpf_adapters.batch import (
    InterestSettlement,
    OverdueMarking,
    Remittance,
    finish,
    prepare,
    run_id_of,
    runs,
    status,
    work,
)
from hpf_adapters.memory import MemoryStore
from hpf_adapters.policies import load_policy
from hpf_adapters.sql import Keyring, SqlStore, upgrade
from hpf_core.backoffice import Staff, mark_overdue
from hpf_core.errors import InputError, Refused, UnknownRecord
from hpf_core.loans import services as loan_services

sys.path.insert(0, str(Path(__file__).parent))
from batch_world import (
    RATES,
    add_all,
    memory_twin,
    random_accounts,
    random_loans,
    remit_with_services,
    settle_with_services,
    vary,
)

SECRET = b"batch tests: a secret of at least 32 bytes"


def journal_of(store: SqlStore | MemoryStore) -> dict[str, list[tuple[object, ...]]]:
    """Each account's entries as (kind, amount, value date, month, interest year): the
    keys differ by design (the batch's are ``batch/<job>/<period>/<account>``)."""
    found: dict[str, list[tuple[object, ...]]] = {}
    for e in store.entries:
        found.setdefault(e.account_no, []).append((e.kind, e.amount, e.value_date, e.month, e.interest_year))
    return found


def state_of(store: SqlStore | MemoryStore) -> dict[str, tuple[object, ...]]:
    return {
        a.account_no: (a.balance, a.status, a.paid_months, a.settled_years, a.last_value_date)
        for a in store.accounts
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_every_account_ends_as_the_services_leave_it(empty_database: str, seed: int) -> None:
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        accounts = random_accounts(seed, 140)
        add_all(store.unit_of_work(), accounts)
        oracle = memory_twin(accounts)
        vary([store.unit_of_work, oracle.unit_of_work], accounts, seed)
        for month in (date(2025, 7, 1), date(2025, 8, 1)):
            job = Remittance(month, month.replace(day=15), "half-up-yuan")
            prepare(store, job, chunk_size=9)
            done = work(store, job)
            assert len(done) == 16  # ceil(140 / 9)
            remit_with_services(oracle, accounts, month, month.replace(day=15))
        interest = InterestSettlement(2025, RATES, "actual/360", date(2026, 7, 1))
        prepare(store, interest, chunk_size=13)
        work(store, interest)
        settle_with_services(oracle, 2025, date(2026, 7, 1))
        assert state_of(store) == state_of(oracle)
        assert journal_of(store) == journal_of(oracle)
        sealed = sum(1 for a in oracle.accounts if a.status.name == "SEALED")
        remitted = sum(e.amount for e in oracle.entries if e.month == date(2025, 8, 1))
        settled = sum(e.amount for e in oracle.entries if e.kind.value == "interest")
        august, year = status(store, "remittance/2025-08"), finish(store, "interest/2025")
        assert (august.posted, august.skipped, august.refused) == (140 - sealed, sealed, {})
        assert Decimal(august.amount_fen).scaleb(-2) == remitted
        earned = sum(1 for e in oracle.entries if e.kind.value == "interest")
        assert 0 < earned < 140  # the sealed accounts never paid in: they earn nothing
        assert year.done
        assert (year.posted, year.skipped) == (earned, 140 - earned)
        assert Decimal(year.amount_fen).scaleb(-2) == settled
        assert year.finished_at is not None
    finally:
        store.dispose()


def test_a_done_period_does_nothing_and_other_parameters_are_refused(empty_database: str) -> None:
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        accounts = random_accounts(7, 30)
        add_all(store.unit_of_work(), accounts)
        job = Remittance(date(2025, 7, 1), date(2025, 7, 15), "half-up-yuan")
        with pytest.raises(UnknownRecord) as unknown:
            work(store, job)
        assert unknown.value.field == "run"
        first = prepare(store, job, chunk_size=8)
        assert (first.chunk_count, first.account_count, first.chunks_done) == (4, 30, 0)
        assert len(work(store, job)) == 4
        entries = len(store.entries)
        again = prepare(store, job, chunk_size=3)  # the run exists: its chunks stay as made
        assert again.chunk_count == 4
        assert again.done
        assert work(store, job) == []
        assert len(store.entries) == entries == 30
        with pytest.raises(Refused) as refused:
            prepare(store, Remittance(date(2025, 7, 1), date(2025, 7, 16), "half-up-yuan"))
        assert refused.value.violations[0].code == "run_params_differ"
        assert [r.run_id for r in runs(store)] == [run_id_of(job)] == ["remittance/2025-07"]
        with pytest.raises(InputError) as bad:
            prepare(store, job, chunk_size=0)
        assert bad.value.field == "chunk_size"
    finally:
        store.dispose()


def test_a_year_not_ended_is_refused_before_any_run() -> None:
    with pytest.raises(Refused) as refused:
        InterestSettlement(2025, RATES, "actual/360", date(2026, 6, 29))
    assert refused.value.violations[0].code == "year_not_ended"
    with pytest.raises(InputError) as bad:
        Remittance(date(2025, 7, 1), date(2025, 7, 15), "to-the-fen-or-so")
    assert bad.value.field == "rounding"


def test_a_refused_account_is_counted_and_the_rest_posted(empty_database: str) -> None:
    """An account whose month is already paid (posted by the service before the run) is
    refused ``month_paid`` and left as it was; the chunk still posts the others."""
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        accounts = random_accounts(11, 12, employers=3)
        add_all(store.unit_of_work(), accounts)
        first = accounts[0]
        remit_with_services_sql = Remittance(date(2025, 7, 1), date(2025, 7, 10), "half-up-yuan")
        oracle = memory_twin(accounts[:1])
        remit_with_services(oracle, accounts[:1], date(2025, 7, 1), date(2025, 7, 10))
        with store.unit_of_work() as uow:  # the first account's July paid before the run
            account, draft = remit_with_services_sql.post(uow.accounts.get(first.account_no), ())  # type: ignore[misc]
            uow.accounts.save(account)
            uow.journal.append(draft)
            uow.commit()
        job = Remittance(date(2025, 7, 1), date(2025, 7, 15), "half-up-yuan")
        prepare(store, job, chunk_size=5)
        work(store, job)
        done = status(store, run_id_of(job))
        assert (done.posted, done.refused) == (11, {"month_paid": 1})
        with store.unit_of_work(write=False) as uow:
            count = uow.connection().execute(sa.text("SELECT COUNT(*) FROM journal")).scalar_one()
        assert count == 12
    finally:
        store.dispose()


def test_overdue_marking_leaves_every_loan_as_mark_overdue_does(empty_database: str) -> None:
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        loans = random_loans(3, 40)
        oracle = MemoryStore()
        for loan in loans:
            loan_services.disburse(store.unit_of_work(), loan)
            loan_services.disburse(oracle.unit_of_work(), loan)
        servicing = load_policy("altay").loans.servicing
        on = date(2025, 3, 20)
        mark_overdue(
            oracle.unit_of_work(), staff=Staff("admin1", "administrator"), on=on,
            at=datetime(2025, 3, 20, 9, tzinfo=timezone(timedelta(hours=8))), servicing=servicing,
        )  # fmt: skip
        job = OverdueMarking(on, servicing)
        prepare(store, job, chunk_size=6)
        work(store, job)
        done = status(store, "overdue/2025-03-20")
        assert (done.chunk_count, done.account_count, done.posted, done.skipped) == (7, 40, 40, 0)
        expected = {loan.contract.contract_no: attrs.evolve(loan, version=0) for loan in oracle.loans}
        found = {loan.contract.contract_no: attrs.evolve(loan, version=0) for loan in store.loans}
        assert found == expected
        assert all(loan.overdue for loan in found.values())  # none paid since disbursement
        assert work(store, job) == []  # the day's run is done
    finally:
        store.dispose()
