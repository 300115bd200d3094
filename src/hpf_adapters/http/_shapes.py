"""The JSON Schema of what ``_dump.dump`` makes of a core type (D-067): the success answers
of the OpenAPI document, derived from the core's own annotations (the services' return
types and the records' attrs fields) by the same rules ``dump`` follows, so the document
cannot drift from the answers without Schemathesis's response check failing.

Decimal -> string; date and datetime -> string (ISO form); an enum -> the type of its
values; ``None`` -> null; a tuple, list or set -> array; a mapping -> object; an attrs
record -> object with every field ``dump`` sends (required); ``Application`` and
``BankCard`` -> what ``_dump.application`` and ``dump`` send for them. A type the rules do
not cover is any JSON value ({}): a looser schema, never a wrong one."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

import hpf_core.ports
from hpf_adapters.http._dump import HIDDEN
from hpf_core.withdrawals import Application, BankCard

__all__ = ["APPLICATION", "CARD", "field_shape", "ok", "record", "returns", "shape"]

_STRING: dict[str, Any] = {"type": "string"}
_NULL: dict[str, Any] = {"type": "null"}
CARD: dict[str, Any] = {
    "type": "object",
    "properties": {"bank": {"type": ["string", "null"]}, "masked": _STRING},
    "required": ["bank", "masked"],
}
HISTORY_ANY: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
APPLICATION: dict[str, Any] = {
    "type": "object",
    "description": "one application as 我的业务 shows it (the card masked)",
    "properties": {
        "application_id": _STRING,
        "business": _STRING,
        "kind": _STRING,
        "amount": _STRING,
        "card": {"type": ["string", "null"]},
        "status": _STRING,
        "status_chinese": _STRING,
        "current_node": {"type": ["string", "null"]},
        "description": _STRING,
        "channel": _STRING,
        "payment_ref": {"type": ["string", "null"]},
        "requirements": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "category": _STRING,
                    "required": {"type": "boolean"},
                    "max_files": {"type": "integer"},
                },
            },
        },
        "documents": {"type": "object"},
        "history": HISTORY_ANY,
        "details": {"type": "object"},
    },
    "required": ["application_id", "business", "amount", "status", "history"],
}


_ARRAYS = (tuple, list, set, frozenset, Sequence, AbstractSet)
"""What ``dump`` answers as an array (a service's ``Sequence`` is a tuple or a list)."""


def _hints(kind: Any) -> dict[str, Any]:
    namespace = {**vars(hpf_core.ports), **vars(typing)}
    try:
        return typing.get_type_hints(kind, localns=namespace)
    except Exception:
        return {}


def returns(function: Callable[..., Any]) -> Any:
    """The return annotation of a core function (Any when it does not resolve)."""
    return _hints(function).get("return", Any)


def shape(kind: Any, _seen: frozenset[Any] = frozenset()) -> dict[str, Any]:
    """The JSON Schema of ``dump(value)`` for a value of type ``kind``."""
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if kind is type(None) or kind is None:
        return dict(_NULL)
    if origin in (typing.Union, types.UnionType):
        options = [shape(a, _seen) for a in args]
        return {"anyOf": options} if all(options) else {}
    if kind is Application:
        return APPLICATION
    if kind is BankCard:
        return CARD
    if kind is bool:
        return {"type": "boolean"}
    if kind is int:
        return {"type": "integer"}
    if kind in (str, Decimal, date, datetime):
        return dict(_STRING)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        values = {type(m.value) for m in kind}
        return shape(values.pop(), _seen) if len(values) == 1 else {}
    if origin in _ARRAYS or kind in _ARRAYS:
        if origin is tuple and args and (len(args) != 2 or args[1] is not Ellipsis):
            return {"type": "array", "items": {}}  # a fixed tuple: items of several types
        return {"type": "array", "items": shape(args[0], _seen) if args else {}}
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return {"type": "object", "additionalProperties": shape(args[1], _seen) if len(args) == 2 else {}}
    if isinstance(kind, type) and attrs.has(kind):
        if kind in _seen:
            return {"type": "object"}
        hints = _hints(kind)
        seen = _seen | {kind}
        names = [f.name for f in attrs.fields(kind) if f.name not in HIDDEN and not f.name.startswith("_")]
        return {
            "type": "object",
            "properties": {n: shape(hints.get(n, Any), seen) if n in hints else {} for n in names},
            "required": names,
        }
    return {}


def field_shape(kind: type, name: str) -> dict[str, Any]:
    """The schema of ``dump`` of one attrs field ``name`` of ``kind``."""
    return shape(_hints(kind).get(name, Any))


def ok(schema: Mapping[str, Any] | Any, status: int = 200) -> dict[str, Any]:
    """``openapi_extra`` documenting a route's success answer: a schema, or a core type."""
    body = schema if isinstance(schema, Mapping) else shape(schema)
    return {"responses": {str(status): {"content": {"application/json": {"schema": dict(body)}}}}}


def record(**fields: Mapping[str, Any] | Any) -> dict[str, Any]:
    """An object answer built by the adapter itself: each field a schema or a core type."""
    properties = {n: dict(v) if isinstance(v, Mapping) else shape(v) for n, v in fields.items()}
    return {"type": "object", "properties": properties, "required": list(fields)}
