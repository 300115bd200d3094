"""SQL members, credentials, sessions, outbox, documents and audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa

from hpf_adapters.sql import _tables as t
from hpf_adapters.sql._base import Repo, make_id, micros, seq_of
from hpf_adapters.sql._codec import dumps, loads
from hpf_core.dates import require_aware
from hpf_core.errors import InputError, InputTypeError, UnknownRecord
from hpf_core.members import Credentials, Session
from hpf_core.ports import AuditEvent, MemberRecord, Notification, StoredDocument, content_hash


class SqlMembers(Repo):
    """:class:`hpf_core.ports.MemberRepository`: phone and ID as lookup hashes (unique), the
    account a column (unique), each loan a row of ``member_loans`` (the contract number is
    the key, so a loan belongs to one member)."""

    def _load(self, row: sa.Row[Any]) -> MemberRecord:
        return attrs.evolve(loads(row.body, MemberRecord, self._ring), version=row.version)

    def _one(self, where: sa.ColumnElement[bool], lock: bool = False) -> MemberRecord | None:
        query = sa.select(t.members.c.body, t.members.c.version).where(where)
        row = self._run(self._locked(query) if lock else query).first()
        return None if row is None else self._load(row)

    def get(self, member_id: str) -> MemberRecord:
        found = self._one(t.members.c.member_id == member_id, lock=True)
        if found is None:
            raise UnknownRecord("member_id", "no such member", member_id)
        return found

    def by_phone(self, phone: str) -> MemberRecord | None:
        return self._one(t.members.c.phone_hash == self._ring.hash(phone, "phone"))

    def by_id_number(self, id_number: str) -> MemberRecord | None:
        return self._one(t.members.c.id_hash == self._ring.hash(id_number, "id_number"))

    def owner_of_account(self, account_no: str) -> MemberRecord | None:
        return self._one(t.members.c.account_no == account_no)

    def owner_of_loan(self, contract_no: str) -> MemberRecord | None:
        owner = sa.select(t.member_loans.c.member_id).where(t.member_loans.c.contract_no == contract_no)
        return self._one(t.members.c.member_id.in_(owner.scalar_subquery()))

    def _row(self, member: MemberRecord) -> dict[str, Any]:
        return {
            "phone_hash": self._ring.hash(member.phone, "phone"),
            "id_hash": self._ring.hash(member.id_number, "id_number"),
            "account_no": member.account_no,
            "body": dumps(member, self._ring),
        }

    def _check_unique(self, member: MemberRecord, row: dict[str, Any]) -> None:
        c = t.members.c
        other = c.member_id != member.member_id
        if self._run(sa.select(c.member_id).where(other, c.phone_hash == row["phone_hash"])).first():
            raise InputError("phone", "is another member's (a phone is unique within a centre)")
        if self._run(sa.select(c.member_id).where(other, c.id_hash == row["id_hash"])).first():
            raise InputError("id_number", "is another member's")
        if (
            member.account_no is not None
            and self._run(sa.select(c.member_id).where(other, c.account_no == member.account_no)).first()
        ):
            raise InputError("account_no", "is another member's", member.account_no)
        if member.loan_contracts:
            loans = t.member_loans.c
            shared = self._run(
                sa.select(loans.contract_no).where(
                    loans.member_id != member.member_id, loans.contract_no.in_(member.loan_contracts)
                )
            ).first()
            if shared:
                raise InputError("loan_contracts", "a loan is another member's", shared[0])

    def _store_loans(self, member: MemberRecord) -> None:
        self._run(sa.delete(t.member_loans).where(t.member_loans.c.member_id == member.member_id))
        for contract_no in dict.fromkeys(member.loan_contracts):
            self._insert(t.member_loans, contract_no=contract_no, member_id=member.member_id)

    def add(self, member: MemberRecord) -> MemberRecord:
        if self._run(
            sa.select(t.members.c.member_id).where(t.members.c.member_id == member.member_id)
        ).first():
            raise InputError("member_id", "a member with this id exists", member.member_id)
        stored = attrs.evolve(member, version=0)
        row = self._row(stored)
        self._check_unique(stored, row)
        self._insert(t.members, member_id=member.member_id, version=0, **row)
        self._store_loans(stored)
        return stored

    def save(self, member: MemberRecord) -> MemberRecord:
        c = t.members.c
        key = c.member_id == member.member_id
        self._check_version(t.members, key, member.version, "member_id", member.member_id)
        stored = attrs.evolve(member, version=member.version + 1)
        row = self._row(stored)
        self._check_unique(stored, row)
        self._compare_and_set(t.members, key, member.version, "member_id", member.member_id, **row)
        self._store_loans(stored)
        return stored


class SqlCredentials(Repo):
    """:class:`hpf_core.ports.CredentialRepository`: phone and ID as unique lookup hashes;
    the record (password hashes, lock state) as canonical JSON, phone and ID sealed."""

    def _one(self, where: sa.ColumnElement[bool], lock: bool = False) -> Credentials | None:
        c = t.credentials.c
        query = sa.select(c.body, c.version).where(where)
        row = self._run(self._locked(query) if lock else query).first()
        return (
            None
            if row is None
            else attrs.evolve(loads(row.body, Credentials, self._ring), version=row.version)
        )

    def get(self, member_id: str) -> Credentials:
        found = self._one(t.credentials.c.member_id == member_id, lock=True)
        if found is None:
            raise UnknownRecord("member_id", "no credentials for this member", member_id)
        return found

    def by_phone(self, phone: str) -> Credentials | None:
        return self._one(t.credentials.c.phone_hash == self._ring.hash(phone, "phone"))

    def by_id_number(self, id_number: str) -> Credentials | None:
        return self._one(t.credentials.c.id_hash == self._ring.hash(id_number, "id_number"))

    def add(self, credentials: Credentials) -> Credentials:
        c = t.credentials.c
        if self._run(sa.select(c.member_id).where(c.member_id == credentials.member_id)).first():
            raise InputError("member_id", "this member has credentials", credentials.member_id)
        if self.by_phone(credentials.phone) is not None:
            raise InputError("phone", "is another member's login")
        if self.by_id_number(credentials.id_number) is not None:
            raise InputError("id_number", "is another member's login")
        stored = attrs.evolve(credentials, version=0)
        self._insert(
            t.credentials,
            member_id=credentials.member_id,
            phone_hash=self._ring.hash(credentials.phone, "phone"),
            id_hash=self._ring.hash(credentials.id_number, "id_number"),
            version=0,
            body=dumps(stored, self._ring),
        )
        return stored

    def save(self, credentials: Credentials) -> Credentials:
        member_id = credentials.member_id
        stored = attrs.evolve(credentials, version=credentials.version + 1)
        self._compare_and_set(
            t.credentials, t.credentials.c.member_id == member_id, credentials.version, "member_id",
            member_id, phone_hash=self._ring.hash(stored.phone, "phone"),
            id_hash=self._ring.hash(stored.id_number, "id_number"), body=dumps(stored, self._ring),
        )  # fmt: skip
        return stored


class SqlSessions(Repo):
    """:class:`hpf_core.ports.SessionRepository`: by token hash; ``ended_at`` is a column
    that a save never clears (``COALESCE``) and ``end`` sets only if unset."""

    def _load(self, row: sa.Row[Any]) -> Session:
        ended = None if row.ended_at is None else datetime.fromisoformat(row.ended_at)
        return attrs.evolve(loads(row.body, Session, self._ring), ended_at=ended)

    def add(self, session: Session) -> None:
        c = t.sessions.c
        if self._run(sa.select(c.token_hash).where(c.token_hash == session.token_hash)).first():
            raise InputError("token_hash", "a session with this token exists")
        self._insert(
            t.sessions,
            token_hash=session.token_hash,
            member_id=session.member_id,
            created_us=micros(session.created_at),
            ended_at=None if session.ended_at is None else session.ended_at.isoformat(),
            body=dumps(session, self._ring),
        )

    def get(self, token_hash: str) -> Session | None:
        c = t.sessions.c
        row = self._run(sa.select(c.body, c.ended_at).where(c.token_hash == token_hash)).first()
        return None if row is None else self._load(row)

    def save(self, session: Session) -> None:
        c = t.sessions.c
        ended = None if session.ended_at is None else session.ended_at.isoformat()
        result = self._run(
            sa.update(t.sessions)
            .where(c.token_hash == session.token_hash)
            .values(body=dumps(session, self._ring), ended_at=sa.func.coalesce(c.ended_at, ended))
        )
        if result.rowcount == 0:
            raise UnknownRecord("token_hash", "no such session")

    def of_member(self, member_id: str) -> Sequence[Session]:
        c = t.sessions.c
        query = (
            sa.select(c.body, c.ended_at)
            .where(c.member_id == member_id, c.ended_at.is_(None))
            .order_by(c.created_us, c.token_hash)
        )
        return [self._load(row) for row in self._run(query)]

    def end(self, token_hash: str, at: datetime) -> bool:
        require_aware(at, "at")
        c = t.sessions.c
        query = sa.update(t.sessions).where(c.token_hash == token_hash, c.ended_at.is_(None))
        return self._run(query.values(ended_at=at.isoformat())).rowcount == 1

    def end_all(self, member_id: str, at: datetime, *, keep: str | None = None) -> int:
        require_aware(at, "at")
        c = t.sessions.c
        where = [c.member_id == member_id, c.ended_at.is_(None)]
        if keep is not None:
            where.append(c.token_hash != keep)
        return int(self._run(sa.update(t.sessions).where(*where).values(ended_at=at.isoformat())).rowcount)


class SqlOutbox(Repo):
    """:class:`hpf_core.ports.NotificationOutbox`: ids ``N`` + sequence; the phone sealed."""

    def _load(self, row: sa.Row[Any]) -> Notification:
        sent = None if row.sent_at is None else datetime.fromisoformat(row.sent_at)
        found = loads(row.body, Notification, self._ring)
        return attrs.evolve(found, notification_id=make_id("N", row.seq), sent_at=sent)

    def enqueue(self, notification: Notification) -> Notification:
        fresh = attrs.evolve(notification, notification_id="", sent_at=None)
        seq = self._insert(t.outbox, member_id=fresh.member_id, sent_at=None, body=dumps(fresh, self._ring))
        return attrs.evolve(fresh, notification_id=make_id("N", seq))

    def pending(self, limit: int = 100) -> Sequence[Notification]:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InputError("limit", "must be a positive int", limit)
        c = t.outbox.c
        query = sa.select(c.seq, c.body, c.sent_at).where(c.sent_at.is_(None)).order_by(c.seq).limit(limit)
        return [self._load(row) for row in self._run(query)]

    def every(self) -> Sequence[Notification]:
        """Every notification, sent or not, in enqueue order (for inspection)."""
        c = t.outbox.c
        return [self._load(row) for row in self._run(sa.select(c.seq, c.body, c.sent_at).order_by(c.seq))]

    def mark_sent(self, notification_id: str, at: datetime) -> Notification:
        require_aware(at, "at")
        seq = seq_of("N", notification_id)
        c = t.outbox.c
        if seq is not None:
            self._run(
                sa.update(t.outbox).where(c.seq == seq, c.sent_at.is_(None)).values(sent_at=at.isoformat())
            )
            row = self._run(sa.select(c.seq, c.body, c.sent_at).where(c.seq == seq)).first()
            if row is not None:
                return self._load(row)
        raise UnknownRecord("notification_id", "no such notification", notification_id)


class SqlDocuments(Repo):
    """:class:`hpf_core.ports.DocumentStore`: metadata rows (ids ``D`` + sequence) and the
    bytes once per content hash in ``blobs``."""

    _COLUMNS = (
        t.documents.c.seq, t.documents.c.application_id, t.documents.c.category, t.documents.c.filename,
        t.documents.c.size, t.documents.c.sha256, t.documents.c.uploaded_at,
    )  # fmt: skip

    @staticmethod
    def _load(row: sa.Row[Any]) -> StoredDocument:
        return StoredDocument(
            make_id("D", row.seq), row.application_id, row.category, row.filename, row.size, row.sha256,
            datetime.fromisoformat(row.uploaded_at),
        )  # fmt: skip

    def put(
        self, application_id: str, category: str, filename: str, content: bytes, at: datetime
    ) -> StoredDocument:
        if not isinstance(content, bytes):
            raise InputTypeError("content", "must be bytes", type(content).__name__)
        if not content:
            raise InputError("content", "is empty")
        require_aware(at, "at")
        digest = content_hash(content)
        c = t.documents.c
        where = (c.application_id == application_id, c.category == category, c.sha256 == digest)
        row = self._run(sa.select(*self._COLUMNS).where(*where)).first()
        if row is not None:
            return self._load(row)
        self._insert_if_absent(t.blobs, sha256=digest, content=content)
        seq = self._insert_once(
            t.documents, "document", application_id, application_id=application_id, category=category,
            sha256=digest, filename=filename, size=len(content), uploaded_at=at.isoformat(),
        )  # fmt: skip
        return StoredDocument(make_id("D", seq), application_id, category, filename, len(content), digest, at)

    def list(self, application_id: str, category: str | None = None) -> Sequence[StoredDocument]:
        c = t.documents.c
        query = sa.select(*self._COLUMNS).where(c.application_id == application_id)
        if category is not None:
            query = query.where(c.category == category)
        return [self._load(row) for row in self._run(query.order_by(c.seq))]

    def get(self, document_id: str) -> StoredDocument:
        seq = seq_of("D", document_id)
        row = (
            None
            if seq is None
            else self._run(sa.select(*self._COLUMNS).where(t.documents.c.seq == seq)).first()
        )
        if row is None:
            raise UnknownRecord("document_id", "no such document", document_id)
        return self._load(row)

    def content(self, document_id: str) -> bytes:
        digest = self.get(document_id).sha256
        row = self._run(sa.select(t.blobs.c.content).where(t.blobs.c.sha256 == digest)).first()
        if row is None:
            raise UnknownRecord("document_id", "the document's bytes are missing", document_id)
        return bytes(row[0])


class SqlAudit(Repo):
    """:class:`hpf_core.ports.AuditLog`: append-only rows (a trigger refuses UPDATE and
    DELETE); the sequence is the row's."""

    def append(self, event: AuditEvent) -> AuditEvent:
        # the number comes from a counter row locked until the unit of work ends, so a
        # rolled-back append leaves no gap: 1, 2, ... in append order
        self._insert_if_absent(t.counters, name="audit", value=0)
        c = t.counters.c
        self._run(sa.update(t.counters).where(c.name == "audit").values(value=c.value + 1))
        seq = int(self._run(sa.select(c.value).where(c.name == "audit")).scalar_one())
        self._run(
            sa.insert(t.audit).values(
            seq=seq, actor=event.actor, action=event.action, at=event.at.isoformat(), record=event.record,
            detail=event.detail,
            )
        )  # fmt: skip
        return attrs.evolve(event, sequence=seq)

    def events(self, record: str | None = None) -> Sequence[AuditEvent]:
        c = t.audit.c
        query = sa.select(t.audit).order_by(c.seq)
        if record is not None:
            query = query.where(c.record == record)
        return [
            AuditEvent(row.actor, row.action, datetime.fromisoformat(row.at), row.record, row.detail, row.seq)
            for row in self._run(query)
        ]
