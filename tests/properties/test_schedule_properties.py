"""Properties of schedules, quotes and prepayments over generated loans (issue #2 §8)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hpf_core.calculators import mortgage_quote
from hpf_core.loans import (
    PrepaymentResult,
    PrepaymentStrategy,
    RepaymentMethod,
    Schedule,
    amortize,
    amortize_many,
    prepay,
)
from hpf_core.testing import Loan, amounts, loans, realistic_loans

EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL
FEN = Decimal("0.01")

PROPS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def build(loan: Loan) -> Schedule:
    return amortize(loan.principal, loan.annual_rate, loan.months, loan.method)


def part_fen(loan: Loan) -> int:
    """The rounded equal-principal part, in fen: round_half_up(principal / months)."""
    p = int(loan.principal * 100)
    return (2 * p + loan.months) // (2 * loan.months)


class TestEverySchedule:
    @PROPS
    @given(loans())
    def test_the_principal_column_sums_exactly_to_the_loan(self, loan: Loan) -> None:
        schedule = build(loan)
        assert sum(row.principal for row in schedule) == loan.principal
        assert schedule.total_principal == loan.principal

    @PROPS
    @given(loans())
    def test_it_has_one_row_per_month_numbered_from_one(self, loan: Loan) -> None:
        schedule = build(loan)
        assert [row.period for row in schedule] == list(range(1, loan.months + 1))

    @PROPS
    @given(loans())
    def test_balances_never_go_negative_nor_rise_and_end_at_zero(self, loan: Loan) -> None:
        schedule = build(loan)
        previous = loan.principal
        for row in schedule:
            assert Decimal(0) <= row.balance <= previous
            assert row.principal >= 0
            assert row.interest >= 0
            assert row.balance == previous - row.principal
            previous = row.balance
        assert schedule[-1].balance == 0

    @PROPS
    @given(loans())
    def test_every_amount_has_at_most_two_decimals(self, loan: Loan) -> None:
        for row in build(loan):
            for value in (row.payment, row.principal, row.interest, row.balance):
                assert value == value.quantize(FEN)
                assert value.as_tuple().exponent == -2

    @PROPS
    @given(loans())
    def test_each_payment_is_its_principal_plus_its_interest(self, loan: Loan) -> None:
        for row in build(loan):
            assert row.payment == row.principal + row.interest

    @PROPS
    @given(loans())
    def test_each_interest_is_the_previous_balance_times_the_monthly_rate_rounded(self, loan: Loan) -> None:
        previous = loan.principal
        for row in build(loan):
            assert row.interest == (previous * loan.annual_rate / 12).quantize(FEN, rounding="ROUND_HALF_UP")
            previous = row.balance


class TestEqualInstallment:
    @PROPS
    @given(loans(method=st.just(EI)))
    def test_payments_are_equal_except_the_last(self, loan: Loan) -> None:
        schedule = build(loan)
        rows = schedule.installments
        # A degenerate loan (rounded payment x months > what is owed) clears early and
        # pays nothing after; otherwise every row before the last pays the instalment.
        cleared = next((i for i, row in enumerate(rows) if row.balance == 0), len(rows) - 1)
        assert {row.payment for row in rows[:cleared]} <= {schedule.payment}
        assert all(row.payment == 0 for row in rows[cleared + 1 :])

    @PROPS
    @given(realistic_loans().filter(lambda loan: loan.method is EI))
    def test_a_realistic_loan_never_clears_early(self, loan: Loan) -> None:
        rows = build(loan).installments
        assert len({row.payment for row in rows[:-1]}) <= 1
        assert all(row.balance > 0 for row in rows[:-1])


class TestEqualPrincipal:
    @PROPS
    @given(loans(method=st.just(EP)))
    def test_principal_parts_are_equal_except_the_last(self, loan: Loan) -> None:
        rows = build(loan).installments
        part = Decimal(part_fen(loan)) / 100
        if part * (loan.months - 1) <= loan.principal:
            assert all(row.principal == part for row in rows[:-1])
        else:  # rounded-up parts would overshoot: full parts until the balance is cleared, then nothing
            cleared = next(i for i, row in enumerate(rows) if row.balance == 0)
            assert all(row.principal == part for row in rows[:cleared])
            assert Decimal(0) < rows[cleared].principal <= part
            assert all(row.principal == 0 and row.payment == 0 for row in rows[cleared + 1 :])

    @PROPS
    @given(loans(method=st.just(EP)))
    def test_payments_never_rise(self, loan: Loan) -> None:
        payments = [row.payment for row in build(loan)][:-1]
        assert payments == sorted(payments, reverse=True)


class TestLedgerAgainstQuote:
    @PROPS
    @given(realistic_loans())
    def test_ledger_totals_are_within_months_fen_of_quote_totals(self, loan: Loan) -> None:
        schedule = build(loan)
        quote = mortgage_quote(loan.principal, loan.annual_rate, loan.months, loan.method)
        tolerance = FEN * loan.months
        assert abs(schedule.total_interest - quote.total_interest) <= tolerance
        assert abs(schedule.total_payment - quote.total_payment) <= tolerance

    @PROPS
    @given(realistic_loans())
    def test_the_first_payment_matches_the_quote_to_the_fen(self, loan: Loan) -> None:
        schedule = build(loan)
        quote = mortgage_quote(loan.principal, loan.annual_rate, loan.months, loan.method)
        assert abs(schedule.payment - quote.monthly_payment) <= FEN


@st.composite
def prepayments(
    draw: st.DrawFn, *, min_amount: Decimal = Decimal("0.01")
) -> tuple[Loan, Decimal, PrepaymentStrategy]:
    loan = draw(realistic_loans())
    amount = draw(amounts(min_amount, loan.principal))
    strategy = draw(st.sampled_from(PrepaymentStrategy))
    return loan, amount, strategy


def run(loan: Loan, amount: Decimal, strategy: PrepaymentStrategy) -> tuple[Schedule, PrepaymentResult]:
    before = build(loan)
    result = prepay(
        loan.principal,
        loan.annual_rate,
        loan.months,
        amount,
        strategy,
        method=loan.method,
        current_payment=before.payment,
    )
    return before, result


class TestPrepayment:
    @PROPS
    @given(prepayments())
    def test_keep_term_never_raises_the_payment(self, case: tuple[Loan, Decimal, PrepaymentStrategy]) -> None:
        loan, amount, _ = case
        before = build(loan)
        result = prepay(
            loan.principal, loan.annual_rate, loan.months, amount, "keep-term", method=loan.method
        )
        assert result.new_payment <= before.payment
        assert result.remaining_months in (loan.months, 0)

    @PROPS
    @given(prepayments())
    def test_shorten_term_never_lengthens_the_term_nor_raises_the_payment(
        self, case: tuple[Loan, Decimal, PrepaymentStrategy]
    ) -> None:
        loan, amount, _ = case
        before = build(loan)
        result = prepay(
            loan.principal,
            loan.annual_rate,
            loan.months,
            amount,
            PrepaymentStrategy.SHORTEN_TERM,
            method=loan.method,
            current_payment=before.payment,
        )
        assert result.remaining_months <= loan.months
        assert result.new_payment <= before.payment
        assert len(result.schedule) == result.remaining_months

    @PROPS
    @given(prepayments())
    def test_the_new_schedule_repays_exactly_the_new_balance(
        self, case: tuple[Loan, Decimal, PrepaymentStrategy]
    ) -> None:
        loan, amount, strategy = case
        _, result = run(loan, amount, strategy)
        assert result.new_balance == loan.principal - amount
        assert result.schedule.total_principal == result.new_balance
        assert result.settled is (amount == loan.principal)

    @PROPS
    @given(prepayments(min_amount=Decimal("2000.00")))
    def test_interest_saved_is_never_negative(self, case: tuple[Loan, Decimal, PrepaymentStrategy]) -> None:
        loan, amount, strategy = case
        # Both schedules round every row to the fen; on a prepayment of a few yuan that
        # rounding can outweigh the saving (docs/decisions.md). The balances after the
        # prepayment stay below the balances before, row by row (so every rounded interest is
        # no larger), once the amount exceeds the rounding drift: 2,000 yuan covers realistic
        # loans (up to 6%, 360 months) with room to spare; centres' minimums are higher.
        before, result = run(loan, amount, strategy)
        assert result.interest_saved >= 0
        assert result.interest_saved <= before.total_interest

    @PROPS
    @given(loans(), st.sampled_from(PrepaymentStrategy))
    def test_a_prepayment_of_zero_changes_nothing(self, loan: Loan, strategy: PrepaymentStrategy) -> None:
        before = build(loan)
        # a degenerate loan whose rounded instalment is 0.00 has no payment to keep
        assume(before.payment > 0 or strategy is PrepaymentStrategy.KEEP_TERM)
        result = prepay(
            loan.principal,
            loan.annual_rate,
            loan.months,
            0,
            strategy,
            method=loan.method,
            current_payment=before.payment,
        )
        assert result.schedule == before
        assert result.new_balance == loan.principal
        assert result.new_payment == before.payment
        assert result.remaining_months == loan.months
        assert result.interest_saved == 0

    @PROPS
    @given(loans(), st.sampled_from(PrepaymentStrategy))
    def test_paying_the_whole_balance_settles_the_loan(
        self, loan: Loan, strategy: PrepaymentStrategy
    ) -> None:
        before = build(loan)
        assume(before.payment > 0 or strategy is PrepaymentStrategy.KEEP_TERM)
        result = prepay(
            loan.principal,
            loan.annual_rate,
            loan.months,
            loan.principal,
            strategy,
            method=loan.method,
            current_payment=before.payment,
        )
        assert result.settled
        assert (result.new_balance, result.new_payment, result.remaining_months) == (
            Decimal(0),
            Decimal(0),
            0,
        )
        assert len(result.schedule) == 0
        assert result.interest_saved == before.total_interest


class TestBatch:
    @settings(deadline=None)
    @given(st.lists(loans(), min_size=1, max_size=12), st.sampled_from(RepaymentMethod), st.booleans())
    def test_amortize_many_equals_amortize_row_by_row(
        self, batch: list[Loan], method: RepaymentMethod, use_numpy: bool
    ) -> None:
        result = amortize_many(
            [loan.principal for loan in batch],
            [loan.annual_rate for loan in batch],
            [loan.months for loan in batch],
            method,
            use_numpy=use_numpy,
        )
        assert len(result) == sum(loan.months for loan in batch)
        row = 0
        for index, loan in enumerate(batch):
            expected = amortize(loan.principal, loan.annual_rate, loan.months, method)
            assert result.schedule(index) == expected
            for inst in expected:
                assert result.loan[row] == index
                assert result.period[row] == inst.period
                assert (
                    result.payment[row],
                    result.principal[row],
                    result.interest[row],
                    result.balance[row],
                ) == (
                    inst.payment,
                    inst.principal,
                    inst.interest,
                    inst.balance,
                )
                row += 1


@pytest.mark.parametrize("method", list(RepaymentMethod))
def test_the_strategies_reach_both_methods_and_the_extremes(method: RepaymentMethod) -> None:
    seen: list[Loan] = []

    @settings(max_examples=200, deadline=None, database=None)
    @given(loans(method=st.just(method)))
    def collect(loan: Loan) -> None:
        seen.append(loan)

    collect()
    assert any(loan.months >= 400 for loan in seen)
    assert any(loan.annual_rate == 0 for loan in seen) or any(
        loan.annual_rate < Decimal("0.01") for loan in seen
    )
