"""``hpf rates``: the rate tables (利率表) with the rows in force on a day marked.

What is "in force" is decided by ``hpf_row_in_force`` and ``commercial_row_in_force``, the
functions the calculator's lookups use, so the marker and ``hpf calc`` always agree. Rates
print as ``2.60%`` in the table and the CSV (the core's format, D-060); JSON keeps the
percent figures as plain strings (``"2.60"``) for programs.

Stale rates (D-064): the tables know rates up to :data:`CHECKED_THROUGH`, the last day
their sources were checked. A date more than one month after it may have a rate hpf does
not know (the LPR is published every month); :func:`stale_note` says so, and ``hpf calc``
and ``hpf rates`` print it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal

from hpf_adapters.cli import _render
from hpf_core.dates import add_months
from hpf_core.errors import NoRateKnown
from hpf_core.loans import (
    BANDS_MERGED_FROM,
    BENCHMARK_TABLE,
    HPF_RATE_GAPS,
    HPF_RATE_TABLE,
    LPR_PRICING_FROM,
    LPR_TABLE,
    LPR_VERIFIED_THROUGH,
    BenchmarkRow,
    HpfRateRow,
    LprRow,
    commercial_row_in_force,
    hpf_row_in_force,
)

CHECKED_THROUGH = max(LPR_VERIFIED_THROUGH, HPF_RATE_TABLE[-1].effective, LPR_TABLE[-1].effective)
"""The last day the rate sources were checked: ``LPR_VERIFIED_THROUGH`` (the core's rate
module says the sources were searched to it), or a newer row if one is added first."""

NEWEST = {"HPF": HPF_RATE_TABLE[-1].effective, "LPR": LPR_TABLE[-1].effective}
"""The newest row of each table that can still be in force (the benchmark closed in 2019)."""

CSV_COLUMNS = ("table", "effective_from", "effective_to", "column", "rate", "source", "grade", "in_force")


def stale_note(on: date, tables: Sequence[str] = ("HPF", "LPR")) -> str | None:
    """What to tell a reader who asks for ``on`` when it is more than one month after
    :data:`CHECKED_THROUGH`; ``None`` otherwise (or when ``tables`` is empty: a given rate).

    >>> last_quiet = add_months(CHECKED_THROUGH, 1)  # 2026-05-20 -> 2026-06-20
    >>> stale_note(last_quiet) is None, stale_note(last_quiet + timedelta(days=1)) is None
    (True, False)
    >>> stale_note(last_quiet + timedelta(days=1), ()) is None  # a rate given with --rate
    True
    """
    if not tables or on <= add_months(CHECKED_THROUGH, 1):
        return None
    newest = ", ".join(f"{name} {NEWEST[name].isoformat()}" for name in tables)
    return (
        f"{on.isoformat()} is more than a month after {CHECKED_THROUGH.isoformat()}, the last day "
        f"hpf's rate sources were checked (newest rows: {newest}): a rate change since then "
        "would be missing. Check the rate in force and give it with --rate (docs/rates.md)."
    )


def note_lines(note: str | None) -> list[str]:
    """The note as lines of at most 100 columns, starting ``注意 Note:``."""
    return [] if note is None else _render.wrapped(f"注意 Note: {note}", indent="  ")


def _plain(value: Decimal | None) -> str:
    return "—" if value is None else str(value)


def _hpf_in_force(on: date) -> tuple[HpfRateRow | None, str]:
    """The HPF row the calculator uses on ``on``, or ``None`` with the reason it refuses."""
    try:
        return hpf_row_in_force(on), ""
    except NoRateKnown as exc:
        return None, str(exc)


def _commercial_in_force(on: date) -> LprRow | BenchmarkRow | None:
    try:
        return commercial_row_in_force(on)
    except NoRateKnown:
        return None


def _json(
    on: date, hpf: HpfRateRow | None, commercial: LprRow | BenchmarkRow | None, note: str | None
) -> str:
    payload = {
        "on": on.isoformat(),
        "hpf": [
            {
                "effective": r.effective.isoformat(),
                "first_home_up_to_5y": _plain(r.first_short),
                "first_home_over_5y": _plain(r.first_long),
                "second_home_up_to_5y": None if r.second_short is None else _plain(r.second_short),
                "second_home_over_5y": None if r.second_long is None else _plain(r.second_long),
                "source": r.source,
                "grade": r.grade,
                "in_force": r is hpf,
            }
            for r in HPF_RATE_TABLE
        ],
        "hpf_in_force": None if hpf is None else hpf.effective.isoformat(),
        "hpf_gaps": [{"from": a.isoformat(), "to": b.isoformat(), "why": why} for a, b, why in HPF_RATE_GAPS],
        "lpr": [
            {
                "effective": r.effective.isoformat(),
                "one_year": _plain(r.one_year),
                "five_year": _plain(r.five_year),
                "source": r.source,
                "grade": r.grade,
                "in_force": r is commercial,
            }
            for r in LPR_TABLE
        ],
        "lpr_verified_through": LPR_VERIFIED_THROUGH.isoformat(),
        "lpr_pricing_from": LPR_PRICING_FROM.isoformat(),
        "benchmark": [
            {
                "effective": r.effective.isoformat(),
                "up_to_6_months": _plain(r.six_months),
                "six_months_to_1_year": _plain(r.one_year),
                "one_to_three_years": _plain(r.one_to_three),
                "three_to_five_years": _plain(r.three_to_five),
                "over_five_years": _plain(r.over_five),
                "source": r.source,
                "grade": r.grade,
                "in_force": r is commercial,
            }
            for r in BENCHMARK_TABLE
        ],
        "commercial_in_force": None
        if commercial is None
        else {
            "table": "lpr" if isinstance(commercial, LprRow) else "benchmark",
            "effective": commercial.effective.isoformat(),
        },
        "checked_through": CHECKED_THROUGH.isoformat(),
        "warnings": [] if note is None else [note],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _until(rows: Sequence[HpfRateRow | LprRow | BenchmarkRow], index: int, closed: date | None) -> str:
    """The last day a row held: the day before the next row (or ``closed``), "" if still open."""
    if index + 1 < len(rows):
        return (rows[index + 1].effective - timedelta(days=1)).isoformat()
    return "" if closed is None else (closed - timedelta(days=1)).isoformat()


def _benchmark_bands(row: BenchmarkRow) -> Iterator[tuple[str, Decimal]]:
    """The bands as the PBOC published them that day (three after the 2014-11-22 merge)."""
    if row.effective >= BANDS_MERGED_FROM:
        yield "benchmark <= 1 year", row.one_year
        yield "benchmark 1-5 years", row.three_to_five
        yield "benchmark > 5 years", row.over_five
        return
    yield "benchmark <= 6 months", row.six_months
    yield "benchmark 6 months-1 year", row.one_year
    yield "benchmark 1-3 years", row.one_to_three
    yield "benchmark 3-5 years", row.three_to_five
    yield "benchmark > 5 years", row.over_five


def _csv_rows(hpf: HpfRateRow | None, commercial: LprRow | BenchmarkRow | None) -> Iterator[tuple[str, ...]]:
    """One line per (row, column): long form, so every table has the same columns."""
    for i, h in enumerate(HPF_RATE_TABLE):
        cells = (
            ("first home, <= 5 years", h.first_short),
            ("first home, > 5 years", h.first_long),
            ("second home, <= 5 years", h.second_short),
            ("second home, > 5 years", h.second_long),
        )
        for column, value in cells:
            if value is not None:  # no sourced second-home floor before 2010-11-03
                yield (
                    "hpf",
                    h.effective.isoformat(),
                    _until(HPF_RATE_TABLE, i, None),
                    column,
                    _render.percent_text(value),
                    h.source,
                    h.grade,
                    "true" if h is hpf else "false",
                )
    for i, lr in enumerate(LPR_TABLE):
        for column, value in (("1-year LPR", lr.one_year), ("5-year LPR", lr.five_year)):
            yield (
                "lpr",
                lr.effective.isoformat(),
                _until(LPR_TABLE, i, None),
                column,
                _render.percent_text(value),
                lr.source,
                lr.grade,
                "true" if lr is commercial else "false",
            )
    for i, b in enumerate(BENCHMARK_TABLE):
        for column, value in _benchmark_bands(b):
            yield (
                "benchmark",
                b.effective.isoformat(),
                _until(BENCHMARK_TABLE, i, LPR_PRICING_FROM),
                column,
                _render.percent_text(value),
                b.source,
                b.grade,
                "true" if b is commercial else "false",
            )


def _csv(on: date, hpf: HpfRateRow | None, commercial: LprRow | BenchmarkRow | None, note: str | None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    out.write(f"# 利率表 Rate table, in force on {on.isoformat()}\n")
    facts = [
        ("on", on.isoformat()),
        ("rates", "percent per year; in_force marks the row the calculator uses on that day"),
        ("sources", "source keys are resolved in docs/rates.md"),
        ("checked_through", CHECKED_THROUGH.isoformat()),
        ("lpr_pricing_from", LPR_PRICING_FROM.isoformat()),
        *(("hpf_gap", f"{a.isoformat()} to {b.isoformat()}: {why}") for a, b, why in HPF_RATE_GAPS),
        *([("warning", note)] if note is not None else []),
    ]
    for label, value in facts:
        out.write("# ")
        writer.writerow([label, value])
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_rows(hpf, commercial))
    return out.getvalue().rstrip("\n")


def render(on: date, fmt: str) -> str:
    """The rate tables with the rows in force on ``on`` marked, as ``fmt`` (table, csv, json)."""
    hpf, refused = _hpf_in_force(on)
    commercial = _commercial_in_force(on)
    note = stale_note(on)
    if fmt == "json":
        return _json(on, hpf, commercial, note)
    if fmt == "csv":
        return _csv(on, hpf, commercial, note)

    def mark(row: object, effective: date) -> str:
        return ("▶ " if row is commercial or row is hpf else "") + effective.isoformat()

    pct = _render.percent_text
    hpf_table = [
        [
            mark(r, r.effective),
            pct(r.first_short),
            pct(r.first_long),
            pct(r.second_short),
            pct(r.second_long),
            r.source,
            r.grade,
        ]
        for r in HPF_RATE_TABLE
    ]
    lpr_table = [[mark(r, r.effective), pct(r.one_year), pct(r.five_year), r.source] for r in LPR_TABLE]
    bench_table = [
        [
            mark(b, b.effective),
            *(pct(v) for v in (b.six_months, b.one_year, b.one_to_three, b.three_to_five, b.over_five)),
            b.source,
        ]
        for b in BENCHMARK_TABLE
    ]
    refusal = (
        []
        if hpf is not None
        else _render.wrapped(f"No HPF row is marked: the calculator refuses {on.isoformat()} ({refused}).")
    )
    parts = [
        f"利率表 Rate table, in force on {on.isoformat()} (▶ marks the row in force; rates per year)",
        *note_lines(note),
        "",
        "公积金贷款利率 HPF loan rates (second-home figures are national floors)",
        _render.table(
            [
                ["生效日期", "首套≤5年", "首套>5年", "二套≤5年", "二套>5年", "来源", "等级"],
                ["Effective", "1st ≤5y", "1st >5y", "2nd ≤5y", "2nd >5y", "Source", "Grade"],
            ],
            hpf_table,
            numeric=[False, True, True, True, True, False, False],
        ),
        *(f"No sourced rows from {a.isoformat()} to {b.isoformat()}: {why}." for a, b, why in HPF_RATE_GAPS),
        *refusal,
        "",
        f"贷款市场报价利率 LPR (commercial loans from {LPR_PRICING_FROM.isoformat()}; "
        "1-year for terms ≤ 5 years, 5-year beyond)",
        _render.table(
            [["生效日期", "1年期", "5年期以上", "来源"], ["Effective", "1Y", "5Y+", "Source"]],
            lpr_table,
            numeric=[False, True, True, False],
        ),
        f"LPR verified through {LPR_VERIFIED_THROUGH.isoformat()}.",
        "",
        f"商业贷款基准利率 Commercial benchmark (before {LPR_PRICING_FROM.isoformat()}; "
        f"bands merged on {BANDS_MERGED_FROM.isoformat()})",
        _render.table(
            [
                ["生效日期", "≤6个月", "6个月-1年", "1-3年", "3-5年", "5年以上", "来源"],
                ["Effective", "≤6m", "6m-1y", "1-3y", "3-5y", ">5y", "Source"],
            ],
            bench_table,
            numeric=[False, True, True, True, True, True, False],
        ),
        "Sources: docs/rates.md.",
    ]
    return "\n".join(parts)
