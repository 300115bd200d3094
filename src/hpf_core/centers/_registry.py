"""The centre registry (公积金中心): which centres exist and how to reach them.

A member picks a centre before logging in (选择所在缴存中心, manual §2.1.2). A centre file
is TOML; this module parses text or an already-parsed table (reading the file is an
adapter's job: :mod:`hpf_adapters.centers`).

>>> registry = CenterRegistry([parse_center('''
... [center]
... code = "demo"
... name = "示例住房公积金管理中心"
... region = "示例市"
... website = "https://example.org/"
... hotline = "12329"
... privacy_statement = "示例隐私声明"
... requires_third_party_first_login = true
... ''')])
>>> choose_center(registry, "demo").name
'示例住房公积金管理中心'
>>> hotline_link(registry.get("demo"))
'tel:12329'
>>> choose_center(registry, "nowhere")
Traceback (most recent call last):
...
hpf_core.errors.InvalidChoice: center: must be one of demo (got 'nowhere')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from hpf_core._inputs import instance
from hpf_core._tables import check_document, known_table, load_toml, shown
from hpf_core.errors import InputError, InputTypeError, InvalidChoice, InvalidPolicy, UnknownRecord

__all__ = ["Center", "CenterRegistry", "choose_center", "hotline_link", "parse_center"]

_TEL = re.compile(r"\+?\d{3,20}\Z", re.ASCII)


@attrs.frozen
class Center:
    """One fund centre (住房公积金管理中心) as a member sees it before and after login."""

    code: str
    """Stable short code, e.g. ``altay``; the key of the registry."""
    name: str
    region: str
    """The area it serves (地区), e.g. 阿勒泰地区."""
    website: str
    """Its website, shown under 新闻动态 (manual §3.1)."""
    hotline: str
    """Service hotline (服务热线), 12329 nationwide (docs/domain.md §8.1)."""
    privacy_statement: str
    """The text shown under 隐私声明 (manual §7.3)."""
    requires_third_party_first_login: bool = True
    """首次登录需通过支付宝授权或刷脸验证 (manual §2.1.2)."""


@attrs.frozen(init=False)
class CenterRegistry:
    """The centres a member may choose from, by code, in the order given.

    >>> CenterRegistry([]).get("x")
    Traceback (most recent call last):
    ...
    hpf_core.errors.UnknownRecord: center: no centre with this code (got 'x')
    """

    centers: tuple[Center, ...]

    def __init__(self, centers: Iterable[Center]) -> None:
        items = tuple(centers)
        seen: set[str] = set()
        for center in items:
            if not isinstance(center, Center):
                raise InputTypeError("centers", f"must hold Center, not {type(center).__name__}", center)
            if center.code in seen:
                raise InputError("center.code", "appears twice in the registry", center.code)
            seen.add(center.code)
        self.__attrs_init__(items)

    def codes(self) -> tuple[str, ...]:
        """The codes, in registry order."""
        return tuple(c.code for c in self.centers)

    def get(self, code: str) -> Center:
        """The centre with ``code``; ``UnknownRecord`` if there is none."""
        for center in self.centers:
            if center.code == code:
                return center
        raise UnknownRecord("center", "no centre with this code", code)

    def __iter__(self) -> Iterator[Center]:
        return iter(self.centers)

    def __len__(self) -> int:
        return len(self.centers)


def choose_center(registry: CenterRegistry, code: object) -> Center:
    """The centre a member picked (选择所在缴存中心); anything not in the registry is an
    ``InvalidChoice`` listing the codes."""
    instance(registry, CenterRegistry, "registry")
    if isinstance(code, str) and code in registry.codes():
        return registry.get(code)
    raise InvalidChoice("center", f"must be one of {', '.join(registry.codes()) or '(none)'}", code)


def _tel_uri(number: str, field: str = "phone") -> str:
    """A ``tel:`` URI (RFC 3966) for a phone number; spaces and dashes are dropped.

    >>> _tel_uri("0906-212 3456")
    'tel:09062123456'
    """
    if not isinstance(number, str):
        raise InputTypeError(field, f"must be a str, not {type(number).__name__}", number)
    digits = re.sub(r"[\s-]", "", number)
    if not _TEL.match(digits):
        raise InputError(field, "must be a phone number of 3 to 20 digits", number)
    return f"tel:{digits}"


def hotline_link(center: Center) -> str:
    """The ``tel:`` link the 服务热线 entry dials (呼叫服务热线公积金12329, manual §7.2)."""
    instance(center, Center, "center")
    return _tel_uri(center.hotline, "hotline")


# --- parsing (shared with _outlets and _news) -------------------------------------------


_FILE_SECTIONS = frozenset({"center", "outlets", "news"})


def _document(source: str | Mapping[str, Any]) -> Mapping[str, Any]:
    """A centre file as a table: TOML text is parsed, a mapping is taken as it is. Either
    way an unknown section (``[[outlet]]``), nesting deeper than a centre file needs and
    numbers of more than 18 digits are refused naming the key path (D-038)."""
    if isinstance(source, str):
        doc: Mapping[str, Any] = load_toml(source, "center file")
    elif isinstance(source, Mapping):
        doc = source
        check_document(doc)
    else:
        raise InputTypeError("center file", f"must be TOML text or a mapping, not {type(source).__name__}")
    known_table(dict(doc), "", _FILE_SECTIONS, what="section")
    return doc


def _table(doc: Mapping[str, Any], key: str, path: str = "") -> Mapping[str, Any]:
    """The sub-table ``key``; ``InvalidPolicy`` naming it if missing or not a table."""
    where = f"{path}.{key}" if path else key
    if key not in doc:
        raise InvalidPolicy(where, "is missing")
    value = doc[key]
    if not isinstance(value, Mapping):
        raise InvalidPolicy(where, "must be a table", shown(value))
    return value


def _text(doc: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
    """A string field; missing (when required), empty or not a string is ``InvalidPolicy``."""
    where = f"{path}.{key}"
    if key not in doc:
        if required:
            raise InvalidPolicy(where, "is missing")
        return ""
    value = doc[key]
    if not isinstance(value, str):
        raise InvalidPolicy(where, "must be a string", shown(value))
    if required and not value.strip():
        raise InvalidPolicy(where, "must not be empty", value)
    return value.strip()


def _rows(doc: Mapping[str, Any], section: str, record: type) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The tables of an ``[[section]]`` array with their paths (``outlets[0]``), each
    checked to be a table holding only ``record``'s fields (the centre code comes from the
    file, not the row)."""
    rows = doc.get(section, [])
    if not isinstance(rows, list):
        raise InvalidPolicy(section, f"must be an array of tables ([[{section}]])", shown(rows))
    known = {f.name for f in attrs.fields(record)} - {"center_code"}
    for i, row in enumerate(rows):
        path = f"{section}[{i}]"
        if not isinstance(row, Mapping):
            raise InvalidPolicy(path, "must be a table", shown(row))
        known_table(dict(row), path, known)
        yield path, row


def _center_code(doc: Mapping[str, Any]) -> str:
    """The ``[center]`` code of a centre file (outlets and news inherit it)."""
    return _text(_table(doc, "center"), "code", "center")


def parse_center(source: str | Mapping[str, Any]) -> Center:
    """The ``[center]`` table of a centre file. Unknown keys are refused, so a typo
    cannot silently drop a field."""
    doc = _table(_document(source), "center")
    known_table(dict(doc), "center", {f.name for f in attrs.fields(Center)})
    flag = doc.get("requires_third_party_first_login", True)
    if not isinstance(flag, bool):
        raise InvalidPolicy("center.requires_third_party_first_login", "must be true or false", shown(flag))
    center = Center(
        code=_text(doc, "code", "center"),
        name=_text(doc, "name", "center"),
        region=_text(doc, "region", "center"),
        website=_text(doc, "website", "center"),
        hotline=_text(doc, "hotline", "center"),
        privacy_statement=_text(doc, "privacy_statement", "center"),
        requires_third_party_first_login=flag,
    )
    try:
        hotline_link(center)
    except InputError as exc:
        raise InvalidPolicy("center.hotline", exc.reason, center.hotline) from exc
    return center
