"""Monthly contributions (月缴存额): the eight HAFMIS rounding modes, per-side rounding, the
centre-policy wrapper and its TOML table, and the start of new members (Art. 17).

Every expected figure below was worked out by hand; the comment beside it says how.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from hpf_core.accounts import (
    Contribution,
    ContributionPolicy,
    ContributionRounding,
    NewMemberKind,
    check_rounding,
    contribution_for,
    first_contribution_month,
    initial_base,
    monthly_contribution,
    parse_contribution_policy,
    round_contribution,
)
from hpf_core.errors import (
    AmountOverflow,
    InputTypeError,
    InvalidAmount,
    InvalidChoice,
    InvalidContributionRatio,
    InvalidDate,
    InvalidPolicy,
    InvalidRate,
)

D = Decimal
R = ContributionRounding
NEW = NewMemberKind.NEW_EMPLOYEE
MOVED = NewMemberKind.TRANSFERRED_IN

# Shanghai FY2025 (docs/domain.md §2.3): base 2,690-37,302, 7% + 7%, half up to the yuan.
SHANGHAI_2025 = ContributionPolicy(
    base_min=2690, base_max=37302, rounding=R.HALF_UP_YUAN, source="SHGJJ FY2025 [S21]"
)


def rounded(amount: str, mode: ContributionRounding) -> Decimal:
    return round_contribution(D(amount), mode)


class TestDomainVectorTV9:
    """docs/domain.md §11 TV9: Shanghai FY2025, 7% each side, per-side half up to the yuan."""

    def test_the_upper_base_gives_2611_a_side_and_5222_in_all(self) -> None:
        # 37,302 x 0.07 = 2,611.14 -> 2,611 a side; 2 x 2,611 = 5,222 (the published cap).
        result = monthly_contribution(37302, D("0.07"), D("0.07"))
        assert result == Contribution(D("2611.00"), D("2611.00"), D("5222.00"))

    def test_the_lower_base_gives_188_a_side_and_376_in_all(self) -> None:
        # 2,690 x 0.07 = 188.30 -> 188 a side; 2 x 188 = 376 (the published floor).
        result = monthly_contribution(2690, D("0.07"), D("0.07"))
        assert result == Contribution(D("188.00"), D("188.00"), D("376.00"))

    def test_half_up_to_the_yuan_is_the_default_mode(self) -> None:
        explicit = monthly_contribution(37302, "0.07", "0.07", rounding=R.HALF_UP_YUAN)
        assert monthly_contribution(37302, "0.07", "0.07") == explicit

    def test_amounts_are_quantized_to_the_fen(self) -> None:
        result = monthly_contribution(37302, "0.07", "0.07")
        assert str(result.employee) == "2611.00"
        assert str(result.total) == "5222.00"


class TestTheEightModes:
    """HAFMIS 缴存精度 codes 1-8 and their names (PaymentAccuracy.java / BusiConst.java)."""

    def test_members_follow_the_hafmis_order_codes_and_chinese_names(self) -> None:
        assert [(m.hafmis_code, m.chinese) for m in R] == [
            (1, "四舍五入到元"),
            (2, "舍元以下"),
            (3, "见角进元"),
            (4, "见分进角"),
            (5, "四舍五入到角"),
            (6, "舍角以下"),
            (7, "见角分进元"),
            (8, "四舍五入到分"),
        ]

    def test_each_mode_has_the_step_its_results_are_multiples_of(self) -> None:
        steps = {m: m.step for m in R}
        assert steps == {
            R.HALF_UP_YUAN: D(1),
            R.TRUNCATE_YUAN: D(1),
            R.JIAO_UP_YUAN: D(1),
            R.FEN_UP_JIAO: D("0.1"),
            R.HALF_UP_JIAO: D("0.1"),
            R.TRUNCATE_JIAO: D("0.1"),
            R.UP_YUAN: D(1),
            R.HALF_UP_FEN: D("0.01"),
        }

    def test_a_mode_may_be_given_by_its_value_string(self) -> None:
        assert check_rounding("fen-up-jiao") is R.FEN_UP_JIAO
        assert rounded("188.31", R.FEN_UP_JIAO) == round_contribution(D("188.31"), "fen-up-jiao")

    def test_an_unknown_mode_is_refused_naming_the_field(self) -> None:
        with pytest.raises(InvalidChoice, match=r"^rounding: must be one of half-up-yuan, "):
            check_rounding("nearest")
        with pytest.raises(InvalidChoice, match=r"^rounding:"):
            monthly_contribution(2690, "0.07", "0.07", rounding="HALF_UP_YUAN")

    def test_the_same_amount_under_all_eight_modes(self) -> None:
        # 2,611.14 (TV9's upper side): yuan modes look at .14, jiao modes at .1|4.
        got = {m: round_contribution(D("2611.14"), m) for m in R}
        assert got == {
            R.HALF_UP_YUAN: D("2611.00"),  # .14 < .50
            R.TRUNCATE_YUAN: D("2611.00"),  # drop .14
            R.JIAO_UP_YUAN: D("2612.00"),  # the jiao digit is 1: up
            R.FEN_UP_JIAO: D("2611.20"),  # the fen digit is 4: up to the next jiao
            R.HALF_UP_JIAO: D("2611.10"),  # .04 below the jiao < .05
            R.TRUNCATE_JIAO: D("2611.10"),  # drop the 4 fen
            R.UP_YUAN: D("2612.00"),  # any jiao or fen: up
            R.HALF_UP_FEN: D("2611.14"),  # already fen-exact
        }

    def test_results_always_carry_two_decimal_places(self) -> None:
        for mode in R:
            assert round_contribution(D(7), mode).as_tuple().exponent == -2
            assert round_contribution(0, mode) == D("0.00")


class TestHalfUpToYuan:
    """四舍五入到元: the yuan is kept, .50 and above goes up."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("188.50", "189.00"),  # exactly half: up
            ("188.49", "188.00"),  # just below half: down
            ("188.499", "188.00"),  # an exact product just below half: down
            ("188.05", "188.00"),  # fen only, far below half
            ("188.00", "188.00"),  # already whole
            ("188.01", "188.00"),  # one fen
            ("188.99", "189.00"),  # one fen short of the next yuan
            ("188.30", "188.00"),  # jiao only, below half
            ("188.07", "188.00"),  # fen only
            ("0.50", "1.00"),  # half a yuan goes up to one
        ],
    )
    def test_rounds_half_up_to_the_yuan(self, amount: str, expected: str) -> None:
        assert rounded(amount, R.HALF_UP_YUAN) == D(expected)


class TestTruncateToYuan:
    """舍元以下: everything below the yuan is dropped."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("188.50", "188.00"),  # half is dropped too
            ("188.05", "188.00"),
            ("188.00", "188.00"),
            ("188.01", "188.00"),
            ("188.99", "188.00"),  # never rounds up, even one fen short
            ("188.999", "188.00"),  # nor a sub-fen amount
            ("188.30", "188.00"),
            ("0.99", "0.00"),  # under a yuan is nothing
        ],
    )
    def test_drops_everything_below_the_yuan(self, amount: str, expected: str) -> None:
        assert rounded(amount, R.TRUNCATE_YUAN) == D(expected)


class TestJiaoUpToYuan:
    """见角进元: a non-zero jiao rounds up to the next yuan, fen alone are dropped (HAFMIS adds
    0.4 and rounds half up to the yuan, so .10 and above goes up, .09 and below down)."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("188.30", "189.00"),  # jiao 3: up
            ("188.10", "189.00"),  # the smallest non-zero jiao: up
            ("188.09", "188.00"),  # jiao 0, fen 9: the fen are ignored
            ("188.05", "188.00"),  # fen only: down
            ("188.00", "188.00"),  # nothing to see
            ("188.01", "188.00"),  # one fen: down
            ("188.99", "189.00"),  # jiao 9: up
            ("188.50", "189.00"),  # jiao 5: up
            ("188.0999", "188.00"),  # below one jiao however close: down (188.4999 in HAFMIS)
        ],
    )
    def test_rounds_up_when_the_jiao_is_not_zero(self, amount: str, expected: str) -> None:
        assert rounded(amount, R.JIAO_UP_YUAN) == D(expected)


class TestFenUpToJiao:
    """见分进角: a non-zero fen rounds up to the next jiao (HAFMIS adds 0.04 and rounds half
    up to the jiao); anything below the fen is ignored."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("188.31", "188.40"),  # fen 1: up
            ("188.30", "188.30"),  # fen 0: kept
            ("188.01", "188.10"),  # one fen: up to one jiao
            ("188.05", "188.10"),  # fen 5: up
            ("188.07", "188.10"),  # fen only: up
            ("188.00", "188.00"),  # whole: kept
            ("188.99", "189.00"),  # up carries into the yuan
            ("188.50", "188.50"),  # a whole jiao: kept
            ("188.305", "188.30"),  # fen 0, half a fen below it is ignored
            ("188.315", "188.40"),  # fen 1: up
        ],
    )
    def test_rounds_up_to_the_jiao_when_the_fen_is_not_zero(self, amount: str, expected: str) -> None:
        assert rounded(amount, R.FEN_UP_JIAO) == D(expected)


class TestHalfUpToJiao:
    """四舍五入到角: five fen and above goes up to the next jiao."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("188.35", "188.40"),  # exactly half a jiao: up
            ("188.34", "188.30"),  # below half: down
            ("188.349", "188.30"),  # an exact product just below half: down
            ("188.05", "188.10"),  # half a jiao from zero: up
            ("188.04", "188.00"),
            ("188.00", "188.00"),
            ("188.01", "188.00"),
            ("188.99", "189.00"),  # carries into the yuan
            ("188.95", "189.00"),  # half: up, carrying
            ("188.50", "188.50"),  # a whole jiao: kept
        ],
    )
    def test_rounds_half_up_to_the_jiao(self, amount: str, expected: str) -> None:
        assert rounded(amount, R.HALF_UP_JIAO) == D(expected)


class TestTruncateToJiao:
    """舍角以下: everything below the jiao is dropped and the jiao is kept. HAFMIS computes
    round_half_up(x + 0.05 - 0.1, 1 place), i.e. the floor to the jiao — so the name means
    "drop what is below the jiao", parallel to 舍元以下, not "drop the jiao too"."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("188.39", "188.30"),  # the 9 fen are dropped, the jiao kept
            ("188.30", "188.30"),
            ("188.05", "188.00"),  # half a jiao is dropped too
            ("188.00", "188.00"),
            ("188.01", "188.00"),
            ("188.99", "188.90"),  # never up, even one fen short
            ("188.50", "188.50"),
            ("0.09", "0.00"),  # under a jiao is nothing
        ],
    )
    def test_drops_everything_below_the_jiao(self, amount: str, expected: str) -> None:
        assert rounded(amount, R.TRUNCATE_JIAO) == D(expected)

    def test_a_zero_amount_stays_zero(self) -> None:
        # HAFMIS's formula would give -0.10 for 0 (-0.05 rounds away from zero) and guards
        # only a zero base; exact Decimal needs no guard.
        assert monthly_contribution(2690, "0", "0", rounding=R.TRUNCATE_JIAO).total == D("0.00")


class TestUpToYuan:
    """见角分进元: any jiao or fen rounds up to the next yuan (HAFMIS: 见分进角, then 见角进元)."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("188.01", "189.00"),  # one fen: up
            ("188.00", "188.00"),  # whole: kept
            ("188.05", "189.00"),  # fen only: up
            ("188.07", "189.00"),
            ("188.30", "189.00"),  # jiao only: up
            ("188.99", "189.00"),
            ("188.50", "189.00"),
            ("188.009", "188.00"),  # below one fen: ignored, like HAFMIS's 188.049 -> 188.0
            ("188.0100", "189.00"),  # exactly one fen, written with four places
        ],
    )
    def test_rounds_up_to_the_yuan_on_any_jiao_or_fen(self, amount: str, expected: str) -> None:
        assert rounded(amount, R.UP_YUAN) == D(expected)


class TestHalfUpToFen:
    """四舍五入到分: half a fen and above goes up."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("188.305", "188.31"),  # exactly half a fen: up
            ("188.3049", "188.30"),  # below half: down
            ("188.00", "188.00"),
            ("188.01", "188.01"),  # fen-exact amounts are kept
            ("188.99", "188.99"),
            ("188.995", "189.00"),  # half: up, carrying into the yuan
            ("188.50", "188.50"),
            ("0.005", "0.01"),
        ],
    )
    def test_rounds_half_up_to_the_fen(self, amount: str, expected: str) -> None:
        assert rounded(amount, R.HALF_UP_FEN) == D(expected)

    def test_a_base_times_a_ratio_rounds_the_exact_product(self) -> None:
        # 3,333.33 x 0.07 = 233.3331 -> 233.33; 3,333.35 x 0.07 = 233.3345 -> 233.33 (not .34:
        # half up of the exact product, never a double rounding through 233.335).
        assert monthly_contribution("3333.33", "0.07", "0.07", rounding=R.HALF_UP_FEN).employee == D("233.33")
        assert monthly_contribution("3333.35", "0.07", "0.07", rounding=R.HALF_UP_FEN).employee == D("233.33")


class TestEachSideIsRoundedOnItsOwn:
    """docs/domain.md §2.2: round each side, then add; never round the combined ratio."""

    def test_when_both_sides_round_down_the_combined_ratio_would_give_one_yuan_more(self) -> None:
        # 2,690 x 7% = 188.30 -> 188 a side, total 376 (Shanghai's published floor).
        # Combined: 2,690 x 14% = 376.60 -> 377, which no Shanghai notice shows.
        per_side = monthly_contribution(2690, "0.07", "0.07")
        combined = round_contribution(D(2690) * D("0.14"), R.HALF_UP_YUAN)
        assert (per_side.total, combined) == (D("376.00"), D("377.00"))

    def test_when_both_sides_round_up_the_combined_ratio_would_give_one_yuan_less(self) -> None:
        # 5,050 x 7% = 353.50 exactly -> 354 a side (half up), total 708.
        # Combined: 5,050 x 14% = 707.00 -> 707. (Bases 50 + 100k all put a side on .50.)
        per_side = monthly_contribution(5050, "0.07", "0.07")
        combined = round_contribution(D(5050) * D("0.14"), R.HALF_UP_YUAN)
        assert (per_side.employee, per_side.total, combined) == (D("354.00"), D("708.00"), D("707.00"))

    def test_the_two_sides_may_use_different_ratios(self) -> None:
        # 10,000 x 5% = 500 and 10,000 x 12% = 1,200: no rounding needed, total 1,700.
        assert monthly_contribution(10000, "0.05", "0.12") == Contribution(
            D("500.00"), D("1200.00"), D("1700.00")
        )

    def test_unequal_ratios_round_each_side_in_its_own_direction(self) -> None:
        # 3,150 x 5% = 157.50 -> 158 (half up); 3,150 x 12% = 378.00 -> 378; total 536.
        # Combined 17%: 535.50 -> 536 too, but from a different sum (157.5 + 378).
        assert monthly_contribution(3150, "0.05", "0.12") == Contribution(
            D("158.00"), D("378.00"), D("536.00")
        )

    def test_the_mode_applies_to_each_side(self) -> None:
        # 188.30 a side: 见角分进元 -> 189 each (378); 舍角以下 -> 188.30 each (376.60).
        assert monthly_contribution(2690, "0.07", "0.07", rounding=R.UP_YUAN).total == D("378.00")
        assert monthly_contribution(2690, "0.07", "0.07", rounding="truncate-jiao").total == D("376.60")

    def test_the_total_is_always_the_sum_of_the_two_sides(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^total: must equal employee \+ employer"):
            Contribution(D("188.00"), D("188.00"), D("377.00"))

    def test_a_zero_base_or_a_zero_ratio_gives_zero(self) -> None:
        assert monthly_contribution(0, "0.07", "0.07").total == D("0.00")
        assert monthly_contribution(2690, "0", "0.07") == Contribution(D("0.00"), D("188.00"), D("188.00"))


class TestBadInputsToTheFormula:
    def test_a_float_base_is_a_type_error(self) -> None:
        with pytest.raises(InputTypeError, match=r"^base:"):
            monthly_contribution(2690.0, "0.07", "0.07")  # type: ignore[arg-type]

    def test_a_negative_base_is_refused(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^base: must not be negative"):
            monthly_contribution("-1", "0.07", "0.07")

    def test_a_base_with_more_than_two_places_is_refused(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^base: has more than two decimal places"):
            monthly_contribution("2690.005", "0.07", "0.07")

    def test_a_percent_passed_as_a_ratio_names_the_side(self) -> None:
        with pytest.raises(InvalidRate, match=r"^employee_ratio: must be a fraction in \[0, 1\)"):
            monthly_contribution(2690, "7", "0.07")
        with pytest.raises(InvalidRate, match=r"^employer_ratio: must not be negative"):
            monthly_contribution(2690, "0.07", "-0.07")

    def test_a_bool_or_float_ratio_is_a_type_error(self) -> None:
        with pytest.raises(InputTypeError, match=r"^employer_ratio:"):
            monthly_contribution(2690, "0.07", True)  # bool is an int to mypy, refused at run time
        with pytest.raises(InputTypeError, match=r"^employee_ratio:"):
            monthly_contribution(2690, 0.07, "0.07")  # type: ignore[arg-type]

    def test_round_contribution_refuses_negative_non_finite_and_float_amounts(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^amount: must not be negative"):
            round_contribution(D("-0.01"), R.HALF_UP_YUAN)
        with pytest.raises(InvalidAmount, match=r"^amount: must be a finite number"):
            round_contribution(D("NaN"), R.HALF_UP_YUAN)
        with pytest.raises(InputTypeError, match=r"^amount:"):
            round_contribution(188.3, R.HALF_UP_YUAN)  # type: ignore[arg-type]

    def test_rounding_up_past_the_ledger_maximum_is_an_overflow(self) -> None:
        # 9,999,999,999.50 half up is 10,000,000,000.00, one fen too many for a ledger column
        # (found by Hypothesis); truncating it still fits.
        with pytest.raises(AmountOverflow, match=r"^amount: rounds to more than the ledger maximum"):
            round_contribution(D("9999999999.50"), R.HALF_UP_YUAN)
        assert round_contribution(D("9999999999.50"), R.TRUNCATE_YUAN) == D("9999999999.00")

    def test_a_total_beyond_the_ledger_maximum_is_an_overflow(self) -> None:
        with pytest.raises(AmountOverflow, match=r"^total: exceeds the ledger maximum"):
            monthly_contribution("9000000000", "0.6", "0.6")

    def test_a_negative_zero_comes_back_as_a_plain_zero(self) -> None:
        for mode in R:
            assert str(round_contribution(D("-0.000"), mode)) == "0.00"

    def test_round_contribution_accepts_exact_strings_with_many_places(self) -> None:
        assert round_contribution("188.304999", R.HALF_UP_FEN) == D("188.30")


class TestContributionUnderACentrePolicy:
    def test_a_base_within_the_bounds_is_used_as_it_is(self) -> None:
        # 10,000 x 7% = 700 a side.
        result = contribution_for(SHANGHAI_2025, base=10000, employee_ratio="0.07", employer_ratio="0.07")
        assert (result.base_given, result.base_used, result.clamped) == (D("10000.00"), D("10000.00"), None)
        assert (result.employee, result.employer, result.total) == (D("700.00"), D("700.00"), D("1400.00"))

    def test_a_base_above_the_cap_is_lowered_to_it(self) -> None:
        result = contribution_for(SHANGHAI_2025, base=50000, employee_ratio="0.07", employer_ratio="0.07")
        assert (result.base_given, result.base_used, result.clamped) == (
            D("50000.00"),
            D("37302.00"),
            "ceiling",
        )
        assert result.total == D("5222.00")  # TV9's cap

    def test_a_base_below_the_floor_is_raised_to_it(self) -> None:
        result = contribution_for(SHANGHAI_2025, base=2000, employee_ratio="0.07", employer_ratio="0.07")
        assert (result.base_used, result.clamped, result.total) == (D("2690.00"), "floor", D("376.00"))

    def test_a_zero_base_is_raised_to_the_floor(self) -> None:
        result = contribution_for(SHANGHAI_2025, base=0, employee_ratio="0.07", employer_ratio="0.07")
        assert (result.base_used, result.clamped) == (D("2690.00"), "floor")

    def test_bases_exactly_on_a_bound_are_not_reported_as_clamped(self) -> None:
        low = contribution_for(SHANGHAI_2025, base=2690, employee_ratio="0.07", employer_ratio="0.07")
        high = contribution_for(SHANGHAI_2025, base="37302.00", employee_ratio="0.07", employer_ratio="0.07")
        assert (low.clamped, high.clamped) == (None, None)
        assert (low.total, high.total) == (D("376.00"), D("5222.00"))

    def test_the_result_carries_the_plain_contribution(self) -> None:
        result = contribution_for(SHANGHAI_2025, base=50000, employee_ratio="0.07", employer_ratio="0.07")
        assert result.contribution == monthly_contribution(37302, "0.07", "0.07")

    def test_ratios_on_the_bounds_are_accepted(self) -> None:
        # 10,000 x 5% = 500; 10,000 x 12% = 1,200.
        result = contribution_for(SHANGHAI_2025, base=10000, employee_ratio="0.05", employer_ratio="0.12")
        assert result.total == D("1700.00")

    def test_an_employee_ratio_below_the_floor_is_refused_naming_the_field(self) -> None:
        with pytest.raises(
            InvalidContributionRatio, match=r"^employee_ratio: must be between 5% and 12%"
        ) as e:
            contribution_for(SHANGHAI_2025, base=10000, employee_ratio="0.04", employer_ratio="0.07")
        assert e.value.field == "employee_ratio"
        assert e.value.code == "invalid_contribution_ratio"
        assert isinstance(e.value, InvalidRate)

    def test_an_employer_ratio_above_the_ceiling_is_refused_naming_the_field(self) -> None:
        with pytest.raises(InvalidContributionRatio, match=r"^employer_ratio: .*\(SHGJJ FY2025 \[S21\]\)"):
            contribution_for(SHANGHAI_2025, base=10000, employee_ratio="0.07", employer_ratio="0.1201")

    def test_a_percent_passed_as_a_ratio_is_an_invalid_rate(self) -> None:
        with pytest.raises(InvalidRate, match=r"^employee_ratio: must be a fraction"):
            contribution_for(SHANGHAI_2025, base=10000, employee_ratio="7", employer_ratio="0.07")

    def test_a_centre_may_approve_a_lower_ratio_for_an_employer_in_difficulty(self) -> None:
        # Art. 20 hardship relief (Tianjin example: 1% + 1%); 10,000 x 1% = 100 a side.
        relief = ContributionPolicy(base_min=2000, base_max=30000, ratio_min="0.01", source="example")
        result = contribution_for(relief, base=10000, employee_ratio="0.01", employer_ratio="0.01")
        assert result.total == D("200.00")

    def test_the_policy_rounding_mode_is_used(self) -> None:
        # 2,690 x 7% = 188.30: 见角进元 (jiao 3) -> 189 a side.
        policy = ContributionPolicy(base_min=2690, base_max=37302, rounding="jiao-up-yuan", source="example")
        result = contribution_for(policy, base=2690, employee_ratio="0.07", employer_ratio="0.07")
        assert result.total == D("378.00")

    def test_a_negative_base_is_refused_not_clamped(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^base: must not be negative"):
            contribution_for(SHANGHAI_2025, base="-1", employee_ratio="0.07", employer_ratio="0.07")


class TestContributionPolicyRecord:
    def test_defaults_are_5_and_12_percent_and_half_up_to_the_yuan(self) -> None:
        policy = ContributionPolicy(base_min="2690", base_max="37302", source="x")
        assert (policy.ratio_min, policy.ratio_max, policy.rounding) == (
            D("0.05"),
            D("0.12"),
            R.HALF_UP_YUAN,
        )
        assert policy.base_min == D("2690.00")

    def test_a_floor_above_the_cap_is_refused(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^base_max: must not be below base_min"):
            ContributionPolicy(base_min=40000, base_max=37302, source="x")

    def test_a_zero_cap_is_refused(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^base_max: must be greater than 0"):
            ContributionPolicy(base_min=0, base_max=0, source="x")

    def test_a_ratio_floor_above_the_ceiling_is_refused(self) -> None:
        with pytest.raises(InvalidRate, match=r"^ratio_max: must not be below ratio_min"):
            ContributionPolicy(base_min=1, base_max=2, ratio_min="0.12", ratio_max="0.05", source="x")

    def test_bad_fields_are_refused_by_name(self) -> None:
        with pytest.raises(InvalidRate, match=r"^ratio_max:"):
            ContributionPolicy(base_min=1, base_max=2, ratio_max="12", source="x")
        with pytest.raises(InvalidAmount, match=r"^base_min:"):
            ContributionPolicy(base_min="-5", base_max=2, source="x")
        with pytest.raises(InvalidChoice, match=r"^rounding:"):
            ContributionPolicy(base_min=1, base_max=2, rounding="round", source="x")


def table(**changes: Any) -> dict[str, Any]:
    """A valid ``[contributions]`` table as tomllib returns it, with some keys changed;
    a value of ``None`` removes the key."""
    base: dict[str, Any] = {
        "base_min": "2690",
        "base_max": "37302",
        "rounding": "half-up-yuan",
        "source": "SHGJJ FY2025 [S21]",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


class TestParsingTheContributionsTable:
    def test_a_toml_table_parses_into_a_policy(self) -> None:
        import tomllib

        text = """
        [contributions]
        base_min = "2690"   # minimum wage
        base_max = 37302    # an integer is fine for money
        ratio_min = "0.05"
        ratio_max = "0.12"
        rounding = "half-up-yuan"
        source = "SHGJJ FY2025 notice [S21]"
        """
        policy = parse_contribution_policy(tomllib.loads(text)["contributions"])
        assert policy == ContributionPolicy(
            base_min=2690, base_max=37302, rounding=R.HALF_UP_YUAN, source="SHGJJ FY2025 notice [S21]"
        )

    def test_the_ratio_bounds_are_optional(self) -> None:
        policy = parse_contribution_policy(table(ratio_min="0.01"))
        assert (policy.ratio_min, policy.ratio_max) == (D("0.01"), D("0.12"))

    def test_every_rounding_value_is_accepted(self) -> None:
        for mode in R:
            assert parse_contribution_policy(table(rounding=mode.value)).rounding is mode

    @pytest.mark.parametrize("key", ["base_min", "base_max", "rounding", "source"])
    def test_a_missing_required_key_is_named(self, key: str) -> None:
        with pytest.raises(InvalidPolicy, match=rf"^contributions\.{key}: is missing"):
            parse_contribution_policy(table(**{key: None}))

    @pytest.mark.parametrize("key", ["base_min", "base_max", "ratio_min", "ratio_max"])
    def test_a_toml_float_is_refused(self, key: str) -> None:
        with pytest.raises(InvalidPolicy, match=rf"^contributions\.{key}: write decimals as quoted strings"):
            parse_contribution_policy(table(**{key: 0.05}))

    def test_an_unknown_key_is_refused_so_a_typo_cannot_fall_back_to_a_default(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"^contributions\.ratio_mx: is not a known key"):
            parse_contribution_policy(table(ratio_mx="0.10"))

    def test_an_unknown_rounding_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"^contributions\.rounding: must be one of"):
            parse_contribution_policy(table(rounding="half-up"))
        with pytest.raises(InvalidPolicy, match=r"^contributions\.rounding: must be a string"):
            parse_contribution_policy(table(rounding=1))

    def test_an_empty_source_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"^contributions\.source: must be a non-empty string"):
            parse_contribution_policy(table(source="  "))

    def test_bad_values_are_reported_under_their_key(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"^contributions\.base_max: must not be below base_min"):
            parse_contribution_policy(table(base_min="40000"))
        with pytest.raises(InvalidPolicy, match=r"^contributions\.ratio_max: must be a fraction"):
            parse_contribution_policy(table(ratio_max="12"))
        with pytest.raises(InvalidPolicy, match=r"^contributions\.base_min: has more than two decimal"):
            parse_contribution_policy(table(base_min="2690.001"))
        with pytest.raises(InvalidPolicy, match=r"^contributions\.base_min: must be a Decimal"):
            parse_contribution_policy(table(base_min=True))

    def test_the_error_is_a_value_error_chained_to_the_cause(self) -> None:
        with pytest.raises(ValueError, match=r"ratio_min") as e:
            parse_contribution_policy(table(ratio_min="-0.01"))
        assert isinstance(e.value.__cause__, InvalidRate)

    def test_something_other_than_a_table_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"^contributions: must be a table"):
            parse_contribution_policy(["base_min"])  # type: ignore[arg-type]


class TestNewAndTransferredInEmployees:
    """Art. 17: 新参加工作 from the 2nd month of work; 新调入 from the first payday."""

    @pytest.mark.parametrize(
        ("start", "first_month"),
        [
            (date(2025, 12, 1), date(2026, 1, 1)),  # December start: January, across the year end
            (date(2025, 12, 31), date(2026, 1, 1)),  # the last day of the year counts as December
            (date(2025, 1, 31), date(2025, 2, 1)),  # calendar months, not 30 days
            (date(2024, 2, 29), date(2024, 3, 1)),
            (date(2025, 6, 15), date(2025, 7, 1)),
        ],
    )
    def test_a_new_employee_starts_in_the_month_after_starting_work(
        self, start: date, first_month: date
    ) -> None:
        assert first_contribution_month(NEW, start) == first_month

    def test_a_transferred_in_employee_starts_in_the_month_of_joining(self) -> None:
        assert first_contribution_month(MOVED, date(2025, 12, 31)) == date(2025, 12, 1)

    def test_a_later_first_payday_moves_the_start_across_the_year_end(self) -> None:
        got = first_contribution_month(MOVED, date(2025, 12, 20), first_payday=date(2026, 1, 5))
        assert got == date(2026, 1, 1)

    def test_a_payday_on_the_joining_day_keeps_the_month(self) -> None:
        got = first_contribution_month(MOVED, date(2025, 12, 20), first_payday=date(2025, 12, 20))
        assert got == date(2025, 12, 1)

    def test_a_payday_before_joining_is_refused(self) -> None:
        with pytest.raises(InvalidDate, match=r"^first_payday: is before start_date 2025-12-20"):
            first_contribution_month(MOVED, date(2025, 12, 20), first_payday=date(2025, 12, 19))

    def test_a_payday_is_refused_for_a_new_employee(self) -> None:
        with pytest.raises(InvalidDate, match=r"^first_payday: applies only to a transferred-in employee"):
            first_contribution_month(NEW, date(2025, 12, 20), first_payday=date(2026, 1, 5))

    def test_kinds_may_be_given_by_value_and_unknown_kinds_are_refused(self) -> None:
        assert first_contribution_month("new-employee", date(2025, 12, 1)) == date(2026, 1, 1)
        with pytest.raises(InvalidChoice, match=r"^kind: must be one of new-employee, transferred-in"):
            first_contribution_month("intern", date(2025, 12, 1))

    def test_a_datetime_or_string_start_is_a_type_error(self) -> None:
        with pytest.raises(InputTypeError, match=r"^start_date:"):
            first_contribution_month(NEW, datetime(2025, 12, 1))
        with pytest.raises(InputTypeError, match=r"^start_date:"):
            first_contribution_month(NEW, "2025-12-01")  # type: ignore[arg-type]

    def test_the_kinds_have_their_chinese_names(self) -> None:
        assert (NEW.chinese, MOVED.chinese) == ("新参加工作", "新调入")

    def test_the_initial_base_is_the_month_wage_for_both_kinds(self) -> None:
        assert initial_base(NEW, "9500") == D("9500.00")
        assert initial_base(MOVED, 12000) == D("12000.00")

    def test_the_initial_base_is_validated_as_money(self) -> None:
        with pytest.raises(InvalidAmount, match=r"^first_month_wage: must not be negative"):
            initial_base(NEW, "-1")
        with pytest.raises(InvalidAmount, match=r"^first_month_wage: has more than two decimal places"):
            initial_base(NEW, "9500.001")
        with pytest.raises(InputTypeError, match=r"^first_month_wage:"):
            initial_base(MOVED, 9500.0)  # type: ignore[arg-type]
        with pytest.raises(InvalidChoice, match=r"^kind:"):
            initial_base("temp", "9500")

    def test_the_initial_base_feeds_the_policy_wrapper_which_still_clamps_it(self) -> None:
        base = initial_base(NEW, "2000")
        result = contribution_for(SHANGHAI_2025, base=base, employee_ratio="0.07", employer_ratio="0.07")
        assert (result.base_used, result.clamped) == (D("2690.00"), "floor")
