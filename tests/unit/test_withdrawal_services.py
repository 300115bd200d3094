"""Withdrawal services on the in-memory adapter: the seed's retirement withdrawal from
application to payment, returns and ending, four eyes, and exactly-once payment when the
bank loses replies."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.payments import MemoryBank
from hpf_adapters.policies import load_policy
from hpf_core.accounts import AccountStatus, DayBasis, Employer, EntryKind, Member
from hpf_core.accounts import services as deposits
from hpf_core.errors import FourEyesViolation, InvalidTransition, PaymentTimeout, Refused
from hpf_core.withdrawals import ApplicationStatus, PastWithdrawal, WithdrawalFacts, WithdrawalKind
from hpf_core.withdrawals import services as wd

D = Decimal
SHANGHAI_TZ = timezone(timedelta(hours=8))
ALTAY = load_policy("altay")
CARD = "6222021234567890128"  # 622202 中国工商银行 BIN, Luhn-valid
CHECKED = datetime(2018, 5, 29, 9, tzinfo=timezone(timedelta(hours=8)))  # a password check


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2018, 5, day, hour, tzinfo=SHANGHAI_TZ)


@pytest.fixture
def store() -> MemoryStore:
    """The seed's retiree: 5,925.21 held since 2017-07-01, a card on file."""
    s = MemoryStore()
    deposits.open_account(
        MemoryUnitOfWork(s),
        account_no="A1",
        member=Member("M1", "退休职工", "11010519491231002X"),
        employer=Employer("E1", "单位"),
        opened_on=date(2010, 1, 1),
        base="5000.00",
        employee_ratio="0.12",
        employer_ratio="0.12",
    )
    deposits.receive_transfer(
        MemoryUnitOfWork(s), account_no="A1", amount="5925.21", value_date=date(2017, 7, 1), key="opening"
    )
    wd.add_bank_card(
        MemoryUnitOfWork(s),
        member_id="M1",
        number=CARD,
        bank="中国工商银行贵阳开阳支行",
        verified_at=CHECKED,
        at=CHECKED,
    )
    return s


def apply_retirement(store: MemoryStore) -> str:
    application, assessment = wd.apply(
        MemoryUnitOfWork(store),
        application_id="W1",
        account_no="A1",
        kind=WithdrawalKind.RETIREMENT,
        amount=None,
        card_number=CARD,
        facts=WithdrawalFacts(retired_on=date(2018, 5, 1)),
        policy=ALTAY,
        on=date(2018, 5, 29),
    )
    # 个人账户余额 5,925.21 + 销户利息 81.97 (332 days at 1.5% / 360) = 提取金额合计 6,007.18
    assert (assessment.closing_interest, assessment.max_amount) == (D("81.97"), D("6007.18"))
    assert application.description == "离、退休提取6,007.18元。"
    return application.application_id


class TestTheRetirementJourney:
    def test_submit_return_resubmit_approve_pay(self, store: MemoryStore) -> None:
        app_id = apply_retirement(store)
        wd.submit_application(MemoryUnitOfWork(store), application_id=app_id, actor="M1", at=at(29, 11))
        wd.return_application(
            MemoryUnitOfWork(store),
            application_id=app_id,
            node="管理部提取业务审核岗",
            reviewer="R1",
            opinion="请补充退休证",
            at=at(29, 12),
        )
        assert [a.application_id for a in wd.my_todos(MemoryUnitOfWork(store), "M1")] == [app_id]
        wd.upload_documents(MemoryUnitOfWork(store), application_id=app_id, category="退休证或离退休文件")
        wd.resubmit_application(MemoryUnitOfWork(store), application_id=app_id, actor="M1", at=at(29, 13))
        wd.approve_application(
            MemoryUnitOfWork(store),
            application_id=app_id,
            node="管理部提取业务审核岗",
            reviewer="R1",
            at=at(29, 14),
        )
        bank = MemoryBank()
        payment = wd.pay_application(
            MemoryUnitOfWork(store),
            bank,
            application_id=app_id,
            account_no="A1",
            on=date(2018, 5, 29),
            at=at(29, 15),
            deposit_rate="0.015",
            day_basis=DayBasis.ACTUAL_360,
        )
        assert payment.application.status is ApplicationStatus.PAID
        assert [(e.kind, e.amount) for e in payment.entries] == [
            (EntryKind.INTEREST, D("81.97")),
            (EntryKind.WITHDRAWAL, D("-6007.18")),
        ]
        assert [(t.card_number, t.amount) for t in bank.transfers] == [(CARD, D("6007.18"))]
        account = MemoryUnitOfWork(store).accounts.get("A1")
        assert (account.balance, account.status) == (D("0.00"), AccountStatus.CLOSED_WITHDRAWN)
        rows = wd.history(MemoryUnitOfWork(store), app_id)
        assert [r.node for r in rows][:3] == ["任务发起人", "申请", "管理部提取业务审核岗"]
        assert rows[2].opinion == "请补充退休证"

    def test_submit_return_end_never_pays(self, store: MemoryStore) -> None:
        app_id = apply_retirement(store)
        wd.submit_application(MemoryUnitOfWork(store), application_id=app_id, actor="M1", at=at(29, 11))
        wd.return_application(
            MemoryUnitOfWork(store),
            application_id=app_id,
            node="管理部提取业务审核岗",
            reviewer="R1",
            opinion="材料不全",
            at=at(29, 12),
        )
        ended = wd.end_application(MemoryUnitOfWork(store), application_id=app_id, actor="M1", at=at(29, 13))
        assert ended.status is ApplicationStatus.ENDED
        with pytest.raises(InvalidTransition):
            wd.pay_application(
                MemoryUnitOfWork(store),
                MemoryBank(),
                application_id=app_id,
                account_no="A1",
                on=date(2018, 5, 29),
                at=at(29, 14),
                deposit_rate="0.015",
                day_basis="actual/360",
            )
        assert MemoryUnitOfWork(store).accounts.get("A1").balance == D("5925.21")

    def test_the_applicant_cannot_approve_their_own_application(self, store: MemoryStore) -> None:
        app_id = apply_retirement(store)
        wd.submit_application(MemoryUnitOfWork(store), application_id=app_id, actor="M1", at=at(29, 11))
        with pytest.raises(FourEyesViolation):
            wd.approve_application(
                MemoryUnitOfWork(store),
                application_id=app_id,
                node="管理部提取业务审核岗",
                reviewer="M1",
                at=at(29, 12),
            )

    def test_one_application_of_a_kind_in_flight(self, store: MemoryStore) -> None:
        apply_retirement(store)
        with pytest.raises(Refused) as info:
            wd.apply(
                MemoryUnitOfWork(store),
                application_id="W2",
                account_no="A1",
                kind="retirement",
                amount=None,
                card_number=CARD,
                facts=WithdrawalFacts(retired_on=date(2018, 5, 1)),
                policy=ALTAY,
                on=date(2018, 5, 29),
            )
        assert [v.code for v in info.value.violations] == ["already_in_flight"]

    def test_an_ineligible_member_is_refused_with_every_reason(self, store: MemoryStore) -> None:
        with pytest.raises(Refused) as info:
            wd.apply(
                MemoryUnitOfWork(store),
                application_id="W3",
                account_no="A1",
                kind="retirement",
                amount=None,
                card_number=CARD,
                facts=WithdrawalFacts(),
                policy=ALTAY,
                on=date(2018, 5, 29),
            )
        assert "not_retired" in {v.code for v in info.value.violations}


def approved_retirement(store: MemoryStore) -> str:
    """A retirement withdrawal submitted by M1 and approved by R1 at its only node."""
    app_id = apply_retirement(store)
    wd.submit_application(MemoryUnitOfWork(store), application_id=app_id, actor="M1", at=at(29, 11))
    wd.approve_application(
        MemoryUnitOfWork(store),
        application_id=app_id,
        node="管理部提取业务审核岗",
        reviewer="R1",
        at=at(29, 12),
    )
    return app_id


class TestExactlyOncePayment:
    def test_lost_replies_and_retries_pay_once(self, store: MemoryStore) -> None:
        app_id = approved_retirement(store)
        bank = MemoryBank(lose_replies=2)
        for _ in range(2):
            with pytest.raises(PaymentTimeout):
                wd.pay_application(
                    MemoryUnitOfWork(store),
                    bank,
                    application_id=app_id,
                    account_no="A1",
                    on=date(2018, 5, 29),
                    at=at(29, 13),
                    deposit_rate="0.015",
                    day_basis="actual/360",
                )
        payment = wd.pay_application(
            MemoryUnitOfWork(store),
            bank,
            application_id=app_id,
            account_no="A1",
            on=date(2018, 5, 29),
            at=at(29, 13),
            deposit_rate="0.015",
            day_basis="actual/360",
        )
        assert bank.calls == 3
        assert len(bank.transfers) == 1
        assert payment.application.status is ApplicationStatus.PAID
        withdrawals = [e for e in store.entries if e.kind is EntryKind.WITHDRAWAL]
        assert [e.amount for e in withdrawals] == [D("-6007.18")]
        # and a fourth call after success changes nothing
        before = store.entries
        again = wd.pay_application(
            MemoryUnitOfWork(store),
            bank,
            application_id=app_id,
            account_no="A1",
            on=date(2018, 5, 29),
            at=at(29, 13),
            deposit_rate="0.015",
            day_basis="actual/360",
        )
        assert again.receipt == payment.receipt
        assert len(bank.transfers) == 1
        assert store.entries == before


class TestPaymentGuards:
    def test_only_the_applicants_account_pays(self, store: MemoryStore) -> None:
        deposits.open_account(
            MemoryUnitOfWork(store),
            account_no="A2",
            member=Member("M2", "他人", "440524188001010014"),
            employer=Employer("E1", "单位"),
            opened_on=date(2010, 1, 1),
            base="5000.00",
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
        bank = MemoryBank()
        with pytest.raises(Refused, match="not the applicant's"):
            wd.pay_application(
                MemoryUnitOfWork(store),
                bank,
                application_id=approved_retirement(store),
                account_no="A2",
                on=date(2018, 5, 29),
                at=at(29, 13),
                deposit_rate="0.015",
                day_basis="actual/360",
            )
        assert bank.transfers == ()

    def test_a_closing_amount_that_moved_since_approval_is_not_paid(self, store: MemoryStore) -> None:
        app_id = approved_retirement(store)
        bank = MemoryBank()
        before = store.entries
        # a week later the closing interest is 7 days larger: 6,007.18 was approved
        with pytest.raises(Refused, match=r"not the 6007\.18 approved"):
            wd.pay_application(
                MemoryUnitOfWork(store),
                bank,
                application_id=app_id,
                account_no="A1",
                on=date(2018, 6, 5),
                at=at(29, 13),
                deposit_rate="0.015",
                day_basis="actual/360",
            )
        assert (bank.transfers, store.entries) == ((), before)


class TestPaidWithdrawalsCount:
    """A kind's frequency limit and yearly cap count the withdrawals this store paid, not
    only the ``previous`` the caller states (found by the HTTP load journey, D-067: the
    once-a-year 物业管理费提取 was paid again and again)."""

    @staticmethod
    def fee_paid(store: MemoryStore, app_id: str, amount: str, day: int) -> None:
        wd.apply(
            MemoryUnitOfWork(store),
            application_id=app_id,
            account_no="A1",
            kind=WithdrawalKind.PROPERTY_FEE,
            amount=amount,
            card_number=CARD,
            facts=WithdrawalFacts(owns_home=True, property_fee_billed="2400"),
            policy=ALTAY,
            on=date(2018, 5, day),
        )
        for category in ("物业管理服务费收费票据", "不动产权证"):
            wd.upload_documents(MemoryUnitOfWork(store), application_id=app_id, category=category)
        wd.submit_application(MemoryUnitOfWork(store), application_id=app_id, actor="M1", at=at(day, 11))
        wd.approve_application(
            MemoryUnitOfWork(store),
            application_id=app_id,
            node="管理部提取业务审核岗",
            reviewer="R1",
            at=at(day, 12),
        )
        wd.pay_application(
            MemoryUnitOfWork(store),
            MemoryBank(),
            application_id=app_id,
            account_no="A1",
            on=date(2018, 5, day),
            at=at(day, 13),
            deposit_rate="0.015",
            day_basis=DayBasis.ACTUAL_360,
        )

    def test_a_second_fee_withdrawal_within_12_months_is_refused(self, store: MemoryStore) -> None:
        self.fee_paid(store, "F1", "1000", 29)
        assert wd.paid_withdrawals(MemoryUnitOfWork(store).applications.by_member("M1")) == (
            PastWithdrawal(kind=WithdrawalKind.PROPERTY_FEE, on=date(2018, 5, 29), amount="1000"),
        )
        before = MemoryUnitOfWork(store).accounts.get("A1").balance
        with pytest.raises(Refused) as refused:
            self.fee_paid(store, "F2", "1000", 30)
        assert [v.code for v in refused.value.violations] == ["too_soon"]
        assert "the next may be on or after 2019-05-29" in str(refused.value)
        # the refusal changed nothing: 5,925.21 - 1,000.00 stays, no second draft
        assert before == MemoryUnitOfWork(store).accounts.get("A1").balance == D("4925.21")
        assert [a.application_id for a in MemoryUnitOfWork(store).applications.by_member("M1")] == ["F1"]

    def test_the_yearly_cap_counts_what_was_paid_here(self, store: MemoryStore) -> None:
        # without a frequency limit, the cap of 3,000.00 a year alone bounds the second one
        kind = WithdrawalKind.PROPERTY_FEE
        rules = ALTAY.withdrawals
        assert rules is not None
        rule = attrs.evolve(rules.rule(kind), frequency_months=None)
        others = tuple((k, r) for k, r in rules.rules if k is not kind)
        policy = attrs.evolve(ALTAY, withdrawals=attrs.evolve(rules, rules=(*others, (kind, rule))))
        self.fee_paid(store, "F1", "2000", 29)
        _, assessment = wd.apply(
            MemoryUnitOfWork(store),
            application_id="F2",
            account_no="A1",
            kind=WithdrawalKind.PROPERTY_FEE,
            amount=None,
            card_number=CARD,
            facts=WithdrawalFacts(owns_home=True, property_fee_billed="2400"),
            policy=policy,
            on=date(2018, 5, 30),
        )
        assert assessment.max_amount == D("1000.00")  # 3,000.00 - 2,000.00 paid on 2018-05-29
