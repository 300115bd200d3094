"""Withdrawal eligibility (提取资格) and the withdrawable amount (可提取金额): ``assess``.

``assess(kind, account, facts, policy, on)`` is pure: the same inputs always give the
same :class:`~hpf_core.withdrawals.Assessment`, nothing is read or written, and no clock
is consulted. It returns every reason a withdrawal is refused, not only the first.

- A partial withdrawal (房租, 物业管理费, 偿还购房贷款本息, 购房, 重大疾病) may take
  ``min(balance − frozen amount − reserve, the kind's cap, what is left of a yearly cap)``,
  rounded down to the centre's unit and never below 0.
- A closing withdrawal (离退休, 终止劳动关系, 出境定居, 死亡, 完全丧失劳动能力) takes the
  whole balance plus the closing interest (销户利息) and closes the account: 提取金额合计.

The seed centre's 离、退休提取 screen (manual §5.2.1.1): 个人账户余额 5,925.21, 销户利息
81.97, 提取金额合计 6,007.18 on 2018-05-29. The seed centre counts actual days / 360
(5,925.21 x 1.5% x 332 / 360 = 81.965 → 81.97).

>>> from hpf_core.accounts import DayBasis
>>> from hpf_core.withdrawals.kinds._common import sample_account, sample_policy
>>> retired = WithdrawalFacts(retired_on=date(2018, 5, 1), day_basis=DayBasis.ACTUAL_360)
>>> a = assess(WithdrawalKind.RETIREMENT, sample_account("5925.21"), retired,
...            sample_policy(WithdrawalKind.RETIREMENT), date(2018, 5, 29))
>>> a.eligible, a.closing_interest, a.max_amount, a.closes_account
(True, Decimal('81.97'), Decimal('6007.18'), True)
>>> [v.code for v in assess("retirement", sample_account("5925.21"), WithdrawalFacts(),
...                          sample_policy(WithdrawalKind.RETIREMENT), date(2018, 5, 29)).violations]
['not_retired']
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal
from typing import Any, Protocol

import attrs

from hpf_core.accounts import (
    AccountStatus,
    DayBasis,
    DepositAccount,
    FreezeFlag,
    accrue_interest_segments,
    available_to_debit,
    check_basis,
    closing_interest,
    deposit_rate_changes,
    interest_year,
)
from hpf_core.dates import add_months, check_date
from hpf_core.errors import InputTypeError, InvalidAmount, InvalidChoice, InvalidPolicy, Violation
from hpf_core.money import FEN, Amount, Rate, check_rate, yuan
from hpf_core.withdrawals._policy import WithdrawalPolicy, WithdrawalRule
from hpf_core.withdrawals._types import Assessment, WithdrawalKind
from hpf_core.withdrawals.kinds import KINDS

__all__ = ["CentrePolicyLike", "PastWithdrawal", "WithdrawalFacts", "assess"]

_ZERO = Decimal("0.00")
# Amount arithmetic never depends on the caller's ambient decimal context.
_CTX = Context(prec=60, rounding=ROUND_HALF_UP)


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


def _kind(value: WithdrawalKind | str, field: str = "kind") -> WithdrawalKind:
    if isinstance(value, WithdrawalKind):
        return value
    if isinstance(value, str):
        try:
            return WithdrawalKind(value)
        except ValueError:
            pass
    allowed = ", ".join(k.value for k in WithdrawalKind)
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


@attrs.frozen(kw_only=True)
class PastWithdrawal:
    """An earlier withdrawal (提取记录): its kind, date and amount, for frequency limits and
    yearly caps.

    >>> PastWithdrawal(kind=WithdrawalKind.RENT, on=date(2025, 3, 1), amount="1500").amount
    Decimal('1500.00')
    """

    kind: WithdrawalKind = attrs.field(converter=_kind)
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


# --------------------------------------------------------------------------- policy


class _HasDayBasis(Protocol):
    @property
    def day_basis(self) -> DayBasis: ...


class CentrePolicyLike(Protocol):
    """What ``assess`` reads from a centre policy: ``withdrawals`` and ``interest``
    (:class:`hpf_core.policy.CenterPolicy` once it carries the ``[withdrawals]`` section)."""

    @property
    def withdrawals(self) -> WithdrawalPolicy | None: ...

    @property
    def interest(self) -> _HasDayBasis | None: ...


def _resolve(policy: WithdrawalPolicy | CentrePolicyLike) -> tuple[WithdrawalPolicy | None, DayBasis | None]:
    if isinstance(policy, WithdrawalPolicy):
        return policy, None
    interest = policy.interest
    return policy.withdrawals, (interest.day_basis if interest is not None else None)


# --------------------------------------------------------------------------- checks


def _status_violations(
    kind: WithdrawalKind, account: DepositAccount, rule: WithdrawalRule
) -> tuple[Violation, ...]:
    state = account.state
    status = state.status
    if status.closed:
        return (Violation("account_closed", f"the account is closed ({status.chinese})", "status"),)
    if status is AccountStatus.OTHER:
        return (
            Violation(
                "account_other_status", "status 99 (其他) needs the centre's manual handling", "status"
            ),
        )
    if status is AccountStatus.FROZEN:
        if state.freeze is not FreezeFlag.PARTIAL:
            flag = "只收不付" if state.freeze is FreezeFlag.CREDITS_ONLY else "不收不付"
            return (Violation("account_frozen", f"the account is frozen ({flag})", "status"),)
        if kind.closes_account:
            message = (
                f"a closing withdrawal needs the whole balance; {state.frozen_amount} is frozen (部分冻结)"
            )
            return (Violation("account_frozen", message, "status"),)
        if rule.must_be_normal:
            message = f"{kind.chinese} needs an account free of any freeze; {state.frozen_amount} is frozen"
            return (Violation("account_frozen", message, "status"),)
    if status is AccountStatus.SEALED and rule.must_be_normal:
        message = f"{kind.chinese} needs a normal (正常) account; this one is sealed (封存)"
        return (Violation("account_sealed", message, "status"),)
    return ()


def _open_violations(kind: WithdrawalKind, policy: WithdrawalPolicy) -> tuple[Violation, ...]:
    if policy.is_open(kind):
        return ()
    return (Violation("kind_not_open", f"this centre does not offer {kind.chinese}", "kind"),)


def _common_violations(
    kind: WithdrawalKind, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> list[Violation]:
    found: list[Violation] = []
    if kind.closes_account and facts.has_outstanding_hpf_loan and policy.loan_blocks_closing_on(on):
        message = f"an outstanding HPF loan must be settled before {kind.chinese} (the centre's rule)"
        found.append(Violation("hpf_loan_outstanding", message, "has_outstanding_hpf_loan"))
    months = policy.rule(kind).frequency_months
    earlier = [p.on for p in facts.previous if p.kind is kind]
    if months is not None and earlier:
        allowed_from = add_months(max(earlier), months)
        if on < allowed_from:
            message = (
                f"{kind.chinese} is allowed once in {months} month(s); the last was on {max(earlier)}, "
                f"the next may be on or after {allowed_from}"
            )
            found.append(Violation("too_soon", message, "previous"))
    return found


# --------------------------------------------------------------------------- amounts


def _floor(amount: Decimal, unit: Decimal) -> Decimal:
    """Round down to a multiple of ``unit`` (never below 0), whatever the ambient context."""
    if amount <= 0:
        return _ZERO
    units = _CTX.divide(amount, unit).to_integral_value(rounding=ROUND_FLOOR, context=_CTX)
    return _CTX.multiply(units, unit).quantize(FEN, context=_CTX)


def _partial_amount(
    kind: WithdrawalKind, account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Decimal, list[str]]:
    available = available_to_debit(account.state, account.balance)
    limits = [(available - policy.reserve, f"balance less frozen amount and reserve {policy.reserve}")]
    cap = KINDS[kind].cap(account, facts, policy, on)
    if cap is not None:
        limits.append((cap, f"{kind.chinese}'s own limit"))
    yearly = policy.rule(kind).cap_per_year
    if yearly is not None:
        used = sum((p.amount for p in facts.previous if p.kind is kind and p.on.year == on.year), _ZERO)
        limits.append((yearly - used, f"what is left of the yearly cap {yearly} ({used} used in {on.year})"))
    least = min(limit for limit, _ in limits)
    binding = [f"{label}: {max(limit, _ZERO)}" for limit, label in limits if limit == least]
    return _floor(least, policy.amount_unit), binding


def _closing_interest(
    account: DepositAccount, facts: WithdrawalFacts, basis: DayBasis | None, on: date
) -> Decimal:
    chosen = facts.day_basis or basis
    if chosen is None:
        raise InvalidPolicy(
            "interest.day_basis", "is missing: closing interest (销户利息) needs the centre's day basis"
        )
    opening = account.balance - sum((amount for _, amount in facts.interest_postings), _ZERO)
    if facts.deposit_rate is not None:
        return closing_interest(opening, facts.interest_postings, on, facts.deposit_rate, basis=chosen)
    first, _ = interest_year(on)
    if on == first:
        return closing_interest(opening, facts.interest_postings, on, "0", basis=chosen)
    last = on - timedelta(days=1)
    rates = deposit_rate_changes(first, last)
    return accrue_interest_segments(opening, facts.interest_postings, first, last, rates, basis=chosen).total


# --------------------------------------------------------------------------- assess


def assess(
    kind: WithdrawalKind | str,
    account: DepositAccount,
    facts: WithdrawalFacts,
    policy: WithdrawalPolicy | CentrePolicyLike,
    on: date,
) -> Assessment:
    """Whether ``account`` may make a ``kind`` withdrawal on ``on``, every reason it may not,
    how much it may take and which documents to upload.

    ``policy`` is a centre policy (its ``withdrawals`` and ``interest`` sections are used)
    or a bare :class:`WithdrawalPolicy` (then closing interest needs ``facts.day_basis``).
    Reasons, in order: the centre's rules for every kind (not open here; account closed,
    frozen, or sealed where the kind needs 正常; an outstanding HPF loan blocking a closing
    kind; too soon after the last withdrawal of the kind), then the kind's own conditions
    (``kinds.<kind>.check``), then ``nothing_to_withdraw`` when a partial withdrawal's
    可提取金额 is 0 on an account that may pay out.

    ``max_amount`` (可提取金额): for a partial kind, the least of the balance less the frozen
    amount and the reserve, the kind's cap (``kinds.<kind>.cap``) and what is left of a
    yearly cap, rounded down to the centre's ``amount_unit``; for a closing kind the whole
    balance plus ``closing_interest`` (提取金额合计). An ineligible assessment pays nothing:
    its ``max_amount`` and ``closing_interest`` are 0.00. A centre with no ``[withdrawals]``
    section refuses every kind (``no_withdrawal_policy``).
    """
    which = _kind(kind)
    day = check_date(on, "on")
    rules, basis = _resolve(policy)
    if rules is None:
        refusal = Violation(
            "no_withdrawal_policy", "this centre's policy has no [withdrawals] section", "policy"
        )
        return Assessment(which, False, (refusal,), _ZERO, which.closes_account, _ZERO, ())
    module = KINDS[which]
    rule = rules.rule(which)
    status = _status_violations(which, account, rule)
    violations = [
        *_open_violations(which, rules),
        *status,
        *_common_violations(which, facts, rules, day),
        *module.check(account, facts, rules, day),
    ]
    interest = _ZERO
    if which.closes_account:
        amount = _ZERO
        if not violations:
            interest = _closing_interest(account, facts, basis, day)
            amount = account.balance + interest
    else:
        amount, binding = _partial_amount(which, account, facts, rules, day)
        if amount == 0 and not status:
            message = f"可提取金额 is 0.00: {'; '.join(binding)}"
            violations.append(Violation("nothing_to_withdraw", message, "amount"))
        if violations:
            amount = _ZERO
    return Assessment(
        kind=which,
        eligible=not violations,
        violations=tuple(violations),
        max_amount=amount,
        closes_account=which.closes_account,
        closing_interest=interest,
        documents=module.documents(rules),
    )
