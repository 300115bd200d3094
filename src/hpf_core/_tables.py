"""Checks shared by every policy-file parser: a table whose keys are all known, no TOML floats."""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from hpf_core.errors import InvalidPolicy


def known_table(value: object, path: str, known: Set[str]) -> dict[str, Any]:
    """``value`` as a TOML table, refusing anything else and any key outside ``known``, so
    that a typo in a policy file cannot silently fall back to a default.

    >>> known_table({"a": 1}, "x", {"a", "b"})
    {'a': 1}
    >>> known_table({"c": 1}, "x", {"a", "b"})
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: x.c: is not a known key (a, b)
    >>> known_table(5, "x", {"a"})
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: x: must be a table (got 5)
    """
    if not isinstance(value, dict):
        raise InvalidPolicy(path, "must be a table", value)
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        raise InvalidPolicy(f"{path}.{unknown[0]}", f"is not a known key ({', '.join(sorted(known))})")
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
