"""The HTTP API under load (issue #14, D-058): requests per second and p50/p99 latency of
``GET /calculator/quote`` (a 360-month loan), ``GET /me/account`` (a session) and the
trivial ``GET /health``, on one ``hpf serve`` (a subprocess, SQLite, ``--demo-data``),
with the load generated in ANOTHER process (an asyncio ``httpx`` client, ``--connections``
at once). Then a mixed journey: ``--clients`` members' sessions at once for
``--journey-seconds``, counting 5xx answers.

Usage::

    python bench/http_load.py                         # 32 connections, 10 s a route
    python bench/http_load.py --connections 32 --seconds 20 --clients 50 --journey-seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench only: 32 bytes or more, not a secret at all"
PHONE, INITIAL, PASSWORD = "13800138000", "06151230", "Hpf2018demo"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
                response = await client.get(url)
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


def _session(base: str) -> str:
    first = httpx.post(f"{base}/sessions", json={"identifier": PHONE, "password": INITIAL}, timeout=60)
    if first.status_code != 201:  # a kept database: the password was changed before
        first = httpx.post(f"{base}/sessions", json={"identifier": PHONE, "password": PASSWORD}, timeout=60)
        return str(first.json()["token"])
    token = str(first.json()["token"])
    body = {"group": "online", "old_password": INITIAL, "new_password": PASSWORD, "confirmation": PASSWORD}
    httpx.put(f"{base}/me/password", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    return token


async def _journey(base: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    """Each client reads its screens in a loop: 个人中心, account, entries, loans, cards,
    我的业务, a quote; every status counted."""
    statuses: dict[int, int] = {}
    stop = time.perf_counter() + seconds
    paths = [
        "/me",
        "/me/account",
        "/me/account/entries?from=2018-01-01&to=2018-12-31",
        "/me/loans",
        "/me/cards",
        "/me/business",
        "/calculator/quote?principal=1000000&months=360&annual_rate=0.031",
    ]
    async with httpx.AsyncClient(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}
    ) as c:

        async def client() -> None:
            while time.perf_counter() < stop:
                for path in paths:
                    response = await c.get(path)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        await asyncio.gather(*(client() for _ in range(clients)))
    return {"statuses": statuses, "5xx": sum(n for s, n in statuses.items() if s >= 500)}


def _journey_process(args: tuple[str, str, int, float]) -> dict[str, Any]:
    return asyncio.run(_journey(*args))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--journey-seconds", type=float, default=0.0, help="0: no journey run")
    args = parser.parse_args(argv)
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="hpf-bench-http-") as folder:
        env = {**os.environ, "HPF_DB_KEY": KEY, "PYTHONPATH": str(ROOT / "src")}
        command = [sys.executable, "-m", "hpf_adapters.cli", "serve", "--db", f"{folder}/b.db"]
        server = subprocess.Popen(
            [*command, "--port", str(port), "--demo-data"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}/api/v1"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(base + "/health").status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                time.sleep(0.2)
            token = _session(base)
            auth = {"Authorization": f"Bearer {token}"}
            routes = {
                "health": (base + "/health", {}),
                "quote (360 months)": (
                    base + "/calculator/quote?principal=1000000&months=360&annual_rate=0.031",
                    {},
                ),
                "me/account": (base + "/me/account", auth),
            }
            results: dict[str, Any] = {}
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(1) as pool:
                for name, (url, headers) in routes.items():
                    results[name] = pool.apply(
                        _load_process, ((url, headers, args.connections, args.seconds),)
                    )
                if args.journey_seconds > 0:
                    results["journey"] = pool.apply(
                        _journey_process, ((base, token, args.clients, args.journey_seconds),)
                    )
        finally:
            server.terminate()
            server.wait(30)
    health = results["health"]["rps"]
    for name, r in results.items():
        if name == "journey":
            print(
                f"journey: {args.clients} clients, {args.journey_seconds:.0f} s: {json.dumps(r['statuses'])}"
            )
            continue
        print(
            f"{name:<20} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  "
            f"errors {r['errors']}  ({r['rps'] / health:.2f} of health)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
