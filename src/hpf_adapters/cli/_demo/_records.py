"""The centre's records before the member opens the app: the deposit account, the loan and
its instalments, the member's initial credentials — written once, on a fresh database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hpf_adapters.cli._demo._context import DAY, Demo
from hpf_core.accounts import Employer, Member
from hpf_core.dates import add_months
from hpf_core.errors import InputError
from hpf_core.loans import Borrower, LoanStatus, SignerRole, open_loan
from hpf_core.members import InitialPasswordRule, new_credentials
from hpf_core.ports import MemberRecord

__all__ = ["open_records", "stored_state"]

_MONTHLY = Decimal("1254.00")  # 627.00 + 627.00 (seed §4.2 (2))


def stored_state(demo: Demo) -> str:
    """``"empty"`` (a new database), ``"done"`` (a finished demo run) — or refused: a
    database holding other data, or a run that stopped half way, is not the demo's to touch."""
    m = demo.member
    with demo.app.unit_of_work() as uow:
        accounts = list(uow.accounts.numbers())
        if not accounts and not list(uow.loans.numbers()):
            return "empty"
        if accounts == [m.account_no] and uow.credentials.by_id_number(m.id_number) is not None:
            if uow.loans.get(m.contract_no).status is LoanStatus.SETTLED:
                return "done"
            raise InputError("--db", "holds a demo run that did not finish: remove the file or use another")
    raise InputError(
        "--db", "holds data that is not the demo's: use a new file (the demo never writes to it)"
    )


def open_records(demo: Demo) -> None:
    """What the centre holds on the demo's day, before the member's first login."""
    app, m = demo.app, demo.member
    member = Member(m.member_id, m.name, m.id_number, m.phone)
    app.accounts.open_account(
        account_no=m.account_no,
        member=member,
        employer=Employer(m.employer_no, m.employer_name),
        opened_on=m.opened_on,
        base=m.base,
        employee_ratio=m.ratio,
        employer_ratio=m.ratio,
        first_month=m.first_month,
    )
    # the years before are one transfer (转入) here; the last month is a real remittance
    app.accounts.receive_transfer(
        account_no=m.account_no,
        amount=m.balance - _MONTHLY,
        value_date=date(2018, 4, 1),
        key="demo/opening-balance",
    )
    contributions = demo.policy.contributions
    assert contributions is not None  # the shipped centre's policy has its contribution rules
    app.accounts.remit_month(
        employer_no=m.employer_no,
        month=m.last_remitted,
        value_date=date(2018, 5, 5),
        key=f"demo/{m.employer_no}/2018-05",
        rounding=contributions.rounding,
    )
    loan = open_loan(
        contract_no=m.contract_no,
        borrowers=(Borrower(SignerRole.BORROWER, m.name, m.account_no),),
        principal=m.principal,
        disbursed_on=m.disbursed_on,
        term_months=m.term_months,
        method="equal-installment",
        annual_rate=m.annual_rate,
    )
    app.loans.disburse(loan)
    servicing = demo.policy.loans.servicing
    day = loan.contract.first_due
    while day <= DAY:  # every instalment debited from the borrower's card on its due date
        app.loans.collect_instalment(
            contract_no=m.contract_no, on=day, policy=servicing, key=f"demo/collect/{day:%Y-%m}"
        )
        day = add_months(day, 1)
    with app.unit_of_work() as uow:
        uow.credentials.add(
            new_credentials(
                m.member_id, m.phone, m.id_number, app.hasher, keypad_rule=InitialPasswordRule.ID_LAST_6
            )
        )
        # the member record: what the session's member owns (the portal's access rule, D-052)
        uow.members.add(MemberRecord(m.member_id, m.phone, m.id_number, m.account_no, (m.contract_no,)))
        uow.commit()
