"""The ``hpf`` command line: ``hpf calc`` (房贷计算器) and ``hpf rates`` (利率表).

Bad input exits with status 2 and one line on stderr naming the flag; nothing is
printed on stdout then. This is an adapter: it may read the clock (``--on`` defaults
to today in Asia/Shanghai) and write to the terminal; the core it calls does neither.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from hpf_adapters.cli import _db, _render
from hpf_adapters.wiring import system_clock
from hpf_core.calculators import CombinedQuote, Quote, combined_quote, mortgage_quote
from hpf_core.dates import parse_date
from hpf_core.errors import HpfError, InvalidChoice, InvalidTerm
from hpf_core.loans import (
    BENCHMARK_TABLE,
    HPF_RATE_GAPS,
    HPF_RATE_TABLE,
    LPR_TABLE,
    LPR_VERIFIED_THROUGH,
    HomeOrder,
    RateInForce,
    RepaymentMethod,
    commercial_rate_in_force,
    hpf_rate_in_force,
)
from hpf_core.money import percent, yuan

__all__ = ["UsageError", "main", "run"]

_MAX_YEARS = 40


class UsageError(Exception):
    """A bad command line: ``flag`` is what to name in the one-line message."""

    def __init__(self, flag: str, reason: str) -> None:
        super().__init__(f"{flag}: {reason}")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog.removeprefix("hpf").strip() or "usage", message)


def _today() -> date:
    return system_clock().date()  # the clock the composition root gives (China's time zone)


def _years(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise InvalidTerm("--years", "must be a whole number of years", text)
    value = int(text)
    if not 1 <= value <= _MAX_YEARS:
        raise InvalidTerm("--years", f"must be between 1 and {_MAX_YEARS}", text)
    return value


def _money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def _grouped(value: Decimal) -> str:
    return f"{value:,.2f}"


def _percent_text(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}"


def _quote_json(quote: Quote | CombinedQuote) -> dict[str, Any]:
    return {
        "months": quote.months,
        "method": quote.method.value,
        "monthly_payment": _money_text(quote.monthly_payment),
        "monthly_decrease": _money_text(quote.monthly_decrease),
        "last_payment": _money_text(quote.last_payment),
        "total_interest": _money_text(quote.total_interest),
        "total_payment": _money_text(quote.total_payment),
        "rows": [
            {
                "period": row.period,
                "payment": _money_text(row.payment),
                "principal": _money_text(row.principal),
                "interest": _money_text(row.interest),
                "balance": _money_text(row.balance),
                "remaining_payable": _money_text(row.remaining_payable),
            }
            for row in quote.rows
        ],
    }


def _rate_json(rate: Decimal, basis: RateInForce | None) -> dict[str, Any]:
    out: dict[str, Any] = {"annual_rate": f"{rate.normalize():f}", "annual_rate_percent": _percent_text(rate)}
    if basis is not None:
        out["rate_basis"] = {
            "table": basis.table,
            "column": basis.column,
            "effective": basis.effective.isoformat(),
            "source": basis.source,
        }
    return out


def _basis_text(rate: Decimal, basis: RateInForce | None) -> str:
    if basis is None:
        return f"{_percent_text(rate)}% (given)"
    return (
        f"{_percent_text(rate)}% ({basis.table}, {basis.column}, in force since "
        f"{basis.effective.isoformat()}, source {basis.source}; see docs/rates.md)"
    )


_ROW_HEADERS = (
    ("期数", "月供", "本金", "利息", "剩余本金", "剩余应还"),
    ("Period", "Payment", "Principal", "Interest", "Balance", "Remaining"),
)


def _rows_table(quote: Quote | CombinedQuote) -> str:
    rows = [
        [
            str(r.period),
            _grouped(r.payment),
            _grouped(r.principal),
            _grouped(r.interest),
            _grouped(r.balance),
            _grouped(r.remaining_payable),
        ]
        for r in quote.rows
    ]
    return _render.table(_ROW_HEADERS, rows, numeric=[True] * 6)


def _summary_table(pairs: Sequence[tuple[str, str]]) -> str:
    return _render.table([["项目 Item", "数值 Value"]], [list(p) for p in pairs], numeric=[False, False])


def _calc(args: argparse.Namespace) -> str:
    amount = yuan(args.amount, "--amount")
    if amount <= 0:
        raise UsageError("--amount", f"must be greater than 0 (got {args.amount!r})")
    months = _years(args.years) * 12
    method = RepaymentMethod(args.method)
    on = parse_date(args.on, "--on") if args.on else _today()
    home = HomeOrder(args.home)

    def rate_for(flag: str, text: str | None, commercial: bool) -> tuple[Decimal, RateInForce | None]:
        if text is not None:
            return percent(text, flag), None
        basis = (
            commercial_rate_in_force(on, months) if commercial else hpf_rate_in_force(on, months, home=home)
        )
        return basis.rate, basis

    fmt = args.format
    if args.loan_type == "combined":
        if args.commercial_amount is None:
            raise UsageError("--commercial-amount", "is required with --loan-type combined")
        com_amount = yuan(args.commercial_amount, "--commercial-amount")
        if com_amount <= 0:
            raise UsageError(
                "--commercial-amount", f"must be greater than 0 (got {args.commercial_amount!r})"
            )
        h_rate, h_basis = rate_for("--rate", args.rate, False)
        c_rate, c_basis = rate_for("--commercial-rate", args.commercial_rate, True)
        combined = combined_quote(amount, h_rate, com_amount, c_rate, months, method)
        if fmt == "json":
            payload = {
                "loan_type": "combined",
                "amount": _money_text(amount + com_amount),
                "annual_rate": None,
                **_quote_json(combined),
                "hpf": {
                    "amount": _money_text(amount),
                    **_rate_json(h_rate, h_basis),
                    **_quote_json(combined.hpf),
                },
                "commercial": {
                    "amount": _money_text(com_amount),
                    **_rate_json(c_rate, c_basis),
                    **_quote_json(combined.commercial),
                },
            }
            return json.dumps(payload, ensure_ascii=False, indent=2)
        if fmt == "csv":
            return _csv(combined)
        summary = [
            ("贷款类型 Loan type", "组合贷款 combined"),
            ("公积金贷款 HPF part", f"{_grouped(amount)} @ {_basis_text(h_rate, h_basis)}"),
            ("商业贷款 Commercial part", f"{_grouped(com_amount)} @ {_basis_text(c_rate, c_basis)}"),
            *_summary_pairs(combined),
        ]
        return _summary_table(summary) + "\n\n" + _rows_table(combined)
    commercial = args.loan_type == "commercial"
    rate, basis = rate_for("--rate", args.rate, commercial)
    quote = mortgage_quote(amount, rate, months, method)
    if fmt == "json":
        payload = {
            "loan_type": args.loan_type,
            "amount": _money_text(amount),
            **_rate_json(rate, basis),
            **_quote_json(quote),
        }
        return json.dumps(payload, ensure_ascii=False, indent=2)
    if fmt == "csv":
        return _csv(quote)
    summary = [
        ("贷款类型 Loan type", "商业贷款 commercial" if commercial else "公积金贷款 HPF"),
        ("贷款金额 Amount", _grouped(amount)),
        ("利率 Rate", _basis_text(rate, basis)),
        *_summary_pairs(quote),
    ]
    return _summary_table(summary) + "\n\n" + _rows_table(quote)


def _summary_pairs(quote: Quote | CombinedQuote) -> list[tuple[str, str]]:
    pairs = [
        ("期限 Term", f"{quote.months} 期 months"),
        ("还款方式 Method", f"{quote.method.chinese} {quote.method.value}"),
        (
            "每月月供 Monthly payment"
            if quote.method is RepaymentMethod.EQUAL_INSTALLMENT
            else "首月月供 First payment",
            _grouped(quote.monthly_payment),
        ),
    ]
    if quote.method is RepaymentMethod.EQUAL_PRINCIPAL:
        pairs.append(("每月递减 Monthly decrease", _grouped(quote.monthly_decrease)))
        pairs.append(("末月月供 Last payment", _grouped(quote.last_payment)))
    pairs.append(("支付利息 Total interest", _grouped(quote.total_interest)))
    pairs.append(("还款总额 Total payment", _grouped(quote.total_payment)))
    return pairs


def _csv(quote: Quote | CombinedQuote) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["period", "payment", "principal", "interest", "balance", "remaining_payable"])
    for r in quote.rows:
        writer.writerow(
            [
                r.period,
                _money_text(r.payment),
                _money_text(r.principal),
                _money_text(r.interest),
                _money_text(r.balance),
                _money_text(r.remaining_payable),
            ]
        )
    return out.getvalue().rstrip("\n")


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else str(value)


def _rates(args: argparse.Namespace) -> str:
    on = parse_date(args.on, "--on") if args.on else _today()
    hpf_rows = [row for row in HPF_RATE_TABLE if row.effective <= on]
    in_force = hpf_rows[-1] if hpf_rows else None
    lpr_rows = [row for row in LPR_TABLE if row.effective <= on]
    lpr = lpr_rows[-1] if lpr_rows else None
    if args.format == "json":
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
    if args.format == "csv":
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


def _parser() -> _Parser:
    parser = _Parser(prog="hpf", description="Housing provident fund (住房公积金) tools.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    calc = sub.add_parser("calc", help="mortgage calculator (房贷计算器)")
    calc.add_argument("--amount", required=True, help="loan amount in yuan (the HPF part for combined)")
    calc.add_argument("--years", required=True, help="term in years, 1-40")
    calc.add_argument("--rate", help="annual rate in percent, e.g. 3.25 (default: the rate in force)")
    calc.add_argument("--method", default="equal-installment", help="equal-installment | equal-principal")
    calc.add_argument("--loan-type", default="hpf", help="hpf | commercial | combined")
    calc.add_argument("--commercial-amount", help="commercial part in yuan (combined loans)")
    calc.add_argument("--commercial-rate", help="commercial part's annual rate in percent (default: LPR)")
    calc.add_argument("--on", help="date the rate is fixed, YYYY-MM-DD (default: today)")
    calc.add_argument("--home", default="first", help="first | second (selects the HPF rate column)")
    calc.add_argument("--format", default="table", help="table | csv | json")
    rates = sub.add_parser("rates", help="the rate table (利率表)")
    rates.add_argument("--on", help="date to mark the rows in force, YYYY-MM-DD (default: today)")
    rates.add_argument("--format", default="table", help="table | csv | json")
    _db.add_parser(sub)
    return parser


_CHOICES = {
    "method": ("--method", tuple(m.value for m in RepaymentMethod)),
    "loan_type": ("--loan-type", ("hpf", "commercial", "combined")),
    "home": ("--home", tuple(h.value for h in HomeOrder)),
    "format": ("--format", ("table", "csv", "json")),
}

# Core field names -> the flag a user typed, for errors raised inside the core.
_FLAGS = {
    "amount": "--amount",
    "principal": "--amount",
    "hpf_principal": "--amount",
    "commercial_principal": "--commercial-amount",
    "annual_rate": "--rate",
    "hpf_rate": "--rate",
    "commercial_rate": "--commercial-rate",
    "months": "--years",
    "term_months": "--years",
    "on": "--on",
    "home": "--home",
}


def _check_choices(args: argparse.Namespace) -> None:
    for attr, (flag, allowed) in _CHOICES.items():
        value = getattr(args, attr, None)
        if value is not None and value not in allowed:
            raise InvalidChoice(flag, f"must be one of {', '.join(allowed)}", value)


def run(argv: Sequence[str]) -> str:
    """Run a command and return what it prints; raises ``UsageError`` or ``HpfError``."""
    args = _parser().parse_args(list(argv))
    _check_choices(args)
    if args.command == "calc":
        return _calc(args)
    if args.command == "db":
        return _db.run(args)
    return _rates(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hpf`` console script."""
    try:
        output = run(sys.argv[1:] if argv is None else argv)
    except UsageError as exc:
        print(f"hpf: {exc}", file=sys.stderr)
        return 2
    except HpfError as exc:
        flag = _FLAGS.get(exc.field, exc.field)
        detail = f" (got {exc.value!r})" if exc.value is not None else ""
        print(f"hpf: {flag}: {exc.reason}{detail}", file=sys.stderr)
        return 2
    try:
        print(output)
    except BrokenPipeError:  # `hpf rates | head`: the reader left, which is not an error
        sys.stderr.close()
    return 0
