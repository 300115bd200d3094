"""Terminal tables that stay aligned with Chinese headers (CJK characters take two columns),
and the one rate format (``2.60%``) every ``hpf`` output uses."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

MAX_WIDTH = 100
"""The widest line ``hpf calc`` and ``hpf rates`` print, ``--help`` included (issue #17)."""


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int, *, right: bool) -> str:
    """Pad to ``width`` display columns, right-aligned (numbers) or left-aligned (text)."""
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def percent_text(value: Decimal | None) -> str:
    """A rate the tables hold in percent (``Decimal("2.60")``) in the one format of the
    core's CSV header and reprs (D-060): at least two places, more only when the rate has
    them, exactly (no rounding, whatever the decimal context).

    >>> percent_text(Decimal("2.6")), percent_text(Decimal("4.455")), percent_text(None)
    ('2.60%', '4.455%', '—')
    """
    if value is None:
        return "—"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return f"{value.quantize(Decimal('0.01')):f}%"  # exact: at most two places already
    return f"{value.normalize():f}%"


def fraction_text(rate: Decimal) -> str:
    """A rate held as a fraction (``Decimal("0.026")``) in the same format: ``2.60%``.

    >>> fraction_text(Decimal("0.0325")), fraction_text(Decimal("0.02875")), fraction_text(Decimal("0"))
    ('3.25%', '2.875%', '0.00%')
    """
    return percent_text(rate.scaleb(2))


def wrapped(text: str, *, indent: str = "") -> list[str]:
    """``text`` cut into lines that fit ``MAX_WIDTH`` columns (a Chinese prefix counted twice)."""
    extra = display_width(text) - len(text)
    return textwrap.wrap(text, MAX_WIDTH - max(extra, 0), subsequent_indent=indent)


def table(
    headers: Sequence[Sequence[str]],
    rows: Sequence[Sequence[str]],
    *,
    numeric: Sequence[bool],
    footer: Sequence[Sequence[str]] = (),
) -> str:
    """A plain-text table. ``headers`` is a list of header lines (for example a Chinese line
    and an English line); ``numeric`` says which columns are right-aligned; ``footer`` rows
    (a totals row) come after a second rule.

    >>> print(table([["期数", "月供"], ["Period", "Payment"]], [["1", "1,088.02"]], numeric=[True, True]))
      期数      月供
    Period   Payment
    ------  --------
         1  1,088.02
    """
    columns = len(numeric)
    widths = [max(display_width(line[i]) for line in [*headers, *rows, *footer]) for i in range(columns)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(pad(cells[i], widths[i], right=numeric[i]) for i in range(columns)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    lines = [*(line(h) for h in headers), rule, *(line(r) for r in rows)]
    if footer:
        lines.append(rule)
        lines.extend(line(f) for f in footer)
    return "\n".join(lines)
