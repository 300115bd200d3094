"""Amortization schedules (还款计划) in the ledger convention.

The ledger convention (ARCHITECTURE.md): each row's interest is the previous balance x
annual rate / 12 rounded half-up to the fen; the equal instalment is the exact annuity
rounded once; the equal principal part is principal / months rounded once; the last row
takes whatever balance is left, so the principal column sums exactly to the loan.

All arithmetic runs on integer fen and exact rationals (the annual rate is a decimal,
so ``rate = num / den`` exactly), which makes every row exact and fast; amounts become
``Decimal`` only when they are read.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Context, Decimal
from itertools import repeat
from numbers import Integral
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import attrs

from hpf_core import _render
from hpf_core._choice import choice
from hpf_core.dates import add_months, check_date
from hpf_core.errors import InvalidAmount, InvalidDate, InvalidTerm
from hpf_core.money import Amount, Rate, _fen_decimal_items, amount_from_fen, check_rate, fen, yuan

MAX_MONTHS = 480
"""The longest schedule ``amortize`` builds (40 years). Centre caps (often 360) are policy."""


class RepaymentMethod(enum.Enum):
    """Repayment method (还款方式)."""

    EQUAL_INSTALLMENT = "equal-installment"
    """等额本息: the same payment every month (the last absorbs the rounding)."""

    EQUAL_PRINCIPAL = "equal-principal"
    """等额本金: the same principal every month, interest on the falling balance."""

    @property
    def chinese(self) -> str:
        """The Chinese name shown on bank and centre screens."""
        return "等额本息" if self is RepaymentMethod.EQUAL_INSTALLMENT else "等额本金"


class Installment(tuple[Any, ...]):
    """One row of a schedule (还款计划的一期).

    ``balance`` is the principal still owed after this row (剩余本金); ``due_date`` is
    ``None`` when the schedule was built without ``first_due``.

    An immutable record with the six named fields below. It is a ``tuple`` underneath
    (D-065: a schedule's rows are built by the hundred thousand, and a tuple subclass is
    made in C ~10x faster than a frozen attrs instance), but it behaves as a record:
    equal only to an ``Installment`` with equal fields, unordered, and assigning to a
    field raises ``attrs.exceptions.FrozenInstanceError`` (an ``AttributeError``).

    >>> row = Installment(1, None, Decimal("606.00"), Decimal("600.00"), Decimal("6.00"), Decimal("600.00"))
    >>> row.interest, row == Installment(*row), row == tuple(row)
    (Decimal('6.00'), True, False)
    """

    __slots__ = ()
    __match_args__ = ("period", "due_date", "payment", "principal", "interest", "balance")

    def __new__(
        cls,
        period: int,
        due_date: date | None,
        payment: Decimal,
        principal: Decimal,
        interest: Decimal,
        balance: Decimal,
    ) -> Installment:
        return tuple.__new__(cls, (period, due_date, payment, principal, interest, balance))

    if TYPE_CHECKING:  # pragma: no cover - what the type checker sees
        period: int
        due_date: date | None
        payment: Decimal
        principal: Decimal
        interest: Decimal
        balance: Decimal
    else:
        period = property(itemgetter(0), doc="The period, from 1.")
        due_date = property(itemgetter(1), doc="The due date, or ``None`` (built without ``first_due``).")
        payment = property(itemgetter(2), doc="Payment (月供) of this row.")
        principal = property(itemgetter(3), doc="Principal part (本金).")
        interest = property(itemgetter(4), doc="Interest part (利息).")
        balance = property(itemgetter(5), doc="Principal still owed after this row (剩余本金).")

    def __getnewargs__(self) -> tuple[Any, ...]:
        return tuple(self)

    # Not NotImplemented for a plain tuple: tuple's own == would then compare the fields.
    def __eq__(self, other: object) -> bool:
        return type(other) is Installment and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = tuple.__hash__

    def __lt__(self, other: object) -> bool:
        return NotImplemented

    __le__ = __gt__ = __ge__ = __lt__

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self.__match_args__, self, strict=True))
        return f"Installment({fields})"


_CTX = Context(prec=60)  # exact for any int64 fen count; never the ambient context


def due_date_of(schedule: Schedule, index: int) -> date | None:
    """Row ``index``'s due date (``None`` for a schedule built without ``first_due``): what
    ``schedule[index].due_date`` says, without building every row's record."""
    first = schedule.first_due
    return None if first is None else add_months(first, index)


def installment_rows(schedule: Schedule) -> tuple[Installment, ...]:
    """``schedule``'s rows as :class:`Installment` records, built anew (what
    ``Schedule.installments`` builds once and keeps)."""
    count = len(schedule.payment_fen)
    first = schedule.first_due
    dates: Iterable[date | None] = (
        repeat(None, count) if first is None else [add_months(first, k) for k in range(count)]
    )
    # tuple.__new__ mapped straight over the zipped fields: no partial, no Python __new__
    return tuple(
        map(
            tuple.__new__,
            repeat(Installment, count),
            zip(
                range(1, count + 1),
                dates,
                _fen_decimal_items(schedule.payment_fen, ledger=True),
                _fen_decimal_items(schedule.principal_fen, ledger=True),
                _fen_decimal_items(schedule.interest_fen, ledger=True),
                _fen_decimal_items(schedule.balance_fen, ledger=True),
                strict=True,
            ),
        )
    )


@attrs.frozen
class Schedule:
    """A loan's rows in the ledger convention, held as exact integer-fen columns.

    ``payment_fen``, ``principal_fen``, ``interest_fen`` and ``balance_fen`` are the raw
    columns (one int per row); ``installments`` gives the rows as :class:`Installment`
    records with ``Decimal`` amounts.
    """

    principal: Decimal
    annual_rate: Decimal
    months: int
    method: RepaymentMethod
    first_due: date | None
    payment_fen: tuple[int, ...] = attrs.field(repr=False)
    principal_fen: tuple[int, ...] = attrs.field(repr=False)
    interest_fen: tuple[int, ...] = attrs.field(repr=False)
    balance_fen: tuple[int, ...] = attrs.field(repr=False)

    @functools.cached_property
    def installments(self) -> tuple[Installment, ...]:
        """The rows, period 1 first."""
        return installment_rows(self)

    @property
    def total_principal(self) -> Decimal:
        """Sum of the principal column; equal to the loan by construction."""
        return amount_from_fen(sum(self.principal_fen))

    @property
    def total_interest(self) -> Decimal:
        """Sum of the interest column (利息总额)."""
        return amount_from_fen(sum(self.interest_fen))

    @property
    def total_payment(self) -> Decimal:
        """Sum of the payment column (还款总额)."""
        return amount_from_fen(sum(self.payment_fen))

    @property
    def payment(self) -> Decimal:
        """The first row's payment (首期月供), or 0.00 for an empty schedule."""
        return amount_from_fen(self.payment_fen[0] if self.payment_fen else 0)

    def __len__(self) -> int:
        return len(self.payment_fen)

    def __iter__(self) -> Iterator[Installment]:
        return iter(self.installments)

    def __getitem__(self, index: int) -> Installment:
        return self.installments[index]

    # ------------------------------------------------------------------ display (D-060)

    def __repr__(self) -> str:
        return (
            f"<Schedule {self.months} months {self.method.chinese} {self.method.value}: "
            f"{_render.money_text(self.principal)} at {_render.rate_text(self.annual_rate)}; "
            f"first payment {_render.money_text(self.payment)}; "
            f"total interest {_render.money_text(self.total_interest)}>"
        )

    def _table(self) -> _render.Table:
        dated = self.first_due is not None
        columns = (_render.PERIOD, *((_render.DUE_DATE,) if dated else ()), *_render.LEDGER_AMOUNTS)
        dec = amount_from_fen
        pays, prins, ints, bals = self.payment_fen, self.principal_fen, self.interest_fen, self.balance_fen

        def row(i: int) -> tuple[_render.Cell, ...]:
            amounts = (dec(pays[i]), dec(prins[i]), dec(ints[i]), dec(bals[i]))
            if self.first_due is None:
                return (i + 1, *amounts)
            return (i + 1, add_months(self.first_due, i), *amounts)

        facts = _render.loan_facts(self.principal, self.annual_rate, self.months, self.method, self.first_due)
        totals = (self.total_payment, self.total_principal, self.total_interest, None)
        return _render.Table(
            f"还款计划 Schedule: {_render.money_text(self.principal)} at "
            f"{_render.rate_text(self.annual_rate)} over {self.months} months, "
            f"{self.method.chinese} {self.method.value}",
            (_render.LEDGER_FACT, *facts),
            columns,
            len(self),
            row,
            (_render.TOTAL_LABEL, *((None,) if dated else ()), *totals),
        )

    def _repr_html_(self) -> str:
        """The rows as an HTML table in a notebook: bilingual headers and a totals row."""
        return _render.html_table(self._table())

    def to_csv(self) -> str:
        """The rows as CSV text: a ``#`` header block (the ledger convention, the loan, the
        rate used), a header row, one line per row and a ``total`` row.

        >>> s = amortize(1200, "0.06", 2, "equal-principal")
        >>> print(s.to_csv(), end="")  # doctest: +ELLIPSIS
        # 还款计划 Schedule: 1,200.00 at 6.00% over 2 months, 等额本金 equal-principal
        # convention,"ledger: ..."
        # principal,1200.00
        # annual_rate,6.00%
        # months,2
        # method,equal-principal 等额本金
        period,payment,principal,interest,balance
        1,606.00,600.00,6.00,600.00
        2,603.00,600.00,3.00,0.00
        total,1209.00,1200.00,9.00,
        """
        return _render.csv_text(self._table())

    def _columns(self, in_fen: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
        columns: dict[str, Any] = {"period": list(range(1, len(self) + 1))}
        if self.first_due is not None:
            columns["due_date"] = [add_months(self.first_due, i) for i in range(len(self))]
        raw = {
            "payment": self.payment_fen,
            "principal": self.principal_fen,
            "interest": self.interest_fen,
            "balance": self.balance_fen,
        }
        if _render.check_in_fen(in_fen):
            columns.update({f"{name}_fen": list(values) for name, values in raw.items()})
            return columns, ()
        columns.update({name: [amount_from_fen(v) for v in values] for name, values in raw.items()})
        return columns, tuple(raw)

    def to_pandas(self, *, in_fen: bool = False) -> Any:
        """The rows as a ``pandas.DataFrame`` (``pip install 'hpf[pandas]'``): ``period``
        (int64), ``due_date`` (dates, only for a dated schedule), then ``payment``,
        ``principal``, ``interest``, ``balance`` as ``Decimal`` yuan (object columns) or,
        with ``in_fen=True``, ``payment_fen`` ... as int64 fen. No totals row."""
        columns, decimals = self._columns(in_fen)
        return _render.frame("pandas", columns, decimals=decimals)

    def to_polars(self, *, in_fen: bool = False) -> Any:
        """The rows as a ``polars.DataFrame`` (``pip install 'hpf[polars]'``): the columns of
        :meth:`to_pandas`, amounts as ``Decimal(scale=2)`` or, with ``in_fen=True``, Int64 fen."""
        columns, decimals = self._columns(in_fen)
        return _render.frame("polars", columns, decimals=decimals)


# --------------------------------------------------------------------------- validation


def check_months(value: object, field: str = "months", *, maximum: int = MAX_MONTHS) -> int:
    """A whole number of months in 1..``maximum``; bools, floats and strings are refused."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidTerm(field, f"must be a whole number of months, not {type(value).__name__}", value)
    months = int(value)
    if not 1 <= months <= maximum:
        raise InvalidTerm(field, f"must be between 1 and {maximum} months", value)
    return months


def check_schedule_dates(first_due: object, months: int, field: str = "first_due") -> date:
    """A date for the first of ``months`` monthly rows whose last row still falls on or
    before 9999-12-31 (``date.max``): refused up-front with ``InvalidDate`` naming ``field``
    rather than failing when a row's date is read (D-042)."""
    start = check_date(first_due, field)
    last = start.year * 12 + start.month - 1 + months - 1
    if last > date.max.year * 12 + date.max.month - 1:
        raise InvalidDate(
            field, f"the schedule of {months} months would run past {date.max.isoformat()}", first_due
        )
    return start


def check_method(value: object, field: str = "method") -> RepaymentMethod:
    """A :class:`RepaymentMethod`, or its value string (``"equal-principal"``)."""
    return choice(RepaymentMethod, value, field)


def check_principal(value: Amount, field: str = "principal") -> Decimal:
    """A loan principal: a fen-exact amount greater than zero."""
    amount = yuan(value, field)
    if amount <= 0:
        raise InvalidAmount(field, "must be greater than 0", value)
    return amount


# --------------------------------------------------------------------------- exact kernels


def rate_fraction(annual_rate: Decimal) -> tuple[int, int]:
    """The monthly rate as an exact fraction ``(num, den)`` = annual_rate / 12."""
    num, den = annual_rate.as_integer_ratio()
    return int(num), int(den) * 12


def annuity_fen(principal_fen: int, num: int, den: int, months: int) -> int:
    """The equal instalment in fen: the exact annuity rounded half up, once.

    With monthly rate r = num/den, the annuity P·r·(1+r)^n / ((1+r)^n − 1) is a rational
    number; it is computed exactly with integers, so there is no precision question.
    """
    if num == 0:
        return (2 * principal_fen + months) // (2 * months)
    growth: int = (den + num) ** months
    base: int = den**months
    numerator = principal_fen * num * growth
    denominator = den * (growth - base)
    return (2 * numerator + denominator) // (2 * denominator)


def ledger_kernel(
    principal_fen: int, num: int, den: int, months: int, amount_fen: int, *, equal_principal: bool
) -> tuple[list[int], list[int], list[int], list[int]]:
    """The four fen columns (payment, principal, interest, balance) of a ledger schedule.

    Each row's interest is the balance x num / den rounded half up (den = 12 x the rate's
    denominator is even, so ``+ den // 2`` then floor division is exact half-up). The
    principal part is ``amount_fen`` (equal principal) or ``amount_fen`` minus the
    interest (equal instalment), never more than is owed; the last row takes the rest.
    """
    half = den // 2
    pays: list[int] = []
    prins: list[int] = []
    ints: list[int] = []
    bals: list[int] = []
    add_pay, add_prin, add_int, add_bal = pays.append, prins.append, ints.append, bals.append
    balance = principal_fen
    for _ in range(months - 1):
        interest = (balance * num + half) // den
        part = amount_fen if equal_principal else amount_fen - interest
        if part > balance:  # noqa: PLR1730 - a comparison is much faster than min() here
            part = balance
        balance -= part
        add_pay(interest + part)
        add_prin(part)
        add_int(interest)
        add_bal(balance)
    interest = (balance * num + half) // den
    add_pay(interest + balance)
    add_prin(balance)
    add_int(interest)
    add_bal(0)
    return pays, prins, ints, bals


def equal_installment_rows(
    principal_fen: int, num: int, den: int, months: int, payment_fen: int
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Rows of an equal-instalment loan paying ``payment_fen`` a month."""
    return ledger_kernel(principal_fen, num, den, months, payment_fen, equal_principal=False)


def equal_principal_rows(
    principal_fen: int, num: int, den: int, months: int
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Rows of an equal-principal loan: principal / months rounded once, each month."""
    part = (2 * principal_fen + months) // (2 * months)
    return ledger_kernel(principal_fen, num, den, months, part, equal_principal=True)


def build_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    method: RepaymentMethod,
    first_due: date | None,
    columns: tuple[Sequence[int], Sequence[int], Sequence[int], Sequence[int]],
) -> Schedule:
    """Wrap already-computed fen columns in a :class:`Schedule`."""
    pays, prins, ints, bals = columns
    return Schedule(
        principal, annual_rate, months, method, first_due, tuple(pays), tuple(prins), tuple(ints), tuple(bals)
    )


def ledger_rows(
    principal_fen: int, annual_rate: Decimal, months: int, method: RepaymentMethod
) -> tuple[list[int], list[int], list[int], list[int]]:
    """The four fen columns of ``amortize`` for validated inputs."""
    num, den = rate_fraction(annual_rate)
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        return equal_installment_rows(
            principal_fen, num, den, months, annuity_fen(principal_fen, num, den, months)
        )
    return equal_principal_rows(principal_fen, num, den, months)


def amortize(
    principal: Amount,
    annual_rate: Rate,
    months: int,
    method: RepaymentMethod | str,
    *,
    first_due: date | None = None,
) -> Schedule:
    """The repayment schedule (还款计划) of a loan, in the ledger convention.

    ``months`` is 1..480; ``first_due`` (optional) dates the rows, each row one calendar
    month after the previous one counted from ``first_due`` and clamped to month end.

    >>> s = amortize(1000000, Decimal("0.031"), 360, RepaymentMethod.EQUAL_INSTALLMENT)
    >>> s.payment, s[0].interest, s[0].principal, s[0].balance
    (Decimal('4270.16'), Decimal('2583.33'), Decimal('1686.83'), Decimal('998313.17'))
    >>> s.total_principal
    Decimal('1000000.00')
    >>> e = amortize(150000, "0.045", 240, "equal-principal", first_due=date(2025, 1, 31))
    >>> e[0].payment, e[1].payment, e[1].due_date
    (Decimal('1187.50'), Decimal('1185.16'), datetime.date(2025, 2, 28))
    """
    amount = check_principal(principal)
    rate = check_rate(annual_rate)
    count = check_months(months)
    kind = check_method(method)
    if first_due is not None:
        check_schedule_dates(first_due, count)
    return build_schedule(amount, rate, count, kind, first_due, ledger_rows(fen(amount), rate, count, kind))
