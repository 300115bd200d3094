"""In-memory outbox, documents and audit log (over a unit of work's working copy)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from hpf_core.dates import require_aware
from hpf_core.errors import InputError, InputTypeError, UnknownRecord
from hpf_core.ports import AuditEvent, Notification, StoredDocument, content_hash


class MemoryOutbox:
    """:class:`hpf_core.ports.NotificationOutbox`: ids ``N`` + sequence."""

    def __init__(self, outbox: list[Notification]) -> None:
        self._outbox = outbox

    def enqueue(self, notification: Notification) -> Notification:
        stored = attrs.evolve(
            notification,
            notification_id=f"N{len(self._outbox) + 1:09d}",
            sent_at=None,
            failed_at=None,
            failure="",
        )
        self._outbox.append(stored)
        return stored

    def pending(self, limit: int = 100) -> Sequence[Notification]:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InputError("limit", "must be a positive int", limit)
        return [n for n in self._outbox if n.sent_at is None and n.failed_at is None][:limit]

    def mark_sent(self, notification_id: str, at: datetime) -> Notification:
        require_aware(at, "at")
        for index, found in enumerate(self._outbox):
            if found.notification_id == notification_id:
                if found.sent_at is None:
                    self._outbox[index] = attrs.evolve(found, sent_at=at)
                return self._outbox[index]
        raise UnknownRecord("notification_id", "no such notification", notification_id)

    def mark_failed(self, notification_id: str, at: datetime, reason: str) -> Notification:
        require_aware(at, "at")
        for index, found in enumerate(self._outbox):
            if found.notification_id == notification_id:
                if found.sent_at is None and found.failed_at is None:
                    self._outbox[index] = attrs.evolve(found, failed_at=at, failure=reason)
                return self._outbox[index]
        raise UnknownRecord("notification_id", "no such notification", notification_id)


class MemoryDocuments:
    """:class:`hpf_core.ports.DocumentStore`: ids ``D`` + sequence, bytes by content hash."""

    def __init__(self, documents: list[StoredDocument], blobs: dict[str, bytes]) -> None:
        self._documents = documents
        self._blobs = blobs

    def put(
        self, application_id: str, category: str, filename: str, content: bytes, at: datetime
    ) -> StoredDocument:
        if not isinstance(content, bytes):
            raise InputTypeError("content", "must be bytes", type(content).__name__)
        if not content:
            raise InputError("content", "is empty")
        digest = content_hash(content)
        for document in self._documents:
            if (document.application_id, document.category, document.sha256) == (
                application_id,
                category,
                digest,
            ):
                return document
        document = StoredDocument(
            f"D{len(self._documents) + 1:09d}", application_id, category, filename, len(content), digest, at
        )
        self._blobs[digest] = content
        self._documents.append(document)
        return document

    def list(self, application_id: str, category: str | None = None) -> Sequence[StoredDocument]:
        return [
            d
            for d in self._documents
            if d.application_id == application_id and (category is None or d.category == category)
        ]

    def get(self, document_id: str) -> StoredDocument:
        for document in self._documents:
            if document.document_id == document_id:
                return document
        raise UnknownRecord("document_id", "no such document", document_id)

    def content(self, document_id: str) -> bytes:
        return self._blobs[self.get(document_id).sha256]


class MemoryAudit:
    """:class:`hpf_core.ports.AuditLog`: append-only, sequence 1, 2, ..."""

    def __init__(self, events: list[AuditEvent]) -> None:
        self._events = events

    def append(self, event: AuditEvent) -> AuditEvent:
        stored = attrs.evolve(event, sequence=len(self._events) + 1)
        self._events.append(stored)
        return stored

    def events(self, record: str | None = None) -> Sequence[AuditEvent]:
        return [e for e in self._events if record is None or e.record == record]
