"""Loan records (贷款账户): the contract, the account as it stands, bills, overdue records
and how a repayment was split, and :func:`open_loan`, which makes a loan just disbursed.

A :class:`LoanAccount` holds the contract, the principal still owed, the rows not yet
billed (a ledger :class:`Schedule` dated from the next due date), the instalments billed
and not yet paid (:class:`Bill`), the overdue records and the cumulative repaid figures.
The servicing functions (``_cycle``, ``_repayment``, ``_repricing``, ``_early``) are pure
``(loan, ..., on) -> loan`` steps over these records; a business refusal raises
``hpf_core.errors.refusal(...)`` (D-035). Sums of amounts run in
:func:`hpf_core.money.money_context`, never in the caller's decimal context (D-036).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

import attrs

from hpf_core.dates import add_months, check_date
from hpf_core.errors import InputError, InputTypeError, InvalidDate
from hpf_core.identity import masked_repr
from hpf_core.loans._amortize import (
    RepaymentMethod,
    Schedule,
    amortize,
    check_method,
    check_months,
    check_principal,
    check_schedule_dates,
)
from hpf_core.loans._offset import OffsetAgreement, SignerRole
from hpf_core.loans._rates import HomeOrder
from hpf_core.money import Amount, Rate, check_rate, money_context, round_fraction_fen

ZERO = Decimal("0.00")


class LoanType(enum.Enum):
    """贷款类型."""

    HPF = "hpf"
    """公积金贷款."""
    COMBINED_HPF_PART = "combined-hpf"
    """组合贷款的公积金部分."""
    COMBINED_COMMERCIAL_PART = "combined-commercial"
    """组合贷款的商业贷款部分 (LPR + spread)."""

    @property
    def chinese(self) -> str:
        """The screen name."""
        return {
            LoanType.HPF: "公积金贷款",
            LoanType.COMBINED_HPF_PART: "组合贷款(公积金)",
            LoanType.COMBINED_COMMERCIAL_PART: "组合贷款(商贷)",
        }[self]


class LoanStatus(enum.Enum):
    """贷款状态."""

    NORMAL = "normal"
    """正常还款."""
    OVERDUE = "overdue"
    """逾期."""
    SETTLED = "settled"
    """结清."""

    @property
    def chinese(self) -> str:
        """The screen name."""
        return {LoanStatus.NORMAL: "正常还款", LoanStatus.OVERDUE: "逾期", LoanStatus.SETTLED: "结清"}[self]


class PaymentSource(enum.Enum):
    """Where the money came from."""

    BANK = "bank"
    """银行卡扣款."""
    HPF = "hpf"
    """公积金账户 (按月抵扣 or 支取公积金还款)."""


@attrs.frozen
class Borrower:
    """A borrower of the contract (主借款人 / 配偶 / 共同借款人) and their deposit account."""

    role: SignerRole
    name: str
    account_no: str = attrs.field(repr=masked_repr)


@attrs.frozen
class LoanContract:
    """借款合同."""

    contract_no: str
    borrowers: tuple[Borrower, ...]
    principal: Decimal
    disbursed_on: date
    term_months: int
    method: RepaymentMethod
    annual_rate: Decimal
    home: HomeOrder = HomeOrder.FIRST
    repayment_day: int = 1
    """约定还款日, 1–28."""
    offset: bool = False
    """是否对冲 (按月抵扣签约)."""
    loan_type: LoanType = LoanType.HPF

    @property
    def first_due(self) -> date:
        """The first due date: the repayment day of the month after disbursement."""
        return add_months(self.disbursed_on, 1).replace(day=self.repayment_day)

    @property
    def maturity(self) -> date:
        """The last due date."""
        return add_months(self.first_due, self.term_months - 1)


@attrs.frozen
class Bill:
    """An instalment billed on its due date and not yet fully paid (应还未还)."""

    period: int
    due_date: date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO
    penalty_exact: Fraction = Fraction(0)
    """Penalty accrued so far, unrounded and exact: the sum of owed x daily rate x days
    as a rational number of yuan."""
    penalty_paid: Decimal = ZERO
    penalty_through: date | None = None
    """The last day penalty has been accrued for."""

    @property
    def principal_due(self) -> Decimal:
        with money_context():
            return self.principal - self.principal_paid

    @property
    def interest_due(self) -> Decimal:
        with money_context():
            return self.interest - self.interest_paid

    @property
    def penalty(self) -> Decimal:
        """Penalty accrued so far (罚息), rounded half up once from the exact sum, so it does
        not depend on how often it was brought up to date."""
        return round_fraction_fen(self.penalty_exact)

    @property
    def penalty_due(self) -> Decimal:
        with money_context():
            return self.penalty - self.penalty_paid

    @property
    def total_due(self) -> Decimal:
        with money_context():
            return self.principal_due + self.interest_due + self.penalty_due


@attrs.frozen
class OverdueRecord:
    """逾期记录: an instalment that was not paid on its due date."""

    period: int
    due_date: date
    principal: Decimal
    interest: Decimal
    penalty: Decimal = ZERO
    cleared_on: date | None = None


@attrs.frozen
class LoanAccount:
    """A loan as it stands (贷款账户)."""

    contract: LoanContract
    balance: Decimal
    """Principal still owed (贷款余额), billed or not."""
    annual_rate: Decimal
    schedule: Schedule
    """The rows not yet billed, dated; ``schedule[0]`` is period ``next_period``."""
    next_period: int
    last_due: date
    """The latest due date billed (the disbursement date before the first)."""
    bills: tuple[Bill, ...] = ()
    overdue: tuple[OverdueRecord, ...] = ()
    repaid_principal: Decimal = ZERO
    repaid_interest: Decimal = ZERO
    repaid_penalty: Decimal = ZERO
    prepayment_dates: tuple[date, ...] = ()
    settled_on: date | None = None
    rates: tuple[tuple[date, Decimal], ...] = ()
    """Every repricing the loan has taken, as (effective date, new rate) by date: the rate
    in force on a day is the latest one dated on or before it, else the contract rate
    (:func:`hpf_core.loans.rate_on`). One dated after ``last_due`` is pending: it becomes
    ``annual_rate`` when the loan is billed up to that date (D-042)."""
    agreement: OffsetAgreement | None = None
    """按月抵扣签约, if any; it ends when the loan is settled (notice 2.6)."""
    rate_changes: tuple[date, ...] = ()
    """Effective dates of the rate changes already applied (repricing is done once each)."""
    card_number: str = attrs.field(default="", repr=masked_repr)
    """还款卡号: the repayment bank card the bank debit takes from ('' when not recorded;
    sealed at rest, masked in the repr; D-049)."""
    version: int = attrs.field(default=0, kw_only=True)
    """The stored version: a repository's ``save`` refuses a record whose version is not
    the stored one (``ConcurrentUpdate``) and stores it as ``version + 1``."""

    @property
    def pending_rates(self) -> tuple[tuple[date, Decimal], ...]:
        """The repricings dated after the latest due date billed (not yet ``annual_rate``)."""
        return tuple(change for change in self.rates if change[0] > self.last_due)

    @property
    def pending_rate(self) -> tuple[date, Decimal] | None:
        """The first pending repricing (effective date, new rate), or ``None``."""
        pending = self.pending_rates
        return pending[0] if pending else None

    @property
    def status(self) -> LoanStatus:
        """正常还款 / 逾期 / 结清 (as of the last operation)."""
        if self.settled_on is not None:
            return LoanStatus.SETTLED
        return LoanStatus.OVERDUE if any(r.cleared_on is None for r in self.overdue) else LoanStatus.NORMAL

    @property
    def remaining_months(self) -> int:
        """Instalments not yet billed."""
        return len(self.schedule)

    @property
    def payment(self) -> Decimal:
        """The next instalment's payment (当前月还款额)."""
        return self.schedule.payment


def rate_in_force(loan: LoanAccount, on: date) -> Decimal:
    """The contract rate in force on ``on``: the latest repricing dated on or before it,
    else the contract's own rate."""
    rate = loan.contract.annual_rate
    for when, value in loan.rates:
        if when > on:
            break
        rate = value
    return rate


def rate_segments(loan: LoanAccount, start: date, end: date) -> tuple[tuple[int, Decimal], ...]:
    """The days from ``start`` up to (not including) ``end`` as runs of (days, rate in
    force), split at each repricing date between them."""
    runs: list[tuple[int, Decimal]] = []
    day, rate = start, rate_in_force(loan, start)
    for when, value in loan.rates:
        if when <= start:
            continue
        if when >= end:
            break
        runs.append(((when - day).days, rate))
        day, rate = when, value
    runs.append(((end - day).days, rate))
    return tuple(run for run in runs if run[0] > 0)


@attrs.frozen
class Allocation:
    """How a repayment was split (还款分配)."""

    on: date
    source: PaymentSource
    penalty: Decimal = ZERO
    overdue_interest: Decimal = ZERO
    overdue_principal: Decimal = ZERO
    current_interest: Decimal = ZERO
    current_principal: Decimal = ZERO

    @property
    def principal(self) -> Decimal:
        with money_context():
            return self.overdue_principal + self.current_principal

    @property
    def interest(self) -> Decimal:
        with money_context():
            return self.overdue_interest + self.current_interest

    @property
    def total(self) -> Decimal:
        with money_context():
            return self.penalty + self.principal + self.interest


def _check_borrowers(value: object) -> tuple[Borrower, ...]:
    """A loan's borrowers: at least one, each a :class:`Borrower`, exactly one of them the
    main borrower (主借款人), no deposit account twice (D-042)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InputTypeError("borrowers", "must be a sequence of Borrower")
    people = tuple(value)
    if not people:
        raise InputError("borrowers", "must name at least the main borrower (主借款人)")
    if not all(isinstance(b, Borrower) for b in people):
        raise InputTypeError("borrowers", "must be a sequence of Borrower")
    if sum(b.role is SignerRole.BORROWER for b in people) != 1:
        raise InputError("borrowers", "must name exactly one main borrower (主借款人)")
    if len({b.account_no for b in people}) != len(people):
        raise InputError("borrowers", "name a deposit account twice")
    return people


def open_loan(
    *,
    contract_no: str,
    borrowers: Sequence[Borrower],
    principal: Amount,
    disbursed_on: date,
    term_months: int,
    method: RepaymentMethod | str,
    annual_rate: Rate,
    home: HomeOrder = HomeOrder.FIRST,
    repayment_day: int = 1,
    offset: bool = False,
    loan_type: LoanType = LoanType.HPF,
    card_number: str = "",
) -> LoanAccount:
    """A loan just disbursed (贷款发放): the full schedule from the first due date.
    ``card_number`` is the 还款卡号 the instalments and early repayments are debited from
    (digits; spaces and dashes are removed).

    >>> main = [Borrower(SignerRole.BORROWER, "张三", "P1")]
    >>> loan = open_loan(contract_no="C1", borrowers=main, principal=1000000, disbursed_on=date(2023, 3, 1),
    ...                  term_months=360, method="equal-installment", annual_rate="0.031")
    >>> loan.payment, loan.schedule[0].due_date, loan.contract.maturity
    (Decimal('4270.16'), datetime.date(2023, 4, 1), datetime.date(2053, 3, 1))
    """
    amount = check_principal(principal)
    people = _check_borrowers(borrowers)
    check_date(disbursed_on, "disbursed_on")
    term = check_months(term_months, "term_months")
    check_schedule_dates(disbursed_on, term + 1, "disbursed_on")  # the last due date fits
    kind = check_method(method)
    rate = check_rate(annual_rate)
    if isinstance(repayment_day, bool) or not isinstance(repayment_day, int) or not 1 <= repayment_day <= 28:
        raise InvalidDate("repayment_day", "must be a day of the month from 1 to 28", repayment_day)
    contract = LoanContract(
        contract_no,
        people,
        amount,
        disbursed_on,
        term,
        kind,
        rate,
        home,
        repayment_day,
        offset,
        loan_type,
    )
    schedule = amortize(amount, rate, term, kind, first_due=contract.first_due)
    card = check_card_number(card_number)
    return LoanAccount(contract, amount, rate, schedule, 1, disbursed_on, card_number=card)


def check_card_number(value: object, field: str = "card_number") -> str:
    """A 还款卡号: '' (none recorded) or 10 to 30 digits once spaces and dashes are removed
    (a bank account or card number, as ``hpf_core.withdrawals.validate_account_number``
    accepts for receiving accounts)."""
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}")
    digits = value.replace(" ", "").replace("-", "")
    if digits and (not digits.isascii() or not digits.isdigit() or not 10 <= len(digits) <= 30):
        raise InputError(field, "must be 10 to 30 digits")
    return digits
