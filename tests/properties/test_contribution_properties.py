"""Properties of the contribution rounding modes and the monthly deposit (docs/domain.md §2).

Money comes from integer fen and ratios from integer millionths, never from floats. The
oracle works in integer units of 10^-8 yuan (fen x millionths), so every expected bound
below is exact integer arithmetic, independent of ``Decimal`` and of the implementation.

Each mode's result is pinned down by two facts: it is a multiple of the mode's step, and
it lies in a half-open window one step wide —

* half up (四舍五入):   exact - step/2 <  result <= exact + step/2
* truncation (舍…以下): exact - step   <  result <= exact             (never above)
* "见X进Y":            seen           <= result <  seen + step        (never below ``seen``)

where ``seen`` is the exact amount with the digits below X dropped (X = the fen for 见分进角
and 见角分进元, the jiao for 见角进元). Only one multiple of the step fits each window.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpf_core.accounts import (
    ContributionPolicy,
    ContributionRounding,
    contribution_for,
    monthly_contribution,
    round_contribution,
)
from hpf_core.money import MAX_AMOUNT, amount_from_fen

R = ContributionRounding
PROPS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

UNIT = 10**8  # oracle units per yuan
YUAN, JIAO, FEN = UNIT, UNIT // 10, UNIT // 100
RATIO_SCALE = 10**6  # ratios are drawn as millionths

# mode -> (kind, step, the digit an "up" mode looks at), in oracle units
RULE: dict[ContributionRounding, tuple[str, int, int]] = {
    R.HALF_UP_YUAN: ("half-up", YUAN, FEN),
    R.TRUNCATE_YUAN: ("truncate", YUAN, FEN),
    R.JIAO_UP_YUAN: ("up", YUAN, JIAO),
    R.FEN_UP_JIAO: ("up", JIAO, FEN),
    R.HALF_UP_JIAO: ("half-up", JIAO, FEN),
    R.TRUNCATE_JIAO: ("truncate", JIAO, FEN),
    R.UP_YUAN: ("up", YUAN, FEN),
    R.HALF_UP_FEN: ("half-up", FEN, FEN),
}

# The largest amount every mode can round without passing the ledger maximum
# (9,999,999,999.00: anything above it may round up to 10,000,000,000.00, an overflow).
MAX_FEN = int(MAX_AMOUNT * 100) // 100 * 100

# Fen amounts, with many just around the boundaries the modes care about
# (x.00, x.01, x.05, x.09, x.10, x.49, x.50, x.51, x.99 ...).
near_boundaries = st.builds(
    lambda yuan, cents: yuan * 100 + cents,
    st.integers(0, 10**7),
    st.sampled_from([0, 1, 4, 5, 6, 9, 10, 11, 30, 35, 49, 50, 51, 90, 95, 99]),
)
fen_amounts = st.one_of(st.integers(0, MAX_FEN), st.integers(0, 10**8), near_boundaries)
bases_fen = st.one_of(st.integers(0, 10**8), near_boundaries)  # up to 1,000,000 yuan
ratios_millionths = st.one_of(
    st.integers(0, RATIO_SCALE - 1),
    st.sampled_from([50_000, 70_000, 80_000, 100_000, 120_000, 125_000, 75_000]),
)
modes = st.sampled_from(list(R))


def to_units(amount: Decimal) -> int:
    """A fen-exact result in oracle units."""
    assert amount == amount.quantize(Decimal("0.01"))
    return int(amount * 100) * FEN


def exact(base_fen: int, ratio: int) -> Decimal:
    """base x ratio as an exact Decimal (yuan)."""
    return amount_from_fen(base_fen) * Decimal(ratio) / RATIO_SCALE


def check_window(mode: ContributionRounding, exact_units: int, result_units: int) -> None:
    kind, step, looked_at = RULE[mode]
    assert result_units % step == 0, f"{mode}: {result_units} is not a multiple of {step}"
    if kind == "half-up":
        assert 2 * exact_units - step < 2 * result_units <= 2 * exact_units + step  # no floats
    elif kind == "truncate":
        assert exact_units - step < result_units <= exact_units
    else:
        seen = exact_units - exact_units % looked_at
        assert seen <= result_units < seen + step


class TestEveryModeOnFenAmounts:
    @PROPS
    @given(fen_amounts, modes)
    def test_the_result_is_the_one_multiple_of_the_step_in_the_modes_window(
        self, fen: int, mode: ContributionRounding
    ) -> None:
        result = round_contribution(amount_from_fen(fen), mode)
        check_window(mode, fen * FEN, to_units(result))

    @PROPS
    @given(fen_amounts)
    def test_truncations_never_exceed_and_fen_sensitive_up_modes_never_go_below(self, fen: int) -> None:
        amount = amount_from_fen(fen)
        for mode in (R.TRUNCATE_YUAN, R.TRUNCATE_JIAO):
            assert round_contribution(amount, mode) <= amount
        for mode in (R.UP_YUAN, R.FEN_UP_JIAO):
            assert round_contribution(amount, mode) >= amount

    @PROPS
    @given(fen_amounts)
    def test_jiao_up_yuan_ignores_the_fen_so_it_stays_within_nine_fen_below(self, fen: int) -> None:
        amount = amount_from_fen(fen)
        result = round_contribution(amount, R.JIAO_UP_YUAN)
        assert amount - Decimal("0.09") <= result < amount + 1

    @PROPS
    @given(fen_amounts)
    def test_half_up_modes_stay_within_half_a_step(self, fen: int) -> None:
        amount = amount_from_fen(fen)
        for mode in (R.HALF_UP_YUAN, R.HALF_UP_JIAO, R.HALF_UP_FEN):
            assert abs(round_contribution(amount, mode) - amount) <= mode.step / 2

    @PROPS
    @given(fen_amounts)
    def test_modes_of_one_step_are_ordered_truncate_half_up_up(self, fen: int) -> None:
        amount = amount_from_fen(fen)
        r = {mode: round_contribution(amount, mode) for mode in R}
        assert r[R.TRUNCATE_YUAN] <= r[R.HALF_UP_YUAN] <= r[R.UP_YUAN]
        assert r[R.TRUNCATE_YUAN] <= r[R.JIAO_UP_YUAN] <= r[R.UP_YUAN]
        assert r[R.TRUNCATE_JIAO] <= r[R.HALF_UP_JIAO] <= r[R.FEN_UP_JIAO]
        assert r[R.HALF_UP_FEN] == amount

    @PROPS
    @given(fen_amounts, modes)
    def test_rounding_an_already_rounded_amount_changes_nothing(
        self, fen: int, mode: ContributionRounding
    ) -> None:
        once = round_contribution(amount_from_fen(fen), mode)
        assert round_contribution(once, mode) == once

    @PROPS
    @given(st.integers(0, 10**9), modes)
    def test_a_multiple_of_the_step_is_returned_unchanged(self, k: int, mode: ContributionRounding) -> None:
        amount = k * mode.step
        assert round_contribution(amount, mode) == amount


class TestEveryModeOnExactProducts:
    @PROPS
    @given(bases_fen, ratios_millionths, modes)
    def test_the_exact_base_times_ratio_lands_in_the_modes_window(
        self, base_fen: int, ratio: int, mode: ContributionRounding
    ) -> None:
        result = round_contribution(exact(base_fen, ratio), mode)
        check_window(mode, base_fen * ratio, to_units(result))

    @PROPS
    @given(bases_fen, ratios_millionths, modes)
    def test_results_are_quantized_to_the_fen_and_idempotent(
        self, base_fen: int, ratio: int, mode: ContributionRounding
    ) -> None:
        once = round_contribution(exact(base_fen, ratio), mode)
        assert once.as_tuple().exponent == -2
        assert round_contribution(once, mode) == once


class TestMonthlyContribution:
    @PROPS
    @given(bases_fen, ratios_millionths, ratios_millionths, modes)
    def test_the_total_is_the_sum_of_two_sides_each_rounded_on_its_own(
        self, base_fen: int, employee: int, employer: int, mode: ContributionRounding
    ) -> None:
        base = amount_from_fen(base_fen)
        ee, er = Decimal(employee) / RATIO_SCALE, Decimal(employer) / RATIO_SCALE
        result = monthly_contribution(base, ee, er, rounding=mode)
        assert result.total == result.employee + result.employer
        assert result.employee == round_contribution(exact(base_fen, employee), mode)
        assert result.employer == round_contribution(exact(base_fen, employer), mode)

    @PROPS
    @given(bases_fen, bases_fen, ratios_millionths, ratios_millionths, modes)
    def test_a_larger_base_never_gives_a_smaller_deposit(
        self, a: int, b: int, employee: int, employer: int, mode: ContributionRounding
    ) -> None:
        low, high = sorted((a, b))
        ee, er = Decimal(employee) / RATIO_SCALE, Decimal(employer) / RATIO_SCALE
        small = monthly_contribution(amount_from_fen(low), ee, er, rounding=mode)
        large = monthly_contribution(amount_from_fen(high), ee, er, rounding=mode)
        assert small.employee <= large.employee
        assert small.employer <= large.employer
        assert small.total <= large.total

    @PROPS
    @given(bases_fen, ratios_millionths, ratios_millionths, modes)
    def test_a_larger_ratio_never_gives_a_smaller_side(
        self, base_fen: int, a: int, b: int, mode: ContributionRounding
    ) -> None:
        low, high = sorted((a, b))
        base = amount_from_fen(base_fen)
        result = monthly_contribution(
            base, Decimal(low) / RATIO_SCALE, Decimal(high) / RATIO_SCALE, rounding=mode
        )
        assert result.employee <= result.employer

    @PROPS
    @given(bases_fen, ratios_millionths, modes)
    def test_equal_ratios_give_equal_sides_and_an_even_total(
        self, base_fen: int, ratio: int, mode: ContributionRounding
    ) -> None:
        r = Decimal(ratio) / RATIO_SCALE
        result = monthly_contribution(amount_from_fen(base_fen), r, r, rounding=mode)
        assert result.employee == result.employer
        assert result.total == 2 * result.employee


# Centre policies: a floor up to 10,000 yuan, a cap above it, 5%-12% ratios.
policies = st.builds(
    lambda low, extra, mode: ContributionPolicy(
        base_min=amount_from_fen(low),
        base_max=amount_from_fen(low + extra),
        rounding=mode,
        source="generated",
    ),
    st.integers(0, 10**6),
    st.integers(1, 10**8),
    modes,
)
policy_ratios = st.integers(50_000, 120_000).map(lambda m: Decimal(m) / RATIO_SCALE)


class TestContributionUnderAPolicy:
    @PROPS
    @given(policies, bases_fen, policy_ratios, policy_ratios)
    def test_the_base_used_is_the_base_clamped_to_the_bounds_and_reported(
        self, policy: ContributionPolicy, base_fen: int, ee: Decimal, er: Decimal
    ) -> None:
        base = amount_from_fen(base_fen)
        result = contribution_for(policy, base=base, employee_ratio=ee, employer_ratio=er)
        assert result.base_given == base
        assert result.base_used == min(max(base, policy.base_min), policy.base_max)
        expected = "floor" if base < policy.base_min else "ceiling" if base > policy.base_max else None
        assert result.clamped == expected
        assert result.contribution == monthly_contribution(result.base_used, ee, er, rounding=policy.rounding)

    @PROPS
    @given(policies, bases_fen, policy_ratios, policy_ratios)
    def test_the_deposit_lies_between_those_of_the_floor_and_the_cap(
        self, policy: ContributionPolicy, base_fen: int, ee: Decimal, er: Decimal
    ) -> None:
        result = contribution_for(
            policy, base=amount_from_fen(base_fen), employee_ratio=ee, employer_ratio=er
        )
        lowest = monthly_contribution(policy.base_min, ee, er, rounding=policy.rounding)
        highest = monthly_contribution(policy.base_max, ee, er, rounding=policy.rounding)
        assert lowest.total <= result.total <= highest.total
