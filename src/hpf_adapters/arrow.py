"""Portfolio runs as Arrow record batches, in bounded memory (issue #16, D-065).

``pip install 'hpf[arrow]'``. The loans are read from the inputs ``batch_loans`` at a
time (the inputs may be generators), each chunk goes through
:func:`hpf_core.loans.amortize_many` and leaves as one ``pyarrow.RecordBatch`` with
integer-fen columns (:data:`hpf_core.loans.ARROW_COLUMNS`), so a million loans of 360
rows go to Parquet, DuckDB or pandas holding one chunk at a time:

>>> import pyarrow as pa
>>> batches = schedule_batches([100000, 200000], "0.031", 12, "equal-installment", batch_loans=1)
>>> table = pa.Table.from_batches(batches)
>>> table.num_rows, table.column("loan").to_pylist()[11:13], table.column("payment_fen")[0].as_py()
(24, [0, 1], 847393)

A repricing scenario (a rate cut over a portfolio) streams the same way:
:func:`repricing_batches`.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from numbers import Integral
from typing import Any

try:
    import numpy as np
    import pyarrow as pa
except ModuleNotFoundError as missing:  # pragma: no cover - depends on the installed extras
    raise ModuleNotFoundError(
        "hpf_adapters.arrow needs pyarrow and numpy, which are not installed: pip install 'hpf[arrow]'",
        name=missing.name,
    ) from missing

from hpf_core.errors import HpfError, InputError, InputTypeError
from hpf_core.loans import (
    ARROW_COLUMNS,
    RepaymentMethod,
    ScheduleBatch,
    amortize_many,
    arrow_schema,
    check_method,
)
from hpf_core.money import Amount, Rate, amounts_from_fen, check_rate

__all__ = [
    "REPRICING_COLUMNS",
    "repricing_batches",
    "repricing_schema",
    "schedule_batches",
]

DEFAULT_BATCH_LOANS = 10_000
"""Loans per record batch: about 2 million rows and 100 MB of columns at 210 months."""

REPRICING_COLUMNS = (*ARROW_COLUMNS, "repriced")
"""The columns of :func:`repricing_batches`: :data:`~hpf_core.loans.ARROW_COLUMNS` and
``repriced`` (bool: the row is billed at the new rate)."""


def repricing_schema() -> pa.Schema:
    """The schema of :func:`repricing_batches`' record batches."""
    base = arrow_schema()
    return base.append(pa.field("repriced", pa.bool_(), nullable=False)).with_metadata(base.metadata)


def _batch_loans(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InputTypeError("batch_loans", f"must be an int, not {type(value).__name__}", value)
    if int(value) < 1:
        raise InputError("batch_loans", "must be at least 1", value)
    return int(value)


def _stream(value: object) -> Iterator[Any]:
    """An input column as an iterator; a single value (str, Decimal, int) repeats."""
    if isinstance(value, (str, bytes, Decimal, Integral, float)):
        return itertools.repeat(value)
    if not isinstance(value, Iterable):
        raise InputTypeError(
            "inputs", f"must be a sequence or a single value, not {type(value).__name__}", value
        )
    return iter(value)


def _chunks(size: int, principals: Iterable[Amount], *others: object) -> Iterator[tuple[list[Any], ...]]:
    """Lists of ``size`` loans at a time, principals first; a shorter column is an error."""
    head = _stream(principals)
    if isinstance(principals, (str, bytes, Decimal, Integral, float)):
        raise InputTypeError("principals", "must be a sequence (one entry per loan)", principals)
    rest = [_stream(other) for other in others]
    while True:
        chunk = list(itertools.islice(head, size))
        if not chunk:
            return
        columns = [list(itertools.islice(column, len(chunk))) for column in rest]
        for column in columns:
            if len(column) != len(chunk):
                raise InputError("inputs", "every input must have one entry per loan", len(column))
        yield (chunk, *columns)


def schedule_batches(
    principals: Iterable[Amount],
    annual_rates: Iterable[Rate] | Rate,
    months: Iterable[int] | int,
    method: RepaymentMethod | str,
    *,
    batch_loans: int = DEFAULT_BATCH_LOANS,
) -> Iterator[pa.RecordBatch]:
    """Every loan's ledger rows (identical to :func:`~hpf_core.loans.amortize`), as record
    batches of ``batch_loans`` loans each (the last may hold fewer), loans in input order;
    ``loan`` counts from 0 across the whole stream. Inputs are read one chunk at a time."""
    kind = check_method(method)
    size = _batch_loans(batch_loans)
    first = 0
    for chunk, rates, terms in _chunks(size, principals, annual_rates, months):
        with _numbered_from(first):
            batch = amortize_many(chunk, rates, terms, kind)
        yield batch.to_arrow(first_loan=first)
        first += len(chunk)


def repricing_batches(
    principals: Iterable[Amount],
    annual_rates: Iterable[Rate] | Rate,
    months: Iterable[int] | int,
    method: RepaymentMethod | str,
    *,
    new_rate: Iterable[Rate] | Rate,
    from_period: Iterable[int] | int,
    batch_loans: int = DEFAULT_BATCH_LOANS,
) -> Iterator[pa.RecordBatch]:
    """A rate change over a portfolio (存量贷款利率调整), as record batches.

    Loan ``i``'s rows before ``from_period[i]`` (1-based) are its schedule at the old
    rate; from that row on, the balance it still owes is recalculated at ``new_rate`` over
    the months left, the payment recalculated, as :func:`~hpf_core.loans.reprice_loan`
    does when the change takes effect on or before the start of that row's interest
    period. A ``from_period`` past the term (or a loan already repaid by then) leaves the
    loan as it was. ``repriced`` marks the rows billed at the new rate.
    """
    kind = check_method(method)
    size = _batch_loans(batch_loans)
    first = 0
    for chunk, rates, terms, news, froms in _chunks(
        size, principals, annual_rates, months, new_rate, from_period
    ):
        with _numbered_from(first):
            old = amortize_many(chunk, rates, terms, kind)
            fresh = [check_rate(r, f"new_rate[{i}]") for i, r in enumerate(news)]
            yield_now = _repriced(old, fresh, froms, kind)
        yield _with_loans(yield_now, first, old.months)
        first += len(chunk)


_INDEXED = re.compile(r"^(\w+)\[(\d+)\]$")


@contextlib.contextmanager
def _numbered_from(first: int) -> Iterator[None]:
    """An error naming an entry of a chunk (``principals[3]``) names it in the whole
    stream instead (``principals[10003]``)."""
    try:
        yield
    except HpfError as exc:
        found = _INDEXED.match(exc.field)
        if found is None or first == 0:
            raise
        field = f"{found.group(1)}[{int(found.group(2)) + first}]"
        raise type(exc)(field, exc.reason, exc.value) from None


def _from_periods(values: list[Any]) -> Any:
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < 1:
            raise InputError(f"from_period[{i}]", "must be a whole period number from 1", value)
    return np.asarray(values, dtype=np.int64)


def _with_loans(columns: list[Any], first: int, months: tuple[int, ...]) -> pa.RecordBatch:
    terms = np.asarray(months, dtype=np.int64)
    loan = np.repeat(np.arange(first, first + len(terms), dtype=np.int64), terms)
    arrays = [pa.array(loan), *(pa.array(c) for c in columns)]
    return pa.RecordBatch.from_arrays(arrays, schema=repricing_schema())


def _repriced(
    old: ScheduleBatch, new_rates: list[Decimal], froms: list[Any], kind: RepaymentMethod
) -> list[Any]:
    """period, the four fen columns and ``repriced`` for one chunk."""
    terms = np.asarray(old.months, dtype=np.int64)
    starts = np.asarray(old.starts, dtype=np.int64)
    kept = np.minimum(_from_periods(froms) - 1, terms)  # rows kept at the old rate
    balance = np.asarray(old.balance.fen, dtype=np.int64)
    principals = np.asarray([int(p.scaleb(2)) for p in old.principals], dtype=np.int64)
    owed = np.where(kept > 0, balance[starts + np.maximum(kept, 1) - 1], principals)
    changed = (kept < terms) & (owed > 0)
    columns = [
        np.asarray(c.fen, dtype=np.int64).copy()
        for c in (old.payment, old.principal, old.interest, old.balance)
    ]
    row_in_loan = np.arange(len(balance), dtype=np.int64) - np.repeat(starts, terms)
    repriced = (row_in_loan >= np.repeat(kept, terms)) & np.repeat(changed, terms)
    which = np.flatnonzero(changed)
    if len(which):
        again = amortize_many(
            amounts_from_fen(owed[which].tolist()),
            [new_rates[i] for i in which.tolist()],
            (terms[which] - kept[which]).tolist(),
            kind,
        )
        for column, fresh in zip(
            columns, (again.payment, again.principal, again.interest, again.balance), strict=True
        ):
            column[repriced] = np.asarray(fresh.fen, dtype=np.int64)
    return [(row_in_loan + 1).astype(np.int16), *columns, repriced]
