"""Ports of what the services leave behind: notifications to send (an outbox), uploaded
documents, and the audit log.

>>> from datetime import timezone
>>> AuditEvent("M1", "login", datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc), "credentials/M1").record
'credentials/M1'
>>> AuditEvent("M1", "phone_changed", datetime(2026, 1, 5, tzinfo=timezone.utc), "M1", "to 13800138000")
Traceback (most recent call last):
...
hpf_core.errors.InputError: detail: must not carry personal data in clear (a run of 11 or more digits)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import attrs

from hpf_core.dates import require_aware
from hpf_core.errors import InputError, InputTypeError
from hpf_core.identity import mask_phone

__all__ = [
    "AuditEvent",
    "AuditLog",
    "DocumentStore",
    "Notification",
    "NotificationOutbox",
    "StoredDocument",
    "content_hash",
]

# A phone (11 digits), an ID number (17 digits and a check character) or a card number
# (16-19 digits) all contain a run of 11 or more digits; nothing an audit line needs does.
_PERSONAL = re.compile(r"[0-9０-９]{11,}|[0-9]{17}[Xx]")


def _aware(instance: object, attribute: attrs.Attribute[datetime], value: object) -> None:
    if not isinstance(value, datetime):
        raise InputTypeError(attribute.name, "must be a datetime", value)
    require_aware(value, attribute.name)


def _aware_or_none(instance: object, attribute: attrs.Attribute[datetime | None], value: object) -> None:
    if value is not None:
        _aware(instance, attribute, value)  # type: ignore[arg-type]


def _no_personal_data(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InputTypeError(attribute.name, "must be a str", value)
    if _PERSONAL.search(value):
        raise InputError(attribute.name, "must not carry personal data in clear (a run of 11 or more digits)")


_FAILURE_LENGTH = 255
"""The longest ``Notification.failure`` (a column of that width in SQL)."""


def _failure(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    _no_personal_data(instance, attribute, value)
    if len(str(value)) > _FAILURE_LENGTH:
        raise InputError(attribute.name, f"must be at most {_FAILURE_LENGTH} characters")


def _hidden(_: object) -> str:
    return "<hidden>"


@attrs.frozen
class Notification:
    """A message to send once the work that caused it commits (发送通知). ``notification_id``,
    ``sent_at``, ``failed_at`` and ``failure`` are given by the outbox; the repr masks the
    phone and hides the text.

    >>> from datetime import timezone
    >>> at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> shown = repr(Notification("M1", "13800138000", "【12329】您的手机号已变更", at))
    >>> "to=138****8000, text=<hidden>" in shown, "已变更" in shown, "13800138000" in shown
    (True, False, False)
    """

    member_id: str
    to: str = attrs.field(repr=mask_phone)
    """Where it goes: the mobile number for ``sms``."""
    text: str = attrs.field(repr=_hidden)
    created_at: datetime = attrs.field(validator=_aware)
    channel: str = "sms"
    notification_id: str = ""
    sent_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    failed_at: datetime | None = attrs.field(default=None, validator=_aware_or_none)
    """When the outbox gave it up for good (``mark_failed``): it is no longer pending."""
    failure: str = attrs.field(default="", validator=_failure)
    """Why it was given up (the gateway's error code and message, long numbers masked)."""


class NotificationOutbox(Protocol):
    """The outbox (发件箱): notifications are enqueued in the unit of work that causes
    them, so they exist if and only if it commits; a sender sends the pending ones and
    marks each sent (at least once delivery: a crash between send and mark sends again),
    or gives one up for good when it cannot be delivered (``mark_failed``)."""

    def enqueue(self, notification: Notification) -> Notification:
        """Store a new notification and return it with its id (unique, in enqueue order)
        and ``sent_at`` None."""
        ...

    def pending(self, limit: int = 100) -> Sequence[Notification]:
        """Up to ``limit`` notifications not yet sent, oldest first."""
        ...

    def mark_sent(self, notification_id: str, at: datetime) -> Notification:
        """Record that the notification went out at ``at`` and return it; marking it again
        keeps the first ``sent_at``. ``UnknownRecord`` if there is none."""
        ...

    def mark_failed(self, notification_id: str, at: datetime, reason: str) -> Notification:
        """Give the notification up for good at ``at`` (a send that cannot succeed: an
        invalid number, a text the provider rejects, D-057) and return it: it is no longer
        pending, and ``failed_at`` and ``failure`` (``reason``, which must not carry personal
        data in clear) are kept. One already sent or given up is returned unchanged.
        ``UnknownRecord`` if there is none."""
        ...


def content_hash(content: bytes) -> str:
    """The SHA-256 (hex) of a document's bytes, which names its content.

    >>> content_hash(b"abc")[:16]
    'ba7816bf8f01cfea'
    """
    if not isinstance(content, bytes):
        raise InputTypeError("content", "must be bytes", type(content).__name__)
    return hashlib.sha256(content).hexdigest()


@attrs.frozen
class StoredDocument:
    """One uploaded file of an application, in a document category (档案分类)."""

    document_id: str
    application_id: str
    category: str
    filename: str
    size: int
    sha256: str
    """:func:`content_hash` of the bytes."""
    uploaded_at: datetime = attrs.field(validator=_aware)


class DocumentStore(Protocol):
    """Uploaded files (档案) per application and category, named by their content hash."""

    def put(
        self, application_id: str, category: str, filename: str, content: bytes, at: datetime
    ) -> StoredDocument:
        """Store the file and return its record; the same bytes put again in the same
        application and category return the first record (a retried upload stores one
        file). ``InputError`` for empty content."""
        ...

    def list(self, application_id: str, category: str | None = None) -> Sequence[StoredDocument]:
        """The application's files (of one category if given), in upload order."""
        ...

    def get(self, document_id: str) -> StoredDocument:
        """A file's record; ``UnknownRecord`` if there is none."""
        ...

    def content(self, document_id: str) -> bytes:
        """A file's bytes, exactly as put (their hash is the record's ``sha256``);
        ``UnknownRecord`` if there is none."""
        ...


@attrs.frozen
class AuditEvent:
    """One line of the audit log: who (``actor``: a member or staff id), did what
    (``action``: a stable code), when (``at``), to which record (``record``: a kind and
    an id, e.g. ``credentials/M1``), with an optional ``detail``. No field may carry
    personal data in clear (a phone, an ID or a card number): refer to records by id.
    ``sequence`` is given by the log."""

    actor: str = attrs.field(validator=_no_personal_data)
    action: str = attrs.field(validator=_no_personal_data)
    at: datetime = attrs.field(validator=_aware)
    record: str = attrs.field(validator=_no_personal_data)
    detail: str = attrs.field(default="", validator=_no_personal_data)
    sequence: int = 0


class AuditLog(Protocol):
    """The append-only audit log (审计日志): there is no update or delete."""

    def append(self, event: AuditEvent) -> AuditEvent:
        """Store the event and return it with its sequence number (1, 2, ... in append order)."""
        ...

    def events(self, record: str | None = None) -> Sequence[AuditEvent]:
        """The events (about one record if given), in append order."""
        ...
