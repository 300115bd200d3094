"""Issue #10 money properties against oracles written here, independent of the library's
code paths: equal-principal quotes against exact ``Fraction`` rows, and shorten-term
prepayments against the kept payment, penalties across repricings against each day's rate."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpf_core.calculators import mortgage_quote
from hpf_core.loans import (
    Borrower,
    PrepaymentStrategy,
    RepaymentMethod,
    ServicingPolicy,
    SignerRole,
    accrue,
    amortize,
    open_loan,
    prepay,
    reprice_loan,
)
from hpf_core.testing import Loan, realistic_loans

PROPS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150)
EP = RepaymentMethod.EQUAL_PRINCIPAL
EI = RepaymentMethod.EQUAL_INSTALLMENT


def half_up(value: Fraction) -> Decimal:
    """Round an exact non-negative yuan figure half up to the fen."""
    cents = int(value * 100 + Fraction(1, 2))
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def oracle_rows(principal: Decimal, rate: Decimal, months: int) -> list[tuple[Decimal, ...]]:
    """Equal principal by definition: row k owes principal x (n - k + 1) / n before it,
    repays principal / n, pays interest on what it owed at rate / 12."""
    p, r = Fraction(principal), Fraction(rate) / 12
    payments = [p / months + p * (months - k + 1) / months * r for k in range(1, months + 1)]
    rows: list[tuple[Decimal, ...]] = []
    for k in range(1, months + 1):
        interest = p * (months - k + 1) / months * r
        rows.append(
            (
                half_up(payments[k - 1]),
                half_up(p / months),
                half_up(interest),
                half_up(p * (months - k) / months),
                half_up(sum(payments[k:], Fraction(0))),
            )
        )
    return rows


@PROPS
@given(realistic_loans().map(lambda loan: Loan(loan.principal, loan.annual_rate, loan.months, EP)))
def test_equal_principal_quote_rows_are_the_exact_rows_rounded_once(loan: Loan) -> None:
    quote = mortgage_quote(loan.principal, loan.annual_rate, loan.months, EP)
    got = [(r.payment, r.principal, r.interest, r.balance, r.remaining_payable) for r in quote.rows]
    assert got == oracle_rows(loan.principal, loan.annual_rate, loan.months)


@PROPS
@given(
    realistic_loans().filter(lambda loan: loan.months >= 24),
    st.integers(5, 60),
    st.sampled_from([EI, EP]),
)
def test_shorten_term_rows_never_exceed_the_kept_payment_and_one_month_less_would(
    loan: Loan, share: int, method: RepaymentMethod
) -> None:
    before = amortize(loan.principal, loan.annual_rate, loan.months, method)
    keep = before.payment
    paid = (loan.principal * share / 100).quantize(Decimal("0.01"))
    result = prepay(
        loan.principal,
        loan.annual_rate,
        loan.months,
        paid,
        PrepaymentStrategy.SHORTEN_TERM,
        method=method,
        current_payment=keep,
    )
    n = result.remaining_months
    assert all(row.payment <= keep for row in result.schedule)
    if n > 1:
        left = loan.principal - paid
        # one month less: the independent ledger of n - 1 rows at the kept payment (equal
        # instalment) or of n - 1 equal parts (equal principal) has a row above it
        r = Fraction(loan.annual_rate) / 12
        balance = Fraction(left)
        pays: list[Fraction] = []
        part = half_up(Fraction(left) / (n - 1)) if method is EP else None
        for k in range(1, n):
            interest = Fraction(half_up(balance * r))
            if k == n - 1:
                pays.append(balance + interest)
                break
            principal = Fraction(part) if part is not None else Fraction(keep) - interest
            principal = min(principal, balance)
            pays.append(principal + interest)
            balance -= principal
        assert max(pays) > Fraction(keep)


MAIN = Borrower(SignerRole.BORROWER, "张三", "P1")


@PROPS
@given(
    st.lists(
        st.tuples(st.integers(0, 120), st.sampled_from(["0.0285", "0.026", "0.0325", "0.0275"])),
        min_size=1,
        max_size=3,
    ),
    st.integers(1, 90),
    st.integers(1, 7),
)
def test_penalty_across_repricings_is_each_days_rate_whatever_the_accrual_steps(
    changes: list[tuple[int, str]], late_days: int, step: int
) -> None:
    """An instalment due 2024-12-01 left unpaid; repricings dated from that day on; the
    penalty through ``late_days`` days is owed x 1.5 / 360 x the sum of each day's rate
    (the oracle below), rounded once — accrued once, or every ``step`` days."""
    policy = ServicingPolicy()
    loan = open_loan(
        contract_no="C",
        borrowers=(MAIN,),
        principal=1000000,
        disbursed_on=date(2024, 11, 1),
        term_months=360,
        method="equal-installment",
        annual_rate="0.031",
    )
    timeline: dict[date, Fraction] = {}
    for offset, rate in changes:
        when = date(2024, 12, 1) + timedelta(days=offset)
        loan = reprice_loan(loan, rate, when, policy)
        timeline[when] = Fraction(rate)

    def rate_of(day: date) -> Fraction:
        dated = [when for when in timeline if when <= day]
        return timeline[max(dated)] if dated else Fraction("0.031")

    end = date(2024, 12, 1) + timedelta(days=late_days)
    once = accrue(loan, end, policy)
    stepped = loan
    day = date(2024, 12, 1)
    while day < end:
        stepped = accrue(stepped, day, policy)
        day += timedelta(days=step)
    stepped = accrue(stepped, end, policy)
    first = once.bills[0]
    assert first.due_date == date(2024, 12, 1)
    owed = Fraction(first.principal + first.interest)
    days = [date(2024, 12, 2) + timedelta(days=k) for k in range(late_days)]
    exact = owed * Fraction(3, 2) / 360 * sum((rate_of(d) for d in days), Fraction(0))
    assert first.penalty == half_up(exact)
    assert stepped.bills[0].penalty == first.penalty
