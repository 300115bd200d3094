"""The mortgage calculator (quote convention), the loan quota and centre policies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hpf_adapters.policies import available, load_policy, policy_text
from hpf_core.calculators import combined_quote, loan_quota, max_principal_fen, mortgage_quote
from hpf_core.errors import InvalidPolicy, InvalidTerm
from hpf_core.loans import RepaymentMethod, amortize
from hpf_core.policy import LoanPolicy, parse_policy

EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL
D = Decimal

# The seed app's 还款详情 screen (manual §5.1.2): 250,000 yuan, 30 years, 3.25%, 等额本息.
# Columns: 月供本金 principal, 月供利息 interest, 贷款余额 (remaining payable).
SEED_SCREEN = [
    ("410.93", "677.08", "390597.67"),
    ("412.05", "675.97", "389509.66"),
    ("413.16", "674.85", "388421.64"),
    ("414.28", "673.74", "387333.62"),
    ("415.40", "672.61", "386245.61"),
    ("416.53", "671.49", "385157.59"),
    ("417.66", "670.36", "384069.58"),
    ("418.79", "669.23", "382981.56"),
    ("419.92", "668.09", "381893.54"),
]


class TestSeedScreen:
    def test_rows_one_to_nine_equal_the_screen_to_the_fen(self) -> None:
        quote = mortgage_quote(250000, D("0.0325"), 360, EI)
        got = [(r.principal, r.interest, r.remaining_payable) for r in quote.rows[:9]]
        assert got == [(D(a), D(b), D(c)) for a, b, c in SEED_SCREEN]

    def test_totals_equal_the_screen(self) -> None:
        quote = mortgage_quote(250000, D("0.0325"), 360, EI)
        # screen: 总还款 39.17 万, 总利息 14.17 万, 总贷款 25.00 万, 贷款月数 360
        assert (quote.total_payment, quote.total_interest, quote.months) == (
            D("391685.69"),
            D("141685.69"),
            360,
        )

    def test_the_ledger_differs_from_the_screen_by_rounding_only(self) -> None:
        ledger = amortize(250000, D("0.0325"), 360, EI)[0]
        # ledger: 1,088.02 - 677.08 = 410.94; the screen shows 410.93 (1,088.0158 - 677.0833)
        assert (ledger.principal, ledger.interest) == (D("410.94"), D("677.08"))


class TestDomainVectors:
    def test_tv3_equal_installment(self) -> None:
        quote = mortgage_quote(400000, D("0.045"), 360, EI)
        assert (quote.monthly_payment, quote.total_payment, quote.total_interest) == (
            D("2026.74"),
            D("729626.85"),
            D("329626.85"),
        )
        assert quote.monthly_decrease == 0

    def test_tv4_equal_principal(self) -> None:
        quote = mortgage_quote(150000, D("0.045"), 240, EP)
        assert (quote.monthly_payment, quote.monthly_decrease, quote.last_payment, quote.total_interest) == (
            D("1187.50"),
            D("2.34"),
            D("627.34"),
            D("67781.25"),
        )

    def test_equal_principal_remaining_payable_is_the_sum_of_later_payments(self) -> None:
        quote = mortgage_quote(1200, D("0.12"), 3, EP)
        # parts 400; interest 12.00, 8.00, 4.00 -> payments 412, 408, 404
        assert [r.payment for r in quote.rows] == [D("412.00"), D("408.00"), D("404.00")]
        assert [r.remaining_payable for r in quote.rows] == [D("812.00"), D("404.00"), D("0.00")]


class TestCombined:
    def test_the_merge_adds_the_parts_row_by_row_at_full_precision(self) -> None:
        combined = combined_quote(400000, "0.026", 300000, "0.035", 360, EI)
        hpf = mortgage_quote(400000, "0.026", 360, EI)
        commercial = mortgage_quote(300000, "0.035", 360, EI)
        assert combined.hpf == hpf
        assert combined.commercial == commercial
        for merged, h, c in zip(combined.rows, hpf.rows, commercial.rows, strict=True):
            for field in ("payment", "principal", "interest", "balance", "remaining_payable"):
                total = getattr(h, field) + getattr(c, field)
                assert abs(getattr(merged, field) - total) <= D("0.01")
        # exact totals 176,489.1846... + 184,968.2628... = 361,457.4474... (worked with
        # plain Decimal at 50 digits from M = P r (1+r)^n / ((1+r)^n - 1)), rounded once
        assert combined.total_interest == D("361457.45")

    def test_both_parts_must_be_positive(self) -> None:
        from hpf_core.errors import InvalidAmount

        with pytest.raises(InvalidAmount, match="commercial_principal"):
            combined_quote(400000, "0.026", 0, "0.035", 360, EI)


class TestLoanQuota:
    POLICY = LoanPolicy(360, D(15), D("0.5"), D("0.8"), D("0.6"), D(600000), D(400000), D(1000))

    def test_the_least_limit_binds_and_every_limit_is_shown(self) -> None:
        quota = loan_quota(
            balance=50000,
            monthly_income=8000,
            price=500000,
            months=300,
            annual_rate="0.026",
            policy=self.POLICY,
        )
        limits = dict(quota.limits)
        assert limits["balance"] == D("750000.00")
        assert limits["price"] == D("400000.00")
        assert limits["cap"] == D("600000.00")
        assert quota.binding == "price"
        assert quota.amount == D("400000.00")

    def test_capacity_is_the_largest_loan_whose_instalment_fits(self) -> None:
        quota = loan_quota(
            balance=100000,
            monthly_income=4000,
            price=2000000,
            months=360,
            annual_rate="0.031",
            policy=self.POLICY,
        )
        capacity = dict(quota.limits)["capacity"]
        # 2,000.00 a month may go to the loan; the largest principal whose payment fits:
        assert amortize(capacity, "0.031", 360, EI).payment <= D("2000.00")
        assert amortize(capacity + D("0.01"), "0.031", 360, EI).payment > D("2000.00")
        assert quota.binding == "capacity"
        assert quota.amount == (capacity // 1000) * 1000

    def test_max_principal_handles_a_zero_rate(self) -> None:
        # at 0% over 10 months, payment round(P/10) <= 100.00 while P < 1000.05 -> 1000.04
        assert max_principal_fen(10000, 0, 12, 10) == 100004

    def test_a_term_beyond_the_centre_cap_is_refused(self) -> None:
        with pytest.raises(InvalidTerm, match="months"):
            loan_quota(
                balance=1, monthly_income=1, price=1, months=420, annual_rate="0.03", policy=self.POLICY
            )

    def test_existing_debt_reduces_capacity_to_zero(self) -> None:
        quota = loan_quota(
            balance=100000,
            monthly_income=4000,
            price=2000000,
            months=360,
            annual_rate="0.031",
            policy=self.POLICY,
            existing_monthly_debt=2000,
        )
        assert (quota.amount, quota.binding) == (D("0.00"), "capacity")


class TestShippedPolicies:
    def test_both_centres_load(self) -> None:
        assert available() == ("altay", "beijing", "shanghai")
        assert load_policy("altay").name == "阿勒泰地区住房公积金管理中心"
        assert load_policy("beijing").loans.cap_first == D("1200000.00")

    @pytest.mark.parametrize("code", ["altay", "beijing", "shanghai"])
    def test_every_number_carries_a_source_or_the_example_mark(self, code: str) -> None:
        for line in policy_text(code).splitlines():
            stripped = line.strip()
            if "=" in stripped and not stripped.startswith(("#", "[")):
                key, _, rest = stripped.partition("=")
                if key.strip() in ("code", "name", "source"):
                    continue
                assert "# source:" in rest or "# EXAMPLE" in rest, f"{code}: {stripped}"

    def test_a_missing_key_is_named(self) -> None:
        text = policy_text("altay").replace('cap_first = "600000"', "")
        with pytest.raises(InvalidPolicy, match=r"loans\.cap_first"):
            parse_policy(text)

    def test_a_float_is_refused(self) -> None:
        text = policy_text("altay").replace('ltv_first = "0.8"', "ltv_first = 0.8")
        with pytest.raises(InvalidPolicy, match=r"loans\.ltv_first"):
            parse_policy(text)

    def test_malformed_toml_is_an_invalid_policy(self) -> None:
        with pytest.raises(InvalidPolicy, match="TOML"):
            parse_policy("[center")


class TestContributionPolicies:
    def test_shanghai_reproduces_tv9_through_its_policy(self) -> None:
        from hpf_core.accounts import contribution_for

        policy = load_policy("shanghai").contributions
        assert policy is not None
        top = contribution_for(policy, base=50000, employee_ratio="0.07", employer_ratio="0.07")
        # base clamped to the FY2025 ceiling 37,302: 37,302 x 7% = 2,611.14 -> 2,611 per side
        assert (top.base_used, top.clamped, top.total) == (D("37302.00"), "ceiling", D("5222.00"))
        low = contribution_for(policy, base=2000, employee_ratio="0.07", employer_ratio="0.07")
        # floor 2,690 x 7% = 188.30 -> 188 per side
        assert (low.base_used, low.total) == (D("2690.00"), D("376.00"))

    def test_a_policy_without_contributions_has_none(self) -> None:
        assert load_policy("beijing").contributions is None


class TestInterestPolicies:
    def test_the_day_basis_comes_from_the_policy(self) -> None:
        from hpf_core.accounts import DayBasis

        altay = load_policy("altay").interest
        assert altay is not None
        assert altay.day_basis is DayBasis.ACTUAL_360  # derived from the seed screen (D-017)
        assert load_policy("beijing").interest is None

    def test_an_unknown_basis_is_named(self) -> None:
        text = policy_text("altay").replace(
            '[interest]\nday_basis = "actual/360"', '[interest]\nday_basis = "actual/364"'
        )
        with pytest.raises(InvalidPolicy, match=r"^interest\.day_basis"):
            parse_policy(text)

    def test_an_unknown_loan_servicing_basis_is_named(self) -> None:
        text = (
            policy_text("altay")
            .replace("[loans.servicing]\n", '[loans.servicing]\nday_basis = "actual/364"\n')
            .replace('day_basis = "actual/360"     # source: PBOC', "# was: PBOC")
        )
        with pytest.raises(InvalidPolicy, match=r"^loans\.servicing\.day_basis"):
            parse_policy(text)
