"""The request bodies (pydantic lives here, never in the core). Money and rates are
strings (``"3000"``, ``"0.0325"``): JSON numbers would pass through floats."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Application",
    "Card",
    "IdentityLogin",
    "Login",
    "Note",
    "Password",
    "PasswordChange",
    "PhoneChange",
    "PhoneConfirm",
    "Unlock",
    "UnlockCode",
]

_Text = Field(min_length=1, max_length=200)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Login(_Body):
    """登录 (seed §2.1): a phone or an ID number, the password, the channel."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"identifier": "13800138000", "password": "Hpf2018demo", "channel": "app"}]
        },
    )
    identifier: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    channel: Literal["app", "wechat", "web", "hotline", "touch-screen"] = "app"


class IdentityLogin(_Body):
    """支付宝登录 / 刷脸登录 (seed §2.1.2), the first login a centre may require: what the third
    party's own screen gave the app (``evidence``: Alipay's one-time ``auth_code`` from
    确认授权, or the face check's ``CertifyId``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"method": "face", "evidence": "certify-7f3a"}]},
    )
    method: Literal["alipay", "face"]
    evidence: str = Field(min_length=1, max_length=512)


class UnlockCode(_Body):
    """解锁, 获取验证码: the code goes to the registered phone (same answer for any identifier)."""

    identifier: str = Field(min_length=1, max_length=64)
    purpose: Literal["unlock"] = "unlock"


class Unlock(_Body):
    identifier: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=16)


class ResetCode(_Body):
    """忘记密码, 获取验证码: the code goes to the member's registered phone (the same answer for
    an unknown identifier)."""

    identifier: str = Field(min_length=1, max_length=64)


class PasswordReset(_Body):
    """忘记密码, 确定: the code, the new password twice, and which password (online or keypad)."""

    identifier: str = Field(min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=16)
    new_password: str = Field(min_length=1, max_length=64)
    confirmation: str = Field(min_length=1, max_length=64)
    group: Literal["online", "keypad"] = "online"


class PasswordChange(_Body):
    """密码修改 (seed §7.4): ``group`` online (APP/微信/网厅) or keypad (12329/触摸屏)."""

    group: Literal["online", "keypad"] = "online"
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)
    confirmation: str = Field(min_length=1, max_length=256)


class Password(_Body):
    """请输入密码 before a sensitive step."""

    password: str = Field(min_length=1, max_length=256)


class PhoneChange(_Body):
    new_phone: str = Field(min_length=1, max_length=20)


class PhoneConfirm(_Body):
    new_phone: str = Field(min_length=1, max_length=20)
    code: str = Field(min_length=1, max_length=16)


class Card(_Body):
    """添加新银行卡: the number (sent once, answered masked) and optionally the bank."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"number": "20180723001", "bank": "中国工商银行"}]}
    )
    number: str = Field(min_length=1, max_length=40)
    bank: str | None = Field(default=None, max_length=100)


class Application(_Body):
    """Any business the app starts (``type``): a withdrawal (``kind``, ``amount`` or the
    maximum, ``card_number``, ``facts``), or a loan business on ``contract_no``:
    ``prepayment`` (``amount``, ``strategy``), ``settlement`` (``from_hpf``,
    ``draw_account_no``), ``offset-signing``, ``offset-cancelling``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "withdrawal",
                    "kind": "property-fee",
                    "amount": "3000",
                    "card_number": "20180723001",
                    "facts": {"owns_home": True},
                },
                {
                    "type": "prepayment",
                    "contract_no": "HT2015021338",
                    "amount": "10000",
                    "strategy": "keep-term",
                },
            ]
        },
    )
    type: Literal["withdrawal", "prepayment", "settlement", "offset-signing", "offset-cancelling"]
    kind: str | None = Field(default=None, max_length=64)
    amount: str | None = Field(default=None, max_length=32)
    card_number: str | None = Field(default=None, max_length=40)
    facts: dict[str, Any] = Field(default_factory=dict)
    contract_no: str | None = Field(default=None, max_length=64)
    strategy: str | None = Field(default=None, max_length=32)
    from_hpf: str | None = Field(default=None, max_length=32)
    draw_account_no: str | None = Field(default=None, max_length=64)


class Note(_Body):
    """A staff step's 审批意见 (``opinion``) or reason (``reason``)."""

    opinion: str = Field(default="", max_length=500)
    reason: str = Field(default="", max_length=500)
