"""The personal centre (个人中心, manual §7.1): who is logged in, masked for display.

Built from plain inputs; the ID number and phone are validated, then masked 6+4 and 3+4
(:mod:`hpf_core.identity`); a linked third-party account (支付宝账号) is masked too.

>>> me = personal_center("张三", "11010519491231002X", "13800138000", {"支付宝": "13912345678"})
>>> me.id_number, me.phone
('110105********002X', '138****8000')
>>> me.account_text("支付宝"), me.account_text("微信")
('139****5678', '未绑定微信')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from hpf_core._inputs import instance, pairs
from hpf_core.errors import InputError, InputTypeError
from hpf_core.identity import mask, mask_id_number, mask_phone, validate_id_number, validate_phone

__all__ = ["ALIPAY", "LinkedAccount", "PersonalCenter", "mask_account", "personal_center"]

ALIPAY = "支付宝"
"""The third-party provider the seed's 个人中心 shows (支付宝账号, 芝麻分)."""


@attrs.frozen
class LinkedAccount:
    """A third-party account linked to the member (关联账号), already masked."""

    provider: str
    masked_account: str


@attrs.frozen
class PersonalCenter:
    """What 个人中心 shows: 姓名, 证件号码 (6+4), 中心预留手机号 (3+4), linked accounts."""

    name: str
    id_number: str
    """Masked, e.g. ``110105********002X``; the full number never reaches this view."""
    phone: str
    """Masked, e.g. ``138****8000``."""
    linked: tuple[LinkedAccount, ...] = ()

    def account_text(self, provider: str) -> str:
        """The masked account for ``provider``, or ``未绑定<provider>`` as the seed shows
        (支付宝账号: 未绑定支付宝)."""
        for account in self.linked:
            if account.provider == provider:
                return account.masked_account
        return f"未绑定{provider}"


def mask_account(account: str) -> str:
    """A third-party login for display: a mobile number 3+4, an e-mail first character
    and domain, anything else first 3 and last 4.

    >>> mask_account("zhangsan@example.com"), mask_account("2088123412341234")
    ('z***@example.com', '208*********1234')
    """
    if not isinstance(account, str):
        raise InputTypeError("account", f"must be a str, not {type(account).__name__}", account)
    text = account.strip()
    if not text:
        raise InputError("account", "must not be empty", account)
    local, at, domain = text.partition("@")
    if at and local and domain:
        return f"{local[0]}***@{domain}"
    try:
        return mask_phone(validate_phone(text, "account"))
    except InputError:
        return mask(text, 3, 4)


def personal_center(
    name: str,
    id_number: str,
    phone: str,
    linked: Mapping[str, str] | Iterable[tuple[str, str]] = (),
) -> PersonalCenter:
    """The 个人中心 view from the member's name, ID number, reserved phone and linked
    accounts (provider → account id). Invalid numbers raise before anything is shown."""
    if not isinstance(name, str) or not name.strip():
        raise InputError("name", "must be a non-empty string", name)
    listed = tuple(linked.items()) if isinstance(linked, Mapping) else pairs(linked, "linked")
    for provider, account in listed:
        instance(provider, str, "linked")
        instance(account, str, "linked")
    accounts = tuple(LinkedAccount(str(provider), mask_account(str(account))) for provider, account in listed)
    return PersonalCenter(
        name=name.strip(),
        id_number=mask_id_number(validate_id_number(id_number)),
        phone=mask_phone(validate_phone(phone)),
        linked=accounts,
    )
