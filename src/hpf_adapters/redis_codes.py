"""The verification code store on Redis (验证码存储, issue #15, D-055): each atomic operation
of :class:`hpf_core.ports.VerificationCodeStore` is ONE Lua script run on the server, so no
interleaving of clients can exceed a send limit, lose an attempt or consume a code twice.

Keys are namespaced per centre and hold no phone number in clear::

    hpf:<centre>:code:{<phone lookup hash>:<owner hex>}:<purpose>   a hash: one issued code
    hpf:<centre>:sends:{<phone lookup hash>:<owner hex>}            a list: the sends of a day

The phone lookup hash is the SQL store's (``Keyring.hash(phone, "phone")``, HMAC-SHA-256),
the owner (a member id, ``-`` for none) is its UTF-8 in hex. The braces are a Redis
Cluster hash tag: a phone's code and send log fall in one slot, so the reserve script
(which touches both) also runs on a cluster. A code record keeps only the
code's salted hash (``IssuedCode.code_hash``), its salt, its instants, its attempts and its
``subject`` sealed with the keyring (AES-GCM); the phone is never stored — every read takes
it from the caller. Redis expires a code record ``expires_at - issued_at`` after it was
stored, and a send log a day after its last send (``PEXPIRE``).

Instants are compared in the scripts as integer microseconds since the epoch (exact in Lua's
doubles until the year 2255); each is also stored as ISO 8601 text, so a record comes back
with the UTC offset it was stored with.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import redis

from hpf_core.dates import require_aware
from hpf_core.errors import InputError, InputTypeError, InvalidChoice
from hpf_core.members import CodePurpose, IssuedCode, SendLog
from hpf_core.ports import SendLimit, SendReservation

if TYPE_CHECKING:
    from hpf_adapters.sql import Keyring

__all__ = ["RedisCodeStore"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_US = 86_400_000_000
_CENTRE = re.compile(r"[a-z0-9_-]{1,32}")

# KEYS: the send log, the code. ARGV: at (us), the send's entry, the number of limits, then
# (window us, count) per limit, then the code's fields, its TTL (ms) and the log's TTL (ms).
_RESERVE = """
local at = tonumber(ARGV[1])
local entries = redis.call('LRANGE', KEYS[1], 0, -1)
local times = {}
for i, entry in ipairs(entries) do
  times[i] = tonumber(string.sub(entry, 1, string.find(entry, '|', 1, true) - 1))
end
local limits = tonumber(ARGV[3])
for j = 0, limits - 1 do
  local window = tonumber(ARGV[4 + 2 * j])
  local count = tonumber(ARGV[5 + 2 * j])
  local seen = 0
  for i = 1, #times do
    if times[i] > at - window and times[i] <= at then seen = seen + 1 end
  end
  if seen >= count then return {0, entries} end
end
local kept = {}
for i = 1, #times do
  if times[i] > at - 86400000000 and times[i] <= at then table.insert(kept, entries[i]) end
end
table.insert(kept, ARGV[2])
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[1], unpack(kept))
local f = 4 + 2 * limits
redis.call('PEXPIRE', KEYS[1], ARGV[f + 9])
local attempts = tonumber(ARGV[f + 6])
local old = redis.call('HMGET', KEYS[2], 'used_at', 'expires_us', 'attempts')
if old[3] and old[1] == '' and at < tonumber(old[2]) then
  attempts = math.max(attempts, tonumber(old[3]))
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'code_hash', ARGV[f], 'salt', ARGV[f + 1], 'issued_at', ARGV[f + 2],
  'expires_at', ARGV[f + 3], 'expires_us', ARGV[f + 4], 'subject', ARGV[f + 5],
  'attempts', attempts, 'used_at', ARGV[f + 7])
redis.call('PEXPIRE', KEYS[2], ARGV[f + 8])
return {1, kept}
"""

_COUNT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return redis.call('HGETALL', KEYS[1])
"""

_CONSUME = """
local found = redis.call('HMGET', KEYS[1], 'code_hash', 'used_at')
if not found[1] or found[2] ~= '' or found[1] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'used_at', ARGV[2])
return 1
"""


def _us(at: datetime) -> int:
    """Microseconds since the epoch, exact."""
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ttl_ms(issued: IssuedCode) -> int:
    """How long Redis keeps a code record: the code's lifetime, at least a second."""
    return max(1000, (_us(issued.expires_at) - _us(issued.issued_at)) // 1000)


class RedisCodeStore:
    """:class:`hpf_core.ports.VerificationCodeStore` on Redis (redis-py, extra ``hpf[redis]``).

    ``client`` is a ``redis.Redis``; ``keyring`` an ``hpf_adapters.sql.Keyring`` (its lookup
    key hashes the phones in the keys, its current key seals ``subject``); ``centre`` the
    centre's code (``[a-z0-9_-]``, at most 32), the namespace of every key. ``reserve_send``,
    ``count_attempt`` and ``consume`` are each one server-side Lua script (``register_script``,
    run by ``EVALSHA``); ``get``/``sends`` are plain reads and ``put``/``put_sends`` one
    ``MULTI``/``EXEC`` each.
    """

    def __init__(self, client: redis.Redis, keyring: Keyring, *, centre: str) -> None:
        if not isinstance(client, redis.Redis):
            raise InputTypeError("client", "must be a redis.Redis", type(client).__name__)
        if not isinstance(centre, str) or not _CENTRE.fullmatch(centre):
            raise InputError("centre", "must be 1-32 of a-z, 0-9, '_' and '-'", centre)
        self._client = client
        self._keyring = keyring
        self._prefix = f"hpf:{centre}:"
        self._reserve = client.register_script(_RESERVE)
        self._count = client.register_script(_COUNT)
        self._consume = client.register_script(_CONSUME)

    @classmethod
    def from_url(cls, url: str, keyring: Keyring, *, centre: str) -> RedisCodeStore:
        """A store over a new client for ``url`` (``redis://host:port/db``)."""
        if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
            raise InputError("url", "must be a redis://, rediss:// or unix:// URL")
        return cls(redis.Redis.from_url(url), keyring, centre=centre)

    @property
    def prefix(self) -> str:
        """``hpf:<centre>:``, the start of every key of this store."""
        return self._prefix

    # ------------------------------------------------------------------ keys and records

    def _who(self, phone: str, owner: str) -> str:
        if not isinstance(phone, str):
            raise InputTypeError("phone", "must be a str", type(phone).__name__)
        if not isinstance(owner, str):
            raise InputTypeError("owner", "must be a str", type(owner).__name__)
        return "{" + f"{self._keyring.hash(phone, 'phone')}:{owner.encode().hex() or '-'}" + "}"

    def _code_key(self, phone: str, purpose: CodePurpose, owner: str) -> str:
        try:
            kind = CodePurpose(purpose).value
        except ValueError:
            raise InvalidChoice("purpose", "is not a CodePurpose", purpose) from None
        return f"{self._prefix}code:{self._who(phone, owner)}:{kind}"

    def _sends_key(self, phone: str, owner: str) -> str:
        return f"{self._prefix}sends:{self._who(phone, owner)}"

    def _fields(self, issued: IssuedCode) -> list[str]:
        """The code's fields in the order the reserve script reads them (from ``f``)."""
        require_aware(issued.issued_at, "issued_at")
        require_aware(issued.expires_at, "expires_at")
        subject = self._keyring.seal(issued.subject, "subject") if issued.subject else ""
        used = "" if issued.used_at is None else issued.used_at.isoformat()
        return [
            issued.code_hash.hex(), issued.salt.hex(), issued.issued_at.isoformat(),
            issued.expires_at.isoformat(), str(_us(issued.expires_at)), subject,
            str(issued.attempts), used, str(_ttl_ms(issued)),
        ]  # fmt: skip

    def _record(self, phone: str, purpose: CodePurpose, owner: str, raw: Any) -> IssuedCode | None:
        if not raw:
            return None
        if isinstance(raw, dict):
            pairs = {_text(k): _text(v) for k, v in raw.items()}
        else:  # HGETALL through a script: a flat list
            items = [_text(item) for item in raw]
            pairs = dict(zip(items[::2], items[1::2], strict=True))
        subject = pairs["subject"]
        used = pairs["used_at"]
        return IssuedCode(
            phone, CodePurpose(purpose), bytes.fromhex(pairs["code_hash"]), bytes.fromhex(pairs["salt"]),
            datetime.fromisoformat(pairs["issued_at"]), datetime.fromisoformat(pairs["expires_at"]),
            self._keyring.open(subject, "subject") if subject else "",
            int(pairs["attempts"]), None if not used else datetime.fromisoformat(used), owner=owner,
        )  # fmt: skip

    @staticmethod
    def _log(phone: str, owner: str, entries: Sequence[object]) -> SendLog:
        return SendLog(
            phone, tuple(datetime.fromisoformat(_text(e).split("|", 1)[1]) for e in entries), owner=owner
        )

    # ------------------------------------------------------------------ the port

    def reserve_send(self, issued: IssuedCode, limits: Sequence[SendLimit]) -> SendReservation:
        """One script: count the sends in every window, and if each is under its limit
        record the send, keep the attempts of a live code it replaces, store the code."""
        at = issued.issued_at
        fields = self._fields(issued)
        windows: list[str] = []
        for limit in limits:
            windows += [str(limit.window // timedelta(microseconds=1)), str(limit.count)]
        keys = [
            self._sends_key(issued.phone, issued.owner),
            self._code_key(issued.phone, issued.purpose, issued.owner),
        ]
        args = [str(_us(at)), f"{_us(at)}|{at.isoformat()}", str(len(limits)), *windows, *fields]
        args.append(str(_DAY_US // 1000 + 60_000))
        accepted, entries = self._reserve(keys=keys, args=args)
        return SendReservation(bool(accepted), self._log(issued.phone, issued.owner, entries))

    def count_attempt(self, phone: str, purpose: CodePurpose, *, owner: str = "") -> IssuedCode | None:
        """One script: ``HINCRBY attempts 1`` on an existing record, then the record."""
        raw = self._count(keys=[self._code_key(phone, purpose, owner)])
        return self._record(phone, purpose, owner, raw)

    def consume(
        self, phone: str, purpose: CodePurpose, code_hash: bytes, at: datetime, *, owner: str = ""
    ) -> bool:
        """One script: mark the record used at ``at`` if it holds ``code_hash`` and is unused."""
        require_aware(at, "at")
        if not isinstance(code_hash, bytes):
            raise InputTypeError("code_hash", "must be bytes", type(code_hash).__name__)
        done = self._consume(
            keys=[self._code_key(phone, purpose, owner)], args=[code_hash.hex(), at.isoformat()]
        )
        return bool(int(done))

    def get(self, phone: str, purpose: CodePurpose, *, owner: str = "") -> IssuedCode | None:
        """The stored record (``HGETALL``), None if there is none or Redis expired it."""
        return self._record(
            phone, purpose, owner, self._client.hgetall(self._code_key(phone, purpose, owner))
        )

    def put(self, issued: IssuedCode) -> None:
        """Replace the record (``DEL``, ``HSET``, ``PEXPIRE`` in one ``MULTI``)."""
        f = self._fields(issued)
        names = (
            "code_hash",
            "salt",
            "issued_at",
            "expires_at",
            "expires_us",
            "subject",
            "attempts",
            "used_at",
        )
        key = self._code_key(issued.phone, issued.purpose, issued.owner)
        with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping=dict(zip(names, f[:8], strict=True)))
            pipe.pexpire(key, int(f[8]))
            pipe.execute()

    def sends(self, phone: str, *, owner: str = "") -> SendLog | None:
        """The send log (``LRANGE``), None if there is none."""
        entries = self._client.lrange(self._sends_key(phone, owner), 0, -1)
        return self._log(phone, owner, entries) if entries else None

    def put_sends(self, log: SendLog) -> None:
        """Replace the send log (``DEL``, ``RPUSH``, ``PEXPIRE`` in one ``MULTI``)."""
        key = self._sends_key(log.phone, log.owner)
        for moment in log.sent_at:
            require_aware(moment, "sent_at")
        with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if log.sent_at:
                pipe.rpush(key, *(f"{_us(m)}|{m.isoformat()}" for m in log.sent_at))
                pipe.pexpire(key, _DAY_US // 1000 + 60_000)
            pipe.execute()

    def __repr__(self) -> str:
        return f"RedisCodeStore(prefix={self._prefix!r})"
