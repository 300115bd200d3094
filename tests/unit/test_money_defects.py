"""Issue #10, "Money defects": each case against figures computed independently of the
library (hand computation written out here, or exact ``Fraction`` arithmetic in the test).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.payments import MemoryBankDebit
from hpf_core.calculators import combined_quote, mortgage_quote
from hpf_core.dates import add_months
from hpf_core.loans import (
    Borrower,
    LoanAccount,
    PrepaymentStrategy,
    RepaymentMethod,
    RepricingRule,
    ServicingPolicy,
    SignerRole,
    accrue,
    amount_due,
    bill_due,
    open_loan,
    prepay,
    rate_on,
    repay,
    reprice_loan,
    settlement_quote,
)
from hpf_core.loans import services as loans

D = Decimal
EP = RepaymentMethod.EQUAL_PRINCIPAL
POLICY = ServicingPolicy()


def seed_loan(repayment_day: int = 1) -> LoanAccount:
    """1,000,000 yuan at 3.1% over 360 months, equal instalment (4,270.16 a month)."""
    return open_loan(
        contract_no="HT1",
        borrowers=(Borrower(SignerRole.BORROWER, "张三", "P1"),),
        principal=1000000,
        disbursed_on=date(2023, 3, 1),
        term_months=360,
        method="equal-installment",
        annual_rate="0.031",
        repayment_day=repayment_day,
    )


def paid_through(loan: LoanAccount, last: date, policy: ServicingPolicy = POLICY) -> LoanAccount:
    """Pay every instalment on its due date up to ``last``."""
    due = loan.contract.first_due
    while due <= last:
        loan, _ = repay(loan, amount_due(loan, due, policy), due, policy)
        due = add_months(due, 1)
    return loan


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


class TestASecondRepricingKeepsTheFirst:
    """Defect 1: 2.85% from 2025-01-01, then 2.6% from 2026-01-01."""

    def test_rate_on_between_the_two_changes_is_the_first(self) -> None:
        loan = seed_loan()
        twice = reprice_loan(
            reprice_loan(loan, "0.0285", date(2025, 1, 1), POLICY), "0.026", date(2026, 1, 1), POLICY
        )
        assert rate_on(twice, date(2024, 12, 31)) == D("0.031")
        assert rate_on(twice, date(2025, 6, 1)) == D("0.0285")
        assert rate_on(twice, date(2026, 1, 1)) == D("0.026")
        # applied in the other order, the same loan
        other = reprice_loan(
            reprice_loan(loan, "0.026", date(2026, 1, 1), POLICY), "0.0285", date(2025, 1, 1), POLICY
        )
        assert other.schedule == twice.schedule
        assert other.rates == twice.rates

    def test_through_the_services_settlement_and_penalty_use_the_rate_in_force(self) -> None:
        store = MemoryStore()
        loans.disburse(MemoryUnitOfWork(store), seed_loan())
        bank = MemoryBankDebit()
        due = date(2023, 4, 1)
        while due <= date(2024, 11, 1):  # collections stop after 2024-11-01
            loans.collect_instalment(
                MemoryUnitOfWork(store), contract_no="HT1", on=due, policy=POLICY, key=f"c{due}", bank=bank
            )
            due = add_months(due, 1)
        for change, rate in ((date(2024, 5, 18), "0.0285"), (date(2025, 5, 8), "0.026")):

            def new_rate(_loan: LoanAccount, rate: str = rate) -> str:
                return rate

            done = loans.reprice_loans(
                MemoryUnitOfWork(store),
                change_effective=change,
                new_rate=new_rate,
                rule=RepricingRule(),
                policy=POLICY,
                on=date(2026, 2, 1),
            )
            assert done == ("HT1",)
        loan = MemoryUnitOfWork(store).loans.get("HT1")
        assert loan.last_due == date(2024, 11, 1)
        quote = settlement_quote(loan, date(2025, 5, 16), POLICY)
        billed = accrue(loan, date(2025, 5, 16), POLICY)
        unbilled = quote.principal - sum(b.principal_due for b in billed.bills)
        billed_interest = sum(b.interest_due for b in billed.bills)
        # 15 days (1 May to 16 May) on the unbilled principal at 2.85% / 360
        assert quote.interest - billed_interest == half_up(Fraction(unbilled) * Fraction("0.0285") * 15 / 360)
        # the June-2025 instalment, unpaid through 30 June: 29 days at 2.85% x 1.5 / 360
        june = next(
            b for b in accrue(loan, date(2025, 6, 30), POLICY).bills if b.due_date == date(2025, 6, 1)
        )
        owed = Fraction(june.principal + june.interest)
        assert june.penalty == half_up(owed * Fraction("0.0285") * Fraction("1.5") * 29 / 360)


class TestPenaltyAcrossARepricing:
    """Defect 2: the Dec-2024 instalment of 4,270.16 unpaid until 2025-01-20, with 2.85%
    from 1 January: 30 days (2-31 December) at 3.10% and 20 days at 2.85%, x 1.5 / 360:
    4,270.16 x 1.5 x (0.031 x 30 + 0.0285 x 20) / 360 = 4,270.16 x 2.25 / 360 = 26.6885."""

    EXPECTED = D("26.69")

    def setup_loan(self) -> LoanAccount:
        loan = reprice_loan(seed_loan(), "0.0285", date(2025, 1, 1), POLICY)
        return paid_through(loan, date(2024, 11, 1))

    def test_the_hand_computation(self) -> None:
        exact = (
            Fraction("4270.16") * Fraction("1.5") * (Fraction("0.031") * 30 + Fraction("0.0285") * 20) / 360
        )
        assert exact == Fraction("26.6885")
        assert half_up(exact) == self.EXPECTED

    def test_accrued_once_when_paid(self) -> None:
        loan = self.setup_loan()
        after, allocation = repay(
            loan, amount_due(loan, date(2025, 1, 20), POLICY), date(2025, 1, 20), POLICY
        )
        december = next(r for r in after.overdue if r.due_date == date(2024, 12, 1))
        assert december.penalty == self.EXPECTED
        # January's instalment (4,270.16, its period wholly before the change): 19 days at
        # 2.85% x 1.5 / 360 = 9.6346... -> 9.63
        assert allocation.penalty == self.EXPECTED + half_up(
            Fraction("4270.16") * Fraction("0.0285") * Fraction("1.5") * 19 / 360
        )

    def test_accrued_daily(self) -> None:
        loan = self.setup_loan()
        day = date(2024, 12, 1)
        while day <= date(2025, 1, 20):
            loan = accrue(loan, day, POLICY)
            day += timedelta(days=1)
        december = next(b for b in loan.bills if b.due_date == date(2024, 12, 1))
        assert december.penalty == self.EXPECTED


class TestPenaltiesOnHalfAFen:
    """Defect 3 (already exact since D-036; kept as a regression test): one rounding of the
    exact sum."""

    def owing(self, rate: str, owed: str) -> LoanAccount:
        loan = bill_due(
            open_loan(
                contract_no="C",
                borrowers=(Borrower(SignerRole.BORROWER, "张三", "P1"),),
                principal=1000000,
                disbursed_on=date(2023, 3, 1),
                term_months=360,
                method="equal-installment",
                annual_rate=rate,
            ),
            date(2023, 4, 1),
        )
        loan, _ = repay(loan, amount_due(loan, date(2023, 4, 1), POLICY) - D(owed), date(2023, 4, 1), POLICY)
        return loan

    def test_80_yuan_15_days_at_3_1_percent_accrued_daily(self) -> None:
        # 80.00 x 0.031 x 1.5 x 15 / 360 = 0.155 exactly -> 0.16
        assert Fraction("80") * Fraction("0.031") * Fraction("1.5") * 15 / 360 == Fraction("0.155")
        loan = self.owing("0.031", "80.00")
        day = date(2023, 4, 2)
        while day <= date(2023, 4, 16):
            loan = accrue(loan, day, POLICY)
            day += timedelta(days=1)
        assert loan.bills[0].penalty == D("0.16")

    def test_10_yuan_60_days_at_2_6_percent_accrued_once(self) -> None:
        # 10.00 x 0.026 x 1.5 x 60 / 360 = 0.065 exactly -> 0.07
        assert Fraction("10") * Fraction("0.026") * Fraction("1.5") * 60 / 360 == Fraction("0.065")
        loan = accrue(self.owing("0.026", "10.00"), date(2023, 5, 31), POLICY)
        assert loan.bills[0].penalty == D("0.07")


class TestSplitRepricingSettlement:
    """Defect 6: a loan due on the 15th, repriced to 2.85% from 2025-01-01 with the period
    split by days, settled on 2025-01-10: 17 days (15-31 December) at 3.1% and 9 days
    (1-9 January) at 2.85%, / 360 — as the scheduled row is split."""

    SPLIT = ServicingPolicy(split_repricing_period=True)

    def test_settlement_interest_is_split_at_the_repricing_date(self) -> None:
        loan = paid_through(seed_loan(repayment_day=15), date(2024, 12, 15), self.SPLIT)
        loan = reprice_loan(loan, "0.0285", date(2025, 1, 1), self.SPLIT)
        quote = settlement_quote(loan, date(2025, 1, 10), self.SPLIT)
        owed = Fraction(quote.principal)
        expected = half_up(owed * (Fraction("0.031") * 17 + Fraction("0.0285") * 9) / 360)
        assert quote.interest == expected
        assert expected != half_up(owed * Fraction("0.031") * 26 / 360)  # the old figure, all at 3.1%
        # the scheduled row of that period is split the same way (over its 31 days, / 12)
        row = loan.schedule[0]
        assert row.interest == half_up(owed * (Fraction("0.031") * 17 + Fraction("0.0285") * 14) / (12 * 31))

    def test_without_the_option_the_period_keeps_its_rate(self) -> None:
        loan = paid_through(seed_loan(repayment_day=15), date(2024, 12, 15))
        loan = reprice_loan(loan, "0.0285", date(2025, 1, 1), POLICY)
        quote = settlement_quote(loan, date(2025, 1, 10), POLICY)
        assert quote.interest == half_up(Fraction(quote.principal) * Fraction("0.031") * 26 / 360)
