"""The SMS templates of hpf_core.notices (issue #13, D-053): each text written out by hand,
every number masked, amounts to the fen, and bad inputs typed errors."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hpf_core import notices
from hpf_core.errors import InputTypeError, InvalidAmount, NaiveDatetimeError
from hpf_core.members import change_notice
from hpf_core.withdrawals import LoanBusiness, WithdrawalKind, draft, draft_business

CST = timezone(timedelta(hours=8))
CARD = "6222021234567890128"
LONG_NUMBER = re.compile(r"\d{11,}")


def rent(amount: str = "1500") -> object:
    return draft("W1", "M1", WithdrawalKind.RENT, amount, CARD, ())


def prepayment() -> object:
    return draft_business(
        "B1",
        "M1",
        LoanBusiness.PREPAYMENT,
        Decimal("10000"),
        (),
        details={"contract_no": "HT1"},
        description="提前还本10,000.00元。",
        review_chain=("贷款业务审核岗", "贷款业务审批岗"),
    )


class TestTexts:
    def test_returned(self) -> None:
        assert notices.application_returned(rent(), "租赁合同不清晰") == (  # type: ignore[arg-type]
            "【12329】您的房租提取申请(1,500.00元)已被退回，退回原因：租赁合同不清晰。"
            "请在“我的业务-待办事项”中修改后重新提交。"
        )

    def test_a_number_in_a_reason_is_masked(self) -> None:
        text = notices.application_returned(rent(), "请致电13800138000核实")  # type: ignore[arg-type]
        assert "请致电138****8000核实" in text

    def test_approved_a_withdrawal_and_a_loan_business(self) -> None:
        assert notices.application_approved(rent("1234.5")) == (  # type: ignore[arg-type]
            "【12329】您的房租提取申请(1,234.50元)已审批通过，提取款项将支付至您的银行卡622202*********0128。"
        )
        assert notices.application_approved(prepayment()) == (  # type: ignore[arg-type]
            "【12329】您的提前还本申请(10,000.00元)已审批通过并办结。"
        )

    def test_paid(self) -> None:
        assert notices.application_paid(rent(), Decimal("1500"), date(2018, 5, 30)) == (  # type: ignore[arg-type]
            "【12329】您的房租提取1,500.00元已于2018年05月30日支付至您的银行卡622202*********0128，请注意查收。"
        )

    def test_ended(self) -> None:
        assert notices.application_ended(rent(), "重复申请") == (  # type: ignore[arg-type]
            "【12329】您的房租提取申请(1,500.00元)已被中心终止办理，原因：重复申请。如有疑问请致电12329。"
        )

    def test_interest_overdue_offset(self) -> None:
        assert notices.interest_settled("100200300001", 2024, Decimal("0.5"), date(2025, 7, 1)) == (
            "【12329】您的住房公积金账户(账号********0001)2024年度结息0.50元已于2025年07月01日入账。"
        )
        assert notices.instalment_overdue("HT2024000001", 3, date(2024, 4, 15), Decimal("1234567.89")) == (
            "【12329】您的住房公积金贷款(合同号********0001)第3期应还款1,234,567.89元(应还日2024年04月15日)"
            "已逾期，请尽快还款，逾期将按日计收罚息。"
        )
        assert notices.offset_signed("HT2024000001", "100200300002", date(2024, 4, 1)) == (
            "【12329】您的住房公积金账户(账号********0002)已于2024年04月01日签约按月抵扣"
            "住房公积金贷款(合同号********0001)，每月还款日将从该账户扣划应还款。"
        )
        assert notices.offset_cancelled("HT2024000001", "100200300002", date(2024, 5, 1)) == (
            "【12329】您的住房公积金账户(账号********0002)已于2024年05月01日取消按月抵扣"
            "住房公积金贷款(合同号********0001)。"
        )

    def test_phone_changed_is_the_members_notice(self) -> None:
        when = datetime(2026, 1, 5, 9, 30, tzinfo=CST)
        expected = (
            "【12329】您的公积金账户手机号已于2026年01月05日09:30变更为139****1111，如非本人操作请致电12329。"
        )
        assert notices.phone_changed("13900001111", when) == expected == change_notice("13900001111", when)

    def test_another_sign(self) -> None:
        assert notices.application_ended(rent(), "重复", sign="某市公积金").startswith("【某市公积金】")  # type: ignore[arg-type]

    def test_no_text_carries_a_long_number(self) -> None:
        texts = [
            notices.application_approved(rent()),  # type: ignore[arg-type]
            notices.application_paid(rent(), Decimal("1"), date(2018, 5, 30)),  # type: ignore[arg-type]
            notices.interest_settled("100200300001", 2024, Decimal("1"), date(2025, 7, 1)),
            notices.offset_signed("HT20240000012345", "100200300002", date(2024, 4, 1)),
        ]
        assert [t for t in texts if LONG_NUMBER.search(t)] == []


class TestInputs:
    def test_a_notification_is_masked_in_its_repr(self) -> None:
        made = notices.notification("M1", "13800138000", "【12329】测试", datetime(2026, 1, 5, tzinfo=CST))
        assert (made.member_id, made.to, made.channel, made.sent_at) == ("M1", "13800138000", "sms", None)
        assert "13800138000" not in repr(made)
        assert "测试" not in repr(made)

    def test_bad_inputs_are_typed(self) -> None:
        with pytest.raises(InputTypeError):
            notices.application_returned("W1", "x")  # type: ignore[arg-type]
        with pytest.raises(InputTypeError):
            notices.application_returned(rent(), 7)  # type: ignore[arg-type]
        with pytest.raises(InputTypeError):
            notices.interest_settled("1", "2024", Decimal("1"), date(2025, 7, 1))  # type: ignore[arg-type]
        with pytest.raises(InputTypeError):
            notices.masked_number(12345)  # type: ignore[arg-type]
        with pytest.raises(InvalidAmount):  # never rounded silently
            notices.interest_settled("1", 2024, Decimal("0.005"), date(2025, 7, 1))
        with pytest.raises(NaiveDatetimeError):
            notices.notification("M1", "13800138000", "t", datetime(2026, 1, 5))
