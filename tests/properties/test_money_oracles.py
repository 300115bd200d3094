"""Issue #10 money properties against oracles written here, independent of the library's
code paths: equal-principal quotes against exact ``Fraction`` rows, and shorten-term
prepayments against the kept payment."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpf_core.calculators import mortgage_quote
from hpf_core.loans import PrepaymentStrategy, RepaymentMethod, amortize, prepay
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
