"""The rate rows (利率表的行): national HPF loan rates, the LPR and the PBOC lending benchmark.

Data only. Every row names its source keys (resolved in ``docs/rates.md``, section
Sources) and a reliability grade (A primary text ... D derived, "B/D" when the first-home
figures rest on B and the second-home floors are derived). Rates are percent per year,
exactly as published; second-home floors are written out, never computed here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs


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
    grade: str


@attrs.frozen
class BenchmarkRow:
    """The PBOC commercial lending benchmark (贷款基准利率) by term band, percent per year.

    Before 2014-11-22 the PBOC published five bands: up to 6 months, 6 months to 1 year,
    1-3 years, 3-5 years, over 5 years. From 2014-11-22 it merged them into three (up to 1
    year, 1-5 years, over 5 years); those rows repeat the merged rate in each old band
    (``six_months == one_year``, ``one_to_three == three_to_five``).
    """

    effective: date
    six_months: Decimal
    one_year: Decimal
    one_to_three: Decimal
    three_to_five: Decimal
    over_five: Decimal
    source: str
    grade: str


BANDS_MERGED_FROM = date(2014, 11, 22)
"""From this day the benchmark has three term bands instead of five (期限档次简并)."""

LPR_PRICING_FROM = date(2019, 10, 8)
"""New commercial mortgages are priced on the LPR from this day (PBOC announcement of
2019-08-25); before it, on the benchmark, although the LPR was published from 2019-08-20."""


def _d(text: str) -> Decimal:
    return Decimal(text)


def _hpf(
    day: str, short: str, long: str, second: tuple[str, str] | None, source: str, grade: str, note: str = ""
) -> HpfRateRow:
    second_short, second_long = (None, None) if second is None else (_d(second[0]), _d(second[1]))
    return HpfRateRow(
        date.fromisoformat(day), _d(short), _d(long), second_short, second_long, source, grade, note
    )


# docs/rates.md lists each row with its source. Second-home columns are national floors: from
# the 2010 four-ministry rule (S82) 1.1 x the first-home rate of the same band; from 2024 they
# move by the same points as first home (S12).
HPF_RATE_TABLE: tuple[HpfRateRow, ...] = (
    _hpf("2006-05-08", "4.14", "4.59", None, "S18", "B"),
    _hpf("2007-03-18", "4.32", "4.77", None, "S61", "B"),
    _hpf("2007-05-19", "4.41", "4.86", None, "S62", "A"),
    _hpf("2007-07-21", "4.50", "4.95", None, "S63", "B"),
    _hpf("2007-08-22", "4.59", "5.04", None, "S64", "A"),
    _hpf(
        "2007-09-15",
        "4.77",
        "5.22",
        None,
        "S65,S66",
        "C/D",
        "date of the PBOC change (S83); S66 calls 4.77 / 5.22 current and keeps them on 2007-12-21",
    ),
    _hpf("2008-09-16", "4.59", "5.13", None, "S67", "A/B"),
    _hpf("2008-10-09", "4.32", "4.86", None, "S68", "A"),
    _hpf(
        "2008-10-27",
        "4.05",
        "4.59",
        None,
        "S69",
        "B/C",
        "set on 2008-10-31 with effect from 2008-10-27 (retroactive); PBOC 2008-10-30 left HPF loans alone",
    ),
    _hpf("2008-11-27", "3.51", "4.05", None, "S70,S71", "B/C"),
    _hpf("2008-12-23", "3.33", "3.87", None, "S19,S71", "A/B"),
    _hpf("2010-10-20", "3.50", "4.05", None, "S72", "A"),
    _hpf(
        "2010-11-03",
        "3.50",
        "4.05",
        ("3.85", "4.455"),
        "S72,S82,S17",
        "D",
        "second-home floor from the 2010 rule, dated the day it was announced (S17 names no other)",
    ),
    _hpf("2010-12-26", "3.75", "4.30", ("4.125", "4.73"), "S73,S82", "A/D"),
    _hpf("2011-02-09", "4.00", "4.50", ("4.40", "4.95"), "S74,S82", "A/D"),
    _hpf("2011-04-06", "4.20", "4.70", ("4.62", "5.17"), "S75,S82", "A/D"),
    _hpf("2011-07-07", "4.45", "4.90", ("4.895", "5.39"), "S76,S82", "B/D"),
    _hpf("2012-06-08", "4.20", "4.70", ("4.62", "5.17"), "S77,S82", "A/D"),
    _hpf("2012-07-06", "4.00", "4.50", ("4.40", "4.95"), "S78,S82", "C/D"),
    _hpf("2014-11-22", "3.75", "4.25", ("4.125", "4.675"), "S79,S8,S82", "B/D"),
    _hpf("2015-03-01", "3.50", "4.00", ("3.85", "4.40"), "S80,S8,S82", "B/D"),
    _hpf("2015-05-11", "3.25", "3.75", ("3.575", "4.125"), "S8,S82", "B/D"),
    _hpf("2015-06-28", "3.00", "3.50", ("3.30", "3.85"), "S7,S82", "B/D"),
    _hpf(
        "2015-08-26",
        "2.75",
        "3.25",
        ("3.025", "3.575"),
        "S81,S9,S11,S17",
        "B/C",
        "a centre notice quotes the PBOC cut of that day (S81); second home = 1.1 x first (2010 rule)",
    ),
    _hpf("2022-10-01", "2.60", "3.10", ("3.025", "3.575"), "S11", "B"),
    _hpf("2024-05-18", "2.35", "2.85", ("2.775", "3.325"), "S12,S13", "B"),
    _hpf("2025-05-08", "2.10", "2.60", ("2.525", "3.075"), "S14,S15", "B"),
)

HPF_RATE_GAPS: tuple[tuple[date, date, str], ...] = ()
"""Date spans (inclusive) where the table is known to be incomplete: lookups refuse them.
None is left since issue #18 sourced the 2007-2012 changes."""

# Each row is a change; the rate holds until the next row.
LPR_TABLE: tuple[LprRow, ...] = tuple(
    LprRow(date.fromisoformat(day), _d(one), _d(five), "S20", "B")
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


def _bench(day: str, rates: str, source: str, grade: str) -> BenchmarkRow:
    six, one, three, five, over = (_d(part) for part in rates.split())
    return BenchmarkRow(date.fromisoformat(day), six, one, three, five, over, source, grade)


# Bands: <= 6 months, 6 months-1 year, 1-3 years, 3-5 years, > 5 years (merged from 2014-11-22).
BENCHMARK_TABLE: tuple[BenchmarkRow, ...] = (
    _bench("2006-04-28", "5.40 5.85 6.03 6.12 6.39", "S83", "C"),
    _bench("2006-08-19", "5.58 6.12 6.30 6.48 6.84", "S83", "C"),
    _bench("2007-03-18", "5.67 6.39 6.57 6.75 7.11", "S83", "C"),
    _bench("2007-05-19", "5.85 6.57 6.75 6.93 7.20", "S83", "C"),
    _bench("2007-07-21", "6.03 6.84 7.02 7.20 7.38", "S83", "C"),
    _bench("2007-08-22", "6.21 7.02 7.20 7.38 7.56", "S83", "C"),
    _bench("2007-09-15", "6.48 7.29 7.47 7.65 7.83", "S83", "C"),
    _bench("2007-12-21", "6.57 7.47 7.56 7.74 7.83", "S83", "C"),
    _bench("2008-09-16", "6.21 7.20 7.29 7.56 7.74", "S83,S68", "B/C"),
    _bench("2008-10-09", "6.12 6.93 7.02 7.29 7.47", "S83,S68", "B/C"),
    _bench("2008-10-30", "6.03 6.66 6.75 7.02 7.20", "S83", "C"),
    _bench("2008-11-27", "5.04 5.58 5.67 5.94 6.12", "S83", "C"),
    _bench("2008-12-23", "4.86 5.31 5.40 5.76 5.94", "S83", "C"),
    _bench("2010-10-20", "5.10 5.56 5.60 5.96 6.14", "S83", "C"),
    _bench("2010-12-26", "5.35 5.81 5.85 6.22 6.40", "S83", "C"),
    _bench("2011-02-09", "5.60 6.06 6.10 6.45 6.60", "S83", "C"),
    _bench("2011-04-06", "5.85 6.31 6.40 6.65 6.80", "S83", "C"),
    _bench("2011-07-07", "6.10 6.56 6.65 6.90 7.05", "S83", "C"),
    _bench("2012-06-08", "5.85 6.31 6.40 6.65 6.80", "S83", "C"),
    _bench("2012-07-06", "5.60 6.00 6.15 6.40 6.55", "S83", "C"),
    _bench("2014-11-22", "5.60 5.60 6.00 6.00 6.15", "S83", "C"),
    _bench("2015-03-01", "5.35 5.35 5.75 5.75 5.90", "S83", "C"),
    _bench("2015-05-11", "5.10 5.10 5.50 5.50 5.65", "S83", "C"),
    _bench("2015-06-28", "4.85 4.85 5.25 5.25 5.40", "S83", "C"),
    _bench("2015-08-26", "4.60 4.60 5.00 5.00 5.15", "S84,S83", "B/C"),
    _bench("2015-10-24", "4.35 4.35 4.75 4.75 4.90", "S3,S45", "A"),
)
