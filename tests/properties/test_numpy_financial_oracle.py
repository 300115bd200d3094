"""``amortize()`` against numpy-financial, an independent float oracle (test-only dependency).

For equal-instalment loans (等额本息) the ledger convention promises

(a) the payment is the exact annuity rounded half up to the fen once:
    ``payment == round_half_up(npf.pmt(r, n, -P))``;
(b) every row's interest is the previous row's balance x annual rate / 12, rounded half up
    to the fen (the loan principal stands in for the balance before row 1); and the rows
    chain: payment = principal + interest, balance = previous balance - principal, last 0;
(c) the first row's interest equals ``npf.ipmt(r, 1, n, -P)`` rounded half up.

numpy-financial works in binary floats, so near a half-fen boundary it cannot say which way
the exact value rounds. Such loans are skipped for (a) and (c) -- when the float lies within
``max(1e-6 fen, a forward error bound of the float computation)`` of the boundary -- and the
skips are counted and must stay under 1%. Check (b) is exact Decimal arithmetic and is
never skipped.

The seeded run uses ``random.Random(SEED)``; set ``HPF_ORACLE_SEED`` to try another seed.
Every failure message names the seed and the loan, so a failure can be replayed.
"""

from __future__ import annotations

import os
import random
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

import attrs
import numpy as np
import numpy_financial as npf
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from hpf_core.loans import RepaymentMethod, Schedule, amortize

SEED = int(os.environ.get("HPF_ORACLE_SEED", "20250508"))
LOANS = 1200
ZERO_RATE_EVERY = 40  # every 40th seeded loan has a zero rate: 30 of 1,200
MIN_PRINCIPAL_FEN = 1_000_00
MAX_PRINCIPAL_FEN = 2_000_000_00
MIN_RATE_MILLIONTHS = 100  # 0.01% = 0.000100 as a fraction
MAX_RATE_MILLIONTHS = 100_000  # 10% = 0.100000
MAX_MONTHS = 480
MAX_SKIP_SHARE = 0.01

FEN = Decimal("0.01")
HALF = Decimal("0.5")
EPS = 2.0**-52  # double precision machine epsilon (twice the unit roundoff)
ABSOLUTE_MARGIN_FEN = Decimal("1e-6")


def round_half_up_to_fen(value: Decimal) -> Decimal:
    """Round a yuan amount half up (四舍五入) to the fen."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def float_to_decimal(value: float) -> Decimal:
    """numpy's float64 (or 0-d array) as the Decimal of its shortest repr."""
    return Decimal(repr(float(value)))


def near_half_fen(yuan_value: Decimal, margin_fen: Decimal) -> bool:
    """Whether ``yuan_value`` lies within ``margin_fen`` of a half-fen rounding boundary."""
    in_fen = yuan_value.scaleb(2)
    fraction = in_fen - in_fen.to_integral_value(rounding=ROUND_FLOOR)
    return abs(fraction - HALF) <= margin_fen


def pmt_margin_fen(payment: Decimal, monthly_rate: float, months: int) -> Decimal:
    """How far npf.pmt may be from the exact annuity, in fen (a generous forward bound).

    ``(1 + r)`` is rounded once (absolute error up to EPS/2, i.e. relative EPS/(2r) in
    ``(1 + r)**n - 1``) and each further operation adds about EPS relative; a factor 4 covers
    the constants. Measured errors stay well below half this bound.
    """
    relative = 4 * EPS * ((1 / monthly_rate if monthly_rate else 0.0) + months + 10)
    return max(ABSOLUTE_MARGIN_FEN, payment.scaleb(2) * Decimal(relative))


def ipmt_margin_fen(interest: Decimal) -> Decimal:
    """npf.ipmt for period 1 is float(P) x r: a few roundings."""
    return max(ABSOLUTE_MARGIN_FEN, interest.scaleb(2) * Decimal(8 * EPS))


@attrs.frozen
class OracleReport:
    """What comparing one loan with the oracle found."""

    problems: tuple[str, ...]
    payment_skipped: bool
    first_interest_skipped: bool


def ledger_problems(schedule: Schedule, principal: Decimal, annual_rate: Decimal) -> list[str]:
    """Check (b): each row's interest from the previous balance, and the rows chaining."""
    problems: list[str] = []
    previous = principal
    with localcontext() as ctx:
        ctx.prec = 50
        for row in schedule.installments:
            expected = (previous * annual_rate / 12).quantize(FEN, rounding=ROUND_HALF_UP)
            if row.interest != expected:
                formula = f"round({previous} x {annual_rate} / 12) = {expected}"
                problems.append(f"row {row.period}: interest {row.interest} != {formula}")
            if row.payment != row.principal + row.interest:
                problems.append(f"row {row.period}: payment {row.payment} != principal + interest")
            if row.balance != previous - row.principal:
                problems.append(f"row {row.period}: balance {row.balance} != {previous} - {row.principal}")
            previous = row.balance
    if previous != 0:
        problems.append(f"the last row leaves a balance of {previous}")
    return problems


def compare_with_oracle(principal: Decimal, annual_rate: Decimal, months: int) -> OracleReport:
    """Run checks (a), (b) and (c) on one equal-instalment loan."""
    schedule = amortize(principal, annual_rate, months, RepaymentMethod.EQUAL_INSTALLMENT)
    monthly = float(annual_rate) / 12
    problems: list[str] = []

    # (a) the payment is pmt rounded half up, once
    oracle_payment = float_to_decimal(npf.pmt(monthly, months, -float(principal)))
    payment_skipped = near_half_fen(oracle_payment, pmt_margin_fen(oracle_payment, monthly, months))
    if not payment_skipped and schedule.payment != round_half_up_to_fen(oracle_payment):
        problems.append(f"payment {schedule.payment} != round_half_up(npf.pmt = {oracle_payment})")

    # (b) every row's interest from the previous balance
    problems.extend(ledger_problems(schedule, principal, annual_rate))

    # (c) the first row's interest is ipmt for period 1, rounded half up
    # npf.ipmt divides by a zero rate in a branch it then discards: silence that warning only.
    with np.errstate(divide="ignore", invalid="ignore"):
        oracle_interest = float_to_decimal(npf.ipmt(monthly, 1, months, -float(principal)))
    first_interest_skipped = near_half_fen(oracle_interest, ipmt_margin_fen(oracle_interest))
    if not first_interest_skipped and schedule[0].interest != round_half_up_to_fen(oracle_interest):
        problems.append(
            f"first interest {schedule[0].interest} != round_half_up(npf.ipmt = {oracle_interest})"
        )
    return OracleReport(tuple(problems), payment_skipped, first_interest_skipped)


def seeded_loans(seed: int, count: int) -> list[tuple[Decimal, Decimal, int]]:
    """``count`` loans: whole-fen principal, a rate with up to 4 decimals of percent, 1..480 months."""
    rng = random.Random(seed)
    loans: list[tuple[Decimal, Decimal, int]] = []
    for index in range(count):
        principal = Decimal(rng.randint(MIN_PRINCIPAL_FEN, MAX_PRINCIPAL_FEN)).scaleb(-2)
        millionths = (
            0 if index % ZERO_RATE_EVERY == 0 else rng.randint(MIN_RATE_MILLIONTHS, MAX_RATE_MILLIONTHS)
        )
        rate = Decimal(millionths).scaleb(-6)
        loans.append((principal, rate, rng.randint(1, MAX_MONTHS)))
    return loans


class TestAmortizeAgreesWithNumpyFinancial:
    """amortize() matches numpy-financial's pmt and ipmt, and its rows follow the ledger recurrence."""

    def test_a_thousand_seeded_loans_match_pmt_ipmt_and_the_interest_recurrence(self) -> None:
        loans = seeded_loans(SEED, LOANS)
        assert len(loans) >= 1000
        assert sum(1 for _, rate, _ in loans if rate == 0) >= 10, "too few zero-rate loans"
        failures: list[str] = []
        payment_skips = 0
        interest_skips = 0
        for index, (principal, rate, months) in enumerate(loans):
            report = compare_with_oracle(principal, rate, months)
            payment_skips += report.payment_skipped
            interest_skips += report.first_interest_skipped
            if report.problems:
                loan = f"loan #{index} amortize({principal!s}, {rate!s}, {months})"
                failures.append(f"{loan}: " + "; ".join(report.problems[:3]))
        shown = "\n".join(failures[:10])
        assert not failures, f"seed {SEED}: {len(failures)} of {len(loans)} loans disagree\n{shown}"
        assert payment_skips < MAX_SKIP_SHARE * len(loans), (
            f"seed {SEED}: {payment_skips} of {len(loans)} payments too near a half fen to compare"
        )
        assert interest_skips < MAX_SKIP_SHARE * len(loans), (
            f"seed {SEED}: {interest_skips} of {len(loans)} first interests too near a half fen to compare"
        )

    def test_zero_rate_loans_pay_principal_over_months_rounded_half_up(self) -> None:
        for principal, months in [
            (Decimal("1000.00"), 3),
            (Decimal("1000.01"), 2),
            (Decimal("2000000.00"), 480),
        ]:
            schedule = amortize(principal, 0, months, RepaymentMethod.EQUAL_INSTALLMENT)
            oracle = float_to_decimal(npf.pmt(0.0, months, -float(principal)))
            assert schedule.payment == round_half_up_to_fen(principal / months)
            assert abs(schedule.payment - oracle) <= FEN / 2 + Decimal("1e-9")
            assert schedule.total_interest == 0


principals = st.decimals(
    min_value=Decimal("1000.00"),
    max_value=Decimal("2000000.00"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
annual_rates = st.one_of(
    st.just(Decimal(0)),
    st.decimals(
        min_value=Decimal("0.0001"), max_value=Decimal("0.1"), places=6, allow_nan=False, allow_infinity=False
    ),
)
terms = st.integers(min_value=1, max_value=MAX_MONTHS)


class TestAmortizeAgreesWithNumpyFinancialForAnyLoan:
    """The same oracle, on loans hypothesis chooses (and shrinks when one disagrees)."""

    @settings(max_examples=300, deadline=None)
    @given(principal=principals, annual_rate=annual_rates, months=terms)
    def test_any_loan_matches_pmt_ipmt_and_the_interest_recurrence(
        self, principal: Decimal, annual_rate: Decimal, months: int
    ) -> None:
        note(f"amortize({principal!s}, {annual_rate!s}, {months}, EQUAL_INSTALLMENT)")
        report = compare_with_oracle(principal, annual_rate, months)
        if report.payment_skipped:
            event("npf.pmt too near a half fen: payment not compared")
        if report.first_interest_skipped:
            event("npf.ipmt too near a half fen: first interest not compared")
        assert not report.problems, "; ".join(report.problems[:5])
