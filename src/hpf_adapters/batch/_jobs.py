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
    interest_year,
    month_of,
    monthly_contribution,
)
from hpf_core.dates import check_date
from hpf_core.errors import InputError, InputTypeError, InvalidChoice, Violation, refusal
from hpf_core.loans import LoanAccount, ServicingPolicy, accrue
from hpf_core.money import check_rate

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
        """The account's remittance, or None for a sealed or closed account."""
        if account.status.closed or account.status is AccountStatus.SEALED:
            return None
        amount = monthly_contribution(
            account.base, account.employee_ratio, account.employer_ratio, rounding=self.rounding
        ).total
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


def _json(**fields: object) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


JOBS: dict[str, type[Remittance] | type[InterestSettlement] | type[OverdueMarking]] = {
    Remittance.name: Remittance,
    InterestSettlement.name: InterestSettlement,
    OverdueMarking.name: OverdueMarking,
}
"""The jobs by name, as ``hpf batch <job>`` takes them."""
