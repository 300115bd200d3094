"""Deposit interest by the 积数 method (docs/domain.md §4, §11 D2).

Every expected figure below is worked by hand in a comment beside it (day counts, products
in yuan x days, then product x rate / D and the half-up rounding); none comes from the code
under test. Interest year 2025 = 2025-07-01..2026-06-30 has 365 days:
Jul 31 + Aug 31 + Sep 30 + Oct 31 + Nov 30 + Dec 31 = 184, then
Jan 31 + Feb 28 + Mar 31 + Apr 30 + May 31 + Jun 30 = 181.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

import pytest

from hpf_core.accounts import (
    DEPOSIT_RATE_TABLE,
    UNIFIED_DEPOSIT_RATE_FROM,
    DayBasis,
    InterestBreakdown,
    accrue_interest,
    accrue_interest_segments,
    annual_interest,
    check_basis,
    closing_interest,
    deposit_rate,
    deposit_rate_changes,
    deposit_rates,
    interest_days,
    interest_year,
    settlement_date,
)
from hpf_core.errors import (
    AmountOverflow,
    HpfError,
    InputTypeError,
    InvalidAmount,
    InvalidChoice,
    InvalidDate,
    InvalidRate,
    NoRateKnown,
)

D = Decimal
A360 = DayBasis.ACTUAL_360
A365 = DayBasis.ACTUAL_365
T360 = DayBasis.THIRTY_360
Y2025 = (date(2025, 7, 1), date(2026, 6, 30))
RATE = "0.015"


def smuggle(value: object) -> Any:
    """Hide a deliberately wrong value from the type checker, as an untyped caller would."""
    return cast(Any, value)


def expect_refusal(call: Callable[[], object], error: type[HpfError], field: str) -> HpfError:
    """``call`` must raise exactly ``error`` naming ``field`` (and return nothing)."""
    returned: list[object] = []
    with pytest.raises(error) as info:
        returned.append(call())
    assert returned == []
    exc = info.value
    assert type(exc) is error, f"expected {error.__name__}, got {type(exc).__name__}: {exc}"
    assert exc.field == field
    assert str(exc).startswith(f"{field}: ")
    return exc


class TestAWholeYearAtOnePointFivePercent:
    """docs/domain.md §11 D2: 10,000 held a whole interest year at 1.5%."""

    def test_actual_365_gives_150_00(self) -> None:
        # 10,000 x 365 days = 3,650,000; x 0.015 = 54,750; / 365 = 150.00
        assert accrue_interest(10000, [], *Y2025, RATE, basis=A365) == D("150.00")

    def test_thirty_360_gives_150_00(self) -> None:
        # 10,000 x 360 days = 3,600,000; x 0.015 = 54,000; / 360 = 150.00
        assert accrue_interest(10000, [], *Y2025, RATE, basis=T360) == D("150.00")

    def test_actual_360_gives_152_08_for_a_365_day_year(self) -> None:
        # 3,650,000 x 0.015 = 54,750; / 360 = 152.0833... -> 152.08
        assert accrue_interest(10000, [], *Y2025, RATE, basis=A360) == D("152.08")

    def test_actual_360_is_the_default_basis(self) -> None:
        assert accrue_interest(10000, [], *Y2025, RATE) == D("152.08")

    def test_a_leap_interest_year_has_366_actual_days(self) -> None:
        leap = (date(2023, 7, 1), date(2024, 6, 30))  # holds 2024-02-29
        # 10,000 x 366 = 3,660,000; x 0.015 = 54,900; / 365 = 150.4109... -> 150.41
        assert accrue_interest(10000, [], *leap, RATE, basis=A365) == D("150.41")
        # 54,900 / 360 = 152.50 exactly
        assert accrue_interest(10000, [], *leap, RATE, basis=A360) == D("152.50")
        # 30/360 still counts 360 days: 3,600,000 x 0.015 / 360 = 150.00
        assert accrue_interest(10000, [], *leap, RATE, basis=T360) == D("150.00")

    def test_the_breakdown_reports_the_product_in_yuan_days_and_fen_days(self) -> None:
        result = accrue_interest_segments(10000, [], *Y2025, [(Y2025[0], RATE)], basis=A365)
        # one segment, 365 days, 10,000 x 365 = 3,650,000.00 yuan-days = 365,000,000 fen-days
        assert len(result.segments) == 1
        segment = result.segments[0]
        assert (segment.start, segment.end, segment.days) == (*Y2025, 365)
        assert segment.product == D("3650000.00")
        assert segment.product_fen_days == 365_000_000
        assert result.product == D("3650000.00")
        assert (segment.interest, result.total, result.closing_balance) == (
            D("150.00"),
            D("150.00"),
            D(10000),
        )


class TestTheMixedBasisPitfall:
    """docs/domain.md §4.2: 10,000 from 1 July 2024 + 1,000 posted 1 January 2025, to 30 June 2025."""

    YEAR = (date(2024, 7, 1), date(2025, 6, 30))  # 184 + 181 = 365 days (2025 is not a leap year)
    POSTINGS = ((date(2025, 1, 1), D("1000")),)

    def test_the_actual_day_product_is_3_831_000(self) -> None:
        # 10,000 x 365 + 1,000 x 181 (1 Jan..30 Jun: 31+28+31+30+31+30) = 3,650,000 + 181,000
        result = accrue_interest_segments(
            10000, self.POSTINGS, *self.YEAR, [(self.YEAR[0], RATE)], basis=A365
        )
        assert result.product == D("3831000.00")

    def test_divided_by_365_it_gives_157_44(self) -> None:
        # 3,831,000 x 0.015 = 57,465; / 365 = 157.4383... -> 157.44
        assert accrue_interest(10000, self.POSTINGS, *self.YEAR, RATE, basis=A365) == D("157.44")

    def test_divided_by_360_it_gives_159_63(self) -> None:
        # 57,465 / 360 = 159.625 exactly: half up -> 159.63 (half-even would give 159.62)
        assert accrue_interest(10000, self.POSTINGS, *self.YEAR, RATE, basis=A360) == D("159.63")

    def test_30_360_counts_consistently_and_gives_157_50(self) -> None:
        # 10,000 x 360 + 1,000 x 180 (six whole months) = 3,780,000; x 0.015 = 56,700; / 360 = 157.50
        result = accrue_interest_segments(
            10000, self.POSTINGS, *self.YEAR, [(self.YEAR[0], RATE)], basis=T360
        )
        assert result.product == D("3780000.00")
        assert result.total == D("157.50")


class TestAMidYearDeposit:
    """20,000 from 1 July 2025; 2,611.00 deposited with value date 15 September 2025."""

    POSTINGS = ((date(2025, 9, 15), "2611.00"),)

    # Actual days 15 Sep..30 Jun: 16 (Sep 15-30) + 31 + 30 + 31 + 31 + 28 + 31 + 30 + 31 + 30 = 289.
    # Product = 20,000 x 365 + 2,611 x 289 = 7,300,000 + 754,579 (= 783,300 - 28,721) = 8,054,579.
    # x 0.015 = 120,818.685.
    def test_actual_365(self) -> None:
        # 120,818.685 / 365 = 331.0101 (365 x 331 = 120,815, remainder 3.685) -> 331.01
        assert accrue_interest(20000, self.POSTINGS, *Y2025, RATE, basis=A365) == D("331.01")

    def test_actual_360(self) -> None:
        # 120,818.685 / 360 = 335.6075 (360 x 335 = 120,600, remainder 218.685) -> 335.61
        assert accrue_interest(20000, self.POSTINGS, *Y2025, RATE, basis=A360) == D("335.61")

    def test_thirty_360(self) -> None:
        # 30/360 days 15 Sep..30 Jun: 16 + 9 whole months x 30 = 286.
        # 20,000 x 360 + 2,611 x 286 = 7,200,000 + 746,746 (= 783,300 - 36,554) = 7,946,746;
        # x 0.015 = 119,201.19; / 360 = 331.1144 (360 x 331 = 119,160, remainder 41.19) -> 331.11
        assert accrue_interest(20000, self.POSTINGS, *Y2025, RATE, basis=T360) == D("331.11")

    def test_a_deposit_counts_from_its_value_date_inclusive(self) -> None:
        # Posted on the last day: it is in that day's end-of-day balance, so it earns one day.
        # 10,000 x 365 + 3,650 x 1 = 3,653,650; x 0.015 = 54,804.75; / 365 = 150.15
        postings = [(date(2026, 6, 30), 3650)]
        assert accrue_interest(10000, postings, *Y2025, RATE, basis=A365) == D("150.15")

    def test_postings_may_come_in_any_order(self) -> None:
        # 1,000 from 1 Jan (181 days) and 1,000 from 1 Oct (1 Oct..30 Jun: 31 + 30 + 31 + 181 = 273 days)
        # 0 x 365 + 1,000 x 181 + 1,000 x 273 = 454,000; x 0.015 = 6,810; / 365 = 18.6575... -> 18.66
        ordered = [(date(2025, 10, 1), 1000), (date(2026, 1, 1), 1000)]
        assert accrue_interest(0, ordered, *Y2025, RATE, basis=A365) == D("18.66")
        assert accrue_interest(0, ordered[::-1], *Y2025, RATE, basis=A365) == D("18.66")


class TestAMidYearWithdrawal:
    """50,000 from 1 July 2025; 12,000 withdrawn (e.g. for rent) with value date 10 March 2026."""

    POSTINGS = ((date(2026, 3, 10), "-12000"),)

    # Actual days: 1 Jul..9 Mar = 243 (Jul..Feb) + 9 = 252; 10 Mar..30 Jun = 22 + 30 + 31 + 30 = 113.
    # Product = 50,000 x 252 + 38,000 x 113 = 12,600,000 + 4,294,000 = 16,894,000; x 0.015 = 253,410.
    def test_actual_365(self) -> None:
        # 253,410 / 365 = 694.2740 (365 x 694 = 253,310, remainder 100) -> 694.27
        assert accrue_interest(50000, self.POSTINGS, *Y2025, RATE, basis=A365) == D("694.27")

    def test_actual_360(self) -> None:
        # 253,410 / 360 = 703.9167 (360 x 703 = 253,080, remainder 330) -> 703.92
        assert accrue_interest(50000, self.POSTINGS, *Y2025, RATE, basis=A360) == D("703.92")

    def test_thirty_360(self) -> None:
        # 30/360 days: 1 Jul..9 Mar = 8 x 30 + 9 = 249; 10 Mar..30 Jun = 21 (10-30 Mar; the 31st
        # counts nothing) + 3 x 30 = 111; 249 + 111 = 360.
        # 50,000 x 249 + 38,000 x 111 = 12,450,000 + 4,218,000 = 16,668,000; x 0.015 = 250,020;
        # / 360 = 694.50
        assert accrue_interest(50000, self.POSTINGS, *Y2025, RATE, basis=T360) == D("694.50")

    def test_the_closing_balance_is_after_the_withdrawal(self) -> None:
        result = accrue_interest_segments(50000, self.POSTINGS, *Y2025, [(Y2025[0], RATE)], basis=A365)
        assert result.closing_balance == D("38000.00")

    def test_withdrawing_everything_is_allowed(self) -> None:
        # 5,000 x 252 days (to 9 Mar) = 1,260,000; x 0.015 = 18,900; / 360 = 52.50
        postings = [(date(2026, 3, 10), "-5000")]
        assert accrue_interest(5000, postings, *Y2025, RATE, basis=A360) == D("52.50")

    def test_a_same_day_deposit_then_withdrawal_applies_in_the_order_given(self) -> None:
        # 0 + 500 - 500 on 1 Jul: the end-of-day balance is 0 every day -> 0.00
        postings = [(date(2025, 7, 1), 500), (date(2025, 7, 1), -500)]
        assert accrue_interest(0, postings, *Y2025, RATE, basis=A365) == D("0.00")


class TestARateChangeInsideTheYear:
    """A hypothetical cut from 1.5% to 1.2% on 1 January 2026, interest year 2025 (分段积数).

    10,000 from 1 July 2025 and 1,000 more from 1 October 2025.
    Segment 1, 1 Jul..31 Dec: 184 actual days; 1 Oct..31 Dec = 31 + 30 + 31 = 92.
        product 10,000 x 184 + 1,000 x 92 = 1,932,000; x 0.015 = 28,980.
    Segment 2, 1 Jan..30 Jun: 181 actual days at 11,000: product 1,991,000; x 0.012 = 23,892.
    """

    RATES = ((date(2016, 2, 21), "0.015"), (date(2026, 1, 1), "0.012"))
    POSTINGS = ((date(2025, 10, 1), 1000),)

    def test_actual_365_rounds_each_segment(self) -> None:
        # 28,980 / 365 = 79.3973 -> 79.40; 23,892 / 365 = 65.4575 -> 65.46; total 144.86
        result = accrue_interest_segments(10000, self.POSTINGS, *Y2025, self.RATES, basis=A365)
        assert [(s.start, s.end, s.days) for s in result.segments] == [
            (date(2025, 7, 1), date(2025, 12, 31), 184),
            (date(2026, 1, 1), date(2026, 6, 30), 181),
        ]
        assert [s.annual_rate for s in result.segments] == [D("0.015"), D("0.012")]
        assert [s.product for s in result.segments] == [D("1932000.00"), D("1991000.00")]
        assert [s.interest for s in result.segments] == [D("79.40"), D("65.46")]
        assert result.total == D("144.86")

    def test_actual_360(self) -> None:
        # 28,980 / 360 = 80.50; 23,892 / 360 = 66.3667 -> 66.37; total 146.87
        result = accrue_interest_segments(10000, self.POSTINGS, *Y2025, self.RATES, basis=A360)
        assert [s.interest for s in result.segments] == [D("80.50"), D("66.37")]
        assert result.total == D("146.87")

    def test_thirty_360(self) -> None:
        # Segment 1: 180 days; 1 Oct..31 Dec = 90: 1,800,000 + 90,000 = 1,890,000; x 0.015 = 28,350;
        #   / 360 = 78.75. Segment 2: 180 days x 11,000 = 1,980,000; x 0.012 = 23,760; / 360 = 66.00.
        result = accrue_interest_segments(10000, self.POSTINGS, *Y2025, self.RATES, basis=T360)
        assert [s.days for s in result.segments] == [180, 180]
        assert [s.interest for s in result.segments] == [D("78.75"), D("66.00")]
        assert result.total == D("144.75")

    def test_segments_are_rounded_separately_not_the_sum(self) -> None:
        # 10,000 all year, actual/365:
        # 1,840,000 x 0.015 = 27,600; / 365 = 75.6164 -> 75.62
        # 1,810,000 x 0.012 = 21,720; / 365 = 59.5068 -> 59.51; total 135.13
        # (rounding the unrounded sum 135.1233 once would give 135.12)
        result = accrue_interest_segments(10000, [], *Y2025, self.RATES, basis=A365)
        assert [s.interest for s in result.segments] == [D("75.62"), D("59.51")]
        assert result.total == D("135.13")

    def test_a_row_repeating_the_rate_in_force_does_not_split(self) -> None:
        rates = [(date(2016, 2, 21), RATE), (date(2025, 10, 1), RATE)]
        result = accrue_interest_segments(10000, [], *Y2025, rates, basis=A365)
        assert len(result.segments) == 1
        assert result.total == D("150.00")

    def test_rows_after_the_period_are_ignored(self) -> None:
        rates = [(date(2025, 7, 1), RATE), (date(2026, 7, 1), "0.012")]
        assert accrue_interest_segments(10000, [], *Y2025, rates, basis=A365).total == D("150.00")

    def test_a_change_on_the_first_day_takes_the_whole_period(self) -> None:
        # 10,000 x 365 x 0.012 = 43,800; / 365 = 120.00
        rates = [(date(2016, 2, 21), RATE), (date(2025, 7, 1), "0.012")]
        result = accrue_interest_segments(10000, [], *Y2025, rates, basis=A365)
        assert [(s.start, s.annual_rate) for s in result.segments] == [(date(2025, 7, 1), D("0.012"))]
        assert result.total == D("120.00")

    def test_one_rate_is_the_same_as_accrue_interest(self) -> None:
        single = accrue_interest_segments(
            50000, [(date(2026, 3, 10), -12000)], *Y2025, [(Y2025[0], RATE)], basis=A365
        )
        assert single.total == accrue_interest(50000, [(date(2026, 3, 10), -12000)], *Y2025, RATE, basis=A365)


class TestClosingInterest:
    """销户利息: from 1 July to the day before closing (docs/domain.md §4.2)."""

    def test_it_runs_to_the_day_before_closing(self) -> None:
        # Closed 15 Mar 2026: 1 Jul..14 Mar = 243 (Jul..Feb) + 14 = 257 days.
        # 30,000 x 257 = 7,710,000; x 0.015 = 115,650; / 360 = 321.25; / 365 = 316.8493 -> 316.85
        assert closing_interest(30000, [], date(2026, 3, 15), RATE, basis=A360) == D("321.25")
        assert closing_interest(30000, [], date(2026, 3, 15), RATE, basis=A365) == D("316.85")
        # 30/360: 8 x 30 + 14 = 254 days; 7,620,000 x 0.015 = 114,300; / 360 = 317.50
        assert closing_interest(30000, [], date(2026, 3, 15), RATE, basis=T360) == D("317.50")

    def test_postings_before_closing_count(self) -> None:
        # + 2,000 from 10 Jan: 10 Jan..14 Mar = 22 + 28 + 14 = 64 days; 2,000 x 64 = 128,000.
        # 7,710,000 + 128,000 = 7,838,000; x 0.015 = 117,570; / 360 = 326.5833 -> 326.58;
        # / 365 = 322.1096 (365 x 322 = 117,530, remainder 40) -> 322.11
        postings = [(date(2026, 1, 10), 2000)]
        assert closing_interest(30000, postings, date(2026, 3, 15), RATE, basis=A360) == D("326.58")
        assert closing_interest(30000, postings, date(2026, 3, 15), RATE, basis=A365) == D("322.11")

    def test_closing_on_30_june_leaves_out_30_june(self) -> None:
        # 1 Jul..29 Jun = 364 days; 10,000 x 364 x 0.015 = 54,600; / 365 = 149.5890 -> 149.59
        assert closing_interest(10000, [], date(2026, 6, 30), RATE, basis=A365) == D("149.59")

    def test_closing_on_1_july_accrues_nothing(self) -> None:
        assert closing_interest(10000, [], date(2026, 7, 1), RATE, basis=A365) == D("0.00")

    def test_it_equals_accrue_interest_to_the_day_before(self) -> None:
        postings = [(date(2025, 8, 1), 700), (date(2025, 12, 5), -300)]
        expected = accrue_interest(4000, postings, date(2025, 7, 1), date(2026, 2, 27), RATE, basis=T360)
        assert closing_interest(4000, postings, date(2026, 2, 28), RATE, basis=T360) == expected

    def test_a_posting_on_the_closing_date_is_refused(self) -> None:
        call = lambda: closing_interest(1000, [(date(2026, 3, 15), 5)], date(2026, 3, 15), RATE, basis=A360)  # noqa: E731
        expect_refusal(call, InvalidDate, "postings[0].value_date")

    def test_any_posting_is_refused_when_closing_on_1_july(self) -> None:
        call = lambda: closing_interest(1000, [(date(2026, 7, 1), 5)], date(2026, 7, 1), RATE, basis=A360)  # noqa: E731
        expect_refusal(call, InvalidDate, "postings[0].value_date")


class TestAnnualSettlement:
    """年终结息 for interest year 2025 (1 July 2025 - 30 June 2026)."""

    def test_it_uses_the_deposit_rate_table(self) -> None:
        rates = deposit_rate_changes(date(2025, 7, 1), settlement_date(2025))
        result = annual_interest(10000, [], 2025, rates, basis=A365)
        # 3,650,000 x 0.015 / 365 = 150.00
        assert isinstance(result, InterestBreakdown)
        assert (result.start, result.end, result.basis) == (date(2025, 7, 1), date(2026, 6, 30), A365)
        assert result.total == D("150.00")

    def test_it_splits_at_a_rate_change(self) -> None:
        # Same figures as TestARateChangeInsideTheYear on actual/365: 79.40 + 65.46 = 144.86
        rates = [(date(2016, 2, 21), "0.015"), (date(2026, 1, 1), "0.012")]
        result = annual_interest(10000, [(date(2025, 10, 1), 1000)], 2025, rates, basis=A365)
        assert result.total == D("144.86")

    def test_settled_interest_becomes_next_years_principal(self) -> None:
        # Year 2025: 50,000 x 252 + 38,000 x 113 on 30/360 -> 694.50 (TestAMidYearWithdrawal), closing 38,000.
        # Year 2026 opens with 38,000 + 694.50 = 38,694.50; 2026-07-01..2027-06-30 on 30/360 = 360 days:
        # 38,694.50 x 360 = 13,930,020; x 0.015 = 208,950.30; / 360 = 580.4175 -> 580.42
        rates = [(date(2016, 2, 21), RATE)]
        first = annual_interest(50000, [(date(2026, 3, 10), -12000)], 2025, rates, basis=T360)
        assert (first.total, first.closing_balance) == (D("694.50"), D("38000.00"))
        second = annual_interest(first.closing_balance + first.total, [], 2026, rates, basis=T360)
        assert second.total == D("580.42")


class TestTheInterestYear:
    def test_30_june_ends_the_year_that_began_the_previous_1_july(self) -> None:
        assert interest_year(date(2026, 6, 30)) == (date(2025, 7, 1), date(2026, 6, 30))

    def test_1_july_starts_a_new_year(self) -> None:
        assert interest_year(date(2026, 7, 1)) == (date(2026, 7, 1), date(2027, 6, 30))

    def test_a_january_date_belongs_to_the_year_named_by_the_previous_calendar_year(self) -> None:
        assert interest_year(date(2024, 1, 15)) == (date(2023, 7, 1), date(2024, 6, 30))

    def test_the_year_holding_29_february_has_366_actual_days(self) -> None:
        start, end = interest_year(date(2024, 2, 29))
        assert (start, end) == (date(2023, 7, 1), date(2024, 6, 30))
        assert interest_days(start, end, basis=A365) == 366
        assert interest_days(start, end, basis=A360) == 366
        assert interest_days(start, end, basis=T360) == 360

    def test_the_settlement_date_is_30_june_of_the_next_calendar_year(self) -> None:
        assert settlement_date(2025) == date(2026, 6, 30)
        assert settlement_date(2023) == date(2024, 6, 30)

    def test_the_year_range_reaches_the_calendars_ends(self) -> None:
        assert interest_year(date(1, 7, 1)) == (date(1, 7, 1), date(2, 6, 30))
        assert interest_year(date(9999, 6, 30)) == (date(9998, 7, 1), date(9999, 6, 30))


class TestThirty360DayCount:
    @pytest.mark.parametrize(
        ("start", "end", "days"),
        [
            (date(2026, 1, 1), date(2026, 1, 31), 30),  # a 31-day month counts 30
            (date(2026, 1, 31), date(2026, 1, 31), 0),  # the 31st alone counts nothing
            (date(2026, 2, 1), date(2026, 2, 28), 30),  # February counts 30
            (date(2024, 2, 1), date(2024, 2, 29), 30),  # ... in a leap year too
            (date(2026, 2, 28), date(2026, 2, 28), 3),  # 28 Feb (end) counts the 28th, 29th, 30th
            (date(2024, 2, 28), date(2024, 2, 28), 1),  # 28 Feb 2024 is not the end of February
            (date(2024, 2, 29), date(2024, 2, 29), 2),
            (date(2026, 3, 31), date(2026, 4, 1), 1),  # 31 Mar (0) + 1 Apr (1)
            (date(2025, 7, 1), date(2026, 6, 30), 360),
            (date(2025, 7, 15), date(2025, 7, 15), 1),
        ],
    )
    def test_the_day_count(self, start: date, end: date, days: int) -> None:
        assert interest_days(start, end, basis=T360) == days

    def test_actual_bases_count_calendar_days(self) -> None:
        # 15 Sep 2025..30 Jun 2026: 16 + 31 + 30 + 31 + 31 + 28 + 31 + 30 + 31 + 30 = 289
        assert interest_days(date(2025, 9, 15), date(2026, 6, 30), basis="actual/365") == 289

    def test_the_basis_divisors_and_names(self) -> None:
        assert [b.divisor for b in DayBasis] == [360, 365, 360]
        assert check_basis("30/360") is T360
        assert T360.chinese == "30/360"


class TestDepositRates:
    """docs/domain.md §4.1."""

    def test_the_unified_rate_is_1_5_percent_from_21_february_2016(self) -> None:
        assert deposit_rate(date(2016, 2, 21)) == D("0.015")
        assert deposit_rate(date(2026, 6, 30)) == D("0.015")
        assert deposit_rates(date(2016, 2, 21)) == (D("0.015"), D("0.015"))

    def test_before_unification_there_is_no_single_rate(self) -> None:
        expect_refusal(lambda: deposit_rate(date(2016, 2, 20)), NoRateKnown, "on")

    @pytest.mark.parametrize(
        ("on", "current", "carried"),
        [
            (date(2015, 5, 11), "0.0035", "0.0185"),  # S8
            (date(2015, 6, 28), "0.0035", "0.016"),  # S7
            (date(2015, 8, 26), "0.0035", "0.0135"),  # S81 (S3, S9)
            (date(2015, 10, 23), "0.0035", "0.0135"),
            (date(2015, 10, 24), "0.0035", "0.011"),  # S3
            (date(2016, 2, 20), "0.0035", "0.011"),
        ],
    )
    def test_the_two_rates_before_2016(self, on: date, current: str, carried: str) -> None:
        assert deposit_rates(on) == (D(current), D(carried))

    def test_before_the_table_no_rate_is_known(self) -> None:
        expect_refusal(lambda: deposit_rates(date(2007, 3, 17)), NoRateKnown, "on")

    def test_every_row_has_a_source_and_grade(self) -> None:
        assert all(row.source and row.grade for row in DEPOSIT_RATE_TABLE)
        assert DEPOSIT_RATE_TABLE[-1].effective == UNIFIED_DEPOSIT_RATE_FROM

    def test_rate_changes_for_a_period_give_the_row_in_force(self) -> None:
        assert deposit_rate_changes(date(2016, 7, 1), date(2017, 6, 30)) == ((date(2016, 2, 21), D("0.015")),)

    def test_rate_changes_refuse_the_two_rate_era(self) -> None:
        expect_refusal(
            lambda: deposit_rate_changes(date(2015, 7, 1), date(2016, 6, 30)), NoRateKnown, "start"
        )


def accrue(**changes: object) -> Callable[[], object]:
    """A call to accrue_interest with one argument replaced."""
    args: dict[str, Any] = {
        "opening_balance": 1000,
        "postings": [(date(2025, 9, 1), 100)],
        "start": date(2025, 7, 1),
        "end": date(2026, 6, 30),
        "annual_rate": RATE,
        "basis": A360,
    }
    args.update(changes)
    return lambda: accrue_interest(**args)


def segments(**changes: object) -> Callable[[], object]:
    """A call to accrue_interest_segments with one argument replaced."""
    args: dict[str, Any] = {
        "opening_balance": 1000,
        "postings": [],
        "start": date(2025, 7, 1),
        "end": date(2026, 6, 30),
        "rates": [(date(2016, 2, 21), RATE)],
        "basis": A360,
    }
    args.update(changes)
    return lambda: accrue_interest_segments(**args)


class TestBadInputs:
    @pytest.mark.parametrize(
        ("call", "error", "field"),
        [
            (accrue(opening_balance=1000.0), InputTypeError, "opening_balance"),
            (accrue(opening_balance=True), InputTypeError, "opening_balance"),
            (accrue(opening_balance="-0.01"), InvalidAmount, "opening_balance"),
            (accrue(opening_balance="1.005"), InvalidAmount, "opening_balance"),
            (accrue(opening_balance="NaN"), InvalidAmount, "opening_balance"),
            (accrue(opening_balance="10000000000"), AmountOverflow, "opening_balance"),
            (accrue(postings="2025-09-01"), InputTypeError, "postings"),
            (accrue(postings=None), InputTypeError, "postings"),
            (accrue(postings=[date(2025, 9, 1)]), InputTypeError, "postings[0]"),
            (accrue(postings=[(date(2025, 9, 1), 1, 2)]), InputTypeError, "postings[0]"),
            (accrue(postings=[("2025-09-01", 1)]), InputTypeError, "postings[0].value_date"),
            (accrue(postings=[(datetime(2025, 9, 1), 1)]), InputTypeError, "postings[0].value_date"),
            (accrue(postings=[(date(2025, 9, 1), 1.5)]), InputTypeError, "postings[0].amount"),
            (accrue(postings=[(date(2025, 9, 1), "1.005")]), InvalidAmount, "postings[0].amount"),
            (
                accrue(postings=[(date(2025, 9, 1), 1), (date(2025, 6, 30), 1)]),
                InvalidDate,
                "postings[1].value_date",
            ),
            (accrue(postings=[(date(2026, 7, 1), 1)]), InvalidDate, "postings[0].value_date"),
            (accrue(postings=[(date(2025, 9, 1), "-1000.01")]), InvalidAmount, "postings[0].amount"),
            # sorted by value date, the withdrawal (index 0) comes after the deposit (index 1) and
            # the second withdrawal (index 2, same day as index 0, given after it) goes below zero
            (
                accrue(
                    postings=[(date(2026, 1, 1), -1500), (date(2025, 8, 1), 600), (date(2026, 1, 1), -200)]
                ),
                InvalidAmount,
                "postings[2].amount",
            ),
            (accrue(postings=[(date(2025, 9, 1), "9999999999.99")]), AmountOverflow, "postings[0].amount"),
            (accrue(start="2025-07-01"), InputTypeError, "start"),
            (accrue(end=datetime(2026, 6, 30)), InputTypeError, "end"),
            (accrue(end=date(2025, 6, 30)), InvalidDate, "end"),
            (accrue(annual_rate="1.5"), InvalidRate, "annual_rate"),
            (accrue(annual_rate="-0.01"), InvalidRate, "annual_rate"),
            (accrue(annual_rate=0.015), InputTypeError, "annual_rate"),
            (accrue(basis="actual/366"), InvalidChoice, "basis"),
            (accrue(basis=365), InvalidChoice, "basis"),
            (segments(rates=[]), InvalidRate, "rates"),
            (segments(rates=RATE), InputTypeError, "rates"),
            (segments(rates=[RATE]), InputTypeError, "rates[0]"),
            (segments(rates=[(date(2025, 7, 2), RATE)]), InvalidDate, "rates[0].effective"),
            (segments(rates=[("2016-02-21", RATE)]), InputTypeError, "rates[0].effective"),
            (
                segments(rates=[(date(2016, 2, 21), RATE), (date(2016, 2, 21), RATE)]),
                InvalidDate,
                "rates[1].effective",
            ),
            (
                segments(rates=[(date(2026, 1, 1), RATE), (date(2016, 2, 21), RATE)]),
                InvalidDate,
                "rates[1].effective",
            ),
            (
                segments(rates=[(date(2016, 2, 21), RATE), (date(2026, 1, 1), "1.2")]),
                InvalidRate,
                "rates[1].annual_rate",
            ),
            (segments(basis=None), InvalidChoice, "basis"),
            (
                lambda: annual_interest(1000, [], smuggle(True), [(date(2016, 2, 21), RATE)], basis=A360),
                InputTypeError,
                "year",
            ),
            (
                lambda: annual_interest(1000, [], smuggle("2025"), [(date(2016, 2, 21), RATE)], basis=A360),
                InputTypeError,
                "year",
            ),
            (lambda: annual_interest(1000, [], 0, [(date(1, 1, 1), RATE)], basis=A360), InvalidDate, "year"),
            (
                lambda: annual_interest(
                    1000, [(date(2025, 6, 30), 1)], 2025, [(date(2016, 2, 21), RATE)], basis=A360
                ),
                InvalidDate,
                "postings[0].value_date",
            ),
            (
                lambda: annual_interest(1000, [], 2025, [(date(2025, 7, 2), RATE)], basis=A360),
                InvalidDate,
                "rates[0].effective",
            ),
            (lambda: settlement_date(9999), InvalidDate, "year"),
            (lambda: settlement_date(smuggle(2025.0)), InputTypeError, "year"),
            (lambda: interest_year(date(1, 6, 30)), InvalidDate, "on"),
            (lambda: interest_year(date(9999, 7, 1)), InvalidDate, "on"),
            (lambda: interest_year(smuggle(datetime(2025, 7, 1))), InputTypeError, "on"),
            (
                lambda: closing_interest(1000, [], smuggle("2026-03-15"), RATE, basis=A360),
                InputTypeError,
                "closing_date",
            ),
            (
                lambda: closing_interest(1000, [], date(1, 3, 15), RATE, basis=A360),
                InvalidDate,
                "closing_date",
            ),
            (
                lambda: closing_interest(-1, [], date(2026, 3, 15), RATE, basis=A360),
                InvalidAmount,
                "opening_balance",
            ),
            (
                lambda: closing_interest(1000, [(date(2025, 6, 30), 1)], date(2026, 3, 15), RATE, basis=A360),
                InvalidDate,
                "postings[0].value_date",
            ),
            (
                lambda: closing_interest(1000, [], date(2026, 3, 15), "15", basis=A360),
                InvalidRate,
                "annual_rate",
            ),
            (
                lambda: closing_interest(1000, [], date(2026, 3, 15), RATE, basis="365"),
                InvalidChoice,
                "basis",
            ),
            (lambda: interest_days(date(2026, 1, 2), date(2026, 1, 1), basis=A360), InvalidDate, "end"),
            (
                lambda: interest_days(date(2026, 1, 1), date(2026, 1, 2), basis="ACTUAL_360"),
                InvalidChoice,
                "basis",
            ),
            (lambda: deposit_rate(smuggle("2025-07-01")), InputTypeError, "on"),
            (lambda: deposit_rate_changes(date(2026, 7, 1), date(2026, 6, 30)), InvalidDate, "end"),
        ],
    )
    def test_each_bad_input_raises_its_typed_error_naming_the_field(
        self, call: Callable[[], object], error: type[HpfError], field: str
    ) -> None:
        expect_refusal(call, error, field)

    def test_the_negative_balance_message_says_where(self) -> None:
        exc = expect_refusal(
            accrue(postings=[(date(2025, 9, 1), "-1000.01")]), InvalidAmount, "postings[0].amount"
        )
        assert "below zero (-0.01 on 2025-09-01)" in str(exc)

    def test_a_posting_outside_the_period_message_names_the_period(self) -> None:
        exc = expect_refusal(accrue(postings=[(date(2026, 7, 1), 1)]), InvalidDate, "postings[0].value_date")
        assert "2025-07-01 to 2026-06-30" in str(exc)

    def test_input_errors_are_value_errors_and_type_errors_type_errors(self) -> None:
        with pytest.raises(ValueError, match="opening_balance"):
            accrue(opening_balance="-1")()
        with pytest.raises(TypeError, match="opening_balance"):
            accrue(opening_balance=1.0)()
