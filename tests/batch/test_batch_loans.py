"""The loan jobs (issue #16, D-066) on SQLite, PostgreSQL and MariaDB: the monthly loan
deduction with offset (逐月冲还) and the 1 January repricing leave every loan, deposit
account and journal line as the services do on a memory store (``collect_instalment`` per
loan, ``reprice_loans``), a done period does nothing when run again, and a run with other
parameters for the same period is refused."""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from hpf_adapters.batch import LoanDeduction, Repricing, _rows, prepare, run_id_of, status, work
from hpf_adapters.memory import MemoryStore
from hpf_adapters.policies import load_policy
from hpf_adapters.sql import Keyring, SqlStore, _codec, upgrade
from hpf_adapters.sql._codec import dumps, loads
from hpf_core.accounts import DepositAccount, EntryKind
from hpf_core.errors import Refused
from hpf_core.loans import LoanAccount, RepricingRule, hpf_loan_rate, rate_on
from hpf_core.loans import services as loan_services

sys.path.insert(0, str(Path(__file__).parent))
from batch_world import collect_with_services, offset_world, random_loans

SECRET = b"batch loan tests: a secret of at least 32 bytes"
SERVICING = load_policy("altay").loans.servicing


def loans_of(store: SqlStore | MemoryStore) -> dict[str, object]:
    return {loan.contract.contract_no: attrs.evolve(loan, version=0) for loan in store.loans}


def accounts_of(store: SqlStore | MemoryStore) -> dict[str, object]:
    return {a.account_no: attrs.evolve(a, version=0) for a in store.accounts}


def deposit_lines(store: SqlStore | MemoryStore) -> dict[str, tuple[object, ...]]:
    """The deposit journal by key (the batch uses the services' keys)."""
    return {e.key: (e.account_no, e.kind, e.amount, e.value_date) for e in store.entries}


def loan_lines(store: SqlStore | MemoryStore) -> dict[str, tuple[object, ...]]:
    found: dict[str, tuple[object, ...]] = {}
    for loan in store.loans:
        with store.unit_of_work() as uow:
            for e in uow.loan_journal.entries(loan.contract.contract_no):
                found[e.key] = (
                    e.contract_no, e.kind, e.on, e.principal, e.interest, e.penalty, e.source,
                    e.balance_after, e.period,
                )  # fmt: skip
    return found


@pytest.mark.parametrize("seed", [5, 6])
def test_the_deduction_leaves_every_loan_and_account_as_collect_instalment(
    empty_database: str, seed: int
) -> None:
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        world = offset_world(seed, 36)
        oracle = MemoryStore()
        world.build(oracle)
        world.build(store)
        for on in (date(2025, 3, 1), date(2025, 4, 1)):
            job = LoanDeduction(on, SERVICING, world.bank)
            collect_with_services(oracle, job, world.loans)
            prepare(store, job, chunk_size=5)
            work(store, job)
            done = status(store, run_id_of(job))
            assert done.done
            assert (done.account_count, done.refused) == (36, {})
        assert loans_of(store) == loans_of(oracle)
        assert accounts_of(store) == accounts_of(oracle)
        assert deposit_lines(store) == deposit_lines(oracle)
        assert loan_lines(store) == loan_lines(oracle)
        deductions = [e for e in oracle.entries if e.kind is EntryKind.LOAN_DEDUCTION]
        assert deductions, "the world has offset deductions"
        cards = [k for k in loan_lines(oracle) if k.endswith("/card")]
        assert cards, "the world has card debits"
        assert any(not loan.bills for loan in oracle.loans), "some loans are paid up"
        assert any(loan.bills for loan in oracle.loans), "some stay due (declined, or nothing offset)"
        # the checkpoints' total is the loan journal's
        total = sum(e[3] + e[4] + e[5] for e in loan_lines(store).values())  # type: ignore[operator]
        fen = sum(status(store, f"deduction/{d}").amount_fen for d in ("2025-03-01", "2025-04-01"))
        assert Decimal(fen).scaleb(-2) == total
        # a done day does nothing
        assert work(store, LoanDeduction(date(2025, 4, 1), SERVICING, world.bank)) == []
    finally:
        store.dispose()


def test_a_deduction_day_with_other_parameters_is_refused(empty_database: str) -> None:
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        world = offset_world(9, 4)
        world.build(store)
        prepare(store, LoanDeduction(date(2025, 3, 1), SERVICING, world.bank))
        with pytest.raises(Refused) as caught:
            prepare(store, LoanDeduction(date(2025, 3, 1), SERVICING))  # no bank now
        assert caught.value.violations[0].code == "run_params_differ"
    finally:
        store.dispose()


def test_the_repricing_leaves_every_loan_as_reprice_loans(empty_database: str) -> None:
    upgrade(empty_database)
    store = SqlStore(empty_database, Keyring.from_secret(SECRET))
    try:
        loans = random_loans(7, 40)
        loans = [
            *loans,  # disbursed in 2024: reached on 1 January 2026 by the change of 8 May 2025
            *[
                attrs.evolve(
                    loan, contract=attrs.evolve(loan.contract, contract_no=f"HS{n:03d}", term_months=12)
                )
                for n, loan in enumerate(random_loans(8, 4))  # a term of a year: never repriced
            ],
        ]
        oracle = MemoryStore()
        for loan in loans:
            loan_services.disburse(store.unit_of_work(), loan)
            loan_services.disburse(oracle.unit_of_work(), loan)
        change = date(2025, 5, 8)
        job = Repricing(change, date(2026, 1, 1), SERVICING)
        done_by_services = loan_services.reprice_loans(
            oracle.unit_of_work(), change_effective=change,
            new_rate=lambda loan: hpf_loan_rate(change, loan.contract.term_months, home=loan.contract.home),
            rule=RepricingRule(), policy=SERVICING, on=date(2026, 1, 1),
        )  # fmt: skip
        assert len(done_by_services) == 40
        prepare(store, job, chunk_size=7)
        work(store, job)
        done = status(store, run_id_of(job))
        assert (done.account_count, done.posted, done.skipped) == (44, 40, 4)
        assert loans_of(store) == loans_of(oracle)
        # by hand: the 2025 cut (S14) is 2.6 % over five years, 2.1 % up to five
        for loan in store.loans:
            expected = {60: "0.021", 12: None}.get(loan.contract.term_months, "0.026")
            found = rate_on(loan, date(2026, 2, 1))
            assert found == (loan.contract.annual_rate if expected is None else Decimal(expected))
        # applied once: a second run for the same change does nothing, a run of the same
        # change on another day is refused
        assert work(store, job) == []
        with pytest.raises(Refused):
            prepare(store, Repricing(change, date(2026, 1, 2), SERVICING))
    finally:
        store.dispose()


SEALED = re.compile(r'"enc1:[^"]*"')


def loan_rows(path: str) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(path) as raw:
        return {
            no: (body, version)
            for no, body, version in raw.execute("SELECT contract_no, body, version FROM loans")
        }


def account_rows(path: str) -> dict[str, tuple[str, int, str, str, str, str, int]]:
    with sqlite3.connect(path) as raw:
        query = "SELECT account_no, body, version, member_id, id_hash, employer_no, status, balance_fen"
        query += " FROM accounts"
        return {row[0]: row[1:] for row in raw.execute(query)}


def test_the_loan_jobs_write_the_repositorys_rows_and_seal_nothing_again(tmp_path: Path) -> None:
    """The batch writes a loan's or an account's record a chunk at a time, its unchanged
    fields as read (D-070): every row's text is what the repository would write for the
    record it decodes to, sealed text aside — and the sealed text is the one written when
    the loan was disbursed or the account opened; an account's columns are the record's."""
    path = str(tmp_path / "loans.db")
    upgrade(path)
    ring = Keyring.from_secret(SECRET)
    store = SqlStore(path, ring)
    try:
        world = offset_world(11, 30)
        world.build(store)
        before = loan_rows(path)
        accounts_before = account_rows(path)
        for job in (
            LoanDeduction(date(2025, 3, 1), SERVICING, world.bank),
            LoanDeduction(date(2025, 4, 1), SERVICING, world.bank),
            Repricing(date(2025, 5, 8), date(2026, 1, 1), SERVICING),
        ):
            prepare(store, job, chunk_size=4)
            work(store, job)
            assert status(store, run_id_of(job)).posted > 10
        after = loan_rows(path)
        assert after.keys() == before.keys()
        for number, (text, version) in after.items():
            assert version == before[number][1] + 3  # each job changed every loan
            loan = loads(text, LoanAccount, ring, version=version)
            assert SEALED.sub('"sealed"', text) == SEALED.sub('"sealed"', dumps(loan, ring))
            assert SEALED.findall(text) == SEALED.findall(before[number][0])  # as disbursed
            assert SEALED.findall(text), "the loan has sealed fields"
        # the accounts the deduction drew on: the repository's row for the record it reads
        changed = 0
        for number, (text, version, member, id_hash, employer, state, balance) in account_rows(path).items():
            was = accounts_before[number]
            account = loads(text, DepositAccount, ring, version=version)
            assert SEALED.sub('"s"', text) == SEALED.sub('"s"', dumps(account, ring))
            assert SEALED.findall(text) == SEALED.findall(was[0])
            assert (member, id_hash, employer) == (
                account.member.member_id,
                ring.hash(account.member.id_number, "id_number"),
                account.employer.employer_no,
            )
            assert (state, balance) == (account.status.value, round(account.balance * 100))
            changed += version != was[1]
        assert changed > 10
    finally:
        store.dispose()


def test_the_codec_reads_and_writes_fen_columns_as_its_item_by_item_walk() -> None:
    """The codec's one-step fen columns (D-074: a ``tuple[int, ...]`` read as ``tuple`` of
    the JSON list, a sequence of ints written as one ``list``) give what its item-by-item
    walk gives, on loans new, billed, repaid late and repriced; and the batch's
    :func:`_rows.body` of an unchanged loan is the codec's text."""
    ring = Keyring.from_secret(SECRET)
    world = offset_world(12, 12)
    store = MemoryStore()
    world.build(store)
    for on in (date(2025, 3, 1), date(2025, 6, 20)):
        collect_with_services(store, LoanDeduction(on, SERVICING, world.bank), world.loans)
    loans = [*world.loans, *store.loans, *random_loans(13, 8)]
    assert len({dumps(loan, ring) for loan in loans}) > 20
    each_item = _codec._inner(tuple[int, ...], tuple, "payment_fen")
    columns = 0
    for loan in loans:
        text = dumps(loan, ring)
        value = json.loads(text)
        for name in ("payment_fen", "principal_fen", "interest_fen", "balance_fen"):
            column = getattr(loan.schedule, name)
            walked = [_codec._encode(item, ring, name) for item in column]
            assert _codec._sequence(column, ring, name) == walked == list(column)
            read = _codec._decoder(tuple[int, ...], name)(value["schedule"][name], ring)
            assert type(read) is tuple
            assert read == each_item(value["schedule"][name], ring) == column
            columns += 1
        assert loads(text, LoanAccount, ring) == loan
        read_back = _rows.Read(loan, {**value, "version": loan.version})
        assert SEALED.sub('"s"', _rows.body(read_back, loan, ring)) == SEALED.sub('"s"', text)
    assert columns == 4 * len(loans)
    # the walk is still what a sequence of anything else takes: sealed text, a mix with a str
    assert _codec._sequence(("13800138000",), ring, "phone")[0].startswith("enc1:")
    assert _codec._sequence((1, "a"), ring, "memo") == [1, "a"]
