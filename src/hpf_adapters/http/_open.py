"""The public pages (no session) and the staff routes (``/api/v1/staff``, a staff bearer
token configured for the server, D-058) over ``App.portal`` and ``App.backoffice``."""

import functools
import json
from decimal import Decimal
from typing import Annotated, Any

import attrs
from fastapi import APIRouter, Depends, Header, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import JSONResponse, Response

from hpf_adapters.http import _schemas as s
from hpf_adapters.http._dump import application, dump
from hpf_adapters.http._guard import HttpSettings, idempotent, staff_for
from hpf_adapters.http._problems import Problem
from hpf_adapters.http._shapes import APPLICATION, field_shape, ok, record, returns, shape
from hpf_adapters.wiring import App
from hpf_core import portal as portal_api
from hpf_core.accounts import deposit_rate
from hpf_core.backoffice import Staff
from hpf_core.calculators import Quote, QuoteRow, QuoteSummary, mortgage_quote_summary
from hpf_core.errors import InputError
from hpf_core.ports import PaymentReceipt

__all__ = ["QUOTE_CACHE", "public_router", "staff_router"]

QUOTE_CACHE = 1024
"""How many distinct quotes a server process keeps answered (without ``rows``: under 1 KB each)."""

STAFF_BEARER = HTTPBearer(
    auto_error=False, scheme_name="staff", description="a staff token configured for the server"
)


def _quote_schema() -> dict[str, Any]:
    """What the quote route answers: the quote's fields but its rows, the first row, and
    every row only when asked (``rows=true``)."""
    names = [f.name for f in attrs.fields(Quote) if f.name != "rows"]
    body = record(**{name: field_shape(Quote, name) for name in names}, first=QuoteRow)
    body["properties"]["rows"] = {"type": "array", "items": shape(QuoteRow)}
    return body


QUOTE = _quote_schema()


def public_router(app: App) -> APIRouter:
    """房贷计算器, 利率, 服务网点, 新闻动态, 服务热线 and 隐私声明: no session."""
    router = APIRouter(tags=["public"])
    portal = app.portal

    @router.get(
        "/health",
        summary="the server answers (for load balancers and the benchmark)",
        openapi_extra=ok(record(status=str)),
    )
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/calculator/quote", summary="房贷计算器 (seed §5.1.2)", openapi_extra=ok(QUOTE))
    async def quote(
        principal: Annotated[str, Query(max_length=32, examples=["146271.00"])],
        months: Annotated[int, Query(ge=1, le=480, examples=[360])],
        method: Annotated[str, Query(max_length=32)] = "equal-installment",
        annual_rate: Annotated[str | None, Query(max_length=16, examples=["0.0325"])] = None,
        rows: Annotated[
            bool, Query(description="every month's row, not only the first and the totals")
        ] = False,
    ) -> Any:
        rate: Decimal | str = (
            annual_rate if annual_rate is not None else portal.rate_in_force(app.today(), months).rate
        )
        answer = (quoted if not rows else quoted.__wrapped__)(principal, str(rate), months, method, rows)
        return Response(answer, media_type="application/json")

    @functools.lru_cache(maxsize=QUOTE_CACHE)
    def quoted(principal: str, rate: str, months: int, method: str, rows: bool) -> bytes:
        """The answer's bytes: a pure function of its inputs, so the same question (the
        app's pre-filled example, a popular amount) is answered from memory (D-067); an
        answer with every row (tens of KB) is computed each time, not kept. Without the
        rows the figures come from the calculator's closed forms, equal to the row-based
        quote's to the fen, without computing 360 rows (D-069)."""
        out: dict[str, Any]
        if not rows:
            summary = mortgage_quote_summary(principal, rate, months, method)
            out = {f.name: dump(getattr(summary, f.name)) for f in attrs.fields(QuoteSummary)}
        else:
            result = portal.calculator(principal, rate, months, method)
            out = {f.name: dump(getattr(result, f.name)) for f in attrs.fields(Quote) if f.name != "rows"}
            out["first"] = dump(result.rows[0])
            out["rows"] = dump(result.rows)
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @router.get(
        "/rates",
        summary="利率表: the HPF loan rates with their sources",
        openapi_extra=ok(returns(portal_api.rate_table)),
    )
    def rates() -> Any:
        return dump(portal.rate_table())

    @router.get(
        "/outlets",
        summary="服务网点 (seed §5.1.1); near=lat,lng for the nearest",
        openapi_extra=ok(
            {"anyOf": [shape(returns(portal_api.outlets)), shape(returns(portal_api.nearest_outlets))]}
        ),
    )
    def outlets(near: Annotated[str | None, Query(max_length=64, examples=["47.84,88.14"])] = None) -> Any:
        if near is None:
            return dump(portal.outlets())
        lat, sep, lng = near.partition(",")
        if not sep:
            raise InputError("near", "must be latitude,longitude", near)
        found = portal.nearest_outlets(lat.strip(), lng.strip())
        return dump(found)

    @router.get("/news", summary="新闻动态 (seed §3.1)", openapi_extra=ok(returns(portal_api.news)))
    def news(limit: Annotated[int | None, Query(ge=1, le=100)] = None) -> Any:
        return dump(portal.news(limit=limit))

    @router.get(
        "/center",
        summary="服务热线 and 隐私声明 (seed §7.2, §7.3)",
        openapi_extra=ok(record(code=str, hotline=str, privacy=str)),
    )
    def center() -> Any:
        return {"code": app.policy.code, "hotline": portal.hotline(), "privacy": portal.privacy()}

    return router


def staff_router(app: App, settings: HttpSettings) -> APIRouter:
    """受理, 审核, 退回, 审批, 支付, 终止 of an application by a staff member (D-053)."""
    router = APIRouter(prefix="/staff", tags=["staff"])
    office = app.backoffice

    def staff(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(STAFF_BEARER)],
    ) -> Staff:
        if credentials is None or not credentials.credentials:
            raise Problem(
                401,
                "unauthenticated",
                "a staff token is required",
                field="Authorization",
                headers={"WWW-Authenticate": "Bearer"},
            )
        found = staff_for(settings, credentials.credentials)
        if found is None:
            raise Problem(
                401,
                "unauthenticated",
                "not a staff token",
                field="Authorization",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return found

    Principal = Annotated[Staff, Depends(staff)]  # noqa: N806 - a type alias
    Key = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]  # noqa: N806 - a type alias

    def _run(
        who: Staff, key: str | None, step: str, application_id: str, body: Any, work: Any
    ) -> JSONResponse:
        status, out, replayed = idempotent(
            app,
            key,
            f"staff/{who.staff_id}",
            f"POST staff/{application_id}/{step}",
            body,
            lambda: (200, work()),
        )
        return JSONResponse(
            out, status_code=status, headers={"Idempotent-Replayed": "true"} if replayed else None
        )

    @router.post("/applications/{application_id}/take-up", summary="受理", openapi_extra=ok(APPLICATION))
    def take_up(application_id: str, who: Principal, key: Key = None) -> JSONResponse:
        return _run(
            who,
            key,
            "take-up",
            application_id,
            {},
            lambda: application(office.take_up(staff=who, application_id=application_id, at=app.now())),
        )

    @router.post(
        "/applications/{application_id}/review",
        summary="审核通过 (a node before the last)",
        openapi_extra=ok(APPLICATION),
    )
    def review(application_id: str, note: s.Note, who: Principal, key: Key = None) -> JSONResponse:
        return _run(
            who,
            key,
            "review",
            application_id,
            note.model_dump(),
            lambda: application(
                office.review(staff=who, application_id=application_id, at=app.now(), opinion=note.opinion)
            ),
        )

    @router.post(
        "/applications/{application_id}/return", summary="退回 with a reason", openapi_extra=ok(APPLICATION)
    )
    def return_(application_id: str, note: s.Note, who: Principal, key: Key = None) -> JSONResponse:
        return _run(
            who,
            key,
            "return",
            application_id,
            note.model_dump(),
            lambda: application(
                office.return_application(
                    staff=who, application_id=application_id, reason=note.reason, at=app.now()
                )
            ),
        )

    @router.post(
        "/applications/{application_id}/approve",
        summary="审批通过 (the last node; a loan business is carried out)",
        openapi_extra=ok(APPLICATION),
    )
    def approve(application_id: str, note: s.Note, who: Principal, key: Key = None) -> JSONResponse:
        return _run(
            who,
            key,
            "approve",
            application_id,
            note.model_dump(),
            lambda: application(
                office.approve(
                    staff=who,
                    application_id=application_id,
                    at=app.now(),
                    opinion=note.opinion,
                    servicing=app.policy.loans.servicing,
                )
            ),
        )

    @router.post(
        "/applications/{application_id}/pay",
        summary="支付 an approved withdrawal, once",
        openapi_extra=ok(record(application=APPLICATION, receipt=PaymentReceipt)),
    )
    def pay(application_id: str, who: Principal, key: Key = None) -> JSONResponse:
        def work() -> dict[str, Any]:
            on = app.today()
            basis = app.policy.interest.day_basis if app.policy.interest else "actual/360"
            paid = office.pay(
                staff=who,
                application_id=application_id,
                on=on,
                at=app.now(),
                deposit_rate=deposit_rate(on),
                day_basis=basis,
            )
            return {"application": application(paid.application), "receipt": dump(paid.receipt)}

        return _run(who, key, "pay", application_id, {}, work)

    @router.post(
        "/applications/{application_id}/end", summary="终止 with a reason", openapi_extra=ok(APPLICATION)
    )
    def end(application_id: str, note: s.Note, who: Principal, key: Key = None) -> JSONResponse:
        return _run(
            who,
            key,
            "end",
            application_id,
            note.model_dump(),
            lambda: application(
                office.end_application(
                    staff=who, application_id=application_id, reason=note.reason, at=app.now()
                )
            ),
        )

    return router
