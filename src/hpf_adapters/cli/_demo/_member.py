"""The seed's chapters 2 to 5.1, one function per heading: 登录, 新闻动态, 公积金账户, 贷款
(还款明细, 还款计划, 逾期), 服务网点, 房贷计算器, 修改手机号码."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hpf_adapters.centers import MemoryVerifier, load_centers, load_news, load_outlets
from hpf_adapters.cli._demo._context import DAY, Demo, grouped
from hpf_core.accounts import account_info, deposit_history
from hpf_core.calculators import mortgage_quote
from hpf_core.centers import (
    ALIPAY_CONSENT_TEXT,
    Center,
    VerificationMethod,
    choose_center,
    first_login_allowed,
    map_link,
    tel_link,
)
from hpf_core.errors import Refused
from hpf_core.identity import mask_id_number, mask_phone
from hpf_core.loans import hpf_rate_in_force, overdue_details, repayment_details_by_period, repayment_plan
from hpf_core.members import PasswordChannel, PasswordGroup, initial_password

DEMO_AUTH_CODE = "demo-alipay-auth-code"
"""The one-time ``auth_code`` the demo's Alipay consent screen gives the app (EXAMPLE)."""
DEMO_ALIPAY_USER = "2088000000000001"
"""The Alipay ``user_id`` the demo's member authorises with (EXAMPLE; never printed)."""

__all__ = ["accounts", "calculator", "center", "loans", "login", "news", "outlets", "phone_change"]


def center(demo: Demo) -> Center:
    """The centre the member picks (选择所在缴存中心)."""
    return choose_center(load_centers(), demo.policy.code)


def login(demo: Demo) -> None:
    """§2.1: pick the centre; the first login needs 支付宝授权 or 刷脸; the initial password
    logs in only to change it."""
    m, app = demo.member, demo.app
    chosen = center(demo)
    demo.say(f"选择所在缴存中心 Centre: {chosen.name}")
    if not demo.fresh:
        with app.unit_of_work() as uow:
            creds = uow.credentials.get(m.member_id)
        demo.say(f"账号 Account: {mask_id_number(creds.id_number)} / {mask_phone(creds.phone)}")
        demo.replayed("first login after 支付宝授权, initial password changed; this run does not log in")
        return
    try:
        first_login_allowed(chosen, None)
    except Refused as refused:
        demo.say(f"首次登录 First login without verification -> refused: {refused.violations[0].message}")
    initial = initial_password(m.id_number)
    refused_first = app.portal.login(m.id_number, initial, PasswordChannel.APP, demo.tick())
    demo.say(
        "证件号码 + 初始密码 (ID number + initial password, the last 8 characters) -> "
        + refused_first.result.message
        + " (no session: the first login must pass the check)"
    )
    demo.say("[支付宝授权 Alipay consent]")
    demo.say("\n".join(f"  {line}" for line in ALIPAY_CONSENT_TEXT.splitlines()))
    verifier = app.verifier
    assert isinstance(verifier, MemoryVerifier)
    verifier.vouch(VerificationMethod.ALIPAY, DEMO_AUTH_CODE, m.id_number, number=DEMO_ALIPAY_USER)
    outcome = app.portal.login_with_identity(VerificationMethod.ALIPAY, DEMO_AUTH_CODE, demo.tick())
    demo.say(f"确认授权 支付宝登录 (Alipay login) -> {outcome.result.message}; the Alipay account is bound")
    assert outcome.token is not None
    demo.token = outcome.token
    app.portal.change_password(demo.token, PasswordGroup.ONLINE, initial, m.password, m.password, demo.tick())
    demo.say("修改初始密码 Forced change of the initial password -> 修改成功, the session is a full one")


def news(demo: Demo) -> None:
    """§3.1: 新闻动态 shows the centre's website and news."""
    chosen = center(demo)
    demo.say(f"中心网站 Centre website: {chosen.website}")
    for item in load_news(chosen.code):
        demo.say(f"{item.published_on.isoformat()}  {item.title}")


def accounts(demo: Demo) -> None:
    """§4.2 (2): 公积金账户信息 and the deposits."""
    m = demo.member
    contributions = demo.policy.contributions
    assert contributions is not None
    if demo.token is not None:  # the member's session: only what she owns (app.portal)
        info = demo.app.portal.deposit_account(demo.token, m.account_no, demo.now)
        deposits = demo.app.portal.deposit_details(demo.token, m.account_no, m.opened_on, DAY, demo.now)
    else:  # a replay has no session: the screens are read from the store
        with demo.app.unit_of_work() as uow:
            account = uow.accounts.get(m.account_no)
            entries = uow.journal.entries(m.account_no)
        info = account_info(account, rounding=contributions.rounding)
        deposits = deposit_history(entries)
    demo.screen(
        "公积金账户信息 Deposit account",
        [
            ("个人账号", info.account_no),
            ("姓名 / 证件号码", f"{info.name} / {info.id_number}"),
            ("个人账户状态", info.status),
            ("个人账户余额", f"{grouped(info.balance)}元"),
            ("个人缴存基数", f"{grouped(info.base)}元"),
            ("个人月缴存额", f"{grouped(info.employee_monthly)}元"),
            ("个人缴存比例", f"{info.employee_ratio * 100:.2f}%"),
            ("单位账号", info.employer_no),
            ("单位名称", info.employer_name),
            ("单位月缴存额", f"{grouped(info.employer_monthly)}元"),
            ("单位缴存比例", f"{info.employer_ratio * 100:.2f}%"),
            ("开户日期", info.opened_on.isoformat()),
            ("启缴年月", info.first_month),
            ("缴至年月", info.paid_through),
        ],
    )
    rows = [[r.month.strftime("%Y%m"), r.kind.chinese, grouped(r.amount)] for r in deposits]
    demo.say("[缴存明细 Deposits]")
    demo.table([["月份", "业务", "金额"], ["Month", "Kind", "Amount"]], rows, [False, False, True])


def loans(demo: Demo) -> None:
    """§4.2 (3)-(6): 贷款账户信息, 贷款还款明细, 贷款还款计划, 逾期还款明细."""
    m, token = demo.member, demo.token
    if token is not None:
        screen = demo.app.portal.loan_account(token, m.contract_no, demo.now)
    else:
        screen = demo.app.loans.loan_account_screen(contract_no=m.contract_no)
    demo.screen(
        "贷款账户信息 Loan account",
        [
            ("借款合同编号", screen.contract_no),
            ("借款人公积金账号", screen.borrower_account),
            ("借款人单位名称", screen.employer_name),
            ("合同贷款金额", f"{grouped(screen.principal)}元"),
            ("贷款发放日期", screen.disbursed_on.isoformat()),
            ("贷款状态", screen.status),
            ("贷款余额", f"{grouped(screen.balance)}元"),
            ("贷款类型", screen.loan_type),
            ("贷款还款方式", screen.method),
            ("约定还款日", screen.repayment_day),
            ("是否对冲", screen.offset),
            ("贷款利率", screen.annual_rate),
        ],
    )
    start, end = date(2017, 12, 1), DAY
    with demo.app.unit_of_work() as uow:
        loan = uow.loans.get(m.contract_no)
        journal = uow.loan_journal.entries(m.contract_no)
    demo.say(f"[贷款还款明细 Repayments, {start} .. {end}]")
    if token is not None:
        details = demo.app.portal.repayment_details_of(token, m.contract_no, start, end, demo.now)
    else:
        details = repayment_details_by_period(loan, journal, start, end)
    demo.table(
        [
            ["期次", "业务摘要", "还款日期", "偿还本金", "偿还利息", "本金余额"],
            ["Period", "Summary", "Paid on", "Principal", "Interest", "Balance"],
        ],
        [
            [
                r.label,
                r.summary,
                r.on.isoformat(),
                grouped(r.principal),
                grouped(r.interest),
                grouped(r.balance_after),
            ]
            for r in details
        ],
        [False, False, False, True, True, True],
    )
    demo.say(f"[贷款还款计划 Plan, {DAY} .. 2018-12-31]")
    if token is not None:
        plan = demo.app.portal.repayment_plan_of(token, m.contract_no, DAY, date(2018, 12, 31), demo.now)
    else:
        plan = repayment_plan(loan, DAY, date(2018, 12, 31))
    if plan:
        demo.table(
            [
                ["期次", "应还日期", "应还本金", "应还利息", "应还本息"],
                ["Period", "Due", "Principal", "Interest", "Total"],
            ],
            [
                [r.label, r.due_date.isoformat(), grouped(r.principal), grouped(r.interest), grouped(r.total)]
                for r in plan
            ],
            [False, False, True, True, True],
        )
    else:
        demo.say(f"  无待还期次 nothing left to pay (贷款状态 {loan.status.chinese})")
    if token is not None:
        overdue = demo.app.portal.overdue(token, m.contract_no, m.disbursed_on, DAY, demo.now)
    else:
        overdue = overdue_details(loan, m.disbursed_on, DAY)
    demo.say("[逾期还款明细 Overdue]")
    demo.say("  您暂无逾期还款记录 (no overdue instalment)" if not overdue else f"  {len(overdue)} overdue")


def outlets(demo: Demo) -> None:
    """§5.1.1: the outlets, 电话 (a tel: link), 导航 (a geo: link) and 详情."""
    for outlet in load_outlets(demo.policy.code):
        demo.screen(
            "服务网点 Outlet 详情",
            [
                ("网点名称", outlet.name),
                ("业务类型", "、".join(outlet.business_types)),
                ("联系电话", f"{outlet.phone}  电话 -> {tel_link(outlet)}" if outlet.phone else "—"),
                ("服务时间", outlet.hours or "—"),
                ("网点地址", outlet.address),
                ("导航", map_link(outlet)),
            ],
        )


def calculator(demo: Demo) -> None:
    """§5.1.2: 250,000 over 30 years at the rate in force, equal instalments."""
    months = 360
    rate = hpf_rate_in_force(DAY, months)
    quote = mortgage_quote(Decimal("250000"), rate.rate, months, "equal-installment")
    demo.screen(
        "房贷计算器 Calculator",
        [
            ("还贷方式 / 贷款类型", "等额本息 / 公积金贷款"),
            ("贷款金额(元) / 期限(年)", "250,000.00 / 30"),
            ("利率(%)", f"基准利率 {rate.rate * 100:.2f} (in force since {rate.effective})"),
            ("每月月供参考(元)", grouped(quote.monthly_payment)),
            ("支付利息(元)", grouped(quote.total_interest)),
            ("还款总额(元)", grouped(quote.total_payment)),
        ],
    )
    demo.say("[等额本息还款详情 The first months]")
    demo.table(
        [["月份", "月供本金", "月供利息", "贷款余额"], ["Month", "Principal", "Interest", "Remaining"]],
        [
            [f"{r.period}月", grouped(r.principal), grouped(r.interest), grouped(r.remaining_payable)]
            for r in quote.rows[:3]
        ],
        [False, True, True, True],
    )


def phone_change(demo: Demo) -> None:
    """§5.1.3: a code to the new number, typed back; the old number is told."""
    m, app = demo.member, demo.app
    if not demo.fresh:
        with app.unit_of_work() as uow:
            demo.say(f"中心预留手机号 Phone on file: {mask_phone(uow.credentials.get(m.member_id).phone)}")
        demo.replayed("phone changed to the new number with an SMS code; this run sends no SMS")
        return
    assert demo.token is not None
    app.portal.verify_password(demo.token, m.password, demo.tick())
    demo.say("输入登录密码 Password checked again (a phone change needs a recent check)")
    sent = app.portal.request_phone_change(demo.token, m.new_phone, demo.tick())
    demo.say(f"新手机号 + 获取验证码 -> {sent}")
    demo.show_sms()
    changed = app.portal.confirm_phone_change(demo.token, m.new_phone, m.code, demo.tick())
    demo.say(
        f"验证码 {m.code} + 确定 -> 修改成功: "
        f"{mask_phone(changed.old_phone)} -> {mask_phone(changed.new_phone)}"
    )
    demo.relay()  # the notice to the OLD number, queued in the same unit of work as the change
