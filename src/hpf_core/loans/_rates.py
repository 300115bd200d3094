"""Rate tables (利率表): the national HPF loan rates, the LPR and the pre-LPR benchmark.

Every row carries its source key (resolved in ``docs/rates.md`` and docs/domain.md §12) and a
reliability grade (A primary text ... D derived). Rates are percent figures here and
fractions once returned. A rate holds from its row's date until the next row, so a date
after the last row gets the last row (the sources were searched to 2026: see
``LPR_VERIFIED_THROUGH``); a date before the first row, or in a known gap, raises
``NoRateKnown`` rather than returning a guess.

>>> hpf_loan_rate(date(2025, 6, 1), 360)
Decimal('0.026')
>>> hpf_loan_rate(date(2025, 6, 1), 60, home=HomeOrder.SECOND)
Decimal('0.02525')
>>> commercial_rate(date(2026, 6, 1), 360)
Decimal('0.035')
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from hpf_core._choice import choice
from hpf_core.dates import add_months, check_date
from hpf_core.errors import InputTypeError, NoRateKnown
from hpf_core.loans._amortize import check_months
from hpf_core.money import check_rate

_HUNDRED = Decimal(100)
SHORT_TERM_MONTHS = 60
"""The bracket boundary: terms of up to 60 months (五年以下含五年) take the short rate."""


class HomeOrder(enum.Enum):
    """First or second home (首套 / 二套), which selects the rate column."""

    FIRST = "first"
    SECOND = "second"


@attrs.frozen
class HpfRateRow:
    """One row of the HPF loan rate table (个人住房公积金贷款利率), percent per year."""

    effective: date
    first_short: Decimal
    first_long: Decimal
    second_short: Decimal | None
    second_long: Decimal | None
    source: str
    grade: str
    note: str = ""


@attrs.frozen
class LprRow:
    """One published Loan Prime Rate (贷款市场报价利率), percent per year."""

    effective: date
    one_year: Decimal
    five_year: Decimal
    source: str


@attrs.frozen
class BenchmarkRow:
    """The PBOC commercial lending benchmark before the LPR reform (贷款基准利率)."""

    effective: date
    one_year: Decimal
    one_to_five: Decimal
    over_five: Decimal
    source: str


def _d(text: str) -> Decimal:
    return Decimal(text)


# docs/domain.md §6.4. Second-home columns are national floors ("not lower than"); before
# 2015-08-26 no second-home figure is sourced, so none is given.
HPF_RATE_TABLE: tuple[HpfRateRow, ...] = (
    HpfRateRow(date(2006, 5, 8), _d("4.14"), _d("4.59"), None, None, "S18", "B"),
    HpfRateRow(date(2008, 11, 27), _d("3.51"), _d("4.05"), None, None, "S19", "C"),
    HpfRateRow(date(2008, 12, 23), _d("3.33"), _d("3.87"), None, None, "S19", "C"),
    HpfRateRow(date(2014, 11, 22), _d("3.75"), _d("4.25"), None, None, "S8", "D", "Jinan chain"),
    HpfRateRow(date(2015, 3, 1), _d("3.50"), _d("4.00"), None, None, "S8", "B/C"),
    HpfRateRow(date(2015, 5, 11), _d("3.25"), _d("3.75"), None, None, "S8", "B/C"),
    HpfRateRow(date(2015, 6, 28), _d("3.00"), _d("3.50"), None, None, "S7", "B"),
    HpfRateRow(
        date(2015, 8, 26),
        _d("2.75"),
        _d("3.25"),
        _d("3.025"),
        _d("3.575"),
        "S9,S11,S17",
        "D",
        "date of the PBOC general cut; second home = 1.1 x first (2010 rule)",
    ),
    HpfRateRow(date(2022, 10, 1), _d("2.60"), _d("3.10"), _d("3.025"), _d("3.575"), "S11", "B"),
    HpfRateRow(date(2024, 5, 18), _d("2.35"), _d("2.85"), _d("2.775"), _d("3.325"), "S12,S13", "B"),
    HpfRateRow(date(2025, 5, 8), _d("2.10"), _d("2.60"), _d("2.525"), _d("3.075"), "S14,S15", "B"),
)

HPF_RATE_GAPS: tuple[tuple[date, date, str], ...] = (
    (
        date(2010, 10, 20),
        date(2014, 11, 21),
        "HPF rates changed several times in 2010-2012 but no sourced row is in the table",
    ),
)
"""Date spans (inclusive) where the table is known to be incomplete: lookups refuse them."""

# docs/domain.md §6.9, source S20. Each row is a change; the rate holds until the next row.
LPR_TABLE: tuple[LprRow, ...] = tuple(
    LprRow(date.fromisoformat(day), _d(one), _d(five), "S20")
    for day, one, five in (
        ("2019-08-20", "4.25", "4.85"),
        ("2019-09-20", "4.20", "4.85"),
        ("2019-11-20", "4.15", "4.80"),
        ("2020-02-20", "4.05", "4.75"),
        ("2020-04-20", "3.85", "4.65"),
        ("2021-12-20", "3.80", "4.65"),
        ("2022-01-20", "3.70", "4.60"),
        ("2022-05-20", "3.70", "4.45"),
        ("2022-08-22", "3.65", "4.30"),
        ("2023-06-20", "3.55", "4.20"),
        ("2023-08-21", "3.45", "4.20"),
        ("2024-02-20", "3.45", "3.95"),
        ("2024-07-22", "3.35", "3.85"),
        ("2024-10-21", "3.10", "3.60"),
        ("2025-05-20", "3.00", "3.50"),
    )
)
LPR_VERIFIED_THROUGH = date(2026, 5, 20)
"""The latest LPR publication seen in the sources (unchanged at 3.00 / 3.50)."""

BENCHMARK_TABLE: tuple[BenchmarkRow, ...] = (
    BenchmarkRow(date(2015, 10, 24), _d("4.35"), _d("4.75"), _d("4.90"), "S3,S45"),
)


@attrs.frozen
class RateInForce:
    """A rate with where it comes from, as shown beside a calculation."""

    rate: Decimal
    effective: date
    source: str
    table: str
    column: str


def _row_on(rows: Sequence[HpfRateRow | LprRow | BenchmarkRow], on: date, table: str) -> int:
    index = -1
    for i, row in enumerate(rows):
        if row.effective <= on:
            index = i
    if index < 0:
        raise NoRateKnown(
            "on", f"the {table} table starts on {rows[0].effective.isoformat()}", on.isoformat()
        )
    return index


def _check_home(home: object) -> HomeOrder:
    return choice(HomeOrder, home, "home")


def hpf_rate_in_force(on: date, term_months: int, *, home: HomeOrder | str = HomeOrder.FIRST) -> RateInForce:
    """The national HPF loan rate fixed on ``on`` for a term and home order, with its row."""
    check_date(on, "on")
    months = check_months(term_months, "term_months")
    order = _check_home(home)
    for start, end, why in HPF_RATE_GAPS:
        if start <= on <= end:
            raise NoRateKnown("on", f"{why} ({start.isoformat()} to {end.isoformat()})", on.isoformat())
    row = HPF_RATE_TABLE[_row_on(HPF_RATE_TABLE, on, "HPF rate")]
    short = months <= SHORT_TERM_MONTHS
    if order is HomeOrder.FIRST:
        value = row.first_short if short else row.first_long
    else:
        second = row.second_short if short else row.second_long
        if second is None:
            raise NoRateKnown(
                "home", f"no sourced second-home HPF rate is in force on {on.isoformat()}", order.value
            )
        value = second
    column = f"{order.value} home, {'<= 5' if short else '> 5'} years"
    return RateInForce(value / _HUNDRED, row.effective, row.source, "HPF loan rate", column)


def hpf_loan_rate(on: date, term_months: int, *, home: HomeOrder | str = HomeOrder.FIRST) -> Decimal:
    """The national HPF loan rate (公积金贷款利率) as a fraction, fixed on ``on``.

    Terms up to 60 months take the short column (五年以下含五年), longer terms the long one.
    Second-home figures are the national floors; a centre may charge more.
    """
    return hpf_rate_in_force(on, term_months, home=home).rate


def commercial_rate(on: date, term_months: int, *, spread_bp: int = 0) -> Decimal:
    """A commercial mortgage rate (商业贷款利率) as a fraction: before 2019-08-20 the PBOC
    benchmark (terms up to 12 months, up to 60, longer); from then the LPR (1-year LPR for
    terms up to 60 months, 5-year LPR beyond) plus ``spread_bp`` basis points."""
    return commercial_rate_in_force(on, term_months, spread_bp=spread_bp).rate


def commercial_rate_in_force(on: date, term_months: int, *, spread_bp: int = 0) -> RateInForce:
    """:func:`commercial_rate` with the row it comes from."""
    check_date(on, "on")
    months = check_months(term_months, "term_months")
    if isinstance(spread_bp, bool) or not isinstance(spread_bp, int):
        raise InputTypeError(
            "spread_bp", f"must be a whole number of basis points, not {type(spread_bp).__name__}"
        )
    spread = Decimal(spread_bp) / 100
    if on >= LPR_TABLE[0].effective:
        lpr = LPR_TABLE[_row_on(LPR_TABLE, on, "LPR")]
        short = months <= SHORT_TERM_MONTHS
        value = (lpr.one_year if short else lpr.five_year) + spread
        column = ("1-year LPR" if short else "5-year LPR") + (f" {spread_bp:+d} bp" if spread_bp else "")
        return RateInForce(
            check_rate(value / _HUNDRED, "spread_bp"), lpr.effective, lpr.source, "LPR", column
        )
    bench = BENCHMARK_TABLE[_row_on(BENCHMARK_TABLE, on, "benchmark rate")]
    if months <= 12:
        value, column = bench.one_year, "benchmark <= 1 year"
    elif months <= SHORT_TERM_MONTHS:
        value, column = bench.one_to_five, "benchmark 1-5 years"
    else:
        value, column = bench.over_five, "benchmark > 5 years"
    rate = check_rate((value + spread) / _HUNDRED, "spread_bp")
    return RateInForce(rate, bench.effective, bench.source, "benchmark", column)


@attrs.frozen
class RepricingOverride:
    """A centre's own date for one rate change (Shenzhen 2025: the 2025-05-08 cut reached
    existing loans on 2025-07-01, [S15])."""

    change: date
    """The effective date of the rate change this override concerns."""
    reprice_on: date
    """When existing loans take the new rate."""
    source: str


@attrs.frozen
class RepricingRule:
    """When a rate change reaches loans already disbursed (存量贷款利率调整规则).

    The national rule: loans with a term over ``short_loan_months`` (12) take the new rate
    on 1 January of the year after the change; shorter loans keep their contract rate. A
    centre may set its own date for a particular change with an override. ``source``
    says where the rule comes from.
    """

    overrides: tuple[RepricingOverride, ...] = ()
    short_loan_months: int = 12
    source: str = "S14 (PBOC 2025), S7"


def repricing_date(
    change_effective: date, disbursed_on: date, term_months: int, *, rule: RepricingRule | None = None
) -> date | None:
    """The date a rate change reaches an existing loan, or ``None`` if it never does: the
    loan was disbursed on or after the change (it already has the new rate), its term is
    a year or less, or it matures before that date.

    >>> repricing_date(date(2025, 5, 8), date(2023, 3, 1), 360)
    datetime.date(2026, 1, 1)
    >>> repricing_date(date(2025, 5, 8), date(2025, 1, 1), 12) is None
    True
    >>> shenzhen = RepricingRule((RepricingOverride(date(2025, 5, 8), date(2025, 7, 1), "S15"),))
    >>> repricing_date(date(2025, 5, 8), date(2023, 3, 1), 360, rule=shenzhen)
    datetime.date(2025, 7, 1)
    >>> repricing_date(date(2024, 5, 18), date(2023, 3, 1), 360, rule=shenzhen)  # no override for 2024
    datetime.date(2025, 1, 1)
    """
    check_date(change_effective, "change_effective")
    check_date(disbursed_on, "disbursed_on")
    months = check_months(term_months, "term_months")
    active = rule or RepricingRule()
    if disbursed_on >= change_effective or months <= active.short_loan_months:
        return None
    day = next(
        (o.reprice_on for o in active.overrides if o.change == change_effective),
        date(change_effective.year + 1, 1, 1),
    )
    return None if day >= add_months(disbursed_on, months) else day
