"""Alibaba Cloud SMS through its real SDK (issue #15, D-055), against the loopback provider
of ``fake_aliyun`` which checks every request's V3 signature by the documented algorithm.

First the checker itself is pinned to the provider's documentation: it reproduces the two
worked examples the documentation gives (so it is the documented algorithm, not the SDK's
code). Then: the adapter's requests are accepted and a wrong secret's rejected; success,
throttled, invalid number and timeout answers become the typed errors; and a throttled
notification is retried by the outbox relay on a later run, never lost."""

from __future__ import annotations

import hashlib
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import pytest

sys.path.insert(0, str(Path(__file__).parent))

pytest.importorskip("alibabacloud_dysmsapi20170525")

from fake_aliyun import ALGORITHM, FakeAliyun, FakeAliyunServer, canonical_request, signature

from hpf_adapters.memory import MemoryStore
from hpf_adapters.relay import RelayReport, relay
from hpf_adapters.sms_aliyun import AliyunSms, AliyunSmsSettings
from hpf_core.errors import InputError, InvalidPhone, SmsError, SmsRejected, SmsThrottled, SmsTimeout
from hpf_core.ports import Notification

AK, SECRET = "LTAI5tTestOnly", "test-secret-not-real"
SIGN, CODE_T, NOTICE_T = "阿勒泰住房公积金", "SMS_465960001", "SMS_465960002"
CODE_TEXT = "【12329】您的验证码为042817，用于登录，5分钟内有效，请勿泄露给他人。"
NOTICE_TEXT = "【12329】您的离、退休提取申请已审批通过并办结。"
CST = timezone(timedelta(hours=8))
AT = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
SLOW, ILLEGAL = "13900139000", "17000000000"


class Clock:
    """The provider's clock, moved on by hand."""

    def __init__(self) -> None:
        self.at = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def provider() -> Iterator[tuple[FakeAliyun, FakeAliyunServer, Clock]]:
    clock = Clock()
    fake = FakeAliyun(
        {AK: SECRET}, {SIGN}, {CODE_T, NOTICE_T}, illegal={ILLEGAL}, slow={SLOW}, delay=2.0, now=clock
    )
    with FakeAliyunServer(fake) as server:
        yield fake, server, clock


def gateway(server: FakeAliyunServer, secret: str = SECRET, key_id: str = AK) -> AliyunSms:
    return AliyunSms(
        AliyunSmsSettings(
            key_id,
            secret,
            SIGN,
            CODE_T,
            NOTICE_T,
            endpoint=server.endpoint,
            protocol="http",
            read_timeout_ms=500,
        )
    )


class TestTheCheckerIsTheDocumentedAlgorithm:
    """The worked examples of Alibaba Cloud's "V3 request structure and signature"
    (help.aliyun.com document 2593177, RPC example: RunInstances on ECS) and of its
    ROA-style page (the same request with another date and nonce), AccessKey secret
    ``YourAccessKeySecret``: the signatures printed there."""

    QUERY = (("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), ("RegionId", "cn-shanghai"))
    EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @pytest.mark.parametrize(
        ("date", "nonce", "printed"),
        [
            ("2023-10-26T10:22:32Z", "3156853299f313e23d1673dc12e1703d",
             "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"),
            ("2023-10-26T09:01:01Z", "d410180a5abf7fe235dd9b74aca91fc0",
             "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"),
        ],
    )  # fmt: skip
    def test_the_documented_examples(self, date: str, nonce: str, printed: str) -> None:
        assert hashlib.sha256(b"").hexdigest() == self.EMPTY
        headers = {
            "host": "ecs.cn-shanghai.aliyuncs.com", "x-acs-action": "RunInstances",
            "x-acs-content-sha256": self.EMPTY, "x-acs-date": date,
            "x-acs-signature-nonce": nonce, "x-acs-version": "2014-05-26",
        }  # fmt: skip
        canonical = canonical_request("POST", "/", list(self.QUERY), headers, sorted(headers), self.EMPTY)
        assert signature("YourAccessKeySecret", canonical) == printed
        assert signature("AnotherSecret", canonical) != printed


def raw_send(
    server: FakeAliyunServer, secret: str, params: dict[str, str], *, tamper: str = ""
) -> tuple[int, str]:
    """A SendSms signed by hand (the documented algorithm); ``tamper`` replaces the phone
    AFTER signing. (HTTP status, the answer's Code)."""
    empty = hashlib.sha256(b"").hexdigest()
    headers = {
        "host": server.endpoint, "content-type": "application/x-www-form-urlencoded",
        "x-acs-action": "SendSms", "x-acs-version": "2017-05-25",
        "x-acs-content-sha256": empty, "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": hashlib.md5(str(time.time_ns()).encode()).hexdigest(),
    }  # fmt: skip
    signed = sorted(headers)
    sig = signature(secret, canonical_request("POST", "/", sorted(params.items()), headers, signed, empty))
    auth = f"{ALGORITHM} Credential={AK},SignedHeaders={';'.join(signed)},Signature={sig}"
    sent = dict(params, PhoneNumbers=tamper) if tamper else params
    request = urllib.request.Request(
        f"http://{server.endpoint}/?{urlencode(sent)}", data=b"", method="POST",
        headers={**{k: v for k, v in headers.items() if k != "host"}, "Authorization": auth},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())["Code"]
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())["Code"]


class TestSignatures:
    def test_the_adapters_request_is_accepted_and_delivered_as_its_template(
        self, provider: tuple[FakeAliyun, FakeAliyunServer, Clock]
    ) -> None:
        fake, server, _ = provider
        gateway(server).send("13800138000", CODE_TEXT, key="N000000001")
        assert fake.refused == []
        [text] = fake.delivered
        assert (text.phone, text.sign_name, text.template_code) == ("13800138000", SIGN, CODE_T)
        assert text.params == {"code": "042817"}
        assert text.out_id == "N000000001"

    def test_a_request_signed_with_a_wrong_secret_is_rejected(
        self, provider: tuple[FakeAliyun, FakeAliyunServer, Clock]
    ) -> None:
        fake, server, _ = provider
        with pytest.raises(SmsRejected) as info:
            gateway(server, secret="not-the-secret").send("13800138000", NOTICE_TEXT)
        assert info.value.provider_code == "SignatureDoesNotMatch"
        assert not info.value.retryable
        assert fake.refused == [(400, "SignatureDoesNotMatch")]
        assert fake.delivered == []

    def test_an_unknown_access_key_is_rejected(
        self, provider: tuple[FakeAliyun, FakeAliyunServer, Clock]
    ) -> None:
        fake, server, _ = provider
        with pytest.raises(SmsRejected) as info:
            gateway(server, key_id="LTAI-nobody").send("13800138000", NOTICE_TEXT)
        assert info.value.provider_code == "InvalidAccessKeyId.NotFound"
        assert fake.delivered == []

    def test_the_signature_covers_the_parameters(
        self, provider: tuple[FakeAliyun, FakeAliyunServer, Clock]
    ) -> None:
        fake, server, _ = provider
        params = {"PhoneNumbers": "13800138000", "SignName": SIGN, "TemplateCode": NOTICE_T,
                  "TemplateParam": json.dumps({"content": "您好"}, ensure_ascii=False)}  # fmt: skip
        assert raw_send(server, SECRET, params) == (200, "OK")
        assert raw_send(server, SECRET, params, tamper="13600136000") == (400, "SignatureDoesNotMatch")
        assert [d.phone for d in fake.delivered] == ["13800138000"]


class TestAnswers:
    def test_a_notice_goes_out_as_the_notice_template_without_its_sign(
        self, provider: tuple[FakeAliyun, FakeAliyunServer, Clock]
    ) -> None:
        fake, server, _ = provider
        gateway(server).send("13800138000", NOTICE_TEXT)
        [text] = fake.delivered
        assert (text.template_code, text.params) == (
            NOTICE_T,
            {"content": "您的离、退休提取申请已审批通过并办结。"},
        )

    def test_throttled_is_a_retryable_error_and_nothing_is_sent(
        self, provider: tuple[FakeAliyun, FakeAliyunServer, Clock]
    ) -> None:
        fake, server, _ = provider
        sms = gateway(server)
        sms.send("13800138000", NOTICE_TEXT)
        with pytest.raises(SmsThrottled) as info:
            sms.send("13800138000", NOTICE_TEXT)  # the provider's 1 a minute a number
        assert info.value.provider_code == "isv.BUSINESS_LIMIT_CONTROL"
        assert info.value.retryable
        assert "13800138000" not in str(info.value)
        assert len(fake.delivered) == 1

    def test_an_invalid_number_is_invalid_phone_masked(
        self, provider: tuple[FakeAliyun, FakeAliyunServer, Clock]
    ) -> None:
        fake, server, _ = provider
        with pytest.raises(InvalidPhone) as info:
            gateway(server).send(ILLEGAL, NOTICE_TEXT)
        assert info.value.field == "phone"
        assert ILLEGAL not in str(info.value)
        assert "170****0000" in str(info.value)
        assert fake.delivered == []

    def test_no_answer_in_time_is_a_retryable_timeout(
        self, provider: tuple[FakeAliyun, FakeAliyunServer, Clock]
    ) -> None:
        _, server, _ = provider
        started = time.monotonic()
        with pytest.raises(SmsTimeout) as info:
            gateway(server).send(SLOW, NOTICE_TEXT)
        assert info.value.retryable
        assert time.monotonic() - started < 1.9  # the 0.5 s read timeout, not the provider's 2 s
        assert isinstance(info.value, SmsError)

    def test_a_number_the_core_would_refuse_never_reaches_the_provider(
        self, provider: tuple[FakeAliyun, FakeAliyunServer, Clock]
    ) -> None:
        fake, server, _ = provider
        with pytest.raises(InvalidPhone):
            gateway(server).send("12345", NOTICE_TEXT)
        assert fake.refused == []
        assert fake.delivered == []


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, "Throttling.User", SmsThrottled),  # the OpenAPI gateway's own flow control
        (503, "ServiceUnavailable", SmsTimeout),
        (500, "InternalError", SmsTimeout),
        (403, "Forbidden.RAM", SmsRejected),
    ],
)
def test_gateway_answers_become_typed_errors(
    provider: tuple[FakeAliyun, FakeAliyunServer, Clock], status: int, code: str, error: type[SmsError]
) -> None:
    fake, server, _ = provider
    fake.fail_with = (status, code)
    with pytest.raises(error) as info:
        gateway(server).send("13800138000", NOTICE_TEXT)
    assert type(info.value) is error
    assert info.value.provider_code == code
    assert info.value.retryable is (error is not SmsRejected)
    assert fake.delivered == []


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("isv.SMS_TEMPLATE_ILLEGAL", SmsRejected),
        ("isv.DAY_LIMIT_CONTROL", SmsThrottled),
        ("isp.SYSTEM_ERROR", SmsTimeout),
    ],
)
def test_business_answers_become_typed_errors(
    provider: tuple[FakeAliyun, FakeAliyunServer, Clock], code: str, error: type[SmsError]
) -> None:
    fake, server, _ = provider
    fake.fail_with = (200, code)  # the provider answers business errors with HTTP 200 and its code
    with pytest.raises(error) as info:
        gateway(server).send("13800138000", NOTICE_TEXT)
    assert (type(info.value), info.value.provider_code) == (error, code)


def test_a_template_the_provider_does_not_know_is_rejected(
    provider: tuple[FakeAliyun, FakeAliyunServer, Clock],
) -> None:
    fake, server, _ = provider
    settings = AliyunSmsSettings(
        AK,
        SECRET,
        SIGN,
        CODE_T,
        "SMS_000000000",
        endpoint=server.endpoint,
        protocol="http",
        read_timeout_ms=500,
    )
    with pytest.raises(SmsRejected) as info:
        AliyunSms(settings).send("13800138000", NOTICE_TEXT)
    assert info.value.provider_code == "isv.SMS_TEMPLATE_ILLEGAL"
    assert fake.delivered == []


class TestSettingsAndTemplates:
    def test_the_secret_is_never_in_the_repr(self) -> None:
        settings = AliyunSmsSettings(AK, SECRET, SIGN, CODE_T, NOTICE_T)
        assert SECRET not in repr(settings)
        assert SECRET not in repr(AliyunSms(settings))

    @pytest.mark.parametrize(
        ("changes", "field"),
        [({"sign_name": " "}, "sign_name"), ({"read_timeout_ms": 50}, "read_timeout_ms"),
         ({"connect_timeout_ms": True}, "connect_timeout_ms"), ({"protocol": "ftp"}, "protocol")],
    )  # fmt: skip
    def test_bad_settings_name_the_field(self, changes: dict[str, object], field: str) -> None:
        values: dict[str, object] = {
            "access_key_id": AK, "access_key_secret": SECRET, "sign_name": SIGN,
            "code_template": CODE_T, "notice_template": NOTICE_T,
        }  # fmt: skip
        with pytest.raises(InputError) as info:
            AliyunSmsSettings(**{**values, **changes})  # type: ignore[arg-type]
        assert info.value.field == field

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("您的验证码为12345678，用于提取确认", (CODE_T, {"code": "12345678"})),  # no sign, 8 digits
            ("【他签】您的验证码为042817", (CODE_T, {"code": "042817"})),
            ("【12329】验证码为042817", (NOTICE_T, {"content": "验证码为042817"})),  # not the core's sentence
            (
                "【12329】您的手机号已变更为138****0000。",
                (NOTICE_T, {"content": "您的手机号已变更为138****0000。"}),
            ),
        ],
    )
    def test_texts_to_templates(self, text: str, expected: tuple[str, dict[str, str]]) -> None:
        assert AliyunSms(AliyunSmsSettings(AK, SECRET, SIGN, CODE_T, NOTICE_T)).template(text) == expected

    def test_a_text_that_is_only_a_sign_is_refused(self) -> None:
        with pytest.raises(InputError) as info:
            AliyunSms(AliyunSmsSettings(AK, SECRET, SIGN, CODE_T, NOTICE_T)).template("【12329】 ")
        assert info.value.field == "text"


def test_a_throttled_notification_stays_pending_and_the_relay_sends_it_later(
    provider: tuple[FakeAliyun, FakeAliyunServer, Clock],
) -> None:
    fake, server, clock = provider
    store = MemoryStore()
    with store.unit_of_work() as uow:
        first = uow.outbox.enqueue(Notification("M1", "13800138000", "【12329】通知一", AT)).notification_id
        second = uow.outbox.enqueue(Notification("M1", "13800138000", "【12329】通知二", AT)).notification_id
        uow.commit()
    sms = gateway(server)
    assert relay(store.unit_of_work, sms, lambda: AT) == RelayReport(sent=(first,), failed=(second,))
    with store.unit_of_work() as uow:
        assert [n.notification_id for n in uow.outbox.pending()] == [second]
    assert relay(store.unit_of_work, sms, lambda: AT) == RelayReport(
        sent=(), failed=(second,)
    )  # still throttled
    clock.at += timedelta(seconds=61)  # the provider's minute is over
    assert relay(store.unit_of_work, sms, lambda: AT) == RelayReport(sent=(second,), failed=())
    assert [d.params["content"] for d in fake.texts_to("13800138000")] == ["通知一", "通知二"]
    assert [d.out_id for d in fake.delivered] == [first, second]
    with store.unit_of_work() as uow:
        assert list(uow.outbox.pending()) == []
