"""Issue #10, "Money defects": each case against figures computed independently of the
library (hand computation written out here, or exact ``Fraction`` arithmetic in the test).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hpf_core.calculators import combined_quote, mortgage_quote
from hpf_core.loans import PrepaymentStrategy, RepaymentMethod, prepay

D = Decimal
EP = RepaymentMethod.EQUAL_PRINCIPAL


def half_up(value: Fraction) -> Decimal:
    """An exact yuan figure rounded half up to the fen (the test's own rounding)."""
    cents = value * 100
    sign = -1 if cents < 0 else 1
    whole = int(abs(cents) + Fraction(1, 2))  # floor of |x| + 1/2
    return (Decimal(sign * whole) / 100).quantize(Decimal("0.01"))


class TestEqualPrincipalQuotesOnHalfAFen:
    """Defect 4: equal-principal rows exactly on half a fen must round up."""

    def test_row_36_balance_of_2289258_01_over_72_months(self) -> None:
        # balance after row 36 of 72 = 2,289,258.01 x 36 / 72 = 1,144,629.005 exactly -> .01
        assert Fraction("2289258.01") * 36 / 72 == Fraction("1144629.005")
        quote = mortgage_quote("2289258.01", "0.0955", 72, EP)
        assert quote.rows[35].balance == D("1144629.01")

    def test_row_46_payment_of_648056_over_120_months(self) -> None:
        # part = 648,056 / 120 = 5,400.4666...; the balance before row 46 = 648,056 x 75 / 120
        # = 405,035; its interest = 405,035 x 0.044 / 12 = 1,485.1283...; the payment is
        # 5,400.4666... + 1,485.1283... = 6,885.595 exactly -> 6,885.60
        part = Fraction(648056, 120)
        interest = Fraction(648056 * 75, 120) * Fraction("0.044") / 12
        assert part + interest == Fraction("6885.595")
        quote = mortgage_quote(648056, "0.044", 120, EP)
        assert quote.rows[45].payment == D("6885.60")

    def test_remaining_payable_is_rounded_from_the_exact_sum(self) -> None:
        amount, rate, months = Fraction(648056), Fraction("0.044") / 12, 120
        part = amount / months
        payments = [part + part * (months - k + 1) * rate for k in range(1, months + 1)]
        quote = mortgage_quote(648056, "0.044", 120, EP)
        for k, row in enumerate(quote.rows, start=1):
            assert row.remaining_payable == half_up(sum(payments[k:], Fraction(0)))
        # and a combined quote adds the two exact parts before rounding
        combined = combined_quote(648056, "0.044", "2289258.01", "0.0955", 72, EP)
        part2 = Fraction("2289258.01") / 72
        pay2 = part2 + part2 * 37 * Fraction("0.0955") / 12  # row 36: 37 parts owed before it
        pay1 = Fraction(648056, 72) + Fraction(648056, 72) * 37 * Fraction("0.044") / 12
        assert combined.rows[35].payment == half_up(pay1 + pay2)


class TestShortenTermKeepsThePayment:
    """Defect 5: the term is the smallest n whose rows never exceed the kept payment."""

    def test_the_reported_case_needs_108_months(self) -> None:
        result = prepay(
            "923084.70", "0.039", 180, "311000.00", PrepaymentStrategy.SHORTEN_TERM, current_payment="6781.78"
        )
        assert result.remaining_months == 108
        assert max(row.payment for row in result.schedule) <= D("6781.78")
        # an independent ledger: 612,084.70 paying 6,781.78 a month at 3.9% / 12, interest
        # rounded half up each row; count the rows until what is left fits in one payment
        balance, rows = 61208470, 0
        while True:
            rows += 1
            interest = (Fraction(balance) * Fraction("0.039") / 12 + Fraction(1, 2)).__floor__()
            if balance + interest <= 678178:
                break
            balance -= 678178 - interest
        assert rows == 108
