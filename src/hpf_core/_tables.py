"""Checks shared by every policy-file parser (D-038): the TOML text is read safely, every
table holds only known keys (a typo is refused with the nearest known name), no number is
absurdly large, nothing nests deeper than a policy ever does, and no TOML float is used.

Every problem is an ``InvalidPolicy`` naming the full key path (``loans.cap_first``,
``loans.repricing.overrides[0].change``) — never a ``TypeError``, ``KeyError``,
``RecursionError`` or ``OverflowError``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Set
from typing import Any

from hpf_core.errors import InvalidPolicy

MAX_DEPTH = 8
"""The deepest nesting a policy or centre file may use: tables and arrays below the top
level (``withdrawals.rent.notice.materials`` is 4; a file needs at most 5)."""

MAX_DIGITS = 18
"""The most digits an integer in a policy file may have: far above any amount
(9,999,999,999.99 yuan) or count, and far below what slows a conversion down."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_path(path: str, key: object) -> str:
    """``path.key``, the key quoted as TOML would when it is not a bare key.

    >>> key_path("loans", "cap_first"), key_path("", "center"), key_path("a", "x.y")
    ('loans.cap_first', 'center', 'a."x.y"')
    """
    text = str(key)
    if not _BARE_KEY.fullmatch(text):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{path}.{text}" if path else text


def nearest_name(name: object, known: Set[str]) -> str | None:
    """The known name closest to a misspelt ``name`` (``difflib``), or None.

    >>> nearest_name("withdrawal", {"withdrawals", "loans"}), nearest_name("cap_frist", {"cap_first"})
    ('withdrawals', 'cap_first')
    >>> nearest_name("zzz", {"loans"}) is None
    True
    """
    close = difflib.get_close_matches(str(name)[:200], sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


def known_table(value: object, path: str, known: Set[str], *, what: str = "key") -> dict[str, Any]:
    """``value`` as a TOML table, refusing anything else and any key outside ``known``, so
    that a typo in a policy file cannot silently fall back to a default. The refusal names
    the full key path and, when one is close, the known name it was probably meant to be.
    ``path`` is the table's own path ("" for the top level).

    >>> known_table({"a": 1}, "x", {"a", "b"})
    {'a': 1}
    >>> known_table({"cap_frist": 1}, "loans", {"cap_first", "cap_second"})
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: loans.cap_frist: is not a known key (did you mean 'cap_first'? ...)
    >>> try:
    ...     known_table({"withdrawal": {}}, "", {"loans", "withdrawals"}, what="section")
    ... except InvalidPolicy as exc:
    ...     print(exc.field, "|", exc.reason)
    withdrawal | is not a known section (did you mean 'withdrawals'? known: loans, withdrawals)
    >>> known_table(5, "x", {"a"})
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: x: must be a table (got 5)
    """
    if not isinstance(value, dict):
        raise InvalidPolicy(path or "policy", "must be a table", shown(value))
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        first = unknown[0]
        guess = nearest_name(first, known)
        hint = f"did you mean {guess!r}? " if guess else ""
        raise InvalidPolicy(
            key_path(path, first), f"is not a known {what} ({hint}known: {', '.join(sorted(known))})"
        )
    return value


def no_float(value: object, where: str) -> None:
    """Refuse a TOML float: policy decimals are quoted strings (``"0.8"``) so that no binary
    float ever touches money or a rate.

    >>> no_float("0.8", "loans.ltv")
    >>> no_float(0.8, "loans.ltv")
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: loans.ltv: write decimals as quoted strings, not TOML floats (got 0.8)
    """
    if isinstance(value, float):
        raise InvalidPolicy(where, "write decimals as quoted strings, not TOML floats", value)


def shown(value: object) -> object:
    """``value`` as an error may quote it: tables, arrays and long text are abbreviated, so
    that building the message can neither recurse deeply nor convert a huge number.

    >>> shown({"a": {"b": 1}}), shown([1, 2]), shown("x" * 100)[-3:]
    ('<table>', '<array of 2>', '...')
    """
    if isinstance(value, dict):
        return "<table>"
    if isinstance(value, list):
        return f"<array of {len(value)}>"
    if isinstance(value, int) and not isinstance(value, bool) and _too_large(value):
        return "<a number too large to show>"
    if isinstance(value, str) and len(value) > 60:
        return value[:57] + "..."
    return value


def _too_large(number: int) -> bool:
    # bit_length first: no decimal conversion of a huge int (Python limits those to 4300 digits)
    return number.bit_length() > 64 or abs(number) >= 10**MAX_DIGITS


def check_document(document: Mapping[str, Any], path: str = "") -> None:
    """Walk a parsed document once (iteratively) and refuse what no parser should meet:
    nesting deeper than :data:`MAX_DEPTH` and integers of more than :data:`MAX_DIGITS`
    digits, each naming the key path.

    >>> check_document({"loans": {"cap_first": 10**40}})
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: loans.cap_first: is too large (more than 18 digits)
    >>> check_document({"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": 1}}}}}}}}})
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: a.b.c.d.e.f.g.h.i: nests deeper than 8 levels
    """
    stack: list[tuple[str, object, int]] = [(path, document, 0)]
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidPolicy(where, f"nests deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((key_path(where, key), item, depth + 1) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item, depth + 1) for i, item in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool) and _too_large(value):
            raise InvalidPolicy(where, f"is too large (more than {MAX_DIGITS} digits)")


def load_toml(text: object, what: str = "policy") -> dict[str, Any]:
    """Parse TOML ``text`` and :func:`check_document` it; anything wrong is
    ``InvalidPolicy`` naming ``what`` (or the key path), whatever the parser tripped on.

    >>> load_toml("a = " + "[" * 5000 + "]" * 5000)
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: policy: nests too deeply to read
    >>> load_toml("[loans]\\ncap = 1" + "0" * 5000)
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: policy: holds a number too large to read
    """
    if not isinstance(text, str):
        raise InvalidPolicy(what, f"must be TOML text, not {type(text).__name__}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidPolicy(what, f"is not valid TOML: {exc}") from exc
    except RecursionError as exc:
        raise InvalidPolicy(what, "nests too deeply to read") from exc
    except ValueError as exc:  # int("1" + "0" * 5000): Python's integer-string limit
        raise InvalidPolicy(what, "holds a number too large to read") from exc
    check_document(data)
    return data
