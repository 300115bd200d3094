"""Many schedules at once (批量还款计划) for portfolio jobs: repricing, reports, stress runs.

``amortize_many`` gives, row for row, what ``amortize`` gives for each loan, as flat
columns. With numpy installed (``pip install hpf[fast]``) the loans advance together,
one period at a time, in integer-fen arrays; without it the same rows come from a plain
loop over ``amortize``'s kernels. Either way every figure is exact to the fen.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, overload

import attrs

from hpf_core.errors import InputTypeError
from hpf_core.loans._amortize import (
    RepaymentMethod,
    Schedule,
    annuity_fen,
    build_schedule,
    check_method,
    check_months,
    check_principal,
    ledger_rows,
    rate_fraction,
)
from hpf_core.money import Amount, Rate, amount_from_fen, check_rate, fen

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]

# Products balance x rate numerator must stay below this for the int64 path.
_INT64_SAFE = 2**62


class IntColumn(Sequence[int]):
    """A read-only column of ints (loan index, period) over a list or a numpy array."""

    __slots__ = ("_data",)

    def __init__(self, data: Sequence[int] | Any) -> None:
        self._data = data

    @property
    def raw(self) -> Sequence[int] | Any:
        """The underlying list or numpy array (do not modify it)."""
        return self._data

    def __len__(self) -> int:
        return len(self._data)

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> IntColumn: ...
    def __getitem__(self, index: int | slice) -> int | IntColumn:
        if isinstance(index, slice):
            return IntColumn(self._data[index])
        return int(self._data[index])

    def __iter__(self) -> Iterator[int]:
        return (int(x) for x in self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=False))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} rows)"


class FenColumn(Sequence[Decimal]):
    """A read-only column of amounts: exact integer fen inside, ``Decimal`` yuan outside.

    ``column.fen`` is the raw integer-fen list or array, for fast exact analytics;
    ``column[i]`` and iteration give ``Decimal`` yuan; ``column.total()`` sums exactly.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Sequence[int] | Any) -> None:
        self._data = data

    @property
    def fen(self) -> Sequence[int] | Any:
        """The underlying integer-fen list or numpy array (do not modify it)."""
        return self._data

    def total(self) -> Decimal:
        """The exact sum of the column in yuan."""
        data: Any = self._data
        if isinstance(data, list):
            return amount_from_fen(sum(data))
        # numpy: int64 cannot overflow while len x max|value| stays below 2**63
        if len(data) and int(abs(data).max()) * len(data) >= _INT64_SAFE:
            return amount_from_fen(sum(int(x) for x in data))
        return amount_from_fen(int(data.sum()))

    def __len__(self) -> int:
        return len(self._data)

    @overload
    def __getitem__(self, index: int) -> Decimal: ...
    @overload
    def __getitem__(self, index: slice) -> FenColumn: ...
    def __getitem__(self, index: int | slice) -> Decimal | FenColumn:
        if isinstance(index, slice):
            return FenColumn(self._data[index])
        return amount_from_fen(int(self._data[index]))

    def __iter__(self) -> Iterator[Decimal]:
        return (amount_from_fen(int(x)) for x in self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=False))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} rows)"


@attrs.frozen
class ScheduleBatch:
    """The rows of many loans as equal-length columns, loans in input order.

    Row ``j`` belongs to loan ``loan[j]`` (0-based index into the inputs) and is that
    loan's period ``period[j]``; ``payment``, ``principal``, ``interest`` and ``balance``
    are :class:`FenColumn` s. ``starts[i]`` is the first row of loan ``i``.
    """

    method: RepaymentMethod
    principals: tuple[Decimal, ...] = attrs.field(repr=False)
    annual_rates: tuple[Decimal, ...] = attrs.field(repr=False)
    months: tuple[int, ...] = attrs.field(repr=False)
    loan: IntColumn = attrs.field(repr=False, eq=False)
    period: IntColumn = attrs.field(repr=False, eq=False)
    payment: FenColumn = attrs.field(repr=False, eq=False)
    principal: FenColumn = attrs.field(repr=False, eq=False)
    interest: FenColumn = attrs.field(repr=False, eq=False)
    balance: FenColumn = attrs.field(repr=False, eq=False)
    starts: tuple[int, ...] = attrs.field(repr=False)

    @property
    def loans(self) -> int:
        """How many loans the batch holds."""
        return len(self.principals)

    def __len__(self) -> int:
        """How many rows the batch holds (the sum of all terms)."""
        return len(self.payment)

    def schedule(self, index: int) -> Schedule:
        """Loan ``index``'s rows as a :class:`Schedule` (equal to ``amortize`` for it)."""
        start = self.starts[index]
        stop = start + self.months[index]
        columns = tuple(
            [int(x) for x in col.fen[start:stop]]
            for col in (self.payment, self.principal, self.interest, self.balance)
        )
        pays, prins, ints, bals = columns
        return build_schedule(
            self.principals[index],
            self.annual_rates[index],
            self.months[index],
            self.method,
            None,
            (pays, prins, ints, bals),
        )


def _column(values: object, count: int | None, field: str) -> list[Any]:
    """Accept a sequence, or a single value to repeat for every loan."""
    if isinstance(values, (str, bytes, Decimal, int, float)):
        if count is None:
            raise InputTypeError(field, "must be a sequence (one entry per loan)", values)
        return [values] * count
    if not isinstance(values, Iterable):
        raise InputTypeError(field, f"must be a sequence, not {type(values).__name__}", values)
    return list(values)


def amortize_many(
    principals: Sequence[Amount],
    annual_rates: Sequence[Rate] | Rate,
    months: Sequence[int] | int,
    method: RepaymentMethod | str,
    *,
    use_numpy: bool | None = None,
) -> ScheduleBatch:
    """Schedules of many loans at once, identical row by row to :func:`amortize`.

    ``annual_rates`` and ``months`` may be single values shared by every loan.
    ``use_numpy``: ``None`` uses numpy when it is installed and the figures fit int64
    exactly; ``False`` forces the plain loop; ``True`` requires numpy.

    >>> b = amortize_many([100000, 200000], "0.031", [12, 24], "equal-installment")
    >>> len(b), b.loans, b.period[12], b.loan[12], b.payment[12] == b.schedule(1)[0].payment
    (36, 2, 1, 1, True)
    """
    kind = check_method(method)
    raw_principals = _column(principals, None, "principals")
    count = len(raw_principals)
    raw_rates = _column(annual_rates, count, "annual_rates")
    raw_months = _column(months, count, "months")
    if not len(raw_rates) == len(raw_months) == count:
        raise ValueError(
            f"principals, annual_rates and months must have the same length "
            f"(got {count}, {len(raw_rates)}, {len(raw_months)})"
        )
    amounts = tuple(check_principal(p, f"principals[{i}]") for i, p in enumerate(raw_principals))
    rates = tuple(check_rate(r, f"annual_rates[{i}]") for i, r in enumerate(raw_rates))
    terms = tuple(check_months(m, f"months[{i}]") for i, m in enumerate(raw_months))
    starts = [0] * count
    total = 0
    for i, m in enumerate(terms):
        starts[i] = total
        total += m

    np_module: Any = None
    if use_numpy is not False:
        try:
            import numpy  # noqa: PLC0415 - optional extra, imported on use
        except ImportError:
            if use_numpy:
                raise
        else:
            np_module = numpy
    fracs = [rate_fraction(r) for r in rates]
    p_fen = [fen(a) for a in amounts]
    if np_module is not None and count and _fits_int64(p_fen, fracs):
        columns = _rows_numpy(np_module, p_fen, fracs, terms, kind, starts, total)
    else:
        if use_numpy and count:
            raise OverflowError("amounts x rate precision exceed int64; use use_numpy=None or False")
        columns = _rows_python(p_fen, rates, terms, kind)
    loan_col, period_col, pays, prins, ints, bals = columns
    return ScheduleBatch(
        kind,
        amounts,
        rates,
        terms,
        IntColumn(loan_col),
        IntColumn(period_col),
        FenColumn(pays),
        FenColumn(prins),
        FenColumn(ints),
        FenColumn(bals),
        tuple(starts),
    )


def _fits_int64(p_fen: list[int], fracs: list[tuple[int, int]]) -> bool:
    top_p = max(p_fen)
    top_num = max(n for n, _ in fracs)
    top_den = max(d for _, d in fracs)
    return top_p * max(top_num, 1) + top_den < _INT64_SAFE and top_p * 2 < _INT64_SAFE


def _rows_python(
    p_fen: list[int], rates: tuple[Decimal, ...], terms: tuple[int, ...], kind: RepaymentMethod
) -> tuple[list[int], list[int], list[int], list[int], list[int], list[int]]:
    loan_col: list[int] = []
    period_col: list[int] = []
    pays: list[int] = []
    prins: list[int] = []
    ints: list[int] = []
    bals: list[int] = []
    for i, (amount, rate, m) in enumerate(zip(p_fen, rates, terms, strict=True)):
        pay, prin, intr, bal = ledger_rows(amount, rate, m, kind)
        loan_col.extend([i] * m)
        period_col.extend(range(1, m + 1))
        pays.extend(pay)
        prins.extend(prin)
        ints.extend(intr)
        bals.extend(bal)
    return loan_col, period_col, pays, prins, ints, bals


def _payments_numpy(
    np: Any, p_fen: list[int], fracs: list[tuple[int, int]], terms: tuple[int, ...]
) -> IntArray:
    """Equal instalments in fen: float annuity, with the exact integer formula wherever
    the float lands too near a rounding boundary to be trusted (almost never)."""
    p = np.asarray(p_fen, dtype=np.float64)
    num = np.asarray([f[0] for f in fracs], dtype=np.float64)
    den = np.asarray([f[1] for f in fracs], dtype=np.float64)
    n = np.asarray(terms, dtype=np.float64)
    r = num / den
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(r > 0, r / -np.expm1(-n * np.log1p(r)), 1.0 / n)
    exact = p * factor  # fen, before rounding
    floor = np.floor(exact)
    frac = exact - floor
    pay = (floor + (frac >= 0.5)).astype(np.int64)
    # The float error is far below 1e-12 relative; re-check anything within 1e-9 relative
    # (plus an absolute margin) of the .5 boundary, and every zero-rate loan, exactly.
    doubtful = (np.abs(frac - 0.5) <= exact * 1e-9 + 1e-6) | (r == 0)
    for i in np.flatnonzero(doubtful).tolist():
        pay[i] = annuity_fen(p_fen[i], fracs[i][0], fracs[i][1], terms[i])
    result: IntArray = pay
    return result


def _rows_numpy(
    np: Any,
    p_fen: list[int],
    fracs: list[tuple[int, int]],
    terms: tuple[int, ...],
    kind: RepaymentMethod,
    starts: list[int],
    total: int,
) -> tuple[Any, Any, Any, Any, Any, Any]:
    count = len(p_fen)
    n_arr = np.asarray(terms, dtype=np.int64)
    order = np.argsort(-n_arr, kind="stable")  # longest first: the live loans are a prefix
    n_sorted = n_arr[order]
    balance = np.asarray(p_fen, dtype=np.int64)[order]
    num = np.asarray([f[0] for f in fracs], dtype=np.int64)[order]
    den = np.asarray([f[1] for f in fracs], dtype=np.int64)[order]
    half = den // 2
    if kind is RepaymentMethod.EQUAL_INSTALLMENT:
        per_month = _payments_numpy(np, p_fen, fracs, terms)[order]
    else:
        per_month = (2 * balance + n_sorted) // (2 * n_sorted)
    row0 = np.asarray(starts, dtype=np.int64)[order]
    pays = np.empty(total, dtype=np.int64)
    prins = np.empty(total, dtype=np.int64)
    ints = np.empty(total, dtype=np.int64)
    bals = np.empty(total, dtype=np.int64)
    # live[k] = how many loans have a row k+1, i.e. term > k
    live = np.searchsorted(-n_sorted, -np.arange(1, int(n_sorted[0]) + 1), side="right")
    for k in range(int(n_sorted[0])):
        m = int(live[k])
        last = int(np.searchsorted(-n_sorted[:m], -(k + 1), side="left"))  # rows with term == k+1
        b = balance[:m]
        interest = (b * num[:m] + half[:m]) // den[:m]
        if kind is RepaymentMethod.EQUAL_INSTALLMENT:
            part = np.minimum(per_month[:m] - interest, b)
        else:
            part = np.minimum(per_month[:m], b)
        part[last:] = b[last:]  # the last row takes what is left
        b -= part
        pos = row0[:m] + k
        pays[pos] = interest + part
        prins[pos] = part
        ints[pos] = interest
        bals[pos] = b
    loan_col = np.repeat(np.arange(count, dtype=np.int64), n_arr)
    period_col = np.arange(total, dtype=np.int64) - np.repeat(np.asarray(starts, dtype=np.int64), n_arr) + 1
    return loan_col, period_col, pays, prins, ints, bals
