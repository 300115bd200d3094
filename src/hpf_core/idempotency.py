"""Idempotent operations (幂等): a request sent twice under one key takes effect once.

Every money-moving service takes a ``key``. :func:`once` runs the work under that key inside
the caller's unit of work and stores the key with a fingerprint of the request; a retry with
the same key and an equivalent request returns the first result, a different request raises
``IdempotencyConflict``. The fingerprint is built by :func:`canonical`, so an equivalent
spelling of an input (``Decimal("100.00")`` for ``100``, an enum's value for the enum) is the
same request. An adapter that takes idempotency keys of its own (an HTTP API's
``Idempotency-Key``) uses the same two functions.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Context, Decimal

from hpf_core.accounts._ledger import check_key
from hpf_core.errors import IdempotencyConflict
from hpf_core.ports import StoredRequest, UnitOfWork

__all__ = ["canonical", "check_key", "once"]


def canonical(value: object) -> str:
    """The text an idempotency fingerprint keeps for one input, the same for every
    equivalent spelling of it, so an equivalent retry is recognised: an enum member by its
    stable ``value`` (so the value given as a string is the same input), a Decimal or an
    int with no trailing zeros and no exponent (``Decimal("100.00")`` is ``100``; -0 is 0),
    a date in ISO form, an aware datetime as its UTC instant, sequences item by item and
    mappings and sets sorted. Independent of the ambient decimal context.

    >>> from decimal import Decimal
    >>> canonical(Decimal("100.00")) == canonical(Decimal("1E+2")) == canonical(100) == "100"
    True
    >>> canonical(Decimal("-0.10")), canonical(date(2025, 1, 31)), canonical(("a", 1))
    ('-0.1', '2025-01-31', '["a","1"]')
    """
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | Decimal):
        number = Decimal(value)
        if not number.is_finite():
            return str(number)
        if number.is_zero():
            return "0"
        digits = len(number.as_tuple().digits)
        return f"{number.normalize(Context(prec=digits)):f}"
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value.astimezone(UTC).isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        items = sorted((canonical(k), canonical(v)) for k, v in value.items())
        return json.dumps(items, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, set | frozenset):
        return json.dumps(sorted(canonical(v) for v in value), ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, tuple | list):
        return json.dumps([canonical(v) for v in value], ensure_ascii=False, separators=(",", ":"))
    return str(value)


def once(
    uow: UnitOfWork,
    key: str,
    operation: str,
    params: Mapping[str, object],
    work: Callable[[], tuple[str, ...]],
) -> tuple[str, ...]:
    """Run ``work`` once per key (inside the caller's unit of work), committing with it.

    The parameters are fingerprinted by :func:`canonical`; a retry with the same key and
    equivalent parameters returns the first result, one with other parameters (or another
    operation) raises ``IdempotencyConflict`` naming the first that differs."""
    check_key(key)
    fingerprint = tuple(sorted((name, canonical(value)) for name, value in params.items()))
    stored = uow.keys.get(key)
    if stored is not None:
        if stored.operation != operation:
            raise IdempotencyConflict("key", f"was used for {stored.operation}, not {operation}", key)
        first = dict(stored.params)
        for name, now in fingerprint:
            if first.get(name) != now:
                raise IdempotencyConflict(
                    name, f"differs from the first request with this key ({first.get(name)})", now
                )
        extra = sorted(set(first) - {name for name, _ in fingerprint})
        if extra:
            raise IdempotencyConflict(extra[0], "was given in the first request with this key")
        return stored.result
    result = work()
    uow.keys.put(key, StoredRequest(operation, fingerprint, result))
    uow.commit()
    return result
