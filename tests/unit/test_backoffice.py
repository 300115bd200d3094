"""The back office (issue #13, D-053) on every store: the seed's retirement withdrawal
returned, resubmitted, approved and paid by staff principals, each step writing exactly one
audit event (and, where the member is told, one notice with the text written out here by
hand) in its unit of work; roles; four eyes on principals; refused and failed steps write
nothing."""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from backoffice_world import (
    ADMIN,
    APPROVER,
    CARD,
    DAY,
    PHONE,
    REVIEWER,
    NewUnitOfWork,
    at,
    audit_log,
    outbox,
    seed_retiree,
    submitted_retirement,
)

from hpf_adapters.payments import MemoryBank
from hpf_core import backoffice as bo
from hpf_core.accounts import AccountStatus, EntryKind
from hpf_core.errors import (
    FourEyesViolation,
    InputError,
    InputTypeError,
    InvalidChoice,
    InvalidTransition,
    PaymentRejected,
    PaymentTimeout,
    Refused,
)
from hpf_core.withdrawals import ApplicationStatus
from hpf_core.withdrawals import services as wd

D = Decimal
RETURNED = (
    "【12329】您的离、退休提取申请(6,007.18元)已被退回，退回原因：请补充退休证。"
    "请在“我的业务-待办事项”中修改后重新提交。"
)
APPROVED = (
    "【12329】您的离、退休提取申请(6,007.18元)已审批通过，提取款项将支付至您的银行卡622202*********0128。"
)
PAID = (
    "【12329】您的离、退休提取6,007.18元已于2018年05月29日支付至您的银行卡622202*********0128，请注意查收。"
)
LONG_NUMBER = re.compile(r"\d{11,}")


def _pay(new_uow: NewUnitOfWork, bank: MemoryBank, staff: bo.Staff = ADMIN, hour: int = 15) -> wd.Payment:
    return bo.pay(
        new_uow(),
        bank,
        staff=staff,
        application_id="W1",
        on=DAY,
        at=at(hour),
        deposit_rate="0.015",
        day_basis="actual/360",
    )


@pytest.fixture
def world(new_uow: NewUnitOfWork) -> NewUnitOfWork:
    seed_retiree(new_uow)
    submitted_retirement(new_uow)
    return new_uow


class TestTheJourney:
    def test_return_resubmit_approve_pay_tell_the_member_and_leave_a_trail(
        self, world: NewUnitOfWork
    ) -> None:
        returned = bo.return_application(
            world(), staff=REVIEWER, application_id="W1", reason="请补充退休证", at=at(12)
        )
        assert (returned.status, returned.history[-1].actor, returned.history[-1].opinion) == (
            ApplicationStatus.RETURNED,
            "R1",
            "请补充退休证",
        )
        [notice] = outbox(world)
        assert (notice.member_id, notice.to, notice.text, notice.created_at) == (
            "M1",
            PHONE,
            RETURNED,
            at(12),
        )

        wd.resubmit_application(world(), application_id="W1", actor="M1", at=at(13))
        bo.take_up(world(), staff=REVIEWER, application_id="W1", at=at(13, 30))
        approved = bo.approve(world(), staff=APPROVER, application_id="W1", at=at(14))
        assert approved.status is ApplicationStatus.APPROVED
        assert [n.text for n in outbox(world)] == [RETURNED, APPROVED]

        bank = MemoryBank()
        payment = _pay(world, bank)
        assert payment.application.status is ApplicationStatus.PAID
        # 5,925.21 + 销户利息 81.97 = 6,007.18 to the card (the seed's figures)
        assert [(e.kind, e.amount) for e in payment.entries] == [
            (EntryKind.INTEREST, D("81.97")),
            (EntryKind.WITHDRAWAL, D("-6007.18")),
        ]
        assert [(t.card_number, t.amount) for t in bank.transfers] == [(CARD, D("6007.18"))]
        with world() as uow:
            account = uow.accounts.get("A1")
        assert (account.balance, account.status) == (D("0.00"), AccountStatus.CLOSED_WITHDRAWN)
        assert [n.text for n in outbox(world)] == [RETURNED, APPROVED, PAID]

        trail = audit_log(world)
        assert [(e.actor, e.action, e.record) for e in trail] == [
            ("R1", "application.returned", "application/W1"),
            ("R1", "application.taken_up", "application/W1"),
            ("P1", "application.approved", "application/W1"),
            ("ADM1", "payment.debited", "application/W1"),
            ("ADM1", "payment.sent", "application/W1"),
        ]
        assert [e.at for e in trail] == [at(12), at(13, 30), at(14), at(15), at(15)]
        assert all("member=M1" in e.detail for e in trail)
        assert "amount=6007.18" in trail[3].detail
        assert "amount=6007.18" in trail[4].detail
        assert not [e for e in trail if LONG_NUMBER.search(f"{e.actor}{e.record}{e.detail}")]

    def test_paying_again_pays_records_and_tells_nothing_more(self, world: NewUnitOfWork) -> None:
        bo.approve(world(), staff=APPROVER, application_id="W1", at=at(14))
        bank = MemoryBank()
        first = _pay(world, bank)
        again = _pay(world, bank, hour=16)
        assert again.receipt == first.receipt
        assert len(bank.transfers) == 1
        assert [n.text for n in outbox(world)] == [APPROVED, PAID]
        assert [e.action for e in audit_log(world)] == [
            "application.approved",
            "payment.debited",
            "payment.sent",
        ]

    def test_the_centre_ends_a_returned_application_and_says_why(self, world: NewUnitOfWork) -> None:
        bo.return_application(world(), staff=REVIEWER, application_id="W1", reason="材料不全", at=at(12))
        ended = bo.end_application(
            world(), staff=ADMIN, application_id="W1", reason="逾期未补充材料", at=at(13)
        )
        assert (ended.status, ended.history[-1].actor, ended.history[-1].opinion) == (
            ApplicationStatus.ENDED,
            "ADM1",
            "逾期未补充材料",
        )
        assert outbox(world)[-1].text == (
            "【12329】您的离、退休提取申请(6,007.18元)已被中心终止办理，原因：逾期未补充材料。如有疑问请致电12329。"
        )
        assert [e.action for e in audit_log(world)] == ["application.returned", "application.ended"]
        with pytest.raises(InvalidTransition):
            _pay(world, MemoryBank())


# Who may do what, written out independently of bo.PERMISSIONS.
ALLOWED = {
    "take_up": {"reviewer", "approver"},
    "review": {"reviewer"},
    "return": {"reviewer", "approver"},
    "approve": {"approver"},
    "end": {"administrator"},
    "pay": {"administrator"},
    "settle_interest": {"administrator"},
    "mark_overdue": {"administrator"},
}


class TestRoles:
    @pytest.mark.parametrize("action", sorted(ALLOWED))
    @pytest.mark.parametrize("role", ["reviewer", "approver", "administrator"])
    def test_the_role_decides(self, action: str, role: str) -> None:
        staff = bo.Staff("S1", role)
        assert bo.may(staff, action) is (role in ALLOWED[action])
        if role not in ALLOWED[action]:
            with pytest.raises(Refused) as refused:
                bo.require(staff, action)
            assert refused.value.codes == ("role_not_allowed",)

    def test_a_reviewer_may_not_approve_and_nothing_is_written(self, world: NewUnitOfWork) -> None:
        with pytest.raises(Refused) as refused:
            bo.approve(world(), staff=REVIEWER, application_id="W1", at=at(14))
        assert refused.value.codes == ("role_not_allowed",)
        with pytest.raises(Refused):
            bo.pay(
                world(), MemoryBank(), staff=APPROVER, application_id="W1", on=DAY, at=at(15),
                deposit_rate="0.015", day_basis="actual/360",
            )  # fmt: skip
        with pytest.raises(Refused):
            bo.return_application(world(), staff=ADMIN, application_id="W1", reason="x", at=at(12))
        assert (outbox(world), audit_log(world)) == ([], [])
        with world() as uow:
            assert uow.applications.get("W1").status is ApplicationStatus.SUBMITTED

    def test_an_approver_may_not_review_a_node_before_the_last_nor_a_reviewer_the_last(
        self, world: NewUnitOfWork
    ) -> None:
        with pytest.raises(Refused) as refused:
            bo.review(world(), staff=REVIEWER, application_id="W1", at=at(12))
        assert refused.value.codes == ("final_node",)
        assert audit_log(world) == []

    def test_bad_principals_are_typed_errors(self, world: NewUnitOfWork) -> None:
        with pytest.raises(InputTypeError):
            bo.approve(world(), staff="P1", application_id="W1", at=at(14))  # type: ignore[arg-type]
        with pytest.raises(InvalidChoice):
            bo.Staff("S1", "cashier")
        with pytest.raises(InputError):
            bo.Staff("13800138000", "reviewer")


class TestFourEyes:
    def test_the_applicant_as_staff_may_not_approve(self, world: NewUnitOfWork) -> None:
        with pytest.raises(FourEyesViolation):
            bo.approve(world(), staff=bo.Staff("M1", bo.StaffRole.APPROVER), application_id="W1", at=at(14))
        assert (outbox(world), audit_log(world)) == ([], [])

    def test_the_approver_may_not_pay_under_another_role(self, world: NewUnitOfWork) -> None:
        bo.approve(world(), staff=APPROVER, application_id="W1", at=at(14))
        bank = MemoryBank()
        with pytest.raises(FourEyesViolation):
            _pay(world, bank, staff=bo.Staff("P1", bo.StaffRole.ADMINISTRATOR))
        assert bank.transfers == ()
        assert [e.action for e in audit_log(world)] == ["application.approved"]
        assert [n.text for n in outbox(world)] == [APPROVED]


class TestNothingOnFailure:
    def test_a_rejected_payment_marks_sends_and_tells_nothing(self, world: NewUnitOfWork) -> None:
        bo.approve(world(), staff=APPROVER, application_id="W1", at=at(14))
        with pytest.raises(PaymentRejected):
            _pay(world, MemoryBank(reject_cards=frozenset({CARD})))
        # the money is debited and held (a money movement, audited); not paid, not told
        assert [e.action for e in audit_log(world)] == ["application.approved", "payment.debited"]
        assert [n.text for n in outbox(world)] == [APPROVED]
        with world() as uow:
            assert uow.applications.get("W1").status is ApplicationStatus.APPROVED

    def test_a_timeout_then_a_retry_pays_and_tells_once(self, world: NewUnitOfWork) -> None:
        bo.approve(world(), staff=APPROVER, application_id="W1", at=at(14))
        bank = MemoryBank(lose_replies=1)
        with pytest.raises(PaymentTimeout):
            _pay(world, bank)
        assert [n.text for n in outbox(world)] == [APPROVED]
        _pay(world, bank, hour=16)
        assert [n.text for n in outbox(world)] == [APPROVED, PAID]
        assert [e.action for e in audit_log(world)] == [
            "application.approved",
            "payment.debited",
            "payment.sent",
        ]

    def test_a_refused_return_writes_nothing(self, world: NewUnitOfWork) -> None:
        with pytest.raises(InputError):
            bo.return_application(world(), staff=REVIEWER, application_id="W1", reason="  ", at=at(12))
        with pytest.raises(Refused):  # before the application's last step
            bo.return_application(world(), staff=REVIEWER, application_id="W1", reason="补件", at=at(10))
        with pytest.raises(FourEyesViolation):
            bo.return_application(
                world(), staff=bo.Staff("M1", "reviewer"), application_id="W1", reason="补件", at=at(12)
            )
        assert (outbox(world), audit_log(world)) == ([], [])
