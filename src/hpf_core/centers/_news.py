"""News items per centre (新闻动态, manual §3.1): the centre's website news, newest first.

>>> from datetime import date
>>> items = [
...     NewsItem("demo", "旧闻", date(2026, 1, 5)),
...     NewsItem("other", "别处", date(2026, 3, 1)),
...     NewsItem("demo", "新闻", date(2026, 2, 1)),
... ]
>>> [n.title for n in news_of(items, "demo")]
['新闻', '旧闻']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import attrs

from hpf_core._inputs import instance
from hpf_core._inputs import items as _items
from hpf_core._tables import shown
from hpf_core.centers._registry import _center_code, _document, _rows, _text
from hpf_core.errors import InputError, InputTypeError, InvalidPolicy

__all__ = ["NewsItem", "news_of", "parse_news"]


@attrs.frozen
class NewsItem:
    """One news item (新闻动态) of a centre: a title, its date, a link and/or a body."""

    center_code: str
    title: str
    published_on: date
    url: str = ""
    body: str = ""


def news_of(items: Iterable[NewsItem], center_code: str, *, limit: int | None = None) -> tuple[NewsItem, ...]:
    """One centre's items, newest first (same day: by title); at most ``limit`` of them."""
    items = _items(items, NewsItem, "items")
    instance(center_code, str, "center_code")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise InputTypeError("limit", f"must be an int or None, not {type(limit).__name__}", limit)
        if limit < 0:
            raise InputError("limit", "must not be negative", limit)
    mine = sorted((n for n in items if n.center_code == center_code), key=lambda n: n.title)
    mine.sort(key=lambda n: n.published_on, reverse=True)
    return tuple(mine if limit is None else mine[:limit])


def parse_news(source: str | Mapping[str, Any]) -> tuple[NewsItem, ...]:
    """The ``[[news]]`` of a centre file; ``published_on`` is a TOML date (``2026-01-05``).

    >>> parse_news('[center]\\ncode = "demo"\\n[[news]]\\ntitle = "t"\\npublished_on = "2026-01-05"')
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: news[0].published_on: must be a TOML date (2026-01-05) (got '2026-01-05')
    """
    doc = _document(source)
    code = _center_code(doc)
    found: list[NewsItem] = []
    for path, row in _rows(doc, "news", NewsItem):
        day = row.get("published_on")
        if not isinstance(day, date) or isinstance(day, datetime):
            raise InvalidPolicy(f"{path}.published_on", "must be a TOML date (2026-01-05)", shown(day))
        found.append(
            NewsItem(
                center_code=code,
                title=_text(row, "title", path),
                published_on=day,
                url=_text(row, "url", path, required=False),
                body=_text(row, "body", path, required=False),
            )
        )
    return tuple(found)
