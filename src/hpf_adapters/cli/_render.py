"""Terminal tables that stay aligned with Chinese headers (CJK characters take two columns)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def pad(text: str, width: int, *, right: bool) -> str:
    """Pad to ``width`` display columns, right-aligned (numbers) or left-aligned (text)."""
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def table(headers: Sequence[Sequence[str]], rows: Sequence[Sequence[str]], *, numeric: Sequence[bool]) -> str:
    """A plain-text table. ``headers`` is a list of header lines (for example a Chinese line
    and an English line); ``numeric`` says which columns are right-aligned.

    >>> print(table([["期数", "月供"], ["Period", "Payment"]], [["1", "1,088.02"]], numeric=[True, True]))
      期数      月供
    Period   Payment
    ------  --------
         1  1,088.02
    """
    columns = len(numeric)
    widths = [max(display_width(line[i]) for line in [*headers, *rows]) for i in range(columns)]
    lines = [
        "  ".join(pad(line[i], widths[i], right=numeric[i]) for i in range(columns)).rstrip()
        for line in headers
    ]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(pad(row[i], widths[i], right=numeric[i]) for i in range(columns)).rstrip() for row in rows
    )
    return "\n".join(lines)
