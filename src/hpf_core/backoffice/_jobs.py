"""The back-office jobs that tell members (D-053): the annual interest settlement (年度结息)
and the overdue marking of loans (逾期标记). Each runs in one unit of work with the audit
events and notices it writes, so a member is told exactly when the change commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs

from hpf_core._inputs import instance, unit_of_work
from hpf_core.accounts._interest import DayBasis, check_basis
from hpf_core.accounts._ledger import JournalEntry
from hpf_core.accounts.services import _rates, _settle_year, _year
from hpf_core.backoffice._staff import Staff, require
from hpf_core.backoffice._trail import audit, notify, ref
from hpf_core.dates import check_date, require_aware
from hpf_core.idempotency import once
from hpf_core.loans._cycle import accrue
from hpf_core.loans._loan_records import LoanAccount
from hpf_core.loans._offset import SignerRole
from hpf_core.loans._servicing_policy import ServicingPolicy
from hpf_core.money import money_context
from hpf_core.notices import instalment_overdue, interest_settled
from hpf_core.ports import UnitOfWork

__all__ = ["NewlyOverdue", "mark_overdue", "settle_interest"]


def settle_interest(
    uow: UnitOfWork,
    *,
    staff: Staff,
    year: int,
    rates: Sequence[tuple[date, Decimal]],
    basis: DayBasis | str,
    key: str,
    on: date,
    at: datetime,
) -> tuple[JournalEntry, ...]:
    """年度结息 as :func:`hpf_core.accounts.services.settle_annual_interest` (the same
    operation under the same ``key``: either entry point replays the other's run), run by
    an administrator, with, in the same unit of work, for every interest entry an audit
    event ``interest.settled`` (record ``journal/<entry id>``) and the member's notice
    (:func:`hpf_core.notices.interest_settled`, dated ``on``). A rerun with the key posts,
    records and sends nothing again."""
    unit_of_work(uow)
    actor = require(instance(staff, Staff, "staff"), "settle_interest").staff_id
    year = _year(year)
    on = check_date(on, "on")
    rates = _rates(rates)
    day_basis = check_basis(basis)
    require_aware(at, "at")
    params = {"year": year, "rates": tuple(rates), "basis": day_basis.value, "on": on}

    def work() -> tuple[str, ...]:
        ids = tuple(entry.entry_id for entry in _settle_year(uow, year, rates, day_basis, key, on))
        for entry_id in ids:
            entry = uow.journal.get(entry_id)
            member_id = uow.accounts.get(entry.account_no).member.member_id
            audit(
                uow,
                actor,
                "interest.settled",
                at,
                ref("journal", entry_id),
                member_id,
                year=year,
                amount=entry.amount,
            )
            notify(uow, member_id, interest_settled(entry.account_no, year, entry.amount, on), at)
        return ids

    with uow:
        ids = once(uow, key, "settle_annual_interest", params, work)
        return tuple(uow.journal.get(i) for i in ids)


@attrs.frozen
class NewlyOverdue:
    """One instalment found overdue by :func:`mark_overdue`: its loan, period, due date and
    what is owed on it (principal and interest due)."""

    contract_no: str = attrs.field(repr=False)
    period: int
    due_date: date
    owed: Decimal


def _member_of_loan(uow: UnitOfWork, loan: LoanAccount) -> str | None:
    contract_no = loan.contract.contract_no
    owner = uow.members.owner_of_loan(contract_no)
    if owner is not None:
        return owner.member_id
    main = next((b for b in loan.contract.borrowers if b.role is SignerRole.BORROWER), None)
    if main is None:
        return None
    try:
        return uow.accounts.get(main.account_no).member.member_id
    except LookupError:
        return None


def mark_overdue(
    uow: UnitOfWork, *, staff: Staff, on: date, at: datetime, servicing: ServicingPolicy
) -> tuple[NewlyOverdue, ...]:
    """逾期标记: bring every open loan up to ``on`` under the centre's ``servicing`` rules
    (:func:`hpf_core.loans.accrue`: bills, overdue records, penalty), run by an
    administrator. For every instalment that becomes overdue now — not one marked by an
    earlier run — an audit event ``loan.overdue`` (record ``loan/<contract>``) and the
    borrower's notice (:func:`hpf_core.notices.instalment_overdue`), in the same unit of
    work. A second run on the same day finds nothing new and sends nothing."""
    unit_of_work(uow)
    actor = require(instance(staff, Staff, "staff"), "mark_overdue").staff_id
    on = check_date(on, "on")
    require_aware(at, "at")
    policy = instance(servicing, ServicingPolicy, "servicing")
    found: list[NewlyOverdue] = []
    with uow:
        for contract_no in uow.loans.numbers():
            loan = uow.loans.get(contract_no)
            if loan.settled_on is not None:
                continue
            accrued = accrue(loan, on, policy)
            if accrued != loan:
                uow.loans.save(accrued)
            known = {r.period for r in loan.overdue}
            member_id = _member_of_loan(uow, loan)
            for record in accrued.overdue:
                if record.period in known:
                    continue
                bill = next(b for b in accrued.bills if b.period == record.period)
                with money_context():
                    owed = bill.principal_due + bill.interest_due
                found.append(NewlyOverdue(contract_no, record.period, record.due_date, owed))
                audit(
                    uow,
                    actor,
                    "loan.overdue",
                    at,
                    ref("loan", contract_no),
                    member_id or "-",
                    period=record.period,
                    owed=owed,
                )
                if member_id is not None:
                    notify(
                        uow,
                        member_id,
                        instalment_overdue(contract_no, record.period, record.due_date, owed),
                        at,
                    )
        uow.commit()
    return tuple(found)
