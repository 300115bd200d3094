"""The verification code store on SQL: each atomic operation is one short transaction
with a conditional UPDATE or a row lock, never a read-then-write."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import sqlalchemy as sa

from hpf_adapters.sql import _tables as t
from hpf_adapters.sql._base import Query, Repo
from hpf_adapters.sql._codec import Keyring, dumps, loads
from hpf_core.errors import ConcurrentUpdate
from hpf_core.members import CodePurpose, IssuedCode, SendLog
from hpf_core.ports import SendLimit, SendReservation

ATTEMPTS = 30
"""How many times an atomic operation runs before a lock conflict reaches the caller; the
waits between tries grow (with jitter) up to 50 ms, so a burst of racing requests on one phone
(InnoDB chooses deadlock victims among them) drains instead of failing."""


def backoff(attempt: int) -> None:
    """Wait before try ``attempt + 1``: a random part of 2 ms x 2^attempt, at most 50 ms."""
    time.sleep(random.uniform(0, min(0.05, 0.002 * 2**attempt)))


class _Work(Repo):
    def __init__(self, keyring: Keyring, dialect: str, connection: sa.Connection) -> None:
        super().__init__(self)
        self._keyring = keyring
        self._dialect = dialect
        self._connection = connection

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    @property
    def sealer(self) -> Keyring:
        return self._keyring

    @property
    def dialect(self) -> str:
        return self._dialect

    @property
    def locking(self) -> bool:
        return self._dialect != "sqlite"

    def connection(self) -> sa.Connection:
        return self._connection

    def code(self, phone_hash: str, purpose: CodePurpose, owner: str) -> IssuedCode | None:
        row = self._run(_CODE, {"phone_hash": phone_hash, "purpose": purpose.value, "owner": owner}).first()
        if row is None:
            return None
        used = None if row.used_at is None else datetime.fromisoformat(row.used_at)
        return attrs.evolve(loads(row.body, IssuedCode, self.keyring), attempts=row.attempts, used_at=used)

    def put_code(self, issued: IssuedCode) -> None:
        phone_hash = self.keyring.hash(issued.phone, "phone")
        key = {"phone_hash": phone_hash, "purpose": issued.purpose.value, "owner": issued.owner}
        self._run(_CODE_DROP, key)
        self._insert(
            t.codes, phone_hash=phone_hash, purpose=issued.purpose.value, owner=issued.owner,
            code_hash=issued.code_hash.hex(),
            attempts=issued.attempts, used_at=None if issued.used_at is None else issued.used_at.isoformat(),
            body=dumps(issued, self.keyring),
        )  # fmt: skip

    def sends(self, phone: str, owner: str, lock: bool = False) -> SendLog | None:
        params = {"phone_hash": self.keyring.hash(phone, "phone"), "owner": owner}
        row = self._run(self._locked(_SENDS) if lock else _SENDS.plain, params).first()
        return None if row is None else loads(row.body, SendLog, self.keyring)

    def put_sends(self, log: SendLog) -> None:
        phone_hash = self.keyring.hash(log.phone, "phone")
        body = dumps(log, self.keyring)
        self._insert_if_absent(t.code_sends, phone_hash=phone_hash, owner=log.owner, body=body)
        self._run(_SENDS_PUT, {"hash": phone_hash, "who": log.owner, "body": body})


_D = t.codes.c
_S = t.code_sends.c
_THE_CODE = (
    _D.phone_hash == sa.bindparam("phone_hash"),
    _D.purpose == sa.bindparam("purpose"),
    _D.owner == sa.bindparam("owner"),
)
_CODE = sa.select(_D.body, _D.attempts, _D.used_at).where(*_THE_CODE)
_CODE_DROP = sa.delete(t.codes).where(*_THE_CODE)
_SENDS = Query(
    sa.select(_S.body).where(_S.phone_hash == sa.bindparam("phone_hash"), _S.owner == sa.bindparam("owner"))
)
_SENDS_PUT = sa.update(t.code_sends).where(
    _S.phone_hash == sa.bindparam("hash"), _S.owner == sa.bindparam("who")
)
_THAT_CODE = (
    _D.phone_hash == sa.bindparam("hash"),
    _D.purpose == sa.bindparam("what"),
    _D.owner == sa.bindparam("who"),
)
_COUNT = sa.update(t.codes).where(*_THAT_CODE).values(attempts=_D.attempts + 1)
_CONSUME = sa.update(t.codes).where(*_THAT_CODE, _D.code_hash == sa.bindparam("digest"), _D.used_at.is_(None))


class SqlCodeStore:
    """:class:`hpf_core.ports.VerificationCodeStore` on SQL, codes keyed by (phone, purpose,
    owner) and send logs by (phone, owner). ``reserve_send`` locks the send-log row
    (``SELECT ... FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE``) before it checks the limits and
    keeps the attempts of a live code it replaces; ``count_attempt`` is ``UPDATE ... SET
    attempts = attempts + 1``; ``consume`` is ``UPDATE ... SET used_at WHERE code_hash = :h
    AND used_at IS NULL``."""

    def __init__(self, engine: sa.Engine, keyring: Keyring, dialect: str) -> None:
        self._engine = engine
        self._keyring = keyring
        self._dialect = dialect

    def _in_transaction(self, work: Any) -> Any:
        """``work`` in one transaction, run again (up to ``ATTEMPTS`` times in all) if the
        database chose it as a deadlock victim: the caller never sees the retry."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self._engine.connect() as connection, connection.begin():
                    return work(_Work(self._keyring, self._dialect, connection))
            except ConcurrentUpdate:
                if attempt == ATTEMPTS:
                    raise
                backoff(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def reserve_send(self, issued: IssuedCode, limits: Sequence[SendLimit]) -> SendReservation:
        at = issued.issued_at

        owner = issued.owner

        def reserve(work: _Work) -> SendReservation:
            phone_hash = work.keyring.hash(issued.phone, "phone")
            empty = SendLog(issued.phone, owner=owner)
            work._insert_if_absent(
                t.code_sends, phone_hash=phone_hash, owner=owner, body=dumps(empty, work.keyring)
            )
            log = work.sends(issued.phone, owner, lock=True) or empty
            if any(log.within(at, limit.window) >= limit.count for limit in limits):
                return SendReservation(False, log)
            kept = tuple(m for m in log.sent_at if at - timedelta(days=1) < m <= at)
            log = SendLog(issued.phone, (*kept, at), owner=owner)
            work.put_sends(log)
            fresh = issued
            replaced = work.code(phone_hash, issued.purpose, owner)
            if replaced is not None and replaced.used_at is None and at < replaced.expires_at:
                # a resend keeps the guess count of the live code it replaces (D-045)
                fresh = attrs.evolve(issued, attempts=max(issued.attempts, replaced.attempts))
            work.put_code(fresh)
            return SendReservation(True, log)

        result: SendReservation = self._in_transaction(reserve)
        return result

    def count_attempt(self, phone: str, purpose: CodePurpose, *, owner: str = "") -> IssuedCode | None:
        def count(work: _Work) -> IssuedCode | None:
            phone_hash = work.keyring.hash(phone, "phone")
            params = {"hash": phone_hash, "what": CodePurpose(purpose).value, "who": owner}
            if work._run(_COUNT, params).rowcount == 0:
                return None
            return work.code(phone_hash, CodePurpose(purpose), owner)

        result: IssuedCode | None = self._in_transaction(count)
        return result

    def consume(
        self, phone: str, purpose: CodePurpose, code_hash: bytes, at: datetime, *, owner: str = ""
    ) -> bool:
        def consume(work: _Work) -> bool:
            params = {
                "hash": work.keyring.hash(phone, "phone"),
                "what": CodePurpose(purpose).value,
                "who": owner,
                "digest": code_hash.hex(),
                "used_at": at.isoformat(),
            }
            return bool(work._run(_CONSUME, params).rowcount == 1)

        result: bool = self._in_transaction(consume)
        return result

    def get(self, phone: str, purpose: CodePurpose, *, owner: str = "") -> IssuedCode | None:
        found: IssuedCode | None = self._in_transaction(
            lambda work: work.code(work.keyring.hash(phone, "phone"), CodePurpose(purpose), owner)
        )
        return found

    def put(self, issued: IssuedCode) -> None:
        self._in_transaction(lambda work: work.put_code(issued))

    def sends(self, phone: str, *, owner: str = "") -> SendLog | None:
        found: SendLog | None = self._in_transaction(lambda work: work.sends(phone, owner))
        return found

    def put_sends(self, log: SendLog) -> None:
        self._in_transaction(lambda work: work.put_sends(log))
