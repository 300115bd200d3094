"""SQL members, credentials, sessions, outbox, documents and audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
import sqlalchemy as sa

from hpf_adapters.sql import _tables as t
from hpf_adapters.sql._base import Query, Repo, make_id, micros, seq_of
from hpf_adapters.sql._codec import dumps, loads
from hpf_core.dates import require_aware
from hpf_core.errors import InputError, InputTypeError, UnknownRecord
from hpf_core.members import Credentials, Session
from hpf_core.ports import AuditEvent, MemberRecord, Notification, StoredDocument, content_hash

_M = t.members.c
_ML = t.member_loans.c


def _member_by(column: sa.Column[Any]) -> Query:
    return Query(sa.select(_M.body, _M.version).where(column == sa.bindparam("value")))


_MEMBER = _member_by(_M.member_id)
_MEMBER_BY_PHONE = _member_by(_M.phone_hash)
_MEMBER_BY_ID = _member_by(_M.id_hash)
_MEMBER_BY_ACCOUNT = _member_by(_M.account_no)
_LOAN_OWNER = sa.select(_ML.member_id).where(_ML.contract_no == sa.bindparam("value"))
_MEMBER_BY_LOAN = Query(sa.select(_M.body, _M.version).where(_M.member_id.in_(_LOAN_OWNER.scalar_subquery())))
_MEMBER_ID = sa.select(_M.member_id).where(_M.member_id == sa.bindparam("value"))


def _other_with(column: sa.Column[Any]) -> sa.Select[Any]:
    other = _M.member_id != sa.bindparam("member_id")
    return sa.select(_M.member_id).where(other, column == sa.bindparam("value"))


_OTHER_PHONE = _other_with(_M.phone_hash)
_OTHER_ID = _other_with(_M.id_hash)
_OTHER_ACCOUNT = _other_with(_M.account_no)
_SHARED_LOAN = sa.select(_ML.contract_no).where(
    _ML.member_id != sa.bindparam("member_id"), _ML.contract_no.in_(sa.bindparam("contracts", expanding=True))
)
_DROP_LOANS = sa.delete(t.member_loans).where(_ML.member_id == sa.bindparam("owner"))


class SqlMembers(Repo):
    """:class:`hpf_core.ports.MemberRepository`: phone and ID as lookup hashes (unique), the
    account a column (unique), each loan a row of ``member_loans`` (the contract number is
    the key, so a loan belongs to one member)."""

    def _one(self, query: Query, value: str, lock: bool = False) -> MemberRecord | None:
        rows = self._fast(self._locked(query) if lock else query.plain, {"value": value}).rows
        if not rows:
            return None
        body, version = rows[0]
        return loads(body, MemberRecord, self._ring, version=version)

    def get(self, member_id: str) -> MemberRecord:
        found = self._one(_MEMBER, member_id, lock=True)
        if found is None:
            raise UnknownRecord("member_id", "no such member", member_id)
        return found

    def by_phone(self, phone: str) -> MemberRecord | None:
        return self._one(_MEMBER_BY_PHONE, self._ring.hash(phone, "phone"))

    def by_id_number(self, id_number: str) -> MemberRecord | None:
        return self._one(_MEMBER_BY_ID, self._ring.hash(id_number, "id_number"))

    def owner_of_account(self, account_no: str) -> MemberRecord | None:
        return self._one(_MEMBER_BY_ACCOUNT, account_no)

    def owner_of_loan(self, contract_no: str) -> MemberRecord | None:
        return self._one(_MEMBER_BY_LOAN, contract_no)

    def _row(self, member: MemberRecord) -> dict[str, Any]:
        return {
            "phone_hash": self._ring.hash(member.phone, "phone"),
            "id_hash": self._ring.hash(member.id_number, "id_number"),
            "account_no": member.account_no,
            "body": dumps(member, self._ring),
        }

    def _check_unique(self, member: MemberRecord, row: dict[str, Any]) -> None:
        me = member.member_id
        if self._run(_OTHER_PHONE, {"member_id": me, "value": row["phone_hash"]}).first():
            raise InputError("phone", "is another member's (a phone is unique within a centre)")
        if self._run(_OTHER_ID, {"member_id": me, "value": row["id_hash"]}).first():
            raise InputError("id_number", "is another member's")
        if (
            member.account_no is not None
            and self._run(_OTHER_ACCOUNT, {"member_id": me, "value": member.account_no}).first()
        ):
            raise InputError("account_no", "is another member's", member.account_no)
        if member.loan_contracts:
            shared = self._run(
                _SHARED_LOAN, {"member_id": me, "contracts": list(member.loan_contracts)}
            ).first()
            if shared:
                raise InputError("loan_contracts", "a loan is another member's", shared[0])

    def _store_loans(self, member: MemberRecord) -> None:
        self._run(_DROP_LOANS, {"owner": member.member_id})
        for contract_no in dict.fromkeys(member.loan_contracts):
            self._insert(t.member_loans, contract_no=contract_no, member_id=member.member_id)

    def add(self, member: MemberRecord) -> MemberRecord:
        if self._run(_MEMBER_ID, {"value": member.member_id}).first():
            raise InputError("member_id", "a member with this id exists", member.member_id)
        stored = attrs.evolve(member, version=0)
        row = self._row(stored)
        self._check_unique(stored, row)
        self._insert(t.members, member_id=member.member_id, version=0, **row)
        self._store_loans(stored)
        return stored

    def save(self, member: MemberRecord) -> MemberRecord:
        ident = member.member_id
        self._check_version(t.members, "member_id", ident, member.version, "member_id")
        stored = attrs.evolve(member, version=member.version + 1)
        row = self._row(stored)
        self._check_unique(stored, row)
        self._compare_and_set(t.members, "member_id", ident, member.version, "member_id", row)
        self._store_loans(stored)
        return stored


_CR = t.credentials.c


def _credentials_by(column: sa.Column[Any]) -> Query:
    return Query(sa.select(_CR.body, _CR.version).where(column == sa.bindparam("value")))


_CREDENTIALS = _credentials_by(_CR.member_id)
_CREDENTIALS_BY_PHONE = _credentials_by(_CR.phone_hash)
_CREDENTIALS_BY_ID = _credentials_by(_CR.id_hash)
_CREDENTIALS_ID = sa.select(_CR.member_id).where(_CR.member_id == sa.bindparam("value"))


class SqlCredentials(Repo):
    """:class:`hpf_core.ports.CredentialRepository`: phone and ID as unique lookup hashes;
    the record (password hashes, lock state) as canonical JSON, phone and ID sealed."""

    def _one(self, query: Query, value: str, lock: bool = False) -> Credentials | None:
        rows = self._fast(self._locked(query) if lock else query.plain, {"value": value}).rows
        if not rows:
            return None
        body, version = rows[0]
        return loads(body, Credentials, self._ring, version=version)

    def get(self, member_id: str) -> Credentials:
        found = self._one(_CREDENTIALS, member_id, lock=True)
        if found is None:
            raise UnknownRecord("member_id", "no credentials for this member", member_id)
        return found

    def by_phone(self, phone: str) -> Credentials | None:
        return self._one(_CREDENTIALS_BY_PHONE, self._ring.hash(phone, "phone"))

    def by_id_number(self, id_number: str) -> Credentials | None:
        return self._one(_CREDENTIALS_BY_ID, self._ring.hash(id_number, "id_number"))

    def add(self, credentials: Credentials) -> Credentials:
        if self._run(_CREDENTIALS_ID, {"value": credentials.member_id}).first():
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
        row = {
            "phone_hash": self._ring.hash(stored.phone, "phone"),
            "id_hash": self._ring.hash(stored.id_number, "id_number"),
            "body": dumps(stored, self._ring),
        }
        self._compare_and_set(t.credentials, "member_id", member_id, credentials.version, "member_id", row)
        return stored


_SE = t.sessions.c
_SESSION_TOKEN = sa.select(_SE.token_hash).where(_SE.token_hash == sa.bindparam("token"))
_SESSION = sa.select(_SE.body, _SE.ended_at).where(_SE.token_hash == sa.bindparam("token"))
_SESSION_SAVE = (
    sa.update(t.sessions)
    .where(_SE.token_hash == sa.bindparam("token"))
    .values(body=sa.bindparam("new_body"), ended_at=sa.func.coalesce(_SE.ended_at, sa.bindparam("ended")))
)
_SESSIONS_OF = (
    sa.select(_SE.body, _SE.ended_at)
    .where(_SE.member_id == sa.bindparam("member"), _SE.ended_at.is_(None))
    .order_by(_SE.created_us, _SE.token_hash)
)
_SESSION_END = sa.update(t.sessions).where(_SE.token_hash == sa.bindparam("token"), _SE.ended_at.is_(None))
_SESSIONS_END = sa.update(t.sessions).where(_SE.member_id == sa.bindparam("member"), _SE.ended_at.is_(None))
_SESSIONS_END_BUT = _SESSIONS_END.where(_SE.token_hash != sa.bindparam("keep"))


class SqlSessions(Repo):
    """:class:`hpf_core.ports.SessionRepository`: by token hash; ``ended_at`` is a column
    that a save never clears (``COALESCE``) and ``end`` sets only if unset."""

    def _load(self, row: sa.Row[Any]) -> Session:
        ended = None if row.ended_at is None else datetime.fromisoformat(row.ended_at)
        return attrs.evolve(loads(row.body, Session, self._ring), ended_at=ended)

    def add(self, session: Session) -> None:
        if self._run(_SESSION_TOKEN, {"token": session.token_hash}).first():
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
        rows = self._fast(_SESSION, {"token": token_hash}).rows
        if not rows:
            return None
        body, ended_at = rows[0]
        ended = None if ended_at is None else datetime.fromisoformat(ended_at)
        return attrs.evolve(loads(body, Session, self._ring), ended_at=ended)

    def save(self, session: Session) -> None:
        ended = None if session.ended_at is None else session.ended_at.isoformat()
        params = {"token": session.token_hash, "new_body": dumps(session, self._ring), "ended": ended}
        if self._run(_SESSION_SAVE, params).rowcount == 0:
            raise UnknownRecord("token_hash", "no such session")

    def of_member(self, member_id: str) -> Sequence[Session]:
        return [self._load(row) for row in self._run(_SESSIONS_OF, {"member": member_id})]

    def end(self, token_hash: str, at: datetime) -> bool:
        require_aware(at, "at")
        return self._run(_SESSION_END, {"token": token_hash, "ended_at": at.isoformat()}).rowcount == 1

    def end_all(self, member_id: str, at: datetime, *, keep: str | None = None) -> int:
        require_aware(at, "at")
        params = {"member": member_id, "ended_at": at.isoformat()}
        if keep is None:
            return int(self._run(_SESSIONS_END, params).rowcount)
        return int(self._run(_SESSIONS_END_BUT, {**params, "keep": keep}).rowcount)


_N = t.outbox.c
_NOTICE_COLUMNS = (_N.seq, _N.body, _N.sent_at, _N.failed_at, _N.failure)
_PENDING = (
    sa.select(*_NOTICE_COLUMNS)
    .where(_N.sent_at.is_(None), _N.failed_at.is_(None))
    .order_by(_N.seq)
    .limit(sa.bindparam("limit", type_=sa.Integer))
)
_EVERY = sa.select(*_NOTICE_COLUMNS).order_by(_N.seq)
_NOTIFICATION = sa.select(*_NOTICE_COLUMNS).where(_N.seq == sa.bindparam("number"))
_MARK_SENT = sa.update(t.outbox).where(_N.seq == sa.bindparam("number"), _N.sent_at.is_(None))
_MARK_FAILED = sa.update(t.outbox).where(
    _N.seq == sa.bindparam("number"), _N.sent_at.is_(None), _N.failed_at.is_(None)
)


class SqlOutbox(Repo):
    """:class:`hpf_core.ports.NotificationOutbox`: ids ``N`` + sequence; the phone sealed."""

    def _load(self, row: sa.Row[Any]) -> Notification:
        sent = None if row.sent_at is None else datetime.fromisoformat(row.sent_at)
        failed = None if row.failed_at is None else datetime.fromisoformat(row.failed_at)
        found = loads(row.body, Notification, self._ring)
        return attrs.evolve(
            found,
            notification_id=make_id("N", row.seq),
            sent_at=sent,
            failed_at=failed,
            failure=row.failure or "",
        )

    def enqueue(self, notification: Notification) -> Notification:
        fresh = attrs.evolve(notification, notification_id="", sent_at=None, failed_at=None, failure="")
        seq = self._insert(t.outbox, member_id=fresh.member_id, sent_at=None, body=dumps(fresh, self._ring))
        return attrs.evolve(fresh, notification_id=make_id("N", seq))

    def pending(self, limit: int = 100) -> Sequence[Notification]:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise InputError("limit", "must be a positive int", limit)
        return [self._load(row) for row in self._run(_PENDING, {"limit": limit})]

    def every(self) -> Sequence[Notification]:
        """Every notification, sent or not, in enqueue order (for inspection)."""
        return [self._load(row) for row in self._run(_EVERY)]

    def mark_sent(self, notification_id: str, at: datetime) -> Notification:
        require_aware(at, "at")
        seq = seq_of("N", notification_id)
        if seq is not None:
            self._run(_MARK_SENT, {"number": seq, "sent_at": at.isoformat()})
            row = self._run(_NOTIFICATION, {"number": seq}).first()
            if row is not None:
                return self._load(row)
        raise UnknownRecord("notification_id", "no such notification", notification_id)

    def mark_failed(self, notification_id: str, at: datetime, reason: str) -> Notification:
        require_aware(at, "at")
        attrs.evolve(Notification("-", "", "", at), failure=reason)  # the reason's own checks
        seq = seq_of("N", notification_id)
        if seq is not None:
            self._run(_MARK_FAILED, {"number": seq, "failed_at": at.isoformat(), "failure": reason})
            row = self._run(_NOTIFICATION, {"number": seq}).first()
            if row is not None:
                return self._load(row)
        raise UnknownRecord("notification_id", "no such notification", notification_id)


_DC = t.documents.c
_COLUMNS = (_DC.seq, _DC.application_id, _DC.category, _DC.filename, _DC.size, _DC.sha256, _DC.uploaded_at)
_SAME_DOCUMENT = sa.select(*_COLUMNS).where(
    _DC.application_id == sa.bindparam("application"),
    _DC.category == sa.bindparam("category"),
    _DC.sha256 == sa.bindparam("digest"),
)
_DOCUMENTS = sa.select(*_COLUMNS).where(_DC.application_id == sa.bindparam("application")).order_by(_DC.seq)
_DOCUMENTS_IN = (
    sa.select(*_COLUMNS)
    .where(_DC.application_id == sa.bindparam("application"), _DC.category == sa.bindparam("category"))
    .order_by(_DC.seq)
)
_DOCUMENT = sa.select(*_COLUMNS).where(_DC.seq == sa.bindparam("number"))
_BLOB = sa.select(t.blobs.c.content).where(t.blobs.c.sha256 == sa.bindparam("digest"))


class SqlDocuments(Repo):
    """:class:`hpf_core.ports.DocumentStore`: metadata rows (ids ``D`` + sequence) and the
    bytes once per content hash in ``blobs``."""

    @staticmethod
    def _load(row: sa.Row[Any]) -> StoredDocument:
        return StoredDocument(
            make_id("D", row.seq), row.application_id, row.category, row.filename, row.size, row.sha256,
            datetime.fromisoformat(row.uploaded_at),
        )  # fmt: skip

    def _same(
        self, application_id: str, category: str, content: bytes, at: datetime
    ) -> tuple[str, StoredDocument | None]:
        """Check a ``put``'s content and instant; the content's hash, and the record of the
        same bytes already put in this application and category (a retried upload), if any."""
        if not isinstance(content, bytes):
            raise InputTypeError("content", "must be bytes", type(content).__name__)
        if not content:
            raise InputError("content", "is empty")
        require_aware(at, "at")
        digest = content_hash(content)
        params = {"application": application_id, "category": category, "digest": digest}
        row = self._run(_SAME_DOCUMENT, params).first()
        return digest, None if row is None else self._load(row)

    def _record(
        self, application_id: str, category: str, filename: str, size: int, digest: str, at: datetime
    ) -> StoredDocument:
        """Insert a document's metadata row and return its record."""
        seq = self._insert_once(
            t.documents, "document", application_id, application_id=application_id, category=category,
            sha256=digest, filename=filename, size=size, uploaded_at=at.isoformat(),
        )  # fmt: skip
        return StoredDocument(make_id("D", seq), application_id, category, filename, size, digest, at)

    def put(
        self, application_id: str, category: str, filename: str, content: bytes, at: datetime
    ) -> StoredDocument:
        digest, found = self._same(application_id, category, content, at)
        if found is not None:
            return found
        self._insert_if_absent(t.blobs, sha256=digest, content=content)
        return self._record(application_id, category, filename, len(content), digest, at)

    def list(self, application_id: str, category: str | None = None) -> Sequence[StoredDocument]:
        if category is None:
            rows = self._run(_DOCUMENTS, {"application": application_id})
        else:
            rows = self._run(_DOCUMENTS_IN, {"application": application_id, "category": category})
        return [self._load(row) for row in rows]

    def get(self, document_id: str) -> StoredDocument:
        seq = seq_of("D", document_id)
        row = None if seq is None else self._run(_DOCUMENT, {"number": seq}).first()
        if row is None:
            raise UnknownRecord("document_id", "no such document", document_id)
        return self._load(row)

    def content(self, document_id: str) -> bytes:
        digest = self.get(document_id).sha256
        row = self._run(_BLOB, {"digest": digest}).first()
        if row is None:
            raise UnknownRecord("document_id", "the document's bytes are missing", document_id)
        return bytes(row[0])


_CT = t.counters.c
_AU = t.audit.c
_COUNT_UP = sa.update(t.counters).where(_CT.name == sa.bindparam("counter")).values(value=_CT.value + 1)
_COUNTER = sa.select(_CT.value).where(_CT.name == sa.bindparam("counter"))
_EVENTS = sa.select(t.audit).order_by(_AU.seq)
_EVENTS_OF = sa.select(t.audit).where(_AU.record == sa.bindparam("of")).order_by(_AU.seq)


class SqlAudit(Repo):
    """:class:`hpf_core.ports.AuditLog`: append-only rows (a trigger refuses UPDATE and
    DELETE); the sequence is the row's."""

    def append(self, event: AuditEvent) -> AuditEvent:
        # the number comes from a counter row locked until the unit of work ends, so a
        # rolled-back append leaves no gap: 1, 2, ... in append order
        self._insert_if_absent(t.counters, name="audit", value=0)
        self._run(_COUNT_UP, {"counter": "audit"})
        seq = int(self._run(_COUNTER, {"counter": "audit"}).scalar_one())
        self._insert(
            t.audit, seq=seq, actor=event.actor, action=event.action, at=event.at.isoformat(),
            record=event.record, detail=event.detail,
        )  # fmt: skip
        return attrs.evolve(event, sequence=seq)

    def events(self, record: str | None = None) -> Sequence[AuditEvent]:
        rows = self._run(_EVENTS) if record is None else self._run(_EVENTS_OF, {"of": record})
        return [
            AuditEvent(row.actor, row.action, datetime.fromisoformat(row.at), row.record, row.detail, row.seq)
            for row in rows
        ]
