"""What the member sees (查询): the account-info screen, the deposit history, the annual
interest statement. Personal data is masked before it leaves the core."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

import attrs

from hpf_core._inputs import instance, integer, items, pairs
from hpf_core.accounts._contribution import ContributionRounding, monthly_contribution
from hpf_core.accounts._interest import DayBasis, accrue_interest_segments, check_basis, interest_year
from hpf_core.accounts._ledger import DepositAccount, EntryKind, JournalEntry
from hpf_core.dates import check_date
from hpf_core.errors import InputTypeError, InvalidDate
from hpf_core.identity import mask_id_number, mask_phone


@attrs.frozen
class AccountInfo:
    """公积金账户信息, field for field as the seed app shows it (manual §4.2 step 2)."""

    account_no: str
    """个人账号"""
    status: str
    """个人账户状态 (Chinese name)"""
    balance: Decimal
    """个人账户余额"""
    base: Decimal
    """个人缴存基数"""
    employee_monthly: Decimal
    """个人月缴存额"""
    employee_ratio: Decimal
    """个人缴存比例 (fraction)"""
    employer_no: str
    """单位账号"""
    employer_name: str
    """单位名称"""
    employer_monthly: Decimal
    """单位月缴存额"""
    employer_ratio: Decimal
    """单位缴存比例 (fraction)"""
    opened_on: date
    """开户日期"""
    first_month: str
    """启缴年月, YYYYMM ('' before the first contribution month is set)"""
    paid_through: str
    """缴至年月, YYYYMM ('' before the first remittance)"""
    name: str
    id_number: str
    """masked"""
    phone: str
    """masked ('' when none)"""


def account_info(
    account: DepositAccount,
    *,
    rounding: ContributionRounding | str,
    mask_id: Callable[[str], str] = mask_id_number,
    mask_mobile: Callable[[str], str] = mask_phone,
) -> AccountInfo:
    """The 公积金账户信息 screen for ``account``; ID and phone masked (6+4, 3+4 by default).
    ``rounding`` is the centre's (缴存精度): the monthly amounts shown depend on it."""
    instance(account, DepositAccount, "account")
    for field, function in (("mask_id", mask_id), ("mask_mobile", mask_mobile)):
        if not callable(function):
            raise InputTypeError(field, f"must be a function, not {type(function).__name__}", function)
    monthly = monthly_contribution(
        account.base, account.employee_ratio, account.employer_ratio, rounding=rounding
    )
    first = account.first_month or (min(account.paid_months) if account.paid_months else None)
    through = account.paid_through
    return AccountInfo(
        account.account_no,
        account.status.chinese,
        account.balance,
        account.base,
        monthly.employee,
        account.employee_ratio,
        account.employer.employer_no,
        account.employer.name,
        monthly.employer,
        account.employer_ratio,
        account.opened_on,
        f"{first:%Y%m}" if first else "",
        f"{through:%Y%m}" if through else "",
        account.member.name,
        mask_id(account.member.id_number),
        mask_mobile(account.member.phone) if account.member.phone else "",
    )


@attrs.frozen
class DepositRow:
    """One line of 缴存明细."""

    month: date
    kind: EntryKind
    amount: Decimal
    value_date: date
    entry_id: str
    reversed: bool


def deposit_history(
    entries: Sequence[JournalEntry], *, start: date | None = None, end: date | None = None
) -> tuple[DepositRow, ...]:
    """缴存明细: remittances and back-pay by contribution month (oldest first), marking the
    ones a reversal cancelled; optionally only months in [start, end]."""
    entries = items(entries, JournalEntry, "entries")
    start = None if start is None else check_date(start, "start")
    end = None if end is None else check_date(end, "end")
    reversed_ids = {e.reverses for e in entries if e.reverses}
    rows = [
        DepositRow(e.month, e.kind, e.amount, e.value_date, e.entry_id, e.entry_id in reversed_ids)
        for e in entries
        if e.kind in (EntryKind.REMITTANCE, EntryKind.BACK_PAY) and e.month is not None
    ]
    rows = [r for r in rows if (start is None or r.month >= start) and (end is None or r.month <= end)]
    return tuple(sorted(rows, key=lambda r: (r.month, r.entry_id)))


@attrs.frozen
class InterestStatement:
    """年度结息对账单 for one interest year."""

    year: int
    start: date
    end: date
    opening_balance: Decimal
    """Balance from entries valued before 1 July (last year's interest, valued 1 July, is
    among this year's credits)."""
    credits: Decimal
    debits: Decimal
    closing_balance: Decimal
    """Balance at the end of 30 June, before the year's interest is credited."""
    interest_due: Decimal
    """What the year's 积数 earns at the given rates."""
    interest_credited: Decimal
    """What the journal holds for the year's settlement (0.00 if not settled yet)."""


def interest_statement(
    entries: Sequence[JournalEntry],
    year: int,
    *,
    rates: Sequence[tuple[date, Decimal]],
    basis: DayBasis,
) -> InterestStatement:
    """The annual interest statement of interest year ``year`` (1 July – 30 June)."""
    entries = items(entries, JournalEntry, "entries")
    integer(year, "year", 1991, 9998, error=InvalidDate)
    pairs(rates, "rates")
    basis = check_basis(basis)
    start, end = interest_year(date(year, 7, 1))
    opening = sum((e.amount for e in entries if e.value_date < start), Decimal("0.00"))
    inside = [e for e in entries if start <= e.value_date <= end]
    credits = sum((e.amount for e in inside if e.amount > 0), Decimal("0.00"))
    debits = sum((-e.amount for e in inside if e.amount < 0), Decimal("0.00"))
    due = accrue_interest_segments(
        opening, [(e.value_date, e.amount) for e in inside], start, end, rates, basis=basis
    ).total
    settled = {e.entry_id for e in entries if e.kind is EntryKind.INTEREST and e.interest_year == year}
    credited = sum(
        (e.amount for e in entries if e.entry_id in settled or e.reverses in settled), Decimal("0.00")
    )
    return InterestStatement(
        year, start, end, opening, credits, debits, opening + credits - debits, due, credited
    )
