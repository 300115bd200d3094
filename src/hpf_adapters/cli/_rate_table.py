"""``hpf rates``: the rate tables (利率表) with the rows in force on a day marked."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from hpf_adapters.cli import _render
from hpf_core.loans import BENCHMARK_TABLE, HPF_RATE_GAPS, HPF_RATE_TABLE, LPR_TABLE, LPR_VERIFIED_THROUGH


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else str(value)


def _in_gap(on: date) -> tuple[date, date, str] | None:
    """The declared gap of the HPF table holding ``on`` (where the calculator refuses)."""
    return next(((a, b, why) for a, b, why in HPF_RATE_GAPS if a <= on <= b), None)


def render(on: date, fmt: str) -> str:
    """The rate tables with the rows in force on ``on`` marked, as ``fmt`` (table, csv, json)."""
    hpf_rows = [row for row in HPF_RATE_TABLE if row.effective <= on]
    gap = _in_gap(on)
    # in a declared gap no sourced row is known to be in force: mark none, as the
    # calculator refuses that date
    in_force = hpf_rows[-1] if hpf_rows and gap is None else None
    lpr_rows = [row for row in LPR_TABLE if row.effective <= on]
    lpr = lpr_rows[-1] if lpr_rows else None
    if fmt == "json":
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
                    "in_force": r is in_force,
                }
                for r in HPF_RATE_TABLE
            ],
            "hpf_in_force": None if in_force is None else in_force.effective.isoformat(),
            "hpf_gaps": [
                {"from": a.isoformat(), "to": b.isoformat(), "why": why} for a, b, why in HPF_RATE_GAPS
            ],
            "lpr": [
                {
                    "effective": r.effective.isoformat(),
                    "one_year": _pct(r.one_year),
                    "five_year": _pct(r.five_year),
                    "source": r.source,
                    "in_force": r is lpr,
                }
                for r in LPR_TABLE
            ],
            "lpr_verified_through": LPR_VERIFIED_THROUGH.isoformat(),
            "benchmark": [
                {
                    "effective": r.effective.isoformat(),
                    "one_year": _pct(r.one_year),
                    "one_to_five_years": _pct(r.one_to_five),
                    "over_five_years": _pct(r.over_five),
                    "source": r.source,
                }
                for r in BENCHMARK_TABLE
            ],
        }
        return json.dumps(payload, ensure_ascii=False, indent=2)
    hpf_table = [
        [
            ("▶ " if r is in_force else "") + r.effective.isoformat(),
            _pct(r.first_short),
            _pct(r.first_long),
            _pct(r.second_short),
            _pct(r.second_long),
            r.source,
            r.grade,
        ]
        for r in HPF_RATE_TABLE
    ]
    lpr_table = [
        [("▶ " if r is lpr else "") + r.effective.isoformat(), _pct(r.one_year), _pct(r.five_year), r.source]
        for r in LPR_TABLE
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["table", "effective", "col1", "col2", "col3", "col4", "source"])
        for r in HPF_RATE_TABLE:
            writer.writerow(
                [
                    "hpf",
                    r.effective.isoformat(),
                    _pct(r.first_short),
                    _pct(r.first_long),
                    "" if r.second_short is None else _pct(r.second_short),
                    "" if r.second_long is None else _pct(r.second_long),
                    r.source,
                ]
            )
        for lr in LPR_TABLE:
            writer.writerow(
                ["lpr", lr.effective.isoformat(), _pct(lr.one_year), _pct(lr.five_year), "", "", lr.source]
            )
        return out.getvalue().rstrip("\n")
    gap_note = (
        []
        if gap is None
        else [f"No HPF row is marked: {on.isoformat()} lies in a gap of the table ({gap[0]} to {gap[1]})."]
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
        *gap_note,
        "",
        "贷款市场报价利率 LPR (commercial loans; 1-year for terms ≤ 5 years, 5-year beyond)",
        _render.table(
            [["生效日期", "1年期", "5年期以上", "来源"], ["Effective", "1Y", "5Y+", "Source"]],
            lpr_table,
            numeric=[False, True, True, False],
        ),
        f"LPR verified through {LPR_VERIFIED_THROUGH.isoformat()}.",
        "",
        "商业贷款基准利率 Commercial benchmark before the LPR (from 2015-10-24): "
        + ", ".join(
            f"≤1y {_pct(b.one_year)}, 1-5y {_pct(b.one_to_five)}, >5y {_pct(b.over_five)} ({b.source})"
            for b in BENCHMARK_TABLE
        ),
        "Sources: docs/rates.md.",
    ]
    return "\n".join(parts)
