"""Centre-scale batch jobs on SQL (issue #16, D-059): the monthly remittance posting (汇缴)
and the annual interest settlement (年度结息) over every account of a centre, and the overdue
marking (逾期标记) over every loan, as a run per (job, period) split into chunks by account
(or contract) number range. Each chunk is one transaction that posts
its accounts (the core's pure functions, ``save_many``/``append_many``) and writes its
checkpoint; chunks are claimed by any number of worker processes (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL and MariaDB, one writer at a time on SQLite). A rerun after a crash
resumes with the chunks still pending; a run whose chunks are all done does nothing.

- :class:`Remittance`, :class:`InterestSettlement` — the jobs over deposit accounts;
  :class:`OverdueMarking`, :class:`Repricing` (1 January, 存量贷款利率调整) and
  :class:`LoanDeduction` (逐月冲还: the signers' deposit accounts pay the instalment, the
  card the rest) — over loans; :data:`JOBS` by name.
- :func:`prepare`, :func:`work`, :func:`finish`, :func:`status`, :func:`runs` — a run's
  life on one :class:`hpf_adapters.sql.SqlStore`; :func:`run_job` — on N processes.

Needs the ``sql`` extra; the ``batch`` extra adds ``rich`` for ``hpf batch``'s progress bar.
"""

from __future__ import annotations

from hpf_adapters.batch._jobs import (
    JOBS,
    AnyJob,
    Collected,
    InterestSettlement,
    Job,
    LoanDeduction,
    OverdueMarking,
    Remittance,
    Repricing,
)
from hpf_adapters.batch._processes import run_job, worker_main
from hpf_adapters.batch._runner import (
    ChunkResult,
    RunStatus,
    finish,
    prepare,
    run_id_of,
    runs,
    status,
    work,
)

__all__ = [
    "JOBS",
    "AnyJob",
    "ChunkResult",
    "Collected",
    "InterestSettlement",
    "Job",
    "LoanDeduction",
    "OverdueMarking",
    "Remittance",
    "Repricing",
    "RunStatus",
    "finish",
    "prepare",
    "run_id_of",
    "run_job",
    "runs",
    "status",
    "work",
    "worker_main",
]
