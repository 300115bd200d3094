"""The ``hpf`` command line: ``hpf calc`` (房贷计算器) and ``hpf rates`` (利率表).

Bad input exits with status 2 and one line on stderr naming the flag
(``hpf: --flag: reason``), argparse's own complaints included; nothing is printed on
stdout then. A flag that would be silently ignored is bad input too. Output that cannot
be written (a full disk) ends with status 1 and one line on stderr; characters the
terminal's encoding lacks are replaced. ``hpf --version`` prints the version. A
sub-command lives in its own module with a ``register(subparsers)`` function, listed in
:data:`_COMMANDS`. This is an adapter: it may read the clock (``--on`` defaults
to today in Asia/Shanghai) and write to the terminal; the core it calls does neither.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from typing import IO, Any, NoReturn

from hpf_adapters.cli import _batch, _db, _demo, _office, _rate_table, _render, _serve
from hpf_adapters.wiring import system_clock
from hpf_core.calculators import CombinedQuote, Quote, combined_quote, mortgage_quote
from hpf_core.dates import parse_date
from hpf_core.errors import HpfError, InvalidChoice, InvalidTerm
from hpf_core.loans import (
    HomeOrder,
    RateInForce,
    RepaymentMethod,
    commercial_rate_in_force,
    hpf_rate_in_force,
)
from hpf_core.money import percent, yuan

__all__ = ["UsageError", "main", "run"]

_MAX_YEARS = 40
_MIN_AMOUNT = Decimal("1000.00")
"""The smallest loan the calculator quotes: below it monthly payments round to a few fen
(``--amount 1`` over 30 years would show 360 payments of 0.00)."""
_MIN_RATE_PERCENT = Decimal("0.1")
"""Rates are typed in percent: one below 0.1 % is almost surely a fraction (0.0325)."""


class UsageError(Exception):
    """A bad command line: ``flag`` is what to name in the one-line message."""

    def __init__(self, flag: str, reason: str) -> None:
        super().__init__(f"{flag}: {reason}")


_ARGUMENT = re.compile(r"argument (?P<flag>[^:]+): (?P<reason>.*)\Z", re.S)
_REQUIRED = re.compile(r"the following arguments are required: (?P<flags>.*)\Z", re.S)
_UNRECOGNIZED = re.compile(r"unrecognized arguments: (?P<flags>.*)\Z", re.S)


def _reshape(message: str, prog: str) -> UsageError:
    """argparse's complaint as ``flag: reason`` on one line."""
    message = " ".join(message.split())
    if match := _ARGUMENT.match(message):
        flag = match["flag"].split("/")[-1]
        return UsageError("command" if flag == "command" else flag, match["reason"])
    if match := _REQUIRED.match(message):
        flags = match["flags"].split(", ")
        return UsageError(flags[0], "is required" + (f" (also {', '.join(flags[1:])})" if flags[1:] else ""))
    if match := _UNRECOGNIZED.match(message):
        first = match["flags"].split()[0]
        return UsageError(first, "is not an option of this command (see --help)")
    return UsageError(prog.removeprefix("hpf").strip() or "usage", message)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _reshape(message, self.prog)

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse swallows a failed write (--version > /dev/full): report it instead
        if message and _write(message.rstrip("\n"), file or sys.stderr) != 0:
            raise SystemExit(1)


def _version() -> str:
    try:
        return version("hpf")
    except PackageNotFoundError:  # run from a source tree without installing
        return "unknown"


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


def _loan_amount(flag: str, text: str) -> Decimal:
    amount = yuan(text, flag)
    if amount <= 0:
        raise UsageError(flag, f"must be greater than 0 (got {text!r})")
    if amount < _MIN_AMOUNT:
        raise UsageError(
            flag, f"must be at least {_MIN_AMOUNT:,} yuan, the smallest loan quoted (got {text!r})"
        )
    return amount


def _rate_percent(flag: str, text: str) -> Decimal:
    rate = percent(text, flag)
    if rate * 100 < _MIN_RATE_PERCENT:
        raise UsageError(
            flag,
            f"{text} % is below {_MIN_RATE_PERCENT} %: rates are in percent (3.25 means 3.25 %, not 0.0325)",
        )
    return rate


def _check_combination(args: argparse.Namespace) -> None:
    """Refuse a flag the chosen loan type would silently ignore."""
    if args.loan_type != "combined":
        for flag, value in (
            ("--commercial-amount", args.commercial_amount),
            ("--commercial-rate", args.commercial_rate),
        ):
            if value is not None:
                hint = (
                    " (use --rate for a commercial loan's rate)"
                    if args.loan_type == "commercial" and flag == "--commercial-rate"
                    else ""
                )
                raise UsageError(flag, f"applies only to --loan-type combined{hint}")
    if args.home is not None:
        if args.loan_type == "commercial":
            raise UsageError(
                "--home", "selects the HPF rate column: it does not apply to --loan-type commercial"
            )
        if args.rate is not None:
            raise UsageError(
                "--home", "selects the HPF rate in force: it cannot be combined with an explicit --rate"
            )


def _on(args: argparse.Namespace) -> date:
    return parse_date(args.on, "--on") if args.on is not None else _today()


def _calc(args: argparse.Namespace) -> str:
    _check_combination(args)
    amount = _loan_amount("--amount", args.amount)
    months = _years(args.years) * 12
    method = RepaymentMethod(args.method)
    on = _on(args)
    home = HomeOrder(args.home or HomeOrder.FIRST.value)

    def rate_for(flag: str, text: str | None, commercial: bool) -> tuple[Decimal, RateInForce | None]:
        if text is not None:
            return _rate_percent(flag, text), None
        basis = (
            commercial_rate_in_force(on, months) if commercial else hpf_rate_in_force(on, months, home=home)
        )
        return basis.rate, basis

    fmt = args.format
    if args.loan_type == "combined":
        if args.commercial_amount is None:
            raise UsageError("--commercial-amount", "is required with --loan-type combined")
        com_amount = _loan_amount("--commercial-amount", args.commercial_amount)
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


def _rates(args: argparse.Namespace) -> str:
    return _rate_table.render(_on(args), args.format)


def _parser() -> _Parser:
    parser = _Parser(prog="hpf", description="Housing provident fund (住房公积金) tools.")
    parser.add_argument("--version", action="version", version=f"hpf {_version()}")
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
    calc.add_argument(
        "--home", help="first | second: the HPF rate column in force (default first; not with --rate)"
    )
    calc.add_argument("--format", default="table", help="table | csv | json")
    rates = sub.add_parser("rates", help="the rate table (利率表)")
    rates.add_argument("--on", help="date to mark the rows in force, YYYY-MM-DD (default: today)")
    rates.add_argument("--format", default="table", help="table | csv | json")
    _db.add_parser(sub)
    _office.add_parser(sub)  # hpf notify run, hpf audit (D-053)
    _demo.add_parser(sub)
    _serve.add_parser(sub)  # hpf serve (D-058)
    _batch.add_parser(sub)  # hpf batch (issue #16, D-059)
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
    if args.command in ("notify", "audit"):
        return _office.run(args)
    if args.command == "demo":
        return _demo.run(args)
    if args.command == "serve":
        return _serve.run(args)
    if args.command == "batch":
        return _batch.run(args)
    return _rates(args)


def _stdout_to_devnull() -> None:
    """After a failed write, send what is left to /dev/null so that the interpreter's own
    flush at exit does not fail again (the Python docs' advice for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test's captured stream)
        pass


def _write(output: str, stream: IO[str] | None = None) -> int:
    """Print ``output`` and flush: 0 when written (or when a pipe's reader left), 1 with
    one line on stderr when the output cannot be written (a full disk)."""
    stream = stream or sys.stdout
    try:
        try:
            print(output, file=stream)
        except UnicodeEncodeError:  # a terminal encoding without ▶ or ≤ (PYTHONIOENCODING=gbk)
            encoding = getattr(stream, "encoding", None) or "ascii"
            print(output.encode(encoding, "replace").decode(encoding), file=stream)
        stream.flush()
    except BrokenPipeError:  # `hpf rates | head`: the reader left, which is not an error
        _stdout_to_devnull()
        return 0
    except OSError as exc:  # `hpf rates > /dev/full`
        _stdout_to_devnull()
        print(f"hpf: output: cannot write ({exc.strerror or exc})", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hpf`` console script."""
    try:
        output = run(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # --help and --version print, then exit 0
        if exc.code is None or isinstance(exc.code, int):
            return _flushed(exc.code or 0)
        raise
    except UsageError as exc:
        print(f"hpf: {exc}", file=sys.stderr)
        return 2
    except HpfError as exc:
        flag = _FLAGS.get(exc.field, exc.field)
        detail = f" (got {exc.value!r})" if exc.value is not None else ""
        print(f"hpf: {flag}: {exc.reason}{detail}", file=sys.stderr)
        return 2
    return _write(output)


def _flushed(code: int) -> int:
    try:
        sys.stdout.flush()
    except OSError:
        _stdout_to_devnull()
        return code or 1
    return code
