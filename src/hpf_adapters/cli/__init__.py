"""The ``hpf`` command line: ``hpf calc`` (房贷计算器) and ``hpf rates`` (利率表).

Bad input exits with status 2 and one line on stderr naming the flag
(``hpf: --flag: reason``), argparse's own complaints included; nothing is printed on
stdout then. A flag that would be silently ignored is bad input too. Output that cannot
be written (a full disk) ends with status 1 and one line on stderr; characters the
terminal's encoding lacks are replaced. ``hpf --version`` prints the version. A
sub-command lives in its own module with a ``register(subparsers)`` function, listed in
:data:`_COMMANDS`. This is an adapter: it may read the clock (``--on`` defaults
to today in Asia/Shanghai) and write to the terminal; the core it calls does neither.

``hpf calc`` (issue #17, D-064): ``--convention quote`` (default; ``mortgage_quote``) or
``ledger`` (``amortize``); the CSV is the core's (``to_csv()``) with the loan type and each
rate's source added to its header block, and its ``total`` row is the table's ``Total``
row; rates print as ``2.60%``; lines fit 100 columns; a note says when ``--on`` is more
than a month past the day the rate tables were last checked (``_rate_table.stale_note``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from typing import IO, Any, NoReturn

from hpf_adapters.cli import _batch, _db, _demo, _office, _rate_table, _render, _serve
from hpf_adapters.cli import _calc_output as _out
from hpf_adapters.wiring import system_clock
from hpf_core.calculators import combined_quote, mortgage_quote
from hpf_core.dates import parse_date
from hpf_core.errors import HpfError, InvalidChoice, InvalidTerm
from hpf_core.loans import (
    HomeOrder,
    RepaymentMethod,
    amortize,
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
    ledger = args.convention == "ledger"

    def rate_for(flag: str, text: str | None, commercial: bool) -> _out.Rate:
        if text is not None:
            return _out.Rate(_rate_percent(flag, text), None, flag, on)
        basis = (
            commercial_rate_in_force(on, months) if commercial else hpf_rate_in_force(on, months, home=home)
        )
        return _out.Rate(basis.rate, basis, flag, on)

    loan_type = args.loan_type
    parts: list[tuple[str, str, Decimal, _out.Rate]] = []  # (Chinese, English, amount, rate)
    if loan_type == "combined":
        if args.commercial_amount is None:
            raise UsageError("--commercial-amount", "is required with --loan-type combined")
        com_amount = _loan_amount("--commercial-amount", args.commercial_amount)
        h_rate = rate_for("--rate", args.rate, False)
        c_rate = rate_for("--commercial-rate", args.commercial_rate, True)
        parts = [("公积金", "HPF", amount, h_rate), ("商贷", "Commercial", com_amount, c_rate)]
        if ledger:
            result, h_result, c_result = _out.combined_ledger_result(
                amortize(amount, h_rate.rate, months, method),
                amortize(com_amount, c_rate.rate, months, method),
            )
        else:
            combined = combined_quote(amount, h_rate.rate, com_amount, c_rate.rate, months, method)
            result, h_result, c_result = _out.combined_quote_result(combined)
        rates = [h_rate, c_rate]
    else:
        rate = rate_for("--rate", args.rate, loan_type == "commercial")
        result = (
            _out.ledger_result(amortize(amount, rate.rate, months, method))
            if ledger
            else _out.quote_result(mortgage_quote(amount, rate.rate, months, method))
        )
        rates = [rate]
    looked_up = [
        "HPF" if r.basis.table == "HPF loan rate" else "LPR"
        for r in rates
        if r.basis is not None and r.basis.table != "benchmark"
    ]
    note = _rate_table.stale_note(on, looked_up)

    if args.format == "json":
        payload: dict[str, Any] = {"loan_type": loan_type, "convention": args.convention}
        if parts:
            payload.update(
                {
                    "amount": _out.money_text(amount + com_amount),
                    "annual_rate": None,
                    **result.json(months, method),
                    "hpf": {
                        "amount": _out.money_text(amount),
                        **h_rate.json(),
                        **h_result.json(months, method),
                    },
                    "commercial": {
                        "amount": _out.money_text(com_amount),
                        **c_rate.json(),
                        **c_result.json(months, method),
                    },
                }
            )
        else:
            payload.update(
                {"amount": _out.money_text(amount), **rates[0].json(), **result.json(months, method)}
            )
        payload["warnings"] = [] if note is None else [note]
        return json.dumps(payload, ensure_ascii=False, indent=2)

    if args.format == "csv":
        facts = [("loan_type", loan_type)]
        if parts:
            facts += [
                ("hpf_rate_source", h_rate.source_fact()),
                ("commercial_rate_source", c_rate.source_fact()),
            ]
        else:
            facts.append(("rate_source", rates[0].source_fact()))
        if note is not None:
            facts.append(("warning", note))
        return _out.with_facts(result.csv_text, facts)

    equal_principal = method is RepaymentMethod.EQUAL_PRINCIPAL
    first_label = ("首月月供", "first payment") if equal_principal else ("每月月供", "monthly payment")
    summary = [("贷款类型 Loan type", _out.LOAN_TYPES[loan_type])]
    if parts:
        for chinese, english, part_amount, part_rate in parts:
            summary.append((f"{chinese}金额 {english} amount", _out.grouped(part_amount)))
            summary.append((f"{chinese}利率 {english} rate", part_rate.shown()))
            if (basis := part_rate.basis_text()) is not None:
                summary.append((f"{chinese}依据 {english} basis", basis))
    else:
        summary.append(("贷款金额 Amount", _out.grouped(amount)))
        summary.append(("年利率 Annual rate", rates[0].shown()))
        if (basis := rates[0].basis_text()) is not None:
            summary.append(("利率依据 Rate basis", basis))
    summary += [
        ("期限 Term", f"{months} 期 months"),
        ("还款方式 Method", f"{method.chinese} {method.value}"),
        ("计算口径 Convention", _out.CONVENTIONS[args.convention]),
    ]
    if parts:
        for (chinese, english, _, _), part in zip(parts, (h_result, c_result), strict=True):
            summary.append(
                (f"{chinese}{first_label[0]} {english} {first_label[1]}", _out.grouped(part.first))
            )
    summary.append((f"{first_label[0]} {first_label[1].capitalize()}", _out.grouped(result.first)))
    if result.decrease is not None and equal_principal:
        summary.append(("每月递减 Monthly decrease", _out.grouped(result.decrease)))
    if equal_principal or result.last != result.first:
        summary.append(("末月月供 Last payment", _out.grouped(result.last)))
    summary.append(("支付利息 Total interest", _out.grouped(result.total_interest)))
    summary.append(("还款总额 Total payment", _out.grouped(result.total_payment)))
    lines = [*_rate_table.note_lines(note)]
    lines.append(_out.summary_table(summary))
    if any(r.basis is not None for r in rates):
        lines.append("Source keys (S14, S20 ...) are listed with their addresses in docs/rates.md.")
    lines += ["", _out.rows_table(result)]
    return "\n".join(lines)


def _rates(args: argparse.Namespace) -> str:
    return _rate_table.render(_on(args), args.format)


class _Help(argparse.RawDescriptionHelpFormatter):
    """argparse's layout, never wider than 100 columns (``COLUMNS=200`` included): argparse
    counts characters, so 10 columns are left for the Chinese words that take two."""

    def __init__(self, prog: str) -> None:
        columns = shutil.get_terminal_size().columns - 2
        super().__init__(prog, max_help_position=30, width=min(columns, _render.MAX_WIDTH - 10))


_CALC_DESCRIPTION = """\
The mortgage calculator (房贷计算器): monthly payment, total interest and every row of
a loan, as a table, CSV or JSON. Without --rate, the rate in force on --on is looked up
(the HPF rate, or the LPR for a commercial loan) and the output names its row and sources.

Two conventions: quote (the default, as bank calculators and the 12329 app show: rows
rounded for display only, totals from the unrounded figures, so rows need not add up)
and ledger (a real loan: each row rounded to the fen, the rows add up to the totals)."""

_CALC_EXAMPLES = """\
examples:
  hpf calc --amount 250000 --years 30 --rate 3.25
  hpf calc --amount 250000 --years 30 --rate 3.25 --convention ledger --format csv
  hpf calc --amount 400000 --years 30 --loan-type combined --commercial-amount 300000 \\
      --on 2025-06-01"""

_RATES_DESCRIPTION = """\
The rate tables (利率表): HPF loan rates, the LPR and the PBOC benchmark, each row with
its source key (docs/rates.md), the rows in force on --on marked."""

_RATES_EXAMPLES = """\
examples:
  hpf rates --on 2025-06-01
  hpf rates --on 2025-06-01 --format csv"""


def _parser() -> _Parser:
    parser = _Parser(
        prog="hpf", description="Housing provident fund (住房公积金) tools.", formatter_class=_Help
    )
    parser.add_argument("--version", action="version", version=f"hpf {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    calc = sub.add_parser(
        "calc",
        help="mortgage calculator (房贷计算器)",
        description=_CALC_DESCRIPTION,
        epilog=_CALC_EXAMPLES,
        formatter_class=_Help,
    )
    calc.add_argument(
        "--amount",
        required=True,
        help="loan amount in yuan, at least 1000; for a combined loan the HPF part "
        "(required; example: --amount 250000)",
    )
    calc.add_argument(
        "--years", required=True, help="term in whole years, 1-40 (required; example: --years 30)"
    )
    calc.add_argument(
        "--rate",
        help="annual rate in percent (default: the rate in force on --on; example: --rate 3.25 for 3.25%%)",
    )
    calc.add_argument(
        "--method",
        default="equal-installment",
        help="equal-installment (等额本息) or equal-principal (等额本金) "
        "(default: %(default)s; example: --method equal-principal)",
    )
    calc.add_argument(
        "--loan-type",
        default="hpf",
        help="hpf, commercial or combined (default: %(default)s; example: --loan-type combined)",
    )
    calc.add_argument(
        "--commercial-amount",
        help="the commercial part in yuan, for --loan-type combined only "
        "(no default; example: --commercial-amount 300000)",
    )
    calc.add_argument(
        "--commercial-rate",
        help="the commercial part's annual rate in percent, combined only (default: the LPR in "
        "force on --on; example: --commercial-rate 3.5)",
    )
    calc.add_argument(
        "--on",
        help="the day the rate is fixed, YYYY-MM-DD (default: today in China; example: --on 2025-06-01)",
    )
    calc.add_argument(
        "--home",
        help="first or second home: the HPF rate column, not with --rate (default: first; "
        "example: --home second)",
    )
    calc.add_argument(
        "--convention",
        default="quote",
        help="quote (rows rounded for display) or ledger (rows add up to the totals) "
        "(default: %(default)s; example: --convention ledger)",
    )
    calc.add_argument(
        "--format",
        default="table",
        help="table, csv or json (default: %(default)s; example: --format csv)",
    )
    rates = sub.add_parser(
        "rates",
        help="the rate tables (利率表)",
        description=_RATES_DESCRIPTION,
        epilog=_RATES_EXAMPLES,
        formatter_class=_Help,
    )
    rates.add_argument(
        "--on",
        help="the day whose rows are marked in force, YYYY-MM-DD (default: today in China; "
        "example: --on 2025-06-01)",
    )
    rates.add_argument(
        "--format", default="table", help="table, csv or json (default: %(default)s; example: --format csv)"
    )
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
    "convention": ("--convention", ("quote", "ledger")),
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
