"""Ports of the member flows: who a member is and owns, credentials, sessions, and the
secrets (password hashes, session tokens) and third parties the flows call.

The records these ports exchange (``Credentials``, ``Session``, ``VerificationMethod``,
``VerificationResult``) come from the record modules below the ports
(``hpf_core.members._records``, ``hpf_core.centers._records``); the member and centre
functions above the ports name the ports in annotations only (D-041).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import attrs

from hpf_core.centers._records import VerificationMethod, VerificationResult
from hpf_core.identity import mask_id_number, mask_phone, masked_repr
from hpf_core.members._records import Credentials, Session

__all__ = [
    "CredentialRepository",
    "IdentityVerifier",
    "MemberRecord",
    "MemberRepository",
    "PasswordHasher",
    "SessionRepository",
    "TokenSource",
]


@attrs.frozen
class MemberRecord:
    """A member of the centre (缴存职工) and what they own: their deposit account (at most
    one, Art. 13) and the loans they borrow on. The repr masks the phone and ID numbers.

    >>> record = MemberRecord("M1", "13800138000", "11010519491231002X", "A1", ("HT1",))
    >>> "138****8000" in repr(record), "13800138000" in repr(record), "1231002X" in repr(record)
    (True, False, False)
    """

    member_id: str
    phone: str = attrs.field(repr=mask_phone)
    id_number: str = attrs.field(repr=mask_id_number)
    account_no: str | None = attrs.field(default=None, repr=masked_repr)
    loan_contracts: tuple[str, ...] = ()
    version: int = attrs.field(default=0, kw_only=True)
    """The stored version (compare-and-set, as on every record two requests can change)."""


class MemberRepository(Protocol):
    """Members by member id, phone and ID number; the phone and the ID number are unique
    within a centre, and an account or a loan belongs to one member at most."""

    def get(self, member_id: str) -> MemberRecord:
        """The member; ``UnknownRecord`` if there is none."""
        ...

    def by_phone(self, phone: str) -> MemberRecord | None:
        """The member with this mobile number, if any."""
        ...

    def by_id_number(self, id_number: str) -> MemberRecord | None:
        """The member with this ID number, if any."""
        ...

    def owner_of_account(self, account_no: str) -> MemberRecord | None:
        """The member who owns this deposit account, if any."""
        ...

    def owner_of_loan(self, contract_no: str) -> MemberRecord | None:
        """The member who borrows on this loan contract, if any."""
        ...

    def add(self, member: MemberRecord) -> MemberRecord:
        """Store a new member as version 0 and return it; ``InputError`` if the member id,
        the phone, the ID number or the account is already another member's."""
        ...

    def save(self, member: MemberRecord) -> MemberRecord:
        """Store a changed member and return it as stored (version + 1).
        ``ConcurrentUpdate`` if ``member.version`` is not the stored version;
        ``InputError`` if the new phone or account is another member's;
        ``UnknownRecord`` if there is no such member."""
        ...


class CredentialRepository(Protocol):
    """Members' login records (登录凭据), by member id, phone and ID number."""

    def get(self, member_id: str) -> Credentials:
        """The member's credentials; ``UnknownRecord`` if there are none."""
        ...

    def by_phone(self, phone: str) -> Credentials | None:
        """The credentials registered to this mobile number, if any."""
        ...

    def by_id_number(self, id_number: str) -> Credentials | None:
        """The credentials registered to this ID number, if any."""
        ...

    def add(self, credentials: Credentials) -> Credentials:
        """Store new credentials as version 0 and return them; ``InputError`` if the member
        id, the phone or the ID number already has credentials."""
        ...

    def save(self, credentials: Credentials) -> Credentials:
        """Compare-and-set: store changed credentials and return them as stored (version + 1);
        ``ConcurrentUpdate`` if ``credentials.version`` is not the stored version (another
        login or password change came first); ``UnknownRecord`` if there are none."""
        ...


class SessionRepository(Protocol):
    """Login sessions (会话) by the hash of their token; the token itself is never stored."""

    def add(self, session: Session) -> None:
        """Store a new session; ``InputError`` if its token hash is taken."""
        ...

    def get(self, token_hash: str) -> Session | None:
        """The session with this token hash, if any (ended ones included)."""
        ...

    def save(self, session: Session) -> None:
        """Store a touched session; ``UnknownRecord`` if there is none. An ended session
        stays ended: a save never clears ``ended_at`` (a request racing a logout cannot
        revive the session)."""
        ...

    def of_member(self, member_id: str) -> Sequence[Session]:
        """The member's sessions not yet ended, oldest first."""
        ...

    def end(self, token_hash: str, at: datetime) -> bool:
        """End one session at ``at`` (退出登录); False if there is none or it had ended."""
        ...

    def end_all(self, member_id: str, at: datetime, *, keep: str | None = None) -> int:
        """End every session of the member not yet ended, except the one whose token hash
        is ``keep``; how many were ended."""
        ...


class PasswordHasher(Protocol):
    """Port: a slow, salted password hash (口令散列) — scrypt or Argon2id in the adapters.

    ``hash`` returns a self-describing PHC-like string (algorithm, parameters, salt, hash);
    ``verify`` compares in constant time and returns False for a malformed stored value;
    ``needs_rehash`` is True when the stored parameters are below the configured ones."""

    def hash(self, password: str) -> str: ...

    def verify(self, stored: str, password: str) -> bool: ...

    def needs_rehash(self, stored: str) -> bool: ...


class TokenSource(Protocol):
    """Port: new session tokens from a CSPRNG (adapter: ``SecretsTokens``, 256 bits)."""

    def new_token(self) -> str: ...


class IdentityVerifier(Protocol):
    """Port: a third party (Alipay, a face-recognition service) vouches for a member."""

    def verify(self, member_id: str, method: VerificationMethod) -> VerificationResult:
        """Ask the third party; a refusal is a result with ``ok=False``, not an exception."""
        ...

    def identify(self, method: VerificationMethod, evidence: str) -> VerificationResult:
        """Whom the third party vouches for, given what its screen gave the channel
        (``evidence``: Alipay's one-time ``auth_code`` from 确认授权 — exchanged through
        ``alipay.system.oauth.token`` for the ``user_id`` and the user's 实名 ID number —
        or a face check's ``CertifyId``, looked up with the service's result query). A
        pass carries ``id_number`` (the ID number vouched for) and ``number`` (the Alipay
        ``user_id``; for a face check the ID number); evidence is good once. A refusal, an
        unknown or a used evidence is a result with ``ok=False``, not an exception (D-048)."""
        ...
