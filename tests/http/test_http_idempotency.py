"""Idempotency keys on a live server (D-058): kept in the database, so a retry after a
RESTART (a new app and server over the same SQLite file) still gets the first answer; and
racing payments of one application — under one key or under different keys — move the
money once (the back office's own key ``pay:<application id>`` below the HTTP key)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

httpx = pytest.importorskip("httpx")


sys.path.insert(0, str(Path(__file__).parent))
import http_live_server as L  # noqa: E402, N812 - the shared live-server helpers beside this file

W = L.W
serve_app = L.serve_app


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _approved_retirement(client: Any) -> str:
    """A's 离、退休提取 of 6,007.18 (seed §5.2.1.1), submitted and approved."""
    first = client.post("/sessions", json={"identifier": W.A.phone, "password": W.A.id_number[-8:]})
    auth = _bearer(first.json()["token"])
    old = W.A.id_number[-8:]
    body = {
        "group": "online",
        "old_password": old,
        "new_password": W.NEW_PASSWORD,
        "confirmation": W.NEW_PASSWORD,
    }
    client.put("/me/password", headers=auth, json=body)
    client.post("/me/password-checks", headers=auth, json={"password": W.NEW_PASSWORD})
    assert client.post("/me/cards", headers=auth, json={"number": W.CARD_A}).status_code == 201
    drafted = client.post(
        "/me/applications",
        headers=auth,
        json={
            "type": "withdrawal",
            "kind": "retirement",
            "card_number": W.CARD_A,
            "facts": {"retired_on": "2018-05-01"},
        },
    )
    app_id = str(drafted.json()["application"]["application_id"])
    for category in ("退休证或离退休文件", "提取申请审批表"):
        client.put(f"/me/applications/{app_id}/documents/{category}", headers=auth, content=category.encode())
    assert client.post(f"/me/applications/{app_id}/submit", headers=auth).status_code == 200
    approved = client.post(
        f"/staff/applications/{app_id}/approve", headers=_bearer(L.APPROVER_TOKEN), json={}
    )
    assert approved.status_code == 200, approved.text
    return app_id


def _debits(app: Any) -> list[Decimal]:
    with app.unit_of_work() as uow:
        return [e.amount for e in uow.journal.entries("A1") if e.amount < 0]


def test_a_key_survives_a_restart(serve_app: Callable[..., Any], tmp_path: Path) -> None:
    path = str(tmp_path / "restart.db")
    first = serve_app(L.world_app(path))
    headers = {**_bearer(L.ADMIN_TOKEN), "Idempotency-Key": "pay-once"}
    with httpx.Client(base_url=first.url, timeout=30) as client:
        app_id = _approved_retirement(client)
        paid = client.post(f"/staff/applications/{app_id}/pay", headers=headers)
        assert paid.status_code == 200, paid.text
    # a new app and server over the same file: the key is in the database
    again_app = L.W.an_app(path)
    again = serve_app(attrs.evolve(again_app, clock=L.Ticking(W.at(11))))
    with httpx.Client(base_url=again.url, timeout=30) as client:
        retried = client.post(f"/staff/applications/{app_id}/pay", headers=headers)
        assert (retried.status_code, retried.json()) == (200, paid.json())
        assert retried.headers["Idempotent-Replayed"] == "true"
        other = client.post(f"/staff/applications/{app_id}/end", headers=headers, json={"reason": "x"})
        assert (other.status_code, other.json()["code"]) == (422, "idempotency_conflict")
    assert _debits(again.app) == [Decimal("-6007.18")]


@pytest.mark.parametrize("same_key", [True, False], ids=["one key", "a key each"])
def test_racing_payments_move_the_money_once(
    serve_app: Callable[..., Any], tmp_path: Path, same_key: bool
) -> None:
    live = serve_app(L.world_app(str(tmp_path / "race.db")))
    with httpx.Client(base_url=live.url, timeout=60) as client:
        app_id = _approved_retirement(client)

    def pay(i: int) -> int:
        key = "race" if same_key else f"race-{i}"
        headers = {**_bearer(L.ADMIN_TOKEN), "Idempotency-Key": key}
        return int(
            httpx.post(f"{live.url}/staff/applications/{app_id}/pay", headers=headers, timeout=60).status_code
        )

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(pay, range(6)))
    assert all(s < 500 for s in statuses), statuses
    assert 200 in statuses
    assert _debits(live.app) == [Decimal("-6007.18")]
    with live.app.unit_of_work() as uow:
        assert uow.applications.get(app_id).status.value == "paid"
