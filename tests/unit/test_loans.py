"""Schedules, prepayment and repricing against published and hand-worked figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hpf_core.errors import InputError
from hpf_core.loans import (
    PrepaymentStrategy,
    RepaymentMethod,
    amortize,
    amortize_many,
    prepay,
    reprice,
)

EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL
D = Decimal


def rows(values: list[tuple[str, str, str]]) -> list[tuple[Decimal, Decimal, Decimal]]:
    return [(D(a), D(b), D(c)) for a, b, c in values]


class TestDomainVectorD1:
    """docs/domain.md §11 D1: 等额本息 1,000,000 @ 3.10%, 360 months, ledger convention."""

    def test_the_payment_is_4270_16(self) -> None:
        schedule = amortize(1000000, D("0.031"), 360, EI)
        assert schedule.payment == D("4270.16")

    def test_rows_one_to_three_match_interest_principal_balance(self) -> None:
        schedule = amortize(1000000, D("0.031"), 360, EI)
        got = [(r.interest, r.principal, r.balance) for r in schedule.installments[:3]]
        assert got == rows(
            [
                ("2583.33", "1686.83", "998313.17"),
                ("2578.98", "1691.18", "996621.99"),
                ("2574.61", "1695.55", "994926.44"),
            ]
        )

    def test_the_balance_after_twelve_instalments_is_979468_01(self) -> None:
        # issue #4's fixture: after 12 paid instalments at 3.10%
        assert amortize(1000000, D("0.031"), 360, EI)[11].balance == D("979468.01")

    def test_the_last_row_takes_the_rounding_residue(self) -> None:
        schedule = amortize(1000000, D("0.031"), 360, EI)
        last = schedule[-1]
        # row 359 leaves 4,261.58 owed (worked with a plain Decimal loop of the recurrence);
        # interest on it 4,261.58 x 0.031 / 12 = 11.0091 -> 11.01; the row pays both
        assert schedule[-2].balance == D("4261.58")
        assert (last.principal, last.interest, last.payment) == (D("4261.58"), D("11.01"), D("4272.59"))
        assert schedule.total_principal == D("1000000.00")


class TestEqualPrincipal:
    def test_tv4_rows_fall_by_the_interest_on_one_part(self) -> None:
        # 150,000 @ 4.5% over 240: part 625.00; interest 150,000 x 0.00375 = 562.50
        schedule = amortize(150000, D("0.045"), 240, EP)
        assert [r.payment for r in schedule.installments[:3]] == [D("1187.50"), D("1185.16"), D("1182.81")]
        assert {r.principal for r in schedule} == {D("625.00")}
        # last: 625.00 + 625 x 0.00375 = 2.34375 -> 2.34
        assert schedule[-1].payment == D("627.34")
        # TV4's 67,781.25 is the quote convention (625 x k x 0.00375 summed unrounded). The
        # ledger rounds each row: sum over k of round_half_up(2.34375 x k) = 67,781.40.
        assert schedule.total_interest == D("67781.40")

    def test_a_part_that_does_not_divide_evenly_leaves_the_residue_to_the_last_row(self) -> None:
        # 100.00 over 3 months at 0%: 33.33, 33.33, 33.34
        schedule = amortize(100, 0, 3, EP)
        assert [r.principal for r in schedule] == [D("33.33"), D("33.33"), D("33.34")]

    def test_a_part_rounded_up_past_the_balance_clears_the_loan_early(self) -> None:
        # 0.10 over 12 months: part round(0.00833) = 0.01; ten rows clear it, two rows of zero
        schedule = amortize(D("0.10"), 0, 12, EP)
        assert [r.principal for r in schedule] == [D("0.01")] * 10 + [D("0.00")] * 2
        assert schedule[-1].balance == 0


class TestEqualInstallmentEdges:
    def test_a_zero_rate_loan_divides_the_principal(self) -> None:
        schedule = amortize(1000, 0, 3, EI)
        assert [r.payment for r in schedule] == [D("333.33"), D("333.33"), D("333.34")]
        assert schedule.total_interest == 0

    def test_a_one_month_loan_is_principal_plus_one_months_interest(self) -> None:
        schedule = amortize(12000, D("0.031"), 1, EI)
        assert (schedule[0].principal, schedule[0].interest) == (D("12000.00"), D("31.00"))

    def test_480_months_is_the_longest_schedule(self) -> None:
        schedule = amortize(500000, D("0.049"), 480, EI)
        assert len(schedule) == 480
        assert schedule.total_principal == D("500000.00")

    def test_the_payment_is_the_exact_annuity_rounded_half_up(self) -> None:
        # 250,000 @ 3.25% / 360: annuity 1,088.015797... -> 1,088.02 (the quote screen's figure)
        assert amortize(250000, D("0.0325"), 360, EI).payment == D("1088.02")

    def test_a_rate_with_many_decimals_is_used_exactly(self) -> None:
        # 3.575% (1.1 x 3.25%): 100,000 x 0.03575 / 12 = 297.916666... -> 297.92
        assert amortize(100000, D("0.03575"), 240, EI)[0].interest == D("297.92")


class TestDueDates:
    def test_rows_have_no_due_date_without_first_due(self) -> None:
        assert amortize(1000, 0, 2, EI)[0].due_date is None

    def test_due_dates_are_clamped_to_the_month_end_and_return_to_the_anchor_day(self) -> None:
        schedule = amortize(1000, 0, 4, EI, first_due=date(2024, 1, 31))
        assert [r.due_date for r in schedule] == [
            date(2024, 1, 31),
            date(2024, 2, 29),
            date(2024, 3, 31),
            date(2024, 4, 30),
        ]

    def test_a_schedule_crosses_the_year_end(self) -> None:
        schedule = amortize(1000, 0, 3, EI, first_due=date(2025, 11, 20))
        assert schedule[2].due_date == date(2026, 1, 20)


class TestSchedule:
    def test_integer_fen_columns_match_the_records(self) -> None:
        schedule = amortize(250000, D("0.0325"), 360, EI)
        assert schedule.payment_fen[0] == 108802
        assert schedule.interest_fen[0] == 67708  # 250,000 x 0.0325 / 12 = 677.0833 -> 677.08
        assert sum(schedule.principal_fen) == 25000000

    def test_schedules_of_the_same_loan_are_equal(self) -> None:
        assert amortize(1000, D("0.03"), 12, EI) == amortize("1000.00", "0.030", 12, "equal-installment")

    def test_totals_add_up(self) -> None:
        schedule = amortize(150000, D("0.045"), 240, EP)
        assert schedule.total_payment == schedule.total_principal + schedule.total_interest
        assert schedule.total_payment == D("217781.40")


class TestPrepayIssueFourFigures:
    """After 12 instalments of D1 (balance 979,468.01), prepay 100,000 (issue #4)."""

    def test_keep_term_lowers_the_payment_to_3834_20(self) -> None:
        result = prepay("979468.01", "0.031", 348, 100000, PrepaymentStrategy.KEEP_TERM)
        assert (result.new_balance, result.new_payment, result.remaining_months) == (
            D("879468.01"),
            D("3834.20"),
            348,
        )
        assert result.schedule == amortize("879468.01", "0.031", 348, EI)

    def test_shorten_term_keeps_4270_16_for_295_months(self) -> None:
        result = prepay(
            "979468.01", "0.031", 348, 100000, PrepaymentStrategy.SHORTEN_TERM, current_payment="4270.16"
        )
        assert (result.new_payment, result.remaining_months) == (D("4270.16"), 295)
        payments = [r.payment for r in result.schedule]
        assert set(payments[:-1]) == {D("4270.16")}
        assert payments[-1] < D("4270.16")
        # 294 months at 4,270.16 would not be enough: the fewest months is 295
        assert amortize("879468.01", "0.031", 294, EI).payment > D("4270.16")
        assert amortize("879468.01", "0.031", 295, EI).payment <= D("4270.16")

    def test_shortening_saves_more_interest_than_keeping_the_term(self) -> None:
        keep = prepay("979468.01", "0.031", 348, 100000, "keep-term")
        shorten = prepay("979468.01", "0.031", 348, 100000, "shorten-term", current_payment="4270.16")
        before = amortize("979468.01", "0.031", 348, EI).total_interest
        assert keep.interest_saved == before - keep.schedule.total_interest
        assert shorten.interest_saved > keep.interest_saved > 0


class TestPrepayEdges:
    def test_paying_the_balance_settles_the_loan(self) -> None:
        result = prepay("979468.01", "0.031", 348, "979468.01", "keep-term")
        before = amortize("979468.01", "0.031", 348, EI)
        assert result.settled
        assert (result.new_balance, result.new_payment, result.remaining_months) == (D("0.00"), D("0.00"), 0)
        assert result.interest_saved == before.total_interest

    def test_equal_principal_shorten_term_keeps_the_first_payment_below_the_current(self) -> None:
        # 120,000 over 120 at 3.6%: first payment 1,000 + 360 = 1,360.00
        assert amortize(120000, "0.036", 120, EP).payment == D("1360.00")
        result = prepay(120000, "0.036", 120, 60000, "shorten-term", method=EP, current_payment="1360.00")
        # 60,000 left: interest 180.00; the fewest n with 60000/n + 180 <= 1360 is n = 51 (1,356.47)
        assert result.remaining_months == 51
        assert result.new_payment == D("1356.47")

    def test_a_current_payment_that_does_not_cover_interest_is_refused(self) -> None:
        from hpf_core.errors import InvalidPrepayment

        with pytest.raises(InvalidPrepayment, match="current_payment"):
            prepay(100000, "0.12", 120, 10, "shorten-term", current_payment="500")

    def test_shorten_term_with_a_payment_below_the_loans_own_keeps_the_term(self) -> None:
        # 4,000 is below what 879,468.01 needs over 348 months at 3.1% (3,834.20 is the
        # floor there): the fewest term would be longer, so the term stays and the payment
        # is recalculated, which is what KEEP_TERM gives.
        result = prepay("979468.01", "0.031", 348, 100000, "shorten-term", current_payment="3800.00")
        keep = prepay("979468.01", "0.031", 348, 100000, "keep-term")
        assert result.remaining_months == 348
        assert result.schedule == keep.schedule


class TestReprice:
    def test_a_rate_cut_recalculates_the_payment_on_the_remaining_months(self) -> None:
        # 979,468.01 over 348 months at 2.85%: the exact annuity is 4,139.26
        assert reprice("979468.01", "0.0285", 348).payment == D("4139.26")

    def test_repricing_at_the_same_rate_changes_nothing(self) -> None:
        schedule = amortize(1000000, D("0.031"), 360, EI)
        rest = reprice(schedule[11].balance, "0.031", 348)
        assert rest.payment == D("4270.16")


class TestAmortizeMany:
    def test_the_numpy_and_plain_paths_give_identical_rows(self) -> None:
        principals: list[int | str] = [50000, 1000000, "333333.33", 120000]
        rates = ["0.026", "0.049", "0.0325", "0"]
        months = [60, 360, 240, 12]
        fast = amortize_many(principals, rates, months, EI, use_numpy=True)
        plain = amortize_many(principals, rates, months, EI, use_numpy=False)
        for column in ("payment", "principal", "interest", "balance"):
            assert list(getattr(fast, column)) == list(getattr(plain, column))
        assert list(fast.loan) == list(plain.loan)
        assert list(fast.period) == list(plain.period)

    def test_a_near_tie_payment_is_rounded_exactly(self) -> None:
        # 1,000.00 over 2 months at 0%: 500.00 exact; 1,000.01 over 2: 500.005 -> 500.01 (half up)
        batch = amortize_many(["1000.01", "1000.00"], 0, 2, EI, use_numpy=True)
        assert batch.payment[0] == D("500.01")
        assert batch.schedule(0) == amortize("1000.01", 0, 2, EI)

    def test_amounts_too_large_for_int64_fall_back_to_exact_python_ints(self) -> None:
        big = "9999999999.99"
        batch = amortize_many([big], "0.123456789", 480, EI)
        assert batch.schedule(0) == amortize(big, "0.123456789", 480, EI)
        with pytest.raises(InputError) as info:  # a typed error naming the flag (issue #10)
            amortize_many([big], "0.123456789", 480, EI, use_numpy=True)
        assert info.value.field == "use_numpy"

    def test_columns_total_exactly(self) -> None:
        batch = amortize_many([100000, 200000], "0.031", [120, 240], EP)
        assert batch.principal.total() == D("300000.00")
        assert batch.interest.total() == (
            amortize(100000, "0.031", 120, EP).total_interest
            + amortize(200000, "0.031", 240, EP).total_interest
        )

    def test_mismatched_lengths_are_refused_naming_the_column(self) -> None:
        from hpf_core.errors import InputError

        with pytest.raises(InputError, match="annual_rates: must have one entry per loan"):
            amortize_many([1000, 2000], ["0.03"], [12, 12], EI)

    def test_numpy_integers_are_accepted(self) -> None:
        import numpy as np

        batch = amortize_many(np.array([100000, 200000]), "0.03", np.array([12, 24]), EI)
        assert batch.schedule(1) == amortize(200000, "0.03", 24, EI)
