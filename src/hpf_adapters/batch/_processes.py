"""A run on several worker processes, watched from the parent (``hpf batch``)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable

from hpf_adapters.batch._jobs import AnyJob
from hpf_adapters.batch._runner import RunStatus, finish, prepare, run_id_of, status, work
from hpf_adapters.sql import Keyring, SqlStore
from hpf_core.errors import InputError

POLL_S = 0.25
"""How often the parent reads the run's progress while its workers run."""


def worker_main(url: str, secret: bytes, job: AnyJob, name: str) -> None:
    """What one worker process runs: its own store on ``url``, chunks until none is left."""
    store = SqlStore(url, Keyring.from_secret(secret))
    try:
        work(store, job, worker=name)
    finally:
        store.dispose()


def run_job(
    url: str,
    secret: bytes,
    job: AnyJob,
    *,
    workers: int = 1,
    chunk_size: int = 1000,
    progress: Callable[[RunStatus], None] | None = None,
) -> RunStatus:
    """Prepare ``job``'s run on the database at ``url`` (or find it), post every pending
    chunk with ``workers`` processes (``1``: in this process), and return the run's
    status; ``progress`` is called with the status as chunks complete. A worker that fails
    is reported as an error naming ``workers`` (the chunks it did not finish stay pending
    for a rerun)."""
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 64:
        raise InputError("workers", "must be a whole number from 1 to 64", workers)
    store = SqlStore(url, Keyring.from_secret(secret))
    try:
        started = prepare(store, job, chunk_size=chunk_size)
        if progress is not None:
            progress(started)
        if workers == 1:
            work(
                store,
                job,
                worker="w1",
                on_chunk=lambda _: progress(status(store, started.run_id)) if progress else None,
            )
        else:
            _in_processes(store, url, secret, job, workers, progress)
        return finish(store, run_id_of(job))
    finally:
        store.dispose()


def _in_processes(
    store: SqlStore,
    url: str,
    secret: bytes,
    job: AnyJob,
    workers: int,
    progress: Callable[[RunStatus], None] | None,
) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=worker_main, args=(url, secret, job, f"w{n}"), daemon=True)
        for n in range(1, workers + 1)
    ]
    for process in processes:
        process.start()
    try:
        while any(p.is_alive() for p in processes):
            time.sleep(POLL_S)
            if progress is not None:
                progress(status(store, run_id_of(job)))
    finally:
        for process in processes:
            process.join()
    failed = [p for p in processes if p.exitcode != 0]
    if failed:
        codes = ", ".join(str(p.exitcode) for p in failed)
        raise InputError("workers", f"{len(failed)} worker(s) failed (exit {codes}): rerun to resume")
