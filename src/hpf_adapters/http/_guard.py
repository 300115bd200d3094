"""What stands before the services (D-058): the settings, per-address throttling of login
and code sending, request size limits, the access log, and Stripe-style idempotency keys
kept through the store's idempotency port."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

import attrs
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hpf_adapters.http._problems import Problem, problem_response
from hpf_adapters.wiring import App
from hpf_core.backoffice import Staff
from hpf_core.errors import InputError
from hpf_core.ports import StoredRequest

__all__ = [
    "AccessLog",
    "HttpSettings",
    "SizeLimit",
    "Throttle",
    "idempotent",
    "staff_for",
    "throttles",
    "token_digest",
]

ACCESS_LOG = logging.getLogger("hpf.http.access")
MAX_KEY = 200
"""The longest Idempotency-Key accepted (the store's key column holds 255 with its scope)."""


def token_digest(token: str) -> str:
    """SHA-256 of a bearer token, hex: what is compared and what scopes a key (never the token)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _staff_map(value: Mapping[str, Staff]) -> Mapping[str, Staff]:
    out: dict[str, Staff] = {}
    for token, staff in value.items():
        if not isinstance(token, str) or len(token) < 32:
            raise InputError("staff_tokens", "each staff token must be a string of at least 32 characters")
        if not isinstance(staff, Staff):
            raise InputError("staff_tokens", "each staff token must map to an hpf_core.backoffice.Staff")
        out[token_digest(token)] = staff
    return out


@attrs.frozen
class HttpSettings:
    """How the HTTP adapter guards the services. ``staff_tokens``: bearer token -> the
    `Staff` it authenticates (kept only as SHA-256 digests; tokens of 32 characters or
    more); ``max_body`` / ``max_upload``: the largest JSON body and document in bytes;
    ``login_limit`` / ``code_limit``: attempts per client address within ``window``
    seconds before 429."""

    staff_tokens: Mapping[str, Staff] = attrs.field(factory=dict, converter=_staff_map, repr=False)
    max_body: int = 64 * 1024
    max_upload: int = 10 * 1024 * 1024
    login_limit: int = 10
    code_limit: int = 5
    window: float = 60.0
    throttle_redis: str | None = attrs.field(default=None, repr=False)
    """A Redis URL: the throttles count in Redis, shared by every process that names it
    (``hpf serve --workers N``, several servers); ``None``: each process counts its own."""


def staff_for(settings: HttpSettings, token: str) -> Staff | None:
    """The staff member a bearer token authenticates, compared in constant time."""
    wanted = token_digest(token)
    found: Staff | None = None
    for digest, staff in settings.staff_tokens.items():
        if hmac.compare_digest(digest, wanted):
            found = staff
    return found


def throttles(settings: HttpSettings) -> tuple[Any, Any]:
    """The login and the code throttle ``settings`` asks for: in Redis when it names one
    (D-073), else in this process."""
    if settings.throttle_redis is None:
        return (
            Throttle(settings.login_limit, settings.window, "login attempts"),
            Throttle(settings.code_limit, settings.window, "code requests"),
        )
    import redis  # noqa: PLC0415 - the redis extra is only needed for a shared throttle

    from hpf_adapters.http._shared_throttle import SharedThrottle  # noqa: PLC0415

    client = redis.Redis.from_url(settings.throttle_redis)
    return (
        SharedThrottle(client, settings.login_limit, settings.window, "login attempts"),
        SharedThrottle(client, settings.code_limit, settings.window, "code requests"),
    )


class Throttle:
    """At most ``limit`` hits per key within ``window`` seconds (a sliding window, in
    this process's memory, by the monotonic clock)."""

    def __init__(self, limit: int, window: float, what: str) -> None:
        self.limit = limit
        self.window = window
        self.what = what
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one attempt from ``key``; a ``Problem`` 429 with ``Retry-After`` past the limit."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                wait = max(1, int(hits[0] + self.window - now + 0.999))
                raise Problem(
                    429,
                    "too_many_requests",
                    f"too many {self.what} from this address; try again in {wait} s",
                    field="client",
                    headers={"Retry-After": str(wait)},
                )
            hits.append(now)


class SizeLimit:
    """ASGI middleware: a request body over its limit is answered 413 before a route
    sees it (``Content-Length`` checked first, a streamed body counted)."""

    def __init__(self, app: ASGIApp, settings: HttpSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "PUT" and "/documents/" in scope["path"]
        limit = self.settings.max_upload if upload else self.settings.max_body
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._too_large(scope, receive, send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise Problem(413, "body_too_large", f"the body is over {limit} bytes", field="body")
            return message

        await self.app(scope, counted, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413, "body_too_large", f"the body is over {limit} bytes", scope["path"], field="body"
        )
        await response(scope, receive, send)


class AccessLog:
    """ASGI middleware: one line per request — method, the route's template (never the
    path: it may hold a contract or account number), status, milliseconds. No header,
    query, body, token, password, code or number is logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path_format", None) or "(no route)"
            ms = (time.perf_counter() - start) * 1000
            ACCESS_LOG.info("%s %s %d %.1fms", scope["method"], template, status[0], ms)


def _fingerprint(method_path: str, body: object) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method_path}\n{text}".encode()).hexdigest()


def idempotent(
    app: App,
    key: str | None,
    scope: str,
    method_path: str,
    body: object,
    run: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """Run ``run`` once per ``key`` (Stripe's semantics): the first 2xx answer is stored
    through the store's idempotency port under ``http:<scope>:<key>`` and replayed to a
    retry with the same method, path and body; the same key with another request is a
    422 ``idempotency_conflict``. Without a key ``run`` just runs. Returns (status, body,
    replayed)."""
    if key is None:
        status, out = run()
        return status, out, False
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise Problem(
            422,
            "invalid_idempotency_key",
            f"Idempotency-Key must be 1 to {MAX_KEY} printable characters",
            field="Idempotency-Key",
        )
    stored_key = f"http:{scope[:40]}:{key}"
    fingerprint = _fingerprint(method_path, body)
    with _key_lock(stored_key):
        return _once(app, stored_key, fingerprint, run)


_LOCKS: dict[str, list[Any]] = {}
_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def _key_lock(stored_key: str) -> Iterator[None]:
    """Requests with one key run one after the other in this process (D-067): a retry sent
    while the first is still running waits for it and gets its stored answer, instead of
    running the work a second time. (Across ``--workers`` processes two may still run;
    the services' own keys keep the money moving once.)"""
    with _LOCKS_GUARD:
        entry = _LOCKS.setdefault(stored_key, [threading.Lock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            yield
    finally:
        with _LOCKS_GUARD:
            entry[1] -= 1
            if entry[1] == 0:
                del _LOCKS[stored_key]


def _once(
    app: App, stored_key: str, fingerprint: str, run: Callable[[], tuple[int, Any]]
) -> tuple[int, Any, bool]:
    replay = _stored(app, stored_key, fingerprint)
    if replay is not None:
        return replay[0], replay[1], True
    status, out = run()
    if 200 <= status < 300:
        request = StoredRequest(
            "http", (("request", fingerprint),), (str(status), json.dumps(out, ensure_ascii=False))
        )
        try:
            with app.unit_of_work() as uow:
                if uow.keys.get(stored_key) is None:
                    uow.keys.put(stored_key, request)
                    uow.commit()
        except Exception:
            replay = _stored(app, stored_key, fingerprint)
            if replay is not None:
                return replay[0], replay[1], True
            raise
    return status, out, False


def _stored(app: App, stored_key: str, fingerprint: str) -> tuple[int, Any] | None:
    with app.unit_of_work() as uow:
        stored = uow.keys.get(stored_key)
    if stored is None:
        return None
    if stored.operation != "http" or dict(stored.params).get("request") != fingerprint:
        raise Problem(
            422,
            "idempotency_conflict",
            "this Idempotency-Key was used for another request",
            field="Idempotency-Key",
        )
    return int(stored.result[0]), json.loads(stored.result[1])


Handler = Callable[[], Awaitable[Any]]
