"""Sessions and the member's routes (``/api/v1/sessions``, ``/api/v1/me/...``) over
``App.portal`` (D-052, D-058). Every ``/me`` route takes the bearer token; another
member's identifier answers 404 exactly like an unknown one (the portal's ``NOT_FOUND``)."""

from datetime import date
from typing import Annotated, Any

import attrs
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.responses import JSONResponse, Response

from hpf_adapters.http import _schemas as s
from hpf_adapters.http._dump import application, dump
from hpf_adapters.http._guard import HttpSettings, idempotent, throttles, token_digest
from hpf_adapters.http._problems import Problem
from hpf_adapters.http._reads import NewUnitOfWork, Reads
from hpf_adapters.http._shapes import APPLICATION, CARD, ok, record, returns, shape
from hpf_adapters.wiring import App
from hpf_core import portal as portal_api
from hpf_core.centers import VerificationMethod
from hpf_core.dates import parse_date
from hpf_core.errors import InputError, Refused, UnknownRecord
from hpf_core.loans import PrepaymentQuote, SettlementQuote
from hpf_core.members import REFUSED_MESSAGE, MemberRules, PasswordChannel, PasswordGroup, hash_token
from hpf_core.members import services as member_services
from hpf_core.portal import not_found
from hpf_core.ports import MemberRecord, StoredDocument
from hpf_core.withdrawals import Application, Assessment, WithdrawalFacts

__all__ = ["member_router"]

BEARER = HTTPBearer(auto_error=False, description="the session token from POST /api/v1/sessions")
_FACTS = frozenset(f.name for f in attrs.fields(WithdrawalFacts)) - {"previous", "interest_postings", "extra"}


SESSION = record(token=str, token_type=str, password_change_required=bool, message=str)
MESSAGE = record(message=str)
DRAFTED = {
    "type": "object",
    "description": "the drafted application, and per business its assessment or quote",
    "properties": {
        "application": APPLICATION,
        "assessment": shape(Assessment),
        "quote": {"anyOf": [shape(PrepaymentQuote), shape(SettlementQuote)]},
    },
    "required": ["application"],
}


def token_of(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Problem(
            401,
            "unauthenticated",
            "a session token is required (Authorization: Bearer ...)",
            field="Authorization",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return credentials.credentials


Token = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _reply(status: int, body: Any, replayed: bool = False) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(body, status_code=status, headers=headers)


def member_router(app: App, settings: HttpSettings) -> APIRouter:
    """The routes of ``/sessions``, ``/verification-codes``, ``/unlock``, ``/password-resets``
    and ``/me``."""
    router = APIRouter()
    portal = app.portal
    reads = Reads(app)
    rules = app.policy.members or MemberRules()
    logins, codes = throttles(settings)

    @router.post(
        "/sessions",
        status_code=201,
        tags=["sessions"],
        summary="登录 log in (seed §2.1)",
        openapi_extra=ok(SESSION, 201),
    )
    def log_in(body: s.Login, request: Request) -> JSONResponse:
        logins.hit(_client(request))
        outcome = portal.login(body.identifier, body.password, PasswordChannel(body.channel), app.now())
        result = outcome.result
        if result.accepted and outcome.token is not None:
            return _reply(
                201,
                {
                    "token": outcome.token,
                    "token_type": "Bearer",
                    "password_change_required": result.password_change_required,
                    "message": result.message,
                },
            )
        if result.verification_required:
            raise Problem(403, "first_login_verification_required", result.message, field="identifier")
        # one message and one status whatever the reason (unknown, wrong, locked)
        raise Problem(401, "login_refused", REFUSED_MESSAGE, field="identifier")

    @router.post(
        "/sessions/third-party",
        status_code=201,
        tags=["sessions"],
        summary="支付宝登录 / 刷脸登录: the first login (seed §2.1.2)",
        openapi_extra=ok(SESSION, 201),
    )
    def log_in_by_identity(body: s.IdentityLogin, request: Request) -> JSONResponse:
        logins.hit(_client(request))
        method = VerificationMethod(body.method)
        try:
            outcome = portal.login_with_identity(method, body.evidence, app.now())
        except Refused as refused:
            if any(v.code == "method_not_offered" for v in refused.violations):
                raise
            # one message and one status whatever the reason (the third party said no, no
            # member with the ID number it vouched for, another identity bound), as for a
            # password login
            raise Problem(401, "login_refused", REFUSED_MESSAGE, field="evidence") from None
        if outcome.token is None:  # pragma: no cover - a refused identity login raises
            raise Problem(401, "login_refused", REFUSED_MESSAGE, field="evidence")
        return _reply(
            201,
            {
                "token": outcome.token,
                "token_type": "Bearer",
                "password_change_required": outcome.result.password_change_required,
                "message": outcome.result.message,
            },
        )

    @router.delete(
        "/sessions/current", status_code=204, tags=["sessions"], summary="退出当前账号 (seed §7.5)"
    )
    def log_out(credentials: Token) -> Response:
        portal.logout(token_of(credentials), app.now())
        return Response(status_code=204)

    @router.delete(
        "/sessions", tags=["sessions"], summary="退出所有设备", openapi_extra=ok(record(ended=int))
    )
    def log_out_everywhere(credentials: Token) -> dict[str, int]:
        return {"ended": portal.logout_everywhere(token_of(credentials), app.now())}

    @router.post(
        "/verification-codes",
        status_code=202,
        tags=["sessions"],
        summary="解锁, 获取验证码",
        openapi_extra=ok(MESSAGE, 202),
    )
    def send_code(body: s.UnlockCode, request: Request) -> dict[str, str]:
        codes.hit(_client(request))
        return {"message": portal.send_unlock_code(body.identifier, app.now())}

    @router.post("/unlock", status_code=204, tags=["sessions"], summary="解锁 with the SMS code")
    def unlock(body: s.Unlock, request: Request) -> Response:
        logins.hit(_client(request))
        portal.unlock(body.identifier, body.code, app.now())
        return Response(status_code=204)

    @router.post(
        "/password-resets",
        status_code=202,
        tags=["sessions"],
        summary="忘记密码, 获取验证码",
        openapi_extra=ok(MESSAGE, 202),
    )
    def send_reset_code(body: s.ResetCode, request: Request) -> dict[str, str]:
        codes.hit(_client(request))
        return {"message": portal.send_reset_code(body.identifier, app.now())}

    @router.post(
        "/password-resets/confirmation",
        tags=["sessions"],
        summary="忘记密码, 确定 (every session ends)",
        openapi_extra=ok(MESSAGE),
    )
    def reset_password(body: s.PasswordReset, request: Request) -> dict[str, str]:
        logins.hit(_client(request))
        message = portal.reset_password(
            body.identifier,
            body.code,
            body.new_password,
            body.confirmation,
            app.now(),
            group=PasswordGroup(body.group),
        )
        return {"message": message}

    @router.put(
        "/me/password",
        tags=["me"],
        summary="密码修改 (seed §7.4)",
        openapi_extra=ok(record(message=str, password_change_required=bool)),
    )
    def change_password(body: s.PasswordChange, credentials: Token) -> dict[str, Any]:
        session = portal.change_password(
            token_of(credentials),
            PasswordGroup(body.group),
            body.old_password,
            body.new_password,
            body.confirmation,
            app.now(),
        )
        return {"message": "修改成功", "password_change_required": session.password_change_required}

    @router.post(
        "/me/password-checks",
        tags=["me"],
        summary="请输入密码 before a sensitive step",
        openapi_extra=ok(MESSAGE),
    )
    def check_password(body: s.Password, credentials: Token) -> dict[str, str]:
        portal.verify_password(token_of(credentials), body.password, app.now())
        return {"message": "ok"}

    @router.post(
        "/me/phone-changes",
        status_code=202,
        tags=["me"],
        summary="修改手机号码, 获取验证码",
        openapi_extra=ok(MESSAGE, 202),
    )
    def phone_change(body: s.PhoneChange, credentials: Token, request: Request) -> dict[str, str]:
        codes.hit(_client(request))
        return {"message": portal.request_phone_change(token_of(credentials), body.new_phone, app.now())}

    @router.post(
        "/me/phone-changes/confirmation",
        tags=["me"],
        summary="修改手机号码, 确定",
        openapi_extra=ok(record(message=str, phone=str)),
    )
    def phone_confirm(body: s.PhoneConfirm, credentials: Token) -> dict[str, Any]:
        changed = portal.confirm_phone_change(token_of(credentials), body.new_phone, body.code, app.now())
        return {"message": "修改成功", "phone": dump(changed.new_phone)}

    @router.get(
        "/me",
        tags=["me"],
        summary="个人中心 (seed §7.1)",
        openapi_extra=ok(returns(portal_api.personal_centre)),
    )
    async def me(credentials: Token) -> Any:
        token, now = token_of(credentials), app.now()

        def work(new_uow: NewUnitOfWork) -> Any:
            return dump(portal_api.personal_centre(new_uow, token, now, rules=rules))

        return JSONResponse(await reads.run(work))

    @router.get(
        "/me/account",
        tags=["me"],
        summary="公积金账户信息 (seed §4.2 (2))",
        openapi_extra=ok(returns(portal_api.deposit_account)),
    )
    async def account(credentials: Token) -> Any:
        token, now = token_of(credentials), app.now()

        def work(new_uow: NewUnitOfWork) -> Any:
            account_no = _own_account(app, new_uow, token)
            found = portal_api.deposit_account(
                new_uow, token, account_no, now, rules=rules, policy=app.policy
            )
            return dump(found)

        return JSONResponse(await reads.run(work))

    @router.get(
        "/me/account/entries",
        tags=["me"],
        summary="缴存明细",
        openapi_extra=ok(returns(portal_api.deposit_details)),
    )
    async def entries(
        credentials: Token,
        start: Annotated[date, Query(alias="from")],
        end: Annotated[date, Query(alias="to")],
    ) -> Any:
        token, now = token_of(credentials), app.now()

        def work(new_uow: NewUnitOfWork) -> Any:
            account_no = _own_account(app, new_uow, token)
            return dump(portal_api.deposit_details(new_uow, token, account_no, start, end, now, rules=rules))

        return JSONResponse(await reads.run(work))

    @router.get(
        "/me/loans",
        tags=["me"],
        summary="贷款: the loans on the member's record",
        openapi_extra=ok({"type": "array", "items": shape(returns(portal_api.loan_account))}),
    )
    def loans(credentials: Token) -> Any:
        token = token_of(credentials)
        record = _record(app, app.unit_of_work, token)
        contracts = tuple(record.loan_contracts) if record is not None else ()
        return JSONResponse([dump(portal.loan_account(token, c, app.now())) for c in contracts])

    @router.get(
        "/me/loans/{contract_no}",
        tags=["me"],
        summary="贷款账户信息 (seed §4.2 (3))",
        openapi_extra=ok(returns(portal_api.loan_account)),
    )
    def loan(contract_no: str, credentials: Token) -> Any:
        return JSONResponse(dump(portal.loan_account(token_of(credentials), contract_no, app.now())))

    @router.get(
        "/me/loans/{contract_no}/schedule",
        tags=["me"],
        summary="还款计划 (seed §4.2 (5))",
        openapi_extra=ok(returns(portal_api.repayment_plan_of)),
    )
    def schedule(
        contract_no: str,
        credentials: Token,
        start: Annotated[date, Query(alias="from")],
        end: Annotated[date, Query(alias="to")],
    ) -> Any:
        return JSONResponse(
            dump(portal.repayment_plan_of(token_of(credentials), contract_no, start, end, app.now()))
        )

    @router.get(
        "/me/loans/{contract_no}/repayments",
        tags=["me"],
        summary="还款明细 (seed §4.2 (4))",
        openapi_extra=ok(returns(portal_api.repayment_details_of)),
    )
    def repayments(
        contract_no: str,
        credentials: Token,
        start: Annotated[date, Query(alias="from")],
        end: Annotated[date, Query(alias="to")],
    ) -> Any:
        return JSONResponse(
            dump(portal.repayment_details_of(token_of(credentials), contract_no, start, end, app.now()))
        )

    @router.get(
        "/me/loans/{contract_no}/overdue",
        tags=["me"],
        summary="逾期还款明细 (seed §4.2 (6))",
        openapi_extra=ok(returns(portal_api.overdue)),
    )
    def overdue(
        contract_no: str,
        credentials: Token,
        start: Annotated[date, Query(alias="from")],
        end: Annotated[date, Query(alias="to")],
    ) -> Any:
        return JSONResponse(dump(portal.overdue(token_of(credentials), contract_no, start, end, app.now())))

    @router.get(
        "/me/cards",
        tags=["me"],
        summary="银行卡 (masked)",
        openapi_extra=ok({"type": "array", "items": CARD}),
    )
    def cards(credentials: Token) -> Any:
        return JSONResponse(dump(portal.my_cards(token_of(credentials), app.now())))

    @router.post(
        "/me/cards", status_code=201, tags=["me"], summary="添加新银行卡", openapi_extra=ok(CARD, 201)
    )
    def add_card(body: s.Card, credentials: Token, key: IdemKey = None) -> JSONResponse:
        token = token_of(credentials)

        def run() -> tuple[int, Any]:
            return 201, dump(portal.bind_card(token, body.number, app.now(), bank=body.bank))

        return _reply(*idempotent(app, key, token_digest(token), "POST /me/cards", body.model_dump(), run))

    @router.post(
        "/me/applications",
        status_code=201,
        tags=["me"],
        summary="我要提取 / 贷款业务: any business",
        openapi_extra=ok(DRAFTED, 201),
    )
    def apply(body: s.Application, credentials: Token, key: IdemKey = None) -> JSONResponse:
        token = token_of(credentials)

        def run() -> tuple[int, Any]:
            return 201, _apply(app, token, body)

        return _reply(
            *idempotent(app, key, token_digest(token), "POST /me/applications", body.model_dump(), run)
        )

    @router.get(
        "/me/applications/{application_id}/records",
        tags=["me"],
        summary="审批记录",
        openapi_extra=ok(returns(portal_api.approval_records)),
    )
    def records(application_id: str, credentials: Token) -> Any:
        return JSONResponse(dump(portal.approval_records(token_of(credentials), application_id, app.now())))

    @router.put(
        "/me/applications/{application_id}/documents/{category}",
        tags=["me"],
        summary="上传档案: the body is the file's bytes",
        openapi_extra=ok(record(application=APPLICATION, document=StoredDocument)),
    )
    async def upload(
        application_id: str,
        category: str,
        request: Request,
        credentials: Token,
        filename: Annotated[str, Query(min_length=1, max_length=200)] = "upload.bin",
    ) -> Any:
        token = token_of(credentials)
        content = await request.body()
        if not content:
            raise InputError("content", "the file is empty")
        done, stored = portal.upload_document(token, application_id, category, filename, content, app.now())
        return {"application": application(done), "document": dump(stored)}

    for step, service in (
        ("submit", portal.submit_application),
        ("resubmit", portal.resubmit_application),
        ("end", portal.end_application),
    ):
        _add_step(router, app, step, service)

    @router.get(
        "/me/business",
        tags=["me"],
        summary="我的业务: 待办事项, 我发起的",
        openapi_extra=ok(record(todo=tuple[Application, ...], started=tuple[Application, ...])),
    )
    async def business(credentials: Token) -> Any:
        token, now = token_of(credentials), app.now()

        def work(new_uow: NewUnitOfWork) -> Any:
            return {
                "todo": [application(a) for a in portal_api.my_todos(new_uow, token, now, rules=rules)],
                "started": [
                    application(a) for a in portal_api.my_applications(new_uow, token, now, rules=rules)
                ],
            }

        return JSONResponse(await reads.run(work))

    return router


def _add_step(router: APIRouter, app: App, step: str, service: Any) -> None:
    @router.post(
        f"/me/applications/{{application_id}}/{step}",
        tags=["me"],
        summary={"submit": "提交中心审批", "resubmit": "修改重新上传, 重新提交", "end": "结束流程"}[step],
        operation_id=f"application_{step}",
        openapi_extra=ok(APPLICATION),
    )
    def run_step(
        application_id: str,
        credentials: Token,
        key: IdemKey = None,
    ) -> JSONResponse:
        token = token_of(credentials)

        def run() -> tuple[int, Any]:
            return 200, application(service(token, application_id, app.now()))

        return _reply(*idempotent(app, key, token_digest(token), f"POST {application_id}/{step}", {}, run))


def _apply(app: App, token: str, body: s.Application) -> dict[str, Any]:
    portal, now = app.portal, app.now()
    if body.type == "withdrawal":
        unknown = set(body.facts) - _FACTS
        if unknown:
            raise InputError("facts", f"unknown facts: {', '.join(sorted(unknown))}")
        if body.kind is None or body.card_number is None:
            raise InputError("kind" if body.kind is None else "card_number", "is required for a withdrawal")
        facts = WithdrawalFacts(**{k: _fact(k, v) for k, v in body.facts.items()})
        account_no = _own_account(app, app.unit_of_work, token)
        drafted, assessment = portal.apply_for_withdrawal(
            token, account_no, body.kind, body.amount, body.card_number, facts, now
        )
        return {"application": application(drafted), "assessment": dump(assessment)}
    if body.contract_no is None:
        raise InputError("contract_no", "is required for a loan business")
    if body.type == "prepayment":
        if body.amount is None or body.strategy is None:
            raise InputError("amount" if body.amount is None else "strategy", "is required for a prepayment")
        drafted, quote = portal.apply_for_prepayment(token, body.contract_no, body.amount, body.strategy, now)
        return {"application": application(drafted), "quote": dump(quote)}
    if body.type == "settlement":
        if body.from_hpf is None:
            raise InputError("from_hpf", "is required for a settlement")
        drafted, squote = portal.apply_for_settlement(
            token, body.contract_no, body.from_hpf, now, draw_account_no=body.draw_account_no
        )
        return {"application": application(drafted), "quote": dump(squote)}
    service = (
        portal.apply_for_offset_signing
        if body.type == "offset-signing"
        else portal.apply_for_offset_cancelling
    )
    return {"application": application(service(token, body.contract_no, now))}


def _fact(name: str, value: Any) -> Any:
    """A fact from JSON: a date field (``*_on``, ``*_since``) from its ISO text."""
    if isinstance(value, str) and name.endswith(("_on", "_since")):
        return parse_date(value, f"facts.{name}")
    return value


def _record(app: App, new_uow: NewUnitOfWork, token: str) -> MemberRecord | None:
    """The member record of the session's member (None: a member with credentials only).

    One read, no write: the session is looked up by its token's hash only to learn whose
    record to read; the portal service the route then calls authenticates the token (and
    stores the touch) before it reads anything, so an ended, expired or restricted session
    is still refused there, and a record read here for a dead session is never answered.
    A token with no session at all is refused here, by the same authentication."""
    with new_uow() as uow:
        session = uow.sessions.get(hash_token(token))
        if session is not None and not session.ended:
            try:
                return uow.members.get(session.member_id)
            except UnknownRecord:
                return None
    rules = app.policy.members or MemberRules()
    member_services.authenticate(new_uow, token, app.now(), rules=rules)
    return None


def _own_account(app: App, new_uow: NewUnitOfWork, token: str) -> str:
    """The member's own deposit account number (a member with none: 404 like an unknown one)."""
    record = _record(app, new_uow, token)
    if record is None or not record.account_no:
        raise not_found("account_no")
    return str(record.account_no)
