"""The back-office jobs (issue #13, D-053) on every store: the annual interest settlement
and the overdue marking write one audit event and one notice per account or instalment,
in the job's unit of work, once; figures computed by hand in the comments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hpf_core import backoffice as bo
from hpf_core.accounts import Employer, EntryKind, Member
from hpf_core.accounts import services as deposits
from hpf_core.errors import Refused
from hpf_core.loans import Borrower, ServicingPolicy, SignerRole, open_loan
from hpf_core.loans import services as loans
from hpf_core.ports import AuditEvent, MemberRecord, Notification, UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
D = Decimal
CST = timezone(timedelta(hours=8))
ADMIN = bo.Staff("ADM1", bo.StaffRole.ADMINISTRATOR)
RATES = [(date(2015, 10, 24), D("0.015"))]
PEOPLE = [  # member, ID number, account, phone (None: no member record), balance held all year
    ("M1", "11010519491231002X", "100200300001", "13800000001", "10000.00"),
    ("M2", "440524188001010014", "100200300002", "13800000002", "20000.00"),
    ("M3", "11010219840406970X", "100200300003", None, "0.00"),
]


def notices(new_uow: NewUnitOfWork) -> list[Notification]:
    with new_uow() as uow:
        return list(uow.outbox.pending(1000))


def trail(new_uow: NewUnitOfWork) -> list[AuditEvent]:
    with new_uow() as uow:
        return list(uow.audit.events())


@pytest.fixture
def savers(new_uow: NewUnitOfWork) -> NewUnitOfWork:
    for member_id, id_number, account_no, phone, held in PEOPLE:
        deposits.open_account(
            new_uow(),
            account_no=account_no,
            member=Member(member_id, "职工", id_number),
            employer=Employer("E1", "单位"),
            opened_on=date(2020, 1, 1),
            base="5000.00",
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
        if held != "0.00":
            deposits.receive_transfer(
                new_uow(),
                account_no=account_no,
                amount=held,
                value_date=date(2023, 6, 30),
                key=f"in-{member_id}",
            )
        if phone is not None:
            with new_uow() as uow:
                uow.members.add(MemberRecord(member_id, phone, id_number, account_no))
                uow.commit()
    return new_uow


def settle(new_uow: NewUnitOfWork, staff: bo.Staff = ADMIN) -> tuple[object, ...]:
    return bo.settle_interest(
        new_uow(),
        staff=staff,
        year=2023,
        rates=RATES,
        basis="30/360",
        key="interest-2023",
        on=date(2024, 7, 1),
        at=datetime(2024, 7, 1, 2, 0, tzinfo=CST),
    )


class TestInterestSettlement:
    def test_each_credited_account_gets_one_audit_event_and_one_notice(self, savers: NewUnitOfWork) -> None:
        entries = settle(savers)
        # a whole interest year on 30/360 at 1.5%: 10,000.00 x 1.5% = 150.00; 20,000.00 -> 300.00;
        # the empty account earns nothing and gets no entry
        assert [(e.account_no, e.kind, e.amount, e.value_date) for e in entries] == [  # type: ignore[attr-defined]
            ("100200300001", EntryKind.INTEREST, D("150.00"), date(2024, 7, 1)),
            ("100200300002", EntryKind.INTEREST, D("300.00"), date(2024, 7, 1)),
        ]
        assert [(n.member_id, n.to, n.text) for n in notices(savers)] == [
            (
                "M1",
                "13800000001",
                "【12329】您的住房公积金账户(账号********0001)2023年度结息150.00元已于2024年07月01日入账。",
            ),
            (
                "M2",
                "13800000002",
                "【12329】您的住房公积金账户(账号********0002)2023年度结息300.00元已于2024年07月01日入账。",
            ),
        ]
        events = trail(savers)
        assert [(e.actor, e.action, e.record) for e in events] == [
            ("ADM1", "interest.settled", f"journal/{entries[0].entry_id}"),  # type: ignore[attr-defined]
            ("ADM1", "interest.settled", f"journal/{entries[1].entry_id}"),  # type: ignore[attr-defined]
        ]
        assert [e.detail for e in events] == [
            "member=M1 year=2023 amount=150.00",
            "member=M2 year=2023 amount=300.00",
        ]

    def test_a_rerun_under_the_key_credits_records_and_tells_nothing_more(
        self, savers: NewUnitOfWork
    ) -> None:
        first = settle(savers)
        assert settle(savers) == first
        # the account service under the same key replays the same run
        again = deposits.settle_annual_interest(
            savers(), year=2023, rates=RATES, basis="30/360", key="interest-2023", on=date(2024, 7, 1)
        )
        assert again == first
        assert (len(notices(savers)), len(trail(savers))) == (2, 2)

    def test_only_an_administrator_runs_it_and_a_refused_run_writes_nothing(
        self, savers: NewUnitOfWork
    ) -> None:
        with pytest.raises(Refused):
            settle(savers, bo.Staff("R1", bo.StaffRole.REVIEWER))
        with pytest.raises(Refused) as refused:  # the year has not ended
            bo.settle_interest(
                savers(), staff=ADMIN, year=2023, rates=RATES, basis="30/360", key="early",
                on=date(2024, 6, 1), at=datetime(2024, 6, 1, tzinfo=CST),
            )  # fmt: skip
        assert refused.value.codes == ("year_not_ended",)
        assert (notices(savers), trail(savers)) == ([], [])


OVERDUE_1 = (
    "【12329】您的住房公积金贷款(合同号********0001)第1期应还款10,360.00元(应还日2024年02月15日)"
    "已逾期，请尽快还款，逾期将按日计收罚息。"
)
OVERDUE_2 = (
    "【12329】您的住房公积金贷款(合同号********0001)第2期应还款10,330.00元(应还日2024年03月15日)"
    "已逾期，请尽快还款，逾期将按日计收罚息。"
)


@pytest.fixture
def borrower(savers: NewUnitOfWork) -> NewUnitOfWork:
    # 120,000.00 over 12 months, equal principal, 3.6% a year (0.3% a month), due on the 15th:
    # period 1 = 10,000.00 + 120,000.00 x 0.3% = 10,360.00;
    # period 2 = 10,000.00 + 110,000.00 x 0.3% = 10,330.00
    loan = open_loan(
        contract_no="HT2024000001",
        borrowers=(Borrower(SignerRole.BORROWER, "张三", "100200300001"),),
        principal="120000.00",
        disbursed_on=date(2024, 1, 15),
        term_months=12,
        method="equal-principal",
        annual_rate="0.036",
        repayment_day=15,
    )
    loans.disburse(savers(), loan)
    return savers


def mark(new_uow: NewUnitOfWork, on: date) -> tuple[bo.NewlyOverdue, ...]:
    return bo.mark_overdue(
        new_uow(),
        staff=ADMIN,
        on=on,
        at=datetime.combine(on, datetime.min.time(), CST),
        servicing=ServicingPolicy(),
    )


class TestOverdueMarking:
    def test_each_new_overdue_instalment_is_told_once(self, borrower: NewUnitOfWork) -> None:
        assert mark(borrower, date(2024, 2, 15)) == ()  # paying on the due date is on time
        found = mark(borrower, date(2024, 2, 20))
        assert [(f.contract_no, f.period, f.due_date, f.owed) for f in found] == [
            ("HT2024000001", 1, date(2024, 2, 15), D("10360.00"))
        ]
        assert mark(borrower, date(2024, 2, 21)) == ()
        later = mark(borrower, date(2024, 3, 20))
        assert [(f.period, f.owed) for f in later] == [(2, D("10330.00"))]
        assert [(n.member_id, n.to, n.text) for n in notices(borrower)] == [
            ("M1", "13800000001", OVERDUE_1),
            ("M1", "13800000001", OVERDUE_2),
        ]
        assert [(e.actor, e.action, e.record, e.detail) for e in trail(borrower)] == [
            ("ADM1", "loan.overdue", "loan/HT2024000001", "member=M1 period=1 owed=10360.00"),
            ("ADM1", "loan.overdue", "loan/HT2024000001", "member=M1 period=2 owed=10330.00"),
        ]
        with borrower() as uow:
            assert [r.period for r in uow.loans.get("HT2024000001").overdue] == [1, 2]

    def test_a_reviewer_may_not_mark(self, borrower: NewUnitOfWork) -> None:
        with pytest.raises(Refused):
            bo.mark_overdue(
                borrower(), staff=bo.Staff("R1", "reviewer"), on=date(2024, 2, 20),
                at=datetime(2024, 2, 20, tzinfo=CST), servicing=ServicingPolicy(),
            )  # fmt: skip
        assert (notices(borrower), trail(borrower)) == ([], [])
