"""Centres and what a member sees of them (公积金中心): the registry a member chooses from
before logging in, third-party verification at first login (支付宝授权, 刷脸), the
personal centre (个人中心), the hotline (服务热线 12329), the privacy statement (隐私声明),
news (新闻动态) and service outlets (服务网点).

Everything here is pure: files are read by :mod:`hpf_adapters.centers`.

>>> from decimal import Decimal
>>> hq = Outlet("demo", "本部", ("全部",), "12329", "…", "示例路1号", Decimal("47.85"), Decimal("88.14"))
>>> tel_link(hq), map_link(hq).split("?")[0]
('tel:12329', 'geo:47.85,88.14')
"""

from __future__ import annotations

from hpf_core.centers._news import NewsItem, news_of, parse_news
from hpf_core.centers._outlets import (
    EARTH_RADIUS_KM,
    Nearby,
    NearestOutlets,
    Outlet,
    distance_km,
    map_link,
    nearest,
    outlets_of,
    parse_outlets,
    tel_link,
)
from hpf_core.centers._personal import ALIPAY, LinkedAccount, PersonalCenter, mask_account, personal_center
from hpf_core.centers._records import VerificationMethod, VerificationResult
from hpf_core.centers._registry import Center, CenterRegistry, choose_center, hotline_link, parse_center
from hpf_core.centers._verify import ALIPAY_CONSENT_TEXT, FACE_CONSENT_BUTTON, first_login_allowed

__all__ = [
    "ALIPAY",
    "ALIPAY_CONSENT_TEXT",
    "EARTH_RADIUS_KM",
    "FACE_CONSENT_BUTTON",
    "Center",
    "CenterRegistry",
    "LinkedAccount",
    "Nearby",
    "NearestOutlets",
    "NewsItem",
    "Outlet",
    "PersonalCenter",
    "VerificationMethod",
    "VerificationResult",
    "choose_center",
    "distance_km",
    "first_login_allowed",
    "hotline_link",
    "map_link",
    "mask_account",
    "nearest",
    "news_of",
    "outlets_of",
    "parse_center",
    "parse_news",
    "parse_outlets",
    "personal_center",
    "tel_link",
]
