"""What a back-office step leaves behind in its unit of work: the audit event and the
notice (D-053), and reading the audit log back.

Audit records name a record by kind and id (``application/A1``, ``journal/E000000007``,
``loan/HT03``, ``member/M1``); an id holding a long number is masked as every message is
(:func:`hpf_core.errors.redact`), so no audit field carries personal data. The member an
event concerns is written into its detail as ``member=<id>``, which is what
:func:`audit_trail` filters on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hpf_core._inputs import unit_of_work
from hpf_core.errors import InputTypeError, redact
from hpf_core.notices import notification
from hpf_core.ports import AuditEvent, Notification, UnitOfWork

__all__ = ["audit_trail"]


def ref(kind: str, ident: str) -> str:
    """``kind/ident`` with any long number in ``ident`` masked."""
    return f"{kind}/{redact(ident)}"


def audit(
    uow: UnitOfWork, actor: str, action: str, at: datetime, record: str, member_id: str, **facts: object
) -> AuditEvent:
    """Append one event: ``detail`` is ``member=<id>`` then ``name=value`` for each fact."""
    parts = [f"member={member_id}", *(f"{name}={value}" for name, value in facts.items())]
    return uow.audit.append(AuditEvent(actor, action, at, record, redact(" ".join(parts))))


def phone_of(uow: UnitOfWork, member_id: str) -> str | None:
    """The member's mobile number: their member record's, else their credentials', else None."""
    try:
        return uow.members.get(member_id).phone
    except LookupError:
        pass
    try:
        return uow.credentials.get(member_id).phone
    except LookupError:
        return None


def notify(uow: UnitOfWork, member_id: str, text: str, at: datetime) -> Notification | None:
    """Enqueue ``text`` for the member in this unit of work; None (nothing enqueued) for a
    member with no known phone."""
    phone = phone_of(uow, member_id)
    if phone is None:
        return None
    return uow.outbox.enqueue(notification(member_id, phone, text, at))


def _member_of(event: AuditEvent) -> str | None:
    for part in event.detail.split(" "):
        if part.startswith("member="):
            return part.removeprefix("member=")
    return None


def audit_trail(
    uow: UnitOfWork, *, member_id: str | None = None, record: str | None = None
) -> tuple[AuditEvent, ...]:
    """The audit log in append order: every event, or those about ``record`` (e.g.
    ``application/A1``), and of those the ones concerning ``member_id`` (done by them, or
    to their records: the member id is the actor, or the ``member=`` of the detail, or the
    record is ``member/<id>`` or ``credentials/<id>``)."""
    unit_of_work(uow)
    for value, field in ((member_id, "member_id"), (record, "record")):
        if value is not None and not isinstance(value, str):
            raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    with uow:
        events: Sequence[AuditEvent] = uow.audit.events(record) if record is not None else uow.audit.events()
    if member_id is None:
        return tuple(events)
    own = {f"member/{member_id}", f"credentials/{member_id}"}
    return tuple(e for e in events if e.actor == member_id or e.record in own or _member_of(e) == member_id)
