"""The seed's business chapters (§5.2, §6.3), one function per heading: 我要提取, 审批,
我的业务, 提前还本, 按月抵扣签约, 提前结清. The member acts through ``app.portal`` (her session
token; the application ids are the portal's, ``<member id>-<n>``); the centre's posts act
through ``app.backoffice`` with staff principals (审核岗 S01 reviews and returns, 审批岗 S02
approves, 管理岗 S03 pays), so every step is audited and every notice goes through the
outbox, delivered by the relay (D-053, D-057)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hpf_adapters.banks import load_bank_directory
from hpf_adapters.cli._demo._context import DAY, Demo, grouped
from hpf_core.accounts import deposit_rate
from hpf_core.backoffice import Staff, StaffRole
from hpf_core.identity import mask_card_number
from hpf_core.loans import NOTICE_TITLE, SIGNING_NOTICE
from hpf_core.withdrawals import Application, WithdrawalFacts, WithdrawalKind, work_item

__all__ = [
    "APPROVER",
    "CASHIER",
    "OFFSET_ID",
    "PREPAY_ID",
    "REVIEWER",
    "SETTLE_ID",
    "WITHDRAWAL_ID",
    "early_settlement",
    "my_business",
    "offset_signing",
    "prepayment",
    "review",
    "withdraw",
]

WITHDRAWAL_ID = "M0001-1"  # the portal numbers a member's applications <member id>-<n>
PREPAY_ID = "M0001-2"
OFFSET_ID = "M0001-3"
SETTLE_ID = "M0001-4"
REVIEWER = Staff("S01", StaffRole.REVIEWER)
"""审核岗: takes applications up, reviews loan business at its first node, returns."""
APPROVER = Staff("S02", StaffRole.APPROVER)
"""审批岗: the final approval (a second person: the four-eyes rule, D-053)."""
CASHIER = Staff("S03", StaffRole.ADMINISTRATOR)
"""管理岗: pays approved withdrawals through the bank."""
_REVIEW = "管理部提取业务审核岗"  # seed §5.2.2 (3): 当前进度
_LOAN_NODES = ("贷款业务审核岗", "贷款业务审批岗")
_KIND = WithdrawalKind.PROPERTY_FEE


def _stored(demo: Demo, application_id: str) -> Application:
    with demo.app.unit_of_work() as uow:
        return uow.applications.get(application_id)


def _token(demo: Demo) -> str:
    assert demo.token is not None  # a fresh run is logged in from 登录 to 退出
    return demo.token


def _upload(demo: Demo, application_id: str, category: str, copy: int = 1) -> None:
    """上传档案 through the portal: one EXAMPLE photo (its bytes name the file)."""
    content = f"EXAMPLE {application_id} {category} photo {copy}".encode()
    demo.app.portal.upload_document(
        _token(demo), application_id, category, f"{copy}.jpg", content, demo.tick(0.5)
    )


def _upload_all(demo: Demo, application: Application) -> None:
    """档案上传: one file in every category the business asks for (必传项 and 非必传项)."""
    for need in application.requirements:
        _upload(demo, application.application_id, need.category)
        demo.say(f"档案上传 {need.category} ({'必传项' if need.required else '非必传项'}) 1/{need.max_files}")


def _submit(demo: Demo, application_id: str) -> None:
    demo.app.portal.submit_application(_token(demo), application_id, demo.tick())
    demo.say("提交中心审批 -> 是否提交中心审批? 确定 -> 已提交")


def _approve_loan(demo: Demo, application_id: str) -> Application:
    """The centre's two loan posts in turn (app.backoffice): 审核岗 S01 takes it up and reviews
    it at the first node, 审批岗 S02 approves at the last, which carries the business out."""
    office = demo.app.backoffice
    office.take_up(staff=REVIEWER, application_id=application_id, at=demo.tick(2))
    reviewed = office.review(staff=REVIEWER, application_id=application_id, at=demo.tick(2))
    demo.say(f"{_LOAN_NODES[0]} ({REVIEWER.staff_id} 审核岗) 审核通过 -> {reviewed.current_node}")
    done: Application = office.approve(
        staff=APPROVER,
        application_id=application_id,
        at=demo.tick(2),
        on=DAY,
        servicing=demo.policy.loans.servicing,
    )
    demo.say(f"{_LOAN_NODES[1]} ({APPROVER.staff_id} 审批岗) 审批通过 -> {done.status.chinese}")
    demo.relay()
    return done


def withdraw(demo: Demo) -> None:
    """§5.2.1: the kinds open in the app; 物业管理费提取 with a new receiving account and its documents."""
    m, app = demo.member, demo.app
    rules = demo.policy.withdrawals
    assert rules is not None
    demo.say(
        "我要提取 The kinds open in the app: "
        + "、".join(k.chinese for k in WithdrawalKind if k in rules.online)
    )
    if not demo.fresh:
        application = _stored(demo, WITHDRAWAL_ID)
        demo.replayed(
            f"{application.kind.chinese} {grouped(application.amount)} to {application.masked_card}"
        )
        return
    notice = rules.rule(_KIND).notice
    if notice is not None:
        demo.say(f"《{_KIND.chinese}须知》 {notice.name}; {notice.basis}")
        demo.say(f"  办理材料: {'、'.join(notice.materials)}")
    token = _token(demo)
    app.portal.verify_password(token, m.password, demo.tick())  # 添加新银行卡 asks for the password
    card = app.portal.bind_card(token, m.card, demo.tick(), bank=m.card_bank, directory=load_bank_directory())
    demo.say(f"添加新银行卡 收款银行账号 {card.masked} 收款银行 {card.bank} -> 添加成功")
    application, assessment = app.portal.apply_for_withdrawal(
        token, m.account_no, _KIND, "3000", card.number, WithdrawalFacts(owns_home=True), demo.tick()
    )
    assert application.application_id == WITHDRAWAL_ID
    with app.unit_of_work() as uow:
        account = uow.accounts.get(m.account_no)
    demo.screen(
        f"{_KIND.chinese} Property-fee withdrawal",
        [
            ("提取人姓名", m.name),
            ("个人账户余额", f"{grouped(account.balance)}元"),
            ("冻结金额", grouped(account.state.frozen_amount)),
            ("可提取金额", f"{grouped(assessment.max_amount)}元"),
            ("提取金额", grouped(application.amount)),
            ("收款银行账号", application.masked_card),
            ("收款银行", card.bank),
        ],
    )
    _upload_all(demo, application)
    _submit(demo, WITHDRAWAL_ID)


def review(demo: Demo) -> None:
    """§5.2.2 (3)-(5) as the centre does it: returned once, resubmitted, approved, paid."""
    app = demo.app
    if not demo.fresh:
        application = _stored(demo, WITHDRAWAL_ID)
        demo.replayed(
            f"{application.application_id} {application.status.chinese}, payment {application.payment_ref}"
        )
        return
    office, token = app.backoffice, _token(demo)
    office.take_up(staff=REVIEWER, application_id=WITHDRAWAL_ID, at=demo.tick(2))
    demo.say(f"{_REVIEW} ({REVIEWER.staff_id} 审核岗) 受理 Taken up")
    office.return_application(
        staff=REVIEWER,
        application_id=WITHDRAWAL_ID,
        reason="不动产权证照片不清晰,请重新上传",
        at=demo.tick(2),
    )
    demo.say(f"{_REVIEW} ({REVIEWER.staff_id} 审核岗) 退回: 不动产权证照片不清晰,请重新上传")
    demo.relay()
    demo.tick()
    for item in (work_item(a) for a in app.portal.my_todos(token, demo.now)):
        demo.say(f"待办事项 To do: {item.business} / {item.process} / {item.progress} / {item.description}")
    _upload(demo, WITHDRAWAL_ID, "不动产权证", copy=2)
    demo.say("修改重新上传: 不动产权证 2/4")
    app.portal.resubmit_application(token, WITHDRAWAL_ID, demo.tick())
    demo.say("重新提交 Resubmitted")
    office.take_up(staff=REVIEWER, application_id=WITHDRAWAL_ID, at=demo.tick(2))
    demo.say(f"{_REVIEW} ({REVIEWER.staff_id} 审核岗) 受理 Taken up again")
    approved = office.approve(staff=APPROVER, application_id=WITHDRAWAL_ID, at=demo.tick(2))
    demo.say(f"{_REVIEW} ({APPROVER.staff_id} 审批岗, a second person) 审批通过 -> {approved.status.chinese}")
    demo.relay()
    basis = demo.policy.interest.day_basis if demo.policy.interest else "actual/360"
    paid = office.pay(
        staff=CASHIER,
        application_id=WITHDRAWAL_ID,
        on=DAY,
        at=demo.tick(2),
        deposit_rate=deposit_rate(DAY),
        day_basis=basis,
    )
    receipt = paid.receipt
    demo.say(
        f"支付 ({CASHIER.staff_id} 管理岗) Paid through the simulated bank: {grouped(receipt.amount)} "
        f"to {paid.application.masked_card}, bank reference {receipt.reference} "
        f"-> {paid.application.status.chinese}"
    )
    demo.relay()


def _history(demo: Demo, application_id: str) -> None:
    if demo.token is not None:
        rows = demo.app.portal.approval_records(demo.token, application_id, demo.now)
    else:
        rows = demo.app.withdrawals.history(application_id)
    demo.table(
        [["节点名称", "审批意见", "办理时间"], ["Node", "Opinion", "Handled"]],
        [[r.node, r.opinion or "-", r.handled] for r in rows],
        [False, False, False],
    )


def my_business(demo: Demo) -> None:
    """§5.2.2: 待办事项, 我发起的 and 流程信息查询."""
    m, token = demo.member, demo.token
    if token is not None:
        todos = demo.app.portal.my_todos(token, demo.now)
        mine = demo.app.portal.my_applications(token, demo.now)
    else:
        todos = demo.app.withdrawals.my_todos(m.member_id)
        mine = demo.app.withdrawals.my_applications(m.member_id)
    demo.say(f"待办事项 To do: {len(todos) or '无 none'}")
    demo.say("我发起的 Started by me:")
    for application in mine:
        item = work_item(application)
        demo.say(
            f"  {item.application_id}  {item.channel}  {item.business}  {item.process}  "
            f"{item.description}  {application.status.chinese}"
        )
    demo.say(f"查看 流程信息查询 of {WITHDRAWAL_ID}:")
    _history(demo, WITHDRAWAL_ID)


def _pairs(quote_pairs: Sequence[tuple[str, Decimal | str]]) -> list[tuple[str, str]]:
    return [
        (label, value if isinstance(value, str) else f"{grouped(value)}元") for label, value in quote_pairs
    ]


def prepayment(demo: Demo) -> None:
    """§6.3.1: 10,000.00 on the due date: 0.00 interest, the term kept, the payment recomputed."""
    m, app = demo.member, demo.app
    if not demo.fresh:
        demo.replayed(f"{PREPAY_ID} {_stored(demo, PREPAY_ID).status.chinese}")
        return
    with app.unit_of_work() as uow:
        before = uow.loans.get(m.contract_no)
    application, quote = app.portal.apply_for_prepayment(
        _token(demo), m.contract_no, "10000", "keep-term", demo.tick()
    )
    assert application.application_id == PREPAY_ID
    demo.screen(
        "提前还本 Prepayment 信息核对",
        _pairs(
            [
                ("借款合同编号", m.contract_no),
                ("还款卡号", mask_card_number(m.card)),
                ("当前贷款余额", quote.balance),
                ("当前月还款额", before.payment),
                ("还本方式", "期限不变,重新计算月还金额"),
                ("提前还款金额", quote.amount),
                ("提前归还利息", quote.interest),
                ("提前归还本金", quote.principal),
                ("逾期金额合计", quote.overdue),
                ("银行扣划金额", quote.bank_debit),
                ("提前还款后月还金额", quote.payment_after),
            ]
        ),
    )
    _upload_all(demo, application)
    _submit(demo, PREPAY_ID)
    _approve_loan(demo, PREPAY_ID)
    with app.unit_of_work() as uow:
        after = uow.loans.get(m.contract_no)
    demo.say(f"贷款余额 Balance now {grouped(after.balance)}元, 月还款额 {grouped(after.payment)}元")


def offset_signing(demo: Demo) -> None:
    """§6.3.2: the notice, 我要签约, documents, approval: 是否按月委托提取 becomes 是."""
    m, app = demo.member, demo.app
    demo.say(f"《{NOTICE_TITLE}》 " + SIGNING_NOTICE.splitlines()[4])
    if demo.fresh:
        with app.unit_of_work() as uow:
            account = uow.accounts.get(m.account_no)
        demo.screen(
            "按月抵扣签约 Monthly offset",
            [
                ("借款合同编号", m.contract_no),
                ("与主借款人关系", "借款人"),
                ("个人账号", m.account_no),
                ("个人账户状态", account.status.chinese),
                ("个人账户余额", f"{grouped(account.balance)}元"),
                ("是否按月委托提取", "否"),
            ],
        )
        application = app.portal.apply_for_offset_signing(_token(demo), m.contract_no, demo.tick())
        assert application.application_id == OFFSET_ID
        demo.say("我要签约 Sign")
        _upload_all(demo, application)
        _submit(demo, OFFSET_ID)
        _approve_loan(demo, OFFSET_ID)
        with app.unit_of_work() as uow:
            agreement = uow.loans.get(m.contract_no).agreement
        signed = agreement is not None and any(s.account_no == m.account_no for s in agreement.signers)
        demo.say(f"是否按月委托提取 -> {'是' if signed else '否'} (from the next instalment on)")
    else:
        demo.replayed(f"{OFFSET_ID} {_stored(demo, OFFSET_ID).status.chinese}")


def early_settlement(demo: Demo) -> None:
    """§6.3.3: 3,000.00 from the fund, the rest from the card: the loan is settled."""
    m, app = demo.member, demo.app
    if not demo.fresh:
        with app.unit_of_work() as uow:
            loan = uow.loans.get(m.contract_no)
        demo.replayed(f"{SETTLE_ID}: 贷款状态 {loan.status.chinese}, 贷款余额 {grouped(loan.balance)}元")
        return
    application, quote = app.portal.apply_for_settlement(_token(demo), m.contract_no, "3000", demo.tick())
    assert application.application_id == SETTLE_ID
    demo.screen(
        "提前结清 Early settlement 信息核对",
        _pairs(
            [
                ("当前贷款余额", quote.principal),
                ("提前还款合计", quote.total),
                ("提前还款本金", quote.principal),
                ("提前还款利息", quote.interest),
                ("当前逾期合计", quote.penalty),
                ("支取公积金还款金额合计", quote.from_hpf),
                ("待还款金额", quote.bank_debit),
            ]
        ),
    )
    demo.say("温馨提示: 贷款结清后请到申请贷款的管理部办理抵押解除相关手续!")
    _upload_all(demo, application)
    _submit(demo, SETTLE_ID)
    _approve_loan(demo, SETTLE_ID)
    with app.unit_of_work() as uow:
        loan = uow.loans.get(m.contract_no)
        account = uow.accounts.get(m.account_no)
    demo.say(
        f"贷款状态 {loan.status.chinese}, 贷款余额 {grouped(loan.balance)}元; "
        f"个人账户余额 {grouped(account.balance)}元"
    )
