"""Loan business through the centre's approval (issue #11 item 1, D-046), with the seed's
figures (操作手册 §6.3): 当前贷款余额 146,271.00, 提前还款金额 10,000.00 with 提前归还利息 0.00
and 银行扣划金额 10,000.00 (§6.3.1); then 提前结清 of 136,271.00 with 3,000.00 from the fund,
待还款金额 133,271.00 (§6.3.3). The loan is opened for the test on the day of the business,
so no day of interest has run (the seed's 提前归还利息 0.00) and the centre's one-year wait
is set to 0 months here."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_core.accounts import Employer, EntryKind, Member
from hpf_core.accounts import services as deposits
from hpf_core.errors import FourEyesViolation, InsufficientFunds, Refused
from hpf_core.loans import Borrower, LoanEntryKind, ServicingPolicy, SignerRole, business, open_loan
from hpf_core.loans import services as loans
from hpf_core.withdrawals import (
    ApplicationStatus,
    DocumentRequirement,
    LoanBusiness,
    StepAction,
    WithdrawalKind,
    draft,
    draft_business,
    work_item,
)
from hpf_core.withdrawals import services as workflow

D = Decimal
CST = timezone(timedelta(hours=8))
DAY = date(2018, 5, 29)
POLICY = ServicingPolicy(prepay_min_months=0)
EMPLOYER = Employer("150101329", "示例单位")
PEOPLE = [
    ("P1", "张三", "11010519491231002X", SignerRole.BORROWER),
    ("P2", "李四", "440524188001010014", SignerRole.SPOUSE),
    ("P3", "王五", "11010219840406970X", SignerRole.CO_BORROWER),
]
CHECK, APPROVAL = "贷款业务审核岗", "贷款业务审批岗"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2018, 5, 29, hour, minute, tzinfo=CST)


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore()
    for number, name, id_number, _ in PEOPLE:
        deposits.open_account(
            MemoryUnitOfWork(s),
            account_no=number,
            member=Member(number, name, id_number),
            employer=EMPLOYER,
            opened_on=date(2010, 1, 1),
            base="6900.00",
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
        # the seed's 提前结清 screen: 个人账户余额 46760.77
        deposits.receive_transfer(
            MemoryUnitOfWork(s), account_no=number, amount="46760.77", value_date=DAY, key=f"in-{number}"
        )
    loan = open_loan(
        contract_no="HT03",
        borrowers=tuple(Borrower(role, name, number) for number, name, _, role in PEOPLE),
        principal="146271.00",
        disbursed_on=DAY,
        term_months=138,
        method="equal-installment",
        annual_rate="0.0325",
    )
    loans.disburse(MemoryUnitOfWork(s), loan)
    return s


def uow(store: MemoryStore) -> MemoryUnitOfWork:
    return MemoryUnitOfWork(store)


def balance(store: MemoryStore, account_no: str) -> Decimal:
    return uow(store).accounts.get(account_no).balance


def loan_lines(store: MemoryStore) -> int:
    return len(uow(store).loan_journal.entries("HT03"))


def to_final_node(store: MemoryStore, application_id: str, applicant: str, documents: dict[str, int]) -> None:
    """Upload, submit, return once, resubmit, pass the first node (reviewer S1)."""
    for category, files in documents.items():
        workflow.upload_documents(uow(store), application_id=application_id, category=category, files=files)
    workflow.submit_application(uow(store), application_id=application_id, actor=applicant, at=at(9))
    workflow.return_application(
        uow(store),
        application_id=application_id,
        node=CHECK,
        reviewer="S1",
        opinion="申请单不清晰",
        at=at(10),
    )
    workflow.resubmit_application(uow(store), application_id=application_id, actor=applicant, at=at(11))
    business.approve_loan_business(
        uow(store), application_id=application_id, node=CHECK, reviewer="S1", at=at(12), on=DAY, policy=POLICY
    )


class TestPrepaymentThroughTheCentre:
    def test_the_seed_walk_moves_the_money_once_on_the_last_approval(self, store: MemoryStore) -> None:
        app, quote = business.apply_for_prepayment(
            uow(store),
            application_id="B1",
            contract_no="HT03",
            account_no="P1",
            amount="10000",
            strategy="keep-term",
            on=DAY,
            policy=POLICY,
        )
        # the seed's 核对 page: 当前贷款余额 146,271.00, 利息 0.00, 本金 10,000.00, 银行扣划 10,000.00
        assert (quote.balance, quote.interest, quote.principal, quote.bank_debit) == (
            D("146271.00"),
            D("0.00"),
            D("10000.00"),
            D("10000.00"),
        )
        assert app.status is ApplicationStatus.DRAFT
        assert app.business == "贷款业务"
        assert [(r.category, r.required) for r in app.requirements] == [("申请单", True)]
        # nothing may be submitted before the 必传项 is uploaded
        with pytest.raises(Refused) as caught:
            workflow.submit_application(uow(store), application_id="B1", actor="P1", at=at(8))
        assert caught.value.codes == ("documents_missing",)

        to_final_node(store, "B1", "P1", {"申请单": 1})
        # after the first node approved: still nothing moved
        assert uow(store).loans.get("HT03").balance == D("146271.00")
        assert loan_lines(store) == 0
        # the applicant can never approve their own business
        with pytest.raises(FourEyesViolation):
            business.approve_loan_business(
                uow(store),
                application_id="B1",
                node=APPROVAL,
                reviewer="P1",
                at=at(13),
                on=DAY,
                policy=POLICY,
            )
        done = business.approve_loan_business(
            uow(store), application_id="B1", node=APPROVAL, reviewer="S2", at=at(13), on=DAY, policy=POLICY
        )
        assert done.status is ApplicationStatus.COMPLETED
        loan = uow(store).loans.get("HT03")
        assert loan.balance == D("136271.00")  # 146,271.00 - 10,000.00
        lines = uow(store).loan_journal.entries("HT03")
        assert [(e.kind, e.principal, e.interest) for e in lines] == [
            (LoanEntryKind.PREPAYMENT, D("10000.00"), D("0.00"))
        ]
        # exactly once: approving again changes nothing
        again = business.approve_loan_business(
            uow(store), application_id="B1", node=APPROVAL, reviewer="S2", at=at(14), on=DAY, policy=POLICY
        )
        assert again == done
        assert loan_lines(store) == 1
        assert uow(store).loans.get("HT03").balance == D("136271.00")

        # 我的业务: 我发起的 lists it with its history; 待办 is empty again
        mine = workflow.my_applications(uow(store), "P1")
        assert [(a.application_id, a.business, a.kind.chinese) for a in mine] == [
            ("B1", "贷款业务", "提前还本")
        ]
        assert workflow.my_todos(uow(store), "P1") == ()
        rows = [(r.node, r.opinion) for r in workflow.history(uow(store), "B1")]
        assert rows == [
            ("任务发起人", ""),
            ("申请", ""),
            (CHECK, "申请单不清晰"),
            ("申请", ""),
            (CHECK, ""),
            (APPROVAL, ""),
            ("办结", ""),
        ]
        assert done.history[-1].action is StepAction.COMPLETE
        assert done.history[-1].reference == "business:B1"

    def test_a_returned_business_waits_in_the_todo_list(self, store: MemoryStore) -> None:
        business.apply_for_prepayment(
            uow(store),
            application_id="B1",
            contract_no="HT03",
            account_no="P1",
            amount="10000",
            strategy="keep-term",
            on=DAY,
            policy=POLICY,
        )
        workflow.upload_documents(uow(store), application_id="B1", category="申请单")
        workflow.submit_application(uow(store), application_id="B1", actor="P1", at=at(9))
        workflow.return_application(
            uow(store), application_id="B1", node=CHECK, reviewer="S1", opinion="请补充", at=at(10)
        )
        todo = workflow.my_todos(uow(store), "P1")
        assert [(a.application_id, a.current_node) for a in todo] == [("B1", CHECK)]
        item = work_item(todo[0])
        assert (item.business, item.process, item.description) == (
            "贷款业务",
            "提前还本",
            "提前还本10,000.00元。",
        )

    def test_ending_moves_nothing(self, store: MemoryStore) -> None:
        business.apply_for_prepayment(
            uow(store),
            application_id="B1",
            contract_no="HT03",
            account_no="P1",
            amount="10000",
            strategy="keep-term",
            on=DAY,
            policy=POLICY,
        )
        workflow.upload_documents(uow(store), application_id="B1", category="申请单")
        workflow.submit_application(uow(store), application_id="B1", actor="P1", at=at(9))
        workflow.return_application(
            uow(store), application_id="B1", node=CHECK, reviewer="S1", opinion="请补充", at=at(10)
        )
        ended = workflow.end_application(uow(store), application_id="B1", actor="P1", at=at(11))
        assert ended.status is ApplicationStatus.ENDED
        with pytest.raises(Refused):
            business.approve_loan_business(
                uow(store), application_id="B1", node=CHECK, reviewer="S1", at=at(12), on=DAY, policy=POLICY
            )
        assert uow(store).loans.get("HT03").balance == D("146271.00")
        assert loan_lines(store) == 0

    def test_the_withdrawal_approval_and_payment_refuse_a_loan_business(self, store: MemoryStore) -> None:
        business.apply_for_prepayment(
            uow(store),
            application_id="B1",
            contract_no="HT03",
            account_no="P1",
            amount="10000",
            strategy="keep-term",
            on=DAY,
            policy=POLICY,
        )
        workflow.upload_documents(uow(store), application_id="B1", category="申请单")
        workflow.submit_application(uow(store), application_id="B1", actor="P1", at=at(9))
        with pytest.raises(Refused) as caught:
            workflow.approve_application(
                uow(store), application_id="B1", node=CHECK, reviewer="S1", at=at(10)
            )
        assert caught.value.codes == ("loan_business",)
        assert uow(store).applications.get("B1").status is ApplicationStatus.SUBMITTED


class TestSettlementThroughTheCentre:
    def prepaid(self, store: MemoryStore) -> None:
        loans.prepay_loan(
            uow(store),
            contract_no="HT03",
            amount="10000",
            on=DAY,
            strategy="keep-term",
            policy=POLICY,
            key="k1",
        )

    def test_the_seed_figures_and_the_spouses_fund(self, store: MemoryStore) -> None:
        self.prepaid(store)
        app, quote = business.apply_for_settlement(
            uow(store),
            application_id="B2",
            contract_no="HT03",
            account_no="P1",
            draw_account_no="P2",  # the ▼ selector: the spouse's fund
            from_hpf="3000",
            on=DAY,
            policy=POLICY,
            certificate_no="JQ001",
        )
        # 136,271.00 - 3,000.00 = 133,271.00 (待还款金额)
        assert (quote.total, quote.from_hpf, quote.bank_debit) == (
            D("136271.00"),
            D("3000.00"),
            D("133271.00"),
        )
        assert [(r.category, r.required) for r in app.requirements] == [("头像", True), ("身份证", True)]
        assert balance(store, "P2") == D("46760.77")  # nothing moved at apply
        to_final_node(store, "B2", "P1", {"头像": 1, "身份证": 1})
        done = business.approve_loan_business(
            uow(store), application_id="B2", node=APPROVAL, reviewer="S2", at=at(13), on=DAY, policy=POLICY
        )
        assert done.status is ApplicationStatus.COMPLETED
        assert balance(store, "P2") == D("43760.77")  # 46,760.77 - 3,000.00
        assert balance(store, "P1") == D("46760.77")
        deductions = [e for e in uow(store).journal.entries("P2") if e.kind is EntryKind.LOAN_DEDUCTION]
        assert [e.amount for e in deductions] == [D("-3000.00")]
        assert uow(store).loans.get("HT03").settled_on == DAY

    def test_a_refused_recheck_moves_nothing(self, store: MemoryStore) -> None:
        self.prepaid(store)
        business.apply_for_settlement(
            uow(store),
            application_id="B2",
            contract_no="HT03",
            account_no="P1",
            from_hpf="3000",
            on=DAY,
            policy=POLICY,
            certificate_no="JQ001",
        )
        to_final_node(store, "B2", "P1", {"头像": 1, "身份证": 1})
        # the member withdraws all but 1,000.00 before the centre approves
        deposits.withdraw(uow(store), account_no="P1", amount="45760.77", value_date=DAY, key="w1")
        before = uow(store).applications.get("B2")
        with pytest.raises(InsufficientFunds):
            business.approve_loan_business(
                uow(store),
                application_id="B2",
                node=APPROVAL,
                reviewer="S2",
                at=at(13),
                on=DAY,
                policy=POLICY,
            )
        assert uow(store).applications.get("B2") == before  # still at 审批岗, not approved
        assert balance(store, "P1") == D("1000.00")
        loan = uow(store).loans.get("HT03")
        assert loan.settled_on is None
        assert loan.balance == D("136271.00")
        assert uow(store).keys.get("business:B2") is None

    def test_too_much_from_the_fund_is_refused_at_apply(self, store: MemoryStore) -> None:
        self.prepaid(store)
        with pytest.raises(Refused) as caught:
            business.apply_for_settlement(
                uow(store),
                application_id="B2",
                contract_no="HT03",
                account_no="P1",
                from_hpf="46760.78",
                on=DAY,
                policy=POLICY,
                certificate_no="JQ001",
            )
        assert caught.value.codes == ("insufficient_funds",)
        assert uow(store).applications.by_member("P1") == []


class TestOffsetThroughTheCentre:
    def test_the_spouse_signs_in_person(self, store: MemoryStore) -> None:
        app = business.apply_for_offset_signing(
            uow(store), application_id="B3", contract_no="HT03", account_no="P2"
        )
        # 本人办理: the applicant is the signer, the member of P2
        assert app.member_id == "P2"
        # 须知 §3.2: a spouse brings both ID cards and the marriage certificate
        assert [r.category for r in app.requirements if r.required] == [
            "借款人身份证",
            "结婚证",
            "配偶身份证",
        ]
        assert uow(store).loans.get("HT03").agreement is None
        to_final_node(store, "B3", "P2", {"借款人身份证": 1, "结婚证": 1, "配偶身份证": 1})
        assert uow(store).loans.get("HT03").agreement is None
        business.approve_loan_business(
            uow(store), application_id="B3", node=APPROVAL, reviewer="S2", at=at(13), on=DAY, policy=POLICY
        )
        agreement = uow(store).loans.get("HT03").agreement
        assert agreement is not None
        assert [s.account_no for s in agreement.signers] == ["P2"]

        # and cancels it the same way
        business.apply_for_offset_cancelling(
            uow(store), application_id="B4", contract_no="HT03", account_no="P2"
        )
        to_final_node(store, "B4", "P2", {"借款人身份证": 1, "结婚证": 1, "配偶身份证": 1})
        business.approve_loan_business(
            uow(store), application_id="B4", node=APPROVAL, reviewer="S2", at=at(13), on=DAY, policy=POLICY
        )
        assert uow(store).loans.get("HT03").agreement is None
        # newest first; both started at 09:00, so by id, B4 before B3
        assert [(a.application_id, a.kind, a.status) for a in workflow.my_applications(uow(store), "P2")] == [
            ("B4", LoanBusiness.OFFSET_CANCELLING, ApplicationStatus.COMPLETED),
            ("B3", LoanBusiness.OFFSET_SIGNING, ApplicationStatus.COMPLETED),
        ]

    def test_cancelling_an_unsigned_account_is_refused(self, store: MemoryStore) -> None:
        with pytest.raises(Refused) as caught:
            business.apply_for_offset_cancelling(
                uow(store), application_id="B4", contract_no="HT03", account_no="P3"
            )
        assert caught.value.codes == ("not_signed",)


def test_one_list_names_each_business() -> None:
    withdrawal = draft("A1", "M1", WithdrawalKind.RETIREMENT, "6007.18", "6225768888888888", ())
    assert work_item(withdrawal, "缴存人离休、退休提取").business == "提取业务"
    docs = (DocumentRequirement("申请单", required=True),)
    loan_app = draft_business(
        "B1",
        "M1",
        LoanBusiness.PREPAYMENT,
        "10000",
        docs,
        details={"contract_no": "HT03"},
        description="提前还本10,000.00元。",
        review_chain=(CHECK,),
    )
    assert work_item(loan_app).business == "贷款业务"


def test_the_loan_account_screen_names_the_borrowers_employer(store: MemoryStore) -> None:
    # 贷款账户信息 (seed §4.2 (3)) shows 借款人单位名称: the main borrower's employer
    info = loans.loan_account_screen(uow(store), contract_no="HT03")
    assert info.employer_name == "示例单位"
    assert (info.contract_no, info.borrower_account, info.balance) == ("HT03", "P1", D("146271.00"))
