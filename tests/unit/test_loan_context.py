"""The loan math does not depend on the caller's decimal context (issue #9, D-036).

Every function runs under ambient contexts of precision 6, 28 and 60, with hostile
rounding modes and with the ``Inexact`` trap set (any rounding done in the caller's
context would raise), and must give the same figures each time. The figures are anchored
on values known independently of the code: published ones (docs/domain.md §11 D1, the seed app's
calculator screen, issue #4) or hand computation written next to the assertion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_UP,
    Decimal,
    Inexact,
    localcontext,
)
from fractions import Fraction
from typing import TypeVar

import pytest

from hpf_core.calculators import combined_quote, loan_quota, mortgage_quote
from hpf_core.dates import add_months
from hpf_core.loans import (
    Borrower,
    LoanAccount,
    ServicingPolicy,
    SignerRole,
    accrue,
    amortize,
    amortize_many,
    amount_due,
    apply_prepayment,
    open_loan,
    prepay,
    prepayment_quote,
    repay,
    reprice,
    reprice_loan,
    settle,
    settlement_quote,
)
from hpf_core.policy import LoanPolicy

T = TypeVar("T")
D = Decimal
POLICY = ServicingPolicy()

# (precision, rounding, trap Inexact): the default context, a tiny one, a large one and
# hostile rounding modes. With the Inexact trap any rounding in the ambient context raises.
CONTEXTS = [
    pytest.param(28, ROUND_HALF_EVEN, False, id="prec28-default"),
    pytest.param(6, ROUND_HALF_EVEN, False, id="prec6"),
    pytest.param(60, ROUND_HALF_EVEN, False, id="prec60"),
    pytest.param(6, ROUND_FLOOR, False, id="prec6-floor"),
    pytest.param(28, ROUND_CEILING, False, id="prec28-ceiling"),
    pytest.param(9, ROUND_05UP, False, id="prec9-05up"),
    pytest.param(60, ROUND_DOWN, False, id="prec60-down"),
    pytest.param(7, ROUND_UP, True, id="prec7-up-trap-inexact"),
]


@contextmanager
def ambient(prec: int, rounding: str, trap_inexact: bool) -> Iterator[None]:
    with localcontext() as ctx:
        ctx.prec = prec
        ctx.rounding = rounding
        ctx.traps[Inexact] = trap_inexact
        yield


def fen_half_up(value: Fraction) -> Decimal:
    """The test's own rounding of an exact figure to the fen, half up (independent of the code)."""
    cents = value * 100
    whole = int(cents)
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return D(f"{whole // 100}.{whole % 100:02d}")


def annuity(principal: int, rate: str, months: int) -> Decimal:
    """An independent equal instalment: P r (1+r)^n / ((1+r)^n - 1) with exact fractions."""
    r = Fraction(D(rate)) / 12
    growth = (1 + r) ** months
    return fen_half_up(principal * r * growth / (growth - 1))


def the_loan() -> LoanAccount:
    """Issue #4's loan: 1,000,000 at 3.10% over 30 years, disbursed 2023-03-01, due on the 1st."""
    return open_loan(
        contract_no="HT2023-001",
        borrowers=(Borrower(SignerRole.BORROWER, "张三", "P1"),),
        principal=1000000,
        disbursed_on=date(2023, 3, 1),
        term_months=360,
        method="equal-installment",
        annual_rate="0.031",
    )


def paid_until(loan: LoanAccount, until: date, reprice_on: dict[date, str] | None = None) -> LoanAccount:
    day = date(2023, 4, 1)
    while day <= until:
        if reprice_on and day in reprice_on:
            loan = reprice_loan(loan, reprice_on[day], day, POLICY)
        loan, _ = repay(loan, amount_due(loan, day, POLICY), day, POLICY)
        day = add_months(day, 1)
    return loan


def run(prec: int, rounding: str, trap: bool, work: Callable[[], T]) -> T:
    with ambient(prec, rounding, trap):
        return work()


@pytest.mark.parametrize(("prec", "rounding", "trap"), CONTEXTS)
class TestTheLoanMathIgnoresTheAmbientContext:
    def test_amortize(self, prec: int, rounding: str, trap: bool) -> None:
        s = run(prec, rounding, trap, lambda: amortize(1000000, "0.031", 360, "equal-installment"))
        # docs/domain.md §11 D1: 4,270.16; first row 2,583.33 / 1,686.83 / 998,313.17
        assert s.payment == D("4270.16") == annuity(1000000, "0.031", 360)
        assert (s[0].interest, s[0].principal, s[0].balance) == (D("2583.33"), D("1686.83"), D("998313.17"))
        assert s.total_principal == D("1000000.00")
        assert s.total_payment == s.total_principal + s.total_interest

    def test_amortize_many(self, prec: int, rounding: str, trap: bool) -> None:
        batch = run(
            prec,
            rounding,
            trap,
            lambda: amortize_many([1000000, 250000], ["0.031", "0.0325"], 360, "equal-installment"),
        )
        assert batch.schedule(0).payment == D("4270.16")
        assert batch.schedule(1).payment == D("1088.02") == annuity(250000, "0.0325", 360)

    def test_prepay_and_reprice(self, prec: int, rounding: str, trap: bool) -> None:
        # issue #4: 979,468.01 left after twelve instalments; 100,000 prepaid, same term
        result = run(prec, rounding, trap, lambda: prepay("979468.01", "0.031", 348, 100000, "keep-term"))
        assert (result.new_balance, result.new_payment, result.remaining_months) == (
            D("879468.01"),
            D("3834.20"),
            348,
        )
        shorter = run(
            prec,
            rounding,
            trap,
            lambda: prepay("979468.01", "0.031", 348, 100000, "shorten-term", current_payment="4270.16"),
        )
        assert (shorter.new_payment, shorter.remaining_months) == (D("4270.16"), 295)
        repriced = run(prec, rounding, trap, lambda: reprice("979468.01", "0.0285", 348))
        assert repriced.payment == D("4139.26")

    def test_mortgage_and_combined_quotes(self, prec: int, rounding: str, trap: bool) -> None:
        quote = run(prec, rounding, trap, lambda: mortgage_quote(250000, "0.0325", 360, "equal-installment"))
        # the seed app's calculator screen: 1,088.02 a month, 141,685.69 interest
        assert (quote.monthly_payment, quote.total_interest) == (D("1088.02"), D("141685.69"))
        both = run(
            prec,
            rounding,
            trap,
            lambda: combined_quote(400000, "0.026", 300000, "0.035", 360, "equal-installment"),
        )
        assert both.hpf.monthly_payment == annuity(400000, "0.026", 360) == D("1601.36")
        assert both.commercial.monthly_payment == annuity(300000, "0.035", 360) == D("1347.13")
        assert both.monthly_payment == D("2948.49")

    def test_loan_quota(self, prec: int, rounding: str, trap: bool) -> None:
        policy = LoanPolicy(360, D(15), D("0.5"), D("0.8"), D("0.6"), D(600000), D(400000), D(1000))
        quota = run(
            prec,
            rounding,
            trap,
            lambda: loan_quota(
                balance="30000.00",
                monthly_income="12345.67",
                price="1234567.89",
                months=360,
                annual_rate="0.026",
                policy=policy,
            ),
        )
        # 30,000 x 15 = 450,000 (balance); 1,234,567.89 x 0.8 = 987,654.312 -> 987,654.31 (price)
        limits = dict(quota.limits)
        assert (limits["balance"], limits["price"]) == (D("450000.00"), D("987654.31"))
        assert (quota.amount, quota.binding) == (D("450000.00"), "balance")

    def test_accrue_penalty_repay_and_amount_due(self, prec: int, rounding: str, trap: bool) -> None:
        def work() -> tuple[Decimal, ...]:
            loan = paid_until(the_loan(), date(2023, 12, 1))
            late = accrue(loan, date(2024, 1, 15), POLICY)
            after, allocation = repay(loan, 2000, date(2024, 1, 15), POLICY)
            return (
                loan.balance,
                late.overdue[0].penalty,
                allocation.penalty,
                allocation.overdue_interest,
                amount_due(after, date(2024, 2, 1), POLICY),
            )

        balance, penalty, paid_penalty, paid_interest, due = run(prec, rounding, trap, work)
        # nine instalments paid on time, replayed here in the ledger convention with fractions
        owed = Fraction(1000000)
        for _ in range(9):
            owed -= Fraction("4270.16") - Fraction(fen_half_up(owed * Fraction("0.031") / 12))
        assert balance == fen_half_up(owed)
        # 14 days (2-15 Jan) on January's 4,270.16 at 3.1% x 1.5 / 360: 7.7219... -> 7.72
        expected_penalty = fen_half_up(Fraction("4270.16") * Fraction("0.031") * Fraction("1.5") * 14 / 360)
        assert penalty == paid_penalty == expected_penalty == D("7.72")
        assert paid_interest == D("2000.00") - D("7.72")
        # issue #4's walk-through: 6,553.04 due on 1 February
        assert due == D("6553.04")

    def test_prepayment_quote_and_apply(self, prec: int, rounding: str, trap: bool) -> None:
        def work() -> tuple[Decimal, ...]:
            loan = paid_until(the_loan(), date(2024, 3, 1))
            quote = prepayment_quote(loan, 100000, date(2024, 4, 16), "keep-term", POLICY)
            after, _ = apply_prepayment(loan, quote, POLICY)
            return loan.balance, quote.principal, quote.interest, quote.current_due, after.balance

        before, principal, interest, current, after = run(prec, rounding, trap, work)
        assert before == D("979468.01")  # issue #4, after twelve instalments
        # principal = 100,000 / (1 + 0.031 x 15 / 360), rounded half up
        assert (
            principal == fen_half_up(Fraction(100000) / (1 + Fraction("0.031") * 15 / 360)) == D("99871.00")
        )
        assert interest == D("129.00")
        # April's 4,270.16 with 15 days of penalty: 4,270.16 x 0.031 x 1.5 x 15 / 360 = 8.27
        assert current == D("4270.16") + D("8.27")
        # April's row: interest 979,468.01 x 0.031 / 12 = 2,530.2924 -> 2,530.29, principal
        # 4,270.16 - 2,530.29 = 1,739.87; it is paid first, then the prepaid principal
        assert after == D("979468.01") - D("1739.87") - D("99871.00") == D("877857.14")

    def test_settlement_quote_and_settle(self, prec: int, rounding: str, trap: bool) -> None:
        def work() -> tuple[Decimal, ...]:
            loan = the_loan()
            quote = settlement_quote(loan, date(2023, 3, 20), POLICY)
            closed, certificate = settle(loan, quote, POLICY, certificate_no="JQ-1")
            return quote.interest, quote.total, closed.balance, certificate.total_principal_repaid

        interest, total, balance, repaid = run(prec, rounding, trap, work)
        # 19 days (1-20 March) of 1,000,000 at 3.1% / 360 = 1,636.111... -> 1,636.11 (issue #9)
        assert interest == fen_half_up(Fraction(1000000) * Fraction("0.031") * 19 / 360) == D("1636.11")
        assert total == D("1001636.11")
        assert (balance, repaid) == (D("0.00"), D("1000000.00"))

    def test_reprice_loan(self, prec: int, rounding: str, trap: bool) -> None:
        def work() -> Decimal:
            loan = paid_until(the_loan(), date(2025, 1, 1), reprice_on={date(2025, 1, 1): "0.0285"})
            return amount_due(loan, date(2025, 2, 1), POLICY)

        # D-023: 4,270.16 on 2025-01-01 (December's interest), 4,142.38 from 2025-02-01
        assert run(prec, rounding, trap, work) == D("4142.38")
