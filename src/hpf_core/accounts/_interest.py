"""Deposit interest (存款利息, 结息) by the accumulated-balance method (积数计息法).

The balance product (积数) of a period is the sum of the account's end-of-day balances
(日终余额) over every day of the period, both ends included; a posting counts from its
value date (起息日), so it is already in the end-of-day balance of that date. Interest is
the product x annual rate / D, rounded half up (四舍五入) to the fen once, where D is the
divisor of the :class:`DayBasis` (360 or 365; docs/domain.md §4.2 — a centre's choice, never a
hidden constant).

The arithmetic is exact: balances are integer fen, the product is integer fen x days,
the rate is an exact fraction, and the only rounding is the final one per segment.

The derived example D2 (docs/domain.md §11): 10,000 held a whole interest year at 1.5%.

>>> year = interest_year(date(2025, 10, 1))
>>> year
(datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
>>> accrue_interest(10000, [], *year, "0.015", basis=DayBasis.ACTUAL_365)  # 3,650,000 x 1.5% / 365
Decimal('150.00')
>>> accrue_interest(10000, [], *year, "0.015", basis=DayBasis.THIRTY_360)  # 3,600,000 x 1.5% / 360
Decimal('150.00')
>>> accrue_interest(10000, [], *year, "0.015", basis=DayBasis.ACTUAL_360)  # 3,650,000 x 1.5% / 360
Decimal('152.08')

The mixed-basis pitfall (docs/domain.md §4.2): the same actual-day product 3,831,000 divided
by 365 or by 360 gives two different amounts.

>>> deposit = [(date(2025, 1, 1), "1000")]
>>> accrue_interest(10000, deposit, date(2024, 7, 1), date(2025, 6, 30), "0.015", basis="actual/365")
Decimal('157.44')
>>> accrue_interest(10000, deposit, date(2024, 7, 1), date(2025, 6, 30), "0.015", basis="actual/360")
Decimal('159.63')
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

import attrs

from hpf_core._choice import choice
from hpf_core.dates import check_date
from hpf_core.errors import (
    AmountOverflow,
    InputTypeError,
    InvalidAmount,
    InvalidDate,
    InvalidRate,
    NoRateKnown,
)
from hpf_core.money import MAX_AMOUNT, Amount, Rate, amount_from_fen, check_rate, fen, yuan

_HUNDRED = Decimal(100)
_ONE_DAY = timedelta(days=1)
_MAX_FEN = fen(MAX_AMOUNT)
_FIRST_YEAR = 1
_LAST_YEAR = 9998  # interest year 9998 ends on 9999-06-30; 9999 would end in year 10000


class DayBasis(enum.Enum):
    """How days are counted and what the product is divided by (计息基础).

    * ``ACTUAL_360`` — actual calendar days, divisor 360: the PBOC convention, daily rate
      = annual rate / 360 (人民银行日利率 = 年利率 ÷ 360). A whole 365-day interest year
      pays 365/360 of the annual rate.
    * ``ACTUAL_365`` — actual calendar days, divisor 365 (实际天数 ÷ 365), as the HAFMIS
      centre system does. A 366-day interest year (one holding 29 February) pays 366/365.
    * ``THIRTY_360`` — 30/360 (每月30天、每年360天): every whole month counts 30 days and a
      whole interest year 360; divisor 360. See :func:`interest_days` for the exact rule.

    docs/domain.md §11 D2 — "10,000 held a whole interest year at 1.5% gives 150.00, actual days /
    365, or 30/360 days / 360" — holds for ``ACTUAL_365`` (in a 365-day year) and for
    ``THIRTY_360`` (every year); ``ACTUAL_360`` gives 152.08 for a 365-day year
    (10,000 x 365 x 0.015 / 360 = 152.083...).

    >>> DayBasis("30/360").divisor
    360
    >>> DayBasis.ACTUAL_365.chinese
    '实际天数/365'
    """

    ACTUAL_360 = "actual/360"
    ACTUAL_365 = "actual/365"
    THIRTY_360 = "30/360"

    @property
    def divisor(self) -> int:
        """D, the number of days the annual rate is spread over."""
        return 365 if self is DayBasis.ACTUAL_365 else 360

    @property
    def chinese(self) -> str:
        """The Chinese name of the convention."""
        return _BASIS_CHINESE[self]


_BASIS_CHINESE = {
    DayBasis.ACTUAL_360: "实际天数/360",
    DayBasis.ACTUAL_365: "实际天数/365",
    DayBasis.THIRTY_360: "30/360",
}


@attrs.frozen
class InterestSegment:
    """One stretch of a period at one rate (分段积数).

    ``days`` is the day count of ``start``..``end`` (both included) on the basis used;
    ``product_fen_days`` the balance product (积数) in fen x days; ``interest`` that
    product x ``annual_rate`` / D, rounded half up to the fen on its own.
    """

    start: date
    end: date
    annual_rate: Decimal
    days: int
    product_fen_days: int
    interest: Decimal

    @property
    def product(self) -> Decimal:
        """The balance product (积数) in yuan x days: ``product_fen_days`` / 100."""
        return amount_from_fen(self.product_fen_days)


@attrs.frozen
class InterestBreakdown:
    """The interest of a period, segment by segment (利息明细).

    ``total`` is the sum of the segments' separately rounded interest (HAFMIS rounds each
    component, docs/domain.md §4.2); ``closing_balance`` is the end-of-day balance on ``end``,
    before this interest is added to it.
    """

    start: date
    end: date
    basis: DayBasis
    segments: tuple[InterestSegment, ...]
    total: Decimal
    closing_balance: Decimal

    @property
    def product_fen_days(self) -> int:
        """The whole period's balance product (积数) in fen x days."""
        return sum(segment.product_fen_days for segment in self.segments)

    @property
    def product(self) -> Decimal:
        """The whole period's balance product (积数) in yuan x days."""
        return amount_from_fen(self.product_fen_days)


# --------------------------------------------------------------------------- day counts


def _end_of_february(day: date) -> bool:
    return day.month == 2 and (day + _ONE_DAY).month == 3


def _weight(day: date, basis: DayBasis) -> int:
    """How many days ``day`` itself counts on the basis (1 on the actual bases)."""
    if basis is not DayBasis.THIRTY_360 or day.day < 28:
        return 1
    if day.day == 31:
        return 0
    if _end_of_february(day):  # counts as the 30th: 3 days on the 28th, 2 on the 29th
        return 31 - day.day
    return 1


def _position(day: date, basis: DayBasis) -> int:
    """The day's place on the basis's count line: days(a, b) = position(b) - before(a)."""
    if basis is not DayBasis.THIRTY_360:
        return day.toordinal()
    day30 = 30 if day.day == 31 or _end_of_february(day) else day.day
    return 360 * day.year + 30 * (day.month - 1) + day30


def _before(day: date, basis: DayBasis) -> int:
    """The position just before ``day`` (the previous day's position, without date arithmetic)."""
    return _position(day, basis) - _weight(day, basis)


def check_basis(value: object, field: str = "basis") -> DayBasis:
    """A :class:`DayBasis`, or its value string (``"actual/365"``)."""
    return choice(DayBasis, value, field)


def _check_period(start: object, end: object) -> tuple[date, date]:
    first = check_date(start, "start")
    last = check_date(end, "end")
    if last < first:
        raise InvalidDate("end", f"is before start {first.isoformat()}", last.isoformat())
    return first, last


def interest_days(start: date, end: date, *, basis: DayBasis | str) -> int:
    """The days (计息天数) a balance held from ``start`` to ``end``, both included, counts.

    On the actual bases: calendar days. On ``THIRTY_360`` (the 30E/360 ISDA rule, its
    end-of-February adjustment applied to every date, the last one included): a date is
    placed at 360 x year + 30 x (month - 1) + d, where d is the day of the month except
    that the 31st and the last day of February count as the 30th; the count is the place
    of ``end`` minus the place of the day before ``start``. So every whole calendar month
    counts 30 days and 1 July - 30 June counts 360; the 31st counts nothing of its own and
    the last day of February counts 3 (2 in a leap year). The count adds up exactly when a
    period is split in two.

    >>> interest_days(date(2023, 7, 1), date(2024, 6, 30), basis=DayBasis.ACTUAL_365)
    366
    >>> interest_days(date(2023, 7, 1), date(2024, 6, 30), basis=DayBasis.THIRTY_360)
    360
    >>> interest_days(date(2026, 2, 1), date(2026, 2, 28), basis="30/360")
    30
    >>> interest_days(date(2026, 1, 31), date(2026, 1, 31), basis="30/360")
    0
    """
    first, last = _check_period(start, end)
    kind = check_basis(basis)
    return _position(last, kind) - _before(first, kind)


# --------------------------------------------------------------------------- validation


def _pair(entry: object, field: str, shape: str) -> tuple[object, object]:
    if isinstance(entry, (tuple, list)) and len(entry) == 2:
        return entry[0], entry[1]
    raise InputTypeError(field, f"must be a {shape} pair, not {type(entry).__name__}", entry)


def _entries(values: object, field: str) -> list[object]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InputTypeError(field, f"must be a sequence of pairs, not {type(values).__name__}", values)
    return list(values)


def _check_opening(value: Amount) -> int:
    amount = yuan(value, "opening_balance")
    if amount < 0:
        raise InvalidAmount("opening_balance", "must not be negative", value)
    return fen(amount)


def _check_postings(postings: object, first: date, last: date, outside: str) -> list[tuple[date, int, int]]:
    """Validated postings as (value_date, fen, index), in value-date order (stable)."""
    checked: list[tuple[date, int, int]] = []
    for i, entry in enumerate(_entries(postings, "postings")):
        raw_date, raw_amount = _pair(entry, f"postings[{i}]", "(value_date, amount)")
        value_date = check_date(raw_date, f"postings[{i}].value_date")
        cents = fen(yuan(cast(Amount, raw_amount), f"postings[{i}].amount"))
        if not first <= value_date <= last:
            raise InvalidDate(f"postings[{i}].value_date", outside, value_date.isoformat())
        checked.append((value_date, cents, i))
    checked.sort(key=lambda posting: posting[0])
    return checked


def _steps(opening_fen: int, postings: list[tuple[date, int, int]], start: date) -> list[tuple[date, int]]:
    """The end-of-day balance as steps (from_date, balance_fen), from ``start`` on.

    Postings apply in value-date order (same-day postings in the order given); the running
    balance must never go below zero nor above the ledger maximum.
    """
    steps = [(start, opening_fen)]
    balance = opening_fen
    for value_date, cents, index in postings:
        balance += cents
        field = f"postings[{index}].amount"
        if balance < 0:
            below = amount_from_fen(balance)
            raise InvalidAmount(field, f"takes the balance below zero ({below} on {value_date.isoformat()})")
        if balance > _MAX_FEN:
            raise AmountOverflow(field, f"takes the balance above the ledger maximum {MAX_AMOUNT:,}")
        if steps[-1][0] == value_date:
            steps[-1] = (value_date, balance)
        else:
            steps.append((value_date, balance))
    return steps


def _check_rates(rates: object, start: date, end: date) -> list[tuple[date, Decimal]]:
    """The rate in force on ``start`` and each change in (start, end], as (from_date, rate).

    Rows must be in strictly increasing effective order and the first one must be in force
    on ``start``; a row that repeats the rate in force is not a change and does not split.
    """
    rows: list[tuple[date, Decimal]] = []
    for i, entry in enumerate(_entries(rates, "rates")):
        raw_date, raw_rate = _pair(entry, f"rates[{i}]", "(effective_date, annual_rate)")
        effective = check_date(raw_date, f"rates[{i}].effective")
        rate = check_rate(cast(Rate, raw_rate), f"rates[{i}].annual_rate")
        if rows and effective <= rows[-1][0]:
            previous = rows[-1][0].isoformat()
            reason = f"must be after the previous row's effective date {previous}"
            raise InvalidDate(f"rates[{i}].effective", reason, effective.isoformat())
        rows.append((effective, rate))
    if not rows:
        raise InvalidRate("rates", "must hold at least one (effective_date, annual_rate) row", [])
    if rows[0][0] > start:
        reason = f"is after start {start.isoformat()}: no rate is given for the first days"
        raise InvalidDate("rates[0].effective", reason, rows[0][0].isoformat())
    plan: list[tuple[date, Decimal]] = []
    for effective, rate in rows:
        if effective <= start:
            plan = [(start, rate)]
        elif effective <= end and rate != plan[-1][1]:
            plan.append((effective, rate))
    return plan


# --------------------------------------------------------------------------- the kernel


def _product(steps: list[tuple[date, int]], first: date, last: date, basis: DayBasis) -> int:
    """Σ end-of-day balance x day weight over ``first``..``last``, in fen x days."""
    total = 0
    end_position = _position(last, basis)
    for i, (since, balance) in enumerate(steps):
        if since > last:
            break
        following = steps[i + 1][0] if i + 1 < len(steps) else None
        if following is not None and following <= first:
            continue
        upper = _before(following, basis) if following is not None and following <= last else end_position
        total += balance * (upper - _before(max(since, first), basis))
    return total


def _interest_fen(product_fen_days: int, rate: Decimal, divisor: int) -> int:
    """round_half_up(product x rate / divisor) in fen, exactly (everything is non-negative)."""
    num, den = rate.as_integer_ratio()
    denominator = den * divisor
    return (2 * product_fen_days * num + denominator) // (2 * denominator)


def _breakdown(
    opening_fen: int,
    postings: list[tuple[date, int, int]],
    start: date,
    end: date,
    plan: list[tuple[date, Decimal]],
    basis: DayBasis,
) -> InterestBreakdown:
    steps = _steps(opening_fen, postings, start)
    segments: list[InterestSegment] = []
    for k, (first, rate) in enumerate(plan):
        last = plan[k + 1][0] - _ONE_DAY if k + 1 < len(plan) else end
        product = _product(steps, first, last, basis)
        days = _position(last, basis) - _before(first, basis)
        interest = amount_from_fen(_interest_fen(product, rate, basis.divisor))
        segments.append(InterestSegment(first, last, rate, days, product, interest))
    total = amount_from_fen(sum(fen(segment.interest) for segment in segments))
    return InterestBreakdown(start, end, basis, tuple(segments), total, amount_from_fen(steps[-1][1]))


def _outside(start: date, end: date) -> str:
    return f"is outside the interest period {start.isoformat()} to {end.isoformat()}"


# --------------------------------------------------------------------------- public functions


def accrue_interest(
    opening_balance: Amount,
    postings: Iterable[tuple[date, Amount]],
    start: date,
    end: date,
    annual_rate: Rate,
    *,
    basis: DayBasis | str = DayBasis.ACTUAL_360,
) -> Decimal:
    """Deposit interest (存款利息) on a balance over ``start``..``end`` at one rate (积数计息).

    ``opening_balance`` is the end-of-day balance before ``start`` (not negative);
    ``postings`` are ``(value_date, signed_amount)`` pairs (deposits positive, withdrawals
    negative), value dates within ``start``..``end``, in any order (same-day postings apply
    in the order given, and the balance may never go below zero). The product (积数) is
    the sum of the end-of-day balances of every day from ``start`` to ``end`` inclusive
    (each day weighted by :func:`interest_days` on ``THIRTY_360``); the interest is
    round_half_up(product x ``annual_rate`` / D) with D the basis's divisor.

    10,000 from 1 July 2025, 2,000 more from 1 January 2026, to 30 June 2026 at 1.5%:
    10,000 x 365 + 2,000 x 181 = 4,012,000 yuan-days; x 0.015 / 360 = 167.1666... .

    >>> accrue_interest(10000, [(date(2026, 1, 1), 2000)], date(2025, 7, 1), date(2026, 6, 30), "0.015")
    Decimal('167.17')
    """
    opening_fen = _check_opening(opening_balance)
    first, last = _check_period(start, end)
    rate = check_rate(annual_rate)
    kind = check_basis(basis)
    checked = _check_postings(postings, first, last, _outside(first, last))
    return _breakdown(opening_fen, checked, first, last, [(first, rate)], kind).total


def accrue_interest_segments(
    opening_balance: Amount,
    postings: Iterable[tuple[date, Amount]],
    start: date,
    end: date,
    rates: Iterable[tuple[date, Rate]],
    *,
    basis: DayBasis | str,
) -> InterestBreakdown:
    """Interest with a rate change inside the period (分段积数计息), segment by segment.

    ``rates`` are ``(effective_date, annual_rate)`` rows in increasing date order; the first
    must be in force on ``start`` (rows before it are superseded, rows after ``end`` are
    ignored). The period is split the day a different rate takes effect; each segment's
    interest is rounded half up on its own and the total is their sum (docs/domain.md §4.2).
    With one rate it is exactly :func:`accrue_interest`. ``basis`` has no default: it is
    the centre's choice (ARCHITECTURE.md: never a hidden constant).

    A hypothetical cut from 1.5% to 1.2% on 1 January 2026, 10,000 all year, actual/365:
    184 days x 10,000 x 0.015 / 365 = 75.616... -> 75.62, then 181 days x 10,000 x 0.012
    / 365 = 59.506... -> 59.51; total 135.13 (rounding the sum once would give 135.12).

    >>> cut = [(date(2016, 2, 21), "0.015"), (date(2026, 1, 1), "0.012")]
    >>> b = accrue_interest_segments(10000, [], date(2025, 7, 1), date(2026, 6, 30), cut, basis="actual/365")
    >>> for s in b.segments:
    ...     print(s.start, s.end, s.days, s.product, s.annual_rate, s.interest)
    2025-07-01 2025-12-31 184 1840000.00 0.015 75.62
    2026-01-01 2026-06-30 181 1810000.00 0.012 59.51
    >>> b.total
    Decimal('135.13')
    """
    opening_fen = _check_opening(opening_balance)
    first, last = _check_period(start, end)
    plan = _check_rates(rates, first, last)
    kind = check_basis(basis)
    checked = _check_postings(postings, first, last, _outside(first, last))
    return _breakdown(opening_fen, checked, first, last, plan, kind)


# --------------------------------------------------------------------------- the interest year


def _check_year(value: object, field: str = "year") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError(field, f"must be a whole year, not {type(value).__name__}", value)
    if not _FIRST_YEAR <= value <= _LAST_YEAR:
        raise InvalidDate(field, f"must be between {_FIRST_YEAR} and {_LAST_YEAR}", value)
    return value


def interest_year(on: date) -> tuple[date, date]:
    """The interest year (结息年度) holding ``on``: 1 July to the next 30 June, inclusive.

    hpf names an interest year by the calendar year it starts in: "interest year 2025" is
    2025-07-01..2026-06-30, settled on 2026-06-30 (年终结息) — the way centres name the
    contribution year that starts each 1 July (Shanghai's "2025 年度" runs from 1 July 2025).

    >>> interest_year(date(2026, 6, 30))
    (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
    >>> interest_year(date(2026, 7, 1))
    (datetime.date(2026, 7, 1), datetime.date(2027, 6, 30))
    """
    return _year_holding(on, "on")


def _year_holding(on: object, field: str) -> tuple[date, date]:
    day = check_date(on, field)
    year = day.year if day.month >= 7 else day.year - 1
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        reason = "has no whole interest year within 0001-07-01 to 9999-06-30"
        raise InvalidDate(field, reason, day.isoformat())
    return date(year, 7, 1), date(year + 1, 6, 30)


def settlement_date(year: int) -> date:
    """The annual settlement day (年终结息日) that ends interest year ``year``: 30 June of ``year`` + 1.

    >>> settlement_date(2025)
    datetime.date(2026, 6, 30)
    """
    return date(_check_year(year) + 1, 6, 30)


def closing_interest(
    opening_balance: Amount,
    postings: Iterable[tuple[date, Amount]],
    closing_date: date,
    annual_rate: Rate,
    *,
    basis: DayBasis | str,
) -> Decimal:
    """Closing interest (销户利息): from 1 July of the interest year holding ``closing_date``
    to the day before closing (docs/domain.md §4.2), on the same 积数 rule.

    ``opening_balance`` is the balance on 1 July (last year's settlement included); the
    postings must be dated from 1 July to the day before closing. Closing on 1 July itself
    accrues nothing (0.00).

    30,000 from 1 July 2025, closed 15 March 2026: 1 July..14 March = 257 days;
    30,000 x 257 x 0.015 / 360 = 321.25.

    >>> closing_interest(30000, [], date(2026, 3, 15), "0.015", basis=DayBasis.ACTUAL_360)
    Decimal('321.25')
    """
    opening_fen = _check_opening(opening_balance)
    first, _ = _year_holding(closing_date, "closing_date")
    closing = closing_date
    rate = check_rate(annual_rate)
    kind = check_basis(basis)
    outside = (
        f"must be from the interest-year start {first.isoformat()} "
        f"to the day before closing on {closing.isoformat()}"
    )
    if closing == first:
        _check_postings(postings, closing, closing - _ONE_DAY, outside)  # no date fits: refuse any
        return amount_from_fen(0)
    last = closing - _ONE_DAY
    checked = _check_postings(postings, first, last, outside)
    return _breakdown(opening_fen, checked, first, last, [(first, rate)], kind).total


def annual_interest(
    opening_balance: Amount,
    postings: Iterable[tuple[date, Amount]],
    year: int,
    rates: Iterable[tuple[date, Rate]],
    *,
    basis: DayBasis | str,
) -> InterestBreakdown:
    """The annual settlement (年终结息) of interest year ``year``: 1 July ``year`` to 30 June
    ``year`` + 1, split at each rate change as :func:`accrue_interest_segments` does.

    ``opening_balance`` is the balance on 1 July, last year's interest included (结转本金);
    the settled ``total`` is credited on 30 June and ``closing_balance + total`` is next
    year's opening balance. ``rates`` can come from :func:`deposit_rate_changes`.

    >>> year = 2025
    >>> rates = deposit_rate_changes(date(year, 7, 1), settlement_date(year))
    >>> r = annual_interest(10000, [(date(2025, 9, 1), "-4000")], year, rates, basis="30/360")
    >>> r.product, r.total, r.closing_balance  # 10,000 x 60 + 6,000 x 300 days (30/360)
    (Decimal('2400000.00'), Decimal('100.00'), Decimal('6000.00'))
    """
    opening_fen = _check_opening(opening_balance)
    first = date(_check_year(year), 7, 1)
    last = settlement_date(year)
    plan = _check_rates(rates, first, last)
    kind = check_basis(basis)
    checked = _check_postings(postings, first, last, _outside(first, last))
    return _breakdown(opening_fen, checked, first, last, plan, kind)


# --------------------------------------------------------------------------- deposit rates


@attrs.frozen
class DepositRateRow:
    """One row of the HPF deposit rate table (个人住房公积金存款利率), percent per year.

    ``current_year`` applies to deposits made in the current interest year (当年归集),
    ``carried_forward`` to the balance carried from earlier years (上年结转); since
    2016-02-21 both are the same unified rate.
    """

    effective: date
    current_year: Decimal
    carried_forward: Decimal
    source: str
    grade: str
    note: str = ""


# docs/rates.md lists each row with its source (S61-S81 are the ministry's and centres'
# notices of 2007-2015). The table starts with the first change sourced with both rates.
DEPOSIT_RATE_TABLE: tuple[DepositRateRow, ...] = (
    DepositRateRow(date(2007, 3, 18), Decimal("0.72"), Decimal("1.98"), "S61,S62", "B"),
    DepositRateRow(date(2007, 5, 19), Decimal("0.72"), Decimal("2.07"), "S62", "A"),
    DepositRateRow(date(2007, 7, 21), Decimal("0.81"), Decimal("2.34"), "S63", "B"),
    DepositRateRow(date(2007, 8, 22), Decimal("0.81"), Decimal("2.61"), "S64", "A"),
    DepositRateRow(
        date(2007, 9, 15),
        Decimal("0.81"),
        Decimal("2.88"),
        "S66",
        "D",
        "date of the PBOC change (S83); S66 calls 0.81 / 2.88 current in December 2007",
    ),
    DepositRateRow(date(2007, 12, 21), Decimal("0.72"), Decimal("3.33"), "S66", "A"),
    DepositRateRow(date(2008, 10, 9), Decimal("0.72"), Decimal("3.15"), "S68", "A"),
    DepositRateRow(date(2008, 10, 30), Decimal("0.72"), Decimal("2.88"), "S69", "B/C"),
    DepositRateRow(date(2008, 11, 27), Decimal("0.36"), Decimal("1.98"), "S70,S71", "B/C"),
    DepositRateRow(date(2008, 12, 23), Decimal("0.36"), Decimal("1.71"), "S71", "A/B"),
    DepositRateRow(date(2010, 10, 20), Decimal("0.36"), Decimal("1.91"), "S72", "A"),
    DepositRateRow(date(2010, 12, 26), Decimal("0.36"), Decimal("2.25"), "S73", "A"),
    DepositRateRow(date(2011, 2, 9), Decimal("0.40"), Decimal("2.60"), "S74", "A"),
    DepositRateRow(date(2011, 4, 6), Decimal("0.50"), Decimal("2.85"), "S75", "A"),
    DepositRateRow(date(2011, 7, 7), Decimal("0.50"), Decimal("3.10"), "S76", "B"),
    DepositRateRow(date(2012, 6, 8), Decimal("0.40"), Decimal("2.85"), "S77", "A"),
    DepositRateRow(date(2012, 7, 6), Decimal("0.35"), Decimal("2.60"), "S78,S79", "C"),
    DepositRateRow(date(2014, 11, 22), Decimal("0.35"), Decimal("2.35"), "S79", "B/C"),
    DepositRateRow(date(2015, 3, 1), Decimal("0.35"), Decimal("2.10"), "S80", "B/C"),
    DepositRateRow(date(2015, 5, 11), Decimal("0.35"), Decimal("1.85"), "S8,S80", "B/C"),
    DepositRateRow(date(2015, 6, 28), Decimal("0.35"), Decimal("1.60"), "S7", "B"),
    DepositRateRow(
        date(2015, 8, 26),
        Decimal("0.35"),
        Decimal("1.35"),
        "S81,S3,S9",
        "B/C",
        "a centre notice gives the date and the cut 1.60 to 1.35 (S81); Yinfa 325 calls 1.35% current",
    ),
    DepositRateRow(date(2015, 10, 24), Decimal("0.35"), Decimal("1.10"), "S3", "A"),
    DepositRateRow(
        date(2016, 2, 21),
        Decimal("1.50"),
        Decimal("1.50"),
        "S4,S6",
        "A/B",
        "unified at the 1-year time-deposit benchmark; unchanged in the material up to 2026 (S27)",
    ),
)

UNIFIED_DEPOSIT_RATE_FROM = date(2016, 2, 21)
"""From this date one deposit rate applies to all balances (统一按一年期定期存款基准利率)."""


def _deposit_row(on: date) -> DepositRateRow:
    found = [row for row in DEPOSIT_RATE_TABLE if row.effective <= on]
    if not found:
        first = DEPOSIT_RATE_TABLE[0].effective.isoformat()
        raise NoRateKnown("on", f"the HPF deposit rate table starts on {first}", on.isoformat())
    return found[-1]


def deposit_rates(on: date) -> tuple[Decimal, Decimal]:
    """The HPF deposit rates (公积金存款利率) in force on ``on``, as fractions:
    (current-year 当年归集, carried-forward 上年结转).

    >>> deposit_rates(date(2015, 12, 1))
    (Decimal('0.0035'), Decimal('0.011'))
    >>> deposit_rates(date(2016, 2, 21))
    (Decimal('0.015'), Decimal('0.015'))
    """
    row = _deposit_row(check_date(on, "on"))
    return row.current_year / _HUNDRED, row.carried_forward / _HUNDRED


def deposit_rate(on: date) -> Decimal:
    """The unified HPF deposit rate (公积金存款利率) in force on ``on``, as a fraction.

    Before 2016-02-21 two rates applied (see :func:`deposit_rates`), so there is no single
    rate to give: ``NoRateKnown``.

    >>> deposit_rate(date(2025, 7, 1))
    Decimal('0.015')
    """
    day = check_date(on, "on")
    if day < UNIFIED_DEPOSIT_RATE_FROM:
        since = UNIFIED_DEPOSIT_RATE_FROM.isoformat()
        reason = f"two deposit rates applied before {since}: use deposit_rates"
        raise NoRateKnown("on", reason, day.isoformat())
    return _deposit_row(day).current_year / _HUNDRED


def deposit_rate_changes(start: date, end: date) -> tuple[tuple[date, Decimal], ...]:
    """The unified deposit rate rows covering ``start``..``end``, as the ``rates`` argument of
    :func:`accrue_interest_segments` and :func:`annual_interest` take them: the row in force
    on ``start``, then every row that takes effect up to ``end``.

    >>> deposit_rate_changes(date(2025, 7, 1), date(2026, 6, 30))
    ((datetime.date(2016, 2, 21), Decimal('0.015')),)
    """
    first, last = _check_period(start, end)
    if first < UNIFIED_DEPOSIT_RATE_FROM:
        reason = (
            f"is before {UNIFIED_DEPOSIT_RATE_FROM.isoformat()}, when current-year and carried-forward "
            "balances earned two rates: pass the rates yourself"
        )
        raise NoRateKnown("start", reason, first.isoformat())
    in_force = _deposit_row(first)
    rows = [row for row in DEPOSIT_RATE_TABLE if first < row.effective <= last]
    return tuple((row.effective, row.current_year / _HUNDRED) for row in (in_force, *rows))
