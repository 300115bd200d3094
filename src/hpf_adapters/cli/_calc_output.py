"""What ``hpf calc`` shows (issue #17, D-064), built from the core's results in either
convention: the headline figures, the rows, the totals row, the CSV text and the JSON.

The CSV is the core's (``Quote.to_csv()``, ``CombinedQuote.to_csv()``, ``Schedule.to_csv()``);
only a combined ledger, which the core has no object for, is written here in the same layout.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from hpf_adapters.cli import _render
from hpf_core.calculators import CombinedQuote, Quote
from hpf_core.loans import RateInForce, RepaymentMethod, Schedule
from hpf_core.money import amount_from_fen


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def grouped(value: Decimal) -> str:
    return f"{value:,.2f}"


def percent_figure(rate: Decimal) -> str:
    """JSON's percent figure: the digits of ``2.60%`` without the sign (``"2.60"``)."""
    return _render.fraction_text(rate).removesuffix("%")


class Rate:
    """A rate the calculator uses: typed with ``flag`` (``basis`` None) or looked up on ``on``."""

    def __init__(self, rate: Decimal, basis: RateInForce | None, flag: str, on: date) -> None:
        self.rate, self.basis, self.flag, self.on = rate, basis, flag, on

    def json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "annual_rate": f"{self.rate.normalize():f}",
            "annual_rate_percent": percent_figure(self.rate),
        }
        if self.basis is not None:
            out["rate_basis"] = {
                "table": self.basis.table,
                "column": self.basis.column,
                "effective": self.basis.effective.isoformat(),
                "source": self.basis.source,
            }
        return out

    def shown(self) -> str:
        """``2.60% (first home, > 5 years)`` or ``3.25% (given with --rate)``."""
        how = f"given with {self.flag}" if self.basis is None else self.basis.column
        return f"{_render.fraction_text(self.rate)} ({how})"

    def basis_text(self) -> str | None:
        if self.basis is None:
            return None
        b = self.basis
        return f"{b.table} since {b.effective.isoformat()}; sources {b.source}"

    def source_fact(self) -> str:
        """The CSV header's line for this rate: where it comes from."""
        if self.basis is None:
            return f"{_render.fraction_text(self.rate)} given with {self.flag}"
        b = self.basis
        return (
            f"{_render.fraction_text(self.rate)}: {b.table}, {b.column}, in force since "
            f"{b.effective.isoformat()} (rate fixed on {self.on.isoformat()}); sources {b.source} "
            "(docs/rates.md)"
        )


CONVENTIONS = {
    "quote": "quote: rows rounded for display, totals unrounded",
    "ledger": "ledger: rows rounded to the fen, add up to the totals",
}
LOAN_TYPES = {"hpf": "公积金贷款 HPF", "commercial": "商业贷款 commercial", "combined": "组合贷款 combined"}

AMOUNT_HEADERS = (("月供", "Payment"), ("本金", "Principal"), ("利息", "Interest"), ("剩余本金", "Balance"))
REMAINING_HEADER = ("剩余应还", "Remaining")
PART_HEADERS = (("公积金月供", "HPF payment"), ("商贷月供", "Commercial payment"))


class Result:
    """What ``hpf calc`` shows, in either convention: the headline figures, the rows (period,
    then amounts, in the order of ``headers``), the totals row under them, and the CSV text
    the core writes for the same loan (a ``Quote``'s, a ``Schedule``'s, or the core's CSV
    writer for a combined ledger)."""

    def __init__(
        self,
        *,
        first: Decimal,
        last: Decimal,
        decrease: Decimal | None,
        total_interest: Decimal,
        total_payment: Decimal,
        headers: Sequence[tuple[str, str]],
        rows: Sequence[Sequence[Decimal]],
        totals: Sequence[Decimal | None],
        csv_text: str,
        json_rows: list[dict[str, Any]],
    ) -> None:
        self.first, self.last, self.decrease = first, last, decrease
        self.total_interest, self.total_payment = total_interest, total_payment
        self.headers, self.rows, self.totals = headers, rows, totals
        self.csv_text, self.json_rows = csv_text, json_rows

    def json(self, months: int, method: RepaymentMethod) -> dict[str, Any]:
        out: dict[str, Any] = {
            "months": months,
            "method": method.value,
            "monthly_payment": money_text(self.first),
        }
        if self.decrease is not None:
            out["monthly_decrease"] = money_text(self.decrease)
        out.update(
            {
                "last_payment": money_text(self.last),
                "total_interest": money_text(self.total_interest),
                "total_payment": money_text(self.total_payment),
                "rows": self.json_rows,
            }
        )
        return out


ROW_KEYS = ("payment", "principal", "interest", "balance", "remaining_payable")


def row_json(period: int, amounts: Sequence[Decimal]) -> dict[str, Any]:
    return {"period": period, **{k: money_text(v) for k, v in zip(ROW_KEYS, amounts, strict=False)}}


def quote_result(quote: Quote) -> Result:
    rows = [(r.payment, r.principal, r.interest, r.balance, r.remaining_payable) for r in quote.rows]
    return Result(
        first=quote.monthly_payment,
        last=quote.last_payment,
        decrease=quote.monthly_decrease,
        total_interest=quote.total_interest,
        total_payment=quote.total_payment,
        headers=(*AMOUNT_HEADERS, REMAINING_HEADER),
        rows=rows,
        totals=(quote.total_payment, quote.amount, quote.total_interest, None, None),
        csv_text=quote.to_csv(),
        json_rows=[row_json(i + 1, row) for i, row in enumerate(rows)],
    )


def ledger_result(schedule: Schedule) -> Result:
    rows = [(i.payment, i.principal, i.interest, i.balance) for i in schedule.installments]
    return Result(
        first=schedule.payment,
        last=amount_from_fen(schedule.payment_fen[-1]),
        decrease=None,
        total_interest=schedule.total_interest,
        total_payment=schedule.total_payment,
        headers=AMOUNT_HEADERS,
        rows=rows,
        totals=(schedule.total_payment, schedule.total_principal, schedule.total_interest, None),
        csv_text=schedule.to_csv(),
        json_rows=[row_json(i + 1, row) for i, row in enumerate(rows)],
    )


def combined_quote_result(combined: CombinedQuote) -> tuple[Result, Result, Result]:
    h, c = combined.hpf, combined.commercial
    rows = [
        (hr.payment, cr.payment, r.payment, r.principal, r.interest, r.balance)
        for hr, cr, r in zip(h.rows, c.rows, combined.rows, strict=True)
    ]
    merged = Result(
        first=combined.monthly_payment,
        last=combined.last_payment,
        decrease=combined.monthly_decrease,
        total_interest=combined.total_interest,
        total_payment=combined.total_payment,
        headers=(*PART_HEADERS, *AMOUNT_HEADERS),
        rows=rows,
        totals=(
            h.total_payment,
            c.total_payment,
            combined.total_payment,
            h.amount + c.amount,
            combined.total_interest,
            None,
        ),
        csv_text=combined.to_csv(),
        json_rows=[
            row_json(r.period, (r.payment, r.principal, r.interest, r.balance, r.remaining_payable))
            for r in combined.rows
        ],
    )
    return merged, quote_result(h), quote_result(c)


def _combined_csv(
    part_csv: str,
    caption: str,
    facts: Sequence[tuple[str, str]],
    keys: Sequence[str],
    rows: Sequence[Sequence[Decimal]],
    totals: Sequence[Decimal | None],
) -> str:
    """A combined ledger's CSV in the layout of the core's ``Schedule.to_csv()`` (D-060): the
    caption, the convention line taken from a part's own CSV (the core's words, not a copy),
    the facts, the header row, one line per row and the ``total`` row. The core has no
    combined schedule to write it, and its table writer is private."""
    convention = next(line for line in part_csv.split("\n") if line.startswith("# convention,"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    out.write(f"# {caption}\n{convention}\n")
    for label, value in facts:
        out.write("# ")
        writer.writerow([label, value])
    writer.writerow(keys)
    writer.writerows([k + 1, *(f"{v:.2f}" for v in row)] for k, row in enumerate(rows))
    writer.writerow(["total", *("" if v is None else f"{v:.2f}" for v in totals)])
    return out.getvalue()


def combined_ledger_result(hpf: Schedule, com: Schedule) -> tuple[Result, Result, Result]:
    """The two parts' ledger rows added fen by fen: the merged rows add up to the totals."""
    fen_rows = [
        (hp, cp, hp + cp, hprin + cprin, hi + ci, hb + cb)
        for hp, cp, hprin, cprin, hi, ci, hb, cb in zip(
            hpf.payment_fen,
            com.payment_fen,
            hpf.principal_fen,
            com.principal_fen,
            hpf.interest_fen,
            com.interest_fen,
            hpf.balance_fen,
            com.balance_fen,
            strict=True,
        )
    ]
    rows = [tuple(amount_from_fen(v) for v in row) for row in fen_rows]
    principal = hpf.total_principal + com.total_principal
    total_interest = hpf.total_interest + com.total_interest
    total_payment = hpf.total_payment + com.total_payment
    totals = (hpf.total_payment, com.total_payment, total_payment, principal, total_interest, None)
    method = hpf.method
    caption = (
        f"组合贷款 Combined schedule: HPF {grouped(hpf.principal)} at "
        f"{_render.fraction_text(hpf.annual_rate)} + commercial {grouped(com.principal)} at "
        f"{_render.fraction_text(com.annual_rate)} over {hpf.months} months, {method.chinese} {method.value}"
    )
    facts = [
        ("hpf_principal", f"{hpf.principal:.2f}"),
        ("hpf_rate", _render.fraction_text(hpf.annual_rate)),
        ("commercial_principal", f"{com.principal:.2f}"),
        ("commercial_rate", _render.fraction_text(com.annual_rate)),
        ("months", str(hpf.months)),
        ("method", f"{method.value} {method.chinese}"),
        ("hpf_monthly_payment", f"{hpf.payment:.2f}"),
        ("commercial_monthly_payment", f"{com.payment:.2f}"),
        ("monthly_payment", f"{rows[0][2]:.2f}"),
        ("last_payment", f"{rows[-1][2]:.2f}"),
    ]
    keys = ("period", "hpf_payment", "commercial_payment", "payment", "principal", "interest", "balance")
    text = _combined_csv(hpf.to_csv(), caption, facts, keys, rows, totals)
    merged = Result(
        first=rows[0][2],
        last=rows[-1][2],
        decrease=None,
        total_interest=total_interest,
        total_payment=total_payment,
        headers=(*PART_HEADERS, *AMOUNT_HEADERS),
        rows=rows,
        totals=totals,
        csv_text=text,
        json_rows=[row_json(i + 1, row[2:]) for i, row in enumerate(rows)],
    )
    return merged, ledger_result(hpf), ledger_result(com)


def rows_table(result: Result) -> str:
    """The rows and the totals row, at most 100 columns wide: with amounts in the billions a
    combined loan's two part-payment columns, then the remaining-payable column, are left
    out (with a line saying so); the CSV always has them."""
    shown = list(range(len(result.headers)))
    left_out: list[str] = []
    for droppable in ((), PART_HEADERS, (REMAINING_HEADER,)):
        left_out += [result.headers[i][1] for i in shown if result.headers[i] in droppable]
        shown = [i for i in shown if result.headers[i] not in droppable]
        heads = [result.headers[i] for i in shown]
        headers = (("期数", *(h[0] for h in heads)), ("Period", *(h[1] for h in heads)))
        rows = [[str(k + 1), *(grouped(row[i]) for i in shown)] for k, row in enumerate(result.rows)]
        totals = [result.totals[i] for i in shown]
        footer = [["Total", *("" if v is None else grouped(v) for v in totals)]]
        text = _render.table(headers, rows, numeric=[True] * len(headers[0]), footer=footer)
        if max(_render.display_width(line) for line in text.split("\n")) <= _render.MAX_WIDTH:
            break
    note = f"Left out to fit 100 columns: {', '.join(left_out)} (see --format csv)."
    return "\n".join([text, *([note] if left_out else [])])


def summary_table(pairs: Sequence[tuple[str, str]]) -> str:
    return _render.table([["项目 Item", "数值 Value"]], [list(p) for p in pairs], numeric=[False, False])


def with_facts(csv_text: str, facts: Sequence[tuple[str, str]]) -> str:
    """The core's CSV with ``facts`` added at the end of its ``#`` header block."""
    lines = csv_text.rstrip("\n").split("\n")
    block = next(i for i, line in enumerate(lines) if not line.startswith("# "))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for label, value in facts:
        out.write("# ")
        writer.writerow([label, value])
    return "\n".join([*lines[:block], *out.getvalue().rstrip("\n").split("\n"), *lines[block:]])
