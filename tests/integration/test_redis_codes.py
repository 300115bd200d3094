"""What the Redis code store keeps, read back with a plain client (issue #15, D-055): keys
namespaced per centre, no phone, code or subject in clear in any key or value, expiry by
Redis's own TTL, and the scripts loaded on the server."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import attrs
import pytest
import redis

from hpf_adapters.redis_codes import RedisCodeStore
from hpf_adapters.sql import Keyring
from hpf_core.errors import InputError, InputTypeError, InvalidChoice
from hpf_core.members import CodePolicy, CodePurpose, IssuedCode, SendLog, issue

REDIS_URL = os.environ.get("HPF_TEST_REDIS", "redis://127.0.0.1:6379/0")
KEYRING = Keyring.from_secret(b"hpf redis layout tests: not a real key")
AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
PHONE, SUBJECT = "13812345678", "13987654321"


@pytest.fixture
def client(redis_client: redis.Redis) -> Iterator[redis.Redis]:
    yield redis_client
    for key in redis_client.scan_iter(match="hpf:tlay*"):
        redis_client.delete(key)


def centre() -> str:
    return f"tlay{uuid.uuid4().hex[:12]}"


def a_code(code: str = "042817", subject: str = "") -> IssuedCode:
    return issue(
        PHONE, CodePurpose.PHONE_CHANGE, code, b"0123456789abcdef", AT, CodePolicy(), None, subject=subject
    )[0]


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def everything(client: redis.Redis, prefix: str) -> dict[str, object]:
    """Every key under ``prefix`` with its value (a hash's fields, a list's items)."""
    found: dict[str, object] = {}
    for key in client.scan_iter(match=f"{prefix}*"):
        kind = client.type(key)
        if kind == b"hash":
            found[key.decode()] = {_str(k): _str(v) for k, v in client.hgetall(key).items()}
        else:
            found[key.decode()] = [_str(v) for v in client.lrange(key, 0, -1)]
    return found


def test_no_phone_code_or_subject_in_clear_and_the_subject_comes_back(client: redis.Redis) -> None:
    store = RedisCodeStore(client, KEYRING, centre=centre())
    issued = attrs.evolve(a_code(subject=SUBJECT), owner="M1")
    assert store.reserve_send(issued, CodePolicy().send_limits).accepted
    stored = everything(client, store.prefix)
    assert len(stored) == 2  # one code, one send log
    text = repr(stored)
    for secret in (PHONE, SUBJECT, "042817", PHONE[-8:], SUBJECT[-8:]):
        assert secret not in text
    assert all(key.startswith(store.prefix) for key in stored)
    phone_hash = KEYRING.hash(PHONE, "phone")
    assert set(stored) == {
        f"{store.prefix}code:{{{phone_hash}:4d31}}:phone-change",  # "M1" in hex
        f"{store.prefix}sends:{{{phone_hash}:4d31}}",
    }
    assert store.get(PHONE, CodePurpose.PHONE_CHANGE, owner="M1") == issued


def test_centres_do_not_see_each_others_codes(client: redis.Redis) -> None:
    one, other = (
        RedisCodeStore(client, KEYRING, centre=centre()),
        RedisCodeStore(client, KEYRING, centre=centre()),
    )
    one.reserve_send(a_code(), CodePolicy().send_limits)
    assert other.get(PHONE, CodePurpose.PHONE_CHANGE) is None
    assert other.sends(PHONE) is None
    assert other.reserve_send(a_code("135790"), CodePolicy().send_limits).accepted  # its own quota


def test_redis_expires_a_code_after_its_lifetime_and_the_log_after_a_day(client: redis.Redis) -> None:
    store = RedisCodeStore(client, KEYRING, centre=centre())
    store.reserve_send(a_code(), CodePolicy().send_limits)
    code_key, sends_key = sorted(everything(client, store.prefix))
    assert 299_000 < client.pttl(code_key) <= 300_000  # the policy's 5 minutes
    assert 86_400_000 < client.pttl(sends_key) <= 86_460_000  # a day and a minute
    brief = attrs.evolve(a_code("135790"), expires_at=AT + timedelta(seconds=1))
    store.put(brief)
    assert store.get(PHONE, CodePurpose.PHONE_CHANGE) == brief
    time.sleep(1.3)
    assert store.get(PHONE, CodePurpose.PHONE_CHANGE) is None  # gone by Redis's TTL, whatever the dates say
    assert store.count_attempt(PHONE, CodePurpose.PHONE_CHANGE) is None


def test_put_sends_replaces_and_an_empty_log_removes(client: redis.Redis) -> None:
    store = RedisCodeStore(client, KEYRING, centre=centre())
    log = SendLog(PHONE, (AT, AT + timedelta(minutes=2)), owner="M2")
    store.put_sends(log)
    assert store.sends(PHONE, owner="M2") == log
    assert store.sends(PHONE) is None
    store.put_sends(SendLog(PHONE, owner="M2"))
    assert store.sends(PHONE, owner="M2") is None


def test_the_atomic_steps_are_scripts_on_the_server(client: redis.Redis) -> None:
    store = RedisCodeStore(client, KEYRING, centre=centre())
    store.reserve_send(a_code(), CodePolicy().send_limits)
    store.count_attempt(PHONE, CodePurpose.PHONE_CHANGE)
    store.consume(PHONE, CodePurpose.PHONE_CHANGE, a_code().code_hash, AT)
    commands = client.info("commandstats")
    assert commands["cmdstat_evalsha"]["calls"] >= 3


@pytest.mark.parametrize("bad", ["", "Altay", "a:b", "x" * 33])
def test_a_centre_that_cannot_be_a_namespace_is_refused(client: redis.Redis, bad: str) -> None:
    with pytest.raises(InputError) as info:
        RedisCodeStore(client, KEYRING, centre=bad)
    assert info.value.field == "centre"


def test_wrong_arguments_are_typed_errors(client: redis.Redis) -> None:
    store = RedisCodeStore(client, KEYRING, centre=centre())
    with pytest.raises(InvalidChoice) as purpose:
        store.get(PHONE, "no-such-purpose")  # type: ignore[arg-type]
    with pytest.raises(InputTypeError) as phone:
        store.count_attempt(None, CodePurpose.LOGIN)  # type: ignore[arg-type]
    with pytest.raises(InputTypeError) as code_hash:
        store.consume(PHONE, CodePurpose.LOGIN, "abc", AT)  # type: ignore[arg-type]
    with pytest.raises(InputTypeError) as client_error:
        RedisCodeStore("redis://127.0.0.1", KEYRING, centre="altay")  # type: ignore[arg-type]
    assert [e.value.field for e in (purpose, phone, code_hash, client_error)] == [
        "purpose",
        "phone",
        "code_hash",
        "client",
    ]
