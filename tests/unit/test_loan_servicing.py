"""Loan servicing (issue #4): the month-by-month run with repricing, prepayment through
the loan account, overdue and penalty interest, early settlement, and the loan screens."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpf_adapters.policies import load_policy
from hpf_core.dates import add_months
from hpf_core.errors import InvalidPolicy, Refused
from hpf_core.loans import (
    Allocation,
    Borrower,
    LoanAccount,
    LoanEntry,
    LoanStatus,
    PrepaymentQuote,
    ServicingPolicy,
    SignerRole,
    accrue,
    amount_due,
    apply_prepayment,
    entry_for,
    loan_account_info,
    open_loan,
    overdue_details,
    parse_servicing_policy,
    prepayment_quote,
    repay,
    repayment_details,
    repayment_plan,
    reprice_loan,
    settle,
    settlement_quote,
)
from hpf_core.policy import parse_policy

D = Decimal
FEN = D("0.01")
POLICY = ServicingPolicy()
BORROWERS = (Borrower(SignerRole.BORROWER, "张三", "P001"), Borrower(SignerRole.SPOUSE, "李四", "P002"))


def the_loan() -> LoanAccount:
    """Issue #4's loan: 1,000,000 at 3.10% over 30 years, disbursed 2023-03-01, due on the 1st."""
    return open_loan(
        contract_no="HT2023-001",
        borrowers=BORROWERS,
        principal=1000000,
        disbursed_on=date(2023, 3, 1),
        term_months=360,
        method="equal-installment",
        annual_rate="0.031",
    )


def ok(outcome: tuple[LoanAccount, Allocation]) -> tuple[LoanAccount, Allocation]:
    """The loan and allocation of an accepted repayment (a refusal raises before this)."""
    loan, allocation = outcome
    assert isinstance(loan, LoanAccount), outcome
    assert isinstance(allocation, Allocation), outcome
    return loan, allocation


def oracle_annuity(balance: Decimal, rate: str, months: int) -> Decimal:
    """An independent payment: the annuity formula in 50-digit Decimal, rounded half up."""
    with localcontext() as ctx:
        ctx.prec = 50
        r = D(rate) / 12
        growth = (1 + r) ** months
        return (balance * r * growth / (growth - 1)).quantize(FEN, rounding=ROUND_HALF_UP)


def pay_every_month(loan: LoanAccount, until: date) -> tuple[LoanAccount, list[LoanEntry]]:
    """Pay each instalment on its due date, repricing as the rate table says (2.85% from
    2025-01-01, 2.60% from 2026-01-01), and journal every payment."""
    entries: list[LoanEntry] = []
    day = date(2023, 4, 1)
    while day <= until:
        if day == date(2025, 1, 1):
            loan = reprice_loan(loan, "0.0285", day, POLICY)
        if day == date(2026, 1, 1):
            loan = reprice_loan(loan, "0.026", day, POLICY)
        due = amount_due(loan, day, POLICY)
        loan, allocation = ok(repay(loan, due, day, POLICY))
        draft = entry_for(loan, allocation, key=f"k{day}", period=loan.next_period - 1)
        entries.append(draft.stored(f"L{len(entries) + 1:04d}"))
        day = add_months(day, 1)
    return loan, entries


class TestMonthByMonthWithRepricing:
    """Runs the loan to 2026-03 and compares every row with an independent recurrence."""

    def expected_rows(self) -> list[tuple[date, Decimal, Decimal, Decimal]]:
        # The recurrence written out with plain Decimal: interest = balance x rate / 12
        # rounded half up; principal = payment - interest. The 2025-01-01 instalment still
        # belongs to December (old rate, old payment); from 2025-02-01 the payment is the
        # annuity of the balance left at 2.85% over the 338 months left; likewise 2.60%
        # from 2026-02-01 over 326 months.
        rows = []
        balance, rate = D("1000000.00"), "0.031"
        payment = oracle_annuity(balance, rate, 360)
        for k in range(1, 37):
            due = add_months(date(2023, 4, 1), k - 1)
            if due == date(2025, 2, 1):
                rate, payment = "0.0285", oracle_annuity(balance, "0.0285", 360 - 22)
            if due == date(2026, 2, 1):
                rate, payment = "0.026", oracle_annuity(balance, "0.026", 360 - 34)
            interest = (balance * D(rate) / 12).quantize(FEN, rounding=ROUND_HALF_UP)
            principal = payment - interest
            balance -= principal
            rows.append((due, principal, interest, balance))
        return rows

    def test_every_row_matches_the_independent_recurrence(self) -> None:
        _, entries = pay_every_month(the_loan(), date(2026, 3, 1))
        got = [(e.on, e.principal, e.interest, e.balance_after) for e in entries]
        assert got == self.expected_rows()

    def test_the_payments_are_recalculated_at_each_repricing(self) -> None:
        _, entries = pay_every_month(the_loan(), date(2026, 3, 1))
        by_day = {e.on: e.amount for e in entries}
        assert by_day[date(2024, 12, 1)] == D("4270.16")
        assert by_day[date(2025, 1, 1)] == D("4270.16")  # December's interest, old rate
        assert by_day[date(2025, 2, 1)] == D("4142.38")  # 961,865.66 at 2.85% over 338 months
        assert by_day[date(2026, 1, 1)] == D("4142.38")
        assert by_day[date(2026, 2, 1)] == D("4020.56")  # 939,276.73 at 2.60% over 326 months

    def test_cumulative_repaid_columns_reconcile_with_the_journal_to_the_fen(self) -> None:
        loan, entries = pay_every_month(the_loan(), date(2026, 3, 1))
        details = repayment_details(entries, date(2025, 3, 1), date(2026, 3, 1))
        assert len(details) == 13
        last = details[-1]
        assert last.repaid_principal == sum(e.principal for e in entries) == loan.repaid_principal
        assert last.repaid_interest == sum(e.interest for e in entries) == loan.repaid_interest
        assert loan.repaid_principal + loan.balance == D("1000000.00")
        assert last.balance_after == loan.balance == self.expected_rows()[-1][3]
        assert (loan.next_period, loan.remaining_months, loan.status) == (37, 324, LoanStatus.NORMAL)


class TestPrepaymentThroughTheAccount:
    def after_twelve(self) -> LoanAccount:
        loan, _ = pay_every_month(the_loan(), date(2024, 3, 1))
        assert loan.balance == D("979468.01")
        return loan

    def test_keep_term_lowers_the_payment_to_3834_20(self) -> None:
        quote = prepayment_quote(self.after_twelve(), 100000, date(2024, 3, 1), "keep-term", POLICY)
        assert isinstance(quote, PrepaymentQuote)
        # on the due date itself no interest has run on the prepaid principal
        assert (quote.interest, quote.principal, quote.current_due, quote.bank_debit) == (
            D("0.00"),
            D("100000.00"),
            D("0.00"),
            D("100000.00"),
        )
        assert (quote.payment_after, quote.remaining_months) == (D("3834.20"), 348)

    def test_shorten_term_keeps_4270_16_for_295_months(self) -> None:
        quote = prepayment_quote(self.after_twelve(), 100000, date(2024, 3, 1), "shorten-term", POLICY)
        assert isinstance(quote, PrepaymentQuote)
        assert (quote.payment_after, quote.remaining_months) == (D("4270.16"), 295)
        loan, _ = apply_prepayment(self.after_twelve(), quote, POLICY)
        assert loan.balance == D("879468.01")
        assert loan.repaid_principal + loan.balance == D("1000000.00")

    def test_mid_month_interest_and_the_current_instalment_come_first(self) -> None:
        loan = self.after_twelve()
        quote = prepayment_quote(loan, 100000, date(2024, 4, 16), "keep-term", POLICY)
        assert isinstance(quote, PrepaymentQuote)
        # the 2024-04-01 instalment (4,270.16) is unpaid and 15 days late: it is paid first
        # with its penalty, 4,270.16 x 3.1% x 1.5 / 360 x 15 = 8.2734 -> 8.27. The 100,000
        # pays principal and the interest on that principal since 2024-04-01 (15 days):
        # principal = 100,000 / (1 + 0.031 x 15 / 360) = 100,000 / 1.00129166... = 99,871.00
        # (99,871.00 x 0.031 x 15 / 360 = 128.9997 -> 129.00), interest = 129.00
        assert quote.current_due == D("4278.43")
        assert quote.interest == D("129.00")
        assert quote.principal == D("99871.00")
        assert quote.bank_debit == D("104278.43")
        # the 核对 page (issue #11): 逾期金额合计 + 提前还款金额 = 银行扣划金额
        assert quote.overdue == D("4278.43")
        assert quote.overdue + D("100000.00") == quote.bank_debit
        assert quote.remaining_months == 347  # April is billed: May 2024 onwards

    def test_refusals_come_all_at_once(self) -> None:
        policy = ServicingPolicy(prepay_min_amount=D("10000"), prepay_multiple=D("1000"))
        loan, _ = pay_every_month(the_loan(), date(2023, 8, 1))
        # September's instalment is unpaid but current (paid first)
        with pytest.raises(Refused) as refused:
            prepayment_quote(loan, D("5500.00"), date(2023, 9, 1), "keep-term", policy)
        assert set(refused.value.codes) == {"too_early", "below_minimum", "not_a_multiple"}

    def test_overdue_instalments_are_collected_with_the_prepayment(self) -> None:
        # issue #11 item 6: arrears are no longer a refusal; they are 逾期金额合计 on the 核对
        # page, paid first. Paid through 2023-08-01, quoted on 2024-03-01: the instalments of
        # 2023-09 .. 2024-02 (six of 4,270.16, with their penalty) are late; March's, due that
        # very day, is due but not late.
        policy = ServicingPolicy(prepay_min_amount=D("10000"), prepay_multiple=D("1000"))
        loan, _ = pay_every_month(the_loan(), date(2023, 8, 1))
        quote = prepayment_quote(loan, D("20000.00"), date(2024, 3, 1), "keep-term", policy)
        assert quote.overdue > 6 * D("4270.16")  # six instalments and some penalty
        assert quote.current_due - quote.overdue == D("4270.16")  # March's, no penalty yet
        assert quote.bank_debit == quote.overdue + D("4270.16") + D("20000.00")


class TestOverdueAndPenalty:
    """A missed instalment, a partial payment and the catch-up, step by step."""

    def paid_to_december(self) -> LoanAccount:
        loan, _ = pay_every_month(the_loan(), date(2023, 12, 1))
        return loan

    def test_a_missed_instalment_becomes_overdue_with_penalty(self) -> None:
        loan = accrue(self.paid_to_december(), date(2024, 1, 15), POLICY)
        assert loan.status is LoanStatus.OVERDUE
        (record,) = overdue_details(loan, date(2024, 1, 1), date(2024, 1, 31))
        assert (record.due_date, record.principal, record.interest) == (
            date(2024, 1, 1),
            D("1726.45"),
            D("2543.71"),
        )
        # 14 days (2 Jan - 15 Jan) x 4,270.16 x 3.1% x 1.5 / 360 = 7.7219... -> 7.72
        assert record.penalty == D("7.72")

    def test_a_partial_payment_goes_penalty_then_interest_then_principal(self) -> None:
        loan, allocation = ok(repay(self.paid_to_december(), 2000, date(2024, 1, 15), POLICY))
        assert (allocation.penalty, allocation.overdue_interest, allocation.overdue_principal) == (
            D("7.72"),
            D("1992.28"),
            D("0.00"),
        )
        (bill,) = loan.bills
        assert (bill.interest_due, bill.principal_due) == (D("551.43"), D("1726.45"))
        assert loan.status is LoanStatus.OVERDUE

    def test_a_later_payment_clears_it_in_the_allocation_order(self) -> None:
        outcome = repay(self.paid_to_december(), 2000, date(2024, 1, 15), POLICY)
        loan = outcome[0]
        assert isinstance(loan, LoanAccount)
        # 16 Jan - 1 Feb = 17 days on 2,277.88 still overdue: x 0.0465 / 360 x 17 = 5.0018 -> 5.00
        # plus February's instalment (current): interest 2,539.25, principal 1,730.91
        assert amount_due(loan, date(2024, 2, 1), POLICY) == D("6553.04")
        loan, allocation = ok(repay(loan, D("6553.04"), date(2024, 2, 1), POLICY))
        assert (
            allocation.penalty,
            allocation.overdue_interest,
            allocation.overdue_principal,
            allocation.current_interest,
            allocation.current_principal,
        ) == (D("5.00"), D("551.43"), D("1726.45"), D("2539.25"), D("1730.91"))
        assert loan.status is LoanStatus.NORMAL
        (record,) = loan.overdue
        assert (record.cleared_on, record.penalty) == (date(2024, 2, 1), D("12.72"))
        assert loan.repaid_penalty == D("12.72")
        assert loan.repaid_principal + loan.balance == D("1000000.00")

    def test_paying_more_than_is_due_is_refused(self) -> None:
        with pytest.raises(Refused) as refused:
            repay(self.paid_to_december(), D("99999.00"), date(2024, 1, 1), POLICY)
        assert refused.value.codes == ("exceeds_due",)


class TestEarlySettlement:
    def test_settlement_repays_principal_interest_to_date_and_issues_a_certificate(self) -> None:
        loan, _ = pay_every_month(the_loan(), date(2024, 3, 1))
        quote = settlement_quote(loan, date(2024, 3, 11), POLICY, from_hpf="30000.00")
        # 10 days since 2024-03-01 on 979,468.01: x 0.031 x 10 / 360 = 843.4308 -> 843.43
        assert (quote.principal, quote.interest, quote.penalty) == (D("979468.01"), D("843.43"), D("0.00"))
        assert quote.total == D("980311.44")
        assert quote.bank_debit == D("950311.44")
        closed, certificate = settle(loan, quote, POLICY, certificate_no="JQ-0001")
        assert closed.status is LoanStatus.SETTLED
        assert closed.balance == 0
        assert closed.repaid_principal == D("1000000.00")
        assert (certificate.contract_no, certificate.borrower, certificate.settled_on) == (
            "HT2023-001",
            "张三",
            date(2024, 3, 11),
        )

    def test_a_settled_loan_accepts_nothing(self) -> None:
        loan, _ = pay_every_month(the_loan(), date(2024, 3, 1))
        quote = settlement_quote(loan, date(2024, 3, 1), POLICY)
        closed, _ = settle(loan, quote, POLICY, certificate_no="JQ-0002")
        for attempt in (
            lambda: repay(closed, 1, date(2024, 4, 1), POLICY),
            lambda: prepayment_quote(closed, 1000, date(2024, 4, 1), "keep-term", POLICY),
            lambda: settlement_quote(closed, date(2024, 4, 1), POLICY),
        ):
            with pytest.raises(Refused) as refused:
                attempt()
            assert refused.value.codes == ("settled",)
        assert accrue(closed, date(2025, 1, 1), POLICY) == closed


class TestScreens:
    def test_account_info_and_plan(self) -> None:
        loan, _ = pay_every_month(the_loan(), date(2024, 3, 1))
        info = loan_account_info(loan)
        assert (info.contract_no, info.status, info.balance, info.method, info.annual_rate) == (
            "HT2023-001",
            "正常还款",
            D("979468.01"),
            "等额本息",
            "3.1000%",
        )
        plan = repayment_plan(loan, date(2024, 4, 1), date(2024, 6, 30))
        assert [p.label for p in plan] == ["202404期", "202405期", "202406期"]
        assert plan[0].total == D("4270.16")
        assert plan[0].principal + plan[0].interest == plan[0].total

    def test_no_overdue_records_is_an_empty_list(self) -> None:
        loan, _ = pay_every_month(the_loan(), date(2024, 3, 1))
        assert overdue_details(loan, date(2023, 1, 1), date(2024, 12, 31)) == ()


@pytest.mark.parametrize("split", [False, True])
def test_a_repricing_inside_a_period_keeps_or_splits_its_interest(split: bool) -> None:
    # due on the 15th: the period 2024-12-15 .. 2025-01-15 straddles 2025-01-01
    loan = open_loan(
        contract_no="C2",
        borrowers=(Borrower(SignerRole.BORROWER, "张三", "P1"),),
        principal=120000,
        disbursed_on=date(2024, 11, 15),
        term_months=120,
        method="equal-installment",
        annual_rate="0.031",
        repayment_day=15,
    )
    loan, _ = ok(repay(loan, amount_due(loan, date(2024, 12, 15), POLICY), date(2024, 12, 15), POLICY))
    policy = ServicingPolicy(split_repricing_period=split)
    repriced = reprice_loan(loan, "0.0285", date(2025, 1, 1), policy)
    first = repriced.schedule[0]
    owed = loan.schedule.principal
    if split:
        # 17 days (15-31 Dec) at 3.1% and 14 days (1-14 Jan) at 2.85% of 31:
        # owed x (0.031 x 17 + 0.0285 x 14) / (12 x 31)
        expected = (owed * (D("0.031") * 17 + D("0.0285") * 14) / (12 * 31)).quantize(
            FEN, rounding=ROUND_HALF_UP
        )
    else:
        expected = (owed * D("0.031") / 12).quantize(FEN, rounding=ROUND_HALF_UP)
    assert first.interest == expected
    assert repriced.schedule.total_principal == owed
    assert repriced.schedule[1].interest == (first.balance * D("0.0285") / 12).quantize(
        FEN, rounding=ROUND_HALF_UP
    )


class TestCombinedLoan:
    """组合贷款: an HPF part and a commercial part (LPR + spread) sharing the term."""

    def parts(self) -> tuple[LoanAccount, LoanAccount]:
        from hpf_core.loans import LoanType, commercial_rate

        def part(contract_no: str, principal: int, rate: Decimal | str, kind: LoanType) -> LoanAccount:
            return open_loan(
                contract_no=contract_no,
                borrowers=BORROWERS,
                principal=principal,
                disbursed_on=date(2025, 6, 1),
                term_months=300,
                method="equal-installment",
                annual_rate=rate,
                loan_type=kind,
            )

        rate = commercial_rate(date(2025, 6, 1), 300, spread_bp=-20)  # 5-year LPR 3.50% - 20 bp = 3.30%
        return (
            part("ZH-1-GJJ", 400000, "0.026", LoanType.COMBINED_HPF_PART),
            part("ZH-1-SD", 300000, rate, LoanType.COMBINED_COMMERCIAL_PART),
        )

    def test_the_parts_share_the_term_and_pay_together(self) -> None:
        hpf, commercial = self.parts()
        assert hpf.contract.maturity == commercial.contract.maturity == date(2050, 6, 1)
        assert commercial.annual_rate == D("0.033")
        # each part's own annuity: 400,000 at 2.6% and 300,000 at 3.3% over 300 months
        assert (hpf.payment, commercial.payment) == (
            oracle_annuity(D("400000"), "0.026", 300),
            oracle_annuity(D("300000"), "0.033", 300),
        )

    def test_one_part_is_prepaid_and_the_other_settled_separately(self) -> None:
        hpf, commercial = self.parts()
        day = date(2026, 7, 1)
        for loan_index in range(2):
            loan = (hpf, commercial)[loan_index]
            first = date(2025, 7, 1)
            while first <= day:
                loan, _ = ok(repay(loan, amount_due(loan, first, POLICY), first, POLICY))
                first = add_months(first, 1)
            if loan_index == 0:
                hpf = loan
            else:
                commercial = loan
        quote = prepayment_quote(hpf, 50000, day, "keep-term", POLICY)
        assert isinstance(quote, PrepaymentQuote)
        hpf_after, _ = apply_prepayment(hpf, quote, POLICY)
        settlement = settlement_quote(commercial, day, POLICY)
        commercial_after, _ = settle(commercial, settlement, POLICY, certificate_no="JQ-ZH-1")
        assert hpf_after.balance == hpf.balance - D("50000.00")
        assert hpf_after.status is LoanStatus.NORMAL
        assert commercial_after.status is LoanStatus.SETTLED
        assert hpf_after.remaining_months == hpf.remaining_months  # keep-term: the shared term stays


POLICY_HEAD = """
[center]
code = "demo"
name = "示例中心"
[loans]
max_term_months = 360
balance_multiple = "15"
capacity_ratio = "0.5"
ltv_first = "0.8"
ltv_second = "0.6"
cap_first = "600000"
cap_second = "400000"
quota_unit = "1000"
"""


class TestServicingRulesFromTheCentrePolicy:
    """``[loans.servicing]`` (D-036): the day basis, penalty factor and prepayment rules."""

    def policy(self, section: str) -> ServicingPolicy:
        return parse_policy(POLICY_HEAD + "[loans.servicing]\n" + section).loans.servicing

    def test_without_the_section_the_defaults_are_the_libraries(self) -> None:
        assert parse_policy(POLICY_HEAD).loans.servicing == ServicingPolicy()
        defaults = ServicingPolicy()
        assert (defaults.day_basis.divisor, defaults.penalty_factor, defaults.prepay_min_months) == (
            360,
            D("1.5"),
            12,
        )

    def test_a_365_day_basis_counts_penalty_and_settlement_interest_over_365(self) -> None:
        policy = self.policy('day_basis = "actual/365"\nsource = "test"\n')
        loan, _ = pay_every_month(the_loan(), date(2023, 12, 1))
        late = accrue(loan, date(2024, 1, 15), policy)
        # 14 days x 4,270.16 x 3.1% x 1.5 / 365 = 2,779.87416 / 365 = 7.6160... -> 7.62
        # (7.72 over 360)
        assert late.overdue[0].penalty == D("7.62")
        quote = settlement_quote(the_loan(), date(2023, 3, 20), policy)
        # 19 days of 1,000,000 at 3.1% / 365 = 589,000 / 365 = 1,613.6986... -> 1,613.70
        assert (quote.interest, quote.total) == (D("1613.70"), D("1001613.70"))

    def test_a_365_day_basis_splits_a_prepayment_over_365(self) -> None:
        policy = self.policy('day_basis = "actual/365"\n')
        loan, _ = pay_every_month(the_loan(), date(2024, 3, 1))
        quote = prepayment_quote(loan, 100000, date(2024, 4, 16), "keep-term", policy)
        # principal = 100,000 / (1 + 0.031 x 15 / 365) = 99,872.7648... -> 99,872.76
        assert (quote.principal, quote.interest) == (D("99872.76"), D("127.24"))
        # April's instalment with 15 days of penalty over 365: 4,270.16 x 0.031 x 1.5 x 15 / 365
        # = 8.1601... -> 8.16
        assert quote.current_due == D("4278.32")

    def test_the_penalty_factor_and_prepayment_rules_come_from_the_file(self) -> None:
        policy = self.policy(
            'penalty_factor = "1.3"\nprepay_min_months = 24\nprepay_min_amount = "10000"\n'
            "prepay_max_per_year = 1\n"
        )
        loan, _ = pay_every_month(the_loan(), date(2023, 12, 1))
        # 14 days x 4,270.16 x 3.1% x 1.3 / 360 = 6.6923... -> 6.69
        assert accrue(loan, date(2024, 1, 15), policy).overdue[0].penalty == D("6.69")
        loan, _ = pay_every_month(the_loan(), date(2024, 3, 1))
        with pytest.raises(Refused) as refused:
            prepayment_quote(loan, 5000, date(2024, 3, 1), "keep-term", policy)
        assert set(refused.value.codes) == {"too_early", "below_minimum"}

    @pytest.mark.parametrize(
        ("section", "path"),
        [
            ('penalty_facter = "1.3"\n', "loans.servicing.penalty_facter"),
            ("penalty_factor = 1.3\n", "loans.servicing.penalty_factor"),
            ('penalty_factor = "-1"\n', "loans.servicing.penalty_factor"),
            ('day_basis = "30/360"\n', "loans.servicing.day_basis"),
            ("day_basis = 360\n", "loans.servicing.day_basis"),
            ('grace_days = "3"\n', "loans.servicing.grace_days"),
            ("prepay_max_per_year = -1\n", "loans.servicing.prepay_max_per_year"),
            ('prepay_min_amount = "1.005"\n', "loans.servicing.prepay_min_amount"),
            ('allocation = "penalty"\n', "loans.servicing.allocation"),
            ('allocation = ["penalty"]\n', "loans.servicing.allocation"),
            ('split_repricing_period = "yes"\n', "loans.servicing.split_repricing_period"),
            ("source = 3\n", "loans.servicing.source"),
        ],
    )
    def test_a_bad_entry_is_refused_naming_its_key_path(self, section: str, path: str) -> None:
        with pytest.raises(InvalidPolicy) as error:
            self.policy(section)
        assert error.value.field == path

    def test_a_section_that_is_not_a_table_is_refused(self) -> None:
        with pytest.raises(InvalidPolicy) as error:
            parse_servicing_policy(5)
        assert error.value.field == "loans.servicing"

    @pytest.mark.parametrize(
        ("code", "months", "instalments"),
        # the earliest-settlement rule (D-049): Altay one year (the seed's 提前还款 说明),
        # Shanghai one period repaid normally (shanghai.gov.cn), Beijing none found
        [("altay", 12, 0), ("beijing", 0, 0), ("shanghai", 0, 1)],
    )
    def test_the_shipped_centres_state_todays_rules(self, code: str, months: int, instalments: int) -> None:
        expected = ServicingPolicy(settle_min_months=months, settle_min_instalments=instalments)
        assert load_policy(code).loans.servicing == expected


TOML_VALUES = st.recursive(
    st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | st.sampled_from(
        ["1.5", "actual/365", "30/360", "penalty", "daily-rate", "1e5", "-0", "0.0000000000001"]
    )
    | st.dates(),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    table=st.dictionaries(
        st.sampled_from(
            [
                "allocation",
                "penalty_mode",
                "penalty_factor",
                "penalty_daily_rate",
                "grace_days",
                "day_basis",
                "prepay_min_months",
                "prepay_min_amount",
                "prepay_multiple",
                "prepay_max_per_year",
                "split_repricing_period",
                "source",
                "penalty_facter",
            ]
        ),
        TOML_VALUES,
        max_size=5,
    )
)
def test_hostile_servicing_tables_give_a_policy_or_invalid_policy_naming_the_key(
    table: dict[str, object],
) -> None:
    outcome: ServicingPolicy | InvalidPolicy
    try:
        outcome = parse_servicing_policy(table)
    except InvalidPolicy as error:
        outcome = error
    if isinstance(outcome, InvalidPolicy):
        assert outcome.field.startswith("loans.servicing")
        assert outcome.field == "loans.servicing" or outcome.field.removeprefix("loans.servicing.") in table
    else:
        assert outcome.grace_days <= 366
        assert 0 < outcome.penalty_factor <= 10
