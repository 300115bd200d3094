"""The HTTP API under load (issue #14, D-058, D-067).

1. Requests per second and p50/p99 latency of ``GET /calculator/quote`` (a 360-month
   loan), ``GET /me/account`` (a member's session) and the trivial ``GET /health``, on one
   ``hpf serve`` (a subprocess over a new SQLite file, ``--workers``), the load generated in
   ANOTHER process: ``wrk`` (Debian's package, ``apt-get install wrk``) when it is on the
   PATH, with a Lua script that adds the bearer header and prints the figures as JSON;
   otherwise (or with ``--generator httpx``) an asyncio ``httpx`` client, said so in the
   output.
2. A mixed journey that MOVES MONEY: ``--clients`` members (each its own, written before
   the server starts through ``hpf_adapters.wiring``'s services: account opened, a transfer
   in, member record, credentials) for ``--journey-seconds``. Each client logs in, changes
   the initial password, binds a card, then in a loop reads its screens and takes a
   物业管理费提取 from draft to paid: apply (``Idempotency-Key``; every third one sent again
   with the same key), upload, submit, a staff approval and the payment (``Idempotency-Key``;
   every other one sent twice AT ONCE with the same key, every third one retried after).
   After the server stops the bench reads the database: every payment key with a 2xx answer
   debited exactly once, each account's balance equal to the sum of its journal, and the
   money moved equal to the sum of the distinct paid keys' amounts. Any 5xx, or a check
   that fails, makes the exit status 1.

Usage::

    python bench/http_load.py                         # 32 connections, 10 s a route
    python bench/http_load.py --connections 32 --seconds 10 --clients 50 --journey-seconds 60
    python bench/http_load.py --workers 2 --generator httpx
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench only: 32 bytes or more, not a secret at all"
APPROVER = "approver-token-for-the-bench-" + "a" * 32
ADMIN = "admin-token-for-the-bench-" + "d" * 32
STAFF = f"S2:approver:{APPROVER},S3:administrator:{ADMIN}"
NEW_PASSWORD = "Hpf2018bench"
OPENING = Decimal("100000.00")
AMOUNT = Decimal("100")
"""Each withdrawal: 100.00 (a multiple of the centre's amount unit, 10; under the yearly cap)."""
KIND = "property-fee"
DOCUMENTS = ("物业管理服务费收费票据", "不动产权证")
QUOTE = "/calculator/quote?principal=1000000&months=360&annual_rate=0.031"
CST = timezone(timedelta(hours=8))
WRK_SCRIPT = """-- hpf bench: the bearer header from the environment (not argv), figures as JSON
local token = os.getenv("HPF_BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"non2xx":%d,"socket_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


WRK_VARIED = """-- hpf bench: a quote for another principal on every request (no answer reused)
local path = os.getenv("HPF_BENCH_PATH")
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", path .. tostring(100000 + (counter * 7919) % 1900000))
end
""" + WRK_SCRIPT[WRK_SCRIPT.index("done = ") :]
VARIED = "/calculator/quote?months=360&annual_rate=0.031&principal="
"""The quote with another principal per request (100,000 to 1,999,999 yuan): the cost of
computing a quote, where ``QUOTE`` (one URL) measures answering it from the server's cache."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the members, written through the services before the server starts ------------------


def _id_number(i: int) -> str:
    """A valid 18-digit ID number (GB 11643 check character), one per bench member."""
    first17 = f"110105{1960 + i // 900:04d}0101{100 + i % 900:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


@dataclass(frozen=True)
class Person:
    member_id: str
    phone: str
    id_number: str
    account_no: str
    card: str

    @property
    def initial(self) -> str:
        return self.id_number[-8:]


def people(n: int) -> list[Person]:
    return [
        Person(f"BM{i:05d}", f"139{i:08d}", _id_number(i), f"BA{i:05d}", f"62257688{i:08d}") for i in range(n)
    ]


def _app(db: str) -> Any:
    from hpf_adapters.wiring import Config, build

    return build(Config(centre="altay", store="sql", url=db, key=KEY.encode(), migrate=True))


def setup(db: str, members: list[Person]) -> None:
    """开户, a transfer in of 100,000.00, the member record and credentials (first login
    passed), for every bench member, through ``hpf_adapters.wiring``'s services."""
    import attrs

    from hpf_core.accounts import Employer, Member
    from hpf_core.members import InitialPasswordRule, new_credentials
    from hpf_core.ports import MemberRecord

    app = _app(db)
    employer = Employer("150101330", "示例公司")
    passed = datetime(2020, 1, 2, 9, tzinfo=CST)
    for p in members:
        app.accounts.open_account(
            account_no=p.account_no,
            member=Member(p.member_id, f"压测{p.member_id[-3:]}", p.id_number, p.phone),
            employer=employer,
            opened_on=date(2020, 1, 2),
            base="6900.00",
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
        app.accounts.receive_transfer(
            account_no=p.account_no,
            amount=str(OPENING),
            value_date=date(2020, 1, 2),
            key=f"in-{p.account_no}",
        )
        with app.unit_of_work() as uow:
            uow.members.add(MemberRecord(p.member_id, p.phone, p.id_number, p.account_no, ()))
            creds = new_credentials(
                p.member_id, p.phone, p.id_number, app.hasher, keypad_rule=InitialPasswordRule.ID_LAST_6
            )
            uow.credentials.add(attrs.evolve(creds, first_login_verified_at=passed))
            uow.commit()
    app.store.dispose()


# --- the load ---------------------------------------------------------------------------


async def _load(url: str, headers: dict[str, str], connections: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                start = time.perf_counter()
                counter = len(latencies)
                target = f"{url}{100000 + (counter * 7919) % 1900000}" if url.endswith("=") else url
                response = await client.get(target)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": errors,
    }


def _load_process(args: tuple[str, dict[str, str], int, float]) -> dict[str, Any]:
    return asyncio.run(_load(*args))


def _wrk(url: str, token: str | None, connections: int, seconds: float, script: Path) -> dict[str, Any]:
    threads = max(1, min(2, connections))
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "-s",
        str(script),
        url,
    ]
    env = {**os.environ, "HPF_BENCH_TOKEN": token or "", "HPF_BENCH_PATH": "/api/v1" + VARIED}
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip()} {out.stdout.strip()}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "requests": figures["requests"],
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "errors": figures["non2xx"],
        "socket": figures["socket_errors"],
    }


# --- the journey that moves money -------------------------------------------------------


@dataclass
class Tally:
    statuses: dict[int, int] = field(default_factory=dict)
    paid: dict[str, list[Any]] = field(default_factory=dict)
    """Payment key -> [application id, amount, statuses of every request with that key]."""
    apply_replays: int = 0
    apply_mismatches: int = 0
    pay_sent: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    """The first detail of each refusal code."""

    def count(self, response: httpx.Response) -> httpx.Response:
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 400 and response.headers.get("content-type", "").startswith(
            "application/problem+json"
        ):
            step = response.request.url.path.rstrip("/").rsplit("/", 1)[-1]
            if "documents" in response.request.url.path:
                step = "documents"
            code = f"{response.json().get('code')} ({response.request.method} {step})"
            self.refused[code] = self.refused.get(code, 0) + 1
            self.details.setdefault(code, str(response.json().get("detail"))[:160])
        return response


async def _member(c: httpx.AsyncClient, p: Person, n: int, stop: float, tally: Tally) -> None:
    login = tally.count(await c.post("/sessions", json={"identifier": p.phone, "password": p.initial}))
    if login.status_code != 201:
        return
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    body = {"group": "online", "old_password": p.initial, "new_password": NEW_PASSWORD}
    tally.count(await c.put("/me/password", headers=auth, json={**body, "confirmation": NEW_PASSWORD}))
    tally.count(
        await c.post("/me/cards", headers={**auth, "Idempotency-Key": f"card-{n}"}, json={"number": p.card})
    )
    approver = {"Authorization": f"Bearer {APPROVER}"}
    admin = {"Authorization": f"Bearer {ADMIN}"}
    round_ = 0
    while time.perf_counter() < stop:
        round_ += 1
        for path in ("/me", "/me/account", "/me/business", QUOTE):
            tally.count(await c.get(path, headers=auth))
        apply_headers = {**auth, "Idempotency-Key": f"apply-{n}-{round_}"}
        application = {
            "type": "withdrawal",
            "kind": KIND,
            "amount": str(AMOUNT),
            "card_number": p.card,
            "facts": {"owns_home": True},
        }
        drafted = tally.count(await c.post("/me/applications", headers=apply_headers, json=application))
        if drafted.status_code != 201:
            continue
        app_id = str(drafted.json()["application"]["application_id"])
        if round_ % 3 == 0:  # the app retries the same request: the first answer again
            again = tally.count(await c.post("/me/applications", headers=apply_headers, json=application))
            tally.apply_replays += 1
            if again.json().get("application", {}).get("application_id") != app_id:
                tally.apply_mismatches += 1
        steps_ok = True
        for category in DOCUMENTS:
            uploaded = tally.count(
                await c.put(
                    f"/me/applications/{app_id}/documents/{category}",
                    headers=auth,
                    content=f"{category} {app_id}".encode(),
                )
            )
            steps_ok = steps_ok and uploaded.status_code == 200
        if steps_ok:
            submit = {**auth, "Idempotency-Key": f"submit-{n}-{round_}"}
            submitted = tally.count(await c.post(f"/me/applications/{app_id}/submit", headers=submit))
            steps_ok = submitted.status_code == 200
        if steps_ok:
            approve = {**approver, "Idempotency-Key": f"approve-{n}-{round_}"}
            approved = tally.count(
                await c.post(f"/staff/applications/{app_id}/approve", headers=approve, json={})
            )
            steps_ok = approved.status_code == 200
        if not steps_ok:  # a refused step: end the application (结束流程), go on with the next
            tally.count(await c.post(f"/me/applications/{app_id}/end", headers=auth))
            continue
        key = f"pay-{n}-{round_}"
        pay = {**admin, "Idempotency-Key": key}
        url = f"/staff/applications/{app_id}/pay"
        if round_ % 2 == 0:  # the same key twice at once
            answers: list[httpx.Response] = list(
                await asyncio.gather(c.post(url, headers=pay), c.post(url, headers=pay))
            )
        else:
            answers = [await c.post(url, headers=pay)]
        if round_ % 3 == 0:  # and a retry after the answer
            answers = [*answers, await c.post(url, headers=pay)]
        for answer in answers:
            tally.count(answer)
        tally.pay_sent += len(answers)
        tally.paid[key] = [app_id, str(AMOUNT), [a.status_code for a in answers]]


async def _journey(base: str, members: list[Person], seconds: float) -> dict[str, Any]:
    tally = Tally()
    limits = httpx.Limits(max_connections=2 * len(members) + 8)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as c:
        stop = time.perf_counter() + seconds
        began = time.perf_counter()
        await asyncio.gather(*(_member(c, p, n, stop, tally) for n, p in enumerate(members)))
        elapsed = time.perf_counter() - began
    requests = sum(tally.statuses.values())
    return {
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "5xx": sum(v for k, v in tally.statuses.items() if k >= 500),
        "requests": requests,
        "rps": requests / elapsed,
        "paid": tally.paid,
        "apply_replays": tally.apply_replays,
        "apply_mismatches": tally.apply_mismatches,
        "pay_sent": tally.pay_sent,
        "refused": tally.refused,
        "details": tally.details,
    }


def _journey_process(args: tuple[str, list[Person], float]) -> dict[str, Any]:
    return asyncio.run(_journey(*args))


def check_money(db: str, members: list[Person], paid: dict[str, list[Any]]) -> dict[str, Any]:
    """From the database: each 2xx payment key debited once, every balance the sum of its
    journal, the money moved the sum of the distinct paid keys' amounts."""
    app = _app(db)
    problems: list[str] = []
    debits_of: dict[str, list[Decimal]] = {}
    moved = Decimal("0.00")
    by_application = {v[0]: k for k, v in paid.items()}
    with app.unit_of_work() as uow:
        for p in members:
            entries = list(uow.journal.entries(p.account_no))
            balance = uow.accounts.get(p.account_no).balance
            total = sum((e.amount for e in entries), Decimal("0.00"))
            if balance != total:
                problems.append(f"{p.account_no}: balance {balance} != journal {total}")
            for e in entries:
                if e.amount < 0:
                    moved += -e.amount
                    # a payment's journal key is pay:<application id>/out (withdrawals.services)
                    owner = by_application.get(e.key.removeprefix("pay:").removesuffix("/out"), e.key)
                    debits_of.setdefault(owner, []).append(-e.amount)
        ok_keys = {k: v for k, v in paid.items() if any(200 <= s < 300 for s in v[2])}
        for key, (app_id, amount, _) in ok_keys.items():
            debits = debits_of.get(key, [])
            if debits != [Decimal(amount)]:
                problems.append(f"{key} ({app_id}): debits {debits}, expected one of {amount}")
            if uow.applications.get(app_id).status.value != "paid":
                problems.append(f"{key} ({app_id}): answered 2xx but not paid")
        unexplained = [k for k in debits_of if k not in ok_keys]
        for key in unexplained:
            problems.append(f"a debit no 2xx payment key explains: {key} {debits_of[key]}")
    expected = sum((Decimal(v[1]) for v in ok_keys.values()), Decimal("0.00"))
    app.store.dispose()
    return {
        "paid_keys": len(ok_keys),
        "moved": moved,
        "expected": expected,
        "problems": problems,
        "ok": not problems and moved == expected,
    }


# --- the run ----------------------------------------------------------------------------


def _wait(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/health").status_code == 200:
                return
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
        time.sleep(0.2)


def _session(base: str, p: Person) -> str:
    first = httpx.post(f"{base}/sessions", json={"identifier": p.phone, "password": p.initial}, timeout=60)
    token = str(first.json()["token"])
    body = {"group": "online", "old_password": p.initial, "new_password": NEW_PASSWORD}
    auth = {"Authorization": f"Bearer {token}"}
    httpx.put(f"{base}/me/password", json={**body, "confirmation": NEW_PASSWORD}, headers=auth, timeout=60)
    return token


def _loadavg() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--journey-seconds", type=float, default=0.0, help="0: no journey run")
    parser.add_argument("--workers", type=int, default=1, help="hpf serve --workers (default 1)")
    parser.add_argument("--generator", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated route names to load (health, quote, varied, account); default all",
    )
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    wrk = shutil.which("wrk")
    generator = "httpx" if args.generator == "httpx" or (args.generator == "auto" and not wrk) else "wrk"
    if generator == "wrk" and not wrk:
        print("wrk is not on the PATH (Debian: apt-get install wrk); use --generator httpx", file=sys.stderr)
        return 2
    note = (
        "" if wrk or args.generator == "httpx" else " (wrk not found: apt-get install wrk for wrk's figures)"
    )
    print(f"load generator: {generator}{note}; hpf serve --workers {args.workers}; load average {_loadavg()}")
    members = people(max(1, args.clients) + 1)  # the first for the route load, the rest for the journey
    port = _free_port()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hpf-bench-http-") as folder:
        db = f"{folder}/b.db"
        began = time.perf_counter()
        setup(db, members)
        print(f"setup: {len(members)} members through the services in {time.perf_counter() - began:.1f} s")
        script = Path(folder) / "bearer.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        varied = Path(folder) / "varied.lua"
        varied.write_text(WRK_VARIED, encoding="utf-8")
        env = {**os.environ, "HPF_DB_KEY": KEY, "HPF_STAFF_TOKENS": STAFF, "PYTHONPATH": str(ROOT / "src")}
        command = [sys.executable, "-m", "hpf_adapters.cli", "serve", "--db", db, "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--workers", str(args.workers), "--login-limit", "100000"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            _wait(base, server)
            token = _session(base, members[0])
            routes = {
                name: route
                for short, name, route in (
                    ("health", "health", (base + "/health", None)),
                    ("quote", "quote (360 months)", (base + QUOTE, None)),
                    ("varied", "quote, a new principal each", (base + VARIED, None)),
                    ("account", "me/account", (base + "/me/account", token)),
                )
                if short == "health" or not only or short in only
            }
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(1) as pool:
                for name, (url, bearer) in routes.items():
                    if generator == "wrk":
                        lua = varied if url.endswith("=") else script
                        results[name] = _wrk(url, bearer, args.connections, args.seconds, lua)
                    else:
                        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
                        results[name] = pool.apply(
                            _load_process, ((url, headers, args.connections, args.seconds),)
                        )
                if args.journey_seconds > 0:
                    results["journey"] = pool.apply(
                        _journey_process, ((base, members[1:], args.journey_seconds),)
                    )
        finally:
            server.terminate()
            server.wait(60)
        money = check_money(db, members[1:], results["journey"]["paid"]) if "journey" in results else None
    health = results["health"]["rps"]
    print(f"{args.connections} connections, {args.seconds:g} s a route:")
    print("| route | req/s | p50 | p99 | non-2xx | timeouts, socket errors | of health |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        if name != "journey":
            print(
                f"| {name} | {r['rps']:,.1f} | {r['p50_ms']:,.1f} ms | {r['p99_ms']:,.1f} ms | "
                f"{r['errors']} | {r.get('socket', 'n/a')} | {r['rps'] / health:.2f} |"
            )
    targets = []
    for n in ("quote (360 months)", "quote, a new principal each"):
        if n in results:
            share = results[n]["rps"] / health
            targets.append(f"{n} {share:.2f} of health ({'met' if share >= 1 / 3 else 'NOT met'})")
    for n in ("quote (360 months)", "quote, a new principal each", "me/account"):
        if n in results:
            p99 = results[n]["p99_ms"]
            targets.append(f"{n} p99 {p99:.1f} ms ({'met' if p99 < 50 else 'NOT met'})")
    print("targets (a third of health; p99 < 50 ms): " + "; ".join(targets))
    status = 0
    if "journey" in results and money is not None:
        j = results["journey"]
        print(
            f"journey: {args.clients} clients, {args.journey_seconds:g} s: {j['requests']:,} requests "
            f"({j['rps']:,.1f}/s), statuses {json.dumps(j['statuses'])}, 5xx: {j['5xx']}"
        )
        if j["refused"]:
            print(f"  refusals by code: {json.dumps(j['refused'], ensure_ascii=False)}")
            for code, detail in j["details"].items():
                print(f"    {code}: {detail}")
        print(
            f"  applications retried with the same key: {j['apply_replays']} "
            f"(another application id answered: {j['apply_mismatches']}); "
            f"payment requests {j['pay_sent']} for {len(j['paid'])} keys"
        )
        print(
            f"money check (from the database): {money['paid_keys']} keys paid, each debited once: "
            f"{'yes' if not money['problems'] else 'NO'}; moved {money['moved']} = sum of the paid keys "
            f"{money['expected']}: {'yes' if money['moved'] == money['expected'] else 'NO'}; "
            f"every balance = its journal: {'yes' if not money['problems'] else 'see below'}"
        )
        for problem in money["problems"][:20]:
            print(f"  PROBLEM: {problem}")
        if j["5xx"] or not money["ok"] or j["apply_mismatches"]:
            status = 1
    print(f"load average at the end {_loadavg()}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
