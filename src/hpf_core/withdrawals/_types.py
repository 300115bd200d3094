"""The vocabulary of withdrawals (提取) shared by the kinds, eligibility, workflow and
services: kinds, the facts an application shows, earlier withdrawals, document
requirements, notices and assessments. This module imports no kind module (each kind
imports it), so there is no import cycle.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from hpf_core._frozen import FrozenMap
from hpf_core.accounts import DayBasis, check_basis
from hpf_core.dates import check_date
from hpf_core.errors import InputError, InputTypeError, InvalidAmount, InvalidChoice, Violation
from hpf_core.money import Amount, Rate, check_rate, yuan

__all__ = [
    "Assessment",
    "DocumentRequirement",
    "PastWithdrawal",
    "WithdrawalFacts",
    "WithdrawalKind",
    "WithdrawalNotice",
    "check_kind",
    "known_kinds",
]

_VALUE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


class WithdrawalKind(enum.Enum):
    """提取类型 (docs/domain.md §5; Regulation Art. 24 and local practice).

    The ten members are the kinds hpf ships. A centre's own kind is made with
    :meth:`define` and becomes known (``WithdrawalKind("its-value")``) once its module is
    registered (:func:`hpf_core.withdrawals.register_kind`); iterating the class lists the
    ten shipped kinds only (:func:`known_kinds` lists the registered ones too).
    """

    RETIREMENT = "retirement"
    LABOR_TERMINATION = "labor-termination"
    RENT = "rent"
    PROPERTY_FEE = "property-fee"
    LOAN_REPAYMENT = "loan-repayment"
    HOME_PURCHASE = "home-purchase"
    EMIGRATION = "emigration"
    DEATH = "death"
    INCAPACITY = "incapacity"
    SERIOUS_ILLNESS = "serious-illness"

    @property
    def chinese(self) -> str:
        """The name the app's 我要提取 list shows."""
        return _CHINESE[self]

    @property
    def closes_account(self) -> bool:
        """销户提取: the whole balance with closing interest, then the account closes."""
        return self in _CLOSING

    @classmethod
    def define(cls, value: str, chinese: str, *, closes_account: bool) -> WithdrawalKind:
        """A kind hpf does not ship (a centre's local kind), for a kind module's ``KIND``.

        ``value`` names it in policy files (``open``, ``[withdrawals.<value>]``): lower-case
        words joined by ``-``, not a known kind's. It is not known to
        ``WithdrawalKind(value)`` until its module is registered.

        >>> lift = WithdrawalKind.define("lift-install", "既有住宅加装电梯提取", closes_account=False)
        >>> lift.value, lift.name, lift.chinese, lift.closes_account
        ('lift-install', 'LIFT_INSTALL', '既有住宅加装电梯提取', False)
        """
        if not isinstance(value, str) or not _VALUE.fullmatch(value):
            raise InputError("value", "must be lower-case words joined by '-' (e.g. lift-install)", value)
        if not isinstance(chinese, str) or not chinese.strip():
            raise InputError("chinese", "must be a non-empty str", chinese)
        if not isinstance(closes_account, bool):
            raise InputTypeError("closes_account", "must be True or False", closes_account)
        if value in cls._value2member_map_ or value in _EXTRA:
            raise InputError("value", "is already a known withdrawal kind", value)
        member = object.__new__(cls)
        member._name_ = value.upper().replace("-", "_")
        member._value_ = value
        _CHINESE[member] = chinese
        if closes_account:
            _CLOSING.add(member)
        return member

    @classmethod
    def _missing_(cls, value: object) -> WithdrawalKind | None:
        return _EXTRA.get(value) if isinstance(value, str) else None


_CHINESE = {
    WithdrawalKind.RETIREMENT: "离、退休提取",
    WithdrawalKind.LABOR_TERMINATION: "终止劳动关系提取",
    WithdrawalKind.RENT: "房租提取",
    WithdrawalKind.PROPERTY_FEE: "物业管理费提取",
    WithdrawalKind.LOAN_REPAYMENT: "偿还购房贷款本息提取",
    WithdrawalKind.HOME_PURCHASE: "购房提取",
    WithdrawalKind.EMIGRATION: "出境定居提取",
    WithdrawalKind.DEATH: "死亡或宣告死亡提取",
    WithdrawalKind.INCAPACITY: "完全丧失劳动能力提取",
    WithdrawalKind.SERIOUS_ILLNESS: "重大疾病提取",
}
_CLOSING = {
    WithdrawalKind.RETIREMENT,
    WithdrawalKind.LABOR_TERMINATION,
    WithdrawalKind.EMIGRATION,
    WithdrawalKind.DEATH,
    WithdrawalKind.INCAPACITY,
}
_EXTRA: dict[str, WithdrawalKind] = {}
"""Defined kinds whose module is registered, by value (kept by the kind registry)."""


def known_kinds() -> tuple[WithdrawalKind, ...]:
    """The shipped kinds, then the registered defined ones, in registration order.

    >>> len(known_kinds()), known_kinds()[0]
    (10, <WithdrawalKind.RETIREMENT: 'retirement'>)
    """
    return (*WithdrawalKind, *_EXTRA.values())


def admit(kind: WithdrawalKind) -> None:
    """Make a defined kind known by its value (the registry's hook)."""
    _EXTRA[kind.value] = kind


def retire(kind: WithdrawalKind) -> None:
    """Forget a defined kind (the registry's hook); the shipped kinds stay."""
    _EXTRA.pop(kind.value, None)


def is_shipped(kind: WithdrawalKind) -> bool:
    """One of the ten members (not a defined kind)."""
    return kind.value in WithdrawalKind._value2member_map_ and WithdrawalKind(kind.value) is kind


@attrs.frozen
class DocumentRequirement:
    """One document category to upload (档案分类): 必传项 or 非必传项, up to ``max_files``."""

    category: str
    required: bool
    max_files: int = 4


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


@attrs.frozen
class Assessment:
    """What ``assess`` decides for one kind: eligible or every reason not, and how much.

    ``max_amount`` is 可提取金额 (for a closing kind, the balance plus ``closing_interest``:
    提取金额合计); ``documents`` are the categories to upload.
    """

    kind: WithdrawalKind
    eligible: bool
    violations: tuple[Violation, ...]
    max_amount: Decimal
    closes_account: bool
    closing_interest: Decimal
    documents: tuple[DocumentRequirement, ...]


# --------------------------------------------------------------------------- facts


def _money(value: Amount | None, field: str) -> Decimal | None:
    if value is None:
        return None
    amount = yuan(value, field)
    if amount < 0:
        raise InvalidAmount(field, "must not be negative", value)
    return amount


def _date(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_date(value, attribute.name)


def _count(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError(attribute.name, f"must be a whole number, not {type(value).__name__}", value)
    if value < 0:
        raise InvalidChoice(attribute.name, "must not be negative", value)


def _flag(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise InputTypeError(attribute.name, f"must be True or False, not {type(value).__name__}", value)


# One named converter per money field: the message names the field (mypy's attrs plugin
# needs named functions).
def _loan_owed(value: Amount | None) -> Decimal | None:
    return _money(value, "loan_owed")


def _purchase_price(value: Amount | None) -> Decimal | None:
    return _money(value, "purchase_price")


def _monthly_rent(value: Amount | None) -> Decimal | None:
    return _money(value, "monthly_rent")


def _household_monthly_income(value: Amount | None) -> Decimal | None:
    return _money(value, "household_monthly_income")


def _property_fee_billed(value: Amount | None) -> Decimal | None:
    return _money(value, "property_fee_billed")


def _medical_self_paid(value: Amount | None) -> Decimal | None:
    return _money(value, "medical_self_paid")


def _past_amount(value: Amount) -> Decimal:
    amount = yuan(value, "amount")
    if amount <= 0:
        raise InvalidAmount("amount", "must be greater than 0", value)
    return amount


def check_kind(value: WithdrawalKind | str, field: str = "kind") -> WithdrawalKind:
    """``value`` as a :class:`WithdrawalKind` (a member or a known kind's value), else ``InvalidChoice``."""
    if isinstance(value, WithdrawalKind):
        return value
    if isinstance(value, str):
        try:
            return WithdrawalKind(value)
        except ValueError:
            pass
    allowed = ", ".join(k.value for k in known_kinds())
    raise InvalidChoice(field, f"must be one of {allowed}", value)


def _postings(value: object) -> tuple[tuple[date, Decimal], ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InputTypeError("interest_postings", "must be (value_date, amount) pairs", value)
    found: list[tuple[date, Decimal]] = []
    for item in value:
        if not isinstance(item, tuple) or len(item) != 2:
            raise InputTypeError("interest_postings", "must be (value_date, amount) pairs", item)
        day, amount = item
        found.append((check_date(day, "interest_postings"), yuan(amount, "interest_postings")))
    return tuple(found)


def _previous(value: object) -> tuple[PastWithdrawal, ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InputTypeError("previous", "must be PastWithdrawal records", value)
    items = tuple(value)
    for item in items:
        if not isinstance(item, PastWithdrawal):
            raise InputTypeError(
                "previous", f"must be PastWithdrawal records, not {type(item).__name__}", item
            )
    return items


def _optional_rate(value: Rate | None) -> Decimal | None:
    return None if value is None else check_rate(value, "deposit_rate")


def _optional_basis(value: DayBasis | str | None) -> DayBasis | None:
    return None if value is None else check_basis(value, "day_basis")


def _extra(value: object) -> Mapping[str, object]:
    if isinstance(value, FrozenMap):
        return value
    if not isinstance(value, Mapping):
        raise InputTypeError("extra", f"must be a mapping of fact names, not {type(value).__name__}", value)
    for name in value:
        if not isinstance(name, str) or not name.isidentifier():
            raise InputError("extra", "fact names must be identifiers", name)
    return FrozenMap(value)


@attrs.frozen(kw_only=True)
class PastWithdrawal:
    """An earlier withdrawal (提取记录): its kind, date and amount, for frequency limits and
    yearly caps.

    >>> PastWithdrawal(kind=WithdrawalKind.RENT, on=date(2025, 3, 1), amount="1500").amount
    Decimal('1500.00')
    """

    kind: WithdrawalKind = attrs.field(converter=check_kind)
    on: date = attrs.field(validator=_date)
    amount: Decimal = attrs.field(converter=_past_amount)


@attrs.frozen(kw_only=True)
class WithdrawalFacts:
    """What an application shows (申请材料) that the rules need; every field optional.

    A date left ``None`` means "not shown"; a date after the assessment day means "not yet"
    — both refuse the kind that needs it. Yes/no facts default to the answer that needs no
    proof (no loan, no home, no registered lease). Amounts are validated money (元).

    >>> WithdrawalFacts(monthly_rent="2500", rent_months=3).monthly_rent
    Decimal('2500.00')
    >>> WithdrawalFacts(loan_owed=0.5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hpf_core.errors.InputTypeError: loan_owed: must be a Decimal, int or plain decimal string, not float ...
    """

    # retirement, labour termination, incapacity, emigration, death
    retired_on: date | None = attrs.field(default=None, validator=_date)
    """离退休日期 on the 离(退)休证, 《退休审批表》 or 离(退)休文件."""
    employment_ended_on: date | None = attrs.field(default=None, validator=_date)
    """解除或终止劳动关系日期 (解除劳动合同书)."""
    sealed_since: date | None = attrs.field(default=None, validator=_date)
    """封存日期: when the account was sealed."""
    local_hukou: bool | None = attrs.field(default=None, validator=_flag)
    """本市户籍: whether the member is registered in the centre's city; None = not stated."""
    contributing_elsewhere: bool = attrs.field(default=False, validator=_flag)
    """异地继续缴存: contributing to another centre (then transfer, 转移接续, instead)."""
    incapacity_certified_on: date | None = attrs.field(default=None, validator=_date)
    """完全丧失劳动能力鉴定 date."""
    emigrated_on: date | None = attrs.field(default=None, validator=_date)
    """出境定居 date (户口注销 / settlement abroad)."""
    died_on: date | None = attrs.field(default=None, validator=_date)
    """死亡 or 宣告死亡 date (死亡证明 / 判决书)."""
    # loans and homes
    has_outstanding_hpf_loan: bool = attrs.field(default=False, validator=_flag)
    """公积金贷款未结清: the member (or spouse) owes on an HPF loan."""
    loan_owed: Decimal | None = attrs.field(default=None, converter=_loan_owed)
    """Loan repayment: the instalments or principal the withdrawal may pay (应还本息)."""
    instalments_repaid: int | None = attrs.field(default=None, validator=_count)
    """Loan repayment: regular instalments already repaid on the loan."""
    owns_home: bool = attrs.field(default=False, validator=_flag)
    """The member (or spouse) owns a home in the centre's city (不动产权证)."""
    purchase_price: Decimal | None = attrs.field(default=None, converter=_purchase_price)
    """Purchase: the price paid (购房款, per contract and invoice)."""
    purchased_on: date | None = attrs.field(default=None, validator=_date)
    """Purchase: the contract or invoice date."""
    # rent and property fee
    continuous_months: int | None = attrs.field(default=None, validator=_count)
    """连续足额缴存月数 up to the application."""
    monthly_rent: Decimal | None = attrs.field(default=None, converter=_monthly_rent)
    """月租金 on the lease."""
    rent_months: int | None = attrs.field(default=None, validator=_count)
    """The months of rent this withdrawal covers (paid since the last rent withdrawal)."""
    household_monthly_income: Decimal | None = attrs.field(default=None, converter=_household_monthly_income)
    """家庭月工资收入."""
    lease_registered: bool = attrs.field(default=False, validator=_flag)
    """The lease is filed with the city's rental platform (租赁备案)."""
    property_fee_billed: Decimal | None = attrs.field(default=None, converter=_property_fee_billed)
    """物业管理服务费收费票据: the fee billed and paid."""
    # serious illness
    medical_self_paid: Decimal | None = attrs.field(default=None, converter=_medical_self_paid)
    """个人自付医疗费用 of the member or family."""
    # history and closing interest
    previous: tuple[PastWithdrawal, ...] = attrs.field(default=(), converter=_previous)
    """Earlier withdrawals, any kind."""
    interest_postings: tuple[tuple[date, Decimal], ...] = attrs.field(default=(), converter=_postings)
    """Postings since 1 July of the current interest year (value date, signed amount), for
    closing interest; the balance on 1 July is the balance less these. Default: none, the
    balance was held all year."""
    deposit_rate: Decimal | None = attrs.field(default=None, converter=_optional_rate)
    """The deposit rate for closing interest; None = the rate table (1.5% since 2016-02-21)."""
    day_basis: DayBasis | None = attrs.field(default=None, converter=_optional_basis)
    """Overrides the centre's ``[interest] day_basis`` for closing interest."""
    # kinds registered outside hpf
    extra: Mapping[str, object] = attrs.field(factory=FrozenMap, converter=_extra)
    """Facts that only a kind registered outside hpf reads, by name (its ``FACTS`` lists
    each as ``extra.<name>``); that kind checks their values."""
