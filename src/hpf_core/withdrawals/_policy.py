"""A centre's withdrawal rules (提取政策): the ``[withdrawals]`` section of a policy file.

Everything a centre decides about withdrawals is data here, never a constant in code
(docs/domain.md §0, §5.2: 因城施策): which kinds are open (开放的提取业务), the reserve kept in
the account (留存金额), the unit a partial withdrawal is rounded down to, whether an
outstanding HPF loan blocks closing withdrawals, and per kind (``[withdrawals.<kind>]``):
frequency, caps, waiting periods, conditions, the documents to upload (档案上传) and the
notice (须知) the app shows.

>>> import tomllib
>>> text = '''
... [withdrawals]
... open = ["retirement", "property-fee"]
... reserve = "10"
... amount_unit = "10"
... loan_blocks_closing = false
... source = "example"
... [withdrawals.property-fee]
... cap_per_year = "3000"
... frequency_months = 12
... documents = [{ category = "物业管理服务费收费票据", required = true }]
... '''
>>> policy = parse_withdrawal_policy(tomllib.loads(text)["withdrawals"])
>>> policy.is_open(WithdrawalKind.PROPERTY_FEE), policy.is_open(WithdrawalKind.RENT)
(True, False)
>>> rule = policy.rule(WithdrawalKind.PROPERTY_FEE)
>>> rule.cap_per_year, rule.documents[0].max_files
(Decimal('3000.00'), 4)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hpf_core._tables import known_table, no_float
from hpf_core.errors import HpfError, InvalidPolicy
from hpf_core.money import check_rate, yuan
from hpf_core.withdrawals._rules import PolicyKey, WithdrawalPolicy, WithdrawalRule, policy_keys
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind, WithdrawalNotice, known_kinds
from hpf_core.withdrawals.kinds import KINDS

__all__ = ["WithdrawalPolicy", "parse_withdrawal_policy"]  # hpf_core.policy imports both from here


# --------------------------------------------------------------------------- parsing

_PATH = "withdrawals"
_TOP_KEYS = frozenset(
    {
        "open",
        "online",
        "reserve",
        "amount_unit",
        "loan_blocks_closing",
        "loan_blocks_closing_since",
        "source",
        "document_max_bytes",  # issue #15 (D-056): the document store's limits
        "document_max_files",
    }
)
_MAX_DOCUMENT_BYTES = 1 << 30  # 1 GiB: above any scan; a sanity bound, not a rule
_MAX_DOCUMENT_FILES = 10_000
_DOCUMENT_KEYS = frozenset({"category", "required", "max_files"})
_NOTICE_KEYS = frozenset({"name", "basis", "conditions", "materials"})
_MAX_MONTHS = 600
_MAX_FILES = 99


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidPolicy(where, "must be a table", value)
    return value


def _refuse_unknown(table: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    known_table(table, where, allowed)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidPolicy(where, "must be a non-empty string", value)
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidPolicy(where, "must be true or false", value)
    return value


def _whole(value: object, where: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidPolicy(where, f"must be a whole number in {low}..{high}", value)
    return value


def _amount(value: object, where: str, *, positive: bool) -> Decimal:
    no_float(value, where)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidPolicy(where, "must be a quoted decimal or an integer", value)
    try:
        amount = yuan(value, where)
    except HpfError as exc:
        raise InvalidPolicy(where, exc.reason, value) from exc
    if amount < 0 or (positive and amount == 0):
        raise InvalidPolicy(where, "must be greater than 0" if positive else "must not be negative", value)
    return amount


def _fraction(value: object, where: str) -> Decimal:
    no_float(value, where)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidPolicy(where, "must be a quoted decimal", value)
    try:
        return check_rate(value, where)
    except HpfError as exc:
        raise InvalidPolicy(where, exc.reason, value) from exc


def _kinds(value: object, where: str) -> frozenset[WithdrawalKind]:
    if not isinstance(value, list):
        raise InvalidPolicy(where, "must be a list of withdrawal kinds", value)
    allowed = ", ".join(k.value for k in known_kinds())
    kinds: list[WithdrawalKind] = []
    for i, item in enumerate(value):
        try:
            kind = WithdrawalKind(item)
        except ValueError as exc:
            raise InvalidPolicy(f"{where}[{i}]", f"must be one of {allowed}", item) from exc
        if kind not in KINDS:
            raise InvalidPolicy(f"{where}[{i}]", f"must be one of {allowed}", item)
        if kind in kinds:
            raise InvalidPolicy(f"{where}[{i}]", "is listed twice", item)
        kinds.append(kind)
    return frozenset(kinds)


def _documents(value: object, where: str) -> tuple[DocumentRequirement, ...]:
    if not isinstance(value, list):
        raise InvalidPolicy(where, "must be a list of { category, required, max_files } tables", value)
    found: list[DocumentRequirement] = []
    for i, item in enumerate(value):
        at = f"{where}[{i}]"
        table = _table(item, at)
        _refuse_unknown(table, _DOCUMENT_KEYS, at)
        for key in ("category", "required"):
            if key not in table:
                raise InvalidPolicy(f"{at}.{key}", "is missing")
        category = _text(table["category"], f"{at}.category")
        if any(d.category == category for d in found):
            raise InvalidPolicy(f"{at}.category", "is listed twice", category)
        required = _bool(table["required"], f"{at}.required")
        files = _whole(table.get("max_files", 4), f"{at}.max_files", low=1, high=_MAX_FILES)
        found.append(DocumentRequirement(category, required, files))
    return tuple(found)


def _notice(value: object, where: str) -> WithdrawalNotice:
    table = _table(value, where)
    _refuse_unknown(table, _NOTICE_KEYS, where)
    for key in sorted(_NOTICE_KEYS):
        if key not in table:
            raise InvalidPolicy(f"{where}.{key}", "is missing")
    materials = table["materials"]
    if not isinstance(materials, list):
        raise InvalidPolicy(f"{where}.materials", "must be a list of strings", materials)
    return WithdrawalNotice(
        _text(table["name"], f"{where}.name"),
        _text(table["basis"], f"{where}.basis"),
        _text(table["conditions"], f"{where}.conditions"),
        tuple(_text(m, f"{where}.materials[{i}]") for i, m in enumerate(materials)),
    )


def _value(key: PolicyKey, value: object, where: str) -> object:
    if key.kind == "documents":
        return _documents(value, where)
    if key.kind == "notice":
        return _notice(value, where)
    if key.kind == "flag":
        return _bool(value, where)
    if key.kind == "count":
        return _whole(value, where, low=key.low, high=_MAX_MONTHS)
    if key.kind == "money":
        return _amount(value, where, positive=key.positive)
    if key.kind == "share":
        return _fraction(value, where)
    raise InvalidPolicy(where, f"has a policy key of unknown kind {key.kind!r} (a bug in its kind module)")


def _rule(kind: WithdrawalKind, value: object) -> WithdrawalRule:
    """The kind's section, read by its own module's ``Rule`` and ``POLICY_KEYS``."""
    where = f"{_PATH}.{kind.value}"
    module = KINDS[kind]
    table = _table(value, where)
    _refuse_unknown(table, module.POLICY_KEYS, where)
    keys = policy_keys(module.Rule)
    fields: dict[str, Any] = {
        name: _value(keys[name], table[name], f"{where}.{name}") for name in sorted(table)
    }
    return module.Rule(**fields)


def parse_withdrawal_policy(table: dict[str, Any]) -> WithdrawalPolicy:
    """A :class:`WithdrawalPolicy` from a policy file's ``[withdrawals]`` table.

    Required: ``open`` (a list of :class:`WithdrawalKind` values), ``reserve`` (may be
    ``"0"``), ``amount_unit`` (above 0), ``loan_blocks_closing`` and ``source`` — none is
    ever assumed. Optional: ``online`` (a subset of ``open``), ``loan_blocks_closing_since``
    (a TOML date), ``document_max_bytes`` and ``document_max_files`` (the document store's
    limits per file and per application, whole numbers), and one sub-table per kind named by its value
    (``[withdrawals.labor-termination]``). Decimals are quoted strings or integers, never
    TOML floats; unknown keys (and a key under a kind it does not apply to) are refused.
    Every problem raises ``InvalidPolicy`` naming the key (``withdrawals.rent.cap_per_month``).

    >>> parse_withdrawal_policy({"open": ["rent"], "reserve": 0.5, "amount_unit": "1",  # doctest: +ELLIPSIS
    ...     "loan_blocks_closing": False, "source": "x"})
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidPolicy: withdrawals.reserve: write decimals as quoted strings, not TOML floats ...
    """
    data = _table(table, _PATH)
    _refuse_unknown(data, _TOP_KEYS | {k.value for k in KINDS}, _PATH)
    for key in ("open", "reserve", "amount_unit", "loan_blocks_closing", "source"):
        if key not in data:
            raise InvalidPolicy(f"{_PATH}.{key}", "is missing")
    open_kinds = _kinds(data["open"], f"{_PATH}.open")
    online = _kinds(data.get("online", []), f"{_PATH}.online")
    if not online <= open_kinds:
        extra = sorted(k.value for k in online - open_kinds)
        raise InvalidPolicy(f"{_PATH}.online", f"lists kinds that are not open: {', '.join(extra)}")
    since = data.get("loan_blocks_closing_since")
    if since is not None and (not isinstance(since, date) or hasattr(since, "hour")):
        raise InvalidPolicy(f"{_PATH}.loan_blocks_closing_since", "must be a TOML date (YYYY-MM-DD)", since)
    blocks = _bool(data["loan_blocks_closing"], f"{_PATH}.loan_blocks_closing")
    if since is not None and not blocks:
        raise InvalidPolicy(
            f"{_PATH}.loan_blocks_closing_since", "applies only when loan_blocks_closing is true", since
        )
    rules = tuple((kind, _rule(kind, data[kind.value])) for kind in KINDS if kind.value in data)
    max_bytes, max_files = data.get("document_max_bytes"), data.get("document_max_files")
    if max_bytes is not None:
        max_bytes = _whole(max_bytes, f"{_PATH}.document_max_bytes", low=1, high=_MAX_DOCUMENT_BYTES)
    if max_files is not None:
        max_files = _whole(max_files, f"{_PATH}.document_max_files", low=1, high=_MAX_DOCUMENT_FILES)
    return WithdrawalPolicy(
        open_kinds=open_kinds,
        reserve=_amount(data["reserve"], f"{_PATH}.reserve", positive=False),
        amount_unit=_amount(data["amount_unit"], f"{_PATH}.amount_unit", positive=True),
        loan_blocks_closing=blocks,
        loan_blocks_closing_since=since,
        source=_text(data["source"], f"{_PATH}.source"),
        online=online,
        rules=rules,
        document_max_bytes=max_bytes,
        document_max_files=max_files,
    )
