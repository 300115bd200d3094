"""The composition root's channels (issue #15, D-055): ``Config(code_store="redis")`` keeps
the app's codes in Redis under the centre's namespace, ``sms="console"`` prints,
``sms="aliyun"`` sends the app's codes through the SDK to the (loopback) provider."""

from __future__ import annotations

import io
import os
import random
import sys
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hpf_adapters.sms import ConsoleSms
from hpf_adapters.wiring import Config, build
from hpf_core.errors import InputError, InvalidChoice, InvalidCode
from hpf_core.members import CodePurpose

sys.path.insert(0, str(Path(__file__).parent))

AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
KEY = b"channels wiring test key, 32+ bytes long"
REDIS_URL = os.environ.get("HPF_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def phone(redis_client: Any) -> Iterator[str]:
    """A random number, so parallel runs on one Redis never share keys; its keys go after."""
    from hpf_adapters.sql import Keyring

    number = f"138{random.randrange(10**8):08d}"
    yield number
    hashed = Keyring.from_secret(KEY).hash(number, "phone")
    keys = list(redis_client.scan_iter(match=f"hpf:altay:*{hashed}*"))
    assert keys, "the app stored nothing in Redis"
    redis_client.delete(*keys)


def test_codes_on_redis_through_the_app(phone: str) -> None:
    from hpf_adapters.redis_codes import RedisCodeStore

    config = Config(
        centre="altay", clock=AT, codes="fixed", fixed_codes=("042817",), code_store="redis",
        redis_url=REDIS_URL, key=KEY, password_cost=2**10,
    )  # fmt: skip
    app = build(config)
    assert isinstance(app.code_store, RedisCodeStore)
    assert app.code_store.prefix == "hpf:altay:"
    assert app.send_code(phone, CodePurpose.LOGIN) == "已发送,请查收"
    app.check_code(phone, CodePurpose.LOGIN, "042817")
    with pytest.raises(InvalidCode):
        app.check_code(phone, CodePurpose.LOGIN, "042817")  # used once
    stored = app.code_store.get(phone, CodePurpose.LOGIN)
    assert stored is not None
    assert (stored.attempts, stored.used_at) == (2, AT)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code_store": "redis", "key": KEY}, "redis_url"),
        ({"code_store": "redis", "redis_url": "redis://127.0.0.1:6379/8"}, "key"),
        ({"code_store": "redis", "redis_url": "redis://127.0.0.1:6379/8", "key": b"short"}, "key"),
        ({"sms": "aliyun"}, "aliyun"),
    ],
)
def test_a_channel_without_what_it_needs_is_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        Config(centre="altay", **changes)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"), [({"sms": "carrier-pigeon"}, "sms"), ({"code_store": "etcd"}, "code_store")]
)
def test_a_channel_not_offered_is_an_invalid_choice(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidChoice) as info:
        Config(centre="altay", **changes)  # type: ignore[arg-type]
    assert info.value.field == field


def test_the_console_gateway_prints_the_code_with_the_phone_masked() -> None:
    app = build(Config(centre="altay", clock=AT, codes="fixed", fixed_codes=("042817",), sms="console"))
    assert isinstance(app.sms, ConsoleSms)
    out = io.StringIO()
    with redirect_stdout(out):
        app.send_code("13800138000", CodePurpose.LOGIN)
    assert out.getvalue() == (
        "SMS to 138****8000: 【12329】您的验证码为042817，用于登录，5分钟内有效，请勿泄露给他人。\n"
    )


def test_the_apps_code_goes_through_alibaba_cloud() -> None:
    pytest.importorskip("alibabacloud_dysmsapi20170525")
    from fake_aliyun import FakeAliyun, FakeAliyunServer

    from hpf_adapters.sms_aliyun import AliyunSms, AliyunSmsSettings

    fake = FakeAliyun({"LTAI-app": "app-secret"}, {"阿勒泰住房公积金"}, {"SMS_1", "SMS_2"})
    with FakeAliyunServer(fake) as server:
        settings = AliyunSmsSettings(
            "LTAI-app",
            "app-secret",
            "阿勒泰住房公积金",
            "SMS_1",
            "SMS_2",
            endpoint=server.endpoint,
            protocol="http",
        )
        app = build(
            Config(
                centre="altay",
                clock=AT,
                codes="fixed",
                fixed_codes=("042817",),
                sms="aliyun",
                aliyun=settings,
            )
        )
        assert isinstance(app.sms, AliyunSms)
        assert "app-secret" not in repr(app.config)
        app.send_code("13800138000", CodePurpose.LOGIN)
    [text] = fake.delivered
    assert (text.phone, text.template_code, text.params) == ("13800138000", "SMS_1", {"code": "042817"})
    app.check_code("13800138000", CodePurpose.LOGIN, "042817")
