"""SMS adapters (短信适配器): an in-memory gateway and (atomic) code store, and the CSPRNG code source.

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

import hmac
import secrets
import sys
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TextIO

import attrs

from hpf_core.errors import IdempotencyConflict, InputError, InputTypeError, redact
from hpf_core.identity import mask_phone
from hpf_core.members import CodePurpose, IssuedCode, SendLog
from hpf_core.ports import SendLimit, SendReservation

__all__ = ["ConsoleSms", "FixedCodes", "MemoryCodeStore", "MemorySms", "SecretsCodes", "SmsMessage"]


@attrs.frozen
class SmsMessage:
    """One text handed to the gateway."""

    phone: str
    text: str


def _first_time(keys: dict[str, SmsMessage], key: str, message: SmsMessage) -> bool:
    """Whether ``message`` under idempotency ``key`` is new (an empty key always is); a key
    seen before with another message is ``IdempotencyConflict``. The caller holds its lock."""
    if not key:
        return True
    first = keys.get(key)
    if first is None:
        keys[key] = message
        return True
    if first != message:
        raise IdempotencyConflict("key", "was sent with another phone or text", key)
    return False


class MemorySms:
    """An ``SmsGateway`` that keeps what it was asked to send (for tests and demos)."""

    def __init__(self) -> None:
        self._sent: list[SmsMessage] = []
        self._keys: dict[str, SmsMessage] = {}
        self._lock = threading.Lock()

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        """Record the message; it honours ``key``: a key already sent records nothing
        (``IdempotencyConflict`` if it came with another phone or text).

        >>> sms = MemorySms()
        >>> sms.send("13800138000", "【12329】一", key="N1")
        >>> sms.send("13800138000", "【12329】一", key="N1")   # a redelivery
        >>> sms.to("13800138000")
        ('【12329】一',)
        """
        if not isinstance(key, str):
            raise InputTypeError("key", f"must be a str, not {type(key).__name__}", key)
        message = SmsMessage(phone, text)
        with self._lock:
            if not _first_time(self._keys, key, message):
                return
            self._sent.append(message)

    @property
    def sent_messages(self) -> tuple[SmsMessage, ...]:
        """Every message sent, oldest first (an inspection helper)."""
        return tuple(self._sent)

    def to(self, phone: str) -> tuple[str, ...]:
        """The texts sent to ``phone``, oldest first."""
        return tuple(m.text for m in self._sent if m.phone == phone)


class ConsoleSms:
    """An ``SmsGateway`` for development (D-055): prints each text as one line on ``stream``
    (standard output by default) instead of sending it — the phone masked, any long number
    in the text masked too (``hpf_core.errors.redact``); a verification code (6-8 digits)
    stays readable, so a developer can type it back. It honours ``key`` within the process
    (a key already printed prints nothing; ``IdempotencyConflict`` with another phone or text).

    >>> import io
    >>> out = io.StringIO()
    >>> sms = ConsoleSms(out)
    >>> sms.send("13800138000", "【12329】您的验证码为042817", key="N1")
    >>> sms.send("13800138000", "【12329】您的验证码为042817", key="N1")
    >>> print(out.getvalue(), end="")
    SMS to 138****8000 [N1]: 【12329】您的验证码为042817
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._keys: dict[str, SmsMessage] = {}
        self._lock = threading.Lock()

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        """Print the text (once per non-empty ``key``)."""
        if not isinstance(key, str):
            raise InputTypeError("key", f"must be a str, not {type(key).__name__}", key)
        if not isinstance(phone, str) or not isinstance(text, str):
            raise InputTypeError("text", "phone and text must be str")
        message = SmsMessage(phone, text)
        with self._lock:
            if not _first_time(self._keys, key, message):
                return
            stream = self._stream if self._stream is not None else sys.stdout
            shown = f" [{key}]" if key else ""
            print(f"SMS to {mask_phone(phone)}{shown}: {redact(text)}", file=stream, flush=True)


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
    """A ``VerificationCodeStore`` in memory: one record per (phone, purpose, owner). Every
    method holds one lock, so ``reserve_send``, ``count_attempt`` and ``consume`` are
    atomic across threads (as a Redis script or a conditional UPDATE is).

    >>> from datetime import datetime, timezone
    >>> from hpf_core.members import CodePolicy, CodePurpose, issue
    >>> at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> store, policy = MemoryCodeStore(), CodePolicy()
    >>> issued, _ = issue("13800138000", CodePurpose.LOGIN, "042817", b"s" * 16, at, policy, None)
    >>> store.reserve_send(issued, policy.send_limits).accepted
    True
    >>> store.reserve_send(issued, policy.send_limits).accepted    # 1 a minute
    False
    >>> store.count_attempt("13800138000", CodePurpose.LOGIN).attempts
    1
    >>> store.consume("13800138000", CodePurpose.LOGIN, issued.code_hash, at)
    True
    >>> store.consume("13800138000", CodePurpose.LOGIN, issued.code_hash, at)
    False
    """

    def __init__(self) -> None:
        self._codes: dict[tuple[str, CodePurpose, str], IssuedCode] = {}
        self._sends: dict[tuple[str, str], SendLog] = {}
        self._lock = threading.Lock()

    def reserve_send(self, issued: IssuedCode, limits: Sequence[SendLimit]) -> SendReservation:
        """Check every limit and record the send (and the code) under one lock; a code that
        replaces a live one keeps its attempts."""
        at = issued.issued_at
        owner = issued.owner
        with self._lock:
            log = self._sends.get((issued.phone, owner), SendLog(issued.phone, owner=owner))
            if any(log.within(at, limit.window) >= limit.count for limit in limits):
                return SendReservation(False, log)
            kept = tuple(m for m in log.sent_at if at - timedelta(days=1) < m <= at)
            log = SendLog(issued.phone, (*kept, at), owner=owner)
            self._sends[issued.phone, owner] = log
            key = (issued.phone, issued.purpose, owner)
            replaced = self._codes.get(key)
            if replaced is not None and replaced.used_at is None and at < replaced.expires_at:
                issued = attrs.evolve(issued, attempts=max(issued.attempts, replaced.attempts))
            self._codes[key] = issued
            return SendReservation(True, log)

    def count_attempt(self, phone: str, purpose: CodePurpose, *, owner: str = "") -> IssuedCode | None:
        """One more attempt on the record, under the lock."""
        with self._lock:
            found = self._codes.get((phone, purpose, owner))
            if found is None:
                return None
            counted = attrs.evolve(found, attempts=found.attempts + 1)
            self._codes[phone, purpose, owner] = counted
            return counted

    def consume(
        self, phone: str, purpose: CodePurpose, code_hash: bytes, at: datetime, *, owner: str = ""
    ) -> bool:
        """Mark the record used if it is that code and unused, under the lock."""
        with self._lock:
            found = self._codes.get((phone, purpose, owner))
            if found is None or found.used_at is not None:
                return False
            if not hmac.compare_digest(found.code_hash, code_hash):
                return False
            self._codes[phone, purpose, owner] = attrs.evolve(found, used_at=at)
            return True

    def get(self, phone: str, purpose: CodePurpose, *, owner: str = "") -> IssuedCode | None:
        """The latest record for that phone, purpose and owner."""
        with self._lock:
            return self._codes.get((phone, purpose, owner))

    def put(self, issued: IssuedCode) -> None:
        """Store, replacing the earlier record for the same phone, purpose and owner."""
        with self._lock:
            self._codes[issued.phone, issued.purpose, issued.owner] = issued

    def sends(self, phone: str, *, owner: str = "") -> SendLog | None:
        """The send log of that phone and owner."""
        with self._lock:
            return self._sends.get((phone, owner))

    def put_sends(self, log: SendLog) -> None:
        """Replace the send log of the log's phone and owner."""
        with self._lock:
            self._sends[log.phone, log.owner] = log

    @property
    def records(self) -> tuple[IssuedCode, ...]:
        """Every stored record (an inspection helper)."""
        with self._lock:
            return tuple(self._codes.values())
