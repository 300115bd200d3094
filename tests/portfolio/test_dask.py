"""Portfolio runs on Dask (hpf_adapters.dask, issue #16, D-065): on a LocalCluster of two
worker processes, every fen of every row equals the local Arrow stream's, and the local
stream equals the per-loan ledger (tests/portfolio/test_arrow.py)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

from hpf_adapters.arrow import repricing_batches, schedule_batches  # noqa: E402
from hpf_adapters.dask import repricing_frame, schedules_frame  # noqa: E402
from hpf_core.errors import InputError  # noqa: E402

COUNT = 3_000


def portfolio() -> tuple[list[int], list[Decimal], list[int], list[int]]:
    rng = random.Random(2025)
    principals = [rng.randint(50_000, 1_000_000) for _ in range(COUNT)]
    rates = [Decimal(rng.randint(260, 325)) / 10_000 for _ in range(COUNT)]
    months = [rng.randint(12, 360) for _ in range(COUNT)]
    froms = [rng.randint(1, 400) for _ in range(COUNT)]
    return principals, rates, months, froms


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, memory_limit="1GiB"
        ) as cluster,
        distributed.Client(cluster) as connected,
    ):
        yield connected


def local(batches: Iterator[Any]) -> Any:
    return pa.Table.from_batches(list(batches)).to_pandas()


def test_schedules_on_two_worker_processes_equal_the_local_run(client: Any) -> None:
    principals, rates, months, _ = portfolio()
    frame = schedules_frame(principals, rates, months, "equal-installment", partition_loans=500)
    assert frame.npartitions == 6
    futures = client.compute(frame.to_delayed())
    distributed.wait(futures)
    held = client.who_has(futures)
    workers = {worker for future in futures for worker in held[future.key]}
    got = pd.concat([future.result() for future in futures], ignore_index=True)
    want = local(schedule_batches(principals, rates, months, "equal-installment", batch_loans=777))
    assert len(workers) == 2  # both processes computed partitions
    assert got.equals(want)


def test_a_rate_cut_on_two_worker_processes_equals_the_local_run(client: Any) -> None:
    principals, rates, months, froms = portfolio()
    frame = repricing_frame(
        principals,
        rates,
        months,
        "equal-principal",
        new_rate="0.0285",
        from_period=froms,
        partition_loans=700,
    )
    got = frame.compute().reset_index(drop=True)
    want = local(
        repricing_batches(principals, rates, months, "equal-principal", new_rate="0.0285", from_period=froms)
    )
    assert got.equals(want)
    assert int(got["repriced"].sum()) == sum(max(m - f + 1, 0) for m, f in zip(months, froms, strict=True))


def test_inputs_are_checked_before_any_task_runs() -> None:
    with pytest.raises(InputError, match="partition_loans"):
        schedules_frame([1000], "0.031", 12, "equal-principal", partition_loans=0)
    with pytest.raises(InputError, match="months"):
        schedules_frame([1000, 2000], "0.031", [12], "equal-principal")
