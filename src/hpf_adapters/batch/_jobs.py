"""The batch jobs (issue #16, D-059): what each does to one account, with the core's pure
functions — the same decisions, in the same order, as the service that does it for one
employer or for the whole centre in one transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import ClassVar, Protocol

import attrs

from hpf_core.accounts import (
    AccountStatus,
    ContributionRounding,
    DayBasis,
    DepositAccount,
    EntryDraft,
    EntryKind,
    JournalEntry,
    accrue_interest_segments,
    contribute,
    credit_interest,
    debit,
    interest_year,
    month_of,
    monthly_contribution,
)
from hpf_core.dates import check_date
from hpf_core.errors import InputError, InputTypeError, InvalidChoice, Violation, refusal
from hpf_core.loans import (
    LoanAccount,
    LoanEntryDraft,
    OffsetPlan,
    OffsetSource,
    PaymentSource,
    RepricingRule,
    ServicingPolicy,
    accrue,
    entry_for,
    hpf_loan_rate,
    plan_monthly_offset,
    repay,
    reprice_loan,
    repricing_date,
)
from hpf_core.money import check_rate, fen, money_context
from hpf_core.ports import BankDebit

Posting = tuple[DepositAccount, EntryDraft]


class Job(Protocol):
    """A batch job: its name, the period a run covers, its parameters (stored with the run)
    and what it does to one account (``None``: nothing to do; a ``Refused`` is counted)."""

    name: ClassVar[str]
    needs_journal: ClassVar[bool]

    @property
    def period(self) -> str: ...

    def params(self) -> str: ...

    def post(self, account: DepositAccount, entries: Sequence[JournalEntry]) -> Posting | None: ...


def _month(value: object) -> date:
    return month_of(check_date(value, "month"))


def _value_date(value: object) -> date:
    return check_date(value, "value_date")


def _on(value: object) -> date:
    return check_date(value, "on")


def _rounding(value: object) -> ContributionRounding:
    if isinstance(value, ContributionRounding):
        return value
    choices = {r.value: r for r in ContributionRounding}
    if isinstance(value, str) and value in choices:
        return choices[value]
    raise InvalidChoice("rounding", f"must be one of {', '.join(choices)}", value)


def _rates(value: object) -> tuple[tuple[date, Decimal], ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise InputTypeError("rates", "must be a non-empty sequence of (effective date, annual rate)", value)
    rows: list[tuple[date, Decimal]] = []
    for row in value:
        if not isinstance(row, (list, tuple)) or len(row) != 2:
            raise InputTypeError("rates", "each row must be (effective date, annual rate)", row)
        rows.append((check_date(row[0], "rates"), check_rate(row[1], "rates")))
    return tuple(rows)


def _basis(value: object) -> DayBasis:
    if isinstance(value, DayBasis):
        return value
    choices = {b.value: b for b in DayBasis}
    if isinstance(value, str) and value in choices:
        return choices[value]
    raise InvalidChoice("basis", f"must be one of {', '.join(choices)}", value)


def _year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError("year", "must be an int", value)
    if not 1992 <= value <= 9998:
        raise InputError("year", "must be an interest year from 1992 to 9998", value)
    return value


@attrs.frozen
class Remittance:
    """汇缴 of ``month`` for every contributing account of the centre (not sealed, not
    closed), each credited its monthly deposit (:func:`hpf_core.accounts.monthly_contribution`
    of its base and ratios, with the centre's ``rounding``) with value date ``value_date``:
    per account what :func:`hpf_core.accounts.services.remit_month` does for an employer."""

    month: date = attrs.field(converter=_month)
    value_date: date = attrs.field(converter=_value_date)
    rounding: ContributionRounding = attrs.field(converter=_rounding)
    name: ClassVar[str] = "remittance"
    needs_journal: ClassVar[bool] = False

    @property
    def period(self) -> str:
        """``YYYY-MM``."""
        return f"{self.month:%Y-%m}"

    def params(self) -> str:
        """The canonical JSON of the parameters."""
        return _json(month=self.period, value_date=self.value_date.isoformat(), rounding=self.rounding.value)

    def post(self, account: DepositAccount, entries: Sequence[JournalEntry]) -> Posting | None:
        """The account's remittance, or None for a sealed or closed account; an account
        whose deposit rounds to 0.00 is refused (``no_contribution``)."""
        if account.status.closed or account.status is AccountStatus.SEALED:
            return None
        amount = monthly_contribution(
            account.base, account.employee_ratio, account.employer_ratio, rounding=self.rounding
        ).total
        if amount <= 0:  # contribute would raise InvalidAmount and stop the whole chunk
            reason = f"base {account.base} at these ratios is a deposit of {amount}: nothing to remit"
            raise refusal(Violation("no_contribution", reason, "base"))
        return contribute(
            account,
            kind=EntryKind.REMITTANCE,
            month=self.month,
            amount=amount,
            value_date=self.value_date,
            key=f"batch/{self.name}/{self.period}/{account.account_no}",
        )


@attrs.frozen
class InterestSettlement:
    """年度结息 of interest year ``year`` (1 July ``year`` – 30 June ``year + 1``), posted
    on ``on``: per account what :func:`hpf_core.accounts.services.settle_annual_interest`
    does — every account not closed, not in status 99 and not yet settled for the year is
    credited :func:`hpf_core.accounts.accrue_interest_segments` of its journal at ``rates``
    (value date 1 July ``year + 1``); an account that earned nothing gets no entry. A year
    not ended by ``on`` is refused (``year_not_ended``) before any run is made."""

    year: int = attrs.field(converter=_year)
    rates: tuple[tuple[date, Decimal], ...] = attrs.field(converter=_rates)
    basis: DayBasis = attrs.field(converter=_basis)
    on: date = attrs.field(converter=_on)
    name: ClassVar[str] = "interest"
    needs_journal: ClassVar[bool] = True

    def __attrs_post_init__(self) -> None:
        if self.on < date(self.year + 1, 6, 30):
            reason = (
                f"interest year {self.year} runs to {self.year + 1}-06-30: not to be settled on {self.on}"
            )
            raise refusal(Violation("year_not_ended", reason, "year"))

    @property
    def period(self) -> str:
        """The interest year, ``YYYY``."""
        return str(self.year)

    def params(self) -> str:
        """The canonical JSON of the parameters."""
        rates = [[d.isoformat(), str(r)] for d, r in self.rates]
        return _json(year=self.year, rates=rates, basis=self.basis.value, on=self.on.isoformat())

    def post(self, account: DepositAccount, entries: Sequence[JournalEntry]) -> Posting | None:
        """The account's interest for the year, or None (closed, status 99, settled, or
        nothing earned)."""
        if (
            account.status.closed
            or account.status is AccountStatus.OTHER
            or self.year in account.settled_years
        ):
            return None
        start, end = interest_year(date(self.year, 7, 1))
        opening = sum((e.amount for e in entries if e.value_date < start), Decimal("0.00"))
        postings = [(e.value_date, e.amount) for e in entries if start <= e.value_date <= end]
        breakdown = accrue_interest_segments(opening, postings, start, end, self.rates, basis=self.basis)
        if breakdown.total == 0:
            return None
        return credit_interest(
            account,
            year=self.year,
            amount=breakdown.total,
            value_date=end + timedelta(days=1),
            key=f"batch/{self.name}/{self.period}/{account.account_no}",
        )


def _servicing(value: object) -> ServicingPolicy:
    if not isinstance(value, ServicingPolicy):
        raise InputTypeError("servicing", "must be a ServicingPolicy", type(value).__name__)
    return value


@attrs.frozen
class OverdueMarking:
    """逾期标记 on ``on``: every loan not settled brought up to ``on`` under the centre's
    ``servicing`` rules (:func:`hpf_core.loans.accrue`: bills, overdue records, penalty) —
    per loan the state :func:`hpf_core.backoffice.mark_overdue` leaves it in. A loan
    ``accrue`` leaves unchanged is skipped. The back office's audit events and notices are
    not written by the batch (D-059)."""

    on: date = attrs.field(converter=_on)
    servicing: ServicingPolicy = attrs.field(converter=_servicing)
    name: ClassVar[str] = "overdue"
    needs_journal: ClassVar[bool] = False

    @property
    def period(self) -> str:
        """The day, ``YYYY-MM-DD``."""
        return self.on.isoformat()

    def params(self) -> str:
        """The canonical JSON of the parameters (the servicing rules by a digest of their
        repr)."""
        digest = hashlib.sha256(repr(self.servicing).encode()).hexdigest()
        return _json(on=self.on.isoformat(), servicing=digest)

    def post_loan(self, loan: LoanAccount) -> LoanAccount | None:
        """The loan brought up to ``on``, or None (settled, or nothing changed)."""
        if loan.settled_on is not None:
            return None
        accrued = accrue(loan, self.on, self.servicing)
        return None if accrued == loan else accrued


def _digest(*parts: object) -> str:
    return hashlib.sha256("\n".join(repr(p) for p in parts).encode()).hexdigest()


def _change_effective(value: object) -> date:
    return check_date(value, "change_effective")


def _rule(value: object) -> RepricingRule:
    if not isinstance(value, RepricingRule):
        raise InputTypeError("rule", "must be a RepricingRule", type(value).__name__)
    return value


@attrs.frozen
class Repricing:
    """存量贷款利率调整 of the rate change of ``change_effective``, run on ``on`` (the 1
    January run of the national rule): per loan what
    :func:`hpf_core.loans.services.reprice_loans` does — every loan not settled, not yet
    repriced for this change, that the change reaches by ``on`` (:func:`hpf_core.loans.
    repricing_date` under ``rule``) takes from its repricing date the national HPF rate fixed
    on ``change_effective`` for its term and home order (:func:`hpf_core.loans.
    hpf_loan_rate`), through :func:`hpf_core.loans.reprice_loan` under the centre's
    ``servicing`` rules; the change is recorded in ``rate_changes`` so a loan takes it once."""

    change_effective: date = attrs.field(converter=_change_effective)
    on: date = attrs.field(converter=_on)
    servicing: ServicingPolicy = attrs.field(converter=_servicing)
    rule: RepricingRule = attrs.field(factory=RepricingRule, converter=_rule)
    name: ClassVar[str] = "repricing"
    needs_journal: ClassVar[bool] = False

    @property
    def period(self) -> str:
        """The rate change's effective day, ``YYYY-MM-DD``."""
        return self.change_effective.isoformat()

    def params(self) -> str:
        """The canonical JSON of the parameters (the rules by a digest of their repr)."""
        return _json(on=self.on.isoformat(), rules=_digest(self.servicing, self.rule))

    def post_loan(self, loan: LoanAccount) -> LoanAccount | None:
        """The loan repriced, or None (settled, already repriced for this change, or not
        reached by it by ``on``)."""
        if loan.settled_on is not None or self.change_effective in loan.rate_changes:
            return None
        contract = loan.contract
        when = repricing_date(
            self.change_effective, contract.disbursed_on, contract.term_months, rule=self.rule
        )
        if when is None or when > self.on:
            return None
        rate = hpf_loan_rate(self.change_effective, contract.term_months, home=contract.home)
        repriced = reprice_loan(loan, rate, when, self.servicing)
        return attrs.evolve(repriced, rate_changes=(*loan.rate_changes, self.change_effective))


@attrs.frozen
class Collected:
    """One loan's monthly collection: the loan after it, the deposit accounts' postings
    (按月抵扣, in deduction order), the loan journal lines, and the plan."""

    loan: LoanAccount
    postings: tuple[Posting, ...]
    lines: tuple[LoanEntryDraft, ...]
    plan: OffsetPlan | None

    @property
    def amount_fen(self) -> int:
        """What was collected, in fen (the HPF accounts and the card)."""
        return sum(fen(line.principal + line.interest + line.penalty) for line in self.lines)


def _bank(value: object) -> BankDebit | None:
    if value is not None and not callable(getattr(value, "debit", None)):
        raise InputTypeError(
            "bank", "must be a BankDebit (with a debit method) or None", type(value).__name__
        )
    return value  # type: ignore[return-value]


@attrs.frozen
class LoanDeduction:
    """逐月冲还 (按月抵扣) on ``on``: for every loan not settled, what is due on ``on``
    (:func:`hpf_core.loans.amount_due`, penalty included) is taken from the signers' deposit
    accounts in the offset agreement's order (:func:`hpf_core.loans.plan_monthly_offset`:
    a ``LOAN_DEDUCTION`` entry each, :func:`hpf_core.accounts.debit`), and the rest from
    the repayment card through ``bank`` (:class:`hpf_core.ports.BankDebit`, asked under the
    debit id ``<key>/card``; a decline leaves it due) — per loan what
    :func:`hpf_core.loans.services.collect_instalment` does under the key
    ``batch/deduction/<on>/<contract_no>``. Without ``bank`` the card is not asked: the
    card's part stays due (for the bank's own collection file). A ``bank`` used by several
    worker processes must answer a debit id the same way in each, and each time it is asked
    (the port's contract): on SQLite the ordinary loans are collected in SQL and their card
    asked first, and a declined one is asked again by :meth:`collect` (D-077)."""

    on: date = attrs.field(converter=_on)
    servicing: ServicingPolicy = attrs.field(converter=_servicing)
    bank: BankDebit | None = attrs.field(default=None, converter=_bank, eq=False)
    name: ClassVar[str] = "deduction"
    needs_journal: ClassVar[bool] = False

    @property
    def period(self) -> str:
        """The collection day, ``YYYY-MM-DD``."""
        return self.on.isoformat()

    def params(self) -> str:
        """The canonical JSON of the parameters (the servicing rules by a digest, the bank
        by its type)."""
        bank = "" if self.bank is None else type(self.bank).__qualname__
        return _json(on=self.on.isoformat(), servicing=_digest(self.servicing), bank=bank)

    def key(self, loan: LoanAccount) -> str:
        """The collection's key; its deposit entries are ``<key>/<account_no>``."""
        return f"batch/{self.name}/{self.period}/{loan.contract.contract_no}"

    def collect(self, loan: LoanAccount, accounts: dict[str, DepositAccount]) -> Collected | None:
        """The loan's collection on ``on``, taking from ``accounts`` (the signers' accounts
        by number, as they stand; the caller stores the ones posted to), or None when the
        loan is settled, or nothing is due and accruing changed nothing."""
        if loan.settled_on is not None:
            return None
        current = accrue(loan, self.on, self.servicing)
        # amount_due(loan) accrues again: of the loan accrued to the day, what it sums
        with money_context():
            due = sum((b.total_due for b in current.bills), Decimal("0.00"))
        if due <= 0:
            return None if current == loan else Collected(current, (), (), None)
        key = self.key(loan)
        postings: list[Posting] = []
        lines: list[LoanEntryDraft] = []
        card = due
        plan = None
        taken: dict[str, DepositAccount] = {}  # given back to the caller once the loan is done
        if current.agreement is not None:
            signers = current.agreement.signers
            missing = [s.account_no for s in signers if s.account_no not in accounts]
            if missing:
                reason = f"the offset agreement names {len(missing)} account(s) not in the database"
                raise refusal(Violation("unknown_account", reason, "agreement"))
            sources = [
                OffsetSource(
                    s.account_no, s.role, accounts[s.account_no].state, accounts[s.account_no].balance
                )
                for s in signers
            ]
            plan = plan_monthly_offset(due, sources)
            for take in plan.takes:
                taken_key = f"{key}/{take.account_no}"
                posting = debit(
                    accounts[take.account_no],
                    kind=EntryKind.LOAN_DEDUCTION,
                    amount=take.amount,
                    value_date=self.on,
                    key=taken_key,
                )
                postings.append(posting)
                taken[take.account_no] = posting[0]
                current, allocation = repay(
                    current, take.amount, self.on, self.servicing, source=PaymentSource.HPF
                )
                lines.append(entry_for(current, allocation, key=taken_key, period=current.next_period - 1))
            card = plan.from_card
        if (
            card > 0
            and self.bank is not None
            and self.bank.debit(
                debit_id=f"{key}/card",
                contract_no=current.contract.contract_no,
                amount=card,
                card_number=current.card_number,
            )
        ):
            current, allocation = repay(current, card, self.on, self.servicing, source=PaymentSource.BANK)
            lines.append(entry_for(current, allocation, key=f"{key}/card", period=current.next_period - 1))
        accounts.update(taken)
        return Collected(current, tuple(postings), tuple(lines), plan)


def _json(**fields: object) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


LoanJob = OverdueMarking | Repricing
"""A job that brings each loan of a range to a new state (``post_loan``)."""

AnyJob = Job | OverdueMarking | Repricing | LoanDeduction
"""Every batch job: over deposit accounts (:class:`Job`) or over loans."""

OVER_LOANS = (OverdueMarking, Repricing, LoanDeduction)
"""The jobs whose chunks are ranges of contract numbers."""

JOBS: dict[
    str,
    type[Remittance]
    | type[InterestSettlement]
    | type[OverdueMarking]
    | type[Repricing]
    | type[LoanDeduction],
] = {
    Remittance.name: Remittance,
    InterestSettlement.name: InterestSettlement,
    OverdueMarking.name: OverdueMarking,
    Repricing.name: Repricing,
    LoanDeduction.name: LoanDeduction,
}
"""The jobs by name, as ``hpf batch <job>`` takes them."""
