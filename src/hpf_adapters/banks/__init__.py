"""The shipped bank directory (收款银行 查询): the major banks' names, 行别代码 and card
prefixes, read from ``banks.toml`` next to this module, which names its sources.

>>> directory = load_bank_directory()
>>> [(b.short, b.code) for b in directory.find("建设")]
[('建设银行', '105')]
>>> directory.bank_of("6217001234567890122").name
'中国建设银行'
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from hpf_core.withdrawals import BankDirectory, parse_bank_directory

__all__ = ["load_bank_directory"]


@cache
def load_bank_directory() -> BankDirectory:
    """The directory hpf ships (parsed once; a ``BankDirectory`` is immutable)."""
    text = resources.files(__package__).joinpath("banks.toml").read_text(encoding="utf-8")
    return parse_bank_directory(text, source="hpf_adapters/banks/banks.toml")
