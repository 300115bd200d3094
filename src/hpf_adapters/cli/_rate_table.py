"""``hpf rates``: the rate tables (利率表) with the rows in force on a day marked.

What is "in force" is decided by ``hpf_row_in_force`` and ``commercial_row_in_force``, the
functions the calculator's lookups use, so the marker and ``hpf calc`` always agree.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from hpf_adapters.cli import _render
from hpf_core.errors import NoRateKnown
from hpf_core.loans import (
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


def _pct(value: Decimal | None) -> str:
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


def _json(on: date, hpf: HpfRateRow | None, commercial: LprRow | BenchmarkRow | None) -> str:
    payload = {
        "on": on.isoformat(),
        "hpf": [
            {
                "effective": r.effective.isoformat(),
                "first_home_up_to_5y": _pct(r.first_short),
                "first_home_over_5y": _pct(r.first_long),
                "second_home_up_to_5y": None if r.second_short is None else _pct(r.second_short),
                "second_home_over_5y": None if r.second_long is None else _pct(r.second_long),
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
                "one_year": _pct(r.one_year),
                "five_year": _pct(r.five_year),
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
                "up_to_6_months": _pct(r.six_months),
                "six_months_to_1_year": _pct(r.one_year),
                "one_to_three_years": _pct(r.one_to_three),
                "three_to_five_years": _pct(r.three_to_five),
                "over_five_years": _pct(r.over_five),
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
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "effective", "col1", "col2", "col3", "col4", "col5", "source", "grade"])
    for r in HPF_RATE_TABLE:
        second = ["" if v is None else _pct(v) for v in (r.second_short, r.second_long)]
        writer.writerow(
            [
                "hpf",
                r.effective.isoformat(),
                _pct(r.first_short),
                _pct(r.first_long),
                *second,
                "",
                r.source,
                r.grade,
            ]
        )
    for lr in LPR_TABLE:
        writer.writerow(
            [
                "lpr",
                lr.effective.isoformat(),
                _pct(lr.one_year),
                _pct(lr.five_year),
                "",
                "",
                "",
                lr.source,
                lr.grade,
            ]
        )
    for b in BENCHMARK_TABLE:
        bands = [_pct(v) for v in (b.six_months, b.one_year, b.one_to_three, b.three_to_five, b.over_five)]
        writer.writerow(["benchmark", b.effective.isoformat(), *bands, b.source, b.grade])
    return out.getvalue().rstrip("\n")


def render(on: date, fmt: str) -> str:
    """The rate tables with the rows in force on ``on`` marked, as ``fmt`` (table, csv, json)."""
    hpf, refused = _hpf_in_force(on)
    commercial = _commercial_in_force(on)
    if fmt == "json":
        return _json(on, hpf, commercial)
    if fmt == "csv":
        return _csv()

    def mark(row: object, effective: date) -> str:
        return ("▶ " if row is commercial or row is hpf else "") + effective.isoformat()

    hpf_table = [
        [
            mark(r, r.effective),
            _pct(r.first_short),
            _pct(r.first_long),
            _pct(r.second_short),
            _pct(r.second_long),
            r.source,
            r.grade,
        ]
        for r in HPF_RATE_TABLE
    ]
    lpr_table = [[mark(r, r.effective), _pct(r.one_year), _pct(r.five_year), r.source] for r in LPR_TABLE]
    bench_table = [
        [
            mark(b, b.effective),
            *(_pct(v) for v in (b.six_months, b.one_year, b.one_to_three, b.three_to_five, b.over_five)),
            b.source,
        ]
        for b in BENCHMARK_TABLE
    ]
    refusal = (
        []
        if hpf is not None
        else [f"No HPF row is marked: the calculator refuses {on.isoformat()} ({refused})."]
    )
    parts = [
        f"利率表 Rate table, in force on {on.isoformat()} (▶ marks the row in force; % per year)",
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
        f"商业贷款基准利率 Commercial benchmark (commercial loans before {LPR_PRICING_FROM.isoformat()}; "
        "bands merged on 2014-11-22)",
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
