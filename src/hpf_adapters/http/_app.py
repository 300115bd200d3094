"""The app factory and the server (D-058): ``create_app(app)`` mounts the routes on a
FastAPI application over what ``hpf_adapters.wiring`` built; errors become RFC 9457
problem details."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from hpf_adapters.http._guard import AccessLog, HttpSettings, SizeLimit
from hpf_adapters.http._me import member_router
from hpf_adapters.http._open import public_router, staff_router
from hpf_adapters.http._problems import PROBLEM_TYPE, Problem, problem_for, problem_response, render
from hpf_adapters.wiring import App
from hpf_core.errors import HpfError

__all__ = ["API_PREFIX", "create_app", "serve"]

API_PREFIX = "/api/v1"
_LOG = logging.getLogger("hpf.http")


@contextlib.asynccontextmanager
async def _frozen_heap(_api: FastAPI) -> AsyncIterator[None]:
    """While the server runs, what was built before it (modules, the app, its routes and
    schemas: some 130,000 objects) is left out of the garbage collector's full passes
    (``gc.freeze``): each such pass walked all of them, holding the GIL for 50-90 ms, and
    every request in flight waited (D-069). Unfrozen when the server stops."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(app: App, *, settings: HttpSettings | None = None) -> FastAPI:
    """A FastAPI application serving ``app`` under ``/api/v1`` (the OpenAPI document at
    ``/openapi.json``). Mountable in another ASGI application. When the server starts it
    freezes the objects built so far out of the garbage collector's full passes (D-069)."""
    settings = settings or HttpSettings()
    api = FastAPI(
        lifespan=_frozen_heap,
        title="hpf: the 12329 app's HTTP API",
        version="1",
        description="The member app's back end (自治区住房公积金综合服务平台 手机APP) and the centre's "
        "back office, over hpf's services. Errors are RFC 9457 problem details carrying hpf's "
        "stable error code and field.",
    )
    api.include_router(public_router(app), prefix=API_PREFIX)
    api.include_router(member_router(app, settings), prefix=API_PREFIX)
    api.include_router(staff_router(app, settings), prefix=API_PREFIX)

    @api.exception_handler(HpfError)
    async def hpf_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HpfError)
        status, body = problem_for(error, request.url.path)
        return render(status, body)

    @api.exception_handler(Problem)
    async def problem(request: Request, error: Exception) -> Response:
        assert isinstance(error, Problem)
        return problem_response(
            error.status, error.code, error.detail, request.url.path, field=error.field, headers=error.headers
        )

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        errors = error.errors()
        first = errors[0] if errors else {}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
        field = ".".join(loc) or "body"
        return problem_response(
            422,
            "invalid_input",
            str(first.get("msg", "invalid request")),
            request.url.path,
            field=field,
            extra={
                "errors": [
                    {"field": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg"))}
                    for e in errors
                ]
            },
        )

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return problem_response(error.status_code, code, str(error.detail), request.url.path)

    @api.exception_handler(Exception)
    async def crash(request: Request, error: Exception) -> Response:
        _LOG.error("unhandled %s on %s", type(error).__name__, request.method)
        return problem_response(
            500, "internal_error", "the server failed; nothing is known to have changed", request.url.path
        )

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = _problem_responses(
                get_openapi(
                    title=api.title, version=api.version, description=api.description, routes=api.routes
                )
            )
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    api.add_middleware(SizeLimit, settings=settings)
    api.add_middleware(AccessLog)
    return api


_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details with hpf's stable error code and the field",
    "required": ["type", "title", "status", "detail", "instance", "code", "field"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string", "examples": ["insufficient_funds", "invalid_amount", "login_refused"]},
        "field": {"type": "string"},
        "violations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string"},
                },
            },
        },
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def _problem_responses(spec: dict[str, Any]) -> dict[str, Any]:
    """Every operation's errors documented as problem details (FastAPI's own 422 schema
    replaced: this adapter never answers with it)."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = _PROBLEM_SCHEMA
    problem = {
        "description": "an RFC 9457 problem (401, 403, 404, 409, 413, 422, 429, 5xx)",
        "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["default"] = problem
    return spec


def log_access_to_stderr() -> None:
    """hpf's access log (``hpf.http.access``) to standard error, once per process."""
    access = logging.getLogger("hpf.http.access")
    if not access.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)


def serve(
    app: App | str,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: HttpSettings | None = None,
    workers: int = 1,
) -> None:
    """Run ``create_app(app)`` on uvicorn until interrupted (uvicorn's own access log off:
    hpf's logs the route template, never the path). ``app`` may instead be the import
    string of a factory (``"package.module:function"``, called with no argument in each
    process) for ``workers`` > 1 processes, each with its own app, connections and
    throttles (D-067). uvicorn takes uvloop and httptools when they are installed (the
    http extra installs them)."""
    import uvicorn  # noqa: PLC0415 - the http extra is optional

    log_access_to_stderr()
    if isinstance(app, str):
        uvicorn.run(
            app,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            log_level="info",
        )
        return
    uvicorn.run(create_app(app, settings=settings), host=host, port=port, access_log=False, log_level="info")
