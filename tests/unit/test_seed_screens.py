"""Figures read off the seed app's screens (manual §4.2, §5.2.1), reproduced by the core."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hpf_adapters.policies import load_policy
from hpf_core.accounts import DayBasis, closing_interest, monthly_contribution

D = Decimal
RATE = D("0.015")  # the deposit rate since 2016-02-21 [S4][S6]


class TestClosingInterestScreens:
    """The seed centre counts actual days / 360: its closing-interest figures only fit that."""

    @pytest.mark.parametrize(
        ("closing", "expected"),
        [
            # 离、退休提取: 5,925.21 held since 2017-07-01; closing 2018-05-29 counts 332 days
            # (Jul 31 + Aug 31 + Sep 30 + Oct 31 + Nov 30 + Dec 31 + Jan 31 + Feb 28 + Mar 31
            #  + Apr 30 + May 1-28 = 332): 5,925.21 x 0.015 x 332 / 360 = 81.965 -> 81.97
            (date(2018, 5, 29), D("81.97")),
            # the other screenshot of the same screen, a day earlier: 331 days -> 81.719 -> 81.72
            (date(2018, 5, 28), D("81.72")),
        ],
    )
    def test_retirement_closing_interest(self, closing: date, expected: Decimal) -> None:
        got = closing_interest(D("5925.21"), [], closing, RATE, basis=DayBasis.ACTUAL_360)
        assert got == expected
        assert D("5925.21") + got == {D("81.97"): D("6007.18"), D("81.72"): D("6006.93")}[expected]

    @pytest.mark.parametrize(
        ("closing", "expected"),
        [
            # 终止劳动关系提取: 262.37 from 2018-07-01; 21 days -> 262.37 x 0.015 x 21 / 360 = 0.2296 -> 0.23
            (date(2018, 7, 22), D("0.23")),
            # 22 days -> 0.2405 -> 0.24 (提取金额合计 262.61)
            (date(2018, 7, 23), D("0.24")),
        ],
    )
    def test_labour_termination_closing_interest(self, closing: date, expected: Decimal) -> None:
        assert closing_interest(D("262.37"), [], closing, RATE, basis=DayBasis.ACTUAL_360) == expected

    def test_the_seed_centres_policy_says_actual_360(self) -> None:
        interest = load_policy("altay").interest
        assert interest is not None
        assert interest.day_basis is DayBasis.ACTUAL_360


def test_the_account_screens_monthly_deposits() -> None:
    # 公积金账户信息: base 5,225.00, 12% + 12% -> 627.00 each side
    c = monthly_contribution(D("5225.00"), D("0.12"), D("0.12"))
    assert (c.employee, c.employer, c.total) == (D("627.00"), D("627.00"), D("1254.00"))
