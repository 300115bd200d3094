"""Properties of ``assess`` over generated accounts, facts, days and both shipped centres.

Money is generated as integer fen (never floats)."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from decimal import Decimal

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpf_adapters.policies import policy_text
from hpf_core.accounts import (
    AccountState,
    AccountStatus,
    DepositAccount,
    FreezeFlag,
    available_to_debit,
    interest_year,
)
from hpf_core.policy import InterestPolicy, parse_policy
from hpf_core.testing import amounts, sample_account
from hpf_core.withdrawals import (
    Assessment,
    PastWithdrawal,
    WithdrawalFacts,
    WithdrawalKind,
    WithdrawalPolicy,
    assess,
    parse_withdrawal_policy,
)

PROPS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
ZERO = Decimal("0.00")


@attrs.frozen
class Centre:
    withdrawals: WithdrawalPolicy | None
    interest: InterestPolicy | None


def centre(code: str) -> Centre:
    text = policy_text(code)
    return Centre(parse_withdrawal_policy(tomllib.loads(text)["withdrawals"]), parse_policy(text).interest)


CENTRES = [centre("altay"), centre("shanghai")]


def assess_in(
    kind: WithdrawalKind, account: DepositAccount, facts: WithdrawalFacts, centre_: Centre, on: date
) -> Assessment:
    """``assess`` under a centre's withdrawal rules and its ``[interest]`` day basis."""
    basis = centre_.interest.day_basis if centre_.interest is not None else None
    return assess(kind, account, facts, centre_.withdrawals, on, day_basis=basis)


days = st.dates(date(2017, 1, 1), date(2030, 12, 31))
maybe_money = st.none() | amounts(Decimal("0.00"), Decimal("2000000.00"))
maybe_count = st.none() | st.integers(0, 120)


def maybe_days(on: date) -> st.SearchStrategy[date | None]:
    """Mostly a day on or before ``on`` (a fact shown), sometimes none or any day."""
    before = st.dates(on - timedelta(days=800), on)
    return st.one_of(st.none(), before, before, before, days)


@st.composite
def states(draw: st.DrawFn) -> AccountState:
    # normal and sealed accounts often, so that eligible cases are common
    status = draw(st.sampled_from([AccountStatus.NORMAL, AccountStatus.SEALED] * 3 + list(AccountStatus)))
    if status is not AccountStatus.FROZEN:
        return AccountState(status)
    flag = draw(st.sampled_from([FreezeFlag.CREDITS_ONLY, FreezeFlag.NO_MOVEMENT, FreezeFlag.PARTIAL]))
    frozen = draw(amounts(Decimal("0.01"), Decimal("100000.00"))) if flag is FreezeFlag.PARTIAL else ZERO
    before = draw(st.sampled_from([AccountStatus.NORMAL, AccountStatus.SEALED]))
    return AccountState(status, flag, frozen, before)


@st.composite
def cases(draw: st.DrawFn) -> tuple[WithdrawalKind, DepositAccount, WithdrawalFacts, Centre, date]:
    kind = draw(st.sampled_from(WithdrawalKind))
    on = draw(days)
    balance = draw(amounts(Decimal("0.00"), Decimal("5000000.00")))
    account = sample_account(str(balance), draw(states()))
    first, _ = interest_year(on)
    postings: tuple[tuple[date, Decimal], ...] = ()
    if on > first and balance > 0 and draw(st.booleans()):
        # one deposit since 1 July, at most the balance, dated before the closing day
        span = (on - first).days - 1
        posted = first + timedelta(days=draw(st.integers(0, span)))
        postings = ((posted, draw(amounts(Decimal("0.01"), balance))),)
    previous = draw(
        st.lists(
            st.builds(
                PastWithdrawal,
                kind=st.sampled_from(WithdrawalKind),
                on=st.dates(date(2016, 1, 1), on),
                amount=amounts(Decimal("0.01"), Decimal("100000.00")),
            ),
            max_size=2,
        )
    )
    facts = WithdrawalFacts(
        retired_on=draw(maybe_days(on)),
        employment_ended_on=draw(maybe_days(on)),
        sealed_since=draw(maybe_days(on)),
        local_hukou=draw(st.none() | st.booleans()),
        contributing_elsewhere=draw(st.booleans()),
        incapacity_certified_on=draw(maybe_days(on)),
        emigrated_on=draw(maybe_days(on)),
        died_on=draw(maybe_days(on)),
        has_outstanding_hpf_loan=draw(st.booleans()),
        loan_owed=draw(maybe_money),
        instalments_repaid=draw(maybe_count),
        owns_home=draw(st.booleans()),
        purchase_price=draw(maybe_money),
        purchased_on=draw(maybe_days(on)),
        continuous_months=draw(maybe_count),
        monthly_rent=draw(st.none() | amounts(Decimal("0.00"), Decimal("50000.00"))),
        rent_months=draw(st.none() | st.integers(0, 24)),
        household_monthly_income=draw(st.none() | amounts(Decimal("0.00"), Decimal("100000.00"))),
        lease_registered=draw(st.booleans()),
        property_fee_billed=draw(maybe_money),
        medical_self_paid=draw(maybe_money),
        previous=tuple(previous),
        interest_postings=postings,
    )
    return kind, account, facts, draw(st.sampled_from(CENTRES)), on


@st.composite
def leaning(draw: st.DrawFn) -> tuple[WithdrawalKind, DepositAccount, WithdrawalFacts, Centre, date]:
    """Cases built to meet every kind's conditions (random amounts and dates), so that the
    eligible branch is well exercised; the balance, and so the amount, stays random."""
    kind = draw(st.sampled_from(WithdrawalKind))
    on = draw(days)
    shown = st.dates(on - timedelta(days=3000), on)
    money = amounts(Decimal("0.01"), Decimal("2000000.00"))
    ended = draw(st.dates(on - timedelta(days=3000), on - timedelta(days=190)))
    facts = WithdrawalFacts(
        retired_on=draw(shown),
        employment_ended_on=ended,
        sealed_since=ended,
        local_hukou=False,
        incapacity_certified_on=draw(shown),
        emigrated_on=draw(shown),
        died_on=draw(shown),
        loan_owed=draw(money),
        instalments_repaid=draw(st.integers(1, 360)),
        owns_home=kind is not WithdrawalKind.RENT,
        purchase_price=draw(money),
        purchased_on=draw(st.dates(on - timedelta(days=360), on)),
        continuous_months=draw(st.integers(3, 360)),
        monthly_rent=draw(amounts(Decimal("2000.00"), Decimal("50000.00"))),
        rent_months=draw(st.integers(1, 12)),
        household_monthly_income=draw(amounts(Decimal("0.00"), Decimal("9999.99"))),
        lease_registered=True,
        property_fee_billed=draw(st.none() | money),
        medical_self_paid=draw(amounts(Decimal("30000.01"), Decimal("2000000.00"))),
    )
    state = AccountState(
        AccountStatus.SEALED if kind is WithdrawalKind.LABOR_TERMINATION else AccountStatus.NORMAL
    )
    balance = draw(amounts(Decimal("0.00"), Decimal("5000000.00")))
    return kind, sample_account(str(balance), state), facts, draw(st.sampled_from(CENTRES)), on


any_case = st.one_of(cases(), leaning())


class TestAssessProperties:
    @PROPS
    @given(any_case)
    def test_eligible_exactly_when_there_is_no_violation(
        self, case: tuple[WithdrawalKind, DepositAccount, WithdrawalFacts, Centre, date]
    ) -> None:
        a = assess_in(*case)
        assert a.eligible is (a.violations == ())
        if not a.eligible:
            assert a.violations
            assert (a.max_amount, a.closing_interest) == (ZERO, ZERO)

    @PROPS
    @given(any_case)
    def test_the_amount_is_never_negative_nor_above_what_the_account_may_pay(
        self, case: tuple[WithdrawalKind, DepositAccount, WithdrawalFacts, Centre, date]
    ) -> None:
        kind, account, _, policy, _ = case
        a = assess_in(*case)
        assert a.max_amount >= 0
        assert a.closing_interest >= 0
        assert a.max_amount == a.max_amount.quantize(Decimal("0.01"))
        if kind.closes_account:
            assert a.closes_account
            if a.eligible:
                assert a.max_amount == account.balance + a.closing_interest
        else:
            rules = policy.withdrawals
            assert rules is not None
            assert a.closing_interest == ZERO
            assert a.max_amount <= available_to_debit(account.state, account.balance)
            assert a.max_amount <= max(
                available_to_debit(account.state, account.balance) - rules.reserve, ZERO
            )
            assert a.max_amount % rules.amount_unit == 0
            if a.eligible:
                assert a.max_amount > 0

    @PROPS
    @given(any_case)
    def test_documents_are_the_centres_for_the_kind(
        self, case: tuple[WithdrawalKind, DepositAccount, WithdrawalFacts, Centre, date]
    ) -> None:
        kind, _, _, policy, _ = case
        rules = policy.withdrawals
        assert rules is not None
        assert assess_in(*case).documents == rules.rule(kind).documents

    @PROPS
    @given(any_case)
    def test_the_same_inputs_give_the_same_assessment(
        self, case: tuple[WithdrawalKind, DepositAccount, WithdrawalFacts, Centre, date]
    ) -> None:
        assert assess_in(*case) == assess_in(*case)

    @PROPS
    @given(any_case, amounts(Decimal("0.01"), Decimal("100000.00")))
    def test_more_money_never_lowers_a_partial_amount(
        self, case: tuple[WithdrawalKind, DepositAccount, WithdrawalFacts, Centre, date], extra: Decimal
    ) -> None:
        kind, account, facts, policy, on = case
        if kind.closes_account:
            return
        richer = attrs.evolve(account, balance=account.balance + extra)
        before, after = (
            assess_in(kind, account, facts, policy, on),
            assess_in(kind, richer, facts, policy, on),
        )
        if before.eligible:
            assert after.eligible
            assert after.max_amount >= before.max_amount
