"""The withdrawal screens' own inputs (issue #11 item 4, D-046): 偿还购房贷款本息提取
(§5.2.1.5) and 房租提取 (§5.2.1.3), with the seed's own entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.policies import load_policy
from hpf_core.errors import (
    InputError,
    InputTypeError,
    InvalidAmount,
    InvalidChoice,
    InvalidDate,
    InvalidIdNumber,
)
from hpf_core.loans import Borrower, SignerRole, open_loan
from hpf_core.loans import services as loans
from hpf_core.testing import sample_account
from hpf_core.withdrawals import (
    LoanRepaymentForm,
    RentForm,
    RentType,
    WithdrawalFacts,
    WithdrawalKind,
    WithdrawerType,
    assess,
    lease_months,
    loan_repayment_facts,
    rent_facts,
)
from hpf_core.withdrawals import services as withdrawals

D = Decimal
ALTAY = load_policy("altay")
ON = date(2018, 7, 23)
KIND = WithdrawalKind.LOAN_REPAYMENT


def seed_form(**changes: object) -> LoanRepaymentForm:
    # the seed's 一、提取信息录入: 主提取人, 借款合同编号 20180723001, 合同贷款金额 800000,
    # 合同签订日期 2018-07-23 (the name, ID number and 房屋坐落 are blurred: samples here)
    fields: dict[str, object] = {
        "withdrawer_type": "main",
        "borrower_name": "张三",
        "borrower_id": "11010519491231002X",
        "contract_no": "20180723001",
        "contract_amount": "800000",
        "signed_on": ON,
        "location": "阿勒泰市解放路2号",
    }
    fields.update(changes)
    return LoanRepaymentForm(**fields)  # type: ignore[arg-type]


class TestLoanRepaymentScreen:
    def test_another_lenders_loan_is_limited_by_the_contract_entered(self) -> None:
        facts = loan_repayment_facts(seed_form())
        assert facts.loan_owed == D("800000.00")
        assert facts.has_outstanding_hpf_loan is False
        # the seed's 二、提取金额录入: 个人账户余额 57,626.57 -> 可提取金额 57,610.00
        # (57,626.57 - 10 reserve, rounded down to 10; the 800,000 contract is far above it)
        result = assess(
            WithdrawalKind.LOAN_REPAYMENT, sample_account("57626.57"), facts, ALTAY.withdrawals, ON
        )
        assert (result.eligible, result.max_amount) == (True, D("57610.00"))

    def test_the_centres_own_loan_is_limited_by_its_record(self) -> None:
        store = MemoryStore()
        loan = open_loan(
            contract_no="20180723001",
            borrowers=(Borrower(SignerRole.BORROWER, "张三", "A1"),),
            principal="30000",
            disbursed_on=date(2017, 1, 1),
            term_months=120,
            method="equal-principal",
            annual_rate="0.0325",
        )
        loans.disburse(MemoryUnitOfWork(store), loan)
        facts = withdrawals.loan_repayment_facts_for(MemoryUnitOfWork(store), seed_form())
        # the record, not the 800,000 typed in: 30,000.00 owed, no instalment billed yet
        assert (facts.loan_owed, facts.instalments_repaid, facts.has_outstanding_hpf_loan) == (
            D("30000.00"),
            0,
            True,
        )
        result = assess(
            WithdrawalKind.LOAN_REPAYMENT, sample_account("57626.57"), facts, ALTAY.withdrawals, ON
        )
        assert result.max_amount == D("30000.00")

    def test_an_unknown_contract_falls_back_to_the_entered_amount(self) -> None:
        facts = withdrawals.loan_repayment_facts_for(MemoryUnitOfWork(MemoryStore()), seed_form())
        assert facts.loan_owed == D("800000.00")

    def test_the_withdrawer_types_and_masking(self) -> None:
        assert [t.chinese for t in WithdrawerType] == ["主提取人", "配偶", "共同借款人"]
        form = seed_form(withdrawer_type=WithdrawerType.SPOUSE)
        assert form.withdrawer_type is WithdrawerType.SPOUSE
        assert "11010519491231002X" not in repr(form)

    @pytest.mark.parametrize(
        ("changes", "error"),
        [
            ({"withdrawer_type": "friend"}, InvalidChoice),
            ({"borrower_id": "110105194912310021"}, InvalidIdNumber),
            ({"contract_amount": "0"}, InvalidAmount),
            ({"location": " "}, InputError),
            ({"signed_on": "2018-07-23"}, InputTypeError),
        ],
    )
    def test_bad_input_names_the_field(self, changes: dict[str, object], error: type[Exception]) -> None:
        with pytest.raises(error):
            seed_form(**changes)

    def test_other_facts_are_kept(self) -> None:
        base = WithdrawalFacts(owns_home=True)
        assert loan_repayment_facts(seed_form(), base=base).owns_home is True


class TestRentScreen:
    def test_the_seeds_entries(self) -> None:
        # 提取类型 普通住房, 租赁合同号或权证号 20180722001, 房租总额 80000, 2018/07/22 - 2018/07/22
        form = RentForm(
            rent_type="ordinary",
            contract_no="20180722001",
            total_rent="80000",
            starts_on=date(2018, 7, 22),
            ends_on=date(2018, 7, 22),
        )
        assert form.rent_type is RentType.ORDINARY
        assert form.rent_type.chinese == "普通住房"
        facts = rent_facts(form)
        assert (facts.monthly_rent, facts.rent_months) == (D("80000.00"), 1)

    def test_a_year_long_lease(self) -> None:
        # 36,000 over 2018-07-22 .. 2019-07-21: 12 months of 3,000.00
        form = RentForm(
            rent_type=RentType.PUBLIC_RENTAL,
            contract_no="GZ-1",
            total_rent="36000",
            starts_on=date(2018, 7, 22),
            ends_on=date(2019, 7, 21),
        )
        assert (rent_facts(form).monthly_rent, rent_facts(form).rent_months) == (D("3000.00"), 12)

    def test_the_rent_a_month_is_rounded_down(self) -> None:
        # 10,000 over 3 months = 3,333.333... -> 3,333.33 (never more than was paid)
        form = RentForm(
            rent_type="ordinary",
            contract_no="1",
            total_rent="10000",
            starts_on=date(2018, 1, 1),
            ends_on=date(2018, 3, 31),
        )
        assert (rent_facts(form).monthly_rent, rent_facts(form).rent_months) == (D("3333.33"), 3)

    @pytest.mark.parametrize(
        ("start", "end", "months"),
        [
            (date(2018, 7, 22), date(2018, 7, 22), 1),
            (date(2018, 1, 31), date(2018, 2, 27), 1),
            # a month from 31 January runs to the day before 28 February (the month end is
            # clamped, as add_months does); the 28th begins a second month
            (date(2018, 1, 31), date(2018, 2, 28), 2),
            (date(2018, 1, 1), date(2018, 12, 31), 12),
            (date(2018, 1, 1), date(2019, 1, 1), 13),
        ],
    )
    def test_lease_months(self, start: date, end: date, months: int) -> None:
        assert lease_months(start, end) == months

    def test_a_lease_ending_before_it_starts_is_refused(self) -> None:
        with pytest.raises(InvalidDate):
            RentForm(
                rent_type="ordinary",
                contract_no="1",
                total_rent="1",
                starts_on=date(2018, 7, 22),
                ends_on=date(2018, 7, 21),
            )
