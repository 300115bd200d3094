"""Type checks shared by the public functions (package-private): each raises a typed
``hpf_core`` error naming the field, never a bare built-in (issue #10, D-043)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

from hpf_core.errors import InputError, InputTypeError, InvalidAmount

T = TypeVar("T")


def instance(value: object, cls: type[T], field: str) -> T:
    """``value`` when it is a ``cls``, else ``InputTypeError`` naming ``field``."""
    if not isinstance(value, cls):
        raise InputTypeError(field, f"must be a {cls.__name__}, not {type(value).__name__}", value)
    return value


def integer(
    value: object, field: str, low: int, high: int, *, error: type[InputError] = InvalidAmount
) -> int:
    """An ``int`` (not a bool) in [low, high]; ``error`` for one outside it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError(field, f"must be an int, not {type(value).__name__}", value)
    if not low <= value <= high:
        raise error(field, f"must be between {low} and {high}", value)
    return value


def finite_decimal(value: object, field: str) -> Decimal:
    """A finite ``Decimal`` (kernels take them already validated)."""
    number = instance(value, Decimal, field)
    if not number.is_finite():
        raise InvalidAmount(field, "must be a finite number", value)
    return number


def items(value: object, cls: type[T], field: str) -> tuple[T, ...]:
    """An iterable (not a string) of ``cls`` items, as a tuple."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InputTypeError(
            field, f"must be a sequence of {cls.__name__}, not {type(value).__name__}", value
        )
    listed = tuple(value)
    for item in listed:
        instance(item, cls, field)
    return listed


def pairs(value: object, field: str) -> Sequence[tuple[object, object]]:
    """An iterable (not a string) of 2-item tuples or lists."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InputTypeError(field, f"must be a sequence of pairs, not {type(value).__name__}", value)
    listed = tuple(value)
    for item in listed:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise InputTypeError(field, "each item must be a pair", item)
    return listed


U = TypeVar("U")


def unit_of_work(value: U, field: str = "uow") -> U:
    """``value`` when it looks like a ``hpf_core.ports.UnitOfWork`` (its repositories,
    ``commit`` and a ``with`` block), else ``InputTypeError`` naming ``field``."""
    needed = ("accounts", "journal", "loans", "applications", "keys", "commit", "__enter__", "__exit__")
    if not all(hasattr(value, name) for name in needed):
        raise InputTypeError(field, f"must be a UnitOfWork, not {type(value).__name__}", value)
    return value
