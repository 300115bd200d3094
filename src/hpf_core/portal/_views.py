"""What a member reads (查询): the public pages (no session) and, in a session, the
personal centre, the deposit account and its details, the loan screens and the bank
cards — each only for what the member owns (D-052)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date, datetime

from hpf_core._inputs import instance
from hpf_core.accounts import AccountInfo, ContributionRounding, DepositRow, account_info, deposit_history
from hpf_core.calculators import CombinedQuote, Quote, combined_quote, mortgage_quote
from hpf_core.centers import (
    Center,
    NearestOutlets,
    NewsItem,
    Outlet,
    PersonalCenter,
    hotline_link,
    nearest,
    news_of,
    personal_center,
)
from hpf_core.dates import check_date
from hpf_core.errors import InputError, UnknownRecord
from hpf_core.loans import (
    HPF_RATE_TABLE,
    HomeOrder,
    HpfRateRow,
    LoanAccountInfo,
    OverdueRecord,
    PlanRow,
    RateInForce,
    RepaymentDetail,
    RepaymentMethod,
    hpf_rate_in_force,
    overdue_details,
    repayment_details_by_period,
    repayment_plan,
)
from hpf_core.loans import services as loan_services
from hpf_core.members import MemberRules
from hpf_core.money import Amount, Rate
from hpf_core.policy import CenterPolicy
from hpf_core.portal._access import CentreInfo, Joined, NewUnitOfWork, caller, own_account, own_loan
from hpf_core.withdrawals import BankCard

__all__ = [
    "calculator",
    "combined_calculator",
    "deposit_account",
    "deposit_details",
    "hotline",
    "loan_account",
    "my_cards",
    "nearest_outlets",
    "news",
    "outlets",
    "overdue",
    "personal_centre",
    "privacy",
    "rate_in_force",
    "rate_table",
    "repayment_details_of",
    "repayment_plan_of",
]


def _center(info: CentreInfo) -> Center:
    instance(info, CentreInfo, "info")
    if info.center is None:
        raise UnknownRecord("centre", "this centre's data (热线, 隐私声明) is not shipped")
    return info.center


# --------------------------------------------------------------------------- public pages


def news(*, info: CentreInfo, limit: int | None = None) -> tuple[NewsItem, ...]:
    """新闻动态 (seed §3.1), newest first; no session needed."""
    instance(info, CentreInfo, "info")
    code = info.center.code if info.center is not None else ""
    return news_of(info.news, code, limit=limit) if code else ()


def outlets(*, info: CentreInfo) -> tuple[Outlet, ...]:
    """服务网点 (seed §5.1.1): the centre's outlets; no session needed."""
    instance(info, CentreInfo, "info")
    return info.outlets


def nearest_outlets(latitude: object, longitude: object, k: int = 3, *, info: CentreInfo) -> NearestOutlets:
    """The ``k`` outlets nearest to a position (距离), nearest first, and those it skipped
    for want of coordinates (``skipped``, with a ``notice``); no session needed."""
    instance(info, CentreInfo, "info")
    return nearest(info.outlets, latitude, longitude, k)


def hotline(*, info: CentreInfo) -> str:
    """服务热线 (seed §7.2): the ``tel:`` link the app dials; no session needed."""
    return hotline_link(_center(info))


def privacy(*, info: CentreInfo) -> str:
    """隐私声明 (seed §7.3): the centre's statement; no session needed."""
    return _center(info).privacy_statement


def calculator(principal: Amount, annual_rate: Rate, months: int, method: RepaymentMethod | str) -> Quote:
    """房贷计算器 (seed §5.1.2): :func:`hpf_core.calculators.mortgage_quote`; no session."""
    return mortgage_quote(principal, annual_rate, months, method)


def combined_calculator(
    hpf_principal: Amount,
    hpf_rate: Rate,
    commercial_principal: Amount,
    commercial_rate: Rate,
    months: int,
    method: RepaymentMethod | str,
) -> CombinedQuote:
    """组合贷款 in the calculator: :func:`hpf_core.calculators.combined_quote`; no session."""
    return combined_quote(hpf_principal, hpf_rate, commercial_principal, commercial_rate, months, method)


def rate_table() -> tuple[HpfRateRow, ...]:
    """利率表: the HPF loan rate table with each row's source; no session."""
    return HPF_RATE_TABLE


def rate_in_force(on: date, term_months: int, *, home: HomeOrder | str = HomeOrder.FIRST) -> RateInForce:
    """The HPF loan rate on ``on`` for a term, with its source; no session."""
    return hpf_rate_in_force(on, term_months, home=home)


# --------------------------------------------------------------------------- in a session


def personal_centre(
    new_uow: NewUnitOfWork, token: str, at: datetime, *, rules: MemberRules
) -> PersonalCenter:
    """个人中心 (seed §7.1): 姓名, 证件号码 and 中心预留手机号, masked. The name is the one
    on the member's deposit account (``缴存人`` when they have none here); linked
    third-party accounts come with the third-party first login (not kept yet: 未绑定)."""
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        credentials = uow.credentials.get(who.member_id)
        name = "缴存人"
        if who.record is not None and who.record.account_no is not None:
            with contextlib.suppress(LookupError):
                name = uow.accounts.get(who.record.account_no).member.name
    return personal_center(name, credentials.id_number, credentials.phone)


def _rounding(policy: CenterPolicy) -> ContributionRounding:
    instance(policy, CenterPolicy, "policy")
    if policy.contributions is None:
        return ContributionRounding.HALF_UP_YUAN
    return policy.contributions.rounding


def deposit_account(
    new_uow: NewUnitOfWork,
    token: str,
    account_no: str,
    at: datetime,
    *,
    rules: MemberRules,
    policy: CenterPolicy,
) -> AccountInfo:
    """公积金账户信息 (seed §4.2 (2)) of the member's own account, with the centre's
    contribution rounding; another member's account is refused like an unknown one."""
    rounding = _rounding(policy)
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        return account_info(own_account(uow, who, account_no), rounding=rounding)


def _range(start: date, end: date) -> tuple[date, date]:
    start, end = check_date(start, "start"), check_date(end, "end")
    if end < start:
        raise InputError("end", "must not be before start", end)
    return start, end


def deposit_details(
    new_uow: NewUnitOfWork,
    token: str,
    account_no: str,
    start: date,
    end: date,
    at: datetime,
    *,
    rules: MemberRules,
) -> tuple[DepositRow, ...]:
    """缴存明细 of the member's own account between ``start`` and ``end`` (inclusive)."""
    start, end = _range(start, end)
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        own_account(uow, who, account_no)
        return deposit_history(uow.journal.entries(account_no), start=start, end=end)


def loan_account(
    new_uow: NewUnitOfWork, token: str, contract_no: str, at: datetime, *, rules: MemberRules
) -> LoanAccountInfo:
    """贷款账户信息 (seed §4.2 (3)) of a loan the member signs."""
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        own_loan(uow, who, contract_no)
        return loan_services.loan_account_screen(Joined(uow), contract_no=contract_no)


def repayment_details_of(
    new_uow: NewUnitOfWork,
    token: str,
    contract_no: str,
    start: date,
    end: date,
    at: datetime,
    *,
    rules: MemberRules,
) -> tuple[RepaymentDetail, ...]:
    """贷款还款明细 (seed §4.2 (4)) between ``start`` and ``end`` of a loan the member signs:
    one row per 期 as the app's screen shows it, its parts (offset takes, bank debit) in
    ``parts`` (:func:`hpf_core.loans.repayment_details_by_period`, D-049)."""
    start, end = _range(start, end)
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        loan = own_loan(uow, who, contract_no)
        return repayment_details_by_period(loan, uow.loan_journal.entries(contract_no), start, end)


def repayment_plan_of(
    new_uow: NewUnitOfWork,
    token: str,
    contract_no: str,
    start: date,
    end: date,
    at: datetime,
    *,
    rules: MemberRules,
) -> tuple[PlanRow, ...]:
    """贷款还款计划 (seed §4.2 (5)) between ``start`` and ``end`` of a loan the member signs."""
    start, end = _range(start, end)
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        return repayment_plan(own_loan(uow, who, contract_no), start, end)


def overdue(
    new_uow: NewUnitOfWork,
    token: str,
    contract_no: str,
    start: date,
    end: date,
    at: datetime,
    *,
    rules: MemberRules,
) -> Sequence[OverdueRecord]:
    """逾期还款明细 (seed §4.2 (6)) between ``start`` and ``end``; empty: 您暂无逾期还款记录."""
    start, end = _range(start, end)
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        return overdue_details(own_loan(uow, who, contract_no), start, end)


def my_cards(new_uow: NewUnitOfWork, token: str, at: datetime, *, rules: MemberRules) -> tuple[BankCard, ...]:
    """银行卡: the member's receiving cards, in the order added (their reprs mask the numbers)."""
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        return tuple(uow.cards.cards_of(who.member_id))
