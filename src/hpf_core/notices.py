"""Notices (短信通知): the Chinese text messages the centre sends when something happens to
a member's business, and the :class:`~hpf_core.ports.Notification` that carries one.

Every template masks the numbers it names — a card first 6 + last 4
(:func:`~hpf_core.identity.mask_card_number`), an account or contract number all but its
last 4 (:func:`masked_number`), a phone 3 + 4 — shows amounts to the fen with thousands
separators (``6,007.18元``) and dates as ``2018年05月30日``. The back-office services
(:mod:`hpf_core.backoffice`) enqueue them in the unit of work of the change they report,
so a notice exists if and only if the change commits (D-053); a relay sends them.

>>> from datetime import date
>>> from decimal import Decimal
>>> interest_settled("100200300400", 2024, Decimal("1234.5"), date(2025, 7, 1))
'【12329】您的住房公积金账户(账号********0400)2024年度结息1,234.50元已于2025年07月01日入账。'
>>> masked_number("HT2018000123"), masked_number("29")
('********0123', '**')
"""

from __future__ import annotations

from datetime import date, datetime

from hpf_core.dates import check_date, require_aware
from hpf_core.errors import InputTypeError, redact
from hpf_core.identity import mask, mask_card_number
from hpf_core.members import change_notice
from hpf_core.money import Amount, yuan
from hpf_core.ports import Notification
from hpf_core.withdrawals import Application, LoanBusiness

__all__ = [
    "HOTLINE",
    "SIGN",
    "application_approved",
    "application_ended",
    "application_paid",
    "application_returned",
    "instalment_overdue",
    "interest_settled",
    "masked_number",
    "notification",
    "offset_cancelled",
    "offset_signed",
    "phone_changed",
]

SIGN = "12329"
"""The signature (短信签名) in 【】 at the head of every message: the service hotline's number."""

HOTLINE = "12329"
"""The number a member is told to call."""


def masked_number(number: str) -> str:
    """An account or contract number for a message: all but its last 4 characters hidden
    (a number of 4 or fewer is hidden whole)."""
    if not isinstance(number, str):
        raise InputTypeError("number", f"must be a str, not {type(number).__name__}", number)
    return mask(number, 0, 4)


def _money(amount: Amount) -> str:
    return f"{yuan(amount):,}元"


def _day(value: date) -> str:
    return f"{value:%Y年%m月%d日}"


def _app(app: object) -> Application:
    if not isinstance(app, Application):
        raise InputTypeError("application", f"must be an Application, not {type(app).__name__}", app)
    return app


def _what(app: Application) -> str:
    """``离、退休提取申请(6,007.18元)``: the business and, if it has one, its amount."""
    if app.amount > 0:
        return f"{app.kind.chinese}申请({_money(app.amount)})"
    return f"{app.kind.chinese}申请"


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    return redact(value.strip())


def application_returned(application: Application, reason: str, *, sign: str = SIGN) -> str:
    """退回: the application came back with the reviewer's opinion (long numbers in it masked).

    >>> from hpf_core.withdrawals import WithdrawalKind, draft
    >>> app = draft("A1", "M1", WithdrawalKind.RETIREMENT, "6007.18", "6225768888888888", ())
    >>> application_returned(app, "请补充退休证")
    '【12329】您的离、退休提取申请(6,007.18元)已被退回，退回原因：请补充退休证。请在“我的业务-待办事项”中修改后重新提交。'
    """
    app = _app(application)
    return (
        f"【{sign}】您的{_what(app)}已被退回，退回原因：{_text(reason, 'reason')}。"
        "请在“我的业务-待办事项”中修改后重新提交。"
    )


def application_approved(application: Application, *, sign: str = SIGN) -> str:
    """审批通过: a withdrawal waits to be paid; a loan business was carried out (办结)."""
    app = _app(application)
    if isinstance(app.kind, LoanBusiness):
        return f"【{sign}】您的{_what(app)}已审批通过并办结。"
    card = mask_card_number(app.card_number)
    return f"【{sign}】您的{_what(app)}已审批通过，提取款项将支付至您的银行卡{card}。"


def application_paid(application: Application, amount: Amount, on: date, *, sign: str = SIGN) -> str:
    """支付: the money went to the member's card (masked first 6 + last 4)."""
    app = _app(application)
    check_date(on, "on")
    return (
        f"【{sign}】您的{app.kind.chinese}{_money(amount)}已于{_day(on)}支付至您的银行卡"
        f"{mask_card_number(app.card_number)}，请注意查收。"
    )


def application_ended(application: Application, reason: str, *, sign: str = SIGN) -> str:
    """终止: the centre ended the application (it will not be paid or carried out)."""
    app = _app(application)
    return (
        f"【{sign}】您的{_what(app)}已被中心终止办理，原因：{_text(reason, 'reason')}。"
        f"如有疑问请致电{HOTLINE}。"
    )


def interest_settled(account_no: str, year: int, amount: Amount, on: date, *, sign: str = SIGN) -> str:
    """年度结息: interest year ``year`` (1 July ``year`` - 30 June ``year + 1``) credited on ``on``."""
    check_date(on, "on")
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputTypeError("year", f"must be an int, not {type(year).__name__}", year)
    return (
        f"【{sign}】您的住房公积金账户(账号{masked_number(account_no)}){year}年度结息"
        f"{_money(amount)}已于{_day(on)}入账。"
    )


def instalment_overdue(
    contract_no: str, period: int, due_date: date, owed: Amount, *, sign: str = SIGN
) -> str:
    """逾期: instalment ``period`` due on ``due_date`` is unpaid past the grace days;
    ``owed`` is its principal and interest still due.

    >>> from decimal import Decimal
    >>> instalment_overdue("HT2018000123", 12, date(2019, 5, 29), Decimal("1234.5"))
    '【12329】您的住房公积金贷款(合同号********0123)第12期应还款1,234.50元(应还日2019年05月29日)已逾期，请尽快还款，逾期将按日计收罚息。'
    """
    check_date(due_date, "due_date")
    if isinstance(period, bool) or not isinstance(period, int):
        raise InputTypeError("period", f"must be an int, not {type(period).__name__}", period)
    return (
        f"【{sign}】您的住房公积金贷款(合同号{masked_number(contract_no)})第{period}期应还款"
        f"{_money(owed)}(应还日{_day(due_date)})已逾期，请尽快还款，逾期将按日计收罚息。"
    )


def offset_signed(contract_no: str, account_no: str, on: date, *, sign: str = SIGN) -> str:
    """按月抵扣签约: the signer's fund pays the loan's instalments from now on."""
    check_date(on, "on")
    return (
        f"【{sign}】您的住房公积金账户(账号{masked_number(account_no)})已于{_day(on)}签约按月抵扣"
        f"住房公积金贷款(合同号{masked_number(contract_no)})，每月还款日将从该账户扣划应还款。"
    )


def offset_cancelled(contract_no: str, account_no: str, on: date, *, sign: str = SIGN) -> str:
    """按月抵扣取消签约: the signer's fund no longer pays the loan's instalments."""
    check_date(on, "on")
    return (
        f"【{sign}】您的住房公积金账户(账号{masked_number(account_no)})已于{_day(on)}取消按月抵扣"
        f"住房公积金贷款(合同号{masked_number(contract_no)})。"
    )


def phone_changed(new_phone: str, at: datetime, *, sign: str = SIGN) -> str:
    """修改手机号码: the notice to the OLD number — the text of
    :func:`hpf_core.members.change_notice`, the new number masked 3 + 4.

    >>> from datetime import timedelta, timezone
    >>> phone_changed("13900001111", datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=8))))
    '【12329】您的公积金账户手机号已于2026年01月05日09:30变更为139****1111，如非本人操作请致电12329。'
    """
    return change_notice(new_phone, at, sign, HOTLINE)


def notification(member_id: str, phone: str, text: str, at: datetime) -> Notification:
    """The :class:`~hpf_core.ports.Notification` of ``text`` to ``phone`` (an SMS), created at ``at``."""
    require_aware(at, "at")
    return Notification(member_id, phone, text, at)
