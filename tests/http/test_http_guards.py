"""What stands around the services on a live server (D-058): another member's records
answer 404 exactly like unknown ones on every ``/me`` route that takes an identifier; every
error is an RFC 9457 problem with hpf's code and field; a refused login is one answer
whatever the reason; login and code sending are throttled per address (429 + Retry-After);
bodies and uploads have size limits; the access log holds no secret; the checked-in
OpenAPI document is the live one."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")


sys.path.insert(0, str(Path(__file__).parent))
import http_live_server as L  # noqa: E402, N812 - the shared live-server helpers beside this file

from hpf_adapters.sms import MemorySms  # noqa: E402

W = L.W
serve_app, live = L.serve_app, L.live
PROBLEM = "application/problem+json"
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def session(client: Any, person: Any) -> dict[str, str]:
    first = client.post("/sessions", json={"identifier": person.phone, "password": person.id_number[-8:]})
    token = first.json()["token"]
    old = person.id_number[-8:]
    body = {
        "group": "online",
        "old_password": old,
        "new_password": W.NEW_PASSWORD,
        "confirmation": W.NEW_PASSWORD,
    }
    assert client.put("/me/password", headers=bearer(token), json=body).status_code == 200
    return bearer(token)


# (method, path template, body or None, upload bytes or None)
ROUTES: list[tuple[str, str, Any, bytes | None]] = [
    ("GET", "/me/loans/{contract_no}", None, None),
    ("GET", "/me/loans/{contract_no}/schedule?from=2018-05-29&to=2018-08-31", None, None),
    ("GET", "/me/loans/{contract_no}/repayments?from=2018-05-29&to=2019-05-29", None, None),
    ("GET", "/me/loans/{contract_no}/overdue?from=2018-05-29&to=2019-05-29", None, None),
    ("GET", "/me/applications/{application_id}/records", None, None),
    ("PUT", "/me/applications/{application_id}/documents/借款人身份证?filename=x.jpg", None, b"id card"),
    ("POST", "/me/applications/{application_id}/submit", None, None),
    ("POST", "/me/applications/{application_id}/resubmit", None, None),
    ("POST", "/me/applications/{application_id}/end", None, None),
    ("POST", "/me/applications", {"type": "offset-signing", "contract_no": "{contract_no}"}, None),
    ("POST", "/me/applications", {"type": "offset-cancelling", "contract_no": "{contract_no}"}, None),
    (
        "POST",
        "/me/applications",
        {"type": "prepayment", "contract_no": "{contract_no}", "amount": "10000", "strategy": "keep-term"},
        None,
    ),
    (
        "POST",
        "/me/applications",
        {"type": "settlement", "contract_no": "{contract_no}", "from_hpf": "0"},
        None,
    ),
    (
        "POST",
        "/me/applications",
        {"type": "withdrawal", "kind": "property-fee", "card_number": "{card}", "facts": {"owns_home": True}},
        None,
    ),
]


def _fill(text: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        text = text.replace("{" + name + "}", value)
    return text


def _call(
    client: Any, auth: dict[str, str], route: tuple[str, str, Any, bytes | None], ids: dict[str, str]
) -> Any:
    method, path, body, upload = route
    json_body = None if body is None else json.loads(_fill(json.dumps(body), ids))
    return client.request(method, _fill(path, ids), headers=auth, json=json_body, content=upload)


def _state(live: Any) -> tuple[Any, ...]:
    with live.app.unit_of_work() as uow:
        return (
            uow.applications.get("M-B-1"),
            tuple(uow.cards.cards_of("M-B")),
            uow.loans.get("HT03"),
            len(uow.audit.events()),
        )


def test_another_members_records_answer_like_unknown_ones(live: Any) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        b = session(client, W.B)
        drafted = client.post(
            "/me/applications", headers=b, json={"type": "offset-signing", "contract_no": "HT03"}
        )
        assert drafted.status_code == 201, drafted.text
        assert drafted.json()["application"]["application_id"] == "M-B-1"
        assert (
            client.post("/me/password-checks", headers=b, json={"password": W.NEW_PASSWORD}).status_code
            == 200
        )
        assert client.post("/me/cards", headers=b, json={"number": W.CARD_B}).status_code == 201
        a = session(client, W.A)
        theirs = {"contract_no": "HT03", "application_id": "M-B-1", "card": W.CARD_B}
        unknown = {"contract_no": "HT99", "application_id": "M-B-99", "card": "6222020200112233445"}
        before = _state(live)
        for route in ROUTES:
            got, none = _call(client, a, route, theirs), _call(client, a, route, unknown)
            assert got.status_code == 404, (route, got.text)
            assert got.headers["content-type"] == PROBLEM
            same, other = got.json(), none.json()
            assert (same["code"], same["field"], same["detail"]) == (
                other["code"],
                other["field"],
                other["detail"],
            )
            assert none.status_code == 404
            assert W.CARD_B not in got.text
        assert _state(live) == before  # nothing read into a change, nothing written
        # the owner still sees it
        assert client.get("/me/loans/HT03", headers=b).json()["balance"] == "146271.00"


def test_every_me_route_with_an_identifier_is_in_the_cross_member_list(live: Any) -> None:
    spec = httpx.get(live.url.replace("/api/v1", "/openapi.json")).json()
    covered = {path.split("?")[0] for _, path, _, _ in ROUTES}
    covered = {
        p if "documents" not in p else "/me/applications/{application_id}/documents/{category}"
        for p in covered
    }
    with_ids = {p.removeprefix("/api/v1") for p in spec["paths"] if p.startswith("/api/v1/me") and "{" in p}
    assert with_ids <= covered


def test_problem_details_carry_code_field_and_status(live: Any) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        none = client.get("/me")
        assert (none.status_code, none.headers["content-type"]) == (401, PROBLEM)
        assert none.headers["www-authenticate"] == "Bearer"
        body = none.json()
        assert {"type", "title", "status", "detail", "instance", "code", "field"} <= set(body)
        assert (body["status"], body["code"], body["instance"]) == (401, "unauthenticated", "/api/v1/me")
        bad = client.get(
            "/calculator/quote", params={"principal": "1.234", "months": 12, "annual_rate": "0.0325"}
        )
        assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
            422,
            "invalid_amount",
            "principal",
        )
        missing = client.get("/calculator/quote", params={"months": 12})
        assert (missing.status_code, missing.json()["code"], missing.json()["field"]) == (
            422,
            "invalid_input",
            "principal",
        )
        assert client.get("/no-such-route").headers["content-type"] == PROBLEM
        staff = client.post("/staff/applications/X/approve", json={}, headers=bearer("x" * 40))
        assert (staff.status_code, staff.json()["code"]) == (401, "unauthenticated")


def test_a_public_quote_has_the_textbook_instalment(live: Any) -> None:
    """146,271.00 at 3.25 % over 138 months: 1,271.74 a month (portal_world's oracle figure,
    P·r·(1+r)^n / ((1+r)^n − 1))."""
    got = httpx.get(
        live.url + "/calculator/quote",
        params={"principal": "146271.00", "months": 138, "annual_rate": "0.0325"},
    )
    assert got.status_code == 200
    assert got.json()["monthly_payment"] == "1271.74"
    assert got.json()["first"]["payment"] == "1271.74"
    # asked again (the answer cached, D-067) and with every row (computed, not cached): the
    # same figures; 138 rows, the first the one already shown, nothing owed after the last
    again = httpx.get(
        live.url + "/calculator/quote",
        params={"principal": "146271.00", "months": 138, "annual_rate": "0.0325"},
    )
    assert (again.headers["content-type"], again.json()) == ("application/json", got.json())
    full = httpx.get(
        live.url + "/calculator/quote",
        params={"principal": "146271.00", "months": 138, "annual_rate": "0.0325", "rows": "true"},
    ).json()
    assert len(full["rows"]) == 138
    assert (full["rows"][0], Decimal(full["rows"][-1]["balance"])) == (got.json()["first"], Decimal("0"))
    assert {k: v for k, v in full.items() if k != "rows"} == got.json()


def test_a_refused_login_is_one_answer_whatever_the_reason(live: Any) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        wrong = client.post("/sessions", json={"identifier": W.A.phone, "password": "not-it-123"})
        unknown = client.post("/sessions", json={"identifier": "13911112222", "password": "not-it-123"})
        for _ in range(6):  # past the lock
            client.post("/sessions", json={"identifier": W.C.phone, "password": "not-it-123"})
        locked = client.post("/sessions", json={"identifier": W.C.phone, "password": W.C.id_number[-8:]})
        answers = [(r.status_code, r.json()["code"], r.json()["detail"]) for r in (wrong, unknown, locked)]
        assert answers == [(401, "login_refused", "账号或密码错误 / wrong account or password")] * 3


def test_login_and_code_sending_are_throttled_per_address(
    serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    live = serve_app(L.world_app(str(tmp_path / "t.db")), login_limit=3, code_limit=2, window=60.0)
    with httpx.Client(base_url=live.url, timeout=30) as client:
        codes = [
            client.post("/sessions", json={"identifier": "13911112222", "password": "x"}).status_code
            for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        last = client.post("/sessions", json={"identifier": W.A.phone, "password": W.A.id_number[-8:]})
        assert last.status_code == 429
        assert 1 <= int(last.headers["Retry-After"]) <= 60
        assert last.json()["code"] == "too_many_requests"
        sent = [
            client.post("/verification-codes", json={"identifier": W.A.phone}).status_code for _ in range(3)
        ]
        assert sent[:2] != [429, 429]
        assert sent[2] == 429


def test_bodies_and_uploads_have_size_limits(serve_app: Callable[..., Any], tmp_path: Path) -> None:
    live = serve_app(L.world_app(str(tmp_path / "s.db")), max_body=1000, max_upload=2000)
    with httpx.Client(base_url=live.url, timeout=30) as client:
        big = client.post(
            "/sessions", content=b"{" + b" " * 2000 + b"}", headers={"content-type": "application/json"}
        )
        assert (big.status_code, big.json()["code"]) == (413, "body_too_large")
        b = session(client, W.B)
        drafted = client.post(
            "/me/applications", headers=b, json={"type": "offset-signing", "contract_no": "HT03"}
        )
        path = "/me/applications/M-B-1/documents/借款人身份证"
        assert drafted.status_code == 201
        small = client.put(path, headers=b, content=b"x" * 1500, params={"filename": "a.jpg"})
        assert small.status_code == 200, small.text
        large = client.put(path, headers=b, content=b"x" * 2500, params={"filename": "b.jpg"})
        assert large.status_code == 413

        def chunks() -> Any:  # no Content-Length: the streamed body is counted
            for _ in range(5):
                yield b"y" * 600

        streamed = client.put(path, headers=b, content=chunks(), params={"filename": "c.jpg"})
        assert (streamed.status_code, streamed.json()["code"]) == (413, "body_too_large")
        with live.app.unit_of_work() as uow:
            assert uow.applications.get("M-B-1").documents == {"借款人身份证": 1}


def test_the_access_log_holds_no_secret(live: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="hpf.http.access"), httpx.Client(base_url=live.url) as client:
        auth = session(client, W.B)
        client.get("/me/loans/HT03/overdue", params={"from": "2018-05-29", "to": "2019-05-29"}, headers=auth)
        client.post("/sessions", json={"identifier": W.B.phone, "password": W.NEW_PASSWORD})
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "hpf.http.access")
    assert "GET /me/loans/{contract_no}/overdue 200" in text
    token = auth["Authorization"].split()[1]
    for secret in (token, W.NEW_PASSWORD, W.B.phone, W.B.id_number, "HT03", "2019-05-29"):
        assert secret not in text


def test_the_checked_in_openapi_is_the_live_one(live: Any) -> None:
    spec = httpx.get(live.url.replace("/api/v1", "/openapi.json")).json()
    assert json.loads(OPENAPI.read_text(encoding="utf-8")) == spec


def test_the_screens_a_member_and_a_visitor_read(live: Any) -> None:
    """B 李四 (portal_world): 46,760.77 with May 2018's deposit of 1,656.00 (6,900.00 x 12 %
    from each side); HT03: 146,271.00 at 3.25 % over 138 months, 1,271.74 a month."""
    with httpx.Client(base_url=live.url, timeout=30) as client:
        b = session(client, W.B)
        assert client.get("/me/account", headers=b).json()["balance"] == "46760.77"
        rows = client.get("/me/account/entries", headers=b, params={"from": "2018-01-01", "to": "2018-05-29"})
        assert [(r["month"], r["amount"]) for r in rows.json()] == [("2018-05-01", "1656.00")]
        loans = client.get("/me/loans", headers=b).json()
        assert [(loan["balance"], loan["annual_rate"]) for loan in loans] == [("146271.00", "3.2500%")]
        plan = client.get(
            "/me/loans/HT03/schedule", headers=b, params={"from": "2018-05-29", "to": "2018-07-31"}
        )
        assert [row["total"] for row in plan.json()] == ["1271.74", "1271.74"]
        overdue = client.get(
            "/me/loans/HT03/overdue", headers=b, params={"from": "2018-05-29", "to": "2019-05-29"}
        )
        assert overdue.json() == []
        # public pages: no session
        assert client.get("/center").json()["hotline"] == "tel:12329"
        assert [n["title"] for n in client.get("/news").json()] == [
            "EXAMPLE 2026年度住房公积金缴存基数调整",
            "EXAMPLE 关于调整住房公积金业务办理时间的通知",
        ]
        outlets = client.get("/outlets").json()
        assert len(outlets) == 4
        assert outlets[0]["phone"] == "12329"
        near = client.get("/outlets", params={"near": "47.84,88.14"})
        assert near.status_code == 200, near.text
        rates = client.get("/rates").json()
        assert rates
        assert all(isinstance(row["source"], str) for row in rates if "source" in row)


def test_a_forgotten_password_is_reset_by_sms_code(serve_app: Callable[..., Any], tmp_path: Path) -> None:
    """忘记密码 over HTTP: the code goes to the member's phone (an unknown identifier gets the same
    answer and no text), the reset ends every session and the new password logs in."""
    app = L.world_app(str(tmp_path / "r.db"))
    live = serve_app(app)
    assert isinstance(app.sms, MemorySms)
    with httpx.Client(base_url=live.url, timeout=30) as client:
        old = session(client, W.A)
        texts = len(app.sms.sent_messages)
        sent = client.post("/password-resets", json={"identifier": W.A.phone})
        nobody = client.post("/password-resets", json={"identifier": "13911112222"})
        assert (sent.status_code, nobody.status_code) == (202, 202)
        assert sent.json() == nobody.json() == {"message": "已发送,请查收"}
        assert [m.phone for m in app.sms.sent_messages[texts:]] == [W.A.phone]  # one text, to A only
        body = {
            "identifier": W.A.phone,
            "code": W.CODE,
            "new_password": "reset2026ok",
            "confirmation": "reset2026ok",
        }
        wrong = client.post("/password-resets/confirmation", json={**body, "code": "000000"})
        assert (wrong.status_code, wrong.json()["field"]) == (422, "code")
        done = client.post("/password-resets/confirmation", json=body)
        assert done.status_code == 200
        assert client.get("/me", headers=old).status_code == 401  # every session ended
        again = client.post("/sessions", json={"identifier": W.A.phone, "password": "reset2026ok"})
        assert again.status_code == 201


def test_every_success_answer_has_a_schema(live: Any) -> None:
    """Every operation documents its 2xx body (D-067), so Schemathesis's response check
    validates real answers, not free-form JSON; 204 has no body."""
    spec = httpx.get(live.url.replace("/api/v1", "/openapi.json")).json()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith("2") and status != "204":
                    schema = response.get("content", {}).get("application/json", {}).get("schema")
                    typed = schema and (schema.get("type") in ("object", "array") or "anyOf" in schema)
                    if not typed:
                        missing.append(f"{method.upper()} {path} {status}")
    assert missing == []
