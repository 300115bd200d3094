"""The back office on the loan business (issue #13, D-053) on every store: the two-node
chain with staff principals, four eyes across nodes, the business carried out once on the
final approval with its audit events and exactly one notice, and a refused re-check that
writes nothing. Figures from the seed (操作手册 §6.3): 当前贷款余额 146,271.00, 提前还款
10,000.00 (§6.3.1); 提前结清 with 3,000.00 from the fund (§6.3.3)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hpf_core import backoffice as bo
from hpf_core.accounts import Employer, Member
from hpf_core.accounts import services as deposits
from hpf_core.errors import FourEyesViolation, InputError, InsufficientFunds, Refused
from hpf_core.idempotency import once
from hpf_core.loans import Borrower, ServicingPolicy, SignerRole, business, open_loan
from hpf_core.loans import services as loans
from hpf_core.ports import AuditEvent, MemberRecord, Notification, UnitOfWork
from hpf_core.withdrawals import ApplicationStatus, LoanBusiness, draft_business
from hpf_core.withdrawals import services as workflow

NewUnitOfWork = Callable[[], UnitOfWork]
D = Decimal
CST = timezone(timedelta(hours=8))
DAY = date(2018, 5, 29)
POLICY = ServicingPolicy(prepay_min_months=0)
CONTRACT = "HT2018000003"
PEOPLE = [
    ("P1", "张三", "11010519491231002X", SignerRole.BORROWER, "100200300001", "13800000001"),
    ("P2", "李四", "440524188001010014", SignerRole.SPOUSE, "100200300002", "13800000002"),
    ("P3", "王五", "11010219840406970X", SignerRole.CO_BORROWER, "100200300003", "13800000003"),
]
REVIEWER = bo.Staff("R1", bo.StaffRole.REVIEWER)
APPROVER = bo.Staff("S2", bo.StaffRole.APPROVER)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2018, 5, 29, hour, minute, tzinfo=CST)


@pytest.fixture
def world(new_uow: NewUnitOfWork) -> NewUnitOfWork:
    for member_id, name, id_number, _, account_no, phone in PEOPLE:
        deposits.open_account(
            new_uow(),
            account_no=account_no,
            member=Member(member_id, name, id_number),
            employer=Employer("150101329", "示例单位"),
            opened_on=date(2010, 1, 1),
            base="6900.00",
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
        deposits.receive_transfer(  # the seed's 个人账户余额 46760.77
            new_uow(), account_no=account_no, amount="46760.77", value_date=DAY, key=f"in-{member_id}"
        )
        with new_uow() as uow:
            uow.members.add(
                MemberRecord(member_id, phone, id_number, account_no, (CONTRACT,) * (member_id == "P1"))
            )
            uow.commit()
    loan = open_loan(
        contract_no=CONTRACT,
        borrowers=tuple(Borrower(role, name, account_no) for _, name, _, role, account_no, _ in PEOPLE),
        principal="146271.00",
        disbursed_on=DAY,
        term_months=138,
        method="equal-installment",
        annual_rate="0.0325",
    )
    loans.disburse(new_uow(), loan)
    return new_uow


def notices(new_uow: NewUnitOfWork) -> list[Notification]:
    with new_uow() as uow:
        return list(uow.outbox.pending(1000))


def trail(new_uow: NewUnitOfWork) -> list[AuditEvent]:
    with new_uow() as uow:
        return list(uow.audit.events())


def submitted_prepayment(new_uow: NewUnitOfWork) -> None:
    business.apply_for_prepayment(
        new_uow(),
        application_id="B1",
        contract_no=CONTRACT,
        account_no="100200300001",
        amount="10000",
        strategy="keep-term",
        on=DAY,
        policy=POLICY,
    )
    workflow.upload_documents(new_uow(), application_id="B1", category="申请单")
    workflow.submit_application(new_uow(), application_id="B1", actor="P1", at=at(9))


class TestPrepayment:
    def test_two_nodes_two_staff_the_money_moves_once_and_the_borrower_is_told(
        self, world: NewUnitOfWork
    ) -> None:
        submitted_prepayment(world)
        with pytest.raises(Refused) as refused:  # the first node is not the approver's
            bo.approve(world(), staff=APPROVER, application_id="B1", at=at(10), servicing=POLICY)
        assert refused.value.codes == ("not_final_node",)
        bo.review(world(), staff=REVIEWER, application_id="B1", at=at(10), opinion="材料齐全")
        with pytest.raises(InputError):  # a loan business needs the centre's servicing rules
            bo.approve(world(), staff=APPROVER, application_id="B1", at=at(11))
        assert notices(world) == []
        done = bo.approve(world(), staff=APPROVER, application_id="B1", at=at(11), on=DAY, servicing=POLICY)
        assert done.status is ApplicationStatus.COMPLETED
        with world() as uow:
            assert uow.loans.get(CONTRACT).balance == D("136271.00")  # 146,271.00 - 10,000.00
        [notice] = notices(world)
        assert (notice.member_id, notice.to, notice.text) == (
            "P1",
            "13800000001",
            "【12329】您的提前还本申请(10,000.00元)已审批通过并办结。",
        )
        assert [(e.actor, e.action, e.record) for e in trail(world)] == [
            ("R1", "application.reviewed", "application/B1"),
            ("S2", "application.approved", "application/B1"),
            ("S2", "loan.prepaid", f"loan/{CONTRACT}"),
        ]
        # approving a completed business again is refused and writes nothing
        with pytest.raises(Refused):
            bo.approve(world(), staff=APPROVER, application_id="B1", at=at(12), servicing=POLICY)
        assert len(notices(world)) == 1
        assert len(trail(world)) == 3

    def test_who_handled_the_first_node_may_not_approve_at_the_second(self, world: NewUnitOfWork) -> None:
        submitted_prepayment(world)
        both = bo.Staff("S9", bo.StaffRole.APPROVER)
        bo.take_up(world(), staff=both, application_id="B1", at=at(10))
        bo.review(world(), staff=REVIEWER, application_id="B1", at=at(10, 30))
        for staff in (both, bo.Staff("R1", bo.StaffRole.APPROVER)):
            with pytest.raises(FourEyesViolation):
                bo.approve(world(), staff=staff, application_id="B1", at=at(11), servicing=POLICY)
        with world() as uow:
            assert uow.loans.get(CONTRACT).balance == D("146271.00")
        assert [e.action for e in trail(world)] == ["application.taken_up", "application.reviewed"]
        assert notices(world) == []


class TestOffsetSigning:
    def test_the_spouse_signs_and_is_told_with_masked_numbers(self, world: NewUnitOfWork) -> None:
        business.apply_for_offset_signing(
            world(), application_id="B2", contract_no=CONTRACT, account_no="100200300002"
        )
        for category in ("借款人身份证", "结婚证", "配偶身份证"):
            workflow.upload_documents(world(), application_id="B2", category=category)
        workflow.submit_application(world(), application_id="B2", actor="P2", at=at(9))
        bo.review(world(), staff=REVIEWER, application_id="B2", at=at(10))
        bo.approve(world(), staff=APPROVER, application_id="B2", at=at(11), servicing=POLICY)
        with world() as uow:
            agreement = uow.loans.get(CONTRACT).agreement
        assert agreement is not None
        assert [s.account_no for s in agreement.signers] == ["100200300002"]
        [notice] = notices(world)
        assert (notice.to, notice.text) == (
            "13800000002",
            "【12329】您的住房公积金账户(账号********0002)已于2018年05月29日签约按月抵扣"
            "住房公积金贷款(合同号********0003)，每月还款日将从该账户扣划应还款。",
        )
        assert [e.action for e in trail(world)][-2:] == ["application.approved", "offset.signed"]


class TestSettlement:
    def test_a_refused_recheck_writes_neither_notice_nor_audit(self, world: NewUnitOfWork) -> None:
        business.apply_for_settlement(
            world(),
            application_id="B3",
            contract_no=CONTRACT,
            account_no="100200300001",
            from_hpf="3000",
            on=DAY,
            policy=POLICY,
            certificate_no="JQ1",
        )
        for category in ("头像", "身份证"):
            workflow.upload_documents(world(), application_id="B3", category=category)
        workflow.submit_application(world(), application_id="B3", actor="P1", at=at(9))
        bo.review(world(), staff=REVIEWER, application_id="B3", at=at(10))
        # the fund is drawn down before the approval: 3,000.00 is no longer there
        deposits.withdraw(world(), account_no="100200300001", amount="46000.00", value_date=DAY, key="out")
        before = trail(world)
        with pytest.raises(InsufficientFunds):
            bo.approve(world(), staff=APPROVER, application_id="B3", at=at(11), servicing=POLICY)
        assert trail(world) == before
        assert notices(world) == []
        with world() as uow:
            assert uow.applications.get("B3").status is ApplicationStatus.UNDER_REVIEW
            assert uow.loans.get(CONTRACT).settled_on is None


class TestEdges:
    def test_the_counter_handler_may_not_approve(self, world: NewUnitOfWork) -> None:
        app = draft_business(
            "B4",
            "P2",
            LoanBusiness.OFFSET_SIGNING,
            D("0"),
            (),
            details={"contract_no": CONTRACT, "account_no": "100200300002", "handler": "S9"},
            description="按月抵扣签约(配偶),柜台代办。",
            review_chain=("贷款业务审批岗",),
            channel="counter",
        )
        with world() as uow:
            uow.applications.add(app)
            uow.commit()
        workflow.submit_application(world(), application_id="B4", actor="P2", at=at(9))
        with pytest.raises(FourEyesViolation):
            bo.approve(
                world(), staff=bo.Staff("S9", "approver"), application_id="B4", at=at(10), servicing=POLICY
            )
        assert (notices(world), trail(world)) == ([], [])
        bo.approve(world(), staff=APPROVER, application_id="B4", at=at(10), servicing=POLICY)
        assert [e.action for e in trail(world)] == ["application.approved", "offset.signed"]

    def test_a_business_carried_out_by_a_run_that_died_before_saving_is_finished_not_repeated(
        self, world: NewUnitOfWork
    ) -> None:
        submitted_prepayment(world)
        bo.review(world(), staff=REVIEWER, application_id="B1", at=at(10))
        # an earlier run moved the money under the key and died before the application was saved
        with world() as uow:
            once(uow, "business:B1", "approve_loan_business", {"application_id": "B1", "on": DAY}, lambda: ())
        done = bo.approve(world(), staff=APPROVER, application_id="B1", at=at(11), servicing=POLICY)
        assert done.status is ApplicationStatus.COMPLETED
        with world() as uow:  # the money did not move a second time
            assert uow.loans.get(CONTRACT).balance == D("146271.00")
        assert [e.action for e in trail(world)] == [
            "application.reviewed",
            "application.approved",
            "loan.prepaid",
        ]
        assert [n.text for n in notices(world)] == [
            "【12329】您的提前还本申请(10,000.00元)已审批通过并办结。"
        ]


class TestTheOtherBusinesses:
    def test_settlement_draws_the_fund_and_settles_the_loan(self, world: NewUnitOfWork) -> None:
        business.apply_for_settlement(
            world(),
            application_id="B5",
            contract_no=CONTRACT,
            account_no="100200300001",
            from_hpf="3000",
            on=DAY,
            policy=POLICY,
            certificate_no="JQ5",
        )
        for category in ("头像", "身份证"):
            workflow.upload_documents(world(), application_id="B5", category=category)
        workflow.submit_application(world(), application_id="B5", actor="P1", at=at(9))
        bo.review(world(), staff=REVIEWER, application_id="B5", at=at(10))
        bo.approve(world(), staff=APPROVER, application_id="B5", at=at(11), servicing=POLICY)
        with world() as uow:
            assert uow.loans.get(CONTRACT).settled_on == DAY
            # 46,760.77 - 3,000.00 支取公积金还款金额
            assert uow.accounts.get("100200300001").balance == D("43760.77")
        # opened and settled the same day: no interest, the total is the principal 146,271.00
        assert [n.text for n in notices(world)] == [
            "【12329】您的提前结清申请(146,271.00元)已审批通过并办结。"
        ]
        assert [(e.action, e.record) for e in trail(world)][-2:] == [
            ("application.approved", "application/B5"),
            ("loan.settled", f"loan/{CONTRACT}"),
        ]

    def test_offset_cancelling_tells_the_signer(self, world: NewUnitOfWork) -> None:
        loans.sign_monthly_offset(world(), contract_no=CONTRACT, account_no="100200300003", on=DAY)
        business.apply_for_offset_cancelling(
            world(), application_id="B6", contract_no=CONTRACT, account_no="100200300003"
        )
        for category in ("借款人身份证", "共同借款人身份证"):
            workflow.upload_documents(world(), application_id="B6", category=category)
        workflow.submit_application(world(), application_id="B6", actor="P3", at=at(9))
        bo.review(world(), staff=REVIEWER, application_id="B6", at=at(10))
        bo.approve(world(), staff=APPROVER, application_id="B6", at=at(11), servicing=POLICY)
        [notice] = notices(world)
        assert (notice.member_id, notice.to, notice.text) == (
            "P3",
            "13800000003",
            "【12329】您的住房公积金账户(账号********0003)已于2018年05月29日取消按月抵扣"
            "住房公积金贷款(合同号********0003)。",
        )
        assert [e.action for e in trail(world)][-1] == "offset.cancelled"
