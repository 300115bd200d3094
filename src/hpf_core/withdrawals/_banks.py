"""The bank directory (收款银行 查询) and receiving account numbers (收款银行账号).

A receiving account is a bank account number, not always a card: the seed's own are 11 and
12 digits (``201800525001``, ``20180722001``, manual §5.2.1). :func:`validate_account_number`
accepts 10 to 30 digits (spaces and dashes removed; all zeros refused). Luhn is a check of
card numbers only, and some issuers' cards are said to fail it (docs/domain.md §9.2), so
:func:`account_warnings` reports a card-like number that fails it as a warning, never a
refusal.

The directory is data: :func:`parse_bank_directory` reads a TOML text of ``[[bank]]``
tables (``name``, ``short``, ``code`` — the three-digit 行别代码 of the CNAPS 联行号 —
``abbr`` and ``bins``); ``hpf_adapters.banks.load_bank_directory`` reads the shipped one,
which names its sources.

>>> directory = parse_bank_directory('''
... [[bank]]
... name = "中国工商银行"
... short = "工商银行"
... code = "102"
... abbr = "ICBC"
... bins = ["622202", "621226"]
... ''')
>>> [b.name for b in directory.find("工商")], [b.name for b in directory.find("102")]
(['中国工商银行'], ['中国工商银行'])
>>> directory.bank_of("6222021234567890128").abbr
'ICBC'
>>> validate_account_number("2018 0052 5001")
'201800525001'
"""

from __future__ import annotations

import re

import attrs

from hpf_core._inputs import instance
from hpf_core._tables import known_table, load_toml
from hpf_core.errors import InputError, InputTypeError, InvalidCardNumber, InvalidPolicy

__all__ = [
    "LUHN_FAILED",
    "Bank",
    "BankDirectory",
    "account_warnings",
    "is_card_like",
    "parse_bank_directory",
    "validate_account_number",
]

_DIGITS = re.compile(r"[0-9]{10,30}")
_BANK_KEYS = frozenset({"name", "short", "code", "abbr", "bins"})
_CODE = re.compile(r"[0-9]{3}")
_BIN = re.compile(r"[0-9]{3,10}")
_ABBR = re.compile(r"[A-Z][A-Z0-9]{1,15}")


def validate_account_number(value: object, field: str = "number") -> str:
    """A receiving bank account number (收款银行账号): 10 to 30 digits once spaces and
    dashes are removed, not all zeros. Card numbers are account numbers too; Luhn is not
    required (see :func:`account_warnings`). ``InvalidCardNumber`` otherwise.

    >>> [validate_account_number(n) for n in ("20180722001", "20180723001", "20180723002")]
    ['20180722001', '20180723001', '20180723002']
    >>> validate_account_number("123456789")
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidCardNumber: number: must be 10 to 30 digits
    """
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    text = re.sub(r"[\s-]", "", value)
    # the value is never echoed: a near-miss is still someone's account number
    if not _DIGITS.fullmatch(text):
        raise InvalidCardNumber(field, "must be 10 to 30 digits")
    if not text.strip("0"):
        raise InvalidCardNumber(field, "cannot be all zeros")
    return text


def _luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        n = int(digit)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def is_card_like(digits: str) -> bool:
    """A number that looks like a payment card: 15 to 19 digits starting with 62
    (UnionPay), 4 (Visa), 5 (Mastercard) or 3 (JCB, American Express). Others are plain
    account numbers."""
    instance(digits, str, "digits")
    return 15 <= len(digits) <= 19 and digits[0] in "3456" and (digits[0] != "6" or digits[:2] == "62")


LUHN_FAILED = "luhn_failed"
"""The warning code of a card-like number failing the Luhn check."""


def account_warnings(number: str) -> tuple[str, ...]:
    """The codes of what to warn the member about a receiving account number, never
    refusals: ``luhn_failed`` for a card-like number that fails the Luhn check (a typing
    error is likely; some issuers' cards are said to fail it, docs/domain.md §9.2).

    >>> account_warnings("6222021234567890123")
    ('luhn_failed',)
    >>> account_warnings("201800525001"), account_warnings("6222021234567890128")
    ((), ())
    """
    digits = validate_account_number(number)
    if is_card_like(digits) and not _luhn(digits):
        return (LUHN_FAILED,)
    return ()


@attrs.frozen
class Bank:
    """One bank of the directory: ``name`` (全称), ``short`` (简称), ``code`` (行别代码,
    three digits), ``abbr`` (英文简称) and ``bins`` (card prefixes it issues)."""

    name: str
    short: str
    code: str
    abbr: str
    bins: tuple[str, ...] = ()


@attrs.frozen
class BankDirectory:
    """The banks a member may name as 收款银行, with their card prefixes, and ``source``
    (where the directory was read from)."""

    banks: tuple[Bank, ...]
    source: str = ""

    def find(self, query: str) -> tuple[Bank, ...]:
        """收款银行 查询: the banks whose name or short name contains ``query``, or whose
        code or abbreviation is ``query`` (case-insensitive), in directory order."""
        if not isinstance(query, str):
            raise InputTypeError("query", f"must be a str, not {type(query).__name__}", query)
        text = query.strip()
        if not text:
            raise InputError("query", "must not be blank", query)
        return tuple(
            bank
            for bank in self.banks
            if text in bank.name or text in bank.short or text == bank.code or text.upper() == bank.abbr
        )

    def bank_of(self, number: str) -> Bank | None:
        """The bank whose card prefix starts ``number`` (the longest prefix wins), or None."""
        digits = validate_account_number(number)
        best: Bank | None = None
        length = 0
        for bank in self.banks:
            for prefix in bank.bins:
                if len(prefix) > length and digits.startswith(prefix):
                    best, length = bank, len(prefix)
        return best


def _text(table: dict[str, object], key: str, where: str, pattern: re.Pattern[str] | None = None) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidPolicy(f"{where}.{key}", "must be a non-blank string")
    if pattern is not None and not pattern.fullmatch(value):
        raise InvalidPolicy(f"{where}.{key}", f"must match {pattern.pattern}")
    return value


def _bins(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and _BIN.fullmatch(v) for v in value):
        raise InvalidPolicy(f"{where}.bins", "must be a list of 3 to 10 digit strings")
    return tuple(value)


def parse_bank_directory(text: str, source: str = "") -> BankDirectory:
    """A :class:`BankDirectory` from TOML ``text`` (``[[bank]]`` tables, each with ``name``,
    ``short``, ``code``, ``abbr`` and ``bins``). Strict: an unknown key, a missing one, a
    code or abbreviation twice, a card prefix claimed by two banks raise ``InvalidPolicy``
    naming it."""
    document = load_toml(text, "bank directory")
    known_table(document, "", {"bank"}, what="section")
    tables = document.get("bank", [])
    if not isinstance(tables, list):
        raise InvalidPolicy("bank", "must be an array of tables ([[bank]])")
    banks: list[Bank] = []
    owners: dict[str, str] = {}
    for index, raw in enumerate(tables):
        where = f"bank[{index}]"
        table = known_table(raw, where, _BANK_KEYS)
        bank = Bank(
            _text(table, "name", where),
            _text(table, "short", where),
            _text(table, "code", where, _CODE),
            _text(table, "abbr", where, _ABBR),
            _bins(table.get("bins", []), where),
        )
        for other in banks:
            if other.code == bank.code or other.abbr == bank.abbr:
                raise InvalidPolicy(where, f"{bank.name} repeats the code or abbreviation of {other.name}")
        for prefix in bank.bins:
            if prefix in owners:
                raise InvalidPolicy(f"{where}.bins", f"{prefix} is also {owners[prefix]}'s")
            owners[prefix] = bank.name
        banks.append(bank)
    return BankDirectory(tuple(banks), source)
