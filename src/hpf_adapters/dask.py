"""Portfolio runs past one machine, on Dask (issue #16, D-065).

``pip install 'hpf[dask]'``. The loans are cut into partitions of ``partition_loans``;
each partition is one task that runs :func:`hpf_core.loans.amortize_many` (or the
repricing of :func:`hpf_adapters.arrow.repricing_batches`) on its loans where a worker
picks it up and hands back its rows as one Arrow record batch, turned into a pandas
partition of the resulting ``dask.dataframe.DataFrame``. The columns are those of the
Arrow batches (``loan``, ``period``, the four ``*_fen`` int64 columns, and for a
repricing ``repriced``); ``loan`` counts from 0 over the whole portfolio, so the rows
are the same, fen for fen, as the local stream's, whichever worker computed them.

>>> frame = schedules_frame([100000, 200000, 300000], "0.031", 12, "equal-installment", partition_loans=2)
>>> frame.npartitions, int(frame["interest_fen"].sum().compute())
(2, 1012265)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from numbers import Integral
from typing import Any

try:
    import dask.dataframe as dd
    import pandas as pd
except ModuleNotFoundError as missing:  # pragma: no cover - depends on the installed extras
    raise ModuleNotFoundError(
        "hpf_adapters.dask needs dask, pandas and pyarrow, which are not installed: pip install 'hpf[dask]'",
        name=missing.name,
    ) from missing

from hpf_adapters.arrow import repricing_batches, repricing_schema, schedule_batches
from hpf_core.errors import InputError, InputTypeError
from hpf_core.loans import RepaymentMethod, arrow_schema, check_method
from hpf_core.money import Amount, Rate

__all__ = ["repricing_frame", "schedules_frame"]

DEFAULT_PARTITION_LOANS = 10_000
"""Loans per partition (one task, one Arrow batch, about 2 million rows at 210 months)."""


def _column(values: object, count: int, field: str) -> list[Any]:
    if isinstance(values, (str, bytes, Decimal, Integral, float)):
        return [values] * count
    if not isinstance(values, Iterable):
        raise InputTypeError(
            field, f"must be a sequence or a single value, not {type(values).__name__}", values
        )
    out = list(values)
    if len(out) != count:
        raise InputError(field, f"must have one entry per loan ({count} principals)", len(out))
    return out


def _partitions(
    size: object, principals: Iterable[Amount], columns: Mapping[str, object]
) -> list[dict[str, Any]]:
    """The inputs cut into partitions: one small dict of lists per task."""
    if isinstance(size, bool) or not isinstance(size, Integral):
        raise InputTypeError("partition_loans", f"must be an int, not {type(size).__name__}", size)
    if int(size) < 1:
        raise InputError("partition_loans", "must be at least 1", size)
    if isinstance(principals, (str, bytes, Decimal, Integral, float)) or not isinstance(principals, Iterable):
        raise InputTypeError("principals", "must be a sequence (one entry per loan)", principals)
    head = list(principals)
    rest = {name: _column(values, len(head), name) for name, values in columns.items()}
    step = int(size)
    return [
        {"first": first, "principals": head[first : first + step]}
        | {name: values[first : first + step] for name, values in rest.items()}
        for first in range(0, len(head), step)
    ]


def _schedule_part(part: dict[str, Any], method: str) -> pd.DataFrame:
    """One partition's rows (runs on a worker)."""
    (batch,) = schedule_batches(
        part["principals"], part["annual_rates"], part["months"], method, batch_loans=len(part["principals"])
    )
    return _frame(batch, part["first"])


def _repricing_part(part: dict[str, Any], method: str) -> pd.DataFrame:
    (batch,) = repricing_batches(
        part["principals"],
        part["annual_rates"],
        part["months"],
        method,
        new_rate=part["new_rate"],
        from_period=part["from_period"],
        batch_loans=len(part["principals"]),
    )
    return _frame(batch, part["first"])


def _frame(batch: Any, first: int) -> pd.DataFrame:
    frame = batch.to_pandas()
    frame["loan"] += first
    return frame


def _meta(schema: Any) -> pd.DataFrame:
    frame: pd.DataFrame = schema.empty_table().to_pandas()
    return frame


def schedules_frame(
    principals: Sequence[Amount],
    annual_rates: Sequence[Rate] | Rate,
    months: Sequence[int] | int,
    method: RepaymentMethod | str,
    *,
    partition_loans: int = DEFAULT_PARTITION_LOANS,
) -> dd.DataFrame:
    """Every loan's ledger rows as a lazy ``dask.dataframe.DataFrame``, one partition per
    ``partition_loans`` loans, in input order; compute it on whatever scheduler or
    ``distributed.Client`` is active. The rows equal :func:`hpf_adapters.arrow.schedule_batches`'."""
    kind = check_method(method).value
    parts = _partitions(partition_loans, principals, {"annual_rates": annual_rates, "months": months})
    return dd.from_map(_schedule_part, parts, method=kind, meta=_meta(arrow_schema()), enforce_metadata=False)


def repricing_frame(
    principals: Sequence[Amount],
    annual_rates: Sequence[Rate] | Rate,
    months: Sequence[int] | int,
    method: RepaymentMethod | str,
    *,
    new_rate: Sequence[Rate] | Rate,
    from_period: Sequence[int] | int,
    partition_loans: int = DEFAULT_PARTITION_LOANS,
) -> dd.DataFrame:
    """A rate change over a portfolio (see :func:`hpf_adapters.arrow.repricing_batches`)
    as a lazy ``dask.dataframe.DataFrame``, one partition per ``partition_loans`` loans."""
    kind = check_method(method).value
    columns = {
        "annual_rates": annual_rates,
        "months": months,
        "new_rate": new_rate,
        "from_period": from_period,
    }
    parts = _partitions(partition_loans, principals, columns)
    return dd.from_map(
        _repricing_part, parts, method=kind, meta=_meta(repricing_schema()), enforce_metadata=False
    )
