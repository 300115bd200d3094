"""A withdrawal kind registered from outside hpf: one module
(``withdrawal_kind_lift_install.py``, next to this file) and one TOML section, run through
the policy parser, ``assess`` and the whole approval workflow, then unregistered so that
no other test sees it."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import attrs
import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.payments import MemoryBank
from hpf_adapters.policies import policy_text
from hpf_core.accounts import DayBasis, Employer, EntryKind, Member
from hpf_core.accounts import services as deposits
from hpf_core.errors import InputError, InvalidChoice, InvalidPolicy, Refused
from hpf_core.policy import CenterPolicy, parse_policy
from hpf_core.withdrawals import (
    KINDS,
    ApplicationStatus,
    DocumentRequirement,
    WithdrawalFacts,
    WithdrawalKind,
    assess,
    known_kinds,
    register_kind,
    unregister_kind,
)
from hpf_core.withdrawals import services as wd

D = Decimal
CST = timezone(timedelta(hours=8))
CARD = "6222021234567890128"
CHECKED = datetime(2025, 3, 10, 9, tzinfo=timezone(timedelta(hours=8)))  # a password check
REVIEW = "管理部提取业务审核岗"
ON = date(2025, 3, 10)
AGREEMENT, RECEIPT = "加装电梯费用分摊协议", "付款凭证"

# The one section a centre adds (to altay.toml here): the kind opened, and its rules.
SECTION = """
[withdrawals.lift-install]
max_per_home = "20000"
within_months = 6
frequency_months = 12
"""


def load_module() -> ModuleType:
    """The kind's module, loaded from its file as a plugin would be."""
    path = Path(__file__).with_name("withdrawal_kind_lift_install.py")
    spec = importlib.util.spec_from_file_location("withdrawal_kind_lift_install", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def lift() -> Iterator[WithdrawalKind]:
    kind = register_kind(load_module())
    try:
        yield kind
    finally:
        unregister_kind(kind)


def centre_text(section: str = SECTION) -> str:
    text = policy_text("altay")
    opened = text.replace('"serious-illness",\n]', '"serious-illness", "lift-install",\n]', 1)
    assert opened != text
    return opened + section


def centre(section: str = SECTION) -> CenterPolicy:
    return parse_policy(centre_text(section))


def facts(**extra: object) -> WithdrawalFacts:
    shown: dict[str, object] = {"lift_cost_share": "12345.67", "lift_accepted_on": date(2025, 1, 15)}
    return WithdrawalFacts(owns_home=True, extra={**shown, **extra})


@pytest.fixture
def store() -> MemoryStore:
    """A member holding 30,000.00 since 2024-07-01, with a card."""
    s = store_with_balance()
    wd.add_bank_card(MemoryUnitOfWork(s), member_id="M1", number=CARD, verified_at=CHECKED, at=CHECKED)
    return s


class TestRegistering:
    def test_the_kind_is_known_while_registered_and_only_then(self, lift: WithdrawalKind) -> None:
        assert WithdrawalKind("lift-install") is lift
        assert KINDS[lift].KIND is lift
        assert (lift.chinese, lift.closes_account) == ("既有住宅加装电梯提取", False)
        assert known_kinds()[-1] is lift
        assert list(WithdrawalKind) == list(known_kinds())[:10]  # iterating lists the shipped kinds
        module = KINDS[lift]
        unregister_kind(lift)
        try:
            assert lift not in KINDS
            assert len(KINDS) == 10
            with pytest.raises(ValueError, match="lift-install"):
                WithdrawalKind("lift-install")
            with pytest.raises(InvalidPolicy, match=r"withdrawals\.lift-install: is not a known key"):
                centre()
            with pytest.raises(InvalidPolicy, match=r"withdrawals\.open\[10\]"):
                centre(section="")
        finally:
            register_kind(module)  # for the fixture to unregister

    def test_a_module_missing_what_a_kind_declares_is_refused(self) -> None:
        module = load_module()
        del module.POLICY_KEYS
        with pytest.raises(InputError, match="POLICY_KEYS"):
            register_kind(module)
        module = load_module()
        setattr(module, "FACTS", frozenset({"lift_cost"}))  # noqa: B010 - a module's attribute
        with pytest.raises(InputError, match="FACTS"):
            register_kind(module)
        assert len(KINDS) == 10


class TestItsPolicySection:
    def test_the_section_is_read_by_the_kind(self, lift: WithdrawalKind) -> None:
        rules = centre().withdrawals
        assert rules is not None
        assert rules.is_open(lift)
        rule = rules.rule(lift, KINDS[lift].Rule)
        assert type(rule) is KINDS[lift].Rule
        read = attrs.asdict(rule, recurse=False)
        assert {
            key: read[key] for key in ("max_per_home", "within_months", "frequency_months", "documents")
        } == {
            "max_per_home": D("20000.00"),
            "within_months": 6,
            "frequency_months": 12,
            "documents": (),
        }

    @pytest.mark.parametrize(
        ("line", "path"),
        [
            ('cap_frist = "1"', r"withdrawals\.lift-install\.cap_frist"),
            ("sealed_months = 6", r"withdrawals\.lift-install\.sealed_months"),
            ("max_per_home = 20000.5", r"withdrawals\.lift-install\.max_per_home"),
            ('within_months = "6"', r"withdrawals\.lift-install\.within_months"),
            ("within_months = 0", r"withdrawals\.lift-install\.within_months"),
        ],
    )
    def test_its_keys_are_checked_strictly(self, lift: WithdrawalKind, line: str, path: str) -> None:
        with pytest.raises(InvalidPolicy, match=path):
            centre(f"\n[withdrawals.lift-install]\n{line}\n")


class TestAssessingIt:
    def test_the_amount_is_worked_out_by_hand(self, lift: WithdrawalKind) -> None:
        # limits: balance 30,000.00 - reserve 10 = 29,990.00; the kind's cap
        # min(share 12,345.67, max_per_home 20,000) = 12,345.67; the least, rounded down to
        # altay's unit of 10: 12,340.00. The section lists no documents: the kind's own.
        policy = centre()
        account = MemoryUnitOfWork(store_with_balance()).accounts.get("A1")
        a = assess(lift, account, facts(), policy.withdrawals, ON)
        assert (a.eligible, a.max_amount, a.closes_account) == (True, D("12340.00"), False)
        assert a.documents == (
            DocumentRequirement(AGREEMENT, required=True),
            DocumentRequirement(RECEIPT, required=True, max_files=2),
        )
        assert assess("lift-install", account, facts(), policy.withdrawals, ON) == a

    def test_its_own_conditions_refuse(self, lift: WithdrawalKind) -> None:
        policy = centre()
        account = MemoryUnitOfWork(store_with_balance()).accounts.get("A1")
        late = assess(lift, account, facts(), policy.withdrawals, date(2025, 7, 16))  # 6 months: 2025-07-15
        assert [v.code for v in late.violations] == ["lift_too_old"]
        bare = assess(lift, account, WithdrawalFacts(), policy.withdrawals, ON)
        assert [v.code for v in bare.violations] == ["no_home", "cost_not_shown", "lift_not_accepted"]
        assert bare.max_amount == D("0.00")

    def test_an_unregistered_kind_cannot_be_assessed(self) -> None:
        account = MemoryUnitOfWork(store_with_balance()).accounts.get("A1")
        with pytest.raises(InvalidChoice, match="kind"):
            assess("lift-install", account, facts(), None, ON)


def store_with_balance() -> MemoryStore:
    s = MemoryStore()
    deposits.open_account(
        MemoryUnitOfWork(s),
        account_no="A1",
        member=Member("M1", "业主", "11010519491231002X"),
        employer=Employer("E1", "单位"),
        opened_on=date(2010, 1, 1),
        base="5000.00",
        employee_ratio="0.12",
        employer_ratio="0.12",
    )
    deposits.receive_transfer(
        MemoryUnitOfWork(s), account_no="A1", amount="30000.00", value_date=date(2024, 7, 1), key="opening"
    )
    return s


class TestTheWholeWorkflow:
    def test_apply_upload_submit_return_resubmit_approve_pay(
        self, lift: WithdrawalKind, store: MemoryStore
    ) -> None:
        application, assessment = wd.apply(
            MemoryUnitOfWork(store),
            application_id="W9",
            account_no="A1",
            kind="lift-install",
            amount=None,
            card_number=CARD,
            facts=facts(),
            policy=centre(),
            on=ON,
        )
        assert application.kind is lift
        assert (application.amount, application.description) == (
            D("12340.00"),
            "既有住宅加装电梯提取12,340.00元。",
        )
        assert application.requirements == assessment.documents

        def at(hour: int) -> datetime:
            return datetime(2025, 3, 10, hour, tzinfo=CST)

        with pytest.raises(Refused) as info:
            wd.submit_application(MemoryUnitOfWork(store), application_id="W9", actor="M1", at=at(9))
        assert info.value.codes == ("documents_missing", "documents_missing")
        wd.upload_documents(MemoryUnitOfWork(store), application_id="W9", category=AGREEMENT)
        wd.upload_documents(MemoryUnitOfWork(store), application_id="W9", category=RECEIPT, files=2)
        wd.submit_application(MemoryUnitOfWork(store), application_id="W9", actor="M1", at=at(10))
        wd.return_application(
            MemoryUnitOfWork(store),
            application_id="W9",
            node=REVIEW,
            reviewer="R1",
            opinion="协议不清晰",
            at=at(11),
        )
        wd.resubmit_application(MemoryUnitOfWork(store), application_id="W9", actor="M1", at=at(12))
        approved = wd.approve_application(
            MemoryUnitOfWork(store), application_id="W9", node=REVIEW, reviewer="R1", at=at(13)
        )
        assert approved.status is ApplicationStatus.APPROVED
        bank = MemoryBank()
        payment = wd.pay_application(
            MemoryUnitOfWork(store),
            bank,
            application_id="W9",
            account_no="A1",
            on=ON,
            at=at(14),
            deposit_rate="0.015",
            day_basis=DayBasis.ACTUAL_360,
        )
        assert payment.application.status is ApplicationStatus.PAID
        assert [(e.kind, e.amount) for e in payment.entries] == [(EntryKind.WITHDRAWAL, D("-12340.00"))]
        assert [(t.card_number, t.amount) for t in bank.transfers] == [(CARD, D("12340.00"))]
        # a partial kind leaves the rest in the open account: 30,000.00 - 12,340.00
        assert MemoryUnitOfWork(store).accounts.get("A1").balance == D("17660.00")
        rows = wd.history(MemoryUnitOfWork(store), "W9")
        assert [(r.node, r.opinion) for r in rows] == [
            ("任务发起人", ""),
            ("申请", ""),
            (REVIEW, "协议不清晰"),
            ("申请", ""),
            (REVIEW, ""),
            ("支付", ""),
        ]
