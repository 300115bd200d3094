"""``hpf batch remittance|interest|overdue|deduction|repricing|status`` (issue #16, D-059,
D-066): a centre-scale job on a database, on N worker processes, with a progress bar on
stderr (``rich``, extra ``hpf[batch]``; one plain line a second without it) and a summary
on stdout. The database is ``--db`` with its personal data sealed under ``HPF_DB_KEY``,
as ``hpf audit`` reads it."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from typing import TYPE_CHECKING, Any

from hpf_adapters.cli._office import _secret
from hpf_adapters.policies import load_policy
from hpf_core.accounts import ContributionRounding, DayBasis, deposit_rate_changes, interest_year
from hpf_core.errors import InputError

if TYPE_CHECKING:
    from hpf_adapters.batch import AnyJob, RunStatus

_DB_HELP = "an SQLite file path, or postgresql:// or mysql:// URL"


def add_parser(sub: Any) -> None:
    """Register ``hpf batch`` on the CLI's sub-command parsers."""
    batch = sub.add_parser(
        "batch", help="centre-scale jobs: remittance, interest, overdue, deduction, repricing, status"
    )
    commands = batch.add_subparsers(dest="batch_command", required=True, parser_class=type(batch))
    remit = commands.add_parser("remittance", help="汇缴: post a month's remittance for every account")
    remit.add_argument("--month", help="the contribution month, YYYY-MM (default: the month of --on)")
    interest = commands.add_parser("interest", help="年度结息: settle an interest year for every account")
    interest.add_argument("--year", help="the interest year (default: the last one ended by --on)")
    overdue = commands.add_parser("overdue", help="逾期标记: bring every open loan up to --on")
    deduction = commands.add_parser(
        "deduction",
        help="逐月冲还: what every loan owes on --on, from its signers' HPF accounts "
        "(the card's part stays due for the bank's collection)",
    )
    repricing = commands.add_parser(
        "repricing", help="存量贷款利率调整: the national rate change of --change reaches every loan by --on"
    )
    repricing.add_argument(
        "--change", required=True, help="the day the national HPF rate changed, YYYY-MM-DD (e.g. 2025-05-08)"
    )
    for job in (remit, interest, overdue, deduction, repricing):
        job.add_argument("--db", required=True, help=_DB_HELP)
        job.add_argument(
            "--on", help="the value date, posting day or marking day, YYYY-MM-DD (default today)"
        )
        job.add_argument("--workers", default="1", help="worker processes (default 1)")
        job.add_argument("--chunk-size", default="1000", help="accounts a chunk (default 1000)")
        job.add_argument("--centre", default="altay", help="the centre whose policy applies (default altay)")
        job.add_argument("--quiet", action="store_true", help="no progress on stderr")
    state = commands.add_parser("status", help="every run, or one run's chunks")
    state.add_argument("--db", required=True, help=_DB_HELP)
    state.add_argument("--run", help="a run id (e.g. remittance/2026-01): show its chunks")


def _whole(text: str, flag: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(flag, "must be a whole number", text) from None
    if not low <= value <= high:
        raise InputError(flag, f"must be from {low} to {high}", text)
    return value


def _day(text: str | None, flag: str) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(flag, "must be a date YYYY-MM-DD", text) from None


def _job(args: argparse.Namespace) -> AnyJob:
    from hpf_adapters.batch import (  # noqa: PLC0415
        InterestSettlement,
        LoanDeduction,
        OverdueMarking,
        Remittance,
        Repricing,
    )

    policy = load_policy(args.centre)
    on = _day(args.on, "--on")
    if args.batch_command == "overdue":
        return OverdueMarking(on, policy.loans.servicing)
    if args.batch_command == "deduction":
        return LoanDeduction(on, policy.loans.servicing)
    if args.batch_command == "repricing":
        return Repricing(_day(args.change, "--change"), on, policy.loans.servicing)
    if args.batch_command == "remittance":
        month = _day(f"{args.month}-01", "--month") if args.month else on.replace(day=1)
        contributions = policy.contributions
        rounding = contributions.rounding if contributions else ContributionRounding.HALF_UP_YUAN
        return Remittance(month, on, rounding)
    if args.year is not None:
        year = _whole(args.year, "--year", 1992, 9998)
    else:
        year = on.year - 1 if on >= date(on.year, 6, 30) else on.year - 2
    start, end = interest_year(date(year, 7, 1))
    basis = policy.interest.day_basis if policy.interest else DayBasis.ACTUAL_360
    return InterestSettlement(year, deposit_rate_changes(start, end), basis, on)


def _noun(s: RunStatus) -> str:
    return "loans" if s.job in ("overdue", "deduction", "repricing") else "accounts"


def _line(s: RunStatus) -> str:
    refused = ", ".join(f"{code} {n}" for code, n in sorted(s.refused.items())) or "none"
    state = "done" if s.done else "pending"
    noun = _noun(s)
    return (
        f"{s.run_id}: {state}, chunks {s.chunks_done}/{s.chunk_count}, {noun} {s.accounts_done}/"
        f"{s.account_count}, posted {s.posted} ({s.amount_fen // 100}.{s.amount_fen % 100:02d} yuan), "
        f"skipped {s.skipped}, refused {refused}"
    )


class _Plain:
    """One progress line on stderr at most a second, without rich."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._shown = 0.0
        self._before: int | None = None

    def __call__(self, s: RunStatus) -> None:
        now = time.monotonic()
        if now - self._shown < 1 and not s.done:
            return
        self._shown = now
        self._before = s.accounts_done if self._before is None else self._before
        rate = (s.accounts_done - self._before) / max(now - self._start, 1e-9)
        print(
            f"{s.chunks_done}/{s.chunk_count} chunks, {rate:,.0f} {_noun(s)}/s", file=sys.stderr, flush=True
        )

    def close(self) -> None:
        """Nothing to close."""


class _Rich:
    """rich's progress bar: chunks, accounts per second, time left."""

    def __init__(self) -> None:
        from rich.progress import (  # noqa: PLC0415 - the batch extra is optional
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("chunks, {task.fields[rate]} {task.fields[noun]}/s"), TimeRemainingColumn(),
            transient=False,
        )  # fmt: skip
        self._start = time.monotonic()
        self._task: Any = None
        self._before = 0
        self._progress.start()

    def __call__(self, s: RunStatus) -> None:
        if self._task is None:
            self._before = s.accounts_done  # done by an earlier run: not this one's speed
        rate = f"{(s.accounts_done - self._before) / max(time.monotonic() - self._start, 1e-9):,.0f}"
        if self._task is None:
            self._task = self._progress.add_task(s.run_id, total=s.chunk_count, rate=rate, noun=_noun(s))
        self._progress.update(self._task, completed=s.chunks_done, rate=rate)

    def close(self) -> None:
        """Stop drawing."""
        self._progress.stop()


def _progress(quiet: bool) -> _Plain | _Rich | None:
    if quiet:
        return None
    try:
        return _Rich()
    except ImportError:
        return _Plain()


def run(args: argparse.Namespace) -> str:
    """Run ``hpf batch ...`` and return the summary it prints."""
    import sqlalchemy as sa  # noqa: PLC0415 - the sql extra is optional

    try:
        return _run(args)
    except sa.exc.DBAPIError as error:  # a database without the batch tables
        if "batch_runs" in str(error) or "batch_chunks" in str(error):
            raise InputError("--db", "has no batch tables: run hpf db upgrade first") from None
        raise


def _run(args: argparse.Namespace) -> str:
    try:
        from hpf_adapters.batch import run_job, runs  # noqa: PLC0415 - the sql extra is optional
        from hpf_adapters.cli._office import _store  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - the sql extra is in dev
        raise InputError("batch", f"needs the batch extra: pip install 'hpf[batch]' ({exc.name})") from exc
    if args.batch_command == "status":
        store = _store(args.db)
        try:
            if args.run is None:
                found = runs(store)
                return "\n".join([*(_line(s) for s in found), f"{len(found)} run(s)"])
            return _chunks(store, args.run)
        finally:
            store.dispose()
    job = _job(args)
    workers = _whole(args.workers, "--workers", 1, 64)
    chunk_size = _whole(args.chunk_size, "--chunk-size", 1, 1_000_000)
    bar = _progress(args.quiet)
    seen: list[RunStatus] = []

    def show(s: RunStatus) -> None:
        if not seen:
            seen.append(s)  # the run as this command found it
        if bar is not None:
            bar(s)

    started = time.monotonic()
    try:
        done = run_job(args.db, _secret(), job, workers=workers, chunk_size=chunk_size, progress=show)
    finally:
        if bar is not None:
            bar.close()
    elapsed = time.monotonic() - started
    if seen and seen[0].done:
        return f"{_line(done)}\nalready done: nothing posted"
    return f"{_line(done)}\n{elapsed:.1f} s with {workers} worker(s)"


def _chunks(store: Any, run_id: str) -> str:
    from hpf_adapters.batch import status  # noqa: PLC0415
    from hpf_adapters.batch._runner import chunks_of  # noqa: PLC0415

    summary = status(store, run_id)
    with store.unit_of_work(write=False) as uow:
        rows = [
            f"{c.chunk:>6}  {'done' if c.done else 'pending':<7}  {c.first_account}..{c.last_account}  "
            f"accounts {c.accounts}  posted {c.posted}  {c.worker}"
            for c in chunks_of(uow, run_id)
        ]
    return "\n".join([*rows, _line(summary)])
