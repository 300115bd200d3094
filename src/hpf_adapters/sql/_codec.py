"""Records to canonical JSON text and back, with personal data sealed (AES-GCM).

The form (``FORMAT`` = 1, recorded in D-044): an attrs record is a JSON object of ALL its
fields by name, keys sorted, no spaces, UTF-8; ``Decimal`` is its string (``"5000.00"``),
``Fraction`` ``[numerator, denominator]``, ``date``/``datetime`` ISO 8601 (a datetime keeps
its UTC offset), ``bytes`` base64, an enum its stable value, a tuple a list, a frozenset a
list sorted by the JSON text of its items, a mapping an object. A ``str`` field named in
:data:`PERSONAL` (phone, ID, card numbers) is stored sealed: ``"enc1:<key id>:<base64 of
nonce + ciphertext>"``, the field name as associated data. Decoding reads the record's
type hints, so it needs no type tags in the text; a field missing from the text takes its
default (a row written before the field was added, D-048), and one without a default is an
error.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
import os
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

import attrs
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hpf_core.errors import InputError, InputTypeError

FORMAT = 1
PERSONAL = frozenset({"phone", "id_number", "card_number", "number", "to"})
"""The field names whose text is sealed at rest."""

_MARK = "enc1:"
_EXACT = Context(prec=60)


@attrs.frozen
class Keyring:
    """The keys of personal data at rest: AES-256-GCM ``keys`` by key id (the newest,
    ``current``, seals; any listed opens, so old keys can be rotated out), and the
    ``lookup`` key of the HMAC-SHA-256 lookup hashes (it does not rotate: the hashes index
    the rows). The repr shows the key ids only.

    >>> ring = Keyring.from_secret(b"k" * 32)
    >>> sealed = ring.seal("13800138000", "phone")
    >>> "13800138000" in sealed, ring.open(sealed, "phone")
    (False, '13800138000')
    >>> ring
    Keyring(current='k1', ids=('k1',))
    """

    keys: Mapping[str, bytes] = attrs.field(repr=False)
    current: str
    lookup: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        if self.current not in self.keys:
            raise InputError("current", "is not one of the keys", self.current)
        for key_id, key in self.keys.items():
            if not isinstance(key, bytes) or len(key) != 32:
                raise InputTypeError("keys", "each key must be 32 bytes", key_id)
            if ":" in key_id:
                raise InputError("keys", "a key id must not contain ':'", key_id)
        if not isinstance(self.lookup, bytes) or len(self.lookup) < 32:
            raise InputTypeError("lookup", "must be at least 32 bytes", type(self.lookup).__name__)

    def __repr__(self) -> str:
        return f"Keyring(current={self.current!r}, ids={tuple(sorted(self.keys))!r})"

    @classmethod
    def from_secret(cls, secret: bytes, key_id: str = "k1") -> Keyring:
        """One 32-byte secret: the AES key is HMAC(secret, "aes"), the lookup key
        HMAC(secret, "lookup")."""
        if not isinstance(secret, bytes) or len(secret) < 32:
            raise InputTypeError("key", "must be at least 32 bytes", type(secret).__name__)
        aes = hmac.new(secret, b"hpf aes-gcm", hashlib.sha256).digest()
        lookup = hmac.new(secret, b"hpf lookup", hashlib.sha256).digest()
        return cls({key_id: aes}, key_id, lookup)

    def seal(self, text: str, field: str) -> str:
        """``text`` encrypted under the current key, bound to ``field``."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, text.encode(), field.encode())
        return f"{_MARK}{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, field: str) -> str:
        """The text :meth:`seal` sealed (with any key of the ring)."""
        key_id, _, body = sealed[len(_MARK) :].partition(":")
        if key_id not in self.keys:
            raise InputError(field, "is sealed with a key not in the keyring", key_id)
        raw = base64.b64decode(body)
        return AESGCM(self.keys[key_id]).decrypt(raw[:12], raw[12:], field.encode()).decode()

    def hash(self, text: str, field: str) -> str:
        """The lookup hash (HMAC-SHA-256, hex) of ``text`` as ``field``."""
        return hmac.new(self.lookup, f"{field}\0{text}".encode(), hashlib.sha256).hexdigest()


def _encode(value: Any, ring: Keyring, field: str = "") -> Any:
    if value is None or (isinstance(value, bool | int) and not isinstance(value, enum.Enum)):
        return value
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        return ring.seal(value, field) if field in PERSONAL else value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Fraction):
        return [value.numerator, value.denominator]
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if attrs.has(type(value)):
        return {f.name: _encode(getattr(value, f.name), ring, f.name) for f in attrs.fields(type(value))}
    if isinstance(value, frozenset | set):
        items = [_encode(v, ring, field) for v in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, tuple | list):
        return [_encode(v, ring, field) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v, ring, field) for k, v in value.items()}
    raise InputTypeError(field or "record", "cannot be stored", type(value).__name__)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


def _decode(value: Any, hint: Any, ring: Keyring, field: str = "") -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        if value is None:
            return None
        arms = [a for a in typing.get_args(hint) if a is not type(None)]
        for arm in arms[:-1]:  # e.g. WithdrawalKind | LoanBusiness: the first arm that reads it
            try:
                return _decode(value, arm, ring, field)
            except (ValueError, TypeError, KeyError):
                continue
        return _decode(value, arms[-1], ring, field)
    if value is None:
        return None
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(v, args[0], ring, field) for v in value)
        return tuple(_decode(v, a, ring, field) for v, a in zip(value, args, strict=True))
    if origin in (frozenset, set):
        (arg,) = typing.get_args(hint)
        return frozenset(_decode(v, arg, ring, field) for v in value)
    if origin is not None and issubclass(origin, Mapping):
        _, arg = typing.get_args(hint)
        return {k: _decode(v, arg, ring, field) for k, v in value.items()}
    if attrs.has(hint):
        hints = _hints(hint)
        # a field added later with a default is absent from older rows: its default applies
        kwargs = {
            f.alias: _decode(value[f.name], hints[f.name], ring, f.name)
            for f in attrs.fields(hint)
            if f.init and (f.name in value or f.default is attrs.NOTHING)
        }
        return hint(**kwargs)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if hint is str:
        return ring.open(value, field) if field in PERSONAL and value.startswith(_MARK) else value
    if hint is Decimal:
        return Decimal(value)
    if hint is Fraction:
        return Fraction(value[0], value[1])
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is date:
        return date.fromisoformat(value)
    if hint is bytes:
        return base64.b64decode(value)
    return value


def dumps(record: object, ring: Keyring) -> str:
    """The canonical JSON text of an attrs record (personal fields sealed)."""
    return json.dumps(_encode(record, ring), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


T = typing.TypeVar("T")


def loads(text: str, cls: type[T], ring: Keyring) -> T:
    """The record of type ``cls`` that :func:`dumps` wrote."""
    decoded: T = _decode(json.loads(text), cls, ring)
    return decoded


def to_fen(amount: Decimal) -> int:
    """A yuan amount as integer fen (exact: refuses a fraction of a fen)."""
    fen = amount.scaleb(2, context=_EXACT)
    if fen != fen.to_integral_value(context=_EXACT):
        raise InputError("amount", "is not a whole number of fen", str(amount))
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """Integer fen as a yuan amount with two places."""
    sign, whole = ("-" if fen < 0 else ""), abs(fen)
    return Decimal(f"{sign}{whole // 100}.{whole % 100:02d}")
