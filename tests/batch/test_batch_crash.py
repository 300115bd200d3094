"""Crashes (issue #16, D-059): two worker processes run a job and are killed with SIGKILL
at random points — each round once a random number of chunks is done, a random few
milliseconds later, so the kill lands inside a chunk's transaction as often as between two
— three times a run; then the run is resumed to the end. After it, on SQLite, PostgreSQL
and MariaDB, every account got exactly one entry of the job, every balance is what the
services give it on a memory store (a clean run), and the chunks' checkpoints add up to
the journal."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import attrs
import sqlalchemy as sa

from hpf_adapters.batch import (
    AnyJob,
    InterestSettlement,
    Job,
    LoanDeduction,
    OverdueMarking,
    Remittance,
    Repricing,
    prepare,
    run_id_of,
    status,
    work,
    worker_main,
)
from hpf_adapters.memory import MemoryStore
from hpf_adapters.policies import load_policy
from hpf_adapters.sql import Keyring, SqlStore, upgrade
from hpf_core.backoffice import Staff, mark_overdue
from hpf_core.loans import RepricingRule, hpf_loan_rate
from hpf_core.loans import services as loan_services

sys.path.insert(0, str(Path(__file__).parent))
from batch_world import (
    RATES,
    add_all,
    collect_with_services,
    memory_twin,
    offset_world,
    random_accounts,
    random_loans,
    remit_with_services,
    settle_with_services,
)

SECRET = b"batch crash tests: a secret of at least 32 bytes"
ACCOUNTS = 1200
CHUNK = 10
ROUNDS = 3


def _crash_rounds(url: str, store: SqlStore, job: AnyJob, rng: random.Random) -> list[int]:
    """Start two workers, SIGKILL both once a random number of chunks is done (plus a
    random few ms), ``ROUNDS`` times; the chunks done when each round was killed. The
    callers require the first round's kill to land before the run ends; a later round may
    find the run finished (on a loaded machine the progress poll can lag behind two fast
    workers: seen once in CI on MariaDB, ``[39, 120, 120]``), which still leaves a crash to
    resume from."""
    context = multiprocessing.get_context("spawn")
    killed_at: list[int] = []
    run_id = run_id_of(job)
    for _ in range(ROUNDS):
        before = status(store, run_id).chunks_done
        remaining = status(store, run_id).chunk_count - before
        target = before + rng.randint(1, max(1, remaining // (ROUNDS + 1)))
        workers = [context.Process(target=worker_main, args=(url, SECRET, job, f"w{n}")) for n in (1, 2)]
        for process in workers:
            process.start()
        deadline = time.monotonic() + 120
        while status(store, run_id).chunks_done < target and time.monotonic() < deadline:
            if not any(p.is_alive() for p in workers):
                break
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.03))
        for process in workers:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
        for process in workers:
            process.join(30)
        killed_at.append(status(store, run_id).chunks_done)
    return killed_at


def test_workers_killed_at_random_points_post_every_effect_once(empty_database: str) -> None:
    rng = random.Random(int(os.environ.get("HPF_CRASH_SEED", "16")))
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        accounts = random_accounts(16, ACCOUNTS)
        add_all(store.unit_of_work(), accounts)
        oracle = memory_twin(accounts)
        jobs: list[Job] = [
            Remittance(date(2025, 7, 1), date(2025, 7, 15), "half-up-yuan"),
            InterestSettlement(2025, RATES, "actual/360", date(2026, 7, 1)),
        ]
        chunks = ACCOUNTS // CHUNK
        for job in jobs:
            prepare(store, job, chunk_size=CHUNK)
            killed_at = _crash_rounds(empty_database, store, job, rng)
            assert killed_at[0] < chunks, f"no round was killed before the run ended: {killed_at}"
            work(store, job, worker="resume")  # the rerun after the crashes
            done = status(store, run_id_of(job))
            assert done.done
            assert (done.accounts_done, done.posted, done.refused) == (ACCOUNTS, ACCOUNTS, {})
        remit_with_services(oracle, accounts, date(2025, 7, 1), date(2025, 7, 15))
        settle_with_services(oracle, 2025, date(2026, 7, 1))
        with store.unit_of_work(write=False) as uow:
            rows = uow.connection().execute(sa.text("SELECT account_no, kind, amount_fen FROM journal")).all()
        each = Counter((row.account_no, row.kind) for row in rows)
        assert set(each.values()) == {1}  # one remittance, one interest each
        assert len(each) == 2 * ACCOUNTS
        expected = {a.account_no: a.balance for a in oracle.accounts}
        assert {a.account_no: a.balance for a in store.accounts} == expected
        for job, kind in zip(jobs, ("remittance", "interest"), strict=True):
            posted = sum(row.amount_fen for row in rows if row.kind == kind)
            clean = sum(e.amount for e in oracle.entries if e.kind.value == kind)
            assert (
                Decimal(posted).scaleb(-2)
                == clean
                == Decimal(status(store, run_id_of(job)).amount_fen).scaleb(-2)
            )
    finally:
        store.dispose()


LOANS = 300


def test_overdue_marking_killed_at_random_points_leaves_every_loan_as_a_clean_run(
    empty_database: str,
) -> None:
    rng = random.Random(int(os.environ.get("HPF_CRASH_SEED", "16")))
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        loans = random_loans(16, LOANS)
        oracle = MemoryStore()
        with store.unit_of_work() as uow:
            for loan in loans:
                uow.loans.add(loan)
            uow.commit()
        for loan in loans:
            loan_services.disburse(oracle.unit_of_work(), loan)
        servicing = load_policy("altay").loans.servicing
        on = date(2025, 3, 20)
        job = OverdueMarking(on, servicing)
        prepare(store, job, chunk_size=4)
        killed_at = _crash_rounds(empty_database, store, job, rng)
        assert killed_at[0] < LOANS // 4, f"no round was killed before the run ended: {killed_at}"
        work(store, job, worker="resume")
        done = status(store, run_id_of(job))
        assert done.done
        assert (done.accounts_done, done.posted) == (LOANS, LOANS)
        mark_overdue(
            oracle.unit_of_work(), staff=Staff("admin1", "administrator"), on=on,
            at=datetime(2025, 3, 20, 9, tzinfo=timezone(timedelta(hours=8))), servicing=servicing,
        )  # fmt: skip
        clean = {loan.contract.contract_no: attrs.evolve(loan, version=0) for loan in oracle.loans}
        found = {loan.contract.contract_no: loan for loan in store.loans}
        assert {n: attrs.evolve(loan, version=0) for n, loan in found.items()} == clean
        assert {loan.version for loan in found.values()} == {1}  # each saved exactly once
    finally:
        store.dispose()


OFFSET_LOANS = 240


def test_loan_deduction_and_repricing_killed_at_random_points_leave_a_clean_runs_state(
    empty_database: str,
) -> None:
    """Two monthly deductions (deposit accounts, both journals, the card through a bank that
    answers a debit id the same way in every process; the second mostly in SQL on SQLite)
    then the 1 January repricing, each
    under the SIGKILL rounds with two workers: after the rerun every loan, account and
    journal line is what ``collect_instalment`` and ``reprice_loans`` leave on a memory
    store, each line once, and the checkpoints add up to the loan journal."""
    rng = random.Random(int(os.environ.get("HPF_CRASH_SEED", "16")))
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        world = offset_world(17, OFFSET_LOANS)
        oracle = MemoryStore()
        world.build(oracle)
        world.build(store)
        servicing = load_policy("altay").loans.servicing
        deduction = LoanDeduction(date(2025, 3, 1), servicing, world.bank)
        # the next month: most loans owe one instalment, collected in SQL on SQLite (D-077)
        following = LoanDeduction(date(2025, 4, 1), servicing, world.bank)
        change = date(2025, 5, 8)
        repricing = Repricing(change, date(2026, 1, 1), servicing)
        for job in (deduction, following, repricing):
            prepare(store, job, chunk_size=4)
            killed_at = _crash_rounds(empty_database, store, job, rng)
            assert killed_at[0] < OFFSET_LOANS // 4, f"no round was killed before the run ended: {killed_at}"
            work(store, job, worker="resume")
            assert status(store, run_id_of(job)).done
        collect_with_services(oracle, deduction, world.loans)
        collect_with_services(oracle, following, world.loans)
        loan_services.reprice_loans(
            oracle.unit_of_work(), change_effective=change,
            new_rate=lambda loan: hpf_loan_rate(change, loan.contract.term_months, home=loan.contract.home),
            rule=RepricingRule(), policy=servicing, on=date(2026, 1, 1),
        )  # fmt: skip
        with store.unit_of_work(write=False) as uow:
            keys = [r[0] for r in uow.connection().execute(sa.text("SELECT idem_key FROM loan_journal"))]
            deposit = uow.connection().execute(sa.text("SELECT idem_key FROM journal")).all()
        assert len(keys) == len(set(keys)) > 0  # each loan line once
        assert len(deposit) == len({r[0] for r in deposit}) == len(list(oracle.entries))
        same = attrs.evolve
        assert {a.account_no: same(a, version=0) for a in store.accounts} == {
            a.account_no: same(a, version=0) for a in oracle.accounts
        }
        assert {n.contract.contract_no: same(n, version=0) for n in store.loans} == {
            n.contract.contract_no: same(n, version=0) for n in oracle.loans
        }
        with oracle.unit_of_work() as uow:
            lines = [e for n in oracle.loans for e in uow.loan_journal.entries(n.contract.contract_no)]
        clean = sum(e.principal + e.interest + e.penalty for e in lines)
        assert sorted(keys) == sorted(e.key for e in lines)
        collected = sum(status(store, run_id_of(job)).amount_fen for job in (deduction, following))
        assert Decimal(collected).scaleb(-2) == clean
    finally:
        store.dispose()
