"""Ports of the SMS verification codes (短信验证码): where codes come from, how texts go
out, and the code store whose operations are each ONE atomic step — so two requests
racing on a phone can neither exceed the send limits nor both use one code.

The records these ports exchange (``IssuedCode``, ``SendLog``, ``SendLimit``,
``SendReservation``) live in ``hpf_core.members._records``, below the ports (D-041);
``hpf_core.ports`` exports ``SendLimit`` and ``SendReservation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from hpf_core.members._records import CodePurpose, IssuedCode, SendLimit, SendLog, SendReservation

__all__ = [
    "CodeSource",
    "SmsGateway",
    "VerificationCodeStore",
]


class CodeSource(Protocol):
    """Where codes and salts come from: a CSPRNG (``hpf_adapters.sms.SecretsCodes``)."""

    def new_code(self) -> str:
        """A fresh code: exactly the policy's number of ASCII digits, uniformly random."""
        ...

    def new_salt(self) -> bytes:
        """At least 16 fresh random bytes."""
        ...


class SmsGateway(Protocol):
    """Sends a text message (短信) to a mainland mobile number.

    ``key`` is an idempotency key (the outbox relay passes the notification id, D-053): a
    gateway that honours keys hands a key's message to the carrier once — a second send
    with the same key is accepted and sends nothing (the same key with another phone or
    text is an ``IdempotencyConflict``). ``""`` (no key) sends every time. A gateway that
    cannot honour keys sends every time: the relay is then at least once.
    """

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        """Hand the message to the carrier (once per non-empty ``key`` where keys are
        honoured); raise on failure."""
        ...


class VerificationCodeStore(Protocol):
    """Issued codes by (phone, purpose, owner) — one live code each — and send logs by
    (phone, owner); ``owner`` is ``IssuedCode.owner`` (a member id, ``""`` for none), so one
    member can neither replace another's code nor use up another's quota (D-045).

    ``reserve_send``, ``count_attempt`` and ``consume`` are each atomic (one lock, one
    Redis script, one conditional UPDATE): no interleaving of two calls can exceed a send
    limit, lose an attempt, or consume one code twice. They take effect at once, outside
    any unit of work. ``get``, ``put``, ``sends`` and ``put_sends`` are plain record access
    for callers of the pure functions; they are not atomic together.
    """

    def reserve_send(self, issued: IssuedCode, limits: Sequence[SendLimit]) -> SendReservation:
        """In one step: if, for every limit, fewer than ``limit.count`` sends to
        ``issued.phone`` by ``issued.owner`` fall in ``(issued.issued_at - limit.window,
        issued.issued_at]``, record a send at ``issued.issued_at``, store ``issued`` in place
        of any record for its (phone, purpose, owner) — the earlier code stops working, but
        if it was unused and unexpired its attempts carry over, so a resend does not reset
        the guess count — and return an accepted reservation; otherwise change nothing and
        return a refused one. Sends older than a day may be forgotten."""
        ...

    def count_attempt(self, phone: str, purpose: CodePurpose, *, owner: str = "") -> IssuedCode | None:
        """In one step: add one to the attempts of the record for (phone, purpose, owner) and
        return the record as it now stands; None (and nothing stored) if there is none.
        The caller compares the code only after this, so every comparison is counted."""
        ...

    def consume(
        self, phone: str, purpose: CodePurpose, code_hash: bytes, at: datetime, *, owner: str = ""
    ) -> bool:
        """In one step: mark the record for (phone, purpose, owner) used at ``at`` if it is the
        one with ``code_hash`` and unused; True only for the call that marked it (a second
        consume of the same code, or of a replaced code, is False)."""
        ...

    def get(self, phone: str, purpose: CodePurpose, *, owner: str = "") -> IssuedCode | None:
        """The latest code issued for that phone, purpose and owner, if any."""
        ...

    def put(self, issued: IssuedCode) -> None:
        """Store the record, replacing any for the same phone, purpose and owner."""
        ...

    def sends(self, phone: str, *, owner: str = "") -> SendLog | None:
        """The send log of the phone and owner, if any code went there."""
        ...

    def put_sends(self, log: SendLog) -> None:
        """Replace the send log of ``log.phone`` and ``log.owner``."""
        ...
