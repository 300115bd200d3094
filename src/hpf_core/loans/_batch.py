"""Many schedules at once (批量还款计划) for portfolio jobs: repricing, reports, stress runs.

``amortize_many`` gives, row for row, what ``amortize`` gives for each loan, as flat
columns. With numpy installed (``pip install hpf[fast]``) the loans advance together,
one period at a time, in integer-fen arrays; without it the same rows come from a plain
loop over ``amortize``'s kernels. Either way every figure is exact to the fen.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from numbers import Integral
from typing import Any, Self, TypeVar, overload

import attrs

from hpf_core import _render
from hpf_core.errors import HpfError, InputError, InputTypeError
from hpf_core.loans._amortize import (
    MAX_MONTHS,
    RepaymentMethod,
    Schedule,
    build_schedule,
    check_method,
    check_months,
    check_principal,
    ledger_rows,
    rate_fraction,
)
from hpf_core.loans._batch_numpy import INT64_SAFE, fits_int64, rows_numpy
from hpf_core.money import MAX_AMOUNT, Amount, Rate, _fen_decimals, amount_from_fen, check_rate, fen

T = TypeVar("T")


class _Column(Sequence[T]):
    """A read-only column over a list or a numpy array; subclasses say what an entry is."""

    __slots__ = ("_data",)

    def __init__(self, data: Sequence[int] | Any) -> None:
        self._data = data

    def _value(self, raw: Any) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._data)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Self: ...
    def __getitem__(self, index: int | slice) -> T | Self:
        if isinstance(index, slice):
            return type(self)(self._data[index])
        return self._value(self._data[index])

    def __iter__(self) -> Iterator[T]:
        return (self._value(x) for x in self._data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=False))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} rows)"


class IntColumn(_Column[int]):
    """A read-only column of ints (loan index, period) over a list or a numpy array."""

    __slots__ = ()

    @property
    def raw(self) -> Sequence[int] | Any:
        """The underlying list or numpy array (do not modify it)."""
        return self._data

    def _value(self, raw: Any) -> int:
        return int(raw)


class FenColumn(_Column[Decimal]):
    """A read-only column of amounts: exact integer fen inside, ``Decimal`` yuan outside.

    ``column.fen`` is the raw integer-fen list or array, for fast exact analytics;
    ``column[i]`` and iteration give ``Decimal`` yuan; ``column.total()`` sums exactly.
    """

    __slots__ = ()

    @property
    def fen(self) -> Sequence[int] | Any:
        """The underlying integer-fen list or numpy array (do not modify it)."""
        return self._data

    def _value(self, raw: Any) -> Decimal:
        return amount_from_fen(int(raw))

    def total(self) -> Decimal:
        """The exact sum of the column in yuan."""
        data: Any = self._data
        if isinstance(data, list):
            return amount_from_fen(sum(data))
        # numpy: int64 cannot overflow while len x max|value| stays below 2**63
        if len(data) and int(abs(data).max()) * len(data) >= INT64_SAFE:
            return amount_from_fen(sum(int(x) for x in data))
        return amount_from_fen(int(data.sum()))


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
    payment: FenColumn = attrs.field(repr=False, eq=False)
    principal: FenColumn = attrs.field(repr=False, eq=False)
    interest: FenColumn = attrs.field(repr=False, eq=False)
    balance: FenColumn = attrs.field(repr=False, eq=False)
    starts: tuple[int, ...] = attrs.field(repr=False)

    @property
    def loans(self) -> int:
        """How many loans the batch holds."""
        return len(self.principals)

    @functools.cached_property
    def loan(self) -> IntColumn:
        """Row ``j``'s loan: a 0-based index into the inputs (made on first use)."""
        return IntColumn([i for i, m in enumerate(self.months) for _ in range(m)])

    @functools.cached_property
    def period(self) -> IntColumn:
        """Row ``j``'s period within its loan, from 1 (made on first use)."""
        return IntColumn([k for m in self.months for k in range(1, m + 1)])

    def __len__(self) -> int:
        """How many rows the batch holds (the sum of all terms)."""
        return len(self.payment)

    def schedule(self, index: int) -> Schedule:
        """Loan ``index``'s rows as a :class:`Schedule` (equal to ``amortize`` for it)."""
        start = self.starts[index]
        stop = start + self.months[index]
        pays, prins, ints, bals = (
            [int(x) for x in col.fen[start:stop]]
            for col in (self.payment, self.principal, self.interest, self.balance)
        )
        return build_schedule(
            self.principals[index],
            self.annual_rates[index],
            self.months[index],
            self.method,
            None,
            (pays, prins, ints, bals),
        )

    # ------------------------------------------------------------------ display (D-060)

    def __repr__(self) -> str:
        return (
            f"<ScheduleBatch {self.loans} loans, {len(self)} rows, {self.method.chinese} "
            f"{self.method.value}: principal {_render.money_text(self.principal.total())}; "
            f"total interest {_render.money_text(self.interest.total())}>"
        )

    def _loan_total(self, column: FenColumn, index: int) -> Decimal:
        start = self.starts[index]
        return amount_from_fen(sum(int(x) for x in column.fen[start : start + self.months[index]]))

    def _summary(self) -> _render.Table:
        """One line per loan (what a notebook shows; the rows are in :meth:`to_csv`)."""

        def row(i: int) -> tuple[_render.Cell, ...]:
            interest = self._loan_total(self.interest, i)
            return (
                i,
                self.principals[i],
                _render.rate_text(self.annual_rates[i]),
                self.months[i],
                amount_from_fen(int(self.payment.fen[self.starts[i]])),
                interest,
                self.principals[i] + interest,
            )

        principal, interest = self.principal.total(), self.interest.total()
        return _render.Table(
            f"批量还款计划 ScheduleBatch: {self.loans} loans, {len(self)} rows, "
            f"{self.method.chinese} {self.method.value} (one line per loan)",
            (_render.LEDGER_FACT,),
            _render.BATCH_SUMMARY,
            self.loans,
            row,
            (_render.TOTAL_LABEL, principal, None, None, None, interest, principal + interest),
        )

    def _rows(self) -> _render.Table:
        loan, period = self.loan, self.period
        pays, prins, ints, bals = (c.fen for c in (self.payment, self.principal, self.interest, self.balance))
        rates = [_render.rate_text(r) for r in self.annual_rates]
        dec = amount_from_fen

        def row(j: int) -> tuple[_render.Cell, ...]:
            i = loan[j]
            amounts = (dec(int(pays[j])), dec(int(prins[j])), dec(int(ints[j])), dec(int(bals[j])))
            return (i, period[j], rates[i], *amounts)

        return _render.Table(
            f"批量还款计划 ScheduleBatch: {self.loans} loans, {len(self)} rows, "
            f"{self.method.chinese} {self.method.value}",
            (_render.LEDGER_FACT, ("method", f"{self.method.value} {self.method.chinese}")),
            (_render.LOAN, _render.PERIOD, _render.RATE, *_render.LEDGER_AMOUNTS),
            len(self),
            row,
            (
                _render.TOTAL_LABEL,
                None,
                None,
                self.payment.total(),
                self.principal.total(),
                self.interest.total(),
                None,
            ),
        )

    def _repr_html_(self) -> str:
        """One line per loan as an HTML table (principal, rate, term, first payment, total
        interest, total payment), bilingual headers and a totals row over every loan."""
        return _render.html_table(self._summary())

    def to_csv(self) -> str:
        """Every row as CSV text: a ``#`` header block, then ``loan`` (0-based), ``period``,
        ``annual_rate`` (the rate used, ``3.10%``), the four amounts, and a ``total`` row.

        >>> b = amortize_many([1200, 600], "0.06", 2, "equal-principal")
        >>> print(b.to_csv(), end="")  # doctest: +ELLIPSIS
        # 批量还款计划 ScheduleBatch: 2 loans, 4 rows, 等额本金 equal-principal
        # convention,"ledger: ..."
        # method,equal-principal 等额本金
        loan,period,annual_rate,payment,principal,interest,balance
        0,1,6.00%,606.00,600.00,6.00,600.00
        0,2,6.00%,603.00,600.00,3.00,0.00
        1,1,6.00%,303.00,300.00,3.00,300.00
        1,2,6.00%,301.50,300.00,1.50,0.00
        total,,,1813.50,1800.00,13.50,
        """
        return _render.csv_text(self._rows())

    def _columns(self, in_fen: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
        columns: dict[str, Any] = {"loan": self.loan.raw, "period": self.period.raw}
        amounts = {
            "payment": self.payment,
            "principal": self.principal,
            "interest": self.interest,
            "balance": self.balance,
        }
        if _render.check_in_fen(in_fen):
            columns.update({f"{name}_fen": column.fen for name, column in amounts.items()})
            return columns, ()
        columns.update({name: list(column) for name, column in amounts.items()})
        return columns, tuple(amounts)

    def to_pandas(self, *, in_fen: bool = False) -> Any:
        """Every row as a ``pandas.DataFrame`` (``pip install 'hpf[pandas]'``): ``loan``,
        ``period`` (int64), then ``payment``, ``principal``, ``interest``, ``balance`` as
        ``Decimal`` yuan (object columns) or, with ``in_fen=True``, ``payment_fen`` ... as
        int64 fen (fast: straight from the fen columns). No totals row."""
        columns, decimals = self._columns(in_fen)
        return _render.frame("pandas", columns, decimals=decimals)

    def to_arrow(self, *, first_loan: int = 0) -> Any:
        """Every row as a ``pyarrow.RecordBatch`` (``pip install 'hpf[arrow]'``), straight
        from the fen columns: ``loan`` (int64, ``first_loan`` + the 0-based index),
        ``period`` (int16), then ``payment_fen``, ``principal_fen``, ``interest_fen``,
        ``balance_fen`` (int64 fen). Streams of batches: :mod:`hpf_adapters.arrow`."""
        if isinstance(first_loan, bool) or not isinstance(first_loan, int):
            raise InputTypeError("first_loan", f"must be an int, not {type(first_loan).__name__}", first_loan)
        try:
            import numpy as np  # noqa: PLC0415 - optional extra, imported on use
            import pyarrow as pa  # noqa: PLC0415 - optional extra, imported on use
        except ModuleNotFoundError as missing:
            raise ModuleNotFoundError(
                "to_arrow() needs pyarrow and numpy, which are not installed: pip install 'hpf[arrow]'",
                name=missing.name,
            ) from missing
        terms = np.asarray(self.months, dtype=np.int64)
        loan = np.repeat(np.arange(first_loan, first_loan + len(terms), dtype=np.int64), terms)
        starts = np.repeat(np.asarray(self.starts, dtype=np.int64), terms)
        period = (np.arange(len(loan), dtype=np.int64) - starts + 1).astype(np.int16)
        arrays = [pa.array(loan), pa.array(period)]
        for column in (self.payment, self.principal, self.interest, self.balance):
            arrays.append(pa.array(np.asarray(column.fen, dtype=np.int64)))
        return pa.RecordBatch.from_arrays(arrays, schema=arrow_schema())

    def to_polars(self, *, in_fen: bool = False) -> Any:
        """Every row as a ``polars.DataFrame`` (``pip install 'hpf[polars]'``): the columns of
        :meth:`to_pandas`, amounts as ``Decimal(scale=2)`` or, with ``in_fen=True``, Int64 fen."""
        columns, decimals = self._columns(in_fen)
        return _render.frame("polars", columns, decimals=decimals)


ARROW_COLUMNS = ("loan", "period", "payment_fen", "principal_fen", "interest_fen", "balance_fen")
"""The columns of :meth:`ScheduleBatch.to_arrow`, in order."""


def arrow_schema() -> Any:
    """The ``pyarrow.Schema`` of :meth:`ScheduleBatch.to_arrow` (imports pyarrow)."""
    import pyarrow as pa  # noqa: PLC0415 - optional extra, imported on use

    types = (pa.int64(), pa.int16(), pa.int64(), pa.int64(), pa.int64(), pa.int64())
    return pa.schema(
        [pa.field(name, kind, nullable=False) for name, kind in zip(ARROW_COLUMNS, types, strict=True)],
        metadata={"hpf": "ledger rows, amounts in integer fen (1/100 yuan)"},
    )


def _each(check: Callable[[Any], T], values: list[Any], field: str) -> Iterator[T]:
    """Check every entry; an error names the entry (``principals[3]``). The name is built
    only when something is wrong, which keeps large batches fast."""
    for i, value in enumerate(values):
        try:
            yield check(value)
        except HpfError as exc:
            raise type(exc)(f"{field}[{i}]", exc.reason, value) from None


def _cached(check: Callable[[Any], T]) -> Callable[[Any], T]:
    """``check`` remembered per input value (rates repeat across a portfolio)."""
    seen: dict[tuple[type, object], T] = {}

    def run(value: Any) -> T:
        try:
            marker = (type(value), value)
            if marker in seen:
                return seen[marker]
        except TypeError:  # unhashable: just check it
            return check(value)
        result = seen[marker] = check(value)
        return result

    return run


def _column(values: object, count: int | None, field: str) -> list[Any]:
    """Accept a sequence, or a single value to repeat for every loan."""
    if isinstance(values, (str, bytes, Decimal, Integral, float)):
        if count is None:
            raise InputTypeError(field, "must be a sequence (one entry per loan)", values)
        return [values] * count
    if not isinstance(values, Iterable):
        raise InputTypeError(field, f"must be a sequence, not {type(values).__name__}", values)
    return list(values)


_MAX_FEN = fen(MAX_AMOUNT)


def _plain_inputs(
    principals: list[Any], rates: list[Any], months: list[Any]
) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...], tuple[int, ...], list[int]] | None:
    """The checked inputs when every principal and term is a plain ``int`` and every rate
    one ``Decimal`` or ``str`` type, checked once per distinct rate and with ``min``/``max``
    for the ints (a portfolio's usual shape); ``None`` when anything is unusual or wrong,
    and the general path then checks entry by entry and names the bad one."""
    if not principals or set(map(type, principals)) != {int} or set(map(type, months)) != {int}:
        return None
    if not (min(principals) > 0 and max(principals) * 100 <= _MAX_FEN):
        return None
    if not (min(months) >= 1 and max(months) <= MAX_MONTHS):
        return None
    kinds = set(map(type, rates))
    if len(kinds) != 1 or kinds.pop() not in (Decimal, str):
        return None
    try:
        checked = {r: check_rate(r) for r in set(rates)}
    except HpfError:
        return None
    p_fen = [p * 100 for p in principals]
    return (
        tuple(_fen_decimals(p_fen)),
        tuple(map(checked.__getitem__, rates)),
        tuple(months),
        p_fen,
    )


def amortize_many(
    principals: Iterable[Amount],
    annual_rates: Iterable[Rate] | Rate,
    months: Iterable[int] | int,
    method: RepaymentMethod | str,
    *,
    use_numpy: bool | None = None,
) -> ScheduleBatch:
    """Schedules of many loans at once, identical row by row to :func:`amortize`.

    ``annual_rates`` and ``months`` may be single values shared by every loan.
    ``use_numpy``: ``None`` uses numpy for batches of 32 loans or more when it is installed
    and the figures fit int64 exactly; ``False`` forces the plain loop; ``True`` requires
    numpy.

    >>> b = amortize_many([100000, 200000], "0.031", [12, 24], "equal-installment")
    >>> len(b), b.loans, b.period[12], b.loan[12], b.payment[12] == b.schedule(1)[0].payment
    (36, 2, 1, 1, True)
    """
    kind = check_method(method)
    if use_numpy is not None and not isinstance(use_numpy, bool):
        raise InputTypeError("use_numpy", "must be True, False or None", use_numpy)
    raw_principals = _column(principals, None, "principals")
    count = len(raw_principals)
    raw_rates = _column(annual_rates, count, "annual_rates")
    raw_months = _column(months, count, "months")
    for field, column in (("annual_rates", raw_rates), ("months", raw_months)):
        if len(column) != count:
            raise InputError(field, f"must have one entry per loan ({count} principals)", len(column))
    fast = _plain_inputs(raw_principals, raw_rates, raw_months)
    if fast is None:  # the general path: every entry checked, an error names it
        amounts = tuple(_each(check_principal, raw_principals, "principals"))
        rates = tuple(_each(_cached(check_rate), raw_rates, "annual_rates"))
        terms = tuple(_each(check_months, raw_months, "months"))
        p_fen = [fen(a) for a in amounts]
    else:
        amounts, rates, terms, p_fen = fast
    starts = [0, *itertools.accumulate(terms)]
    total = starts.pop()

    np_module: Any = None
    if use_numpy or (use_numpy is None and count >= _NUMPY_FROM):
        try:
            import numpy  # noqa: PLC0415 - optional extra, imported on use
        except ImportError as exc:
            if use_numpy:
                raise InputError(
                    "use_numpy", "needs numpy, which is not installed: pip install 'hpf[fast]'", use_numpy
                ) from exc
        else:
            np_module = numpy
    distinct = {r: rate_fraction(r) for r in set(rates)}  # portfolios share few rates
    fracs = list(map(distinct.__getitem__, rates))
    if np_module is not None and count and fits_int64(p_fen, fracs):
        columns = rows_numpy(np_module, p_fen, fracs, terms, kind, total)
    else:
        if use_numpy and count:
            raise InputError(
                "use_numpy", "amounts x rate precision exceed int64: use use_numpy=None or False", use_numpy
            )
        columns = _rows_python(p_fen, rates, terms, kind)
    pays, prins, ints, bals = columns
    return ScheduleBatch(
        kind,
        amounts,
        rates,
        terms,
        FenColumn(pays),
        FenColumn(prins),
        FenColumn(ints),
        FenColumn(bals),
        tuple(starts),
    )


def _rows_python(
    p_fen: list[int], rates: tuple[Decimal, ...], terms: tuple[int, ...], kind: RepaymentMethod
) -> tuple[list[int], list[int], list[int], list[int]]:
    pays: list[int] = []
    prins: list[int] = []
    ints: list[int] = []
    bals: list[int] = []
    for amount, rate, m in zip(p_fen, rates, terms, strict=True):
        pay, prin, intr, bal = ledger_rows(amount, rate, m, kind)
        pays.extend(pay)
        prins.extend(prin)
        ints.extend(intr)
        bals.extend(bal)
    return pays, prins, ints, bals


_NUMPY_FROM = 32
"""Below this many loans the plain loop is faster than setting up numpy arrays."""
