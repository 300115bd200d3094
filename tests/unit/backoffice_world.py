"""The world the back-office tests share (imported by path): the seed's retiree (操作手册
§5.2.2: 个人账户余额 5,925.21, 提取金额合计 6,007.18 on 2018-05-29), their card and phone,
and the centre's staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from hpf_adapters.policies import load_policy
from hpf_core.accounts import Employer, Member
from hpf_core.accounts import services as deposits
from hpf_core.backoffice import Staff, StaffRole
from hpf_core.ports import AuditEvent, MemberRecord, Notification, UnitOfWork
from hpf_core.withdrawals import WithdrawalFacts, WithdrawalKind
from hpf_core.withdrawals import services as wd

NewUnitOfWork = Callable[[], UnitOfWork]
CST = timezone(timedelta(hours=8))
ALTAY = load_policy("altay")
CARD = "6222021234567890128"  # 622202 中国工商银行 BIN, Luhn-valid
PHONE = "13800138000"
ID_NUMBER = "11010519491231002X"
DAY = date(2018, 5, 29)
NODE = "管理部提取业务审核岗"

REVIEWER = Staff("R1", StaffRole.REVIEWER)
REVIEWER_2 = Staff("R2", StaffRole.REVIEWER)
APPROVER = Staff("P1", StaffRole.APPROVER)
APPROVER_2 = Staff("P2", StaffRole.APPROVER)
ADMIN = Staff("ADM1", StaffRole.ADMINISTRATOR)


def at(hour: int, minute: int = 0, day: int = 29) -> datetime:
    return datetime(2018, 5, day, hour, minute, tzinfo=CST)


def seed_retiree(new_uow: NewUnitOfWork, member_id: str = "M1", account_no: str = "A1") -> None:
    deposits.open_account(
        new_uow(),
        account_no=account_no,
        member=Member(member_id, "退休职工", ID_NUMBER),
        employer=Employer("E1", "单位"),
        opened_on=date(2010, 1, 1),
        base="5000.00",
        employee_ratio="0.12",
        employer_ratio="0.12",
    )
    deposits.receive_transfer(
        new_uow(), account_no=account_no, amount="5925.21", value_date=date(2017, 7, 1), key="opening"
    )
    wd.add_bank_card(
        new_uow(), member_id=member_id, number=CARD, bank="中国工商银行", verified_at=at(9), at=at(9)
    )
    with new_uow() as uow:
        uow.members.add(MemberRecord(member_id, PHONE, ID_NUMBER, account_no))
        uow.commit()


def submitted_retirement(new_uow: NewUnitOfWork, application_id: str = "W1") -> str:
    """The retiree applies for 离、退休提取 (the maximum, 6,007.18) and submits at 11:00."""
    wd.apply(
        new_uow(),
        application_id=application_id,
        account_no="A1",
        kind=WithdrawalKind.RETIREMENT,
        amount=None,
        card_number=CARD,
        facts=WithdrawalFacts(retired_on=date(2018, 5, 1)),
        policy=ALTAY,
        on=DAY,
    )
    wd.submit_application(new_uow(), application_id=application_id, actor="M1", at=at(11))
    return application_id


def outbox(new_uow: NewUnitOfWork) -> list[Notification]:
    """Every notification, sent or not, in order (through the port: pending ones)."""
    with new_uow() as uow:
        return list(uow.outbox.pending(1000))


def audit_log(new_uow: NewUnitOfWork) -> list[AuditEvent]:
    with new_uow() as uow:
        return list(uow.audit.events())
