"""The member app's journey through ``hpf_adapters.wiring.build(...)`` (issue #13, D-052):
every member service of ``hpf_core.portal``, on the in-memory store and on SQLite,
PostgreSQL and MariaDB, checking the balances, the outbox and the audit log at each step
with figures worked by hand (the seed's where it gives them; see ``portal_world.py``).

The centre's side (return, approve, pay) is the back office's services, called here as a
reviewer would."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hpf_adapters.sms import MemorySms
from hpf_adapters.wiring import App
from hpf_core.accounts import EntryKind
from hpf_core.errors import Refused, UnknownRecord
from hpf_core.loans import HPF_RATE_TABLE
from hpf_core.loans import business as loan_business
from hpf_core.members import PasswordChannel, PasswordGroup
from hpf_core.withdrawals import ApplicationStatus, LoanRepaymentForm, WithdrawalFacts


def _world() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "unit" / "portal_world.py"
    spec = importlib.util.spec_from_file_location("portal_world", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["portal_world"] = module
    spec.loader.exec_module(module)
    return module


W = _world()
A, B, C, at, DAY = W.A, W.B, W.C, W.at, W.DAY
D = Decimal
CHECK, APPROVAL = "贷款业务审核岗", "贷款业务审批岗"
WITHDRAWAL_NODE = "管理部提取业务审核岗"


def instalment(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """等额本息 by the textbook formula P·r·(1+r)^n / ((1+r)^n − 1), r = annual/12 (an oracle
    independent of hpf's kernels), rounded half up to the fen."""
    with localcontext() as ctx:
        ctx.prec = 50
        r = annual_rate / 12
        growth = (1 + r) ** months
        return (principal * r * growth / (growth - 1)).quantize(D("0.01"), ROUND_HALF_UP)


def test_the_member_journey_in_memory() -> None:
    journey(W.the_world(W.an_app()))


def test_the_member_journey_on_a_database(empty_database: str) -> None:
    """On SQLite, PostgreSQL and MariaDB (the conftest's fresh database of each kind)."""
    app = W.the_world(W.an_app(empty_database))
    journey(app)
    app.store.dispose()


def journey(app: App) -> None:
    policy = W.no_wait(app.policy)

    # 新闻动态, 服务网点, 房贷计算器, 利率, 服务热线, 隐私声明: no session
    assert [n.title for n in app.portal.news()] == [
        "EXAMPLE 2026年度住房公积金缴存基数调整",
        "EXAMPLE 关于调整住房公积金业务办理时间的通知",
    ]
    # the seed's four outlets (§5.1.1); only 中心本部's 详情 (with its phone) is in the seed
    assert [(o.name[-4:], o.phone) for o in app.portal.outlets()] == [
        ("中心本部", "12329"),
        ("尔津管理部"[-4:], None),
        ("巴河管理部"[-4:], None),
        ("木乃管理部"[-4:], None),
    ]
    assert app.portal.hotline() == "tel:12329"
    assert app.portal.privacy().startswith("EXAMPLE 隐私声明")
    monthly = instalment(D("146271.00"), D("0.0325"), 138)
    assert monthly == D("1271.74")
    quote = app.portal.calculator("146271.00", "0.0325", 138, "equal-installment")
    assert quote.rows[0].payment == monthly
    assert app.portal.rate_table() == HPF_RATE_TABLE
    assert app.portal.rate_in_force(DAY, 138).rate == D("0.0325")  # 5 years and more, from 2015-08-26

    # 登录: the initial password opens a session good for the password change only
    seen = W.audit_count(app)
    first = app.portal.login(B.phone, B.id_number[-8:], PasswordChannel.APP, at(9))
    assert (first.result.accepted, first.result.password_change_required) == (True, True)
    token = first.token
    with pytest.raises(Refused) as refused:
        app.portal.deposit_account(token, "B1", at(9, 1))
    assert refused.value.codes == ("password_change_required",)
    wrong = app.portal.login(B.phone, "not-it-123", PasswordChannel.APP, at(9, 1))
    assert wrong.result.accepted is False
    app.portal.change_password(
        token, PasswordGroup.ONLINE, B.id_number[-8:], W.NEW_PASSWORD, W.NEW_PASSWORD, at(9, 2)
    )
    creds = "credentials/M-B"
    assert W.audit_tail(app, seen) == [
        ("M-B", "member.login.attempt", creds),
        ("M-B", "member.login.ok", creds),
        ("M-B", "member.login.attempt", creds),
        ("M-B", "member.login.refused", creds),
        ("M-B", "member.password.check.attempt", creds),
        ("M-B", "member.password.changed", creds),
    ]

    # 个人中心 (masked 6+4 and 3+4)
    me = app.portal.personal_centre(token, at(9, 3))
    assert (me.name, me.id_number, me.phone) == ("李四", "440524********0014", "137****7000")

    # 公积金账户: 46,760.77; base 6,900.00 x 12% = 828.00 a month from each side
    info = app.portal.deposit_account(token, "B1", at(9, 4))
    assert (info.balance, info.employee_monthly, info.employer_monthly) == (
        D("46760.77"),
        D("828.00"),
        D("828.00"),
    )
    rows = app.portal.deposit_details(token, "B1", date(2018, 1, 1), DAY, at(9, 4))
    assert [(r.month, r.kind, r.amount) for r in rows] == [
        (date(2018, 5, 1), EntryKind.REMITTANCE, D("1656.00"))
    ]
    assert app.portal.deposit_details(token, "B1", date(2018, 1, 1), date(2018, 4, 30), at(9, 4)) == ()

    # 贷款账户 / 还款计划 / 逾期 / 还款明细
    loan = app.portal.loan_account(token, "HT03", at(9, 5))
    assert (loan.balance, loan.annual_rate, loan.employer_name) == (D("146271.00"), "3.2500%", "示例公司")
    plan = app.portal.repayment_plan_of(token, "HT03", DAY, date(2018, 7, 31), at(9, 5))
    assert [row.total for row in plan] == [monthly, monthly]
    assert app.portal.overdue(token, "HT03", DAY, date(2019, 5, 29), at(9, 5)) == ()
    assert app.portal.repayment_details_of(token, "HT03", DAY, date(2019, 5, 29), at(9, 5)) == ()
    # the spouse signs the loan too, so sees it; the retiree does not
    token_c = W.session(app, C, at(9, 5))
    assert app.portal.loan_account(token_c, "HT03", at(9, 6)).balance == D("146271.00")
    # 结束流程: the spouse drafts 按月抵扣签约 and ends it
    spouse = app.portal.apply_for_offset_signing(token_c, "HT03", at(9, 6))
    assert [r.category for r in spouse.requirements if r.required] == ["借款人身份证", "结婚证", "配偶身份证"]
    ended = app.portal.end_application(token_c, spouse.application_id, at(9, 6))
    assert (ended.application_id, ended.status) == ("M-C-1", ApplicationStatus.ENDED)

    # 修改手机号码: password checked, code to the new number, notice to the old one
    seen = W.audit_count(app)
    app.portal.verify_password(token, W.NEW_PASSWORD, at(9, 6))
    assert app.portal.request_phone_change(token, "13500135000", at(9, 6)) == "已发送,请查收"
    assert _memory_sms(app).to("13500135000")[-1].startswith(f"【12329】您的验证码为{W.CODE}")
    changed = app.portal.confirm_phone_change(token, "13500135000", W.CODE, at(9, 7))
    assert (changed.old_phone, changed.new_phone) == (B.phone, "13500135000")
    with app.unit_of_work() as uow:
        notices = [n for n in uow.outbox.pending() if n.member_id == "M-B"]
        assert [n.to for n in notices] == [B.phone]
        assert uow.members.get("M-B").phone == "13500135000"
    assert app.portal.personal_centre(token, at(9, 7)).phone == "135****5000"
    assert W.audit_tail(app, seen) == [
        ("M-B", "member.password.check.attempt", creds),
        ("M-B", "member.password.verified", creds),
        ("M-B", "member.phone.changed", creds),
    ]

    # 银行卡: bound after the password check within the window
    seen = W.audit_count(app)
    app.portal.verify_password(token, W.NEW_PASSWORD, at(9, 8))
    card = app.portal.bind_card(token, W.CARD_B, at(9, 8))
    assert (card.bank, card.member_id) == ("中国建设银行", "M-B")
    assert [c.number for c in app.portal.my_cards(token, at(9, 8))] == [W.CARD_B]
    assert W.audit_tail(app, seen)[-1] == ("M-B", "card.bound", "cards/M-B")

    # 偿还购房贷款本息提取 for the member's own centre loan: what HT03 still owes is the limit
    form = LoanRepaymentForm(
        withdrawer_type="main",
        borrower_name=B.name,
        borrower_id=B.id_number,
        contract_no="HT03",
        contract_amount="146271.00",
        signed_on=DAY,
        location="阿勒泰市",
    )
    facts = app.portal.loan_repayment_facts(token, form, at(9, 9))
    assert facts.loan_owed == D("146271.00")

    # 我要提取, the other kinds of the centre's app list (seed §5.2.1), each drafted and ended:
    # 偿还购房贷款本息提取: 46,760.77 less the 10.00 reserve, down to a multiple of 10 =
    # 46,750.00 (below the 146,271.00 still owed); 物业管理费: the 2,400.00 billed, under the
    # 3,000.00 yearly cap; 房租: 1,500.00 a month capped at 1,000.00, 3 months = 3,000.00
    kinds = (
        ("loan-repayment", facts, D("46750.00")),
        ("property-fee", WithdrawalFacts(owns_home=True, property_fee_billed="2400"), D("2400.00")),
        ("rent", WithdrawalFacts(continuous_months=12, monthly_rent="1500", rent_months=3), D("3000.00")),
    )
    for number, (kind, kind_facts, amount) in enumerate(kinds, start=1):
        drafted, _ = app.portal.apply_for_withdrawal(token, "B1", kind, None, W.CARD_B, kind_facts, at(9, 9))
        assert (drafted.application_id, drafted.amount) == (f"M-B-{number}", amount)
        ended = app.portal.end_application(token, drafted.application_id, at(9, 9))
        assert ended.status is ApplicationStatus.ENDED
    # 终止劳动关系提取 needs an account sealed six months: refused, nothing drafted
    with pytest.raises(Refused) as refused:
        app.portal.apply_for_withdrawal(
            token,
            "B1",
            "labor-termination",
            None,
            W.CARD_B,
            WithdrawalFacts(employment_ended_on=DAY),
            at(9, 9),
        )
    assert refused.value.codes == ("account_not_sealed", "sealed_too_short")
    assert W.balance(app, "B1") == D("46760.77")  # drafts move no money

    # 提前还本 10,000.00 through the centre (seed §6.3.1): returned once, resubmitted, approved
    seen = W.audit_count(app)
    prepay, quote = app.portal.apply_for_prepayment(
        token, "HT03", "10000", "keep-term", at(9, 10), policy=policy
    )
    assert (prepay.application_id, prepay.status, quote.interest, quote.amount) == (
        "M-B-4",
        ApplicationStatus.DRAFT,
        D("0.00"),
        D("10000.00"),
    )
    _, document = app.portal.upload_document(token, "M-B-4", "申请单", "apply.jpg", b"form page 1", at(9, 11))
    again, same = app.portal.upload_document(token, "M-B-4", "申请单", "apply.jpg", b"form page 1", at(9, 11))
    assert (same, again.documents["申请单"]) == (document, 1)  # a retried upload counts once
    app.portal.submit_application(token, "M-B-4", at(9, 12))
    app.withdrawals.return_application(
        application_id="M-B-4", node=CHECK, reviewer="S1", opinion="申请单不清晰", at=at(9, 13)
    )
    assert [t.application_id for t in app.portal.my_todos(token, at(9, 14))] == ["M-B-4"]
    app.portal.resubmit_application(token, "M-B-4", at(9, 14))
    assert app.portal.my_todos(token, at(9, 14)) == ()
    for node, reviewer in ((CHECK, "S1"), (APPROVAL, "S2")):
        loan_business.approve_loan_business(
            app.unit_of_work(),
            application_id="M-B-4",
            node=node,
            reviewer=reviewer,
            at=at(9, 15),
            on=DAY,
            policy=policy.loans.servicing,
        )
    assert app.portal.loan_account(token, "HT03", at(9, 16)).balance == D("136271.00")
    records = app.portal.approval_records(token, "M-B-4", at(9, 16))
    assert "申请单不清晰" in [r.opinion for r in records]
    record = "application/M-B-4"
    assert W.audit_tail(app, seen) == [
        ("M-B", "application.drafted", record),
        ("M-B", "application.document.uploaded", record),
        ("M-B", "application.submitted", record),
        ("M-B", "application.resubmitted", record),
    ]

    # 按月抵扣签约, then 取消签约 (seed §6.3.2), each approved by the centre
    signing = app.portal.apply_for_offset_signing(token, "HT03", at(9, 17))
    cancelling_id = _through_the_centre(app, token, signing.application_id, ("借款人身份证",), policy)
    with app.unit_of_work() as uow:
        agreement = uow.loans.get("HT03").agreement
        assert agreement is not None
        assert [s.account_no for s in agreement.signers] == ["B1"]
    cancelling = app.portal.apply_for_offset_cancelling(token, "HT03", at(9, 20))
    _through_the_centre(app, token, cancelling.application_id, ("借款人身份证",), policy)
    assert cancelling_id == "M-B-5"
    assert cancelling.application_id == "M-B-6"

    # 提前结清 136,271.00 with 3,000.00 from the fund: 133,271.00 from the card (seed §6.3.3)
    settlement, squote = app.portal.apply_for_settlement(token, "HT03", "3000", at(9, 25), policy=policy)
    assert (squote.total, squote.from_hpf, squote.bank_debit) == (
        D("136271.00"),
        D("3000.00"),
        D("133271.00"),
    )
    _through_the_centre(app, token, settlement.application_id, ("头像", "身份证"), policy)
    assert W.balance(app, "B1") == D("43760.77")
    assert app.portal.loan_account(token, "HT03", at(9, 30)).balance == D("0.00")
    started = [a.application_id for a in app.portal.my_applications(token, at(9, 30))]
    assert started == ["M-B-7", "M-B-6", "M-B-5", "M-B-4"]

    # 我要提取 · 离、退休提取 for the retiree (seed §5.2.1.1): 5,925.21 + 81.97 = 6,007.18
    token_a = W.session(app, A, at(10))
    app.portal.verify_password(token_a, W.NEW_PASSWORD, at(10, 1))
    app.portal.bind_card(token_a, W.CARD_A, at(10, 1))
    seen = W.audit_count(app)
    retire, assessment = app.portal.apply_for_withdrawal(
        token_a, "A1", "retirement", None, W.CARD_A, WithdrawalFacts(retired_on=date(2018, 5, 1)), at(10, 2)
    )
    assert (assessment.closing_interest, retire.amount) == (D("81.97"), D("6007.18"))
    app.portal.upload_document(
        token_a, retire.application_id, "退休证或离退休文件", "r.jpg", b"retired", at(10, 3)
    )
    app.portal.submit_application(token_a, retire.application_id, at(10, 4))
    app.withdrawals.return_application(
        application_id=retire.application_id,
        node=WITHDRAWAL_NODE,
        reviewer="S1",
        opinion="请补审批表",
        at=at(10, 5),
    )
    app.portal.upload_document(token_a, retire.application_id, "提取申请审批表", "t.jpg", b"table", at(10, 6))
    app.portal.resubmit_application(token_a, retire.application_id, at(10, 7))
    app.withdrawals.approve_application(
        application_id=retire.application_id, node=WITHDRAWAL_NODE, reviewer="S1", at=at(10, 8)
    )
    paid = app.withdrawals.pay_application(
        application_id=retire.application_id,
        account_no="A1",
        on=DAY,
        at=at(10, 9),
        deposit_rate="0.015",
        day_basis="actual/360",
    )
    assert (paid.receipt.amount, paid.application.status) == (D("6007.18"), ApplicationStatus.PAID)
    assert W.balance(app, "A1") == D("0.00")
    assert [a.status for a in app.portal.my_applications(token_a, at(10, 10))] == [ApplicationStatus.PAID]
    record = f"application/{retire.application_id}"
    assert W.audit_tail(app, seen) == [
        ("M-A", "application.drafted", record),
        ("M-A", "application.document.uploaded", record),
        ("M-A", "application.submitted", record),
        ("M-A", "application.document.uploaded", record),
        ("M-A", "application.resubmitted", record),
    ]

    # the spouse's session went idle (15 minutes); a new login; 结束流程 of a draft
    with pytest.raises(Refused) as refused:
        app.portal.my_cards(token_c, at(10, 11))
    assert refused.value.codes == ("session_expired",)
    token_c = app.portal.login(C.phone, W.NEW_PASSWORD, PasswordChannel.APP, at(10, 11)).token
    assert app.portal.my_applications(token_c, at(10, 12)) == ()  # a draft never submitted is not listed
    # 密码修改 of the 12329 / 触摸屏 password (ID last 6 at first), in a new session (the
    # first went idle at 9:30 and stays open, unusable, until it is ended)
    token = app.portal.login("13500135000", W.NEW_PASSWORD, PasswordChannel.APP, at(10, 12)).token
    app.portal.change_password(token, PasswordGroup.KEYPAD, B.id_number[-6:], "583920", "583920", at(10, 12))

    # 退出: everywhere ends the other device's session too; the token is then refused
    other = app.portal.login("13500135000", W.NEW_PASSWORD, PasswordChannel.APP, at(10, 13)).token
    seen = W.audit_count(app)
    # this one and the other device's: the keypad change at 10:12 ended every other session
    assert app.portal.logout_everywhere(token, at(10, 14)) == 2
    for ended in (token, other):
        with pytest.raises(Refused) as refused:
            app.portal.my_cards(ended, at(10, 14))
        assert refused.value.codes == ("session_ended",)
    assert app.portal.logout(token_c, at(10, 15)) is True
    assert W.audit_tail(app, seen) == [
        ("M-B", "member.logout.everywhere", creds),
        ("M-C", "member.logout", "credentials/M-C"),
    ]
    with pytest.raises(UnknownRecord):
        app.portal.deposit_account(token_a, "B1", at(10, 16))


def _through_the_centre(
    app: App, token: str, application_id: str, categories: tuple[str, ...], policy: object
) -> str:
    for category in categories:
        app.portal.upload_document(token, application_id, category, "id.jpg", category.encode(), at(9, 18))
    app.portal.submit_application(token, application_id, at(9, 19))
    for node, reviewer in ((CHECK, "S1"), (APPROVAL, "S2")):
        loan_business.approve_loan_business(
            app.unit_of_work(),
            application_id=application_id,
            node=node,
            reviewer=reviewer,
            at=at(9, 19),
            on=DAY,
            policy=policy.loans.servicing,  # type: ignore[attr-defined]
        )
    return application_id


def test_racing_uploads_are_each_stored_counted_and_audited_once(empty_database: str, race: Any) -> None:
    """Four uploads of different files into one category (its maximum) at once, on each
    database: the application's version is compare-and-set, a loser's unit of work rolled
    back whole and ran again, so each file is stored, counted and audited exactly once."""
    app = W.the_world(W.an_app(empty_database))
    token = W.session(app, B, at(9))
    draft, _ = app.portal.apply_for_prepayment(
        token, "HT03", "10000", "keep-term", at(9, 1), policy=W.no_wait(app.policy)
    )
    seen = W.audit_count(app)
    outcomes = race(
        4,
        lambda i: app.portal.upload_document(
            token, draft.application_id, "申请单", f"{i}.jpg", b"page %d" % i, at(9, 1)
        ),
    )
    assert outcomes == [None] * 4
    with app.unit_of_work() as uow:
        assert uow.applications.get(draft.application_id).documents["申请单"] == 4
        assert len(uow.documents.list(draft.application_id)) == 4
    assert [a for _, a, _ in W.audit_tail(app, seen)] == ["application.document.uploaded"] * 4
    app.store.dispose()


def _memory_sms(app: App) -> MemorySms:
    """The app's gateway as the in-memory one the test configured (it keeps every text)."""
    sms = app.sms
    assert isinstance(sms, MemorySms)
    return sms
