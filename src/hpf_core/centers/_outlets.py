"""Service outlets (服务网点查询, manual §5.1.1): the list per centre, the details, the
``tel:`` and map-navigation links, and the outlets nearest to a point.

A centre may not say everything about an outlet: the seed's list page gives all four
outlets' names and addresses, but the phone, hours and 业务类型 only of the one whose 详情 it
shows, and no coordinates at all. Those fields are then ``None`` (``()`` for the business
types); :func:`nearest` ranks only the outlets with coordinates and lists the others in
:attr:`NearestOutlets.skipped`, and :func:`map_link` navigates to them by address.

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
>>> b = Outlet("demo", "示例管理部", (), None, None, "示例县团结路8号", None, None)
>>> map_link(b)
'geo:0,0?q=%E7%A4%BA%E4%BE%8B%E5%8E%BF%E5%9B%A2%E7%BB%93%E8%B7%AF8%E5%8F%B7'
>>> found = nearest([a, b], "46.85", "88.14")
>>> [n.outlet.name for n in found], [o.name for o in found.skipped]
(['中心本部'], ['示例管理部'])
>>> found.notice
'1 个网点没有坐标，未参与距离排序：示例管理部'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from hpf_core._inputs import instance, items
from hpf_core._tables import shown
from hpf_core.centers._registry import _center_code, _document, _rows, _tel_uri, _text
from hpf_core.errors import InputError, InputTypeError, InvalidPolicy, UnknownRecord

__all__ = [
    "EARTH_RADIUS_KM",
    "Nearby",
    "NearestOutlets",
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
    """One service outlet (服务网点) of a centre, with what its 详情 page shows. A field the
    centre does not give is ``None`` (``()`` for the business types), never a guess."""

    center_code: str
    name: str
    """Full name as listed, e.g. 阿勒泰地区住房公积金管理中心中心本部."""
    business_types: tuple[str, ...]
    """业务类型, e.g. ``("全部",)``; ``()`` when the centre does not say."""
    phone: str | None
    """联系电话; ``None`` when the centre gives none for this outlet."""
    hours: str | None
    """服务时间, as the centre words it; ``None`` when not given."""
    address: str
    """网点地址."""
    latitude: Decimal | None
    """Degrees north (WGS 84), -90..90; ``None`` when the centre gives no coordinates."""
    longitude: Decimal | None
    """Degrees east (WGS 84), -180..180; ``None`` when the centre gives no coordinates."""

    @property
    def has_coordinates(self) -> bool:
        """Whether both coordinates are known (only such outlets are ranked by distance)."""
        return self.latitude is not None and self.longitude is not None


@attrs.frozen
class Nearby:
    """An outlet and its great-circle distance from the point asked about."""

    outlet: Outlet
    distance_km: float


@attrs.frozen
class NearestOutlets:
    """What :func:`nearest` found: the ranked outlets and the ones it could not rank.

    It iterates, indexes and has a length like the tuple of :class:`Nearby` it holds, so
    code that ranked complete data reads it as before; ``skipped`` and ``notice`` say
    which outlets were left out for lack of coordinates.
    """

    found: tuple[Nearby, ...]
    """The nearest outlets with coordinates, nearest first (at most ``k``)."""
    skipped: tuple[Outlet, ...] = ()
    """The outlets without coordinates, in the order given: not ranked, not dropped."""

    def __iter__(self) -> Iterator[Nearby]:
        return iter(self.found)

    def __len__(self) -> int:
        return len(self.found)

    def __getitem__(self, index: int) -> Nearby:
        return self.found[index]

    @property
    def notice(self) -> str:
        """The line a list page shows under the ranking; ``""`` when nothing was skipped."""
        if not self.skipped:
            return ""
        names = "、".join(o.name for o in self.skipped)
        return f"{len(self.skipped)} 个网点没有坐标，未参与距离排序：{names}"


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
    """The ``tel:`` link behind 电话 (opens the call sheet: 12329 呼叫). An outlet whose
    phone the centre does not give raises ``UnknownRecord`` (field ``outlet.phone``): the
    caller offers the centre's hotline (:func:`hotline_link`) instead."""
    instance(outlet, Outlet, "outlet")
    if outlet.phone is None:
        reason = "the centre gives no phone for this outlet; use its hotline"
        raise UnknownRecord("outlet.phone", reason, outlet.name)
    return _tel_uri(outlet.phone, "phone")


def _percent_encode(value: str) -> str:
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in value.encode("utf-8"))


def map_link(outlet: Outlet) -> str:
    """The link behind 导航: a vendor-neutral ``geo:`` URI (RFC 5870) with the address as
    the ``q`` search parameter, which phone map apps open for navigation. An outlet
    without coordinates gets ``geo:0,0?q=<address>``, the form map apps read as "search
    for this address" (Android's ``geo:`` intent), so 导航 works for every outlet."""
    instance(outlet, Outlet, "outlet")
    if outlet.latitude is None or outlet.longitude is None:
        return f"geo:0,0?q={_percent_encode(outlet.address)}"
    lat = format(outlet.latitude, "f")
    lon = format(outlet.longitude, "f")
    return f"geo:{lat},{lon}?q={_percent_encode(outlet.address)}"


def nearest(outlets: Iterable[Outlet], latitude: object, longitude: object, k: int = 3) -> NearestOutlets:
    """The ``k`` outlets closest to a point, nearest first; equal distances are ordered by
    name. Fewer than ``k`` outlets gives them all. Outlets without coordinates cannot be
    ranked: they are listed in ``skipped`` (and ``notice``), never silently dropped."""
    outlets = items(outlets, Outlet, "outlets")
    if isinstance(k, bool) or not isinstance(k, int):
        raise InputTypeError("k", f"must be an int, not {type(k).__name__}", k)
    if k < 1:
        raise InputError("k", "must be at least 1", k)
    lat = _coordinate(latitude, "latitude", 90)
    lon = _coordinate(longitude, "longitude", 180)
    found = [
        Nearby(o, distance_km(lat, lon, o.latitude, o.longitude))
        for o in outlets
        if o.latitude is not None and o.longitude is not None
    ]
    found.sort(key=lambda n: (n.distance_km, n.outlet.name))
    skipped = tuple(o for o in outlets if not o.has_coordinates)
    return NearestOutlets(tuple(found[:k]), skipped)


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


def _coordinates(row: Mapping[str, Any], path: str) -> tuple[Decimal | None, Decimal | None]:
    """Both coordinates, or neither: a latitude without its longitude is a typo, not a
    missing fact."""
    if "latitude" not in row and "longitude" not in row:
        return None, None
    return _decimal_field(row, "latitude", path, 90), _decimal_field(row, "longitude", path, 180)


def _optional_text(row: Mapping[str, Any], key: str, path: str) -> str | None:
    """A field the centre may leave out (``None``); given, it is a non-empty string."""
    if key not in row:
        return None
    return _text(row, key, path)


def _business_types(row: Mapping[str, Any], path: str) -> tuple[str, ...]:
    if "business_types" not in row:
        return ()
    types = row["business_types"]
    if not isinstance(types, list) or not types or not all(isinstance(t, str) and t.strip() for t in types):
        raise InvalidPolicy(f"{path}.business_types", "must be a non-empty list of strings", shown(types))
    return tuple(types)


def parse_outlets(source: str | Mapping[str, Any]) -> tuple[Outlet, ...]:
    """The ``[[outlets]]`` of a centre file; each belongs to the file's ``[center]``.

    ``name`` and ``address`` are required; ``business_types``, ``phone``, ``hours`` and the
    pair ``latitude``/``longitude`` may be left out when the centre does not give them.

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
    >>> parse_outlets('''
    ... [center]
    ... code = "demo"
    ... [[outlets]]
    ... name = "示例管理部"
    ... address = "示例县团结路8号"
    ... ''')[0].phone is None
    True
    """
    doc = _document(source)
    code = _center_code(doc)
    found: list[Outlet] = []
    for path, row in _rows(doc, "outlets", Outlet):
        name = _text(row, "name", path)
        business_types = _business_types(row, path)
        phone = _optional_text(row, "phone", path)
        hours = _optional_text(row, "hours", path)
        address = _text(row, "address", path)
        latitude, longitude = _coordinates(row, path)
        outlet = Outlet(code, name, business_types, phone, hours, address, latitude, longitude)
        if outlet.phone is not None:
            try:
                tel_link(outlet)
            except InputError as exc:
                raise InvalidPolicy(f"{path}.phone", exc.reason, outlet.phone) from exc
        found.append(outlet)
    return tuple(found)
