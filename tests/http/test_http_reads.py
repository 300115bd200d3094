"""The member's read routes over one unit of work without the write lock, on a lane of
their own (D-069), and the quote's summary answered from the calculator's closed forms."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

httpx = pytest.importorskip("httpx")

sys.path.insert(0, str(Path(__file__).parent))
import http_live_server as L  # noqa: E402, N812 - the shared live-server helpers beside this file

from hpf_adapters.http._reads import Reads, Remembered, Shared  # noqa: E402
from hpf_core.calculators import mortgage_quote  # noqa: E402
from hpf_core.errors import ConcurrentUpdate  # noqa: E402
from hpf_core.members import hash_token  # noqa: E402

W, serve_app, live = L.W, L.serve_app, L.live


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def world(path: Path, clock: Clock) -> Any:
    return attrs.evolve(W.the_world(W.an_app(str(path))), clock=clock)


def stored_last_seen(app: Any, token: str) -> datetime:
    with app.unit_of_work() as uow:
        session = uow.sessions.get(hash_token(token))
        assert session is not None
        seen: datetime = session.last_seen_at
        return seen


def test_reads_answer_while_another_connection_holds_the_sqlite_write_lock(
    serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    """Before D-069 each read began ``BEGIN IMMEDIATE``: with the lock held elsewhere it
    waited for SQLite's busy timeout (30 s), far past this client's 5 s."""
    clock = Clock(W.at(10))
    app = world(tmp_path / "reads.db", clock)
    token = W.session(app, W.A, clock.now)
    running = serve_app(app)
    holder = sqlite3.connect(tmp_path / "reads.db", isolation_level=None, timeout=1)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the database's one write lock, kept
        with httpx.Client(base_url=running.url, timeout=5, headers=bearer(token)) as client:
            account = client.get("/me/account")
            me = client.get("/me")
            business = client.get("/me/business")
            entries = client.get("/me/account/entries", params={"from": "2017-01-01", "to": "2018-12-31"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (account.status_code, account.json()["balance"]) == (200, "5925.21")
    assert (me.status_code, me.json()["name"], me.json()["phone"]) == (200, "赵一", "138****8000")
    assert (business.status_code, business.json()) == (200, {"todo": [], "started": []})
    assert entries.status_code == 200
    rows = app.portal.deposit_details(token, "A1", date(2017, 1, 1), date(2018, 12, 31), clock.now)
    assert len(entries.json()) == len(rows)


def test_a_read_still_stores_the_touch_once_a_minute_and_refuses_an_ended_session(
    serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    clock = Clock(W.at(10))
    app = world(tmp_path / "touch.db", clock)
    token = W.session(app, W.A, clock.now)
    running = serve_app(app)
    with httpx.Client(base_url=running.url, timeout=30, headers=bearer(token)) as client:
        clock.now = W.at(10, 2)
        assert client.get("/me/account").status_code == 200
        assert stored_last_seen(app, token) == W.at(10, 2)  # moved by 2 minutes: stored
        clock.now = W.at(10, 2) + timedelta(seconds=30)
        assert client.get("/me/account").status_code == 200
        assert stored_last_seen(app, token) == W.at(10, 2)  # 30 s: not written (D-067)
        clock.now = W.at(10, 40)  # idle for 38 minutes: past Altay's idle limit
        expired = client.get("/me/account")
        assert (expired.status_code, expired.json()["code"]) == (401, "session_expired")
    fresh = W.session(app, W.B, W.at(10, 40))
    with httpx.Client(base_url=running.url, timeout=30, headers=bearer(fresh)) as client:
        assert client.get("/me/account").json()["balance"] == "46760.77"
        assert client.delete("/sessions/current").status_code == 204
        ended = client.get("/me/account")
        assert (ended.status_code, ended.json()["code"]) == (401, "session_ended")


def test_a_member_reads_only_their_own_account(live: Any) -> None:
    token_b = W.session(live.app, W.B, live.app.now())
    with httpx.Client(base_url=live.url, timeout=30, headers=bearer(token_b)) as client:
        assert client.get("/me/account").json()["account_no"] == "B1"
        assert client.get("/me").json()["name"] == "李四"


class Recorder:
    """A repository stand-in that counts what it is asked (no database behind it)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def get(self, key: str) -> str:
        self.asked.append(key)
        return key.upper()

    def save(self, value: str) -> None:
        self.asked.append(f"save {value}")


def test_a_remembered_repository_reads_a_key_once_until_something_else_is_called() -> None:
    inner = Recorder()
    remembered = Remembered(inner)
    assert [remembered.get("a"), remembered.get("a"), remembered.get("b")] == ["A", "A", "B"]
    assert inner.asked == ["a", "b"]
    remembered.save("x")
    assert remembered.get("a") == "A"
    assert inner.asked == ["a", "b", "save x", "a"]


def test_a_conflict_on_the_read_lane_runs_the_work_again_on_the_apps_units() -> None:
    app = W.the_world(W.an_app())
    reads = Reads(app)
    seen: list[str] = []

    def work(new_uow: Any) -> Decimal:
        uow = new_uow()
        seen.append(type(uow).__name__)
        if len(seen) == 1:
            raise ConcurrentUpdate("transaction", "the touch met another writer", "")
        with uow:
            found: Decimal = uow.accounts.get("A1").balance
            return found

    assert reads.call(work) == Decimal("5925.21")
    assert seen[0] == Shared.__name__
    assert seen[1] != Shared.__name__


@pytest.mark.parametrize(
    ("principal", "months", "rate", "method"),
    [
        ("146271.00", 138, "0.0325", "equal-installment"),
        ("1000000", 360, "0.031", "equal-installment"),
        ("2289258.01", 72, "0.0325", "equal-principal"),
        ("100000", 240, "0.031", "equal-principal"),
        ("0.03", 2, "0", "equal-principal"),
    ],
)
def test_the_quote_without_rows_is_the_row_based_quote(
    live: Any, principal: str, months: int, rate: str, method: str
) -> None:
    params = {"principal": principal, "months": months, "annual_rate": rate, "method": method}
    summary = httpx.get(live.url + "/calculator/quote", params=params)
    full = httpx.get(live.url + "/calculator/quote", params={**params, "rows": "true"})
    assert summary.status_code == full.status_code == 200
    assert list(summary.json()) == [k for k in full.json() if k != "rows"]  # the same keys, in order
    assert summary.json() == {k: v for k, v in full.json().items() if k != "rows"}
    quote = mortgage_quote(principal, rate, months, method)
    first = quote.rows[0]
    assert (summary.json()["monthly_payment"], summary.json()["last_payment"]) == (
        str(quote.monthly_payment),
        str(quote.last_payment),
    )
    assert (summary.json()["total_interest"], summary.json()["total_payment"]) == (
        str(quote.total_interest),
        str(quote.total_payment),
    )
    assert summary.json()["first"]["remaining_payable"] == str(first.remaining_payable)


def test_the_server_keeps_what_it_built_out_of_full_collections_while_it_runs(tmp_path: Path) -> None:
    import gc

    from hpf_adapters.http import HttpSettings

    app = W.an_app(str(tmp_path / "gc.db"))
    before = gc.get_freeze_count()
    server, thread, _ = L.start(app, HttpSettings())
    try:
        running = gc.get_freeze_count()
    finally:
        L.stop(server, thread)
        app.store.dispose()
    assert before == 0
    assert running > 10_000  # the app, its routes and schemas, the modules: frozen
    assert gc.get_freeze_count() == 0  # unfrozen when the server stopped
