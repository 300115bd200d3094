"""Identifiers (证件与号码): resident ID numbers, mobile numbers, bank cards — validate,
normalise, mask.

Masks follow field practice and GB/T 35273's display restriction (RELIABILITY.md §3):
phone 3+4 (``138****1234``), card first 6 + last 4, ID number 6+4 by default; every mask
takes the number of characters to keep.

>>> validate_id_number("11010519491231002x")
'11010519491231002X'
>>> mask_id_number("11010519491231002X")
'110105********002X'
>>> mask_phone(validate_phone("+86 138 0013 8000"))
'138****8000'
>>> mask_card_number(validate_card_number("6225 7688 8888 8888"))
'622576******8888'
"""

from __future__ import annotations

import re
from datetime import date

from hpf_core.dates import check_date
from hpf_core.errors import (
    InputError,
    InputTypeError,
    InvalidCardNumber,
    InvalidIdNumber,
    InvalidPhone,
    redact,
)

__all__ = [
    "InvalidCardNumber",
    "InvalidIdNumber",
    "InvalidPhone",
    "id_birth_date",
    "mask",
    "mask_card_number",
    "mask_id_number",
    "mask_phone",
    "masked_repr",
    "upgrade_id_number",
    "validate_card_number",
    "validate_id_number",
    "validate_phone",
]


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID18 = re.compile(r"\d{17}[\dX]\Z", re.ASCII)
_ID15 = re.compile(r"\d{15}\Z", re.ASCII)
_PHONE = re.compile(r"1[3-9]\d{9}\Z", re.ASCII)
_CARD = re.compile(r"\d{13,19}\Z", re.ASCII)
# GB/T 2260 province-level codes (the first two digits of a region code), with 83 for
# the residence permits of Taiwan residents and 91 for legacy overseas registrations.
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "  # noqa: SIM905
    "61 62 63 64 65 71 81 82 83 91".split()
)
_EARLIEST_BIRTH_YEAR = 1850
"""No living person was born earlier; a year such as 0001 is a typing error."""


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    return value


def _check_char(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def _birth(text: str, field: str, value: str, error: type[InputError]) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise error(field, "has an impossible birth date", value) from exc


def validate_id_number(value: str, field: str = "id_number", *, today: date | None = None) -> str:
    """An 18-character resident ID number, normalised (upper-case ``X``).

    Checks the characters, a province-level region code (GB/T 2260), a real birth date
    (from 1850, not after ``today`` when given), and the check character. A 15-digit
    legacy number is refused here: upgrade it explicitly with :func:`upgrade_id_number`.

    >>> validate_id_number("110105194912310021")
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidIdNumber: id_number: check character should be X (got '110105********0021')
    """
    text = _text(value, field).strip().upper()
    if _ID15.match(text):
        raise InvalidIdNumber(field, "is a 15-digit legacy number: upgrade it first", value)
    if not _ID18.match(text):
        raise InvalidIdNumber(field, "must be 17 digits and a digit or X", value)
    if text[:2] not in _PROVINCES:
        raise InvalidIdNumber(field, "has no real region code (GB/T 2260 province)", value)
    born = _birth(text[6:14], field, value, InvalidIdNumber)
    if born.year < _EARLIEST_BIRTH_YEAR:
        raise InvalidIdNumber(field, f"has a birth year before {_EARLIEST_BIRTH_YEAR}", value)
    if today is not None and check_date(today, "today") < born:
        raise InvalidIdNumber(field, "has a birth date in the future", value)
    expected = _check_char(text[:17])
    if text[17] != expected:
        raise InvalidIdNumber(field, f"check character should be {expected}", value)
    return text


def upgrade_id_number(value: str, field: str = "id_number") -> str:
    """A 15-digit legacy number (GB 11643-1989) as 18 characters: insert the century
    (``18`` for sequence codes 996-999, given to centenarians; ``19`` otherwise) and
    append the check character.

    >>> upgrade_id_number("110105491231002")
    '11010519491231002X'
    """
    text = _text(value, field).strip()
    if not _ID15.match(text):
        raise InvalidIdNumber(field, "must be 15 digits", value)
    century = "18" if text[12:15] in ("996", "997", "998", "999") else "19"
    first17 = text[:6] + century + text[6:]
    _birth(first17[6:14], field, value, InvalidIdNumber)
    return first17 + _check_char(first17)


def id_birth_date(id_number: str) -> date:
    """The birth date in a valid 18-character ID number."""
    text = validate_id_number(id_number)
    return date(int(text[6:10]), int(text[10:12]), int(text[12:14]))


def validate_phone(value: str, field: str = "phone") -> str:
    """A mainland mobile number as 11 digits; spaces, dashes and a ``+86`` / ``0086`` prefix
    are removed first."""
    text = re.sub(r"[\s-]", "", _text(value, field))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if not _PHONE.match(text):
        raise InvalidPhone(field, "must be an 11-digit mainland mobile number starting 13-19", value)
    return text


def validate_card_number(value: str, field: str = "card_number") -> str:
    """A bank card number: 13-19 digits after removing spaces and dashes, passing Luhn."""
    text = re.sub(r"[\s-]", "", _text(value, field))
    if not _CARD.match(text):
        raise InvalidCardNumber(field, "must be 13 to 19 digits", value)
    total = 0
    for position, digit in enumerate(reversed(text)):
        n = int(digit)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    if total % 10:
        raise InvalidCardNumber(field, "fails the Luhn check", value)
    if text[0] == "0":
        raise InvalidCardNumber(field, "cannot start with 0 (no card issuer number does)", value)
    return text


def _keep(value: object, default: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError(field, f"must be an int, not {type(value).__name__}", value)
    return min(max(value, 0), default)


def mask(text: str, keep_start: int, keep_end: int, fill: str = "*") -> str:
    """Replace all but the first ``keep_start`` and last ``keep_end`` characters; a negative
    keep counts as 0, and a text too short to hide anything is hidden whole.

    >>> mask("abcdefgh", 2, 2)
    'ab****gh'
    >>> mask("abcdefgh", -2, 2)
    '******gh'
    """
    text = _text(text, "text")
    start = _keep(keep_start, len(text), "keep_start")
    end = _keep(keep_end, len(text), "keep_end")
    if start + end >= len(text):
        return _text(fill, "fill") * len(text)
    return text[:start] + _text(fill, "fill") * (len(text) - start - end) + text[len(text) - end :]


_MIN_HIDDEN = 3


def _personal_mask(text: str, keep_start: int, keep_end: int, defaults: tuple[int, int], field: str) -> str:
    """Keep at most the default counts (a negative or oversized keep never shows more) and
    hide at least 3 characters, giving up kept characters from the start first."""
    text = _text(text, field)
    start = _keep(keep_start, defaults[0], "keep_start")
    end = _keep(keep_end, defaults[1], "keep_end")
    while start + end > max(len(text) - _MIN_HIDDEN, 0):
        if start >= end and start:
            start -= 1
        else:
            end -= 1
    return mask(text, start, end)


def mask_id_number(id_number: str, keep_start: int = 6, keep_end: int = 4) -> str:
    """ID number for display: 6+4 by default (``110105********002X``); never more than
    6+4, and at least 3 characters hidden.

    >>> mask_id_number("11010519491231002X", 99, -1)
    '110105************'
    """
    return _personal_mask(id_number, keep_start, keep_end, (6, 4), "id_number")


def mask_phone(phone: str, keep_start: int = 3, keep_end: int = 4) -> str:
    """Phone number for display: 3+4 (``138****8000``); never more, at least 3 hidden."""
    return _personal_mask(phone, keep_start, keep_end, (3, 4), "phone")


def mask_card_number(card: str, keep_start: int = 6, keep_end: int = 4) -> str:
    """Card number for display: first 6 and last 4 (never more), at least 3 digits hidden.

    >>> mask_card_number("6225768888888")
    '622576***8888'
    >>> mask_card_number("622576888888")
    '62257***8888'
    """
    return _personal_mask(card, keep_start, keep_end, (6, 4), "card_number")


def masked_repr(value: object) -> str:
    """A record field's repr with long numbers masked (an ID, phone or account number,
    D-043): the ``repr=`` of every attrs field that holds one.

    >>> print(masked_repr("440524188001010014"), masked_repr("29"), masked_repr(7))
    '440524********0014' '29' 7
    """
    return repr(redact(value)) if isinstance(value, str) else repr(value)
