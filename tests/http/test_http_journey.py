"""The seed journey through a REAL uvicorn server, driven with httpx as the app would
(issue #14, D-058): login on the initial password, the forced change, 个人中心, the account,
a new card, 离、退休提取 returned by a reviewer, resubmitted, approved by a second staff
member and paid once with the same Idempotency-Key retried; then logout.

Figures are the seed's (操作手册 §5.2.1.1: 个人账户余额 5,925.21, 销户利息 81.97,
提取金额合计 6,007.18; tests/unit/portal_world.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")


sys.path.insert(0, str(Path(__file__).parent))
import http_live_server as L  # noqa: E402, N812 - the shared live-server helpers beside this file

W, Live, world_app = L.W, L.Live, L.world_app
ADMIN_TOKEN, APPROVER_TOKEN, REVIEWER_TOKEN = L.ADMIN_TOKEN, L.APPROVER_TOKEN, L.REVIEWER_TOKEN
serve_app, live = L.serve_app, L.live

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: Any, person: Any) -> str:
    """登录 on the initial password (ID last 8), then the forced change: a full session."""
    first = client.post("/sessions", json={"identifier": person.phone, "password": person.id_number[-8:]})
    assert first.status_code == 201, first.text
    assert first.json()["password_change_required"] is True
    token = str(first.json()["token"])
    changed = client.put(
        "/me/password",
        headers=bearer(token),
        json={
            "group": "online",
            "old_password": person.id_number[-8:],
            "new_password": W.NEW_PASSWORD,
            "confirmation": W.NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200, changed.text
    return token


def balance(live: Any, account_no: str) -> Decimal:
    with live.app.unit_of_work() as uow:
        found: Decimal = uow.accounts.get(account_no).balance
        return found


def journey(live: Any) -> None:
    a = W.A
    answers: list[str] = []

    def keep(response: Any) -> None:
        response.read()
        answers.append(response.text)

    with httpx.Client(base_url=live.url, timeout=30, event_hooks={"response": [keep]}) as client:
        token = login(client, a)
        auth = bearer(token)

        me = client.get("/me", headers=auth)
        assert me.status_code == 200
        # 个人中心, masked as the seed shows: ID 6+4, phone 3+4
        assert (me.json()["name"], me.json()["id_number"], me.json()["phone"]) == (
            "赵一",
            "110105********002X",
            "138****8000",
        )
        account = client.get("/me/account", headers=auth).json()
        assert account["balance"] == "5925.21"

        # 添加新银行卡: the password first; the answer shows the card masked 6+4
        assert (
            client.post("/me/password-checks", headers=auth, json={"password": W.NEW_PASSWORD}).status_code
            == 200
        )
        card = client.post(
            "/me/cards", headers={**auth, "Idempotency-Key": "card-1"}, json={"number": W.CARD_A}
        )
        assert card.status_code == 201, card.text
        assert card.json()["masked"] == "622576******8888"
        assert W.CARD_A not in card.text
        listed = client.get("/me/cards", headers=auth).json()
        assert [c["masked"] for c in listed] == ["622576******8888"]

        # 离、退休提取: 5,925.21 + 81.97 interest = 6,007.18
        drafted = client.post(
            "/me/applications",
            headers={**auth, "Idempotency-Key": "retire-1"},
            json={
                "type": "withdrawal",
                "kind": "retirement",
                "card_number": W.CARD_A,
                "facts": {"retired_on": "2018-05-01"},
            },
        )
        assert drafted.status_code == 201, drafted.text
        application = drafted.json()["application"]
        assert drafted.json()["assessment"]["closing_interest"] == "81.97"
        assert application["amount"] == "6007.18"
        app_id = application["application_id"]
        assert app_id == "M-A-1"
        # the same key and body again: the first answer replayed, no second draft
        again = client.post(
            "/me/applications",
            headers={**auth, "Idempotency-Key": "retire-1"},
            json={
                "type": "withdrawal",
                "kind": "retirement",
                "card_number": W.CARD_A,
                "facts": {"retired_on": "2018-05-01"},
            },
        )
        assert (again.status_code, again.json(), again.headers.get("Idempotent-Replayed")) == (
            201,
            drafted.json(),
            "true",
        )

        up = client.put(
            f"/me/applications/{app_id}/documents/退休证或离退休文件",
            params={"filename": "r.jpg"},
            headers=auth,
            content=b"retired",
        )
        assert up.status_code == 200, up.text
        assert up.json()["application"]["documents"] == {"退休证或离退休文件": 1}
        submitted = client.post(f"/me/applications/{app_id}/submit", headers=auth)
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["status"] == "submitted"

        # the reviewer returns it with a reason; the member sees it as 待办
        returned = client.post(
            f"/staff/applications/{app_id}/return",
            headers=bearer(REVIEWER_TOKEN),
            json={"reason": "请补审批表"},
        )
        assert returned.status_code == 200, returned.text
        assert returned.json()["status"] == "returned"
        business = client.get("/me/business", headers=auth).json()
        assert [t["application_id"] for t in business["todo"]] == [app_id]
        records = client.get(f"/me/applications/{app_id}/records", headers=auth).json()
        assert "请补审批表" in [r["opinion"] for r in records]

        client.put(
            f"/me/applications/{app_id}/documents/提取申请审批表",
            params={"filename": "t.jpg"},
            headers=auth,
            content=b"table",
        )
        resubmitted = client.post(f"/me/applications/{app_id}/resubmit", headers=auth)
        assert resubmitted.status_code == 200, resubmitted.text
        assert client.get("/me/business", headers=auth).json()["todo"] == []

        # the reviewer who returned it may not give the final approval (an approver's)
        refused = client.post(
            f"/staff/applications/{app_id}/approve", headers=bearer(REVIEWER_TOKEN), json={}
        )
        assert (refused.status_code, refused.headers["content-type"]) == (403, PROBLEM)
        assert refused.json()["code"] == "role_not_allowed"
        approved = client.post(
            f"/staff/applications/{app_id}/approve", headers=bearer(APPROVER_TOKEN), json={}
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"
        # the approver may not pay (four eyes); the administrator pays, once
        assert (
            client.post(f"/staff/applications/{app_id}/pay", headers=bearer(APPROVER_TOKEN)).status_code
            == 403
        )
        pay_headers = {**bearer(ADMIN_TOKEN), "Idempotency-Key": "pay-M-A-1"}
        paid = client.post(f"/staff/applications/{app_id}/pay", headers=pay_headers)
        assert paid.status_code == 200, paid.text
        assert paid.json()["receipt"]["amount"] == "6007.18"
        assert paid.json()["application"]["status"] == "paid"
        retried = client.post(f"/staff/applications/{app_id}/pay", headers=pay_headers)
        assert (retried.status_code, retried.json()) == (200, paid.json())
        assert retried.headers["Idempotent-Replayed"] == "true"
        # the same key for another request: 422
        other = client.post(f"/staff/applications/{app_id}/end", headers=pay_headers, json={"reason": "x"})
        assert (other.status_code, other.json()["code"]) == (422, "idempotency_conflict")
        assert balance(live, "A1") == Decimal("0.00")
        with live.app.unit_of_work() as uow:
            debits = [e for e in uow.journal.entries("A1") if e.amount < 0]
        assert [e.amount for e in debits] == [Decimal("-6007.18")]  # paid once
        started = client.get("/me/business", headers=auth).json()["started"]
        assert [(s["application_id"], s["status"]) for s in started] == [(app_id, "paid")]

        # 退出: the token no longer opens anything
        assert client.delete("/sessions/current", headers=auth).status_code == 204
        after = client.get("/me", headers=auth)
        assert (after.status_code, after.headers["content-type"], after.json()["code"]) == (
            401,
            PROBLEM,
            "session_ended",
        )
    # no answer of the whole journey shows the phone, the ID number or the card in full
    assert len(answers) > 25
    for secret in (a.phone, a.id_number, W.CARD_A):
        assert not [text for text in answers if secret in text]


def test_the_seed_journey_on_sqlite(live: Any) -> None:
    journey(live)


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)
def test_the_seed_journey_on_postgresql(serve_app: Callable[..., Any], empty_database: str) -> None:
    journey(serve_app(world_app(empty_database)))
