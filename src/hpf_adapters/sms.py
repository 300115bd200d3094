"""SMS adapters (短信适配器): an in-memory gateway and code store, and the CSPRNG code source.

>>> sms = MemorySms()
>>> sms.send("13800138000", "【12329】测试")
>>> sms.sent_messages
(SmsMessage(phone='13800138000', text='【12329】测试'),)
>>> codes = SecretsCodes()
>>> code = codes.new_code()
>>> len(code), code.isascii() and code.isdigit(), len(codes.new_salt())
(6, True, 16)
"""

from __future__ import annotations

import secrets

import attrs

from hpf_core.errors import InputError
from hpf_core.members._codes import CodePurpose, IssuedCode, SendLog

__all__ = ["FixedCodes", "MemoryCodeStore", "MemorySms", "SecretsCodes", "SmsMessage"]


@attrs.frozen
class SmsMessage:
    """One text handed to the gateway."""

    phone: str
    text: str


class MemorySms:
    """An ``SmsGateway`` that keeps what it was asked to send (for tests and demos)."""

    def __init__(self) -> None:
        self._sent: list[SmsMessage] = []

    def send(self, phone: str, text: str) -> None:
        """Record the message."""
        self._sent.append(SmsMessage(phone, text))

    @property
    def sent_messages(self) -> tuple[SmsMessage, ...]:
        """Every message sent, oldest first (an inspection helper)."""
        return tuple(self._sent)

    def to(self, phone: str) -> tuple[str, ...]:
        """The texts sent to ``phone``, oldest first."""
        return tuple(m.text for m in self._sent if m.phone == phone)


class FixedCodes:
    """A ``CodeSource`` that hands out known ``codes`` in order and one fixed ``salt`` — for
    tests and examples only, where the code must be typed back (never in production).

    >>> codes = FixedCodes("042817", "135790")
    >>> codes.new_code(), codes.new_code(), codes.new_salt()
    ('042817', '135790', b'0123456789abcdef')
    """

    def __init__(self, *codes: str, salt: bytes = b"0123456789abcdef") -> None:
        self._codes = list(codes)
        self._salt = salt

    def new_code(self) -> str:
        """The next of the given codes; ``IndexError`` when none is left."""
        if not self._codes:
            raise IndexError("FixedCodes: every given code has been handed out")
        return self._codes.pop(0)

    def new_salt(self) -> bytes:
        """The fixed salt."""
        return self._salt


class SecretsCodes:
    """A ``CodeSource`` over :mod:`secrets`: uniform ``length``-digit codes
    (``randbelow(10**length)``, zero-padded) and 16-byte salts."""

    def __init__(self, length: int = 6) -> None:
        if not isinstance(length, int) or not 6 <= length <= 8:
            raise InputError("length", "must be 6 to 8 digits", length)
        self._length = length

    def new_code(self) -> str:
        """A fresh code from the CSPRNG."""
        return f"{secrets.randbelow(10**self._length):0{self._length}d}"

    def new_salt(self) -> bytes:
        """16 fresh random bytes."""
        return secrets.token_bytes(16)


class MemoryCodeStore:
    """A ``VerificationCodeStore`` in memory: one record per (phone, purpose)."""

    def __init__(self) -> None:
        self._codes: dict[tuple[str, CodePurpose], IssuedCode] = {}
        self._sends: dict[str, SendLog] = {}

    def get(self, phone: str, purpose: CodePurpose) -> IssuedCode | None:
        """The latest record for that phone and purpose."""
        return self._codes.get((phone, purpose))

    def put(self, issued: IssuedCode) -> None:
        """Store, replacing the earlier record for the same phone and purpose."""
        self._codes[issued.phone, issued.purpose] = issued

    def sends(self, phone: str) -> SendLog | None:
        """The phone's send log."""
        return self._sends.get(phone)

    def put_sends(self, log: SendLog) -> None:
        """Replace the phone's send log."""
        self._sends[log.phone] = log

    @property
    def records(self) -> tuple[IssuedCode, ...]:
        """Every stored record (an inspection helper)."""
        return tuple(self._codes.values())
