"""Loan servicing (贷款账户): a loan that moves month by month and always reconciles.

A :class:`LoanAccount` holds the contract, the principal still owed, the rows not yet
billed (a ledger :class:`Schedule` dated from the next due date), the instalments billed
and not yet paid (:class:`Bill`), the overdue records and the cumulative repaid figures.
Every operation is a pure function ``(loan, ..., on) -> (loan, result)`` or a tuple of
``Violation`` s; nothing reads the clock.

Conventions (docs/decisions.md D-021..):

- An instalment is billed on its due date (约定还款日); paying on the due date is on time.
  Unpaid after the due date (plus the policy's grace days) it is overdue (逾期).
- Penalty interest (罚息) accrues on the unpaid principal and interest of an overdue bill
  for every day after the due date, at the policy's daily rate (contract rate x factor /
  360, or a fixed daily rate); it is summed exactly and rounded half up to the fen once,
  so it does not depend on how often the loan is brought up to date.
- A repayment is allocated in the policy's order, by default penalty → overdue interest
  → overdue principal → current interest → current principal (older bills first).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal

import attrs

from hpf_core._choice import choice
from hpf_core.dates import add_months, check_date, months_between
from hpf_core.errors import InputError, InputTypeError, InvalidAmount, InvalidChoice, InvalidDate, Violation
from hpf_core.loans._amortize import (
    RepaymentMethod,
    Schedule,
    amortize,
    annuity_fen,
    build_schedule,
    check_method,
    check_months,
    check_principal,
    ledger_kernel,
    rate_fraction,
)
from hpf_core.loans._offset import OffsetAgreement, SignerRole
from hpf_core.loans._prepay import PrepaymentStrategy, check_strategy, shortest_term_fen
from hpf_core.loans._rates import HomeOrder
from hpf_core.money import FEN, Amount, Rate, amount_from_fen, check_rate, fen, to_decimal, yuan

ZERO = Decimal("0.00")
_CTX = Context(prec=60, rounding=ROUND_HALF_UP)  # divisions never depend on the caller's context


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


class Bucket(enum.Enum):
    """What a repayment can pay, in the order a policy lists them."""

    PENALTY = "penalty"
    OVERDUE_INTEREST = "overdue-interest"
    OVERDUE_PRINCIPAL = "overdue-principal"
    CURRENT_INTEREST = "current-interest"
    CURRENT_PRINCIPAL = "current-principal"


DEFAULT_ALLOCATION = (
    Bucket.PENALTY,
    Bucket.OVERDUE_INTEREST,
    Bucket.OVERDUE_PRINCIPAL,
    Bucket.CURRENT_INTEREST,
    Bucket.CURRENT_PRINCIPAL,
)


class PenaltyMode(enum.Enum):
    """How penalty interest (罚息) is charged (HAFMIS PLPunishInterestType, DOMAIN.md §6.8)."""

    CONTRACT_RATE_FACTOR = "contract-rate-factor"
    """按合同日利率上浮: contract rate x factor / 360 a day (PBOC 2003-251: +30% to +50%)."""
    DAILY_RATE = "daily-rate"
    """按罚息日利率: a fixed daily rate."""


class PaymentSource(enum.Enum):
    """Where the money came from."""

    BANK = "bank"
    """银行卡扣款."""
    HPF = "hpf"
    """公积金账户 (按月抵扣 or 支取公积金还款)."""


def _whole(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputTypeError(field, "must be a whole number, 0 or more", value)
    return value


def _not_negative(value: Amount, field: str) -> Decimal:
    amount = yuan(value, field)
    if amount < 0:
        raise InvalidAmount(field, "must not be negative", value)
    return amount


def _grace_days(value: object) -> int:
    return _whole(value, "grace_days")


def _prepay_min_months(value: object) -> int:
    return _whole(value, "prepay_min_months")


def _prepay_max_per_year(value: object) -> int:
    return _whole(value, "prepay_max_per_year")


def _prepay_min_amount(value: Amount) -> Decimal:
    return _not_negative(value, "prepay_min_amount")


def _prepay_multiple(value: Amount) -> Decimal:
    return _not_negative(value, "prepay_multiple")


def _penalty_factor(value: object) -> Decimal:
    number = to_decimal(value, "penalty_factor")
    if number <= 0:
        raise InvalidAmount("penalty_factor", "must be greater than 0", value)
    return number


def _daily(value: Rate) -> Decimal:
    return check_rate(value, "penalty_daily_rate")


def _buckets(value: Sequence[Bucket | str]) -> tuple[Bucket, ...]:
    return tuple(choice(Bucket, item, "allocation") for item in value)


def _mode(value: PenaltyMode | str) -> PenaltyMode:
    return choice(PenaltyMode, value, "penalty_mode")


@attrs.frozen
class ServicingPolicy:
    """A centre's loan-servicing rules, each with a default taken from DOMAIN.md §6.7–6.8."""

    allocation: tuple[Bucket, ...] = attrs.field(default=DEFAULT_ALLOCATION, converter=_buckets)
    penalty_mode: PenaltyMode = attrs.field(default=PenaltyMode.CONTRACT_RATE_FACTOR, converter=_mode)
    penalty_factor: Decimal = attrs.field(default=Decimal("1.5"), converter=_penalty_factor)
    """150% of the loan rate a day (HPF practice, DOMAIN.md §6.8 [S36]; PBOC 1.3–1.5 [S35])."""
    penalty_daily_rate: Decimal = attrs.field(default=Decimal(0), converter=_daily)
    grace_days: int = attrs.field(default=0, converter=_grace_days)
    prepay_min_months: int = attrs.field(default=12, converter=_prepay_min_months)
    """The seed: 主借款人自发放个人贷款满一年后可办理提前还款."""
    prepay_min_amount: Decimal = attrs.field(default=ZERO, converter=_prepay_min_amount)
    prepay_multiple: Decimal = attrs.field(default=ZERO, converter=_prepay_multiple)
    """Prepaid principal must be a multiple of this (0: any amount)."""
    prepay_max_per_year: int = attrs.field(default=0, converter=_prepay_max_per_year)
    """0: no limit."""
    split_repricing_period: bool = False
    """Split the interest of a period that a repricing date falls inside by days."""

    def __attrs_post_init__(self) -> None:
        if tuple(sorted(self.allocation, key=lambda b: b.value)) != tuple(
            sorted(Bucket, key=lambda b: b.value)
        ):
            raise InvalidChoice("allocation", "must list each bucket exactly once")


@attrs.frozen
class Borrower:
    """A borrower of the contract (主借款人 / 配偶 / 共同借款人) and their deposit account."""

    role: SignerRole
    name: str
    account_no: str


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
    penalty_exact: Decimal = Decimal(0)
    """Penalty accrued so far, unrounded: the sum of owed x daily rate x days."""
    penalty_paid: Decimal = ZERO
    penalty_through: date | None = None
    """The last day penalty has been accrued for."""

    @property
    def principal_due(self) -> Decimal:
        return self.principal - self.principal_paid

    @property
    def interest_due(self) -> Decimal:
        return self.interest - self.interest_paid

    @property
    def penalty(self) -> Decimal:
        """Penalty accrued so far (罚息), rounded half up once from the exact sum, so it does
        not depend on how often it was brought up to date."""
        return self.penalty_exact.quantize(FEN, rounding=ROUND_HALF_UP)

    @property
    def penalty_due(self) -> Decimal:
        return self.penalty - self.penalty_paid

    @property
    def total_due(self) -> Decimal:
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
    pending_rate: tuple[date, Decimal] | None = None
    """A repricing dated ahead: (effective date, new rate); it becomes ``annual_rate`` when
    the loan is brought up to that date."""
    agreement: OffsetAgreement | None = None
    """按月抵扣签约, if any; it ends when the loan is settled (notice 2.6)."""
    rate_changes: tuple[date, ...] = ()
    """Effective dates of the rate changes already applied (repricing is done once each)."""
    version: int = attrs.field(default=0, kw_only=True)
    """The stored version: a repository's ``save`` refuses a record whose version is not
    the stored one (``ConcurrentUpdate``) and stores it as ``version + 1``."""

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
        return self.overdue_principal + self.current_principal

    @property
    def interest(self) -> Decimal:
        return self.overdue_interest + self.current_interest

    @property
    def total(self) -> Decimal:
        return self.penalty + self.principal + self.interest


# --------------------------------------------------------------------------- opening


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
) -> LoanAccount:
    """A loan just disbursed (贷款发放): the full schedule from the first due date.

    >>> loan = open_loan(contract_no="C1", borrowers=(), principal=1000000, disbursed_on=date(2023, 3, 1),
    ...                  term_months=360, method="equal-installment", annual_rate="0.031")
    >>> loan.payment, loan.schedule[0].due_date, loan.contract.maturity
    (Decimal('4270.16'), datetime.date(2023, 4, 1), datetime.date(2053, 3, 1))
    """
    amount = check_principal(principal)
    check_date(disbursed_on, "disbursed_on")
    term = check_months(term_months, "term_months")
    kind = check_method(method)
    rate = check_rate(annual_rate)
    if isinstance(repayment_day, bool) or not isinstance(repayment_day, int) or not 1 <= repayment_day <= 28:
        raise InvalidDate("repayment_day", "must be a day of the month from 1 to 28", repayment_day)
    contract = LoanContract(
        contract_no,
        tuple(borrowers),
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
    return LoanAccount(contract, amount, rate, schedule, 1, disbursed_on)


# --------------------------------------------------------------------------- the monthly cycle


def _rest(schedule: Schedule, start: int) -> Schedule:
    """The rows of ``schedule`` from index ``start`` on, as a schedule of their own."""
    first_due = schedule[start].due_date if start < len(schedule) else None
    principal = amount_from_fen(schedule.balance_fen[start - 1]) if start else schedule.principal
    columns = (
        schedule.payment_fen[start:],
        schedule.principal_fen[start:],
        schedule.interest_fen[start:],
        schedule.balance_fen[start:],
    )
    return build_schedule(
        principal, schedule.annual_rate, len(columns[0]), schedule.method, first_due, columns
    )


def bill_due(loan: LoanAccount, on: date) -> LoanAccount:
    """Bill every instalment whose due date is on or before ``on`` (到期应还)."""
    if loan.settled_on is not None:
        return loan
    count = 0
    for row in loan.schedule:
        if row.due_date is None or row.due_date > on:
            break
        count += 1
    if not count:
        return loan
    rows = loan.schedule.installments[:count]
    bills = loan.bills + tuple(
        Bill(loan.next_period + i, row.due_date, row.principal, row.interest)
        for i, row in enumerate(rows)
        if row.due_date is not None
    )
    last = rows[-1].due_date
    assert last is not None
    billed = attrs.evolve(
        loan,
        schedule=_rest(loan.schedule, count),
        next_period=loan.next_period + count,
        last_due=last,
        bills=bills,
    )
    if loan.pending_rate is not None and last >= loan.pending_rate[0]:
        billed = attrs.evolve(billed, annual_rate=loan.pending_rate[1], pending_rate=None)
    return billed


def _daily_rate(loan: LoanAccount, policy: ServicingPolicy) -> Decimal:
    if policy.penalty_mode is PenaltyMode.DAILY_RATE:
        return policy.penalty_daily_rate
    return loan.annual_rate * policy.penalty_factor / 360


def accrue(loan: LoanAccount, on: date, policy: ServicingPolicy) -> LoanAccount:
    """Bring the loan up to ``on``: bill what fell due, mark overdue bills (逾期记录) and
    accrue their penalty interest (罚息) through ``on``."""
    loan = bill_due(loan, on)
    daily = _daily_rate(loan, policy)
    bills: list[Bill] = []
    records = list(loan.overdue)
    for billed in loan.bills:
        bill = billed
        late_from = bill.due_date + timedelta(days=policy.grace_days + 1)
        if on >= late_from and bill.principal_due + bill.interest_due > 0:
            start = late_from if bill.penalty_through is None else bill.penalty_through + timedelta(days=1)
            days = (on - start).days + 1
            if days > 0:
                owed = bill.principal_due + bill.interest_due
                bill = attrs.evolve(
                    bill, penalty_exact=bill.penalty_exact + owed * daily * days, penalty_through=on
                )
            if not any(r.period == bill.period for r in records):
                records.append(OverdueRecord(bill.period, bill.due_date, bill.principal, bill.interest))
            records = [
                attrs.evolve(r, penalty=bill.penalty) if r.period == bill.period else r for r in records
            ]
        bills.append(bill)
    return attrs.evolve(loan, bills=tuple(bills), overdue=tuple(records))


def amount_due(loan: LoanAccount, on: date, policy: ServicingPolicy) -> Decimal:
    """What must be paid on ``on`` to be up to date (应还合计), penalty included."""
    current = accrue(loan, on, policy)
    return sum((b.total_due for b in current.bills), ZERO)


def repay(
    loan: LoanAccount,
    amount: Amount,
    on: date,
    policy: ServicingPolicy,
    *,
    source: PaymentSource = PaymentSource.BANK,
) -> tuple[LoanAccount, Allocation] | tuple[Violation, ...]:
    """Post a repayment (还款) of up to what is due on ``on``, allocated in the policy's
    order; older bills come first within each bucket. Paying more than is due is a
    prepayment, not a repayment."""
    paid = yuan(amount, "amount")
    if paid <= 0:
        raise InvalidAmount("amount", "must be greater than 0", amount)
    if loan.settled_on is not None:
        return (Violation("settled", "the loan is settled", "status"),)
    loan = accrue(loan, on, policy)
    due = sum((b.total_due for b in loan.bills), ZERO)
    if paid > due:
        return (Violation("exceeds_due", f"{paid} exceeds the {due} due: prepay the rest", "amount"),)
    left = paid
    bills = list(loan.bills)
    taken = dict.fromkeys(Bucket, ZERO)
    cutoff = on - timedelta(days=policy.grace_days)
    for bucket in policy.allocation:
        for i, bill in enumerate(bills):
            overdue = bill.due_date < cutoff
            if bucket in (Bucket.OVERDUE_INTEREST, Bucket.OVERDUE_PRINCIPAL) and not overdue:
                continue
            if bucket in (Bucket.CURRENT_INTEREST, Bucket.CURRENT_PRINCIPAL) and overdue:
                continue
            if bucket is Bucket.PENALTY:
                take = min(left, bill.penalty_due)
                bills[i] = attrs.evolve(bill, penalty_paid=bill.penalty_paid + take)
            elif bucket in (Bucket.OVERDUE_INTEREST, Bucket.CURRENT_INTEREST):
                take = min(left, bill.interest_due)
                bills[i] = attrs.evolve(bill, interest_paid=bill.interest_paid + take)
            else:
                take = min(left, bill.principal_due)
                bills[i] = attrs.evolve(bill, principal_paid=bill.principal_paid + take)
            taken[bucket] += take
            left -= take
    cleared = {b.period for b in bills if b.total_due == 0}
    records = tuple(
        attrs.evolve(r, cleared_on=on) if r.period in cleared and r.cleared_on is None else r
        for r in loan.overdue
    )
    allocation = Allocation(
        on,
        source,
        taken[Bucket.PENALTY],
        taken[Bucket.OVERDUE_INTEREST],
        taken[Bucket.OVERDUE_PRINCIPAL],
        taken[Bucket.CURRENT_INTEREST],
        taken[Bucket.CURRENT_PRINCIPAL],
    )
    updated = attrs.evolve(
        loan,
        balance=loan.balance - allocation.principal,
        bills=tuple(b for b in bills if b.total_due > 0),
        overdue=records,
        repaid_principal=loan.repaid_principal + allocation.principal,
        repaid_interest=loan.repaid_interest + allocation.interest,
        repaid_penalty=loan.repaid_penalty + allocation.penalty,
    )
    return updated, allocation


# --------------------------------------------------------------------------- repricing


def reprice_loan(loan: LoanAccount, new_rate: Rate, effective: date, policy: ServicingPolicy) -> LoanAccount:
    """A new rate reaches the loan on ``effective`` (存量贷款利率调整); nothing is billed.

    An interest period is [previous due date, due date). Rows whose period ends before
    ``effective`` keep the old rate; the period under way on ``effective`` keeps the old
    rate and its instalment, unless the policy splits it by days (old rate before
    ``effective``, new from it); from the next period the rows are recalculated on the
    principal they carry, at the new rate, over the months left (the payment is
    recalculated). ``effective`` may lie ahead: the rows before it are kept as they are.
    """
    rate = check_rate(new_rate, "new_rate")
    check_date(effective, "effective")
    rows = loan.schedule
    if loan.settled_on is not None:
        return loan
    index = next(
        (i for i, row in enumerate(rows) if row.due_date is not None and row.due_date >= effective), None
    )
    if index is None:  # every row falls due before the change
        return attrs.evolve(loan, annual_rate=rate)
    months = len(rows) - index
    first = rows[index]
    assert first.due_date is not None
    start = rows[index - 1].due_date if index else loan.last_due
    assert start is not None
    owed_fen = rows.balance_fen[index - 1] if index else fen(rows.principal)
    kind = loan.contract.method
    num, den = rate_fraction(rate)
    equal_principal = kind is RepaymentMethod.EQUAL_PRINCIPAL

    def recalculated(balance: int, count: int) -> tuple[list[int], list[int], list[int], list[int]]:
        if equal_principal:
            amount = (2 * balance + count) // (2 * count)
        else:
            amount = annuity_fen(balance, num, den, count)
        return ledger_kernel(balance, num, den, count, amount, equal_principal=equal_principal)

    if effective <= start:  # a whole period at the new rate: recalculate from this row
        tail = recalculated(owed_fen, months)
    else:
        if effective < first.due_date and policy.split_repricing_period:
            days = (first.due_date - start).days
            old_days = (effective - start).days
            owed = amount_from_fen(owed_fen)
            exact = owed * (loan.annual_rate * old_days + rate * (days - old_days)) / (12 * days)
            interest = fen(exact.quantize(FEN, rounding=ROUND_HALF_UP))
            if equal_principal:
                amount = (2 * owed_fen + months) // (2 * months)
            else:
                amount = annuity_fen(owed_fen, num, den, months)
            part = min(amount if equal_principal else amount - interest, owed_fen)
            head = (interest + part, part, interest, owed_fen - part)
        else:  # the period under way keeps the old rate and its instalment
            head = (fen(first.payment), fen(first.principal), fen(first.interest), fen(first.balance))
        rest = recalculated(head[3], months - 1) if months > 1 else ([], [], [], [])
        tail = (
            [head[0], *rest[0]],
            [head[1], *rest[1]],
            [head[2], *rest[2]],
            [head[3], *rest[3]],
        )
    columns = (
        (*rows.payment_fen[:index], *tail[0]),
        (*rows.principal_fen[:index], *tail[1]),
        (*rows.interest_fen[:index], *tail[2]),
        (*rows.balance_fen[:index], *tail[3]),
    )
    schedule = build_schedule(rows.principal, rate, len(rows), kind, rows.first_due, columns)
    if effective <= start and index == 0:
        return attrs.evolve(loan, annual_rate=rate, schedule=schedule, pending_rate=None)
    return attrs.evolve(loan, schedule=schedule, pending_rate=(effective, rate))


def rate_on(loan: LoanAccount, day: date) -> Decimal:
    """The contract rate in force on ``day`` (a pending repricing counts from its date)."""
    if loan.pending_rate is not None and day >= loan.pending_rate[0]:
        return loan.pending_rate[1]
    return loan.annual_rate


# --------------------------------------------------------------------------- prepayment and settlement


@attrs.frozen
class PrepaymentQuote:
    """提前还本试算: what a prepayment of ``amount`` on ``on`` does."""

    contract_no: str
    balance: Decimal
    """The loan's principal owed when quoted (a quote applies to that state only)."""
    on: date
    amount: Decimal
    """提前还款金额: interest first, the rest principal."""
    interest: Decimal
    """提前归还利息: interest on the prepaid principal since the last due date
    (principal x contract rate x days / 360)."""
    principal: Decimal
    """提前归还本金."""
    current_due: Decimal
    """当月应还未还: paid first (the seed's rule)."""
    bank_debit: Decimal
    """银行扣划金额 = amount + current_due."""
    strategy: PrepaymentStrategy
    new_schedule: Schedule
    payment_after: Decimal
    """成功还款后月还额."""
    remaining_months: int
    interest_saved: Decimal


def prepayment_quote(
    loan: LoanAccount,
    amount: Amount,
    on: date,
    strategy: PrepaymentStrategy | str,
    policy: ServicingPolicy,
) -> PrepaymentQuote | tuple[Violation, ...]:
    """提前还本: check eligibility against the policy and work out the prepayment.

    Refusals, all at once: the loan is settled; less than ``prepay_min_months`` since
    disbursement; any overdue instalment; below the minimum amount or not a multiple;
    the year's prepayments used up; the amount reaching the whole balance (settle instead).
    """
    paid = yuan(amount, "amount")
    if paid <= 0:
        raise InvalidAmount("amount", "must be greater than 0", amount)
    plan = check_strategy(strategy)
    problems: list[Violation] = []
    if loan.settled_on is not None:
        return (Violation("settled", "the loan is settled", "status"),)
    loan = accrue(loan, on, policy)
    held = months_between(loan.contract.disbursed_on, on)
    if held < policy.prepay_min_months:
        problems.append(
            Violation(
                "too_early", f"prepayment opens {policy.prepay_min_months} months after disbursement", "on"
            )
        )
    # the current month's instalment, even if already late, is paid first as part of the
    # prepayment (the seed's rule); instalments of earlier months are arrears
    if any(b.due_date < on.replace(day=1) for b in loan.bills):
        problems.append(
            Violation("arrears", "overdue instalments of earlier months must be repaid first", "status")
        )
    if policy.prepay_min_amount and paid < policy.prepay_min_amount:
        problems.append(Violation("below_minimum", f"the minimum is {policy.prepay_min_amount}", "amount"))
    if policy.prepay_max_per_year:
        this_year = [d for d in loan.prepayment_dates if d.year == on.year]
        if len(this_year) >= policy.prepay_max_per_year:
            problems.append(
                Violation("yearly_limit", f"{policy.prepay_max_per_year} prepayments a year", "on")
            )
    current_due = sum((b.total_due for b in loan.bills), ZERO)
    days = (on - loan.last_due).days
    unbilled = loan.schedule.principal
    # the amount pays the prepaid principal and the interest on it since the last due
    # date: principal = amount / (1 + r x days / 360), rounded half up; interest = the rest
    factor = _CTX.add(1, _CTX.divide(_CTX.multiply(loan.annual_rate, days), 360))
    principal = _CTX.divide(paid, factor).quantize(FEN, rounding=ROUND_HALF_UP, context=_CTX)
    interest = paid - principal
    if policy.prepay_multiple and principal % policy.prepay_multiple:
        problems.append(
            Violation("not_a_multiple", f"principal must be a multiple of {policy.prepay_multiple}", "amount")
        )
    if principal <= 0:
        problems.append(Violation("no_principal", "the amount does not exceed the interest due", "amount"))
    elif principal >= unbilled:
        problems.append(
            Violation("settles", "the amount repays the whole balance: use early settlement", "amount")
        )
    if problems:
        return tuple(problems)
    months = len(loan.schedule)
    left = unbilled - principal
    first_due = loan.schedule[0].due_date
    if plan is PrepaymentStrategy.KEEP_TERM:
        new = amortize(left, loan.annual_rate, months, loan.contract.method, first_due=first_due)
    else:
        num, den = rate_fraction(loan.annual_rate)
        keep = loan.schedule.payment
        term = shortest_term_fen(fen(left), num, den, fen(keep), loan.contract.method)
        if term > months:  # the payment kept would not repay in time: the term stays (D-004)
            new = amortize(left, loan.annual_rate, months, loan.contract.method, first_due=first_due)
        elif loan.contract.method is RepaymentMethod.EQUAL_INSTALLMENT:
            columns = ledger_kernel(fen(left), num, den, term, fen(keep), equal_principal=False)
            new = build_schedule(left, loan.annual_rate, term, loan.contract.method, first_due, columns)
        else:
            new = amortize(left, loan.annual_rate, term, loan.contract.method, first_due=first_due)
    if loan.pending_rate is not None:  # a repricing dated ahead applies to the new rows too
        effective, rate = loan.pending_rate
        new = reprice_loan(
            attrs.evolve(loan, schedule=new, pending_rate=None), rate, effective, policy
        ).schedule
    saved = loan.schedule.total_interest - new.total_interest
    return PrepaymentQuote(
        loan.contract.contract_no,
        loan.balance,
        on,
        paid,
        interest,
        principal,
        current_due,
        paid + current_due,
        plan,
        new,
        new.payment,
        len(new),
        saved,
    )


def apply_prepayment(
    loan: LoanAccount,
    quote: PrepaymentQuote,
    policy: ServicingPolicy,
    *,
    source: PaymentSource = PaymentSource.BANK,
) -> tuple[LoanAccount, Allocation | None]:
    """Carry out a quoted prepayment: pay what is due first, then the prepaid principal
    and its interest; the rows not yet billed become the quote's new schedule. A quote
    for another loan, or for the loan in another state, is refused (``InputError``)."""
    current = accrue(loan, quote.on, policy)
    if quote.contract_no != loan.contract.contract_no or quote.balance != current.balance:
        raise InputError("quote", "was made for another loan or another state of this loan")
    allocation: Allocation | None = None
    if quote.current_due > 0:
        outcome = repay(loan, quote.current_due, quote.on, policy, source=source)
        if isinstance(outcome[0], Violation):  # pragma: no cover - quoted moments ago
            raise AssertionError(outcome)
        loan, allocation = outcome
    loan = attrs.evolve(
        loan,
        balance=loan.balance - quote.principal,
        schedule=quote.new_schedule,
        repaid_principal=loan.repaid_principal + quote.principal,
        repaid_interest=loan.repaid_interest + quote.interest,
        prepayment_dates=(*loan.prepayment_dates, quote.on),
    )
    return loan, allocation


@attrs.frozen
class SettlementQuote:
    """提前结清试算."""

    contract_no: str
    on: date
    principal: Decimal
    """Outstanding principal (提前还款本金), billed or not."""
    interest: Decimal
    """Interest to date: billed and unpaid, plus the current period's days (提前还款利息)."""
    penalty: Decimal
    """Penalty to date (罚息)."""
    overdue: Decimal
    """当前逾期合计 (part of the above)."""
    total: Decimal
    """提前还款合计."""
    from_hpf: Decimal
    """支取公积金还款金额合计."""
    bank_debit: Decimal
    """银行扣划 (待还款金额)."""


@attrs.frozen
class SettlementCertificate:
    """贷款结清证明."""

    certificate_no: str
    contract_no: str
    borrower: str
    principal: Decimal
    disbursed_on: date
    settled_on: date
    total_principal_repaid: Decimal
    total_interest_repaid: Decimal


def settlement_quote(
    loan: LoanAccount, on: date, policy: ServicingPolicy, *, from_hpf: Amount = 0
) -> SettlementQuote | tuple[Violation, ...]:
    """提前结清: everything owed on ``on``: outstanding principal, interest to date and
    any overdue amounts; ``from_hpf`` (the borrower's HPF balance used first) lowers the
    bank debit. The service checks ``from_hpf`` against the deposit account."""
    hpf = yuan(from_hpf, "from_hpf")
    if hpf < 0:
        raise InvalidAmount("from_hpf", "must not be negative", from_hpf)
    if loan.settled_on is not None:
        return (Violation("settled", "the loan is settled", "status"),)
    loan = accrue(loan, on, policy)
    billed_interest = sum((b.interest_due for b in loan.bills), ZERO)
    penalty = sum((b.penalty_due for b in loan.bills), ZERO)
    overdue = sum((b.total_due for b in loan.bills if b.due_date < on), ZERO)
    days = (on - loan.last_due).days
    accrued = (loan.schedule.principal * loan.annual_rate * days / 360).quantize(FEN, rounding=ROUND_HALF_UP)
    interest = billed_interest + accrued
    total = loan.balance + interest + penalty
    if hpf > total:
        return (Violation("too_much_hpf", f"{hpf} exceeds the {total} to repay", "from_hpf"),)
    return SettlementQuote(
        loan.contract.contract_no, on, loan.balance, interest, penalty, overdue, total, hpf, total - hpf
    )


def settle(
    loan: LoanAccount, quote: SettlementQuote, policy: ServicingPolicy, *, certificate_no: str
) -> tuple[LoanAccount, SettlementCertificate]:
    """Close the loan with a quoted settlement and issue the 贷款结清证明. A quote for
    another loan, or one the loan has moved on from, is refused (``InputError``)."""
    loan = accrue(loan, quote.on, policy)
    if quote.contract_no != loan.contract.contract_no or quote.principal != loan.balance:
        raise InputError("quote", "was made for another loan or another state of this loan")
    records = tuple(attrs.evolve(r, cleared_on=quote.on) if r.cleared_on is None else r for r in loan.overdue)
    empty = build_schedule(ZERO, loan.annual_rate, 0, loan.contract.method, None, ((), (), (), ()))
    closed = attrs.evolve(
        loan,
        balance=ZERO,
        schedule=empty,
        bills=(),
        overdue=records,
        repaid_principal=loan.repaid_principal + quote.principal,
        repaid_interest=loan.repaid_interest + quote.interest,
        repaid_penalty=loan.repaid_penalty + quote.penalty,
        settled_on=quote.on,
        agreement=None,
    )
    main = next((b.name for b in loan.contract.borrowers if b.role is SignerRole.BORROWER), "")
    certificate = SettlementCertificate(
        certificate_no,
        loan.contract.contract_no,
        main,
        loan.contract.principal,
        loan.contract.disbursed_on,
        quote.on,
        closed.repaid_principal,
        closed.repaid_interest,
    )
    return closed, certificate
