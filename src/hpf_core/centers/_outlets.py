"""Service outlets (服务网点查询, manual §5.1.1): the list per centre, the details, the
``tel:`` and map-navigation links, and the outlets nearest to a point.

Coordinates are not money, but they are still kept as ``Decimal`` on the record (read
from quoted strings, so a file's ``"47.85"`` stays exactly that); they become ``float``
only inside :func:`distance_km`, where trigonometry needs it.

>>> a = Outlet("demo", "中心本部", ("全部",), "12329", "周一到周五", "示例路1号",
...            Decimal("47.85"), Decimal("88.14"))
>>> tel_link(a)
'tel:12329'
>>> map_link(a)
'geo:47.85,88.14?q=%E7%A4%BA%E4%BE%8B%E8%B7%AF1%E5%8F%B7'
>>> [(n.outlet.name, round(n.distance_km, 2)) for n in nearest([a], "46.85", "88.14")]
[('中心本部', 111.19)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from hpf_core._inputs import instance, items
from hpf_core._tables import shown
from hpf_core.centers._registry import _center_code, _document, _rows, _tel_uri, _text
from hpf_core.errors import InputError, InputTypeError, InvalidPolicy

__all__ = [
    "EARTH_RADIUS_KM",
    "Nearby",
    "Outlet",
    "distance_km",
    "map_link",
    "nearest",
    "outlets_of",
    "parse_outlets",
    "tel_link",
]

EARTH_RADIUS_KM = 6371.0
"""Mean Earth radius used by the haversine formula: one degree of latitude ≈ 111.19 km."""

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


@attrs.frozen
class Outlet:
    """One service outlet (服务网点) of a centre, with what its 详情 page shows."""

    center_code: str
    name: str
    """Full name as listed, e.g. 阿勒泰地区住房公积金管理中心中心本部."""
    business_types: tuple[str, ...]
    """业务类型, e.g. ``("全部",)``."""
    phone: str
    """联系电话."""
    hours: str
    """服务时间, as the centre words it."""
    address: str
    """网点地址."""
    latitude: Decimal
    """Degrees north (WGS 84), -90..90."""
    longitude: Decimal
    """Degrees east (WGS 84), -180..180."""


@attrs.frozen
class Nearby:
    """An outlet and its great-circle distance from the point asked about."""

    outlet: Outlet
    distance_km: float


def _coordinate(value: object, field: str, limit: int) -> Decimal:
    """A latitude (limit 90) or longitude (limit 180) as a finite Decimal in range.

    ``str``, ``int`` and ``Decimal`` are taken as they are; a ``float`` (a GPS reading)
    is taken through its shortest repr. ``bool`` is refused.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise InputTypeError(field, f"must be a decimal string or number, not {type(value).__name__}", value)
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation as exc:
        raise InputError(field, "must be a decimal number of degrees", value) from exc
    if not number.is_finite() or not -limit <= number <= limit:
        raise InputError(field, f"must be between -{limit} and {limit} degrees", value)
    return number


def distance_km(lat1: object, lon1: object, lat2: object, lon2: object) -> float:
    """Great-circle distance in km by the haversine formula on a sphere of
    :data:`EARTH_RADIUS_KM` (good to about 0.5%; enough to rank outlets).

    >>> round(distance_km("0", "0", "1", "0"), 2)   # one degree of latitude
    111.19
    """
    p1 = math.radians(float(_coordinate(lat1, "latitude", 90)))
    p2 = math.radians(float(_coordinate(lat2, "latitude", 90)))
    dp = p2 - p1
    dl = math.radians(float(_coordinate(lon2, "longitude", 180) - _coordinate(lon1, "longitude", 180)))
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def outlets_of(outlets: Iterable[Outlet], center_code: str) -> tuple[Outlet, ...]:
    """The outlets of one centre, in the order given (the list page's order)."""
    outlets = items(outlets, Outlet, "outlets")
    instance(center_code, str, "center_code")
    return tuple(o for o in outlets if o.center_code == center_code)


def tel_link(outlet: Outlet) -> str:
    """The ``tel:`` link behind 电话 (opens the call sheet: 12329 呼叫)."""
    instance(outlet, Outlet, "outlet")
    return _tel_uri(outlet.phone, "phone")


def _percent_encode(value: str) -> str:
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in value.encode("utf-8"))


def map_link(outlet: Outlet) -> str:
    """The link behind 导航: a vendor-neutral ``geo:`` URI (RFC 5870) with the address as
    the ``q`` search parameter, which phone map apps open for navigation."""
    instance(outlet, Outlet, "outlet")
    lat = format(outlet.latitude, "f")
    lon = format(outlet.longitude, "f")
    return f"geo:{lat},{lon}?q={_percent_encode(outlet.address)}"


def nearest(outlets: Iterable[Outlet], latitude: object, longitude: object, k: int = 3) -> tuple[Nearby, ...]:
    """The ``k`` outlets closest to a point, nearest first; equal distances are ordered by
    name. Fewer than ``k`` outlets gives them all."""
    outlets = items(outlets, Outlet, "outlets")
    if isinstance(k, bool) or not isinstance(k, int):
        raise InputTypeError("k", f"must be an int, not {type(k).__name__}", k)
    if k < 1:
        raise InputError("k", "must be at least 1", k)
    lat = _coordinate(latitude, "latitude", 90)
    lon = _coordinate(longitude, "longitude", 180)
    found = [Nearby(o, distance_km(lat, lon, o.latitude, o.longitude)) for o in outlets]
    found.sort(key=lambda n: (n.distance_km, n.outlet.name))
    return tuple(found[:k])


def _decimal_field(doc: Mapping[str, Any], key: str, path: str, limit: int) -> Decimal:
    where = f"{path}.{key}"
    if key not in doc:
        raise InvalidPolicy(where, "is missing")
    value = doc[key]
    if not isinstance(value, str):
        raise InvalidPolicy(where, "write coordinates as quoted strings", shown(value))
    try:
        return _coordinate(value, where, limit)
    except InputError as exc:
        raise InvalidPolicy(where, exc.reason, value) from exc


def parse_outlets(source: str | Mapping[str, Any]) -> tuple[Outlet, ...]:
    """The ``[[outlets]]`` of a centre file; each belongs to the file's ``[center]``.

    >>> parse_outlets('''
    ... [center]
    ... code = "demo"
    ... [[outlets]]
    ... name = "中心本部"
    ... business_types = ["全部"]
    ... phone = "12329"
    ... hours = "周一到周五"
    ... address = "示例路1号"
    ... latitude = 47.85
    ... longitude = "88.14"
    ... ''')
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: outlets[0].latitude: write coordinates as quoted strings (got 47.85)
    """
    doc = _document(source)
    code = _center_code(doc)
    found: list[Outlet] = []
    for path, row in _rows(doc, "outlets", Outlet):
        types = row.get("business_types")
        if not isinstance(types, list) or not types or not all(isinstance(t, str) and t for t in types):
            raise InvalidPolicy(f"{path}.business_types", "must be a non-empty list of strings", shown(types))
        outlet = Outlet(
            center_code=code,
            name=_text(row, "name", path),
            business_types=tuple(types),
            phone=_text(row, "phone", path),
            hours=_text(row, "hours", path),
            address=_text(row, "address", path),
            latitude=_decimal_field(row, "latitude", path, 90),
            longitude=_decimal_field(row, "longitude", path, 180),
        )
        try:
            tel_link(outlet)
        except InputError as exc:
            raise InvalidPolicy(f"{path}.phone", exc.reason, outlet.phone) from exc
        found.append(outlet)
    return tuple(found)
