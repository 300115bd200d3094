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
import operator
import os
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any, Protocol

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
    _ciphers: dict[str, AESGCM] = attrs.field(init=False, repr=False, eq=False, factory=dict)
    """An ``AESGCM`` a key, made on first use (making one costs as much as a seal: D-071)."""

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

    def _cipher(self, key_id: str) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            cipher = self._ciphers[key_id] = AESGCM(self.keys[key_id])
        return cipher

    def seal(self, text: str, field: str) -> str:
        """``text`` encrypted under the current key, bound to ``field`` (a fresh random
        nonce each call)."""
        nonce = os.urandom(12)
        sealed = self._cipher(self.current).encrypt(nonce, text.encode(), field.encode())
        return f"{_MARK}{self.current}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, field: str) -> str:
        """The text :meth:`seal` sealed (with any key of the ring)."""
        key_id, _, body = sealed[len(_MARK) :].partition(":")
        if key_id not in self.keys:
            raise InputError(field, "is sealed with a key not in the keyring", key_id)
        raw = base64.b64decode(body)
        return self._cipher(key_id).decrypt(raw[:12], raw[12:], field.encode()).decode()

    def hash(self, text: str, field: str) -> str:
        """The lookup hash (HMAC-SHA-256, hex) of ``text`` as ``field``."""
        return hmac.new(self.lookup, f"{field}\0{text}".encode(), hashlib.sha256).hexdigest()


class Sealer(Protocol):
    """What the codec needs of a keyring: :class:`Keyring` itself, or :class:`UnitKeys`."""

    def seal(self, text: str, field: str) -> str: ...

    def open(self, sealed: str, field: str) -> str: ...

    def hash(self, text: str, field: str) -> str: ...


class UnitKeys:
    """A :class:`Keyring` as one unit of work uses it: a value it opened under the current
    key, or sealed, is sealed again as the same text, and lookup hashes are computed once.
    So saving a record whose ID number did not change stores the sealed text it read (no
    new AES-GCM seal, no new nonce, per save: D-051). Nothing outlives the unit of work."""

    __slots__ = ("_current", "_hashes", "_ring", "_sealed")

    def __init__(self, ring: Keyring) -> None:
        self._ring = ring
        self._current = f"{_MARK}{ring.current}:"
        self._sealed: dict[tuple[str, str], str] = {}
        self._hashes: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"UnitKeys({self._ring!r})"

    def seal(self, text: str, field: str) -> str:
        found = self._sealed.get((field, text))
        if found is None:
            found = self._sealed[(field, text)] = self._ring.seal(text, field)
        return found

    def open(self, sealed: str, field: str) -> str:
        text = self._ring.open(sealed, field)
        if sealed.startswith(self._current):  # an old key's text is sealed anew (rotation)
            self._sealed.setdefault((field, text), sealed)
        return text

    def hash(self, text: str, field: str) -> str:
        found = self._hashes.get((field, text))
        if found is None:
            found = self._hashes[(field, text)] = self._ring.hash(text, field)
        return found


# Encoding dispatches on the value's exact type; each type's encoder is chosen once, by
# the same tests in the same order as the format above describes, and an attrs class's
# field names are read once (D-051: the generic walk was most of the codec's time).

_Encoder = Callable[[Any, Sealer, str], Any]
_ENCODERS: dict[type, _Encoder] = {}


def _encode(value: Any, ring: Sealer, field: str = "") -> Any:
    encoder = _ENCODERS.get(type(value))
    if encoder is None:
        encoder = _ENCODERS[type(value)] = _encoder_for(type(value))
    return encoder(value, ring, field)


def _same(value: Any, _ring: Sealer, _field: str) -> Any:
    return value


def _text(value: str, ring: Sealer, field: str) -> str:
    return ring.seal(value, field) if field in PERSONAL else value


_AS_IS = frozenset({str, int, bool, type(None)})
"""Types whose value is its own JSON (a ``str`` unless its field is in :data:`PERSONAL`)."""


def _record_encoder(kind: type) -> _Encoder:
    names = tuple(f.name for f in attrs.fields(kind))
    if not names:
        return lambda _value, _ring, _field: {}
    personal = PERSONAL.intersection(names)
    values = operator.attrgetter(*names) if len(names) > 1 else lambda value: (getattr(value, names[0]),)
    encoders = _ENCODERS

    def encode(value: Any, ring: Sealer, _field: str) -> dict[str, Any]:
        # the fields' values in one C call; a str, int, bool or None as is (no call a field)
        out = {}
        for name, item in zip(names, values(value), strict=True):
            kind = type(item)
            if kind in _AS_IS and name not in personal:
                out[name] = item
            else:
                encoder = encoders.get(kind)
                if encoder is None:
                    encoder = encoders[kind] = _encoder_for(kind)
                out[name] = encoder(item, ring, name)
        return out

    return encode


def _plain(item: Any) -> bool:
    """An item whose JSON text is itself in quotes and sorts as it does: a str of printable
    ASCII above '"' and without a backslash (ISO dates, codes)."""
    return (
        type(item) is str
        and item.isascii()
        and item.isprintable()
        and "\\" not in item
        and (not item or min(item) > '"')
    )


def _unsorted_set(value: Any, ring: Sealer, field: str) -> list[Any]:
    if all(type(v) is date for v in value):  # a set of dates (paid months): ISO text sorts as they do
        return sorted(map(date.isoformat, value))
    items = [_encode(v, ring, field) for v in value]
    if all(_plain(item) for item in items):
        return sorted(items)
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


_NUMBERS = frozenset({int, bool, type(None)})
"""Item types a sequence writes as they are, whatever its field: a schedule's fen columns
are hundreds of ints (D-074: one ``list`` instead of a call an item)."""


def _sequence(value: Any, ring: Sealer, field: str) -> list[Any]:
    if _NUMBERS.issuperset(map(type, value)):
        return list(value)
    return [_encode(v, ring, field) for v in value]


def _refuse(kind: type) -> _Encoder:
    def refuse(_value: Any, _ring: Sealer, field: str) -> Any:
        raise InputTypeError(field or "record", "cannot be stored", kind.__name__)

    return refuse


def _encoder_for(kind: type) -> _Encoder:
    is_enum = issubclass(kind, enum.Enum)
    if kind is type(None) or (issubclass(kind, bool | int) and not is_enum):
        return _same
    if issubclass(kind, str) and not is_enum:
        return _text
    if is_enum:
        return lambda value, _ring, _field: value.value
    if issubclass(kind, Decimal):
        return lambda value, _ring, _field: str(value)
    if issubclass(kind, Fraction):
        return lambda value, _ring, _field: [value.numerator, value.denominator]
    if issubclass(kind, date):  # datetime too
        return lambda value, _ring, _field: value.isoformat()
    if issubclass(kind, bytes):
        return lambda value, _ring, _field: base64.b64encode(value).decode()
    if attrs.has(kind):
        return _record_encoder(kind)
    if issubclass(kind, frozenset | set):
        return _unsorted_set
    if issubclass(kind, tuple | list):
        return _sequence
    if issubclass(kind, Mapping):
        return lambda value, ring, field: {str(k): _encode(v, ring, field) for k, v in value.items()}
    return _refuse(kind)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


# Decoding: one decoder per (type hint, field name), built on first use from the hint.

_Decoder = Callable[[Any, Sealer], Any]
_DECODERS: dict[tuple[Any, str], _Decoder] = {}


def _decoder(hint: Any, field: str) -> _Decoder:
    found = _DECODERS.get((hint, field))
    if found is None:
        found = _DECODERS[(hint, field)] = _decoder_for(hint, field)
    return found


def _decode(value: Any, hint: Any, ring: Sealer, field: str = "") -> Any:
    return _decoder(hint, field)(value, ring)


def _union(hint: Any, field: str) -> _Decoder:
    arms = [_decoder(a, field) for a in typing.get_args(hint) if a is not type(None)]
    first, last = arms[:-1], arms[-1]

    def decode(value: Any, ring: Sealer) -> Any:
        if value is None:
            return None
        for arm in first:  # e.g. WithdrawalKind | LoanBusiness: the first arm that reads it
            try:
                return arm(value, ring)
            except (ValueError, TypeError, KeyError):
                continue
        return last(value, ring)

    return decode


def _record(hint: type) -> _Decoder:
    fields: tuple[tuple[str, str, _Decoder, bool], ...] | None = None

    def decode(value: Any, ring: Sealer) -> Any:
        nonlocal fields
        if fields is None:  # built on first use: a record's hints may name records not yet built
            hints = _hints(hint)
            fields = tuple(
                (f.alias, f.name, _decoder(hints[f.name], f.name), f.default is not attrs.NOTHING)
                for f in attrs.fields(hint)
                if f.init
            )
        # a field added later with a default is absent from older rows: its default applies
        # (one without a default must be there: a KeyError names it)
        return hint(
            **{
                alias: read(value[name], ring)
                for alias, name, read, optional in fields
                if not optional or name in value
            }
        )

    return decode


def _text_decoder(field: str) -> _Decoder:
    if field not in PERSONAL:
        return lambda value, _ring: value

    def decode(value: str, ring: Sealer) -> str:
        return ring.open(value, field) if value.startswith(_MARK) else value

    return decode


def _as_is(value: Any, _ring: Sealer) -> Any:
    return value


def _converter(hint: Any, field: str) -> Callable[[Any], Any] | None:
    """The one-argument function that reads a scalar of type ``hint`` from its JSON (None
    for a hint that needs more: a record, a container, a personal str)."""
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    conversions: dict[Any, Callable[[Any], Any]] = {
        Decimal: Decimal,
        datetime: datetime.fromisoformat,
        date: date.fromisoformat,
        bytes: base64.b64decode,
    }
    return conversions.get(hint)


def _decoder_for(hint: Any, field: str) -> _Decoder:
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _union(hint, field)
    # the common shapes in one call each (D-071): a scalar, and a set or tuple of scalars
    if origin is None and ((hint is str and field not in PERSONAL) or _passes(hint)):
        return _as_is
    convert = _converter(hint, field)
    if convert is not None:
        return lambda value, _ring: None if value is None else convert(value)
    args = typing.get_args(hint)
    whole_as_is = _whole_as_is(origin, args)
    if whole_as_is is not None:  # tuple[int, ...]: the JSON list's items are the items (D-074)
        return lambda value, _ring: None if value is None else whole_as_is(value)
    items = _converter(args[0], field) if args else None
    if items is not None and (
        origin in (frozenset, set) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis)
    ):
        whole = frozenset if origin is not tuple else tuple
        slow = _inner(hint, origin, field)  # an item that is null: read as before

        def each(value: Any, ring: Sealer) -> Any:
            if value is None:
                return None
            if None in value:
                return slow(value, ring)
            return whole(map(items, value))

        return each
    inner = _inner(hint, origin, field)
    return lambda value, ring: None if value is None else inner(value, ring)


def _whole_as_is(origin: Any, args: tuple[Any, ...]) -> type | None:
    """``tuple`` or ``frozenset`` for a ``tuple[X, ...]`` or ``frozenset[X]`` whose items
    :func:`_inner` would read as themselves (X int or bool), else None."""
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and args[0] in (int, bool):
        return tuple
    if origin in (frozenset, set) and args and args[0] in (int, bool):
        return frozenset
    return None


def _passes(hint: Any) -> bool:
    """A hint :func:`_inner` reads as the JSON value itself (int, bool, Any, ...)."""
    if not isinstance(hint, type):
        return hint is Any
    return hint in (int, bool) or (
        not attrs.has(hint)
        and not issubclass(
            hint, enum.Enum | str | Decimal | Fraction | date | bytes | Mapping | tuple | frozenset | set
        )
    )


def _inner(hint: Any, origin: Any, field: str) -> _Decoder:
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0], field)
            return lambda value, ring: tuple(item(v, ring) for v in value)
        items = [_decoder(a, field) for a in args]
        return lambda value, ring: tuple(read(v, ring) for v, read in zip(value, items, strict=True))
    if origin in (frozenset, set):
        (arg,) = typing.get_args(hint)
        member = _decoder(arg, field)
        return lambda value, ring: frozenset(member(v, ring) for v in value)
    if origin is not None and issubclass(origin, Mapping):
        _, arg = typing.get_args(hint)
        entry = _decoder(arg, field)
        return lambda value, ring: {k: entry(v, ring) for k, v in value.items()}
    if attrs.has(hint):
        return _record(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return lambda value, _ring: hint(value)
    if hint is str:
        return _text_decoder(field)
    if hint is Decimal:
        return lambda value, _ring: Decimal(value)
    if hint is Fraction:
        return lambda value, _ring: Fraction(value[0], value[1])
    if hint is datetime:
        return lambda value, _ring: datetime.fromisoformat(value)
    if hint is date:
        return lambda value, _ring: date.fromisoformat(value)
    if hint is bytes:
        return lambda value, _ring: base64.b64decode(value)
    return lambda value, _ring: value


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
"""``json.dumps`` with these options, made once (``json.dumps`` builds an encoder a call)."""


def dumps(record: object, ring: Sealer) -> str:
    """The canonical JSON text of an attrs record (personal fields sealed)."""
    return _CANONICAL.encode(_encode(record, ring))


T = typing.TypeVar("T")


def loads(text: str, cls: type[T], ring: Sealer, *, version: int | None = None) -> T:
    """The record of type ``cls`` that :func:`dumps` wrote; with ``version``, that record
    with its ``version`` field set to it (the row's column), as ``attrs.evolve`` would."""
    value = json.loads(text)
    if version is not None:
        value["version"] = version
    decoded: T = _decode(value, cls, ring)
    return decoded


def to_fen(amount: Decimal) -> int:
    """A yuan amount as integer fen (exact: refuses a fraction of a fen)."""
    fen = amount.scaleb(2, context=_EXACT)
    if fen != fen.to_integral_value(context=_EXACT):
        raise InputError("amount", "is not a whole number of fen", str(amount))
    return int(fen)


def fen_text(fen: int) -> str:
    """Integer fen as the text of a yuan amount with two places (``-12.05``), as the codec
    writes a ``Decimal`` of two places."""
    sign, whole = ("-" if fen < 0 else ""), abs(fen)
    return f"{sign}{whole // 100}.{whole % 100:02d}"


def from_fen(fen: int) -> Decimal:
    """Integer fen as a yuan amount with two places."""
    return Decimal(fen_text(fen))
