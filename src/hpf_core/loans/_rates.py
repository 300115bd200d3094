"""Rate tables (利率表): the national HPF loan rates, the LPR and the pre-LPR benchmark.

The rows live in ``_rate_tables`` (each with its source key, resolved in ``docs/rates.md``,
and a reliability grade). Rates are percent figures there and fractions once returned. A
rate holds from its row's date until the next row, so a date after the last row gets the
last row (the sources were searched to 2026: see ``LPR_VERIFIED_THROUGH``); a date before
the first row, or in a declared gap, raises ``NoRateKnown`` rather than returning a guess.
:func:`hpf_row_in_force` and :func:`commercial_row_in_force` are the one answer to "which
row was in force" that the lookups and ``hpf rates`` share.

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
from hpf_core.loans._rate_tables import (
    BANDS_MERGED_FROM,
    BENCHMARK_TABLE,
    HPF_RATE_GAPS,
    HPF_RATE_TABLE,
    LPR_PRICING_FROM,
    LPR_TABLE,
    BenchmarkRow,
    HpfRateRow,
    LprRow,
)
from hpf_core.money import check_rate

_HUNDRED = Decimal(100)
SHORT_TERM_MONTHS = 60
"""The bracket boundary: terms of up to 60 months (五年以下含五年) take the short rate."""


class HomeOrder(enum.Enum):
    """First or second home (首套 / 二套), which selects the rate column."""

    FIRST = "first"
    SECOND = "second"


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


def hpf_row_in_force(on: date) -> HpfRateRow:
    """The row of ``HPF_RATE_TABLE`` in force on ``on``: the one answer :func:`hpf_rate_in_force`
    and ``hpf rates`` share. ``NoRateKnown`` before the first row or inside ``HPF_RATE_GAPS``.

    >>> hpf_row_in_force(date(2012, 7, 6)).effective
    datetime.date(2012, 7, 6)
    >>> hpf_row_in_force(date(2008, 11, 1)).first_long  # the retroactive 2008-10-27 row
    Decimal('4.59')
    """
    check_date(on, "on")
    for start, end, why in HPF_RATE_GAPS:
        if start <= on <= end:
            raise NoRateKnown("on", f"{why} ({start.isoformat()} to {end.isoformat()})", on.isoformat())
    return HPF_RATE_TABLE[_row_on(HPF_RATE_TABLE, on, "HPF rate")]


def hpf_rate_in_force(on: date, term_months: int, *, home: HomeOrder | str = HomeOrder.FIRST) -> RateInForce:
    """The national HPF loan rate fixed on ``on`` for a term and home order, with its row."""
    check_date(on, "on")
    months = check_months(term_months, "term_months")
    order = _check_home(home)
    row = hpf_row_in_force(on)
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


def commercial_row_in_force(on: date) -> LprRow | BenchmarkRow:
    """The row new commercial mortgages are priced from on ``on``: the LPR last published
    (from ``LPR_PRICING_FROM``, 2019-10-08), the PBOC benchmark before. The one answer
    :func:`commercial_rate_in_force` and ``hpf rates`` share.

    >>> commercial_row_in_force(date(2019, 10, 7)).effective  # LPR published, not yet used
    datetime.date(2015, 10, 24)
    >>> commercial_row_in_force(date(2019, 10, 8)).effective
    datetime.date(2019, 9, 20)
    """
    check_date(on, "on")
    if on >= LPR_PRICING_FROM:
        return LPR_TABLE[_row_on(LPR_TABLE, on, "LPR")]
    return BENCHMARK_TABLE[_row_on(BENCHMARK_TABLE, on, "benchmark rate")]


def _benchmark_band(row: BenchmarkRow, months: int) -> tuple[Decimal, str]:
    if row.effective >= BANDS_MERGED_FROM:
        if months <= 12:
            return row.one_year, "benchmark <= 1 year"
        if months <= SHORT_TERM_MONTHS:
            return row.three_to_five, "benchmark 1-5 years"
        return row.over_five, "benchmark > 5 years"
    bands = (
        (6, row.six_months, "<= 6 months"),
        (12, row.one_year, "6 months-1 year"),
        (36, row.one_to_three, "1-3 years"),
        (SHORT_TERM_MONTHS, row.three_to_five, "3-5 years"),
    )
    for limit, value, label in bands:
        if months <= limit:
            return value, f"benchmark {label}"
    return row.over_five, "benchmark > 5 years"


def commercial_rate(on: date, term_months: int, *, spread_bp: int = 0) -> Decimal:
    """A commercial mortgage rate (商业贷款利率) as a fraction: before 2019-10-08 the PBOC
    benchmark for the term's band (five bands before 2014-11-22, three from then); from
    then the LPR last published (1-year LPR for terms up to 60 months, 5-year LPR beyond),
    plus ``spread_bp`` basis points either way."""
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
    row = commercial_row_in_force(on)
    if isinstance(row, LprRow):
        short = months <= SHORT_TERM_MONTHS
        value = (row.one_year if short else row.five_year) + spread
        column = ("1-year LPR" if short else "5-year LPR") + (f" {spread_bp:+d} bp" if spread_bp else "")
        return RateInForce(
            check_rate(value / _HUNDRED, "spread_bp"), row.effective, row.source, "LPR", column
        )
    band, column = _benchmark_band(row, months)
    rate = check_rate((band + spread) / _HUNDRED, "spread_bp")
    return RateInForce(rate, row.effective, row.source, "benchmark", column)


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
