"""The rate tables and the repricing rule (docs/domain.md §6.4, §6.5, §6.9)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hpf_core.errors import NoRateKnown
from hpf_core.loans import (
    HPF_RATE_GAPS,
    HPF_RATE_TABLE,
    HomeOrder,
    RepricingOverride,
    RepricingRule,
    commercial_rate,
    hpf_loan_rate,
    hpf_rate_in_force,
    repricing_date,
)

D = Decimal


class TestHpfLoanRate:
    @pytest.mark.parametrize(
        ("on", "months", "home", "expected"),
        [
            (date(2025, 5, 8), 360, HomeOrder.FIRST, "0.026"),  # S14: 2.60 from 2025-05-08
            (date(2025, 5, 7), 360, HomeOrder.FIRST, "0.0285"),  # the day before: 2024-05-18 row
            (date(2025, 5, 8), 60, HomeOrder.FIRST, "0.021"),  # 60 months is still "≤ 5 years"
            (date(2025, 5, 8), 61, HomeOrder.FIRST, "0.026"),
            (date(2024, 6, 1), 360, HomeOrder.SECOND, "0.03325"),
            (date(2023, 3, 1), 360, HomeOrder.FIRST, "0.031"),  # issue #4's loan
            (date(2020, 1, 1), 240, HomeOrder.SECOND, "0.03575"),  # 1.1 x 3.25
            (date(2015, 7, 1), 240, HomeOrder.FIRST, "0.035"),
            (date(2006, 5, 8), 120, HomeOrder.FIRST, "0.0459"),
        ],
    )
    def test_the_rate_in_force(self, on: date, months: int, home: HomeOrder, expected: str) -> None:
        assert hpf_loan_rate(on, months, home=home) == D(expected)

    def test_the_row_says_where_it_comes_from(self) -> None:
        row = hpf_rate_in_force(date(2026, 11, 26), 300)
        assert (row.rate, row.effective, row.source) == (D("0.026"), date(2025, 5, 8), "S14,S15")

    def test_a_date_before_the_table_has_no_rate(self) -> None:
        with pytest.raises(NoRateKnown, match="2006-05-08"):
            hpf_loan_rate(date(2006, 5, 7), 360)

    def test_the_former_2010_to_2014_gap_is_answered_from_its_sourced_rows(self) -> None:
        assert HPF_RATE_GAPS == ()
        assert hpf_loan_rate(date(2012, 1, 1), 360) == D("0.049")  # S76: 4.90 from 2011-07-07

    def test_no_second_home_rate_is_invented_before_the_2010_rule(self) -> None:
        with pytest.raises(NoRateKnown, match="second-home"):
            hpf_loan_rate(date(2010, 11, 2), 360, home="second")
        assert hpf_loan_rate(date(2015, 7, 1), 360, home="second") == D("0.0385")  # 3.50 x 1.1

    def test_rows_are_in_date_order_with_sources(self) -> None:
        dates = [row.effective for row in HPF_RATE_TABLE]
        assert dates == sorted(dates)
        assert all(row.source.startswith("S") for row in HPF_RATE_TABLE)


class TestCommercialRate:
    def test_the_lpr_applies_from_2019_10_08(self) -> None:
        assert commercial_rate(date(2026, 6, 1), 360) == D("0.035")
        assert commercial_rate(date(2026, 6, 1), 60) == D("0.03")
        assert commercial_rate(date(2024, 10, 21), 300) == D("0.036")
        assert commercial_rate(date(2024, 10, 20), 300) == D("0.0385")

    def test_a_spread_in_basis_points_is_added(self) -> None:
        assert commercial_rate(date(2026, 6, 1), 360, spread_bp=-20) == D("0.033")

    def test_a_spread_must_be_whole_basis_points_and_keep_the_rate_valid(self) -> None:
        from hpf_core.errors import InputTypeError, InvalidRate

        for bad in (True, 0.1):
            with pytest.raises(InputTypeError, match="spread_bp"):
                commercial_rate(date(2026, 6, 1), 360, spread_bp=bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidRate, match="spread_bp"):
            commercial_rate(date(2026, 6, 1), 360, spread_bp=-400)

    def test_the_benchmark_applies_before_the_lpr(self) -> None:
        assert commercial_rate(date(2018, 1, 1), 12) == D("0.0435")
        assert commercial_rate(date(2018, 1, 1), 36) == D("0.0475")
        assert commercial_rate(date(2018, 1, 1), 360) == D("0.049")


class TestRepricingDate:
    def test_a_long_loan_takes_the_new_rate_on_the_next_first_of_january(self) -> None:
        assert repricing_date(date(2024, 5, 18), date(2023, 3, 1), 360) == date(2025, 1, 1)

    def test_a_loan_of_a_year_or_less_keeps_its_rate(self) -> None:
        assert repricing_date(date(2025, 5, 8), date(2025, 1, 2), 12) is None

    def test_a_loan_disbursed_after_the_change_already_has_the_new_rate(self) -> None:
        assert repricing_date(date(2025, 5, 8), date(2025, 5, 8), 360) is None

    def test_a_centre_may_fix_its_own_date_for_one_change(self) -> None:
        shenzhen = RepricingRule((RepricingOverride(date(2025, 5, 8), date(2025, 7, 1), "S15"),))
        assert repricing_date(date(2025, 5, 8), date(2020, 1, 1), 360, rule=shenzhen) == date(2025, 7, 1)
        # the override concerns the 2025 change only: the 2024 one follows the national rule
        assert repricing_date(date(2024, 5, 18), date(2020, 1, 1), 360, rule=shenzhen) == date(2025, 1, 1)

    def test_a_loan_that_matures_before_the_date_is_never_repriced(self) -> None:
        # disbursed 2010-01-01 for 120 months: matured 2020-01-01, long before 2026-01-01
        assert repricing_date(date(2025, 5, 8), date(2010, 1, 1), 120) is None
        # maturing 2026-01-02 (one day after): still repriced
        assert repricing_date(date(2025, 5, 8), date(2016, 1, 2), 120) == date(2026, 1, 1)
