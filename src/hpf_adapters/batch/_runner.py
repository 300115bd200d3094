"""Runs and chunks (issue #16, D-059): a run per (job, period), its accounts split into
chunks by account range when it is prepared; a worker claims a pending chunk, posts it and
marks it done in ONE transaction, so a chunk's effects and its checkpoint commit together
or not at all. On PostgreSQL and MariaDB the claim is ``SELECT … FOR UPDATE SKIP LOCKED``
(any number of workers, each on its own chunk; a worker that dies releases its chunk with
its connection); on SQLite every transaction takes the write lock up front, so workers
take turns (one writer)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import sqlalchemy as sa

from hpf_adapters.batch import _rows, _set_deduction, _set_interest
from hpf_adapters.batch._jobs import (
    OVER_LOANS,
    AnyJob,
    InterestSettlement,
    LoanDeduction,
    LoanJob,
    Remittance,
)
from hpf_adapters.sql import SqlStore, SqlUnitOfWork, _set_remittance
from hpf_adapters.sql import _tables as t
from hpf_adapters.sql._base import translated
from hpf_adapters.sql._codec import Sealer, _decode, to_fen
from hpf_adapters.sql._deposits import _entry
from hpf_core.accounts import DepositAccount, EntryDraft, JournalEntry
from hpf_core.errors import ConcurrentUpdate, InputError, Refused, UnknownRecord, Violation, refusal
from hpf_core.loans import LoanAccount, LoanEntryDraft
from hpf_core.ports import BankDebit

ATTEMPTS = 20
"""How many times a chunk whose transaction the database chose to retry is tried again."""

_R = t.batch_runs.c
_C = t.batch_chunks.c
_A = t.accounts.c
_J = t.journal.c
_L = t.loans.c
_RUN = sa.select(t.batch_runs).where(_R.run_id == sa.bindparam("run_id"))
_PENDING = (
    sa.select(_C.chunk, _C.first_account, _C.last_account)
    .where(_C.run_id == sa.bindparam("run_id"), _C.done == sa.false())
    .order_by(_C.chunk)
    .limit(1)
)
_ENTRIES = (
    sa.select(t.journal)
    .where(_J.account_no.between(sa.bindparam("first"), sa.bindparam("last")))
    .order_by(_J.seq)
)
_DONE = (
    sa.update(t.batch_chunks)
    .where(_C.run_id == sa.bindparam("of_run"), _C.chunk == sa.bindparam("chunk_no"), _C.done == sa.false())
    .values(
        done=True,
        accounts=sa.bindparam("n_accounts"),
        posted=sa.bindparam("n_posted"),
        amount_fen=sa.bindparam("n_amount"),
        skipped=sa.bindparam("n_skipped"),
        refused=sa.bindparam("n_refused"),
        worker=sa.bindparam("by"),
        done_at=sa.bindparam("at"),
    )
)


@attrs.frozen
class ChunkResult:
    """What one chunk did: accounts read, entries posted and their sum in fen, accounts
    skipped (nothing to do), refusals by code."""

    chunk: int
    accounts: int
    posted: int
    amount_fen: int
    skipped: int
    refused: dict[str, int]


@attrs.frozen
class RunStatus:
    """A run and the sum of its chunks (``hpf batch status``)."""

    run_id: str
    job: str
    period: str
    chunk_count: int
    chunks_done: int
    account_count: int
    accounts_done: int
    posted: int
    amount_fen: int
    skipped: int
    refused: dict[str, int]
    started_at: str
    finished_at: str | None

    @property
    def done(self) -> bool:
        """Every chunk is done."""
        return self.chunks_done == self.chunk_count


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def run_id_of(job: AnyJob) -> str:
    """``<job>/<period>``: one run per job and period."""
    return f"{job.name}/{job.period}"


def prepare(store: SqlStore, job: AnyJob, *, chunk_size: int = 1000) -> RunStatus:
    """The run of ``job`` for its period: made (its chunks of ``chunk_size`` accounts in
    account-number order, as the database orders them) if there is none yet, else the one
    there is — a run for the same period with other parameters is refused
    (``run_params_differ``). Accounts opened after a run is made are not in it."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise InputError("chunk_size", "must be a whole number of accounts, at least 1", chunk_size)
    run_id = run_id_of(job)
    params = job.params()
    for _ in range(2):  # a second worker may have made it between our read and insert
        with store.unit_of_work() as uow:
            connection = uow.connection()
            row = connection.execute(_RUN, {"run_id": run_id}).first()
            if row is not None:
                if row.params != params:
                    reason = f"run {run_id} exists with other parameters ({row.params})"
                    raise refusal(Violation("run_params_differ", reason, "job"))
                break
            key = _L.contract_no if isinstance(job, OVER_LOANS) else _A.account_no
            numbers = [r[0] for r in connection.execute(sa.select(key).order_by(key))]
            bounds = [numbers[i : i + chunk_size] for i in range(0, len(numbers), chunk_size)]
            try:
                with translated():
                    connection.execute(
                        sa.insert(t.batch_runs),
                        {
                            "run_id": run_id,
                            "job": job.name,
                            "period": job.period,
                            "params": params,
                            "chunk_count": len(bounds),
                            "account_count": len(numbers),
                            "started_at": _now(),
                            "finished_at": None,
                        },
                    )
                    if bounds:
                        connection.execute(
                            sa.insert(t.batch_chunks),
                            [
                                {
                                    "run_id": run_id,
                                    "chunk": n,
                                    "first_account": part[0],
                                    "last_account": part[-1],
                                    "done": False,
                                    "accounts": 0,
                                    "posted": 0,
                                    "amount_fen": 0,
                                    "skipped": 0,
                                    "refused": "{}",
                                    "worker": "",
                                    "done_at": None,
                                }
                                for n, part in enumerate(bounds)
                            ],
                        )
                    uow.commit()
            except (InputError, ConcurrentUpdate):
                continue
            break
    return status(store, run_id)


def _journal(uow: SqlUnitOfWork, first: str, last: str) -> dict[str, list[JournalEntry]]:
    found: dict[str, list[JournalEntry]] = {}
    for row in uow.connection().execute(_ENTRIES, {"first": first, "last": last}):
        found.setdefault(row.account_no, []).append(_entry(row))
    return found


def _journal_of(uow: SqlUnitOfWork, numbers: Sequence[str]) -> dict[str, list[JournalEntry]]:
    """The journal of the accounts ``numbers``, each in posting order."""
    found: dict[str, list[JournalEntry]] = {}
    for start in range(0, len(numbers), 500):
        query = sa.select(t.journal).where(_J.account_no.in_(numbers[start : start + 500])).order_by(_J.seq)
        for row in uow.connection().execute(query):
            found.setdefault(row.account_no, []).append(_entry(row))
    return found


def _accounts_numbered(uow: SqlUnitOfWork, numbers: Sequence[str]) -> dict[str, _rows.Read[DepositAccount]]:
    """The accounts ``numbers`` (locked, in number order, on the servers)."""
    found: dict[str, _rows.Read[DepositAccount]] = {}
    for start in range(0, len(numbers), 500):
        part = numbers[start : start + 500]
        query = sa.select(_A.body, _A.version).where(_A.account_no.in_(part)).order_by(_A.account_no)
        if uow.locking:
            query = query.with_for_update()
        for r in _rows.decoded(uow.connection().execute(query), DepositAccount, uow.sealer):
            found[r.record.account_no] = r
    return found


def _deduct(uow: SqlUnitOfWork, job: LoanDeduction, chunk: int, first: str, last: str) -> ChunkResult:
    """The monthly collection of the loans ``first``..``last``: the signers' accounts read
    (and locked) once, each loan's collection computed by ``job.collect`` in contract order
    (an account two loans draw on sees the first one's deduction), then the loans saved,
    the accounts saved and the deposit and loan journal lines appended, each kind in one
    statement (:mod:`._rows`). On SQLite the ordinary loans are collected first in SQL
    (:mod:`._set_deduction`), and only the others read here."""
    in_sql = in_sql_fen = 0
    if _set_deduction.applies(uow.dialect):
        in_sql, in_sql_fen = _set_deduction.post_in_sql(
            uow.connection(), first=first, last=last, on=job.on, policy=job.servicing,
            prefix=f"batch/{job.name}/{job.period}/",
            bank=None if job.bank is None else _asking(job.bank, uow.sealer),
        )  # fmt: skip
        rest = uow.connection().execute(_set_deduction.REST, {"first": first, "last": last})
        reads = _rows.decoded(rest, LoanAccount, uow.sealer)
    else:
        reads = _rows.read_loans(uow, first, last)
    numbers = sorted(
        {s.account_no for r in reads if r.record.agreement is not None for s in r.record.agreement.signers}
    )
    read = _accounts_numbered(uow, numbers)
    accounts = {n: r.record for n, r in read.items()}
    collected = amount = not_done = 0
    refused: Counter[str] = Counter()
    drafts: list[EntryDraft] = []
    lines: list[LoanEntryDraft] = []
    changed_loans = []
    for r in reads:
        try:
            result = job.collect(r.record, accounts)
        except Refused as error:
            refused.update(v.code for v in error.violations)
            not_done += 1
            continue
        if result is None:
            continue
        changed_loans.append((r, result.loan))
        drafts.extend(draft for _, draft in result.postings)
        lines.extend(result.lines)
        if result.lines:
            collected += 1
            amount += result.amount_fen
    _rows.save_loans(uow, changed_loans)
    changed = [(read[n], accounts[n]) for n in numbers if n in read and accounts[n] is not read[n].record]
    if changed:
        _rows.save_accounts(uow, changed)
        uow.journal.append_many(drafts)
    _rows.append_lines(uow, lines)
    skipped = len(reads) - collected - not_done  # a refused loan may have several codes
    return ChunkResult(
        chunk, len(reads) + in_sql, collected + in_sql, amount + in_sql_fen, skipped, dict(refused)
    )


def _asking(bank: BankDebit, sealer: Sealer) -> _set_deduction.Bank:
    """``bank`` as the SQL path asks it: the card number opened from its sealed text."""

    def ask(debit_id: str, contract_no: str, amount: Decimal, sealed: str) -> bool:
        card: str = _decode(sealed, str, sealer, "card_number")
        return bank.debit(debit_id=debit_id, contract_no=contract_no, amount=amount, card_number=card)

    return ask


def _post_loans(uow: SqlUnitOfWork, job: LoanJob, chunk: int, first: str, last: str) -> ChunkResult:
    reads = _rows.read_loans(uow, first, last)
    not_done = 0
    refused: Counter[str] = Counter()
    changed = []
    for r in reads:
        try:
            accrued = job.post_loan(r.record)
        except Refused as error:
            refused.update(v.code for v in error.violations)
            not_done += 1
            continue
        if accrued is not None:
            changed.append((r, accrued))
    _rows.save_loans(uow, changed)
    skipped = len(reads) - len(changed) - not_done  # a refused loan may have several codes
    return ChunkResult(chunk, len(reads), len(changed), 0, skipped, dict(refused))


def post_chunk(uow: SqlUnitOfWork, job: AnyJob, chunk: int, first: str, last: str) -> ChunkResult:
    """The job over the accounts ``first``..``last`` in the open unit of work: each
    account's posting computed by ``job.post``, then the accounts saved (one
    ``executemany`` compare-and-set, :mod:`._rows`) and the entries appended
    (``append_many``) — for the remittance and the interest on SQLite and PostgreSQL,
    the ordinary accounts first in SQL (:mod:`hpf_adapters.sql._set_remittance`,
    :mod:`._set_interest`). For the overdue marking and the repricing, the loans
    ``first``..``last``, the changed ones saved in one statement; for the loan deduction,
    each loan's collection (:func:`_deduct`)."""
    if isinstance(job, LoanDeduction):
        return _deduct(uow, job, chunk, first, last)
    if isinstance(job, OVER_LOANS):
        return _post_loans(uow, job, chunk, first, last)
    in_sql = in_sql_posted = in_sql_fen = 0
    rest: sa.TextClause | None = None
    if isinstance(job, Remittance) and _set_remittance.applies(
        uow.dialect, job.month, job.value_date, job.rounding
    ):
        in_sql, in_sql_fen = _set_remittance.post_in_sql(
            uow.connection(), first=first, last=last, month=job.month, value_date=job.value_date,
            rounding=job.rounding, prefix=f"batch/{job.name}/{job.period}/",
        )  # fmt: skip
        in_sql_posted, rest = in_sql, _set_remittance.REST
    elif isinstance(job, InterestSettlement) and _set_interest.applies(uow.dialect):
        in_sql, in_sql_posted, in_sql_fen = _set_interest.post_in_sql(
            uow.connection(), first=first, last=last, year=job.year, rates=job.rates, basis=job.basis,
            prefix=f"batch/{job.name}/{job.period}/",
        )  # fmt: skip
        rest = _set_interest.REST
    if rest is not None:
        rows = uow.connection().execute(rest, {"first": first, "last": last})
        reads = _rows.decoded(rows, DepositAccount, uow.sealer)
    else:
        reads = _rows.read_accounts(uow, first, last)
    accounts = [r.record for r in reads]
    journal: dict[str, list[JournalEntry]] = {}
    if job.needs_journal and accounts:
        if rest is None:
            journal = _journal(uow, first, last)
        else:  # only the accounts the SQL left
            journal = _journal_of(uow, [a.account_no for a in accounts])
    postings = []
    skipped = 0
    refused: Counter[str] = Counter()
    for account in accounts:
        try:
            posting = job.post(account, journal.get(account.account_no, ()))
        except Refused as error:
            refused.update(v.code for v in error.violations)
            continue
        if posting is None:
            skipped += 1
        else:
            postings.append(posting)
    if postings:
        by_number = {r.record.account_no: r for r in reads}
        _rows.save_accounts(uow, [(by_number[account.account_no], account) for account, _ in postings])
        uow.journal.append_many([draft for _, draft in postings])
    amount = in_sql_fen + sum(to_fen(draft.amount) for _, draft in postings)
    read = in_sql + len(accounts)
    skipped += in_sql - in_sql_posted  # decided in SQL, nothing earned
    return ChunkResult(chunk, read, in_sql_posted + len(postings), amount, skipped, dict(refused))


def _claim_and_post(store: SqlStore, job: AnyJob, run_id: str, worker: str) -> ChunkResult | None:
    with store.unit_of_work() as uow:
        connection = uow.connection()
        query = _PENDING.with_for_update(skip_locked=True) if uow.locking else _PENDING
        with translated():
            row = connection.execute(query, {"run_id": run_id}).first()
            if row is None:
                return None
            result = post_chunk(uow, job, row.chunk, row.first_account, row.last_account)
            marked = connection.execute(
                _DONE,
                {
                    "of_run": run_id,
                    "chunk_no": row.chunk,
                    "n_accounts": result.accounts,
                    "n_posted": result.posted,
                    "n_amount": result.amount_fen,
                    "n_skipped": result.skipped,
                    "n_refused": json.dumps(result.refused, sort_keys=True),
                    "by": worker[:64],
                    "at": _now(),
                },
            )
            if marked.rowcount != 1:  # pragma: no cover - the claim's lock makes this impossible
                raise ConcurrentUpdate("chunk", "another worker finished this chunk first", str(row.chunk))
        uow.commit()
    return result


def work(
    store: SqlStore,
    job: AnyJob,
    *,
    worker: str = "worker",
    on_chunk: Callable[[ChunkResult], None] | None = None,
) -> list[ChunkResult]:
    """Post pending chunks of ``job``'s run (made by :func:`prepare`) until none is left:
    each chunk one transaction with its checkpoint. A chunk the database chose to retry
    (deadlock, a service's concurrent change) is tried again, up to :data:`ATTEMPTS`."""
    run_id = run_id_of(job)
    with store.unit_of_work(write=False) as uow:
        if uow.connection().execute(_RUN, {"run_id": run_id}).first() is None:
            raise UnknownRecord("run", "no such run: prepare it first", run_id)
    done: list[ChunkResult] = []
    while True:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                result = _claim_and_post(store, job, run_id, worker)
                break
            except ConcurrentUpdate:
                if attempt == ATTEMPTS:
                    raise
        if result is None:
            return done
        done.append(result)
        if on_chunk is not None:
            on_chunk(result)


def finish(store: SqlStore, run_id: str) -> RunStatus:
    """The run's status, its end time recorded once every chunk is done."""
    with store.unit_of_work() as uow:
        connection = uow.connection()
        pending = connection.execute(
            sa.select(sa.func.count()).where(_C.run_id == run_id, _C.done == sa.false())
        ).scalar_one()
        if pending == 0:
            connection.execute(
                sa.update(t.batch_runs)
                .where(_R.run_id == run_id, _R.finished_at.is_(None))
                .values(finished_at=_now())
            )
            uow.commit()
    return status(store, run_id)


def _sum(run: Any, chunks: Sequence[Any]) -> RunStatus:
    done = [c for c in chunks if c.done]
    refused: Counter[str] = Counter()
    for chunk in done:
        refused.update(json.loads(chunk.refused))
    return RunStatus(
        run.run_id, run.job, run.period, run.chunk_count, len(done), run.account_count,
        sum(c.accounts for c in done), sum(c.posted for c in done), sum(c.amount_fen for c in done),
        sum(c.skipped for c in done), dict(refused), run.started_at, run.finished_at,
    )  # fmt: skip


def status(store: SqlStore, run_id: str) -> RunStatus:
    """One run's status (``UnknownRecord`` if there is none)."""
    with store.unit_of_work(write=False) as uow:
        connection = uow.connection()
        run = connection.execute(_RUN, {"run_id": run_id}).first()
        if run is None:
            raise UnknownRecord("run", "no such run", run_id)
        return _sum(run, chunks_of(uow, run_id))


def chunks_of(uow: SqlUnitOfWork, run_id: str) -> list[Any]:
    """The chunk rows of a run, in order."""
    query = sa.select(t.batch_chunks).where(_C.run_id == run_id).order_by(_C.chunk)
    return list(uow.connection().execute(query))


def runs(store: SqlStore) -> list[RunStatus]:
    """Every run, oldest first."""
    with store.unit_of_work(write=False) as uow:
        connection = uow.connection()
        found = list(connection.execute(sa.select(t.batch_runs).order_by(_R.started_at, _R.run_id)))
        return [_sum(run, chunks_of(uow, run.run_id)) for run in found]
