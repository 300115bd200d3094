"""``hpf batch`` (issue #16, D-059) on an SQLite file: a job with two worker processes, the
summary, a rerun that posts nothing, ``status`` and one run's chunks, the progress line
without rich, and the flags' errors."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hpf_adapters.batch import LoanDeduction, RunStatus
from hpf_adapters.cli import _batch, main, run
from hpf_adapters.memory import MemoryStore
from hpf_adapters.policies import load_policy
from hpf_adapters.sql import Keyring, SqlStore, upgrade
from hpf_core.accounts import EntryKind, monthly_contribution
from hpf_core.loans import services as loan_services

sys.path.insert(0, str(Path(__file__).parent))
from batch_world import add_all, collect_with_services, offset_world, random_accounts, random_loans

SECRET = "cli batch tests: a secret of at least 32 bytes"


@pytest.fixture
def centre(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Decimal]:
    """An SQLite database with 60 accounts; the sum of their July remittances, by hand
    from the pure function (altay rounds half up to the yuan)."""
    monkeypatch.setenv("HPF_DB_KEY", SECRET)
    url = str(tmp_path / "centre.db")
    upgrade(url)
    store = SqlStore(url, Keyring.from_secret(SECRET.encode()))
    accounts = random_accounts(5, 60)
    add_all(store.unit_of_work(), accounts)
    store.dispose()
    total = sum(
        monthly_contribution(a.base, a.employee_ratio, a.employer_ratio, rounding="half-up-yuan").total
        for a in accounts
    )
    return url, Decimal(total)


def test_a_job_on_two_workers_then_a_rerun_that_posts_nothing(centre: tuple[str, Decimal]) -> None:
    url, total = centre
    argv = ["batch", "remittance", "--db", url, "--on", "2025-07-15", "--chunk-size", "7", "--quiet"]
    first = run([*argv, "--workers", "2"]).splitlines()
    summary = f"remittance/2025-07: done, chunks 9/9, accounts 60/60, posted 60 ({total:.2f} yuan), "
    assert first[0] == summary + "skipped 0, refused none"
    assert first[1].endswith("with 2 worker(s)")
    again = run(argv).splitlines()
    assert again == [first[0], "already done: nothing posted"]
    store = SqlStore(url, Keyring.from_secret(SECRET.encode()))
    try:
        assert len(store.entries) == 60
    finally:
        store.dispose()
    listed = run(["batch", "status", "--db", url]).splitlines()
    assert listed == [first[0], "1 run(s)"]
    chunks = run(["batch", "status", "--db", url, "--run", "remittance/2025-07"]).splitlines()
    assert len(chunks) == 10
    assert chunks[0].split()[:3] == ["0", "done", "A0000000..A0000006"]
    assert chunks[-1] == first[0]


def test_interest_defaults_to_the_year_ended_by_on(centre: tuple[str, Decimal]) -> None:
    url, _ = centre
    run(["batch", "remittance", "--db", url, "--on", "2025-07-15", "--quiet"])
    out = run(["batch", "interest", "--db", url, "--on", "2026-07-01", "--quiet"])
    assert out.startswith("interest/2025: done, chunks 1/1, accounts 60/60, posted 60 (")


def test_bad_flags_are_errors_naming_the_flag(
    centre: tuple[str, Decimal], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = centre
    base = ["batch", "remittance", "--db", url, "--on", "2025-07-15", "--quiet"]
    assert main([*base, "--workers", "0"]) == 2
    assert "hpf: --workers: must be from 1 to 64" in capsys.readouterr().err
    assert main([*base, "--chunk-size", "x"]) == 2
    assert "hpf: --chunk-size: must be a whole number" in capsys.readouterr().err
    assert main(["batch", "interest", "--db", url, "--on", "2026-06-29", "--year", "2025", "--quiet"]) == 2
    assert "hpf: year: interest year 2025 runs to 2026-06-30" in capsys.readouterr().err
    assert main(["batch", "status", "--db", url, "--run", "remittance/1999-01"]) == 2
    assert "no such run" in capsys.readouterr().err


def test_the_plain_progress_line(capsys: pytest.CaptureFixture[str]) -> None:
    plain = _batch._Plain()
    plain(RunStatus("remittance/2025-07", "remittance", "2025-07", 4, 4, 40, 40, 40, 100, 0, {}, "", None))
    assert capsys.readouterr().err.startswith("4/4 chunks, ")


def test_a_database_without_the_batch_tables_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HPF_DB_KEY", SECRET)
    url = str(tmp_path / "old.db")
    upgrade(url, "0002")  # the schema before the batch tables
    assert main(["batch", "status", "--db", url]) == 2
    assert "hpf: --db: has no batch tables: run hpf db upgrade first" in capsys.readouterr().err


def test_overdue_marking_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPF_DB_KEY", SECRET)
    url = str(tmp_path / "loans.db")
    upgrade(url)
    store = SqlStore(url, Keyring.from_secret(SECRET.encode()))
    for loan in random_loans(9, 5):
        loan_services.disburse(store.unit_of_work(), loan)
    store.dispose()
    out = run(["batch", "overdue", "--db", url, "--on", "2025-03-20", "--quiet"]).splitlines()
    assert (
        out[0]
        == "overdue/2025-03-20: done, chunks 1/1, loans 5/5, posted 5 (0.00 yuan), skipped 0, refused none"
    )


def test_the_loan_deduction_and_the_repricing_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HPF_DB_KEY", SECRET)
    url = str(tmp_path / "offset.db")
    upgrade(url)
    store = SqlStore(url, Keyring.from_secret(SECRET.encode()))
    world = offset_world(3, 6)
    world.build(store)
    store.dispose()
    oracle = MemoryStore()
    world.build(oracle)
    servicing = load_policy("altay").loans.servicing
    collect_with_services(oracle, LoanDeduction(date(2025, 3, 1), servicing), world.loans)  # no card
    taken = [e for e in oracle.entries if e.kind is EntryKind.LOAN_DEDUCTION]
    loans = len({e.key.rsplit("/", 1)[0] for e in taken})
    assert 0 < loans < 6
    out = run(["batch", "deduction", "--db", url, "--on", "2025-03-01", "--quiet"]).splitlines()
    assert out[0] == (
        f"deduction/2025-03-01: done, chunks 1/1, loans 6/6, posted {loans} "
        f"({-sum(e.amount for e in taken):.2f} yuan), skipped {6 - loans}, refused none"
    )
    repriced = run(
        ["batch", "repricing", "--db", url, "--change", "2025-05-08", "--on", "2026-01-01", "--quiet"]
    )
    assert repriced.splitlines()[0] == (
        "repricing/2025-05-08: done, chunks 1/1, loans 6/6, posted 6 (0.00 yuan), skipped 0, refused none"
    )
