"""支付宝登录 / 刷脸登录 over HTTP (seed §2.1.2, D-067): ``POST /sessions/third-party`` with
what the third party's screen gave the app. A pass opens a session (restricted to the
password change while the initial password stands) and marks the first login passed, so
the password login then opens a session too; every refusal is the password login's one
401 answer."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

httpx = pytest.importorskip("httpx")


sys.path.insert(0, str(Path(__file__).parent))
import http_live_server as L  # noqa: E402, N812 - the shared live-server helpers beside this file

W = L.W
serve_app = L.serve_app


def test_face_and_alipay_first_login(serve_app: Callable[..., Any], tmp_path: Path) -> None:
    live = serve_app(L.world_app(str(tmp_path / "identity.db")))
    app = live.app
    # A has not passed the first-login check: the password alone opens no session
    with app.unit_of_work() as uow:
        creds = uow.credentials.get(W.A.member_id)
        uow.credentials.save(attrs.evolve(creds, first_login_verified_at=None))
        uow.commit()
    initial = W.A.id_number[-8:]
    with httpx.Client(base_url=live.url, timeout=30) as c:
        by_password = c.post("/sessions", json={"identifier": W.A.phone, "password": initial})
        assert (by_password.status_code, by_password.json()["code"]) == (
            403,
            "first_login_verification_required",
        )

        app.verifier.vouch("face", "certify-0001", W.A.id_number)
        face = c.post("/sessions/third-party", json={"method": "face", "evidence": "certify-0001"})
        assert face.status_code == 201, face.text
        assert face.json()["token_type"] == "Bearer"
        assert face.json()["password_change_required"] is True  # still on the initial password
        auth = {"Authorization": f"Bearer {face.json()['token']}"}
        restricted = c.get("/me", headers=auth)
        assert (restricted.status_code, restricted.json()["code"]) == (403, "password_change_required")

        # the evidence is good once; an unknown one and a refused one answer like a bad password
        refused = []
        app.verifier.vouch("face", "certify-0002", W.A.id_number, ok=False)
        for evidence in ("certify-0001", "never-issued", "certify-0002"):
            answer = c.post("/sessions/third-party", json={"method": "face", "evidence": evidence})
            refused.append((answer.status_code, answer.json()["code"], answer.json()["detail"]))
        wrong = c.post("/sessions", json={"identifier": W.A.phone, "password": "not-it-1"})
        assert refused == [(401, "login_refused", wrong.json()["detail"])] * 3

        # Alipay binds its user_id: the same person through another Alipay account is refused
        app.verifier.vouch("alipay", "auth-A", W.A.id_number, number="2088000000000001")
        assert (
            c.post("/sessions/third-party", json={"method": "alipay", "evidence": "auth-A"}).status_code
            == 201
        )
        app.verifier.vouch("alipay", "auth-B", W.A.id_number, number="2088000000000002")
        other = c.post("/sessions/third-party", json={"method": "alipay", "evidence": "auth-B"})
        assert (other.status_code, other.json()["code"]) == (401, "login_refused")

        # the first login is passed now: the password login opens a session
        again = c.post("/sessions", json={"identifier": W.A.phone, "password": initial})
        assert again.status_code == 201, again.text
        bad = c.post("/sessions/third-party", json={"method": "wechat", "evidence": "x"})
        assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")
    with app.unit_of_work() as uow:
        bound = {(i.method.value, i.number) for i in uow.credentials.get(W.A.member_id).identities}
    assert bound == {("face", W.A.id_number), ("alipay", "2088000000000001")}
