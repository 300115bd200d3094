"""hpf's records as JSON, identifiers masked as the seed's screens show them (D-058):
amounts as decimal strings (never floats), dates in ISO form, enums by value, a bank card
by its masked number, every other text through ``redact`` (a run of 11 or more digits —
a phone, a card, an ID number — keeps its first and last digits only)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from hpf_core.errors import redact
from hpf_core.withdrawals import Application, BankCard

__all__ = ["HIDDEN", "application", "dump"]

HIDDEN = frozenset({"token", "token_hash", "card_number", "number", "secret", "password", "code"})
"""Fields never sent: a card or account number is sent masked by its own field."""
_KEPT = frozenset({"contract_no", "application_id"})
"""Identifiers the client sends back in a path, kept as they are (the seed shows them)."""


def dump(value: object, name: str = "") -> Any:
    """``value`` as JSON-ready data (dicts, lists, strings, numbers, booleans, None)."""
    if isinstance(value, Application):
        return application(value)
    if isinstance(value, BankCard):
        return {"bank": value.bank, "masked": value.masked}
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return dump(value.value, name)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value if name in _KEPT else redact(value)
    kind: Any = type(value)
    if attrs.has(kind):
        return {
            f.name: dump(getattr(value, f.name), f.name)
            for f in attrs.fields(kind)
            if f.name not in HIDDEN and not f.name.startswith("_")
        }
    if isinstance(value, Mapping):
        return {str(k): dump(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [dump(v, name) for v in value]
    return redact(str(value))


def application(app: Application) -> dict[str, Any]:
    """One application as 我的业务 shows it: the card masked, its documents, its steps."""
    return {
        "application_id": app.application_id,
        "business": app.business,
        "kind": dump(app.kind),
        "amount": str(app.amount),
        "card": app.masked_card,
        "status": app.status.value,
        "status_chinese": app.status.chinese,
        "current_node": app.current_node,
        "description": redact(app.description),
        "channel": app.channel,
        "payment_ref": None if app.payment_ref is None else redact(app.payment_ref),
        "requirements": [
            {"category": r.category, "required": r.required, "max_files": r.max_files}
            for r in app.requirements
        ],
        "documents": dict(app.documents or {}),
        "history": [dump(step) for step in app.history],
        "details": {
            k: (v if k in _KEPT else redact(v))
            for k, v in dict(app.details or {}).items()
            if k not in ("draw_account_no",)
        },
    }
