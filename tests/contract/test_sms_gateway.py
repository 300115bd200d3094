"""SmsGateway contract: a text handed over for a phone, in order, on every gateway — the
memory one (inspected directly), the console one (its printed lines) and Alibaba Cloud SMS
through its real SDK to the loopback provider (what the provider accepted, D-055)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest

from hpf_adapters.sms import ConsoleSms, MemorySms, SmsMessage
from hpf_core.ports import SmsGateway

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))


@attrs.frozen
class Under:
    """A gateway, how to read back the texts it handed over for a phone, and whether it
    honours idempotency keys."""

    gateway: SmsGateway
    texts_to: Callable[[str], tuple[str, ...]]
    honours_keys: bool


def memory() -> Iterator[Under]:
    sms = MemorySms()
    yield Under(sms, sms.to, True)


def console() -> Iterator[Under]:
    out = io.StringIO()

    def texts_to(phone: str) -> tuple[str, ...]:
        head = f"SMS to {phone[:3]}****{phone[-4:]}"
        return tuple(line.split(": ", 1)[1] for line in out.getvalue().splitlines() if line.startswith(head))

    yield Under(ConsoleSms(out), texts_to, True)


def aliyun() -> Iterator[Under]:
    pytest.importorskip("alibabacloud_dysmsapi20170525")
    from fake_aliyun import FakeAliyun, FakeAliyunServer

    from hpf_adapters.sms_aliyun import AliyunSms, AliyunSmsSettings

    fake = FakeAliyun(
        {"LTAI-contract": "contract-secret"}, {"12329"}, {"SMS_CODE", "SMS_NOTICE"}, per_minute=100
    )
    with FakeAliyunServer(fake) as server:
        settings = AliyunSmsSettings(
            "LTAI-contract", "contract-secret", "12329", "SMS_CODE", "SMS_NOTICE",
            endpoint=server.endpoint, protocol="http",
        )  # fmt: skip

        def texts_to(phone: str) -> tuple[str, ...]:
            return tuple(f"【{d.sign_name}】{d.params['content']}" for d in fake.texts_to(phone))

        yield Under(AliyunSms(settings), texts_to, False)


@pytest.fixture(params=[memory, console, aliyun], ids=lambda f: f.__name__)
def under(request: pytest.FixtureRequest) -> Iterator[Under]:
    yield from request.param()


class TestSmsGateway:
    def test_texts_are_kept_per_phone_in_order(self, under: Under) -> None:
        under.gateway.send("13800138000", "【12329】一")
        under.gateway.send("13900139000", "【12329】二")
        under.gateway.send("13800138000", "【12329】三")
        assert under.texts_to("13800138000") == ("【12329】一", "【12329】三")
        assert under.texts_to("13900139000") == ("【12329】二",)

    def test_a_key_is_delivered_once_where_keys_are_honoured(self, under: Under) -> None:
        # the outbox relay's idempotency key (D-053): a redelivery under the same key sends
        # nothing on a gateway that honours keys, and sends again (at least once) on one that does not
        under.gateway.send("13800138000", "【12329】一", key="N000000001")
        under.gateway.send("13800138000", "【12329】一", key="N000000001")
        under.gateway.send("13800138000", "【12329】一", key="N000000002")
        expected = 2 if under.honours_keys else 3
        assert under.texts_to("13800138000") == ("【12329】一",) * expected


def test_the_memory_gateway_keeps_messages() -> None:
    sms = MemorySms()
    sms.send("13900139000", "【12329】二")
    assert sms.sent_messages == (SmsMessage("13900139000", "【12329】二"),)
