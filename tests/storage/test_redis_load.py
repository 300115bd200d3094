"""Load on the Redis code store (issue #15, D-055): many clients at once, each with its own
connection, racing on one code and on one phone's send quota. The counts asserted are the
issue's: 100 parallel attempts on one code give exactly one success and 100 counted
attempts; 40 parallel sends give exactly the allowed number of texts (the per-minute cap
of the policy, all sends falling in one minute)."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
import redis

from hpf_adapters.redis_codes import RedisCodeStore
from hpf_adapters.sms import MemorySms, SecretsCodes
from hpf_adapters.sql import Keyring
from hpf_core.errors import InvalidCode, Refused
from hpf_core.members import CodePolicy, CodePurpose, check_code, hash_code, issue, send_code

REDIS_URL = os.environ.get("HPF_TEST_REDIS", "redis://127.0.0.1:6379/0")
KEYRING = Keyring.from_secret(b"hpf redis load tests: not a real key")
AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
PHONE = "13800138000"


@pytest.fixture
def new_store() -> Iterator[Callable[[], RedisCodeStore]]:
    """Stores over ONE fresh namespace, each with its own client (connection pool)."""
    centre = f"load{uuid.uuid4().hex[:12]}"
    clients: list[redis.Redis] = []

    def make() -> RedisCodeStore:
        client = redis.Redis.from_url(REDIS_URL)
        clients.append(client)
        return RedisCodeStore(client, KEYRING, centre=centre)

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"redis is not reachable: {error}")
        pytest.skip(f"redis is not reachable: {error}")
    yield make
    admin = redis.Redis.from_url(REDIS_URL)
    keys = list(admin.scan_iter(match=f"hpf:{centre}:*"))
    if keys:
        admin.delete(*keys)
    admin.close()
    for client in clients:
        client.close()


def together(n: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` for i in 0..n-1 on n threads released at once by a barrier; the
    results (or the exceptions raised) in order."""
    start = threading.Barrier(n)
    out: list[object] = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = work(i)
        except Exception as error:
            out[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    return out


def test_100_parallel_attempts_on_one_code_one_success_100_counted(
    new_store: Callable[[], RedisCodeStore],
) -> None:
    # every attempt follows the port: count first, compare, then consume; all 100 hold the
    # right code, so only consume's atomicity keeps the successes at one
    policy = CodePolicy()
    issued, _ = issue(PHONE, CodePurpose.LOGIN, "042817", b"0123456789abcdef", AT, policy, None)
    stores = [new_store() for _ in range(100)]
    assert stores[0].reserve_send(issued, policy.send_limits).accepted
    right = hash_code("042817", b"0123456789abcdef", PHONE, CodePurpose.LOGIN)

    def attempt(i: int) -> bool:
        counted = stores[i].count_attempt(PHONE, CodePurpose.LOGIN)
        assert counted is not None
        return counted.code_hash == right and stores[i].consume(PHONE, CodePurpose.LOGIN, right, AT)

    outcomes = together(100, attempt)
    assert sorted(outcomes, key=str) == [False] * 99 + [True]
    stored = stores[0].get(PHONE, CodePurpose.LOGIN)
    assert stored is not None
    assert (stored.attempts, stored.used_at) == (100, AT)


def test_100_parallel_checks_through_the_service_one_success_100_counted(
    new_store: Callable[[], RedisCodeStore],
) -> None:
    # the core's check_code, 10 checks allowed a code (the policy's most): one passes, the
    # other 99 are the one InvalidCode, and every check was counted before its comparison
    policy = CodePolicy(max_attempts=10)
    issued, _ = issue(PHONE, CodePurpose.LOGIN, "042817", b"0123456789abcdef", AT, policy, None)
    stores = [new_store() for _ in range(100)]
    assert stores[0].reserve_send(issued, policy.send_limits).accepted
    outcomes = together(
        100, lambda i: check_code(PHONE, CodePurpose.LOGIN, "042817", AT, policy, store=stores[i])
    )
    assert outcomes.count(None) == 1
    assert [type(o) for o in outcomes if o is not None] == [InvalidCode] * 99
    stored = stores[0].get(PHONE, CodePurpose.LOGIN)
    assert stored is not None
    assert stored.attempts == 100


def test_40_parallel_sends_give_exactly_the_allowed_number_of_texts(
    new_store: Callable[[], RedisCodeStore],
) -> None:
    # all 40 at the same instant: 3 a minute (5 an hour, 10 a day) let exactly 3 through
    policy = CodePolicy(per_minute=3, per_hour=5, per_day=10)
    sms = MemorySms()
    stores = [new_store() for _ in range(40)]
    outcomes = together(
        40,
        lambda i: send_code(
            PHONE, CodePurpose.LOGIN, AT, policy, sms=sms, codes=SecretsCodes(), store=stores[i]
        ),
    )
    assert sum(1 for o in outcomes if o == "已发送,请查收") == 3
    assert sum(1 for o in outcomes if isinstance(o, Refused)) == 37
    assert len(sms.to(PHONE)) == 3
    log = stores[0].sends(PHONE)
    assert log is not None
    assert len(log.sent_at) == 3
