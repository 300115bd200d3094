"""The calculator's summary without rows (D-069): ``mortgage_quote_summary`` gives the
row-based quote's displayed figures to the fen, checked against hand-computed figures, an
exact-fraction oracle that walks every row, and the row-based ``mortgage_quote`` itself."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpf_core.calculators import Quote, QuoteSummary, mortgage_quote, mortgage_quote_summary
from hpf_core.errors import InputTypeError, InvalidAmount, InvalidChoice, InvalidRate, InvalidTerm
from hpf_core.loans import RepaymentMethod

EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL
D = Decimal


def shown(value: Fraction) -> Decimal:
    """An exact amount of yuan rounded half up to the fen (the quote's display rule)."""
    cents = value * 100
    return D((2 * cents.numerator + cents.denominator) // (2 * cents.denominator)).scaleb(-2)


def oracle(principal: Decimal, rate: Decimal, months: int, method: RepaymentMethod) -> dict[str, object]:
    """Every row walked in exact fractions (no closed form): the payments, the interest of
    each row on the balance before it, the totals as sums of the rows' exact values."""
    p, r, n = Fraction(principal), Fraction(rate) / 12, months
    if method is EI:
        payment = p / n if r == 0 else p * r * (1 + r) ** n / ((1 + r) ** n - 1)
        payments = [payment] * n
    else:
        payments = [p / n + (p - p * (k - 1) / n) * r for k in range(1, n + 1)]
    interest1 = p * r
    decrease = D("0.00")
    if method is EP:  # one month's interest on one month's principal (the rows' difference)
        decrease = shown(payments[0] - payments[1]) if n > 1 else shown(p / n * r)
    return {
        "monthly_payment": shown(payments[0]),
        "last_payment": shown(payments[-1]),
        "monthly_decrease": decrease,
        "total_payment": shown(sum(payments, Fraction(0))),
        "total_interest": shown(sum(payments, Fraction(0)) - p),
        "first": (
            shown(payments[0]),
            shown(payments[0] - interest1),
            shown(interest1),
            shown(p - (payments[0] - interest1)),
            shown(sum(payments[1:], Fraction(0))),
        ),
    }


class TestHandComputed:
    def test_the_seed_screen_250000_at_3_25_over_30_years(self) -> None:
        s = mortgage_quote_summary(250000, D("0.0325"), 360, EI)
        assert (s.monthly_payment, s.last_payment, s.monthly_decrease) == (
            D("1088.02"),
            D("1088.02"),
            D("0.00"),
        )
        assert (s.total_payment, s.total_interest) == (D("391685.69"), D("141685.69"))
        # the screen's first row: 月供本金 410.93, 月供利息 677.08, 贷款余额 390,597.67
        assert (s.first.principal, s.first.interest, s.first.remaining_payable) == (
            D("410.93"),
            D("677.08"),
            D("390597.67"),
        )
        assert s.first.period == 1
        assert s.first.balance == D("249589.07")  # 250,000 - 410.93

    def test_equal_principal_by_hand(self) -> None:
        # 1,200 over 2 months at 6 %: 600 a month; interest 6.00 then 3.00
        s = mortgage_quote_summary(1200, "0.06", 2, "equal-principal")
        assert (s.monthly_payment, s.monthly_decrease, s.last_payment) == (
            D("606.00"),
            D("3.00"),
            D("603.00"),
        )
        assert (s.total_interest, s.total_payment) == (D("9.00"), D("1209.00"))
        assert (s.first.principal, s.first.interest, s.first.balance, s.first.remaining_payable) == (
            D("600.00"),
            D("6.00"),
            D("600.00"),
            D("603.00"),
        )

    def test_equal_principal_100000_at_3_1_over_20_years(self) -> None:
        # P/n = 416.666..., r = 0.031/12: first interest 258.333..., payment exactly 675.00;
        # decrease 416.666... x r = 1.0763..., last 417.743...; interest r x P x 241 / 2 =
        # 31,129.166...; still to pay after row 1: 131,129.166... - 675.00 = 130,454.166...
        s = mortgage_quote_summary(100000, "0.031", 240, EP)
        assert (s.monthly_payment, s.monthly_decrease, s.last_payment) == (
            D("675.00"),
            D("1.08"),
            D("417.74"),
        )
        assert (s.total_interest, s.total_payment) == (D("31129.17"), D("131129.17"))
        assert (s.first.principal, s.first.interest, s.first.balance) == (
            D("416.67"),
            D("258.33"),
            D("99583.33"),
        )
        assert s.first.remaining_payable == D("130454.17")

    def test_a_zero_rate_divides_the_principal(self) -> None:
        s = mortgage_quote_summary(1000, 0, 3, EI)
        assert (s.monthly_payment, s.total_interest, s.total_payment) == (
            D("333.33"),
            D("0.00"),
            D("1000.00"),
        )
        assert (s.first.interest, s.first.remaining_payable) == (D("0.00"), D("666.67"))

    def test_a_half_fen_rounds_up(self) -> None:
        # 0.03 over 2 months at 0 %: 0.015 a month, shown 0.02 (half up), as the quote shows it
        s = mortgage_quote_summary("0.03", 0, 2, EP)
        assert (s.monthly_payment, s.first.principal, s.first.balance) == (D("0.02"), D("0.02"), D("0.02"))
        assert s == summary_of(mortgage_quote("0.03", 0, 2, EP))


def summary_of(quote: Quote) -> QuoteSummary:
    """The row-based quote's figures in the summary's shape."""
    fields = {f.name: getattr(quote, f.name) for f in attrs.fields(Quote) if f.name != "rows"}
    return QuoteSummary(**fields, first=quote.rows[0])


def test_the_summary_has_the_quotes_fields_in_its_order() -> None:
    quote_fields = [f.name for f in attrs.fields(Quote) if f.name != "rows"]
    assert [f.name for f in attrs.fields(QuoteSummary)] == [*quote_fields, "first"]


principals = st.one_of(
    st.integers(1, 2_000_000_00),
    st.integers(1, 999_999_999_999),
).map(lambda cents: D(cents) / 100)
rates = st.one_of(st.just(D(0)), st.integers(1, 240_000).map(lambda x: D(x) / 1_000_000))
methods = st.sampled_from([EI, EP])


@given(principal=principals, rate=rates, months=st.integers(1, 480), method=methods)
def test_the_summary_is_the_row_based_quote_to_the_fen(
    principal: Decimal, rate: Decimal, months: int, method: RepaymentMethod
) -> None:
    assert mortgage_quote_summary(principal, rate, months, method) == summary_of(
        mortgage_quote(principal, rate, months, method)
    )


@given(
    principal=st.integers(1, 5_000_000_00).map(lambda cents: D(cents) / 100),
    rate=st.integers(0, 120).map(lambda x: D(x) / 1000),
    months=st.integers(1, 72),
    method=methods,
)
def test_the_summary_is_the_exact_rows_rounded_once(
    principal: Decimal, rate: Decimal, months: int, method: RepaymentMethod
) -> None:
    s = mortgage_quote_summary(principal, rate, months, method)
    want = oracle(principal, rate, months, method)
    got = {
        "monthly_payment": s.monthly_payment,
        "last_payment": s.last_payment,
        "monthly_decrease": s.monthly_decrease,
        "total_payment": s.total_payment,
        "total_interest": s.total_interest,
        "first": (
            s.first.payment,
            s.first.principal,
            s.first.interest,
            s.first.balance,
            s.first.remaining_payable,
        ),
    }
    assert got == want


@pytest.mark.parametrize(
    ("args", "error", "field"),
    [
        ((0, "0.03", 360, EI), InvalidAmount, "principal"),
        (("-1", "0.03", 360, EP), InvalidAmount, "principal"),
        ((100000, "-0.01", 360, EI), InvalidRate, "annual_rate"),
        ((100000, "0.03", 0, EI), InvalidTerm, "months"),
        ((100000, "0.03", 481, EP), InvalidTerm, "months"),
        ((100000, "0.03", 360, "balloon"), InvalidChoice, "method"),
        ((100000, "0.03", 360.0, EI), InvalidTerm, "months"),
        ((100000, 0.03, 360, EI), InputTypeError, "annual_rate"),
    ],
)
def test_bad_input_is_refused_as_the_quote_refuses_it(
    args: tuple[object, object, object, object], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as summary_error:
        mortgage_quote_summary(*args)  # type: ignore[arg-type]
    with pytest.raises(error) as quote_error:
        mortgage_quote(*args)  # type: ignore[arg-type]
    assert getattr(summary_error.value, "field", None) == field
    assert getattr(quote_error.value, "field", None) == field
