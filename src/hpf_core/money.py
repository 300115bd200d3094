"""Money (金额) and rates (利率): ``Decimal`` only, rounded at named points.

Amounts are ``Decimal`` yuan with at most two places (fen, 分). Rates are ``Decimal``
fractions per year (0.0325 = 3.25%). Floats and bools are refused with ``TypeError``;
strings must be plain decimals (no exponent, spaces, separators or currency signs).

>>> yuan("250000")
Decimal('250000.00')
>>> round_fen(Decimal("677.083333"))
Decimal('677.08')
>>> round_fen(Decimal("2.345"))
Decimal('2.35')
>>> percent("3.25")
Decimal('0.0325')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from decimal import ROUND_HALF_UP, Context, Decimal, getcontext, localcontext
from fractions import Fraction
from itertools import repeat
from numbers import Integral

from hpf_core.errors import AmountOverflow, InputTypeError, InvalidAmount, InvalidRate

__all__ = [
    "FEN",
    "MAX_AMOUNT",
    "MAX_RATE_PLACES",
    "Amount",
    "Rate",
    "amount_from_fen",
    "amounts_from_fen",
    "check_rate",
    "fen",
    "money_context",
    "percent",
    "round_fen",
    "round_fraction_fen",
    "to_decimal",
    "yuan",
]

Amount = Decimal | int | str
"""What public functions accept for money: ``Decimal``, ``int`` or a plain decimal string."""

Rate = Decimal | int | str
"""What public functions accept for a rate."""

FEN = Decimal("0.01")
"""One fen (分), the smallest unit of the ledger."""

MAX_AMOUNT = Decimal("9999999999.99")
"""The largest amount a ledger column holds (RELIABILITY.md §4 row 10)."""

MAX_RATE_PLACES = 10
"""Rates are published to at most three decimals of a percent (0.03575); ten places of a
fraction leave room for any derived rate while keeping exact arithmetic small."""

# A context of our own: rounding never depends on the caller's ambient decimal context.
_CTX = Context(prec=60, rounding=ROUND_HALF_UP)
_PLAIN = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)\Z", re.ASCII)


def to_decimal(
    value: object, field: str, error: type[InvalidAmount] | type[InvalidRate] = InvalidAmount
) -> Decimal:
    """An accepted input (``Decimal``, ``int``, plain decimal string) as a finite ``Decimal``,
    any number of places; floats and bools raise ``TypeError``, the rest ``error``."""
    if not isinstance(field, str):
        raise InputTypeError("field", f"must be a str, not {type(field).__name__}", field)
    if not (isinstance(error, type) and issubclass(error, InvalidAmount | InvalidRate)):
        raise InputTypeError("error", "must be InvalidAmount or InvalidRate (or a subclass)", error)
    if isinstance(value, (bool, float)):
        raise InputTypeError(
            field, f"must be a Decimal, int or plain decimal string, not {type(value).__name__}", value
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, Integral):  # int, and numpy's integer types
        number = Decimal(int(value))
    elif isinstance(value, str):
        if not _PLAIN.match(value):
            raise error(field, "is not a plain decimal number", value)
        number = Decimal(value)
    else:
        raise InputTypeError(
            field, f"must be a Decimal, int or plain decimal string, not {type(value).__name__}", value
        )
    if not number.is_finite():
        raise error(field, "must be a finite number", value)
    return number


def yuan(value: Amount, field: str = "amount") -> Decimal:
    """A validated amount in yuan (元), quantized to the fen.

    Refuses floats and bools (``TypeError``), NaN and infinities, more than two decimal
    places (never rounds silently), non-plain strings and amounts beyond
    :data:`MAX_AMOUNT` (``InvalidAmount`` / ``AmountOverflow``). ``-0.00`` becomes ``0.00``.

    >>> yuan(5925)
    Decimal('5925.00')
    >>> yuan("1.005")
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidAmount: amount: has more than two decimal places (got '1.005')
    """
    number = to_decimal(value, field, InvalidAmount)
    if number.copy_abs() > MAX_AMOUNT:  # first: quantizing a huge number would overflow the context
        raise AmountOverflow(field, f"exceeds the ledger maximum {MAX_AMOUNT:,}", value)
    if number != number.quantize(FEN, context=_CTX):
        raise InvalidAmount(field, "has more than two decimal places", value)
    result = number.quantize(FEN, context=_CTX)
    return result.copy_abs() if result.is_zero() else result


def _finite(value: object, field: str) -> None:
    if not isinstance(value, Decimal):
        raise InputTypeError(field, f"must be a Decimal, not {type(value).__name__}", value)
    if not value.is_finite():
        raise InvalidAmount(field, "must be a finite number", value)


def round_fen(value: Decimal) -> Decimal:
    """Round half up (四舍五入) to the fen, whatever the ambient decimal context says.
    A result of zero is never negative (``-0.001`` gives ``0.00``, not ``-0.00``)."""
    _finite(value, "value")
    result = value.quantize(FEN, rounding=ROUND_HALF_UP, context=_CTX)
    return result.copy_abs() if result.is_zero() else result


_ZERO_FEN = Decimal("0.00")


def round_fraction_fen(value: Fraction) -> Decimal:
    """An exact rational amount of yuan rounded half up (四舍五入, away from zero) to the fen,
    once: how an exactly summed figure (penalty interest, settlement interest) becomes money.

    >>> round_fraction_fen(Fraction(10, 3)), round_fraction_fen(Fraction(-2005, 1000))
    (Decimal('3.33'), Decimal('-2.01'))
    """
    if not isinstance(value, Fraction | int) or isinstance(value, bool):
        raise InputTypeError("value", f"must be a Fraction, not {type(value).__name__}", value)
    if not value:  # no penalty yet, most bills: 0.5 µs against ~4.7 µs of Fraction arithmetic
        return _ZERO_FEN
    scaled = abs(Fraction(value)) * 100
    count = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return amount_from_fen(-count if value < 0 else count)


def money_context() -> AbstractContextManager[Context]:
    """The library's own decimal context (60 digits, half up) for a block of arithmetic on
    amounts, so that sums and differences never depend on the caller's ambient context
    (``getcontext().prec = 6`` would otherwise round ``998313.17 - 1686.83``).

    >>> from decimal import getcontext, localcontext
    >>> with localcontext() as ctx:
    ...     ctx.prec = 6
    ...     with money_context():
    ...         Decimal("998313.17") - Decimal("1686.83")
    Decimal('996626.34')
    """
    return localcontext(_CTX)


def fen(amount: Decimal) -> int:
    """A fen-exact amount as integer fen: ``fen(Decimal('1.23')) == 123``."""
    _finite(amount, "amount")
    return int(amount.scaleb(2, context=_CTX))


def amount_from_fen(count: int) -> Decimal:
    """Integer fen back to yuan: ``amount_from_fen(123) == Decimal('1.23')``."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise InputTypeError("count", f"must be an int (fen), not {type(count).__name__}", count)
    return Decimal(count).scaleb(-2, context=_CTX)


def amounts_from_fen(counts: Iterable[int]) -> list[Decimal]:
    """Many integer fen back to yuan at once, each exact with two places, fast for long
    columns (a numpy column's ``.tolist()``, a database column).

    >>> amounts_from_fen([123, 0, 123, -5])
    [Decimal('1.23'), Decimal('0.00'), Decimal('1.23'), Decimal('-0.05')]
    """
    if isinstance(counts, str | bytes) or not isinstance(counts, Iterable):
        raise InputTypeError(
            "counts", f"must be an iterable of int (fen), not {type(counts).__name__}", counts
        )
    values = list(counts)
    for index, count in enumerate(values):
        if type(count) is not int:
            raise InputTypeError(
                f"counts[{index}]", f"must be an int (fen), not {type(count).__name__}", count
            )
    return _fen_decimals(values)


_HUNDREDTH = Decimal("0.01")

_LEDGER_DIGITS = 28
"""Ledger columns hold fewer digits than this: ``_fen_decimals(..., ledger=True)`` trusts it."""


def _fen_decimals(values: Sequence[int], *, ledger: bool = False) -> list[Decimal]:
    """:func:`amounts_from_fen` without the checks, for kernels whose columns are ints by
    construction (:func:`_fen_decimal_items` as a list)."""
    items = _fen_decimal_items(values, ledger=ledger)
    return items if isinstance(items, list) else list(items)


def _fen_decimal_items(values: Sequence[int], *, ledger: bool = False) -> Iterable[Decimal]:
    """The ``Decimal`` of each of ``values`` (integer fen), in order: a list, or an iterator
    made as it is read (a schedule's rows zip four columns at once: no list a column).

    A column that is one value but perhaps its last (an equal instalment's payments, an
    equal principal's parts) converts the two values once and shares them; one that mostly
    repeats one value converts each distinct value once.

    Each value becomes ``value × 0.01`` in the private 60-digit context: exact, with
    exponent −2, what ``scaleb(-2)`` gives, a fifth faster. ``ledger=True`` promises that
    every value has fewer than 28 digits (a schedule's rows are below 10¹⁶ fen); then, if the
    ambient context has at least 28 digits, room for the exponents and no clamping (Python's
    default context has), the product is taken there instead, another sixth faster: exact
    all the same, so it rounds nothing and raises or records no signal. Any other ambient
    context is left alone (D-072). An iterator multiplies in the ambient context when it is
    read: read it at once, in the context it was made in (``installment_rows`` does)."""
    roomy = ledger and _roomy(getcontext())
    if roomy:
        convert: Callable[[int], Decimal] = _HUNDREDTH.__mul__
    else:
        multiply = _CTX.multiply

        def convert(value: int) -> Decimal:
            return multiply(value, _HUNDREDTH)

    count = len(values)
    if count > 2:
        first = values[0]
        same = values.count(first)
        if same == count or (same == count - 1 and values[-1] != first):
            shared = [convert(first)] * same
            if same < count:
                shared.append(convert(values[-1]))
            return shared
        if same * 2 > count:
            distinct = {v: convert(v) for v in set(values)}
            return list(map(distinct.__getitem__, values))
    if roomy:
        return map(convert, values)
    return map(_CTX.multiply, values, repeat(_HUNDREDTH))


def _roomy(context: Context) -> bool:
    """Whether ``context`` multiplies a ledger count by 0.01 exactly, signalling nothing."""
    return (
        context.prec >= _LEDGER_DIGITS
        and context.Emin <= -2
        and context.Emax >= _LEDGER_DIGITS
        and context.clamp == 0
    )


def check_rate(value: Rate, field: str = "annual_rate") -> Decimal:
    """A validated annual rate as a fraction in [0, 1).

    A value of 1 or more is refused: it is almost always a percent passed where a
    fraction was meant (``3.25`` for ``0.0325``).

    >>> check_rate("0.031")
    Decimal('0.031')
    >>> check_rate("3.1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidRate: annual_rate: must be a fraction in [0, 1): use percent('3.1') for a ...
    """
    rate = to_decimal(value, field, InvalidRate)
    exponent = rate.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_RATE_PLACES:
        raise InvalidRate(field, f"has more than {MAX_RATE_PLACES} decimal places", value)
    if rate < 0:
        raise InvalidRate(field, "must not be negative", value)
    if rate >= 1:
        hint = f"use percent('{rate}') for a percent"
        raise InvalidRate(field, f"must be a fraction in [0, 1): {hint}", value)
    return rate if not rate.is_zero() else Decimal(0)


def percent(value: Rate, field: str = "rate") -> Decimal:
    """A percent figure (``"3.25"``) as a rate fraction (``Decimal('0.0325')``), validated.

    >>> percent("2.85")
    Decimal('0.0285')
    """
    number = to_decimal(value, field, InvalidRate)
    if number < 0:
        raise InvalidRate(field, "must not be negative", value)
    if number >= 100:
        raise InvalidRate(field, "must be a percent below 100", value)
    fraction = number.scaleb(-2, context=_CTX)
    return fraction if not fraction.is_zero() else Decimal(0)
