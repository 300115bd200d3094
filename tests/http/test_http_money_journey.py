"""A short money-moving journey on a live server (issue #14, D-067): a few members at once,
each taking 物业管理费提取 of 100.00 from draft to paid over HTTP, the application sent
again with the same ``Idempotency-Key`` and the payment sent twice AT ONCE and once more
afterwards with the same key; then a second 物业管理费提取, which Altay allows once in 12
months, refused (``too_soon``) because the first was paid here. Then, from the database:
each paid key debited exactly once, every balance the sum of its journal, and the balances
what the members' own arithmetic says (opening balance less the one 100.00 paid)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")


sys.path.insert(0, str(Path(__file__).parent))
import http_live_server as L  # noqa: E402, N812 - the shared live-server helpers beside this file

W = L.W
serve_app = L.serve_app

ROUNDS = 2
"""Round 1 is paid; round 2 is refused: once in 12 months (Altay's ``frequency_months``)."""
OPENING = Decimal("20000.00")
AMOUNT = "100"
DOCUMENTS = ("物业管理服务费收费票据", "不动产权证")
# three more members of the portal world; ID numbers with their GB 11643 check character
# (weighted sums 116, 120, 124; mod 11 = 6, 10, 3 -> "6", "2", "9")
MEMBERS = (
    W.Person("M-P1", "钱一", "110105198001010016", "13900139001", "P1"),
    W.Person("M-P2", "钱二", "110105198001010032", "13900139002", "P2"),
    W.Person("M-P3", "钱三", "110105198001010059", "13900139003", "P3"),
)
CARDS = {"P1": "6225768800000001", "P2": "6225768800000002", "P3": "6225768800000003"}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _member_journey(url: str, person: Any) -> list[tuple[str, str, list[int]]]:
    """One member's rounds; returns (payment key, application id, statuses of its requests)."""
    paid: list[tuple[str, str, list[int]]] = []
    with httpx.Client(base_url=url, timeout=60) as c:
        login = c.post("/sessions", json={"identifier": person.phone, "password": person.id_number[-8:]})
        assert login.status_code == 201, login.text
        auth = _bearer(login.json()["token"])
        body = {"group": "online", "old_password": person.id_number[-8:], "new_password": W.NEW_PASSWORD}
        changed = c.put("/me/password", headers=auth, json={**body, "confirmation": W.NEW_PASSWORD})
        assert changed.status_code == 200, changed.text
        card = CARDS[person.account_no]
        assert c.post("/me/cards", headers=auth, json={"number": card}).status_code == 201
        for round_ in range(1, ROUNDS + 1):
            application = {
                "type": "withdrawal",
                "kind": "property-fee",
                "amount": AMOUNT,
                "card_number": card,
                "facts": {"owns_home": True},
            }
            key = {**auth, "Idempotency-Key": f"apply-{person.account_no}-{round_}"}
            drafted = c.post("/me/applications", headers=key, json=application)
            if round_ > 1:  # the first was paid today: the rule refuses, and nothing is drafted
                assert (drafted.status_code, drafted.json()["code"]) == (422, "too_soon"), drafted.text
                continue
            assert drafted.status_code == 201, drafted.text
            again = c.post("/me/applications", headers=key, json=application)
            assert (again.status_code, again.json()) == (201, drafted.json())
            assert again.headers["Idempotent-Replayed"] == "true"
            app_id = drafted.json()["application"]["application_id"]
            for category in DOCUMENTS:
                content = f"{category} {person.account_no} round {round_}".encode()
                uploaded = c.put(
                    f"/me/applications/{app_id}/documents/{category}", headers=auth, content=content
                )
                assert uploaded.status_code == 200, uploaded.text
            assert c.post(f"/me/applications/{app_id}/submit", headers=auth).status_code == 200
            approved = c.post(
                f"/staff/applications/{app_id}/approve", headers=_bearer(L.APPROVER_TOKEN), json={}
            )
            assert approved.status_code == 200, approved.text
            pay_key = f"pay-{person.account_no}-{round_}"
            headers = {**_bearer(L.ADMIN_TOKEN), "Idempotency-Key": pay_key}

            def pay(_: int, app_id: str = app_id, headers: dict[str, str] = headers) -> Any:
                return httpx.post(f"{url}/staff/applications/{app_id}/pay", headers=headers, timeout=60)

            with ThreadPoolExecutor(2) as both:
                answers = list(both.map(pay, range(2)))
            answers.append(pay(3))
            paid.append((pay_key, app_id, [a.status_code for a in answers]))
            bodies = {a.text for a in answers if a.status_code == 200}
            assert len(bodies) == 1, "every 200 for one key is the same answer"
    return paid


@pytest.mark.parametrize("empty_database", ["sqlite", "postgresql"], indirect=True)
def test_money_moves_once_per_key_under_concurrent_retries(
    serve_app: Callable[..., Any], empty_database: str
) -> None:
    app = L.world_app(empty_database)
    for person in MEMBERS:
        W.enrol(app, person, date(2010, 1, 4), str(OPENING), date(2017, 7, 1))
    live = serve_app(app)
    with ThreadPoolExecutor(len(MEMBERS)) as members:
        journeys = list(members.map(lambda p: _member_journey(live.url, p), MEMBERS))
    keys = [entry for journey in journeys for entry in journey]
    assert len(keys) == len(MEMBERS)  # one paid withdrawal each
    for _key, _app_id, statuses in keys:
        assert all(s < 500 for s in statuses), statuses
        assert 200 in statuses, statuses
    with live.app.unit_of_work() as uow:
        for person in MEMBERS:
            entries = list(uow.journal.entries(person.account_no))
            balance = uow.accounts.get(person.account_no).balance
            assert balance == sum((e.amount for e in entries), Decimal("0.00"))
            # 20,000.00 - 100.00, by hand: the refused second withdrawal moved nothing
            assert balance == Decimal("19900.00")
            debits = sorted(e.key for e in entries if e.amount < 0)
            mine = sorted(
                f"pay:{app_id}/out" for key, app_id, _ in keys if key.startswith(f"pay-{person.account_no}-")
            )
            assert debits == mine  # one debit per paid key, no other
            assert all(e.amount == Decimal("-100.00") for e in entries if e.amount < 0)
        for _key, app_id, _ in keys:
            assert uow.applications.get(app_id).status.value == "paid"
