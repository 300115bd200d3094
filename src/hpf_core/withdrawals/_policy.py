"""A centre's withdrawal rules (提取政策): the ``[withdrawals]`` section of a policy file.

Everything a centre decides about withdrawals is data here, never a constant in code
(DOMAIN.md §0, §5.2: 因城施策): which kinds are open (开放的提取业务), the reserve kept in
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

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from hpf_core._tables import known_table, no_float
from hpf_core.errors import HpfError, InvalidPolicy
from hpf_core.money import check_rate, yuan
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind

__all__ = [
    "WithdrawalNotice",
    "WithdrawalPolicy",
    "WithdrawalRule",
    "parse_withdrawal_policy",
]


@attrs.frozen
class WithdrawalNotice:
    """A kind's notice (提取须知), as the app's 《…须知》 page shows it.

    >>> notice = WithdrawalNotice("离休、退休提取公积金", "《住房公积金管理条例》第二十四条", "离休、退休")
    >>> notice.materials
    ()
    """

    name: str
    """事项名称."""
    basis: str
    """设定依据: the rule the withdrawal rests on."""
    conditions: str
    """申请条件."""
    materials: tuple[str, ...] = ()
    """办理材料, in the notice's order."""


@attrs.frozen(kw_only=True)
class WithdrawalRule:
    """One kind's rules at one centre (``[withdrawals.<kind>]``). Unset means "no such rule".

    Which fields a kind may set is fixed (a rent rule has no ``sealed_months``); the parser
    refuses the others, so a key under the wrong kind cannot be silently ignored.

    >>> WithdrawalRule().frequency_months is None
    True
    """

    documents: tuple[DocumentRequirement, ...] = ()
    """档案上传: the categories to upload, 必传项 (required) or 非必传项."""
    notice: WithdrawalNotice | None = None
    """提取须知."""
    frequency_months: int | None = None
    """At most one withdrawal of this kind in any this many months (1 monthly, 3 quarterly, 12
    yearly), counted from the last one's date."""
    cap_per_year: Decimal | None = None
    """The most this kind may pay in one calendar year (自然年), all withdrawals together."""
    must_be_normal: bool = False
    """The account must be 正常: neither sealed (封存) nor frozen in any way (冻结)."""
    sealed_months: int = 0
    """Labour termination: the account sealed at least this many months (封存满 N 个月)."""
    non_local_hukou_only: bool = False
    """Labour termination: only for members without the city's household registration (非本市户籍)."""
    min_contribution_months: int = 0
    """Rent: at least this many months of continuous contribution (连续足额缴存)."""
    cap_per_month: Decimal | None = None
    """Rent: the most one month's rent may draw (每月提取限额)."""
    income_share: Decimal | None = None
    """Rent: only rent above this share of household monthly wage income may be drawn
    (房租超出家庭工资收入的规定比例, Art. 24(6))."""
    no_hpf_loan: bool = False
    """Rent, purchase: refused while the member has an outstanding HPF loan (公积金贷款未结清)."""
    lease_registration_required: bool = False
    """Rent: the lease must be filed with the city's rental platform (租赁备案)."""
    min_instalments_repaid: int = 0
    """Loan repayment: at least this many regular instalments already repaid."""
    purchase_window_months: int | None = None
    """Purchase: the application must come within this many months of the purchase."""
    threshold: Decimal | None = None
    """Serious illness: the self-paid cost must exceed this amount (自付费用超过)."""


_DEFAULT_RULE = WithdrawalRule()


@attrs.frozen(kw_only=True)
class WithdrawalPolicy:
    """A centre's withdrawal rules (``[withdrawals]``).

    ``reserve`` (留存金额) stays in the account after a partial withdrawal and
    ``amount_unit`` is the unit its 可提取金额 is rounded down to; neither applies to a
    closing withdrawal, which pays the whole balance with closing interest.
    ``loan_blocks_closing`` says an outstanding HPF loan blocks the closing kinds (from
    ``loan_blocks_closing_since`` when given). ``online`` are the kinds the app's
    我要提取 list offers (a subset of ``open_kinds``; the rest are handled at the counter).

    >>> p = WithdrawalPolicy(open_kinds=frozenset(WithdrawalKind), reserve=Decimal("10.00"),
    ...     amount_unit=Decimal("10.00"), loan_blocks_closing=False, source="example")
    >>> p.rule(WithdrawalKind.RENT).cap_per_month is None
    True
    """

    open_kinds: frozenset[WithdrawalKind]
    """开放的提取业务 (the ``open`` key)."""
    reserve: Decimal
    amount_unit: Decimal
    loan_blocks_closing: bool
    source: str
    loan_blocks_closing_since: date | None = None
    online: frozenset[WithdrawalKind] = frozenset()
    rules: tuple[tuple[WithdrawalKind, WithdrawalRule], ...] = ()
    """The ``[withdrawals.<kind>]`` tables, in file order; see :meth:`rule`."""

    def is_open(self, kind: WithdrawalKind) -> bool:
        """Whether the centre accepts this kind at all."""
        return kind in self.open_kinds

    def rule(self, kind: WithdrawalKind) -> WithdrawalRule:
        """The kind's rules; a kind without a table has none (``WithdrawalRule()``)."""
        for known, rule in self.rules:
            if known is kind:
                return rule
        return _DEFAULT_RULE

    def loan_blocks_closing_on(self, on: date) -> bool:
        """Whether an outstanding HPF loan blocks a closing withdrawal applied for ``on``."""
        if not self.loan_blocks_closing:
            return False
        return self.loan_blocks_closing_since is None or on >= self.loan_blocks_closing_since


# --------------------------------------------------------------------------- parsing

_PATH = "withdrawals"
_TOP_KEYS = frozenset(
    {"open", "online", "reserve", "amount_unit", "loan_blocks_closing", "loan_blocks_closing_since", "source"}
)
_CLOSING_KEYS = frozenset({"documents", "notice"})
_PARTIAL_KEYS = _CLOSING_KEYS | {"frequency_months", "cap_per_year", "must_be_normal"}
_KIND_KEYS: Mapping[WithdrawalKind, frozenset[str]] = {
    WithdrawalKind.RETIREMENT: _CLOSING_KEYS,
    WithdrawalKind.LABOR_TERMINATION: _CLOSING_KEYS | {"sealed_months", "non_local_hukou_only"},
    WithdrawalKind.EMIGRATION: _CLOSING_KEYS,
    WithdrawalKind.DEATH: _CLOSING_KEYS,
    WithdrawalKind.INCAPACITY: _CLOSING_KEYS,
    WithdrawalKind.RENT: _PARTIAL_KEYS
    | {
        "min_contribution_months",
        "cap_per_month",
        "income_share",
        "no_hpf_loan",
        "lease_registration_required",
    },
    WithdrawalKind.PROPERTY_FEE: _PARTIAL_KEYS,
    WithdrawalKind.LOAN_REPAYMENT: _PARTIAL_KEYS | {"min_instalments_repaid"},
    WithdrawalKind.HOME_PURCHASE: _PARTIAL_KEYS | {"purchase_window_months", "no_hpf_loan"},
    WithdrawalKind.SERIOUS_ILLNESS: _PARTIAL_KEYS | {"threshold"},
}
_BOOL_KEYS = ("must_be_normal", "non_local_hukou_only", "no_hpf_loan", "lease_registration_required")
# whole-number keys and their lowest allowed value
_COUNT_KEYS = {
    "frequency_months": 1,
    "sealed_months": 0,
    "min_contribution_months": 0,
    "purchase_window_months": 1,
    "min_instalments_repaid": 0,
}
_MONEY_KEYS = ("cap_per_year", "cap_per_month", "threshold")
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
    allowed = ", ".join(k.value for k in WithdrawalKind)
    kinds: list[WithdrawalKind] = []
    for i, item in enumerate(value):
        try:
            kind = WithdrawalKind(item)
        except ValueError as exc:
            raise InvalidPolicy(f"{where}[{i}]", f"must be one of {allowed}", item) from exc
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


def _rule(kind: WithdrawalKind, value: object) -> WithdrawalRule:
    where = f"{_PATH}.{kind.value}"
    table = _table(value, where)
    _refuse_unknown(table, _KIND_KEYS[kind], where)
    fields: dict[str, Any] = {}
    if "documents" in table:
        fields["documents"] = _documents(table["documents"], f"{where}.documents")
    if "notice" in table:
        fields["notice"] = _notice(table["notice"], f"{where}.notice")
    for key in _BOOL_KEYS:
        if key in table:
            fields[key] = _bool(table[key], f"{where}.{key}")
    for key, low in _COUNT_KEYS.items():
        if key in table:
            fields[key] = _whole(table[key], f"{where}.{key}", low=low, high=_MAX_MONTHS)
    for key in _MONEY_KEYS:
        if key in table:
            fields[key] = _amount(table[key], f"{where}.{key}", positive=key != "threshold")
    if "income_share" in table:
        fields["income_share"] = _fraction(table["income_share"], f"{where}.income_share")
    return WithdrawalRule(**fields)


def parse_withdrawal_policy(table: dict[str, Any]) -> WithdrawalPolicy:
    """A :class:`WithdrawalPolicy` from a policy file's ``[withdrawals]`` table.

    Required: ``open`` (a list of :class:`WithdrawalKind` values), ``reserve`` (may be
    ``"0"``), ``amount_unit`` (above 0), ``loan_blocks_closing`` and ``source`` — none is
    ever assumed. Optional: ``online`` (a subset of ``open``), ``loan_blocks_closing_since``
    (a TOML date), and one sub-table per kind named by its value
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
    kind_tables = {key for key in data if key in {k.value for k in WithdrawalKind}}
    _refuse_unknown(data, _TOP_KEYS | kind_tables, _PATH)
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
    rules = tuple((kind, _rule(kind, data[kind.value])) for kind in WithdrawalKind if kind.value in data)
    return WithdrawalPolicy(
        open_kinds=open_kinds,
        reserve=_amount(data["reserve"], f"{_PATH}.reserve", positive=False),
        amount_unit=_amount(data["amount_unit"], f"{_PATH}.amount_unit", positive=True),
        loan_blocks_closing=blocks,
        loan_blocks_closing_since=since,
        source=_text(data["source"], f"{_PATH}.source"),
        online=online,
        rules=rules,
    )
