"""The seed's loan business end to end through the wired app (issue #11 "Done when", D-049):
提前还本, 按月抵扣签约, 解约 and 提前结清 (操作手册 §6.3), each applied for, its documents
uploaded, submitted, returned once, resubmitted and approved by a second reviewer, the money
moved once, on the memory store and on SQLite, under Altay's shipped policy.

The loan: 157,440.75 at 3.25 % over 151 months, disbursed 2017-04-28, repaid on the 28th.
After its first 13 instalments (2017-05-28 .. 2018-05-28) the principal owed is the seed's
当前贷款余额 146,271.00, and on 2018-05-28 itself no day of interest has run (the seed's
提前归还利息 0.00). Thirteen months: Altay's one-year wait (prepayment and settlement) is over.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from hpf_adapters.wiring import App, Config, build
from hpf_core.accounts import Employer, EntryKind, Member
from hpf_core.errors import FourEyesViolation, Refused
from hpf_core.loans import Borrower, LoanEntryKind, SignerRole, open_loan
from hpf_core.withdrawals import ApplicationStatus, LoanBusiness

D = Decimal
CST = timezone(timedelta(hours=8))
DAY = date(2018, 5, 28)
CARD = "6217000012345678901"
PEOPLE = [
    ("P1", "张三", "11010519491231002X", SignerRole.BORROWER),
    ("P2", "李四", "440524188001010014", SignerRole.SPOUSE),
    ("P3", "王五", "11010219840406970X", SignerRole.CO_BORROWER),
]
CHECK, APPROVAL = "贷款业务审核岗", "贷款业务审批岗"
FUND = D("46760.77")  # the seed's 提前结清 screen: 个人账户余额 46760.77
PAYMENT = D("1271.74")  # the loan's instalment: 146,271 x r / (1 - (1 + r)^-138) = 1,271.738 after 13


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


@pytest.fixture(params=["memory", "sqlite"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[App]:
    common = {"centre": "altay", "clock": at(8), "codes": "fixed", "password_cost": 2**10, "hasher": "scrypt"}
    if request.param == "memory":
        yield build(Config(**common))  # type: ignore[arg-type]
        return
    built = build(
        Config(
            **common,  # type: ignore[arg-type]
            store="sql",
            url=str(tmp_path / "hpf.db"),
            key=b"journey test key: not a real secret!",
            migrate=True,
        )
    )
    yield built
    built.store.dispose()  # type: ignore[union-attr]


def seed(app: App, *, decline_last: bool = False) -> None:
    for number, name, id_number, _ in PEOPLE:
        app.accounts.open_account(
            account_no=number,
            member=Member(number, name, id_number),
            employer=Employer("150101329", "示例单位"),
            opened_on=date(2010, 1, 1),
            base="6900.00",
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
        app.accounts.receive_transfer(
            account_no=number, amount=FUND, value_date=date(2017, 4, 1), key=f"in-{number}"
        )
    loan = open_loan(
        contract_no="HT03",
        borrowers=tuple(Borrower(role, name, number) for number, name, _, role in PEOPLE),
        principal="157440.75",
        disbursed_on=date(2017, 4, 28),
        term_months=151,
        method="equal-installment",
        annual_rate="0.0325",
        repayment_day=28,
        card_number=CARD,
    )
    app.loans.disburse(loan)
    policy = app.policy.loans.servicing
    for month in range(13):
        due = date(2017 + (4 + month) // 12, (4 + month) % 12 + 1, 28)
        if decline_last and month == 12:
            app.debits.declined = frozenset({"HT03"})  # type: ignore[attr-defined]
        app.loans.collect_instalment(contract_no="HT03", on=due, policy=policy, key=f"c{due:%Y%m}")
    app.debits.declined = frozenset()  # type: ignore[attr-defined]


def balance(app: App, account_no: str) -> Decimal:
    with app.unit_of_work() as uow:
        return uow.accounts.get(account_no).balance


def loan(app: App) -> object:
    with app.unit_of_work() as uow:
        return uow.loans.get("HT03")


def loan_lines(app: App) -> list[object]:
    with app.unit_of_work() as uow:
        return list(uow.loan_journal.entries("HT03"))


def walk(app: App, application_id: str, applicant: str, documents: dict[str, int], day: date = DAY) -> None:
    """Upload, submit, return once, resubmit, pass the first node (reviewer S1)."""
    for category, files in documents.items():
        app.withdrawals.upload_documents(application_id=application_id, category=category, files=files)
    app.withdrawals.submit_application(application_id=application_id, actor=applicant, at=at(9, day=day))
    app.withdrawals.return_application(
        application_id=application_id, node=CHECK, reviewer="S1", opinion="材料不清晰", at=at(10, day=day)
    )
    assert [a.application_id for a in app.withdrawals.my_todos(applicant)] == [application_id]
    app.withdrawals.resubmit_application(application_id=application_id, actor=applicant, at=at(11, day=day))
    app.loans.approve_loan_business(
        application_id=application_id,
        node=CHECK,
        reviewer="S1",
        at=at(12, day=day),
        on=day,
        policy=app.policy.loans.servicing,
    )


def approve(app: App, application_id: str, reviewer: str = "S2", day: date = DAY, hour: int = 13) -> object:
    return app.loans.approve_loan_business(
        application_id=application_id,
        node=APPROVAL,
        reviewer=reviewer,
        at=at(hour, day=day),
        on=day,
        policy=app.policy.loans.servicing,
    )


def test_the_four_loan_businesses_through_the_wired_app(app: App) -> None:
    seed(app)
    policy = app.policy.loans.servicing
    assert loan(app).balance == D("146271.00")  # type: ignore[attr-defined]
    assert len(app.debits.debits) == 13  # type: ignore[attr-defined]
    lines_before = len(loan_lines(app))
    assert lines_before == 13

    # ---- 提前还本 (§6.3.1) -------------------------------------------------------------
    application, quote = app.loans.apply_for_prepayment(
        application_id="B1",
        contract_no="HT03",
        account_no="P1",
        amount="10000",
        strategy="keep-term",
        on=DAY,
        policy=policy,
    )
    # the 核对 page: 当前贷款余额 146,271.00, 利息 0.00, 本金 10,000.00, 逾期金额合计 0.00,
    # 银行扣划金额 = 0.00 + 10,000.00, 还款卡号 masked; 提前还款后月还金额 over the 138 months
    # left: 136,271 x r / (1 - (1 + r)^-138), r = 3.25 % / 12, = 1,184.794 -> 1,184.79
    # (the seed's 1,154.84 belongs to its own loan's rate and term, which it does not show)
    assert (quote.balance, quote.interest, quote.principal, quote.overdue, quote.bank_debit) == (
        D("146271.00"),
        D("0.00"),
        D("10000.00"),
        D("0.00"),
        D("10000.00"),
    )
    assert (quote.payment_after, quote.remaining_months) == (D("1184.79"), 138)
    assert quote.masked_card == "621700*********8901"
    assert application.status is ApplicationStatus.DRAFT
    walk(app, "B1", "P1", {"申请单": 2})
    assert loan(app).balance == D("146271.00")  # type: ignore[attr-defined]
    with pytest.raises(FourEyesViolation):
        approve(app, "B1", reviewer="P1")  # four eyes: the applicant may not approve their own
    done = approve(app, "B1")
    assert done.status is ApplicationStatus.COMPLETED  # type: ignore[attr-defined]
    assert loan(app).balance == D("136271.00")  # type: ignore[attr-defined]  # 146,271.00 - 10,000.00
    new = loan_lines(app)[lines_before:]
    assert [(e.kind, e.principal, e.interest) for e in new] == [  # type: ignore[attr-defined]
        (LoanEntryKind.PREPAYMENT, D("10000.00"), D("0.00"))
    ]
    prepaid = [d for d in app.debits.debits if d[0].startswith("business:B1/")]  # type: ignore[attr-defined]
    assert [(c, a) for _, c, a in prepaid] == [("HT03", D("10000.00"))]
    assert approve(app, "B1") == done  # once: a second call moves nothing
    assert len(loan_lines(app)) == 14
    assert loan(app).balance == D("136271.00")  # type: ignore[attr-defined]

    # ---- a prepayment ended by the member moves nothing ---------------------------------
    app.loans.apply_for_prepayment(
        application_id="B5",
        contract_no="HT03",
        account_no="P1",
        amount="5000",
        strategy="keep-term",
        on=DAY,
        policy=policy,
    )
    app.withdrawals.upload_documents(application_id="B5", category="申请单")
    app.withdrawals.submit_application(application_id="B5", actor="P1", at=at(14))
    app.withdrawals.return_application(
        application_id="B5", node=CHECK, reviewer="S1", opinion="请核实", at=at(15)
    )
    ended = app.withdrawals.end_application(application_id="B5", actor="P1", at=at(16))
    assert ended.status is ApplicationStatus.ENDED
    with pytest.raises(Refused):
        approve(app, "B5")
    assert loan(app).balance == D("136271.00")  # type: ignore[attr-defined]
    assert len(loan_lines(app)) == 14

    # ---- 按月抵扣签约 and 解约 (§6.3.2), the spouse in person ---------------------------------
    screen = app.loans.offset_signing_screen(contract_no="HT03", account_no="P2")
    assert (screen.role, screen.balance, screen.signed_text, screen.action) == (
        SignerRole.SPOUSE,
        FUND,
        "否",
        "我要签约",
    )
    assert screen.due_month == "201806"  # 201805 is repaid; the next instalment is due 2018-06-28
    assert screen.monthly_deposit == D("1656.00")  # 6,900 x 12% = 828 a side (the seed's 月缴存额 1656.00)
    signing = app.loans.apply_for_offset_signing(application_id="B3", contract_no="HT03", account_no="P2")
    assert signing.member_id == "P2"
    walk(app, "B3", "P2", {"借款人身份证": 1, "结婚证": 1, "配偶身份证": 1})
    assert loan(app).agreement is None  # type: ignore[attr-defined]
    approve(app, "B3")
    agreement = loan(app).agreement  # type: ignore[attr-defined]
    assert [s.account_no for s in agreement.signers] == ["P2"]
    assert app.loans.offset_signing_screen(contract_no="HT03", account_no="P2").action == "取消签约"

    app.loans.apply_for_offset_cancelling(application_id="B4", contract_no="HT03", account_no="P2")
    walk(app, "B4", "P2", {"借款人身份证": 1, "结婚证": 1, "配偶身份证": 1})
    approve(app, "B4")
    assert loan(app).agreement is None  # type: ignore[attr-defined]
    assert balance(app, "P2") == FUND  # signing and cancelling move no money
    assert len(loan_lines(app)) == 14

    # ---- 提前结清 (§6.3.3): 136,271.00 - 3,000.00 = 133,271.00 --------------------------------
    application, settlement = app.loans.apply_for_settlement(
        application_id="B2",
        contract_no="HT03",
        account_no="P1",
        from_hpf="3000",
        on=DAY,
        policy=policy,
        certificate_no="JQ001",
    )
    assert (settlement.principal, settlement.interest, settlement.total) == (
        D("136271.00"),
        D("0.00"),
        D("136271.00"),
    )
    assert (settlement.from_hpf, settlement.bank_debit) == (D("3000.00"), D("133271.00"))
    walk(app, "B2", "P1", {"头像": 1, "身份证": 1})
    # the re-check at approval refuses: the bank declines the card; nothing moves
    app.debits.declined = frozenset({"HT03"})  # type: ignore[attr-defined]
    with pytest.raises(Refused) as caught:
        approve(app, "B2")
    assert caught.value.codes == ("card_declined",)
    assert balance(app, "P1") == FUND
    assert loan(app).settled_on is None  # type: ignore[attr-defined]
    assert len(loan_lines(app)) == 14
    app.debits.declined = frozenset()  # type: ignore[attr-defined]
    # the reviewer returns it; the member resubmits; both nodes approve again
    app.withdrawals.return_application(
        application_id="B2", node=APPROVAL, reviewer="S2", opinion="扣款失败", at=at(14)
    )
    app.withdrawals.resubmit_application(application_id="B2", actor="P1", at=at(15))
    app.loans.approve_loan_business(
        application_id="B2", node=CHECK, reviewer="S1", at=at(16), on=DAY, policy=policy
    )
    settled = approve(app, "B2", hour=17)
    assert settled.status is ApplicationStatus.COMPLETED  # type: ignore[attr-defined]
    certificate = settled.certificate  # type: ignore[attr-defined]
    assert (certificate.certificate_no, certificate.borrower, certificate.settled_on) == (
        "JQ001",
        "张三",
        DAY,
    )
    assert certificate.total_principal_repaid == D("157440.75")  # the whole loan
    assert balance(app, "P1") == D("43760.77")  # 46,760.77 - 3,000.00
    assert balance(app, "P2") == FUND
    assert balance(app, "P3") == FUND
    with app.unit_of_work() as uow:
        deductions = [e.amount for e in uow.journal.entries("P1") if e.kind is EntryKind.LOAN_DEDUCTION]
    assert deductions == [D("-3000.00")]
    closed = loan(app)
    assert (closed.balance, closed.settled_on) == (D("0.00"), DAY)  # type: ignore[attr-defined]
    last = loan_lines(app)[-1]
    assert (last.kind, last.principal, last.interest) == (LoanEntryKind.SETTLEMENT, D("136271.00"), D("0.00"))  # type: ignore[attr-defined]
    settled_debits = [d for d in app.debits.debits if d[0].startswith("business:B2/")]  # type: ignore[attr-defined]
    assert [(c, a) for _, c, a in settled_debits] == [("HT03", D("133271.00"))]
    assert app.debits.cards[settled_debits[0][0]] == CARD  # type: ignore[attr-defined]
    assert approve(app, "B2", hour=18) == settled  # replay: the same certificate, nothing moves
    assert len(loan_lines(app)) == 15
    assert balance(app, "P1") == D("43760.77")

    # ---- 我的业务: every business with its history ---------------------------------------
    mine = [(a.application_id, a.kind, a.status) for a in app.withdrawals.my_applications("P1")]
    assert sorted(mine) == [
        ("B1", LoanBusiness.PREPAYMENT, ApplicationStatus.COMPLETED),
        ("B2", LoanBusiness.SETTLEMENT, ApplicationStatus.COMPLETED),
        ("B5", LoanBusiness.PREPAYMENT, ApplicationStatus.ENDED),
    ]
    spouse = [(a.application_id, a.kind, a.status) for a in app.withdrawals.my_applications("P2")]
    assert sorted(spouse) == [
        ("B3", LoanBusiness.OFFSET_SIGNING, ApplicationStatus.COMPLETED),
        ("B4", LoanBusiness.OFFSET_CANCELLING, ApplicationStatus.COMPLETED),
    ]
    assert app.withdrawals.my_todos("P1") == ()
    assert app.withdrawals.my_todos("P2") == ()
    once = [
        ("任务发起人", ""),
        ("申请", ""),
        (CHECK, "材料不清晰"),
        ("申请", ""),
        (CHECK, ""),
        (APPROVAL, ""),
        ("办结", ""),
    ]
    for application_id in ("B1", "B3", "B4"):
        assert [(r.node, r.opinion) for r in app.withdrawals.history(application_id)] == once
    assert [(r.node, r.opinion) for r in app.withdrawals.history("B2")] == [
        *once[:-2],
        (APPROVAL, "扣款失败"),
        ("申请", ""),
        (CHECK, ""),
        (APPROVAL, ""),
        ("办结", ""),
    ]


def test_a_prepayment_collects_the_arrears_with_it(app: App) -> None:
    """逾期金额合计 + 10,000.00 = 银行扣划金额: the 13th instalment (1,271.74, due 2018-05-28)
    was declined; on 2018-05-29 it is one day late. Penalty: 1,271.74 x 3.25 % x 1.5 / 360
    x 1 day = 0.1722 -> 0.17, so 逾期金额合计 1,271.91 and the card is debited 11,271.91.
    The prepaid principal is 10,000 / (1 + 3.25 % / 360) = 9,999.0973 -> 9,999.10, its
    interest 0.90; the loan owes 146,271.00 - 9,999.10 = 136,271.90 after."""
    seed(app, decline_last=True)
    day = date(2018, 5, 29)
    policy = app.policy.loans.servicing
    _, quote = app.loans.apply_for_prepayment(
        application_id="B1",
        contract_no="HT03",
        account_no="P1",
        amount="10000",
        strategy="keep-term",
        on=day,
        policy=policy,
    )
    assert quote.overdue == D("1271.91")
    assert quote.bank_debit == D("11271.91")  # 1,271.91 + 10,000.00
    assert (quote.principal, quote.interest) == (D("9999.10"), D("0.90"))
    walk(app, "B1", "P1", {"申请单": 1}, day=day)
    approve(app, "B1", day=day)
    after = loan(app)
    assert after.balance == D("136271.90")  # type: ignore[attr-defined]
    assert after.bills == ()  # type: ignore[attr-defined]
    taken = [(c, a) for i, c, a in app.debits.debits if i.startswith("business:B1/")]  # type: ignore[attr-defined]
    assert taken == [("HT03", D("11271.91"))]


def test_settlement_before_the_centres_earliest_day_is_refused_at_apply_and_at_approval(app: App) -> None:
    """Altay: 提前结清 opens a year after disbursement (the seed's 说明, D-049). A loan
    disbursed 2017-06-01 cannot be settled on 2018-05-28; an application made under a
    rule without the wait is refused when the centre approves under its own."""
    seed(app)
    young = open_loan(
        contract_no="HT04",
        borrowers=(Borrower(SignerRole.BORROWER, "张三", "P1"),),
        principal="100000.00",
        disbursed_on=date(2017, 6, 1),
        term_months=120,
        method="equal-installment",
        annual_rate="0.0325",
    )
    app.loans.disburse(young)
    altay = app.policy.loans.servicing
    with pytest.raises(Refused) as caught:
        app.loans.apply_for_settlement(
            application_id="B9",
            contract_no="HT04",
            account_no="P1",
            from_hpf="0",
            on=DAY,
            policy=altay,
            certificate_no="JQ009",
        )
    assert caught.value.codes == ("settle_too_early",)
    import attrs

    lenient = attrs.evolve(altay, settle_min_months=0)
    app.loans.apply_for_settlement(
        application_id="B9",
        contract_no="HT04",
        account_no="P1",
        from_hpf="0",
        on=DAY,
        policy=lenient,
        certificate_no="JQ009",
    )
    walk(app, "B9", "P1", {"头像": 1, "身份证": 1})
    with pytest.raises(Refused) as refused:
        approve(app, "B9")
    assert refused.value.codes == ("settle_too_early",)
    with app.unit_of_work() as uow:
        assert uow.loans.get("HT04").settled_on is None
        assert uow.applications.get("B9").status is ApplicationStatus.UNDER_REVIEW
        assert uow.loan_journal.entries("HT04") == []
