"""Monthly offset (按月抵扣): signing, cancelling, the notice, and the month's plan.

Figures are worked by hand in the comments; the account numbers and balances of the first
cases are the seed screen's (§6.3.2: 2,530.00 and 49,801.94 yuan).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from hpf_core.accounts import AccountState, AccountStatus, FreezeFlag, available_to_debit
from hpf_core.errors import InputError, InputTypeError, InvalidAmount, InvalidDate, Refused
from hpf_core.loans import (
    NOTICE_TITLE,
    SIGNING_NOTICE,
    OffsetAgreement,
    OffsetPlan,
    OffsetSigner,
    OffsetSkip,
    OffsetSource,
    OffsetTake,
    SignerRole,
    cancel_offset,
    is_signed,
    plan_monthly_offset,
    sign_offset,
)

R = SignerRole
D = Decimal

NORMAL = AccountState(AccountStatus.NORMAL)
SEALED = AccountState(AccountStatus.SEALED)
FROZEN = AccountState(AccountStatus.FROZEN, FreezeFlag.NO_MOVEMENT, D("0.00"), AccountStatus.NORMAL)
PARTIAL = AccountState(AccountStatus.FROZEN, FreezeFlag.PARTIAL, D("300.00"), AccountStatus.NORMAL)
CLOSED = AccountState(AccountStatus.CLOSED_TRANSFERRED)
OTHER = AccountState(AccountStatus.OTHER)

BORROWER = OffsetSigner(R.BORROWER, "29", "王芳")
SPOUSE = OffsetSigner(R.SPOUSE, "17", "李娜")
CO_1 = OffsetSigner(R.CO_BORROWER, "41", "张伟")
CO_2 = OffsetSigner(R.CO_BORROWER, "52", "赵敏")
LOAN = (BORROWER, SPOUSE, CO_1, CO_2)
MAY_8 = date(2018, 5, 8)


def signed(*signers: OffsetSigner) -> OffsetAgreement:
    """The agreement after ``signers`` sign one after another, on consecutive days."""
    agreement: OffsetAgreement | None = None
    for day, signer in enumerate(signers):
        agreement = sign_offset(
            agreement, contract_no="38", signer=signer, borrowers=LOAN, on=date(2018, 5, 8 + day)
        )
    assert agreement is not None
    return agreement


def source(role: SignerRole, account_no: str, balance: str, state: AccountState = NORMAL) -> OffsetSource:
    return OffsetSource(account_no, role, state, D(balance))


def takes(plan: OffsetPlan) -> list[tuple[str, Decimal]]:
    return [(t.account_no, t.amount) for t in plan.takes]


def skips(plan: OffsetPlan) -> list[tuple[str, str]]:
    return [(s.account_no, s.violation.code) for s in plan.skipped]


class TestSignerRole:
    def test_each_role_has_the_name_the_screen_shows(self) -> None:
        assert [r.chinese for r in R] == ["借款人", "配偶", "共同借款人"]

    def test_the_borrower_comes_first_then_the_spouse_then_co_borrowers(self) -> None:
        assert sorted([R.CO_BORROWER, R.BORROWER, R.SPOUSE], key=lambda r: r.order) == [
            R.BORROWER,
            R.SPOUSE,
            R.CO_BORROWER,
        ]


class TestSigning:
    def test_the_first_signer_starts_the_agreement_on_the_day_signed(self) -> None:
        result = sign_offset(None, contract_no="38", signer=SPOUSE, borrowers=LOAN, on=MAY_8)
        assert result == OffsetAgreement("38", (SPOUSE,), MAY_8)

    def test_later_signers_join_in_role_order_and_the_start_day_stays(self) -> None:
        agreement = signed(CO_1, SPOUSE, BORROWER)
        assert agreement.signers == (BORROWER, SPOUSE, CO_1)
        assert agreement.signed_on == MAY_8

    def test_co_borrowers_keep_the_order_they_signed_in(self) -> None:
        assert signed(CO_2, CO_1).signers == (CO_2, CO_1)
        assert signed(CO_1, SPOUSE, CO_2).signers == (SPOUSE, CO_1, CO_2)

    def test_an_account_signs_only_once(self) -> None:
        agreement = signed(BORROWER)
        with pytest.raises(Refused) as refused:
            sign_offset(agreement, contract_no="38", signer=BORROWER, borrowers=LOAN, on=MAY_8)
        assert [(v.code, v.field) for v in refused.value.violations] == [("already_signed", "account_no")]

    def test_someone_the_loan_does_not_name_cannot_sign(self) -> None:
        stranger = OffsetSigner(R.SPOUSE, "99", "路人")
        with pytest.raises(Refused) as refused:
            sign_offset(None, contract_no="38", signer=stranger, borrowers=LOAN, on=MAY_8)
        assert [(v.code, v.field) for v in refused.value.violations] == [("not_a_borrower", "account_no")]

    def test_the_loans_record_of_the_signer_is_kept_not_the_role_claimed(self) -> None:
        claims_spouse = OffsetSigner(R.SPOUSE, CO_1.account_no, "张伟")
        result = sign_offset(None, contract_no="38", signer=claims_spouse, borrowers=LOAN, on=MAY_8)
        assert isinstance(result, OffsetAgreement)
        assert result.signers == (CO_1,)

    def test_an_agreement_of_another_contract_is_refused(self) -> None:
        with pytest.raises(Refused) as refused:
            sign_offset(signed(BORROWER), contract_no="39", signer=SPOUSE, borrowers=LOAN, on=MAY_8)
        assert [(v.code, v.field) for v in refused.value.violations] == [("other_contract", "contract_no")]

    def test_a_signing_day_before_the_agreement_began_is_bad_input(self) -> None:
        with pytest.raises(InvalidDate, match="on: must not be before"):
            sign_offset(
                signed(BORROWER), contract_no="38", signer=SPOUSE, borrowers=LOAN, on=date(2018, 5, 7)
            )

    def test_the_signing_day_must_be_a_date_not_a_datetime(self) -> None:
        with pytest.raises(InputTypeError, match=r"^on: "):
            sign_offset(
                None, contract_no="38", signer=BORROWER, borrowers=LOAN, on=datetime(2018, 5, 8, 10, 6)
            )

    def test_the_screen_shows_whether_an_account_has_signed(self) -> None:
        agreement = signed(BORROWER)
        assert is_signed(agreement, "29")
        assert not is_signed(agreement, "17")
        assert not is_signed(None, "29")


class TestCancelling:
    def test_a_signer_leaves_and_the_others_keep_their_order_and_start_day(self) -> None:
        result = cancel_offset(signed(BORROWER, SPOUSE, CO_1), account_no=SPOUSE.account_no)
        assert result == OffsetAgreement("38", (BORROWER, CO_1), MAY_8)

    def test_the_borrower_may_leave_while_others_stay_signed(self) -> None:
        result = cancel_offset(signed(BORROWER, SPOUSE), account_no=BORROWER.account_no)
        assert isinstance(result, OffsetAgreement)
        assert result.signers == (SPOUSE,)

    def test_cancelling_the_last_signer_ends_the_agreement(self) -> None:
        once = cancel_offset(signed(BORROWER, SPOUSE), account_no=BORROWER.account_no)
        assert isinstance(once, OffsetAgreement)
        assert cancel_offset(once, account_no=SPOUSE.account_no) is None

    def test_an_account_that_has_not_signed_cannot_cancel(self) -> None:
        with pytest.raises(Refused) as refused:
            cancel_offset(signed(BORROWER), account_no=SPOUSE.account_no)
        assert [(v.code, v.field) for v in refused.value.violations] == [("not_signed", "account_no")]

    def test_without_an_agreement_nobody_can_cancel(self) -> None:
        with pytest.raises(Refused) as refused:
            cancel_offset(None, account_no=BORROWER.account_no)
        assert refused.value.codes == ("not_signed",)

    def test_one_can_sign_again_after_cancelling(self) -> None:
        left = cancel_offset(signed(BORROWER, SPOUSE), account_no=BORROWER.account_no)
        assert isinstance(left, OffsetAgreement)
        back = sign_offset(left, contract_no="38", signer=BORROWER, borrowers=LOAN, on=date(2018, 6, 1))
        assert isinstance(back, OffsetAgreement)
        assert back.signers == (BORROWER, SPOUSE)


class TestSigningNotice:
    def test_the_title_is_the_one_the_screen_links_to(self) -> None:
        assert NOTICE_TITLE == "按月抵扣签约须知"

    def test_the_notice_has_its_fourteen_numbered_lines_in_order(self) -> None:
        numbers = [line.split("、", 1)[0] for line in SIGNING_NOTICE.splitlines()]
        assert numbers == [
            "1", "1.1", "1.2", "2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3", "3.1", "3.2", "3.3"
        ]  # fmt: skip

    @pytest.mark.parametrize(
        "clause",
        [
            "1.1、在公积金中心缴存，且在公积金中心办理贷款的职工（借款人、配偶、共同借款人）。",
            "1.2、此项业务必须由本人办理，他人不得代办。",
            "扣划顺序在签约的借款人、配偶、共同借款人的个人公积金账户依次扣划。",
            "2.2、当签约人公积金账户余额不足以偿还当月月还款额时，不足的部分从借款人偿还贷款的银行卡中扣划。",
            "2.6、此笔贷款结清后，该协议自动解约。",
            "3.3、共同还款人办理需提供借款人与共同还款人身份证原件。",
        ],
    )
    def test_the_notice_says_what_the_code_does(self, clause: str) -> None:
        assert clause in SIGNING_NOTICE

    def test_the_screens_ocr_noise_and_button_are_gone(self) -> None:
        assert "我知道了" not in SIGNING_NOTICE
        assert " " not in SIGNING_NOTICE
        assert not any(c in SIGNING_NOTICE for c in ",:()")  # full-width punctuation only


class TestMonthlyPlan:
    def test_too_little_in_some_accounts_the_card_pays_the_rest(self) -> None:
        # 4,270.16 due. Borrower pays all 2,530.00 -> 1,740.16 left; the spouse is frozen
        # (49,801.94 untouched); the co-borrower pays all 1,000.00 -> 740.16 left, from the
        # card. Check: 2,530.00 + 1,000.00 + 740.16 = 4,270.16.
        plan = plan_monthly_offset(
            "4270.16",
            [
                source(R.BORROWER, "29", "2530.00"),
                source(R.SPOUSE, "17", "49801.94", FROZEN),
                source(R.CO_BORROWER, "41", "1000.00"),
            ],
        )
        assert plan == OffsetPlan(
            takes=(OffsetTake("29", R.BORROWER, D("2530.00")), OffsetTake("41", R.CO_BORROWER, D("1000.00"))),
            skipped=(OffsetSkip("17", R.SPOUSE, plan.skipped[0].violation),),
            from_card=D("740.16"),
            instalment=D("4270.16"),
        )
        assert (plan.skipped[0].violation.code, plan.skipped[0].violation.field) == ("frozen", "status")
        assert plan.from_hpf == D("3530.00")

    def test_exactly_enough_leaves_nothing_for_the_card(self) -> None:
        # 3,530.00 due = 2,530.00 + 1,000.00; the co-borrower is never reached.
        plan = plan_monthly_offset(
            D("3530.00"),
            [
                source(R.BORROWER, "29", "2530.00"),
                source(R.SPOUSE, "17", "1000.00"),
                source(R.CO_BORROWER, "41", "5000.00"),
            ],
        )
        assert takes(plan) == [("29", D("2530.00")), ("17", D("1000.00"))]
        assert plan.skipped == ()
        assert plan.from_card == D("0.00")

    def test_more_than_enough_in_the_first_account_uses_only_that_one(self) -> None:
        # 1,088.02 due; 49,801.94 - 1,088.02 = 48,713.92 stays with the borrower.
        plan = plan_monthly_offset(
            "1088.02",
            [source(R.BORROWER, "29", "49801.94"), source(R.SPOUSE, "17", "2530.00")],
        )
        assert takes(plan) == [("29", D("1088.02"))]
        assert plan.skipped == ()
        assert plan.from_card == D("0.00")

    def test_a_signer_not_needed_is_neither_taken_from_nor_reported_skipped(self) -> None:
        plan = plan_monthly_offset(
            "100.00", [source(R.BORROWER, "29", "100.00"), source(R.SPOUSE, "17", "50.00", FROZEN)]
        )
        assert takes(plan) == [("29", D("100.00"))]
        assert plan.skipped == ()

    def test_all_accounts_empty_the_card_pays_everything(self) -> None:
        plan = plan_monthly_offset(
            "4270.16",
            [
                source(R.BORROWER, "29", "0.00"),
                source(R.SPOUSE, "17", "0"),
                source(R.CO_BORROWER, "41", "0.00"),
            ],
        )
        assert plan.takes == ()
        assert skips(plan) == [("29", "no_balance"), ("17", "no_balance"), ("41", "no_balance")]
        assert plan.skipped[0].violation.field == "balance"
        assert plan.from_card == D("4270.16")
        assert plan.from_hpf == D("0.00")

    def test_no_signer_accounts_at_all_the_card_pays_everything(self) -> None:
        plan = plan_monthly_offset(1200, [])
        assert plan == OffsetPlan((), (), D("1200.00"), D("1200.00"))

    def test_sealed_closed_and_other_accounts_are_skipped_with_their_reason(self) -> None:
        # 1,500.00 due; only the second co-borrower is usable: 600.00, card 900.00.
        plan = plan_monthly_offset(
            "1500.00",
            [
                source(R.BORROWER, "29", "5000.00", SEALED),
                source(R.SPOUSE, "17", "800.00", CLOSED),
                source(R.CO_BORROWER, "41", "700.00", OTHER),
                source(R.CO_BORROWER, "52", "600.00"),
            ],
        )
        assert skips(plan) == [("29", "sealed"), ("17", "closed"), ("41", "other_status")]
        assert "外部转出销户" in plan.skipped[1].violation.message
        assert takes(plan) == [("52", D("600.00"))]
        assert plan.from_card == D("900.00")

    def test_a_partial_freeze_is_skipped_although_part_of_it_is_free(self) -> None:
        # available_to_debit would allow 1,000.00 - 300.00 = 700.00; the run takes none of it.
        assert available_to_debit(PARTIAL, D("1000.00")) == D("700.00")
        plan = plan_monthly_offset("500.00", [source(R.BORROWER, "29", "1000.00", PARTIAL)])
        assert skips(plan) == [("29", "frozen")]
        assert plan.from_card == D("500.00")

    def test_accounts_are_used_in_role_order_whatever_order_they_come_in(self) -> None:
        # 2,000.00 due: borrower 800.00 -> 1,200.00 left; spouse 700.00 -> 500.00 left;
        # first co-borrower given (52) 300.00 -> 200.00 left; next co-borrower (41) 200.00 of 900.00.
        plan = plan_monthly_offset(
            "2000.00",
            [
                source(R.CO_BORROWER, "52", "300.00"),
                source(R.SPOUSE, "17", "700.00"),
                source(R.CO_BORROWER, "41", "900.00"),
                source(R.BORROWER, "29", "800.00"),
            ],
        )
        assert takes(plan) == [
            ("29", D("800.00")),
            ("17", D("700.00")),
            ("52", D("300.00")),
            ("41", D("200.00")),
        ]
        assert plan.from_card == D("0.00")

    def test_the_one_fen_cases_are_exact(self) -> None:
        # 0.01 due from 0.01: all of it. 1,000.01 due from 1,000.00: one fen from the card.
        assert takes(plan_monthly_offset("0.01", [source(R.BORROWER, "29", "0.01")])) == [("29", D("0.01"))]
        plan = plan_monthly_offset("1000.01", [source(R.BORROWER, "29", "1000.00")])
        assert plan.from_card == D("0.01")


class TestMonthlyPlanInputs:
    @pytest.mark.parametrize("bad", ["0", "0.00", "-1.00", -5])
    def test_the_instalment_must_be_above_zero(self, bad: str | int) -> None:
        with pytest.raises(InvalidAmount, match=r"^instalment: must be greater than 0"):
            plan_monthly_offset(bad, [])

    def test_the_instalment_must_be_fen_exact(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^instalment: has more than two decimal places"):
            plan_monthly_offset("4270.165", [])

    def test_a_float_instalment_is_a_type_error(self) -> None:
        with pytest.raises(TypeError, match=r"^instalment: "):
            plan_monthly_offset(4270.16, [])  # type: ignore[arg-type]

    def test_a_negative_balance_is_refused_naming_the_account(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^balance: of account 17 must not be negative"):
            plan_monthly_offset(
                "100.00", [source(R.BORROWER, "29", "500.00"), source(R.SPOUSE, "17", "-0.01")]
            )

    def test_a_balance_with_more_than_two_places_is_refused(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^balance: has more than two decimal places"):
            plan_monthly_offset("100.00", [source(R.BORROWER, "29", "0.001")])

    def test_an_account_listed_twice_is_bad_input(self) -> None:
        with pytest.raises(InputError, match=r"^sources: account 29 is listed twice"):
            plan_monthly_offset(
                "100.00", [source(R.BORROWER, "29", "50.00"), source(R.SPOUSE, "29", "50.00")]
            )
