"""Early repayment (提前还款): prepayment of part of the principal (提前还本) and early
settlement (提前结清) — the quotes, their checks against the centre's rules, carrying them
out, and the settlement certificate (贷款结清证明).

The interest either pays for the days since the last due date is counted on the policy's
day basis (``ServicingPolicy.day_basis``, actual/360 by default) exactly and rounded half
up to the fen once; every sum runs in :func:`hpf_core.money.money_context` (D-036).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import attrs

from hpf_core._inputs import instance
from hpf_core.dates import check_date, months_between
from hpf_core.errors import InputError, InvalidAmount, Violation, refusal
from hpf_core.identity import mask_card_number, masked_repr
from hpf_core.loans._amortize import (
    RepaymentMethod,
    Schedule,
    amortize,
    build_schedule,
    ledger_kernel,
    rate_fraction,
)
from hpf_core.loans._cycle import accrue
from hpf_core.loans._loan_records import ZERO, Allocation, LoanAccount, PaymentSource, rate_segments
from hpf_core.loans._offset import SignerRole
from hpf_core.loans._penalty import day_interest
from hpf_core.loans._prepay import PrepaymentStrategy, check_strategy, shortest_term_fen
from hpf_core.loans._repayment import repay
from hpf_core.loans._repricing import reprice_loan
from hpf_core.loans._servicing_policy import ServicingPolicy
from hpf_core.money import Amount, fen, money_context, round_fraction_fen, yuan


def _days_interest(loan: LoanAccount, principal: Decimal, on: date, policy: ServicingPolicy) -> Fraction:
    """Interest on ``principal`` for the days since the last due date, exactly: at the rate
    of the period under way, or, when the policy splits a repricing period by days, each
    day at the rate in force that day (as the scheduled row is split, D-042)."""
    if policy.split_repricing_period:
        return sum(
            (
                day_interest(principal, rate, days, policy)
                for days, rate in rate_segments(loan, loan.last_due, on)
            ),
            Fraction(0),
        )
    return day_interest(principal, loan.annual_rate, (on - loan.last_due).days, policy)


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
    (principal x contract rate x days / the day basis's divisor, 360 by default)."""
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
    overdue: Decimal = ZERO
    """逾期金额合计: the part of ``current_due`` already late on ``on`` (instalments due
    before it, with their penalty), collected with the prepayment (issue #11, D-046): with
    nothing due on the day itself, 逾期金额合计 + 提前还款金额 = 银行扣划金额."""
    card_number: str = attrs.field(default="", repr=masked_repr)
    """还款卡号: the loan's repayment card the 银行扣划金额 is debited from (the 核对 page
    shows it; '' when the loan has none recorded; D-049)."""

    @property
    def masked_card(self) -> str:
        """还款卡号 as the screen shows it: first 6 and last 4 digits ('' when none)."""
        return mask_card_number(self.card_number) if self.card_number else ""


def prepayment_quote(
    loan: LoanAccount,
    amount: Amount,
    on: date,
    strategy: PrepaymentStrategy | str,
    policy: ServicingPolicy,
) -> PrepaymentQuote:
    """提前还本: check eligibility against the policy and work out the prepayment.

    Refusals raise ``refusal(...)`` (D-035) with every reason at once: ``settled``;
    ``too_early`` (less than ``prepay_min_months`` since disbursement);
    ``below_minimum`` / ``not_a_multiple``;
    ``yearly_limit`` (the year's prepayments used up); ``no_principal``; ``settles`` (the
    amount reaches the whole balance: settle instead).
    """
    check_date(on, "on")
    paid = yuan(amount, "amount")
    if paid <= 0:
        raise InvalidAmount("amount", "must be greater than 0", amount)
    plan = check_strategy(strategy)
    if loan.settled_on is not None:
        raise refusal([Violation("settled", "the loan is settled", "status")])
    loan = accrue(loan, on, policy)
    with money_context():
        return _prepayment_quote(loan, paid, on, plan, policy)


def _prepayment_quote(
    loan: LoanAccount, paid: Decimal, on: date, plan: PrepaymentStrategy, policy: ServicingPolicy
) -> PrepaymentQuote:
    problems: list[Violation] = []
    held = months_between(loan.contract.disbursed_on, on)
    if held < policy.prepay_min_months:
        problems.append(
            Violation(
                "too_early", f"prepayment opens {policy.prepay_min_months} months after disbursement", "on"
            )
        )
    # everything due is paid first as part of the prepayment: the month's instalment (the
    # seed's rule) and any overdue ones, 逾期金额合计 on the 核对 page (D-046)
    if policy.prepay_min_amount and paid < policy.prepay_min_amount:
        problems.append(Violation("below_minimum", f"the minimum is {policy.prepay_min_amount}", "amount"))
    if policy.prepay_max_per_year:
        this_year = [d for d in loan.prepayment_dates if d.year == on.year]
        if len(this_year) >= policy.prepay_max_per_year:
            problems.append(
                Violation("yearly_limit", f"{policy.prepay_max_per_year} prepayments a year", "on")
            )
    current_due = sum((b.total_due for b in loan.bills), ZERO)
    overdue = sum((b.total_due for b in loan.bills if b.due_date < on), ZERO)
    unbilled = loan.schedule.principal
    # the amount pays the prepaid principal and the interest on it since the last due
    # date: principal = amount / (1 + r x days / divisor), rounded half up once; the
    # interest is the rest
    factor = 1 + _days_interest(loan, Decimal(1), on, policy)
    principal = round_fraction_fen(Fraction(paid) / factor)
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
        raise refusal(problems)
    months = len(loan.schedule)
    left = unbilled - principal
    first_due = loan.schedule.first_due  # row 0 falls due on the first due date
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
    pending = loan.pending_rates
    if pending:  # repricings dated ahead apply to the new rows too
        ahead = attrs.evolve(loan, schedule=new, rates=tuple(c for c in loan.rates if c not in pending))
        for effective, rate in pending:
            ahead = reprice_loan(ahead, rate, effective, policy)
        new = ahead.schedule
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
        overdue,
        card_number=loan.card_number,
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
    instance(loan, LoanAccount, "loan")
    instance(quote, PrepaymentQuote, "quote")
    instance(policy, ServicingPolicy, "policy")
    current = accrue(loan, quote.on, policy)
    if quote.contract_no != loan.contract.contract_no or quote.balance != current.balance:
        raise InputError("quote", "was made for another loan or another state of this loan")
    allocation: Allocation | None = None
    if quote.current_due > 0:
        loan, allocation = repay(loan, quote.current_due, quote.on, policy, source=source)
    with money_context():
        balance = loan.balance - quote.principal
        repaid_principal = loan.repaid_principal + quote.principal
        repaid_interest = loan.repaid_interest + quote.interest
    loan = attrs.evolve(
        loan,
        balance=balance,
        schedule=quote.new_schedule,
        repaid_principal=repaid_principal,
        repaid_interest=repaid_interest,
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
) -> SettlementQuote:
    """提前结清: everything owed on ``on``: outstanding principal, interest to date and
    any overdue amounts; ``from_hpf`` (the borrower's HPF balance used first) lowers the
    bank debit. The service checks ``from_hpf`` against the deposit account.

    The interest of the current period is the unbilled principal x contract rate x the
    days since the last due date / the day basis's divisor, rounded half up once.
    Refusals raise ``refusal(...)`` (D-035): ``settled``, ``too_much_hpf``, and the
    centre's earliest-settlement rule (D-049): ``settle_too_early`` (fewer than
    ``settle_min_months`` months since disbursement) and ``settle_too_few_instalments``
    (fewer than ``settle_min_instalments`` instalments repaid in full).
    """
    instance(loan, LoanAccount, "loan")
    check_date(on, "on")
    instance(policy, ServicingPolicy, "policy")
    check_date(on, "on")
    hpf = yuan(from_hpf, "from_hpf")
    if hpf < 0:
        raise InvalidAmount("from_hpf", "must not be negative", from_hpf)
    if loan.settled_on is not None:
        raise refusal([Violation("settled", "the loan is settled", "status")])
    loan = accrue(loan, on, policy)
    _earliest_settlement(loan, on, policy)
    accrued = round_fraction_fen(_days_interest(loan, loan.schedule.principal, on, policy))
    with money_context():
        billed_interest = sum((b.interest_due for b in loan.bills), ZERO)
        penalty = sum((b.penalty_due for b in loan.bills), ZERO)
        overdue = sum((b.total_due for b in loan.bills if b.due_date < on), ZERO)
        interest = billed_interest + accrued
        total = loan.balance + interest + penalty
        if hpf > total:
            raise refusal([Violation("too_much_hpf", f"{hpf} exceeds the {total} to repay", "from_hpf")])
        return SettlementQuote(
            loan.contract.contract_no, on, loan.balance, interest, penalty, overdue, total, hpf, total - hpf
        )


def instalments_repaid(loan: LoanAccount) -> int:
    """The instalments billed and repaid in full (已还期数): the periods billed so far
    less the bills still open. Call on a loan brought up to date (``accrue``)."""
    instance(loan, LoanAccount, "loan")
    return loan.next_period - 1 - len(loan.bills)


def _earliest_settlement(loan: LoanAccount, on: date, policy: ServicingPolicy) -> None:
    """The centre's earliest-settlement rule (``[loans.servicing]`` ``settle_min_months``,
    ``settle_min_instalments``; D-049): every reason at once."""
    problems: list[Violation] = []
    if months_between(loan.contract.disbursed_on, on) < policy.settle_min_months:
        problems.append(
            Violation(
                "settle_too_early",
                f"提前结清 opens {policy.settle_min_months} months after disbursement "
                "(loans.servicing.settle_min_months)",
                "on",
            )
        )
    if instalments_repaid(loan) < policy.settle_min_instalments:
        problems.append(
            Violation(
                "settle_too_few_instalments",
                f"提前结清 opens after {policy.settle_min_instalments} instalments are repaid "
                "(loans.servicing.settle_min_instalments)",
                "on",
            )
        )
    if problems:
        raise refusal(problems)


def settle(
    loan: LoanAccount, quote: SettlementQuote, policy: ServicingPolicy, *, certificate_no: str
) -> tuple[LoanAccount, SettlementCertificate]:
    """Close the loan with a quoted settlement and issue the 贷款结清证明. A quote for
    another loan, or one the loan has moved on from, is refused (``InputError``)."""
    instance(loan, LoanAccount, "loan")
    instance(quote, SettlementQuote, "quote")
    instance(policy, ServicingPolicy, "policy")
    instance(certificate_no, str, "certificate_no")
    loan = accrue(loan, quote.on, policy)
    if quote.contract_no != loan.contract.contract_no or quote.principal != loan.balance:
        raise InputError("quote", "was made for another loan or another state of this loan")
    records = tuple(attrs.evolve(r, cleared_on=quote.on) if r.cleared_on is None else r for r in loan.overdue)
    empty = build_schedule(ZERO, loan.annual_rate, 0, loan.contract.method, None, ((), (), (), ()))
    with money_context():
        repaid = (
            loan.repaid_principal + quote.principal,
            loan.repaid_interest + quote.interest,
            loan.repaid_penalty + quote.penalty,
        )
    closed = attrs.evolve(
        loan,
        balance=ZERO,
        schedule=empty,
        bills=(),
        overdue=records,
        repaid_principal=repaid[0],
        repaid_interest=repaid[1],
        repaid_penalty=repaid[2],
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
