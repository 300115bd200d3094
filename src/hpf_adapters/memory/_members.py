"""In-memory members, credentials and sessions (over a unit of work's working copy)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from hpf_adapters.memory._versions import next_version
from hpf_core.dates import require_aware
from hpf_core.errors import InputError, UnknownRecord
from hpf_core.members import Credentials, Session
from hpf_core.ports import MemberRecord


class MemoryMembers:
    """:class:`hpf_core.ports.MemberRepository` over a unit of work's working copy."""

    def __init__(self, members: dict[str, MemberRecord]) -> None:
        self._members = members

    def get(self, member_id: str) -> MemberRecord:
        try:
            return self._members[member_id]
        except KeyError:
            raise UnknownRecord("member_id", "no such member", member_id) from None

    def _find(self, field: str, value: str) -> MemberRecord | None:
        return next((m for m in self._members.values() if getattr(m, field) == value), None)

    def by_phone(self, phone: str) -> MemberRecord | None:
        return self._find("phone", phone)

    def by_id_number(self, id_number: str) -> MemberRecord | None:
        return self._find("id_number", id_number)

    def owner_of_account(self, account_no: str) -> MemberRecord | None:
        return self._find("account_no", account_no)

    def owner_of_loan(self, contract_no: str) -> MemberRecord | None:
        return next((m for m in self._members.values() if contract_no in m.loan_contracts), None)

    def _check_unique(self, member: MemberRecord) -> None:
        for other in self._members.values():
            if other.member_id == member.member_id:
                continue
            if other.phone == member.phone:
                raise InputError("phone", "is another member's (a phone is unique within a centre)")
            if other.id_number == member.id_number:
                raise InputError("id_number", "is another member's")
            if member.account_no is not None and other.account_no == member.account_no:
                raise InputError("account_no", "is another member's", member.account_no)
            shared = set(other.loan_contracts) & set(member.loan_contracts)
            if shared:
                raise InputError("loan_contracts", "a loan is another member's", min(shared))

    def add(self, member: MemberRecord) -> MemberRecord:
        if member.member_id in self._members:
            raise InputError("member_id", "a member with this id exists", member.member_id)
        self._check_unique(member)
        stored = attrs.evolve(member, version=0)
        self._members[member.member_id] = stored
        return stored

    def save(self, member: MemberRecord) -> MemberRecord:
        stored = next_version(self.get(member.member_id), member, "member_id", member.member_id)
        self._check_unique(stored)
        self._members[member.member_id] = stored
        return stored


class MemoryCredentials:
    """:class:`hpf_core.ports.CredentialRepository` over a unit of work's working copy."""

    def __init__(self, credentials: dict[str, Credentials]) -> None:
        self._credentials = credentials

    def get(self, member_id: str) -> Credentials:
        try:
            return self._credentials[member_id]
        except KeyError:
            raise UnknownRecord("member_id", "no credentials for this member", member_id) from None

    def by_phone(self, phone: str) -> Credentials | None:
        return next((c for c in self._credentials.values() if c.phone == phone), None)

    def by_id_number(self, id_number: str) -> Credentials | None:
        return next((c for c in self._credentials.values() if c.id_number == id_number), None)

    def add(self, credentials: Credentials) -> Credentials:
        if credentials.member_id in self._credentials:
            raise InputError("member_id", "this member has credentials", credentials.member_id)
        if self.by_phone(credentials.phone) is not None:
            raise InputError("phone", "is another member's login")
        if self.by_id_number(credentials.id_number) is not None:
            raise InputError("id_number", "is another member's login")
        stored = attrs.evolve(credentials, version=0)
        self._credentials[credentials.member_id] = stored
        return stored

    def save(self, credentials: Credentials) -> Credentials:
        member_id = credentials.member_id
        stored = next_version(self.get(member_id), credentials, "member_id", member_id)
        self._credentials[member_id] = stored
        return stored


class MemorySessions:
    """:class:`hpf_core.ports.SessionRepository` over a unit of work's working copy."""

    def __init__(self, sessions: dict[str, Session]) -> None:
        self._sessions = sessions

    def add(self, session: Session) -> None:
        if session.token_hash in self._sessions:
            raise InputError("token_hash", "a session with this token exists")
        self._sessions[session.token_hash] = session

    def get(self, token_hash: str) -> Session | None:
        return self._sessions.get(token_hash)

    def save(self, session: Session) -> None:
        stored = self._sessions.get(session.token_hash)
        if stored is None:
            raise UnknownRecord("token_hash", "no such session")
        if stored.ended_at is not None:
            session = attrs.evolve(session, ended_at=stored.ended_at)
        self._sessions[session.token_hash] = session

    def of_member(self, member_id: str) -> Sequence[Session]:
        mine = (s for s in self._sessions.values() if s.member_id == member_id and s.ended_at is None)
        return sorted(mine, key=lambda s: s.created_at)

    def end(self, token_hash: str, at: datetime) -> bool:
        require_aware(at, "at")
        stored = self._sessions.get(token_hash)
        if stored is None or stored.ended_at is not None:
            return False
        self._sessions[token_hash] = attrs.evolve(stored, ended_at=at)
        return True

    def end_all(self, member_id: str, at: datetime, *, keep: str | None = None) -> int:
        require_aware(at, "at")
        ended = 0
        for session in self.of_member(member_id):
            if session.token_hash != keep:
                self._sessions[session.token_hash] = attrs.evolve(session, ended_at=at)
                ended += 1
        return ended
