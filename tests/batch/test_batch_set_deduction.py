"""The loan deduction computed in SQL on SQLite (issue #16, D-077): a differential test. The
same database (one file, copied, so even the sealed text is the same) is collected once
with the SQL path and once with the core's pure functions only, month after month; every
loan row and account row (columns, and the record's text byte for byte), every deposit and
loan journal row and the chunks' checkpoints must be identical — on random loans that mix
what the SQL collects (one instalment due on the day, no signer or one signer with an
ordinary account, the card taken) with everything it must leave to the core (several
instalments due, bills left by a declined card, overdue penalty, two signers, an account
two loans draw on, sealed or frozen accounts, a repricing reached, no bank), under both
orders of a current instalment's interest and principal."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import attrs
import pytest

from hpf_adapters.batch import LoanDeduction, Repricing, RunStatus, _set_deduction, prepare, status, work
from hpf_adapters.memory import MemoryStore
from hpf_adapters.policies import load_policy
from hpf_adapters.sql import Keyring, SqlStore, upgrade
from hpf_core.loans import (
    Borrower,
    Bucket,
    RepricingOverride,
    RepricingRule,
    ServicingPolicy,
    SignerRole,
    open_loan,
)
from hpf_core.loans import services as loan_services

sys.path.insert(0, str(Path(__file__).parent))
from batch_world import Rows, RuleBank, offset_world, read_all, returns_of_post_in_sql, rows

SECRET = b"batch set-based deduction: a secret of at least 32 bytes"
ALTAY = load_policy("altay").loans.servicing
SWAPPED = {
    Bucket.CURRENT_INTEREST: Bucket.CURRENT_PRINCIPAL,
    Bucket.CURRENT_PRINCIPAL: Bucket.CURRENT_INTEREST,
}
PRINCIPAL_FIRST = attrs.evolve(ALTAY, allocation=tuple(SWAPPED.get(b, b) for b in ALTAY.allocation))
"""Altay's rules with an instalment's principal paid before its interest."""
DAYS = tuple(date(2025, month, day) for month, day in ((3, 1), (4, 1), (4, 15), (5, 1), (6, 1), (7, 1)))
"""The collection days: the first bills several months; the 15th bills nothing."""
REACHED = RepricingRule((RepricingOverride(date(2025, 5, 8), date(2025, 6, 1), "the tests' own date"),))
"""The change of 8 May 2025 reaching the loans on 1 June 2025."""


def seed(path: Path, seed: int) -> RuleBank:
    """60 loans of :func:`batch_world.offset_world` and 6 more, each naming a borrower of one
    of those as its own borrower and numbered right after it (an account two loans of one
    chunk draw on), at ``path``."""
    upgrade(str(path))
    store = SqlStore(str(path), Keyring.from_secret(SECRET))
    try:
        world = offset_world(seed, 60)
        world.build(store)
        for n in range(6):
            shared = world.loans[n * 7].contract.borrowers[0].account_no
            loan = open_loan(
                contract_no=f"HT{n * 7:06d}S", borrowers=(Borrower(SignerRole.BORROWER, "王五", shared),),
                principal="300000", disbursed_on=date(2024, 12, 10), term_months=120,
                method="equal-installment", annual_rate="0.031", card_number="6222 0200 1234 5678",
            )  # fmt: skip
            loan_services.disburse(store.unit_of_work(), loan)
            loan_services.sign_monthly_offset(
                store.unit_of_work(), contract_no=loan.contract.contract_no, account_no=shared,
                on=date(2025, 1, 10),
            )  # fmt: skip
        return world.bank
    finally:
        store.dispose()


def loan_rows(url: str) -> tuple[Rows, Rows]:
    """The loans and the loan journal (without its sequence numbers) at ``url``."""
    loans, lines = read_all(
        url,
        "SELECT * FROM loans ORDER BY contract_no",
        "SELECT contract_no, kind, on_date, principal_fen, interest_fen, penalty_fen, source,"
        " idem_key, balance_after_fen, period FROM loan_journal ORDER BY idem_key",
    )
    return loans, lines


def spaced(store: SqlStore) -> None:
    """The records of the loans numbered ``…3`` with a space after a key: valid JSON the SQL
    reads, but not the codec's text, so :func:`_set_deduction.edited` refuses them and they
    go to the Python path (which writes them in the codec's text again)."""
    with store.unit_of_work() as uow:
        uow.connection().exec_driver_sql(
            """UPDATE loans SET body = replace(body, '"months":', '"months": ') WHERE contract_no LIKE '%3'"""
        )
        uow.commit()


def collected(
    url: str,
    bank: RuleBank,
    policy: ServicingPolicy,
    dialects: frozenset[str],
    monkeypatch: pytest.MonkeyPatch,
) -> list[RunStatus]:
    """Every day of :data:`DAYS` collected at ``url`` (the SQL on ``dialects`` only; no bank
    on 1 May; some records :func:`spaced` before 1 April), with the change of 8 May
    repricing the loans from 1 June (run before that day's collection, so the collection
    reaches it)."""
    monkeypatch.setattr(_set_deduction, "DIALECTS", dialects)
    store = SqlStore(url, Keyring.from_secret(SECRET))
    found = []
    try:
        for on in DAYS:
            if on == date(2025, 6, 1):
                repricing = Repricing(date(2025, 5, 8), on, policy, rule=REACHED)
                prepare(store, repricing, chunk_size=9)
                work(store, repricing)
            if on == date(2025, 4, 1):
                spaced(store)
            job = LoanDeduction(on, policy, None if on == date(2025, 5, 1) else bank)
            prepare(store, job, chunk_size=9)
            work(store, job)
            found.append(attrs.evolve(status(store, f"deduction/{on}"), started_at="", finished_at=""))
        return found
    finally:
        store.dispose()


@pytest.mark.parametrize(("policy", "seed_no"), [(ALTAY, 11), (PRINCIPAL_FIRST, 12), (ALTAY, 13)])
def test_the_sql_deduction_leaves_every_row_as_the_pure_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: ServicingPolicy, seed_no: int
) -> None:
    seeded = tmp_path / "seeded.db"
    bank = seed(seeded, seed_no)
    in_sql = returns_of_post_in_sql(monkeypatch, _set_deduction)  # (loans, fen) a chunk
    found = {}
    for name, dialects in (("sql", frozenset({"sqlite"})), ("core", frozenset())):
        path = tmp_path / f"{name}.db"
        shutil.copy(seeded, path)
        runs = collected(str(path), bank, policy, dialects, monkeypatch)
        found[name] = (rows(str(path)), loan_rows(str(path)), runs)
    (sql_accounts, sql_journal, sql_chunks), (sql_loans, sql_lines), sql_runs = found["sql"]
    (core_accounts, core_journal, core_chunks), (core_loans, core_lines), core_runs = found["core"]
    assert len(sql_loans) == 66
    for mine, theirs in zip(sql_loans, core_loans, strict=True):
        assert mine == theirs
    assert sql_accounts == core_accounts
    assert sql_journal == core_journal
    assert sql_lines == core_lines
    assert sql_chunks == core_chunks
    assert sql_runs == core_runs
    # not vacuous: the SQL collected many loans, the core the rest, money moved both ways
    collected_in_sql = sum(loans for loans, _ in in_sql)
    assert collected_in_sql > 40
    assert sum(run.posted for run in sql_runs) > collected_in_sql + 20
    assert any(line[6] == "hpf" for line in sql_lines)
    assert any(line[6] == "bank" for line in sql_lines)
    assert any(line[1] == "overdue-repayment" for line in sql_lines)


def test_the_sql_path_is_taken_on_sqlite_only() -> None:
    assert _set_deduction.applies("sqlite")
    assert not _set_deduction.applies("postgresql")
    assert not _set_deduction.applies("mariadb")
    assert _set_deduction.interest_first(ALTAY) is (
        ALTAY.allocation.index(Bucket.CURRENT_INTEREST) < ALTAY.allocation.index(Bucket.CURRENT_PRINCIPAL)
    )
    assert _set_deduction.interest_first(PRINCIPAL_FIRST) is not _set_deduction.interest_first(ALTAY)


def test_the_memory_oracle_agrees_on_a_month_the_sql_collects(tmp_path: Path) -> None:
    """The SQL path against the services themselves (``collect_instalment`` per loan on a
    memory store), field by field, for a month where most loans are ordinary."""
    world = offset_world(21, 30)
    oracle = MemoryStore()
    world.build(oracle)
    path = tmp_path / "w.db"
    upgrade(str(path))
    store = SqlStore(str(path), Keyring.from_secret(SECRET))
    try:
        world.build(store)
        for on in (date(2025, 3, 1), date(2025, 4, 1)):
            job = LoanDeduction(on, ALTAY, world.bank)
            for loan in sorted(world.loans, key=lambda x: x.contract.contract_no):
                loan_services.collect_instalment(
                    oracle.unit_of_work(), contract_no=loan.contract.contract_no, on=on, policy=ALTAY,
                    key=job.key(loan), bank=world.bank,
                )  # fmt: skip
            prepare(store, job, chunk_size=7)
            work(store, job)
        mine = {loan.contract.contract_no: attrs.evolve(loan, version=0) for loan in store.loans}
        theirs = {loan.contract.contract_no: attrs.evolve(loan, version=0) for loan in oracle.loans}
        assert mine == theirs
        balances = {a.account_no: a.balance for a in store.accounts}
        assert balances == {a.account_no: a.balance for a in oracle.accounts}
    finally:
        store.dispose()


def test_a_record_not_in_the_canonical_form_is_left_to_the_core() -> None:
    """:func:`_set_deduction.edited` changes a value only where the canonical text has it:
    a record with a space after a key, a value not the one read, or a key missing gives
    None (the loan then goes to the Python path)."""
    values = {
        "balance": "100.00", "last_due": "2025-03-01", "next_period": 3, "repaid_interest": "1.00",
        "repaid_principal": "2.00", "schedule.balance_fen[0]": 9000, "schedule.first_due": "2025-04-01",
        "schedule.interest_fen[0]": 50, "schedule.months": 2, "schedule.payment_fen[0]": 1050,
        "schedule.principal": "100.00", "schedule.principal_fen[0]": 1000,
    }  # fmt: skip
    read = [values[path] for _, path in _set_deduction._EDITED]
    body = (
        '{"balance":"100.00","contract":{"principal":"500.00"},"last_due":"2025-03-01","next_period":3,'
        '"repaid_interest":"1.00","repaid_principal":"2.00","schedule":{"balance_fen":[9000,0],'
        '"first_due":"2025-04-01","interest_fen":[50,25],"months":2,"payment_fen":[1050,9025],'
        '"principal":"100.00","principal_fen":[1000,9000]},"version":4}'
    )
    done = _set_deduction.edited(body.encode(), read, 10000, 1000, 50, 4, "2025-05-01")
    assert done == (
        b'{"balance":"90.00","contract":{"principal":"500.00"},"last_due":"2025-04-01","next_period":4,'
        b'"repaid_interest":"1.50","repaid_principal":"12.00","schedule":{"balance_fen":[0],'
        b'"first_due":"2025-05-01","interest_fen":[25],"months":1,"payment_fen":[9025],'
        b'"principal":"90.00","principal_fen":[9000]},"version":5}'
    )
    for odd in (
        body.replace('"months":2', '"months": 2'),
        body.replace('"version":4', '"version":7'),
        body.replace('"last_due":"2025-03-01",', ""),
        body.replace('"balance":"100.00"', '"balance":"100.000"'),
    ):
        assert _set_deduction.edited(odd.encode(), read, 10000, 1000, 50, 4, "2025-05-01") is None
