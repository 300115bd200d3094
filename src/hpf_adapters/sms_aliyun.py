"""Alibaba Cloud SMS (阿里云短信服务) as an ``SmsGateway``, through the provider's official
SDK (``alibabacloud_dysmsapi20170525``, extra ``hpf[sms-aliyun]``; D-055).

The provider sends only texts of templates it approved, under a sign name (短信签名) it
approved, so a text hpf writes becomes a template and its parameters (:meth:`AliyunSms.template`):

- the leading ``【...】`` of the text is dropped: the provider puts the configured
  ``sign_name`` there itself;
- a verification code text (``您的验证码为042817，...``, ``hpf_core.members.code_message``)
  goes out as ``code_template`` with ``{"code": "042817"}`` — the provider allows one
  variable, the code, in a verification template, so the rest of the wording is the
  registered template's;
- every other text (the notices of ``hpf_core.notices``) goes out as ``notice_template``
  with ``{"content": <the text without its sign>}`` (a template registered as
  ``${content}``).

Answers map to typed errors (``hpf_core.errors``): ``OK`` is success;
``isv.BUSINESS_LIMIT_CONTROL`` and the provider's other rate limits are ``SmsThrottled``
(retryable: the outbox relay leaves the notification pending and sends it on a later run);
``isv.MOBILE_NUMBER_ILLEGAL`` is ``InvalidPhone``; a timeout, a connection failure, an HTTP
5xx or the provider's system error is ``SmsTimeout`` (retryable: it may have been sent);
anything else — a template or sign name it does not accept, a bad signature, an unknown
AccessKey — is ``SmsRejected``. The number never appears in an error in full (D-043).

The provider does not deduplicate texts, so this gateway does not honour ``send``'s
idempotency ``key`` (the port allows it): it passes the key as the request's ``OutId``,
which the provider's delivery receipts carry back. Through the outbox relay, delivery is
at least once.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import attrs
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.exceptions import (
    AlibabaCloudException,
    ClientException,
    ServerException,
    ThrottlingException,
)
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions

from hpf_core.errors import InputError, InputTypeError, InvalidPhone, SmsRejected, SmsThrottled, SmsTimeout
from hpf_core.identity import validate_phone

__all__ = ["THROTTLE_CODES", "AliyunSms", "AliyunSmsSettings"]

THROTTLE_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.MONTH_LIMIT_CONTROL",
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
    }
)
"""The provider's answers that mean "too many for now" (its 流控 rules): ``SmsThrottled``."""

_UNSURE_CODES = frozenset({"isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "ServiceUnavailable", "InternalError"})
_SIGN = re.compile(r"^【[^】]*】")
_CODE_TEXT = re.compile(r"^您的验证码为(\d{4,8})")


def _text(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InputTypeError(attribute.name, "must be a str", type(value).__name__)
    if not value.strip():
        raise InputError(attribute.name, "must not be empty")


def _millis(instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 120_000:
        raise InputError(attribute.name, "must be an int of 100 to 120000 milliseconds", value)


@attrs.frozen
class AliyunSmsSettings:
    """A centre's Alibaba Cloud SMS account: the RAM user's AccessKey (the secret is never
    shown in the repr), the approved sign name (e.g. ``阿勒泰住房公积金``), the approved
    verification-code template (``SMS_...``, one variable ``code``) and notice template
    (one variable ``content``); the endpoint (``dysmsapi.aliyuncs.com``; a test server's
    ``127.0.0.1:<port>`` with ``protocol="http"``) and the timeouts in milliseconds."""

    access_key_id: str = attrs.field(validator=_text)
    access_key_secret: str = attrs.field(validator=_text, repr=False)
    sign_name: str = attrs.field(validator=_text)
    code_template: str = attrs.field(validator=_text)
    notice_template: str = attrs.field(validator=_text)
    endpoint: str = attrs.field(default="dysmsapi.aliyuncs.com", validator=_text)
    protocol: Literal["https", "http"] = "https"
    connect_timeout_ms: int = attrs.field(default=5_000, validator=_millis)
    read_timeout_ms: int = attrs.field(default=10_000, validator=_millis)

    def __attrs_post_init__(self) -> None:
        if self.protocol not in ("https", "http"):
            raise InputError("protocol", "must be https or http", self.protocol)


class AliyunSms:
    """An ``hpf_core.ports.SmsGateway`` over Alibaba Cloud SMS's ``SendSms`` (API
    2017-05-25), one request per text, no retry inside (the caller — the outbox relay —
    retries). See the module docstring for the template mapping and the errors."""

    def __init__(self, settings: AliyunSmsSettings) -> None:
        if not isinstance(settings, AliyunSmsSettings):
            raise InputTypeError("settings", "must be an AliyunSmsSettings", type(settings).__name__)
        self._settings = settings
        self._client = Client(
            Config(
                access_key_id=settings.access_key_id,
                access_key_secret=settings.access_key_secret,
                endpoint=settings.endpoint,
                protocol=settings.protocol,
                connect_timeout=settings.connect_timeout_ms,
                read_timeout=settings.read_timeout_ms,
            )
        )

    @property
    def settings(self) -> AliyunSmsSettings:
        """The account this gateway sends through."""
        return self._settings

    def template(self, text: str) -> tuple[str, dict[str, str]]:
        """The template code and parameters ``text`` goes out as.

        >>> sms = AliyunSms(AliyunSmsSettings("AK", "secret", "阿勒泰住房公积金", "SMS_1", "SMS_2"))
        >>> sms.template("【12329】您的验证码为042817，用于登录，5分钟内有效，请勿泄露给他人。")
        ('SMS_1', {'code': '042817'})
        >>> sms.template("【12329】您的提取申请已审批通过并办结。")
        ('SMS_2', {'content': '您的提取申请已审批通过并办结。'})
        """
        if not isinstance(text, str):
            raise InputTypeError("text", "must be a str", type(text).__name__)
        body = _SIGN.sub("", text, count=1).strip()
        if not body:
            raise InputError("text", "is empty once its sign is dropped")
        code = _CODE_TEXT.match(body)
        if code is not None:
            return self._settings.code_template, {"code": code.group(1)}
        return self._settings.notice_template, {"content": body}

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        """Send ``text`` to ``phone`` through the provider; ``key`` goes as ``OutId``."""
        phone = validate_phone(phone)
        if not isinstance(key, str):
            raise InputTypeError("key", f"must be a str, not {type(key).__name__}", key)
        template, params = self.template(text)
        request = SendSmsRequest(
            phone_numbers=phone,
            sign_name=self._settings.sign_name,
            template_code=template,
            template_param=json.dumps(params, ensure_ascii=False),
            out_id=key or None,
        )
        runtime = RuntimeOptions(
            autoretry=False,
            read_timeout=self._settings.read_timeout_ms,
            connect_timeout=self._settings.connect_timeout_ms,
        )
        try:
            response = self._client.send_sms_with_options(request, runtime)
        except ThrottlingException as error:
            raise _throttled(_code(error)) from None
        except ClientException as error:
            raise _answered(_code(error), phone) from None
        except ServerException as error:
            raise SmsTimeout("phone", f"the SMS provider failed ({_code(error)}): try again later",
                             provider_code=_code(error)) from None  # fmt: skip
        except AlibabaCloudException as error:
            raise _answered(_code(error), phone) from None
        except Exception as error:  # no answer: a timeout, a refused connection, a broken reply
            raise SmsTimeout(
                "phone", f"no answer from the SMS provider ({type(error).__name__}): it may have been sent"
            ) from None
        code = str(getattr(response.body, "code", "") or "")
        if code != "OK":
            raise _answered(code, phone)

    def __repr__(self) -> str:
        return f"AliyunSms(endpoint={self._settings.endpoint!r}, sign_name={self._settings.sign_name!r})"


def _code(error: Any) -> str:
    return str(getattr(error, "code", "") or "")


def _throttled(code: str) -> SmsThrottled:
    return SmsThrottled(
        "phone", f"the SMS provider's rate limit ({code}): try again later", provider_code=code
    )


def _answered(code: str, phone: str) -> Exception:
    """The typed error for a provider's answer ``code`` other than ``OK``."""
    if code in THROTTLE_CODES:
        return _throttled(code)
    if code == "isv.MOBILE_NUMBER_ILLEGAL":
        return InvalidPhone("phone", "the SMS provider refused the number (isv.MOBILE_NUMBER_ILLEGAL)", phone)
    if code in _UNSURE_CODES:
        return SmsTimeout("phone", f"the SMS provider failed ({code}): try again later", provider_code=code)
    return SmsRejected("text", f"the SMS provider refused the text ({code or 'no code'})", provider_code=code)
