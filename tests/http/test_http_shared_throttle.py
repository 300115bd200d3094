"""The login and code throttles shared through Redis (D-073): worker processes and servers
that name the same Redis count the same attempts, so N of them do not give an address N
times the limit. Against the real Redis (``HPF_TEST_REDIS``); under ``CI=true`` a missing
server fails the test."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
redis = pytest.importorskip("redis")

sys.path.insert(0, str(Path(__file__).parent))
import http_live_server as L  # noqa: E402, N812 - the shared live-server helpers beside this file

from hpf_adapters.http._problems import Problem  # noqa: E402
from hpf_adapters.http._shared_throttle import SharedThrottle  # noqa: E402

REDIS_URL = os.environ.get("HPF_TEST_REDIS", "redis://127.0.0.1:6379/0")
serve_app = L.serve_app


def _clear(client: Any) -> None:
    for key in client.scan_iter(match="hpf:throttle:*"):
        client.delete(key)


@pytest.fixture(params=["redis"])
def shared(request: pytest.FixtureRequest, redis_client: Any) -> Iterator[Any]:
    _clear(redis_client)
    yield redis_client
    _clear(redis_client)


def _hits(limit: int, tries: int, start: Any, out: Any) -> None:
    """One process: its own Redis client and throttle, ``tries`` attempts from one address."""
    throttle = SharedThrottle(redis.Redis.from_url(REDIS_URL), limit, 60.0, "login attempts")
    start.wait()
    passed, waits = 0, []
    for _ in range(tries):
        try:
            throttle.hit("10.0.0.7")
            passed += 1
        except Problem as refused:
            waits.append(int(refused.headers["Retry-After"]))
    out.put((passed, waits))


def test_processes_share_one_limit(shared: Any) -> None:
    context = multiprocessing.get_context("fork")
    start, out = context.Event(), context.Queue()
    workers = [context.Process(target=_hits, args=(7, 10, start, out)) for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    results = [out.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sum(passed for passed, _ in results) == 7  # 40 attempts in 4 processes, limit 7
    waits = [w for _, ws in results for w in ws]
    assert len(waits) == 33
    assert all(1 <= w <= 60 for w in waits)
    assert shared.zcard("hpf:throttle:login-attempts:10.0.0.7") == 7  # refusals are not stored


def test_the_window_slides(shared: Any) -> None:
    first = SharedThrottle(redis.Redis.from_url(REDIS_URL), 1, 1.0, "code requests")
    second = SharedThrottle(redis.Redis.from_url(REDIS_URL), 1, 1.0, "code requests")
    first.hit("10.0.0.8")
    with pytest.raises(Problem) as refused:
        second.hit("10.0.0.8")
    assert refused.value.status == 429
    assert refused.value.headers == {"Retry-After": "1"}
    second.hit("10.0.0.9")  # another address counts apart
    time.sleep(1.05)
    second.hit("10.0.0.8")  # a window later


def test_two_servers_count_one_address_together(
    shared: Any, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    settings = {"login_limit": 3, "window": 60.0, "throttle_redis": REDIS_URL}
    one = serve_app(L.world_app(str(tmp_path / "one.db")), **settings)
    two = serve_app(L.world_app(str(tmp_path / "two.db")), **settings)
    wrong = {"identifier": "13911112222", "password": "not-it-123"}
    with httpx.Client(timeout=30) as client:
        codes = [
            client.post(url + "/sessions", json=wrong).status_code for url in (one.url, two.url, one.url)
        ]
        assert codes == [401, 401, 401]
        for url in (two.url, one.url):  # the fourth attempt, on either server
            refused = client.post(url + "/sessions", json=wrong)
            assert refused.status_code == 429
            assert refused.json()["code"] == "too_many_requests"
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
