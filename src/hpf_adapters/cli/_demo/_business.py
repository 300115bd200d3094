"""The seed's business chapters (§5.2, §6.3), one function per heading: 我要提取, 审批,
我的业务, 提前还本, 按月抵扣签约, 提前结清. Applications go to the centre: the demo plays the
review posts (审核岗 R1, 审批岗 R2) through today's services."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hpf_adapters.banks import load_bank_directory
from hpf_adapters.cli._demo._context import DAY, Demo, grouped
from hpf_core.accounts import deposit_rate
from hpf_core.identity import mask_card_number
from hpf_core.loans import NOTICE_TITLE, SIGNING_NOTICE, business
from hpf_core.withdrawals import Application, WithdrawalFacts, WithdrawalKind, work_item

__all__ = [
    "OFFSET_ID",
    "PREPAY_ID",
    "SETTLE_ID",
    "WITHDRAWAL_ID",
    "early_settlement",
    "my_business",
    "offset_signing",
    "prepayment",
    "review",
    "withdraw",
]

WITHDRAWAL_ID = "TQ20180601001"
PREPAY_ID = "DK20180601001"
OFFSET_ID = "DK20180601002"
SETTLE_ID = "DK20180601003"
_REVIEW = "管理部提取业务审核岗"  # seed §5.2.2 (3): 当前进度
_LOAN_NODES = ("贷款业务审核岗", "贷款业务审批岗")
_KIND = WithdrawalKind.PROPERTY_FEE


def _stored(demo: Demo, application_id: str) -> Application:
    with demo.app.unit_of_work() as uow:
        return uow.applications.get(application_id)


def _upload_all(demo: Demo, application: Application) -> None:
    """档案上传: one file in every category the business asks for (必传项 and 非必传项)."""
    for need in application.requirements:
        demo.app.withdrawals.upload_documents(
            application_id=application.application_id, category=need.category
        )
        demo.say(f"档案上传 {need.category} ({'必传项' if need.required else '非必传项'}) 1/{need.max_files}")


def _submit(demo: Demo, application_id: str) -> None:
    demo.touch()
    demo.app.withdrawals.submit_application(
        application_id=application_id, actor=demo.member.member_id, at=demo.tick()
    )
    demo.say("提交中心审批 -> 是否提交中心审批? 确定 -> 已提交")


def _approve_loan(demo: Demo, application_id: str) -> Application:
    """The two loan posts approve in turn; the last approval carries the business out."""
    done: Application | None = None
    for reviewer, node in zip(("R1", "R2"), _LOAN_NODES, strict=True):
        done = business.approve_loan_business(
            demo.app.unit_of_work(),
            application_id=application_id,
            node=node,
            reviewer=reviewer,
            at=demo.tick(5),
            on=DAY,
            policy=demo.policy.loans.servicing,
        )
        demo.say(f"{node} ({reviewer}) 审批通过 -> {done.status.chinese}")
    assert done is not None
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
    checked = demo.tick()  # the password check before adding a card (添加新银行卡)
    card = app.withdrawals.add_bank_card(
        member_id=m.member_id,
        number=m.card,
        bank=m.card_bank,
        directory=load_bank_directory(),
        verified_at=checked,
        at=demo.tick(),
    )
    demo.say(f"添加新银行卡 收款银行账号 {card.masked} 收款银行 {card.bank} -> 添加成功")
    application, assessment = app.withdrawals.apply(
        application_id=WITHDRAWAL_ID,
        account_no=m.account_no,
        kind=_KIND,
        amount="3000",
        card_number=card.number,
        facts=WithdrawalFacts(owns_home=True),
        policy=demo.policy,
        on=DAY,
    )
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
    m, app = demo.member, demo.app
    if not demo.fresh:
        application = _stored(demo, WITHDRAWAL_ID)
        demo.replayed(
            f"{application.application_id} {application.status.chinese}, payment {application.payment_ref}"
        )
        return
    app.withdrawals.return_application(
        application_id=WITHDRAWAL_ID,
        node=_REVIEW,
        reviewer="R1",
        opinion="不动产权证照片不清晰,请重新上传",
        at=demo.tick(8),
    )
    demo.say(f"{_REVIEW} (R1) 退回: 不动产权证照片不清晰,请重新上传")
    demo.tick()
    demo.touch()
    todo = app.withdrawals.my_todos(m.member_id)
    for item in (work_item(a) for a in todo):
        demo.say(f"待办事项 To do: {item.business} / {item.process} / {item.progress} / {item.description}")
    app.withdrawals.upload_documents(application_id=WITHDRAWAL_ID, category="不动产权证")
    demo.say("修改重新上传: 不动产权证 2/4")
    app.withdrawals.resubmit_application(application_id=WITHDRAWAL_ID, actor=m.member_id, at=demo.tick())
    demo.say("重新提交 Resubmitted")
    approved = app.withdrawals.approve_application(
        application_id=WITHDRAWAL_ID, node=_REVIEW, reviewer="R1", at=demo.tick(5)
    )
    demo.say(f"{_REVIEW} (R1) 审批通过 -> {approved.status.chinese}")
    basis = demo.policy.interest.day_basis if demo.policy.interest else "actual/360"
    paid = app.withdrawals.pay_application(
        application_id=WITHDRAWAL_ID,
        account_no=m.account_no,
        on=DAY,
        at=demo.tick(5),
        deposit_rate=deposit_rate(DAY),
        day_basis=basis,
    )
    receipt = paid.receipt
    demo.say(
        f"支付 Paid through the simulated bank: {grouped(receipt.amount)} to {paid.application.masked_card}, "
        f"bank reference {receipt.reference} -> {paid.application.status.chinese}"
    )


def _history(demo: Demo, application_id: str) -> None:
    rows = demo.app.withdrawals.history(application_id)
    demo.table(
        [["节点名称", "审批意见", "办理时间"], ["Node", "Opinion", "Handled"]],
        [[r.node, r.opinion or "-", r.handled] for r in rows],
        [False, False, False],
    )


def my_business(demo: Demo) -> None:
    """§5.2.2: 待办事项, 我发起的 and 流程信息查询."""
    m = demo.member
    todos = demo.app.withdrawals.my_todos(m.member_id)
    demo.say(f"待办事项 To do: {len(todos) or '无 none'}")
    demo.say("我发起的 Started by me:")
    for application in demo.app.withdrawals.my_applications(m.member_id):
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
    application, quote = business.apply_for_prepayment(
        app.unit_of_work(),
        application_id=PREPAY_ID,
        contract_no=m.contract_no,
        account_no=m.account_no,
        amount="10000",
        strategy="keep-term",
        on=DAY,
        policy=demo.policy.loans.servicing,
    )
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
        application = business.apply_for_offset_signing(
            app.unit_of_work(), application_id=OFFSET_ID, contract_no=m.contract_no, account_no=m.account_no
        )
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
    application, quote = business.apply_for_settlement(
        app.unit_of_work(),
        application_id=SETTLE_ID,
        contract_no=m.contract_no,
        account_no=m.account_no,
        from_hpf="3000",
        on=DAY,
        policy=demo.policy.loans.servicing,
        certificate_no="JQ20180601001",
    )
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
