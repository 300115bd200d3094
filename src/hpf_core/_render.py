"""Tables for people (issue #17, D-060): the HTML a notebook shows, CSV text with a header
block and a totals row, a short text form, and data frames.

Shared by ``Schedule`` and ``ScheduleBatch`` (``hpf_core.loans``) and ``Quote``
(``hpf_core.calculators``). Nothing here does I/O: ``csv_text`` returns a string, and the
data-frame libraries are imported only when a frame is asked for (``import hpf_core.loans``
stays fast, and pandas or polars stay optional).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from hpf_core.errors import InputTypeError

Cell = int | Decimal | date | str | None
"""One value of a table: a count, an amount (``Decimal`` yuan), a date, a label, or nothing."""


@attrs.frozen
class Column:
    """A column: its key (the CSV and data-frame name), its Chinese and its English header."""

    key: str
    chinese: str
    english: str


PERIOD = Column("period", "期数", "Period")
DUE_DATE = Column("due_date", "还款日", "Due date")
PAYMENT = Column("payment", "月供", "Payment")
PRINCIPAL = Column("principal", "本金", "Principal")
INTEREST = Column("interest", "利息", "Interest")
BALANCE = Column("balance", "剩余本金", "Balance")
REMAINING = Column("remaining_payable", "贷款余额", "Remaining payable")
LOAN = Column("loan", "贷款", "Loan")
HPF_PAYMENT = Column("hpf_payment", "公积金月供", "HPF payment")
COMMERCIAL_PAYMENT = Column("commercial_payment", "商贷月供", "Commercial payment")
RATE = Column("annual_rate", "年利率", "Annual rate")
MONTHS = Column("months", "期限(月)", "Months")
FIRST_PAYMENT = Column("first_payment", "首期月供", "First payment")
TOTAL_INTEREST = Column("total_interest", "利息总额", "Total interest")
TOTAL_PAYMENT = Column("total_payment", "还款总额", "Total payment")
BATCH_SUMMARY = (LOAN, PRINCIPAL, RATE, MONTHS, FIRST_PAYMENT, TOTAL_INTEREST, TOTAL_PAYMENT)

TOTAL_LABEL = "合计 Total"

LEDGER_AMOUNTS = (PAYMENT, PRINCIPAL, INTEREST, BALANCE)
LEDGER_FACT = (
    "convention",
    "ledger: each row rounded to the fen, the last row takes the rest; the rows add up to the totals",
)
QUOTE_FACT = (
    "convention",
    "quote: rows rounded for display only, so they need not add up to the totals,"
    " which come from the unrounded figures",
)

# Longer tables show their first and last rows around a "…" row (the totals cover all rows).
FULL_UP_TO = 30
HEAD = 12
TAIL = 12


@attrs.frozen
class Table:
    """What a table shows: a caption, the header block (``facts``, label and value, which
    name the rate used and the rounding convention), the columns, a way to read row ``i``
    (``row(i)``, ``count`` rows in all) and the totals row (``None`` where a column has no
    total)."""

    caption: str
    facts: tuple[tuple[str, str], ...]
    columns: tuple[Column, ...]
    count: int
    row: Callable[[int], Sequence[Cell]]
    totals: tuple[Cell, ...]


def loan_facts(
    principal: Decimal, rate: Decimal, months: int, method: Any, first_due: date | None = None
) -> tuple[tuple[str, str], ...]:
    """The header block of one loan: principal, the rate used, term, method (and first due)."""
    facts = (
        ("principal", f"{principal:.2f}"),
        ("annual_rate", rate_text(rate)),
        ("months", str(months)),
        ("method", f"{method.value} {method.chinese}"),
    )
    return (*facts, ("first_due", first_due.isoformat())) if first_due is not None else facts


def rate_text(rate: Decimal) -> str:
    """A rate as a percent with at least two places, exactly (``0.031`` → ``3.10%``).

    >>> rate_text(Decimal("0.031")), rate_text(Decimal("0.02875")), rate_text(Decimal("0"))
    ('3.10%', '2.875%', '0.00%')
    """
    percent = rate.scaleb(2)
    exponent = percent.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        percent = percent.quantize(Decimal("0.01"))
    else:
        percent = percent.normalize()
    return f"{percent:f}%"


def money_text(value: Decimal) -> str:
    """An amount grouped by thousands, two places (``1,000,000.00``)."""
    return f"{value:,.2f}"


def _escape(text: str) -> str:
    """HTML-escape a cell (``html.escape`` without importing ``html`` at start-up).

    >>> _escape('<b title="x">A & B</b>')
    '&lt;b title=&quot;x&quot;&gt;A &amp; B&lt;/b&gt;'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _shown(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _plain(value: Cell) -> str:
    """A CSV cell: amounts without grouping (``1537260.03``), dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _visible(count: int) -> list[int | None]:
    """The row indexes a rendered table shows; ``None`` stands for the "…" row."""
    if count <= FULL_UP_TO:
        return list(range(count))
    return [*range(HEAD), None, *range(count - TAIL, count)]


_STYLE = (
    "<style>.hpf-table td,.hpf-table th{text-align:right;padding:2px 8px}"
    ".hpf-table caption{text-align:left;font-weight:bold}"
    ".hpf-table tfoot td{font-weight:bold;border-top:1px solid}</style>"
)


def html_table(table: Table) -> str:
    """The table as HTML for a notebook: bilingual headers, the header block under the
    caption, at most ``FULL_UP_TO`` rows (else the first ``HEAD`` and last ``TAIL``), and
    the totals row, over every row, in the footer."""
    esc = _escape
    facts = "; ".join(f"{esc(label)}: {esc(value)}" for label, value in table.facts)
    caption = esc(table.caption) + (f'<br><span style="font-weight:normal">{facts}</span>' if facts else "")
    parts = [_STYLE, '<table class="hpf-table">', f"<caption>{caption}</caption>"]
    heads = "".join(f"<th>{esc(c.chinese)}<br>{esc(c.english)}</th>" for c in table.columns)
    parts.append(f"<thead><tr>{heads}</tr></thead><tbody>")
    for index in _visible(table.count):
        if index is None:
            parts.append("<tr>" + "<td>…</td>" * len(table.columns) + "</tr>")
            continue
        parts.append("<tr>" + "".join(f"<td>{esc(_shown(v))}</td>" for v in table.row(index)) + "</tr>")
    parts.append("</tbody><tfoot><tr>")
    parts.extend(f"<td>{esc(_shown(v))}</td>" for v in table.totals)
    parts.append("</tr></tfoot></table>")
    return "".join(parts)


class _Lines:
    """Where ``csv.writer`` writes: the text is kept in memory (the core does no I/O)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)


def csv_text(table: Table) -> str:
    """The table as CSV: ``#`` lines first (the caption, then one ``# label,value`` line per
    fact), the header row of column keys, every row, and a ``total`` row.
    ``pandas.read_csv(..., comment="#")`` reads it."""
    import csv  # noqa: PLC0415 - only when CSV is asked for: keeps import hpf_core.loans fast

    out = _Lines()
    writer = csv.writer(out, lineterminator="\n")
    out.write(f"# {table.caption}\n")
    for label, value in table.facts:
        out.write("# ")
        writer.writerow([label, value])
    writer.writerow([c.key for c in table.columns])
    for index in range(table.count):
        writer.writerow([_plain(v) for v in table.row(index)])
    writer.writerow(["total", *(_plain(v) for v in table.totals[1:])])
    return "".join(out.parts)


def check_in_fen(value: object) -> bool:
    """``in_fen`` must be a real bool (``True``/``False``)."""
    if not isinstance(value, bool):
        raise InputTypeError("in_fen", "must be True or False", value)
    return value


def _library(name: str) -> Any:
    """pandas or polars, imported on use; a clear error naming the extra if missing."""
    try:
        if name == "pandas":
            import pandas  # noqa: PLC0415 - optional, imported on use

            return pandas
        import polars  # noqa: PLC0415 - optional, imported on use

        return polars
    except ModuleNotFoundError as missing:
        raise ModuleNotFoundError(
            f"to_{name}() needs {name}, which is not installed: pip install 'hpf[{name}]'", name=name
        ) from missing


def frame(library: str, columns: dict[str, Any], *, decimals: Sequence[str] = ()) -> Any:
    """A pandas or polars data frame of ``columns`` (name → list or numpy array).

    The columns named in ``decimals`` hold ``Decimal`` yuan (pandas: an object column of
    ``Decimal``; polars: ``Decimal(scale=2)``); a column of dates stays dates (pandas:
    object, polars: ``Date``); every other column is int64 (periods, loan indexes, fen).
    """
    module = _library(library)
    if library == "pandas":
        data: dict[str, Any] = {}
        for name, values in columns.items():
            if name in decimals or (len(values) and isinstance(values[0], date)):
                data[name] = module.Series(list(values), dtype=object)
            else:
                data[name] = module.Series(values, dtype="int64")
        return module.DataFrame(data)
    series = []
    for name, values in columns.items():
        if name in decimals:
            series.append(module.Series(name, list(values), dtype=module.Decimal(scale=2)))
        elif len(values) and isinstance(values[0], date):
            series.append(module.Series(name, list(values), dtype=module.Date))
        else:
            series.append(module.Series(name, values, dtype=module.Int64))
    return module.DataFrame(series)
