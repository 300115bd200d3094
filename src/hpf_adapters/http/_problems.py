"""RFC 9457 problem details for every hpf error (D-058): ``application/problem+json`` with
hpf's stable ``code``, the ``field`` and, for a refusal, every violation."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from hpf_core.errors import (
    ConcurrentUpdate,
    HpfError,
    IdempotencyConflict,
    InputError,
    InputTypeError,
    PaymentError,
    Refused,
    SmsError,
    SmsThrottled,
    UnknownRecord,
    redact,
)

__all__ = ["PROBLEM_TYPE", "Problem", "problem_for", "problem_response"]

PROBLEM_TYPE = "application/problem+json"
_BASE = "https://hpf.invalid/problems/"

_AUTH_CODES = frozenset({"session_ended", "session_expired"})
"""Refusals that mean "log in again": 401."""
_FORBIDDEN_CODES = frozenset({"password_change_required", "reauth_required", "role_not_allowed"})
"""Refusals of a known principal that may not do this now: 403."""


class Problem(Exception):
    """An HTTP-level problem the adapter raises itself (401, 403, 413, 415, 422, 429)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        field: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.headers = headers or {}


_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _status_of(error: HpfError) -> int:
    if isinstance(error, Refused):
        codes = set(error.codes)
        if codes & _AUTH_CODES:
            return 401
        if codes & _FORBIDDEN_CODES:
            return 403
        return 409 if codes & {"four_eyes", "not_final_node", "final_node"} else 422
    if isinstance(error, UnknownRecord):
        return 404
    if isinstance(error, IdempotencyConflict):
        return 422
    if isinstance(error, InputError | InputTypeError):
        return 422
    if isinstance(error, ConcurrentUpdate):
        return 409
    if isinstance(error, SmsThrottled):
        return 429
    if isinstance(error, PaymentError | SmsError):
        return 502
    return 422


def problem_for(error: HpfError, instance: str) -> tuple[int, dict[str, Any]]:
    """The status and the problem document of an hpf error (its message already redacted)."""
    status = _status_of(error)
    body: dict[str, Any] = {
        "type": _BASE + error.code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": error.reason,
        "instance": instance,
        "code": error.code,
        "field": error.field,
    }
    if isinstance(error, Refused):
        body["violations"] = [
            {"code": v.code, "message": v.message, "field": v.field} for v in error.violations
        ]
        body["code"] = error.violations[0].code if len(error.violations) == 1 else error.code
    return status, body


def problem_response(
    status: int,
    code: str,
    detail: str,
    instance: str,
    *,
    field: str = "",
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem response built from its parts (the detail passes through ``redact``)."""
    body: dict[str, Any] = {
        "type": _BASE + code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": redact(detail),
        "instance": instance,
        "code": code,
        "field": field,
    }
    body.update(extra or {})
    return render(status, body, headers)


def render(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        media_type=PROBLEM_TYPE,
        headers=headers,
    )
