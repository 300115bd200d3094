"""The inputs of two withdrawal screens, as the seed shows them, and the rule facts derived
from them (issue #11 item 4, D-046).

偿还购房贷款本息提取 (§5.2.1.5) asks 提取人类型, the main borrower's name and ID number,
借款合同编号, 合同贷款金额, 合同签订日期 and 房屋坐落: :class:`LoanRepaymentForm`. Its limit
(``loan_owed``) comes from the centre's own loan record when the contract is the centre's
(what is still owed on it, and the instalments repaid), else from the contract entered
(合同贷款金额, the only figure the screen gives for another lender's loan).

房租提取 (§5.2.1.3) asks 提取类型, 租赁合同号或权证号, 房租总额 and 租赁开始/结束日期:
:class:`RentForm`. The rent a month and the months it covers are derived from them.

>>> from datetime import date
>>> form = RentForm(rent_type=RentType.ORDINARY, contract_no="20180722001", total_rent="80000",
...                 starts_on=date(2018, 7, 22), ends_on=date(2018, 7, 22))
>>> facts = rent_facts(form)
>>> facts.monthly_rent, facts.rent_months
(Decimal('80000.00'), 1)
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

import attrs

from hpf_core.dates import add_months, check_date, months_between
from hpf_core.errors import InputError, InputTypeError, InvalidAmount, InvalidChoice, InvalidDate
from hpf_core.identity import mask_id_number, validate_id_number
from hpf_core.money import Amount, money_context, yuan
from hpf_core.withdrawals._types import WithdrawalFacts

__all__ = [
    "LoanRepaymentForm",
    "RentForm",
    "RentType",
    "WithdrawerType",
    "lease_months",
    "loan_repayment_facts",
    "rent_facts",
]


class WithdrawerType(enum.Enum):
    """提取人类型 on the 偿还购房贷款本息提取 screen: who withdraws for the loan."""

    MAIN = "main"
    """主提取人: the main borrower (主借款人) themself."""
    SPOUSE = "spouse"
    """配偶: the main borrower's spouse."""
    CO_BORROWER = "co-borrower"
    """共同借款人: a co-borrower."""

    @property
    def chinese(self) -> str:
        """As the screen's ▼ list shows it."""
        return {"main": "主提取人", "spouse": "配偶", "co-borrower": "共同借款人"}[self.value]


class RentType(enum.Enum):
    """提取类型 on the 房租提取 screen."""

    ORDINARY = "ordinary"
    """普通住房: a home rented on the market (the seed's choice)."""
    PUBLIC_RENTAL = "public-rental"
    """公共租赁住房: public rental housing."""

    @property
    def chinese(self) -> str:
        """As the screen shows it."""
        return {"ordinary": "普通住房", "public-rental": "公共租赁住房"}[self.value]


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    if not value.strip():
        raise InputError(field, "must not be blank", value)
    return value.strip()


def _withdrawer(value: object) -> WithdrawerType:
    if isinstance(value, WithdrawerType):
        return value
    try:
        return WithdrawerType(value)
    except ValueError:
        raise InvalidChoice("withdrawer_type", "must be main, spouse or co-borrower", value) from None


def _rent_type(value: object) -> RentType:
    if isinstance(value, RentType):
        return value
    try:
        return RentType(value)
    except ValueError:
        raise InvalidChoice("rent_type", "must be ordinary or public-rental", value) from None


def _positive(value: Amount, field: str) -> Decimal:
    amount = yuan(value, field)
    if amount <= 0:
        raise InvalidAmount(field, "must be greater than 0", value)
    return amount


def _contract_amount(value: Amount) -> Decimal:
    return _positive(value, "contract_amount")


def _total_rent(value: Amount) -> Decimal:
    return _positive(value, "total_rent")


def _signed_on(value: object) -> date:
    return check_date(value, "signed_on")


def _starts_on(value: object) -> date:
    return check_date(value, "starts_on")


def _ends_on(value: object) -> date:
    return check_date(value, "ends_on")


def _borrower_name(value: object) -> str:
    return _text(value, "borrower_name")


def _borrower_id(value: object) -> str:
    return validate_id_number(_text(value, "borrower_id"), "borrower_id")


def _contract_no(value: object) -> str:
    return _text(value, "contract_no")


def _location(value: object) -> str:
    return _text(value, "location")


@attrs.frozen(kw_only=True)
class LoanRepaymentForm:
    """一、提取信息录入 of 偿还购房贷款本息提取 (seed §5.2.1.5). Keyword-only; every field is
    checked on creation and the ID number is masked in the repr."""

    withdrawer_type: WithdrawerType = attrs.field(converter=_withdrawer)
    """提取人类型."""
    borrower_name: str = attrs.field(converter=_borrower_name)
    """主借款人姓名."""
    borrower_id: str = attrs.field(converter=_borrower_id, repr=mask_id_number)
    """主借款人证件号码 (a resident ID number, checked)."""
    contract_no: str = attrs.field(converter=_contract_no)
    """借款合同编号."""
    contract_amount: Decimal = attrs.field(converter=_contract_amount)
    """合同贷款金额."""
    signed_on: date = attrs.field(converter=_signed_on)
    """合同签订日期."""
    location: str = attrs.field(converter=_location)
    """房屋坐落: where the home is."""


def loan_repayment_facts(
    form: LoanRepaymentForm,
    *,
    centre_loan_owed: Amount | None = None,
    instalments_repaid: int | None = None,
    base: WithdrawalFacts | None = None,
) -> WithdrawalFacts:
    """The facts ``assess`` reads for a 偿还购房贷款本息提取 from the screen's inputs.

    When the contract is one of the centre's own loans, pass what its record says is
    still owed (``centre_loan_owed``) and the instalments repaid: the limit is the
    centre's figure and the loan is an outstanding HPF loan. Otherwise (another lender's
    loan) the limit is the contract entered (合同贷款金额). ``base`` holds any other facts
    (earlier withdrawals, ...); its loan fields are replaced.

    >>> from datetime import date
    >>> form = LoanRepaymentForm(withdrawer_type="main", borrower_name="张三",
    ...     borrower_id="11010519491231002X", contract_no="20180723001",
    ...     contract_amount="800000", signed_on=date(2018, 7, 23), location="阿勒泰市解放路")
    >>> loan_repayment_facts(form).loan_owed
    Decimal('800000.00')
    >>> loan_repayment_facts(form, centre_loan_owed="612345.67", instalments_repaid=14).loan_owed
    Decimal('612345.67')
    """
    if not isinstance(form, LoanRepaymentForm):
        raise InputTypeError("form", "must be a LoanRepaymentForm", form)
    facts = WithdrawalFacts() if base is None else base
    if not isinstance(facts, WithdrawalFacts):
        raise InputTypeError("base", "must be a WithdrawalFacts", base)
    if centre_loan_owed is None:
        if instalments_repaid is not None:
            raise InputError("instalments_repaid", "is read from the centre's loan record only")
        return attrs.evolve(facts, loan_owed=form.contract_amount)
    owed = yuan(centre_loan_owed, "centre_loan_owed")
    return attrs.evolve(
        facts, loan_owed=owed, instalments_repaid=instalments_repaid, has_outstanding_hpf_loan=owed > 0
    )


@attrs.frozen(kw_only=True)
class RentForm:
    """一、提取信息录入 of 房租提取 (seed §5.2.1.3). Keyword-only; checked on creation."""

    rent_type: RentType = attrs.field(converter=_rent_type)
    """提取类型."""
    contract_no: str = attrs.field(converter=_contract_no)
    """租赁合同号或权证号."""
    total_rent: Decimal = attrs.field(converter=_total_rent)
    """房租总额: the rent of the whole lease."""
    starts_on: date = attrs.field(converter=_starts_on)
    """租赁开始日期."""
    ends_on: date = attrs.field(converter=_ends_on)
    """租赁结束日期 (the last day of the lease; the seed's sample ends the day it starts)."""

    def __attrs_post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise InvalidDate("ends_on", f"is before the start {self.starts_on.isoformat()}", self.ends_on)


def lease_months(starts_on: date, ends_on: date) -> int:
    """The months a lease covers, from its first to its last day, a month begun counting
    whole (a one-day lease covers 1 month; 2018-07-22 to 2019-07-21 covers 12).

    >>> lease_months(date(2018, 7, 22), date(2019, 7, 21)), lease_months(date(2018, 7, 22), date(2019, 7, 22))
    (12, 13)
    """
    starts_on, ends_on = check_date(starts_on, "starts_on"), check_date(ends_on, "ends_on")
    if ends_on < starts_on:
        raise InvalidDate("ends_on", f"is before the start {starts_on.isoformat()}", ends_on)
    after = ends_on + timedelta(days=1)
    months = months_between(starts_on, after)
    return months + (1 if add_months(starts_on, months) < after else 0)


def rent_facts(form: RentForm, *, base: WithdrawalFacts | None = None) -> WithdrawalFacts:
    """The facts ``assess`` reads for a 房租提取 from the screen's inputs: the months the
    lease covers (:func:`lease_months`) and the rent a month, 房租总额 ÷ months rounded down
    to the fen (never more than was paid). ``base`` holds any other facts (household
    income, registration, earlier withdrawals); its rent fields are replaced."""
    if not isinstance(form, RentForm):
        raise InputTypeError("form", "must be a RentForm", form)
    facts = WithdrawalFacts() if base is None else base
    if not isinstance(facts, WithdrawalFacts):
        raise InputTypeError("base", "must be a WithdrawalFacts", base)
    months = lease_months(form.starts_on, form.ends_on)
    with money_context():
        monthly = (form.total_rent / months).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    return attrs.evolve(facts, monthly_rent=monthly, rent_months=months)
