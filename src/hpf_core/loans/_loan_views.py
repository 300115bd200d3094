"""The loan journal (贷款流水) and the loan screens of the seed app (manual §4.2 steps 3–6):
贷款账户信息, 贷款还款明细, 贷款还款计划, 逾期还款明细 — each between two dates."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

import attrs

from hpf_core._inputs import instance, items
from hpf_core.dates import check_date
from hpf_core.errors import InputTypeError
from hpf_core.identity import masked_repr
from hpf_core.loans._loan_records import (
    ZERO,
    Allocation,
    LoanAccount,
    OverdueRecord,
    PaymentSource,
)
from hpf_core.loans._offset import SignerRole
from hpf_core.money import money_context


class LoanEntryKind(enum.Enum):
    """业务摘要 of a loan journal line."""

    REPAYMENT = "repayment"
    """正常还款."""
    OVERDUE_REPAYMENT = "overdue-repayment"
    """逾期还款: the payment included penalty or overdue amounts."""
    PREPAYMENT = "prepayment"
    """提前还本."""
    SETTLEMENT = "settlement"
    """提前结清."""

    @property
    def chinese(self) -> str:
        """The summary the app shows."""
        return {
            LoanEntryKind.REPAYMENT: "正常还款",
            LoanEntryKind.OVERDUE_REPAYMENT: "逾期还款",
            LoanEntryKind.PREPAYMENT: "提前还本",
            LoanEntryKind.SETTLEMENT: "提前结清",
        }[self]


@attrs.frozen
class LoanEntryDraft:
    """A loan journal line before it is stored: :meth:`hpf_core.ports.LoanJournal.append`
    gives it its id and returns the stored :class:`LoanEntry` (as the deposit journal does
    with an ``EntryDraft``)."""

    contract_no: str
    kind: LoanEntryKind
    on: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    source: PaymentSource
    key: str
    balance_after: Decimal
    """本金余额 after the entry."""
    period: int | None = None
    """The instalment the payment was for (the latest one it touched), if any."""

    def stored(self, entry_id: str) -> LoanEntry:
        """The entry this draft becomes under ``entry_id`` (for journal adapters)."""
        return LoanEntry(
            entry_id,
            self.contract_no,
            self.kind,
            self.on,
            self.principal,
            self.interest,
            self.penalty,
            self.source,
            self.key,
            self.balance_after,
            self.period,
        )


@attrs.frozen
class LoanEntry:
    """One immutable line of the loan journal: money received and how it was applied."""

    entry_id: str
    contract_no: str
    kind: LoanEntryKind
    on: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal
    source: PaymentSource
    key: str
    balance_after: Decimal
    """本金余额 after the entry."""
    period: int | None = None
    """The instalment the payment was for (the latest one it touched), if any."""

    @property
    def amount(self) -> Decimal:
        with money_context():
            return self.principal + self.interest + self.penalty


def entry_for(
    loan_after: LoanAccount, allocation: Allocation, *, key: str, period: int | None = None
) -> LoanEntryDraft:
    """The journal line (a draft, for :meth:`hpf_core.ports.LoanJournal.append`) for a
    repayment that left the loan as ``loan_after``."""
    instance(loan_after, LoanAccount, "loan_after")
    instance(allocation, Allocation, "allocation")
    instance(key, str, "key")
    kind = (
        LoanEntryKind.OVERDUE_REPAYMENT
        if allocation.penalty or allocation.overdue_interest or allocation.overdue_principal
        else LoanEntryKind.REPAYMENT
    )
    return LoanEntryDraft(
        loan_after.contract.contract_no,
        kind,
        allocation.on,
        allocation.principal,
        allocation.interest,
        allocation.penalty,
        allocation.source,
        key,
        loan_after.balance,
        period,
    )


@attrs.frozen
class LoanAccountInfo:
    """贷款账户信息, field for field as the seed shows it."""

    contract_no: str
    """借款合同编号"""
    borrower_account: str
    """借款人公积金账号"""
    principal: Decimal
    """合同贷款金额"""
    disbursed_on: date
    """贷款发放日期"""
    status: str
    """贷款状态"""
    balance: Decimal
    """贷款余额"""
    loan_type: str
    """贷款类型"""
    method: str
    """贷款还款方式"""
    repayment_day: str
    """约定还款日, e.g. '1日'"""
    offset: str
    """是否对冲: 是 / 否"""
    annual_rate: str
    """贷款利率, e.g. '3.2500%'"""
    employer_name: str = ""
    """借款人单位名称: the main borrower's employer ('' when not given)."""


def loan_account_info(loan: LoanAccount, *, employer_name: str = "") -> LoanAccountInfo:
    """The 贷款账户信息 screen. ``employer_name`` (借款人单位名称) is the main borrower's
    employer, from their deposit account (``services.loan_account_screen`` looks it up).

    >>> from hpf_core.loans import Borrower, open_loan
    >>> main = [Borrower(SignerRole.BORROWER, "张三", "P1")]
    >>> loan = open_loan(contract_no="38", borrowers=main, principal=184000, disbursed_on=date(2015, 2, 13),
    ...                  term_months=240, method="equal-installment", annual_rate="0.0325", offset=True)
    >>> info = loan_account_info(loan)
    >>> info.status, info.repayment_day, info.offset, info.annual_rate, info.method
    ('正常还款', '1日', '是', '3.2500%', '等额本息')
    """
    instance(loan, LoanAccount, "loan")
    contract = loan.contract
    account = next((b.account_no for b in contract.borrowers if b.role is SignerRole.BORROWER), "")
    return LoanAccountInfo(
        contract.contract_no,
        account,
        contract.principal,
        contract.disbursed_on,
        loan.status.chinese,
        loan.balance,
        contract.loan_type.chinese,
        contract.method.chinese,
        f"{contract.repayment_day}日",
        "是" if contract.offset or loan.agreement is not None else "否",
        f"{loan.annual_rate * 100:.4f}%",
        _employer(employer_name),
    )


def _employer(value: object) -> str:
    if not isinstance(value, str):
        raise InputTypeError("employer_name", f"must be a str, not {type(value).__name__}", value)
    return value.strip()


@attrs.frozen
class RepaymentDetail:
    """One line of 贷款还款明细 with the running totals (已还本金合计 / 已还利息合计)."""

    label: str
    """'201706期' (the instalment's month), or the date's month for prepayments."""
    amount: Decimal
    summary: str
    """业务摘要"""
    on: date
    """还款日期"""
    balance_after: Decimal
    """本金余额"""
    principal: Decimal
    """偿还本金"""
    interest: Decimal
    """偿还利息"""
    penalty: Decimal
    repaid_principal: Decimal
    """已还本金合计, up to and including this line"""
    repaid_interest: Decimal
    """已还利息合计"""
    parts: tuple[RepaymentPart, ...] = ()
    """The payments the row adds up, shown on expansion (one row per 期: each offset take
    and the bank debit; :func:`hpf_core.loans.repayment_details_by_period`, D-049); empty
    on the line-per-entry view."""


@attrs.frozen
class RepaymentPart:
    """One payment inside a 期 of 贷款还款明细: an offset take from a signer's fund or the
    bank debit of the 还款卡号."""

    source: PaymentSource
    account_no: str = attrs.field(repr=masked_repr)
    """The signer's HPF account an offset take came from ('' for the bank card, or when the
    line does not name it)."""
    on: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal

    @property
    def amount(self) -> Decimal:
        with money_context():
            return self.principal + self.interest + self.penalty

    @property
    def label(self) -> str:
        """按月抵扣 (an HPF take) or 银行卡扣款."""
        return "按月抵扣" if self.source is PaymentSource.HPF else "银行卡扣款"


def repayment_details(
    entries: Iterable[LoanEntry], start: date, end: date, *, due_dates: dict[int, date] | None = None
) -> tuple[RepaymentDetail, ...]:
    """贷款还款明细 between ``start`` and ``end`` (inclusive); the running totals count
    every earlier entry too, so they equal the loan's cumulative repaid figures."""
    entries = items(entries, LoanEntry, "entries")
    check_date(start, "start")
    check_date(end, "end")
    if due_dates is not None:
        for period, due in instance(due_dates, dict, "due_dates").items():
            instance(period, int, "due_dates")
            check_date(due, "due_dates")
    rows: list[RepaymentDetail] = []
    principal = interest = ZERO
    for entry in sorted(entries, key=lambda e: (e.on, e.entry_id)):
        with money_context():
            principal += entry.principal
            interest += entry.interest
        if start <= entry.on <= end:
            month = (
                entry.on if due_dates is None or entry.period not in due_dates else due_dates[entry.period]
            )
            rows.append(
                RepaymentDetail(
                    f"{month:%Y%m}期",
                    entry.amount,
                    entry.kind.chinese,
                    entry.on,
                    entry.balance_after,
                    entry.principal,
                    entry.interest,
                    entry.penalty,
                    principal,
                    interest,
                )
            )
    return tuple(rows)


@attrs.frozen
class PlanRow:
    """One line of 贷款还款计划."""

    label: str
    due_date: date
    """应还日期"""
    principal: Decimal
    """应还本金"""
    interest: Decimal
    """应还利息"""
    total: Decimal
    """应还本息"""


def repayment_plan(loan: LoanAccount, start: date, end: date) -> tuple[PlanRow, ...]:
    """贷款还款计划: instalments still to pay (billed and unpaid, then the rows not yet
    billed) with due dates between ``start`` and ``end``."""
    instance(loan, LoanAccount, "loan")
    check_date(start, "start")
    check_date(end, "end")
    with money_context():
        rows = [
            PlanRow(
                f"{b.due_date:%Y%m}期",
                b.due_date,
                b.principal_due,
                b.interest_due,
                b.principal_due + b.interest_due,
            )
            for b in loan.bills
        ]
    rows.extend(
        PlanRow(f"{r.due_date:%Y%m}期", r.due_date, r.principal, r.interest, r.payment)
        for r in loan.schedule
        if r.due_date is not None
    )
    return tuple(r for r in rows if start <= r.due_date <= end)


def overdue_details(loan: LoanAccount, start: date, end: date) -> Sequence[OverdueRecord]:
    """逾期还款明细: overdue records whose due date is between ``start`` and ``end``
    (an empty result is the app's 您暂无逾期还款记录)."""
    instance(loan, LoanAccount, "loan")
    check_date(start, "start")
    check_date(end, "end")
    return tuple(r for r in loan.overdue if start <= r.due_date <= end)
