"""``assess``: eligibility, every reason refused, and 可提取金额, for the ten kinds under both
shipped policies (阿勒泰, the seed's centre, and 上海), plus the seed's four screens.

Expected amounts are worked by hand in the comments. The generic day is 2025-09-15: the
interest year 2025 began on 2025-07-01, so a closing on 2025-09-15 counts 1 July to
14 September = 31 + 31 + 14 = 76 days. The deposit rate is 1.5% (since 2016-02-21) and
both shipped centres count actual days / 360 (altay.toml, shanghai.toml ``[interest]``).
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest

from hpf_adapters.policies import policy_text
from hpf_core.accounts import NORMAL, AccountState, AccountStatus, DayBasis, DepositAccount, FreezeFlag
from hpf_core.dates import add_months
from hpf_core.errors import InputTypeError, InvalidAmount, InvalidChoice, InvalidPolicy
from hpf_core.policy import InterestPolicy, parse_policy
from hpf_core.testing import sample_account
from hpf_core.withdrawals import (
    Assessment,
    DocumentRequirement,
    PastWithdrawal,
    WithdrawalFacts,
    WithdrawalKind,
    WithdrawalPolicy,
    assess,
    parse_withdrawal_policy,
)

D = Decimal
K = WithdrawalKind
ON = date(2025, 9, 15)
BALANCE = "50000.00"
ALTAY, SHANGHAI = "altay", "shanghai"
BOTH = frozenset({ALTAY, SHANGHAI})
SH = frozenset({SHANGHAI})
CLOSING = [k for k in K if k.closes_account]
PARTIAL = [k for k in K if not k.closes_account]


@attrs.frozen
class Centre:
    """The two sections of a centre policy ``assess`` takes (``withdrawals`` and the
    ``interest`` day basis). Built from the shipped file's sections."""

    withdrawals: WithdrawalPolicy | None
    interest: InterestPolicy | None


def assess_in(
    kind: WithdrawalKind | str,
    account_: DepositAccount,
    facts: WithdrawalFacts,
    centre_: Centre | WithdrawalPolicy,
    on: date,
) -> Assessment:
    """``assess`` under a centre's withdrawal rules and day basis, or under bare rules."""
    if isinstance(centre_, WithdrawalPolicy):
        return assess(kind, account_, facts, centre_, on)
    basis = centre_.interest.day_basis if centre_.interest is not None else None
    return assess(kind, account_, facts, centre_.withdrawals, on, day_basis=basis)


def centre(code: str) -> Centre:
    text = policy_text(code)
    data = tomllib.loads(text)
    withdrawals = parse_withdrawal_policy(data["withdrawals"]) if "withdrawals" in data else None
    return Centre(withdrawals, parse_policy(text).interest)


CENTRES = {code: centre(code) for code in (ALTAY, SHANGHAI)}


def rules(code: str) -> WithdrawalPolicy:
    policy = CENTRES[code].withdrawals
    assert policy is not None
    return policy


def with_rule(code: str, kind: WithdrawalKind, **changes: Any) -> Centre:
    """The shipped centre with one kind's rule changed."""
    policy = rules(code)
    rule = attrs.evolve(policy.rule(kind), **changes)
    others = tuple((k, r) for k, r in policy.rules if k is not kind)
    return attrs.evolve(CENTRES[code], withdrawals=attrs.evolve(policy, rules=(*others, (kind, rule))))


SEALED = AccountState(AccountStatus.SEALED)
CLOSED = AccountState(AccountStatus.CLOSED_WITHDRAWN)


def frozen(
    before: AccountState, flag: FreezeFlag = FreezeFlag.CREDITS_ONLY, amount: str = "0.00"
) -> AccountState:
    return AccountState(AccountStatus.FROZEN, flag, D(amount), before.status)


def account(balance: str = BALANCE, state: AccountState = NORMAL) -> DepositAccount:
    return sample_account(balance, state)


# Facts that make each kind eligible under both shipped policies on ON, and the state the
# account needs (终止劳动关系提取 needs a sealed account).
BASE: dict[WithdrawalKind, tuple[AccountState, WithdrawalFacts]] = {
    K.RETIREMENT: (NORMAL, WithdrawalFacts(retired_on=date(2025, 6, 30))),
    K.LABOR_TERMINATION: (
        SEALED,
        # sealed 2025-01-10: six months are reached on 2025-07-10, before ON
        WithdrawalFacts(
            employment_ended_on=date(2024, 12, 31), sealed_since=date(2025, 1, 10), local_hukou=False
        ),
    ),
    K.RENT: (
        NORMAL,
        WithdrawalFacts(
            monthly_rent="3000",
            rent_months=3,
            household_monthly_income="8000",
            continuous_months=12,
            lease_registered=True,
        ),
    ),
    K.PROPERTY_FEE: (NORMAL, WithdrawalFacts(owns_home=True)),
    K.LOAN_REPAYMENT: (NORMAL, WithdrawalFacts(loan_owed="20000", instalments_repaid=12)),
    K.HOME_PURCHASE: (NORMAL, WithdrawalFacts(purchase_price="900000", purchased_on=date(2025, 6, 1))),
    K.EMIGRATION: (NORMAL, WithdrawalFacts(emigrated_on=date(2025, 8, 1))),
    K.DEATH: (NORMAL, WithdrawalFacts(died_on=date(2025, 8, 1))),
    K.INCAPACITY: (
        NORMAL,
        WithdrawalFacts(incapacity_certified_on=date(2025, 7, 1), employment_ended_on=date(2025, 7, 31)),
    ),
    K.SERIOUS_ILLNESS: (NORMAL, WithdrawalFacts(medical_self_paid="45000")),
}

# 50,000.00 held from 2025-07-01, closed on ON: 50,000 x 76 = 3,800,000 yuan-days;
# x 0.015 / 360 = 158.333... -> 158.33; 提取金额合计 50,158.33.
CLOSING_INTEREST = D("158.33")

# 可提取金额 of each kind on the base facts, balance 50,000.00 (altay: reserve 10, unit 10;
# shanghai: reserve 0, unit 0.01).
BASE_AMOUNT: dict[WithdrawalKind, dict[str, Decimal]] = {
    **{k: {ALTAY: D("50158.33"), SHANGHAI: D("50158.33")} for k in CLOSING},
    # altay: 3 months x min(3,000 rent, 1,000 cap) = 3,000 < 50,000 - 10
    # shanghai: 3 x min(3,000 - 20% x 8,000 = 1,400, 2,000) = 4,200
    K.RENT: {ALTAY: D("3000.00"), SHANGHAI: D("4200.00")},
    # the yearly cap 3,000 in both (altay: from the seed screen; shanghai: EXAMPLE)
    K.PROPERTY_FEE: {ALTAY: D("3000.00"), SHANGHAI: D("3000.00")},
    # the 20,000 owed is below the balance
    K.LOAN_REPAYMENT: {ALTAY: D("20000.00"), SHANGHAI: D("20000.00")},
    # price 900,000 is above the balance: altay 50,000 - 10 = 49,990 (a multiple of 10); shanghai 50,000
    K.HOME_PURCHASE: {ALTAY: D("49990.00"), SHANGHAI: D("50000.00")},
    # the self-paid 45,000 is below the balance
    K.SERIOUS_ILLNESS: {ALTAY: D("45000.00"), SHANGHAI: D("45000.00")},
}


def run(
    kind: WithdrawalKind,
    code: str,
    *,
    balance: str = BALANCE,
    state: AccountState | None = None,
    on: date = ON,
    centre_: Centre | WithdrawalPolicy | None = None,
    **changes: Any,
) -> Assessment:
    base_state, base_facts = BASE[kind]
    facts = attrs.evolve(base_facts, **changes)
    policy = centre_ if centre_ is not None else CENTRES[code]
    return assess_in(kind, account(balance, state or base_state), facts, policy, on)


def codes(a: Assessment) -> list[str]:
    return [v.code for v in a.violations]


both_centres = pytest.mark.parametrize("code", [ALTAY, SHANGHAI])
every_kind = pytest.mark.parametrize("kind", list(K), ids=lambda k: k.value)


# --------------------------------------------------------------------------- eligible


@both_centres
@every_kind
class TestAnEligibleMember:
    def test_is_eligible_with_no_violation(self, kind: WithdrawalKind, code: str) -> None:
        a = run(kind, code)
        assert (a.eligible, a.violations) == (True, ())

    def test_may_take_the_worked_amount(self, kind: WithdrawalKind, code: str) -> None:
        assert run(kind, code).max_amount == BASE_AMOUNT[kind][code]

    def test_closing_kinds_close_the_account_with_closing_interest(
        self, kind: WithdrawalKind, code: str
    ) -> None:
        a = run(kind, code)
        assert a.closes_account is kind.closes_account
        assert a.closing_interest == (CLOSING_INTEREST if kind.closes_account else D("0.00"))

    def test_gets_the_centres_documents_for_the_kind(self, kind: WithdrawalKind, code: str) -> None:
        assert run(kind, code).documents == rules(code).rule(kind).documents != ()

    def test_the_kind_may_be_given_by_its_value(self, kind: WithdrawalKind, code: str) -> None:
        base_state, facts = BASE[kind]
        assert assess_in(kind.value, account(state=base_state), facts, CENTRES[code], ON) == run(kind, code)


# --------------------------------------------------------------------------- refused: shared rules


@both_centres
@every_kind
class TestRulesSharedByEveryKind:
    def test_a_kind_the_centre_does_not_open_is_refused(self, kind: WithdrawalKind, code: str) -> None:
        policy = rules(code)
        closed = attrs.evolve(
            CENTRES[code], withdrawals=attrs.evolve(policy, open_kinds=policy.open_kinds - {kind})
        )
        a = run(kind, code, centre_=closed)
        assert (a.eligible, codes(a), a.max_amount) == (False, ["kind_not_open"], D("0.00"))

    def test_a_closed_account_is_refused(self, kind: WithdrawalKind, code: str) -> None:
        a = run(kind, code, state=CLOSED)
        assert (codes(a), a.max_amount, a.closing_interest) == (["account_closed"], D("0.00"), D("0.00"))

    def test_an_account_status_99_is_refused(self, kind: WithdrawalKind, code: str) -> None:
        assert codes(run(kind, code, state=AccountState(AccountStatus.OTHER))) == ["account_other_status"]

    @pytest.mark.parametrize("flag", [FreezeFlag.CREDITS_ONLY, FreezeFlag.NO_MOVEMENT])
    def test_a_frozen_account_is_refused(self, kind: WithdrawalKind, code: str, flag: FreezeFlag) -> None:
        state = frozen(BASE[kind][0], flag)
        assert codes(run(kind, code, state=state)) == ["account_frozen"]

    def test_every_violation_is_reported_not_only_the_first(self, kind: WithdrawalKind, code: str) -> None:
        policy = rules(code)
        closed = attrs.evolve(CENTRES[code], withdrawals=attrs.evolve(policy, open_kinds=frozenset()))
        a = run(kind, code, state=frozen(BASE[kind][0]), centre_=closed)
        assert codes(a)[:2] == ["kind_not_open", "account_frozen"]

    def test_a_centre_without_withdrawal_rules_refuses_every_kind(
        self, kind: WithdrawalKind, code: str
    ) -> None:
        a = run(kind, code, centre_=Centre(None, CENTRES[code].interest))
        assert (codes(a), a.documents) == (["no_withdrawal_policy"], ())


@both_centres
@pytest.mark.parametrize("kind", CLOSING, ids=lambda k: k.value)
class TestClosingWithdrawals:
    def test_a_partly_frozen_account_cannot_close(self, kind: WithdrawalKind, code: str) -> None:
        state = frozen(BASE[kind][0], FreezeFlag.PARTIAL, "300.00")
        assert codes(run(kind, code, state=state)) == ["account_frozen"]

    def test_an_outstanding_hpf_loan_blocks_closing_only_in_shanghai(
        self, kind: WithdrawalKind, code: str
    ) -> None:
        a = run(kind, code, has_outstanding_hpf_loan=True)
        assert codes(a) == (["hpf_loan_outstanding"] if code == SHANGHAI else [])

    def test_the_shanghai_block_starts_on_2016_12_08(self, kind: WithdrawalKind, code: str) -> None:
        shifted = {k: v for k, v in attrs.asdict(BASE[kind][1], recurse=False).items() if v is not None}
        for name, value in shifted.items():
            if isinstance(value, date):
                shifted[name] = date(2016, 11, 1)  # every fact dated before both days
        base_state, _ = BASE[kind]
        facts = WithdrawalFacts(**{**shifted, "has_outstanding_hpf_loan": True})
        if kind is K.LABOR_TERMINATION:
            facts = attrs.evolve(facts, sealed_since=date(2016, 5, 1))
        before = assess_in(kind, account(state=base_state), facts, CENTRES[code], date(2016, 12, 7))
        after = assess_in(kind, account(state=base_state), facts, CENTRES[code], date(2016, 12, 8))
        assert codes(before) == []
        assert codes(after) == (["hpf_loan_outstanding"] if code == SHANGHAI else [])


@both_centres
@pytest.mark.parametrize("kind", PARTIAL, ids=lambda k: k.value)
class TestPartialWithdrawals:
    def test_nothing_left_above_the_reserve_is_refused(self, kind: WithdrawalKind, code: str) -> None:
        # altay keeps 10.00; shanghai keeps 0: a balance of 10.00 / 0.00 leaves 0 to take
        balance = "10.00" if code == ALTAY else "0.00"
        a = run(kind, code, balance=balance)
        assert (codes(a), a.max_amount) == (["nothing_to_withdraw"], D("0.00"))

    def test_a_partly_frozen_account_pays_from_what_is_not_frozen(
        self, kind: WithdrawalKind, code: str
    ) -> None:
        # 3,200.00 with 300.00 frozen: 2,900 free; altay keeps 10 -> 2,890 (a multiple of 10).
        # Every kind's own cap is at least 3,000 here, so the free balance binds.
        state = frozen(NORMAL, FreezeFlag.PARTIAL, "300.00")
        a = run(kind, code, balance="3200.00", state=state)
        if code == SHANGHAI and kind is K.LOAN_REPAYMENT:  # [S31]: no freeze of any kind
            assert codes(a) == ["account_frozen"]
        else:
            assert (codes(a), a.max_amount) == ([], D("2890.00") if code == ALTAY else D("2900.00"))


@both_centres
@pytest.mark.parametrize(
    ("kind", "months"),
    [(K.RENT, 3), (K.PROPERTY_FEE, 12), (K.LOAN_REPAYMENT, 12), (K.SERIOUS_ILLNESS, 12)],
    ids=lambda v: getattr(v, "value", str(v)),
)
class TestFrequencyLimits:
    def test_a_second_withdrawal_too_soon_is_refused(
        self, kind: WithdrawalKind, code: str, months: int
    ) -> None:
        assert rules(code).rule(kind).frequency_months == months
        # the last one was a day less than `months` months before ON (2024-09-16 or 2025-06-16)
        last = add_months(ON, -months) + timedelta(days=1)
        a = run(kind, code, previous=(PastWithdrawal(kind=kind, on=last, amount="100"),))
        assert codes(a) == ["too_soon"]

    def test_the_limit_counts_only_withdrawals_of_the_same_kind(
        self, kind: WithdrawalKind, code: str, months: int
    ) -> None:
        other = K.HOME_PURCHASE if kind is not K.HOME_PURCHASE else K.RENT
        a = run(kind, code, previous=(PastWithdrawal(kind=other, on=date(2025, 9, 1), amount="100"),))
        assert codes(a) == []

    def test_a_withdrawal_exactly_the_period_later_is_allowed(
        self, kind: WithdrawalKind, code: str, months: int
    ) -> None:
        last = add_months(ON, -months)  # 2024-09-15 or 2025-06-15
        assert codes(run(kind, code, previous=(PastWithdrawal(kind=kind, on=last, amount="100"),))) == []


# --------------------------------------------------------------------------- refused: each kind's own rules

# (kind, facts changed from BASE, account state or None, expected codes, centres where the
# condition exists). Under a centre without the condition, the same facts stay eligible.
REASONS: list[tuple[WithdrawalKind, dict[str, Any], AccountState | None, list[str], frozenset[str]]] = [
    (K.RETIREMENT, {"retired_on": None}, None, ["not_retired"], BOTH),
    (K.RETIREMENT, {"retired_on": date(2025, 9, 16)}, None, ["not_retired"], BOTH),  # retires the next day
    (K.LABOR_TERMINATION, {"employment_ended_on": None}, None, ["employment_not_ended"], BOTH),
    (K.LABOR_TERMINATION, {"employment_ended_on": date(2025, 9, 16)}, None, ["employment_not_ended"], BOTH),
    (K.LABOR_TERMINATION, {}, NORMAL, ["account_not_sealed"], BOTH),
    # sealed 2025-03-16: six months are reached on 2025-09-16, a day after ON
    (K.LABOR_TERMINATION, {"sealed_since": date(2025, 3, 16)}, None, ["sealed_too_short"], BOTH),
    (K.LABOR_TERMINATION, {"sealed_since": None}, None, ["sealed_too_short"], BOTH),
    (K.LABOR_TERMINATION, {"local_hukou": True}, None, ["local_hukou"], SH),
    (K.LABOR_TERMINATION, {"local_hukou": None}, None, ["local_hukou"], SH),
    (K.LABOR_TERMINATION, {"contributing_elsewhere": True}, None, ["contributing_elsewhere"], BOTH),
    (K.RENT, {"owns_home": True}, None, ["owns_home"], BOTH),
    (K.RENT, {"continuous_months": 2}, None, ["contribution_too_short"], BOTH),
    (K.RENT, {"continuous_months": None}, None, ["contribution_too_short"], BOTH),
    (K.RENT, {"has_outstanding_hpf_loan": True}, None, ["hpf_loan_outstanding"], SH),
    (K.RENT, {"lease_registered": False}, None, ["lease_not_registered"], SH),
    (K.RENT, {"monthly_rent": None}, None, ["rent_not_shown"], BOTH),
    (K.RENT, {"rent_months": None}, None, ["rent_not_shown"], BOTH),
    (K.RENT, {"household_monthly_income": None}, None, ["income_not_shown"], SH),
    # 20% of 15,000 = 3,000: a rent of 3,000 does not exceed it, so nothing is drawable
    (
        K.RENT,
        {"household_monthly_income": "15000"},
        None,
        ["rent_within_income_share", "nothing_to_withdraw"],
        SH,
    ),
    (K.PROPERTY_FEE, {"owns_home": False}, None, ["no_home"], BOTH),
    (K.LOAN_REPAYMENT, {"loan_owed": None}, None, ["no_loan"], BOTH),
    (K.LOAN_REPAYMENT, {"loan_owed": "0"}, None, ["no_loan", "nothing_to_withdraw"], BOTH),
    (K.LOAN_REPAYMENT, {"instalments_repaid": 0}, None, ["no_instalment_repaid"], SH),
    (K.LOAN_REPAYMENT, {}, SEALED, ["account_sealed"], SH),
    (K.HOME_PURCHASE, {"purchase_price": None}, None, ["purchase_not_shown"], BOTH),
    (K.HOME_PURCHASE, {"purchased_on": None}, None, ["purchase_not_shown"], BOTH),
    (K.HOME_PURCHASE, {"purchased_on": date(2025, 9, 16)}, None, ["purchase_not_shown"], BOTH),
    # bought 2024-09-14: twelve months end on 2025-09-14, the day before ON
    (K.HOME_PURCHASE, {"purchased_on": date(2024, 9, 14)}, None, ["purchase_too_old"], BOTH),
    (K.HOME_PURCHASE, {"has_outstanding_hpf_loan": True}, None, ["hpf_loan_outstanding"], SH),
    (K.EMIGRATION, {"emigrated_on": None}, None, ["not_emigrated"], BOTH),
    (K.EMIGRATION, {"emigrated_on": date(2025, 10, 1)}, None, ["not_emigrated"], BOTH),
    (K.DEATH, {"died_on": None}, None, ["no_death_record"], BOTH),
    (K.DEATH, {"died_on": date(2025, 10, 1)}, None, ["no_death_record"], BOTH),
    (K.INCAPACITY, {"incapacity_certified_on": None}, None, ["not_incapacitated"], BOTH),
    (K.INCAPACITY, {"employment_ended_on": None}, None, ["employment_not_ended"], BOTH),
    (
        K.INCAPACITY,
        {"incapacity_certified_on": None, "employment_ended_on": None},
        None,
        ["not_incapacitated", "employment_not_ended"],
        BOTH,
    ),
    (K.SERIOUS_ILLNESS, {"medical_self_paid": None}, None, ["cost_not_shown"], BOTH),
    # 30,000 does not exceed the 30,000 threshold
    (K.SERIOUS_ILLNESS, {"medical_self_paid": "30000"}, None, ["below_threshold"], BOTH),
]


def _reason_id(
    row: tuple[WithdrawalKind, dict[str, Any], AccountState | None, list[str], frozenset[str]],
) -> str:
    kind, changes, state, expected, _ = row
    what = ",".join(f"{k}={v}" for k, v in changes.items()) or (state.status.name if state else "")
    return f"{kind.value}:{'+'.join(expected)}:{what}"


@both_centres
class TestEachKindsOwnConditions:
    @pytest.mark.parametrize("row", REASONS, ids=[_reason_id(r) for r in REASONS])
    def test_each_unmet_condition_is_named(
        self,
        code: str,
        row: tuple[WithdrawalKind, dict[str, Any], AccountState | None, list[str], frozenset[str]],
    ) -> None:
        kind, changes, state, expected, where = row
        a = run(kind, code, state=state, **changes)
        if code in where:
            assert (a.eligible, codes(a), a.max_amount) == (False, expected, D("0.00"))
            assert all(v.message and v.field for v in a.violations)
        else:  # this centre has no such rule: the same facts pass
            assert (a.eligible, codes(a)) == (True, [])

    def test_every_kind_has_at_least_one_condition_of_its_own(self, code: str) -> None:
        assert {row[0] for row in REASONS} == set(K)


# --------------------------------------------------------------------------- amounts


@both_centres
class TestWithdrawableAmounts:
    def test_property_fee_is_bounded_by_the_bill(self, code: str) -> None:
        # bill 2,345.67: altay rounds down to 10 -> 2,340.00; shanghai keeps the fen
        a = run(K.PROPERTY_FEE, code, property_fee_billed="2345.67")
        assert a.max_amount == {ALTAY: D("2340.00"), SHANGHAI: D("2345.67")}[code]

    def test_a_yearly_cap_counts_what_this_calendar_year_already_paid(self, code: str) -> None:
        centre_ = with_rule(code, K.PROPERTY_FEE, frequency_months=None)
        paid = (
            PastWithdrawal(kind=K.PROPERTY_FEE, on=date(2025, 2, 1), amount="1000"),
            PastWithdrawal(
                kind=K.PROPERTY_FEE, on=date(2024, 12, 31), amount="2500"
            ),  # last year: not counted
        )
        # 3,000 cap - 1,000 paid in 2025 = 2,000
        assert run(K.PROPERTY_FEE, code, centre_=centre_, previous=paid).max_amount == D("2000.00")

    def test_a_used_up_yearly_cap_leaves_nothing(self, code: str) -> None:
        centre_ = with_rule(code, K.PROPERTY_FEE, frequency_months=None)
        paid = (PastWithdrawal(kind=K.PROPERTY_FEE, on=date(2025, 2, 1), amount="3000"),)
        a = run(K.PROPERTY_FEE, code, centre_=centre_, previous=paid)
        assert (codes(a), a.max_amount) == (["nothing_to_withdraw"], D("0.00"))
        assert "yearly cap 3000.00" in a.violations[0].message

    def test_loan_repayment_never_exceeds_what_is_owed(self, code: str) -> None:
        # owed 1,234.56: altay rounds down to 10 -> 1,230.00
        a = run(K.LOAN_REPAYMENT, code, loan_owed="1234.56")
        assert a.max_amount == {ALTAY: D("1230.00"), SHANGHAI: D("1234.56")}[code]

    def test_a_purchase_already_drawn_on_leaves_the_rest_of_the_price(self, code: str) -> None:
        # price 60,000, 35,000 already drawn for it on 2025-07-01 -> 25,000 left (below the balance)
        earlier = (PastWithdrawal(kind=K.HOME_PURCHASE, on=date(2025, 7, 1), amount="35000"),)
        a = run(K.HOME_PURCHASE, code, purchase_price="60000", previous=earlier)
        assert a.max_amount == D("25000.00")

    def test_rent_is_capped_per_month(self, code: str) -> None:
        # 1 month of 5,000 rent, income 8,000: altay min(5,000, 1,000) = 1,000;
        # shanghai min(5,000 - 1,600 = 3,400, 2,000) = 2,000
        a = run(K.RENT, code, monthly_rent="5000", rent_months=1)
        assert a.max_amount == {ALTAY: D("1000.00"), SHANGHAI: D("2000.00")}[code]

    def test_serious_illness_never_exceeds_the_balance(self, code: str) -> None:
        # self-paid 80,000 above the balance 50,000: altay 50,000 - 10 = 49,990; shanghai 50,000
        a = run(K.SERIOUS_ILLNESS, code, medical_self_paid="80000")
        assert a.max_amount == {ALTAY: D("49990.00"), SHANGHAI: D("50000.00")}[code]

    @pytest.mark.parametrize("kind", CLOSING, ids=lambda k: k.value)
    def test_closing_interest_counts_postings_since_1_july(self, code: str, kind: WithdrawalKind) -> None:
        # 50,000 now, of which 2,000 came in on 2025-09-01: 48,000 from 1 July.
        # 48,000 x 76 + 2,000 x 14 (1..14 Sep) = 3,648,000 + 28,000 = 3,676,000 yuan-days;
        # x 0.015 / 360 = 153.1666... -> 153.17; total 50,153.17
        a = run(kind, code, interest_postings=((date(2025, 9, 1), D("2000")),))
        assert (a.closing_interest, a.max_amount) == (D("153.17"), D("50153.17"))

    def test_a_given_deposit_rate_replaces_the_table(self, code: str) -> None:
        # 50,000 x 76 x 0.0175 / 360 = 184.7222... -> 184.72
        a = run(K.RETIREMENT, code, deposit_rate="0.0175")
        assert a.closing_interest == D("184.72")

    def test_a_given_day_basis_replaces_the_centres(self, code: str) -> None:
        # 50,000 x 76 x 0.015 / 365 = 156.1643... -> 156.16
        a = run(K.RETIREMENT, code, day_basis=DayBasis.ACTUAL_365)
        assert a.closing_interest == D("156.16")

    def test_closing_on_1_july_accrues_nothing(self, code: str) -> None:
        a = run(K.RETIREMENT, code, on=date(2025, 7, 1))
        assert (a.closing_interest, a.max_amount) == (D("0.00"), D("50000.00"))


class TestABareWithdrawalPolicy:
    def test_partial_kinds_need_nothing_else(self) -> None:
        assert run(K.RENT, ALTAY, centre_=rules(ALTAY)).max_amount == D("3000.00")

    def test_closing_interest_needs_a_day_basis(self) -> None:
        with pytest.raises(InvalidPolicy, match=r"interest\.day_basis"):
            run(K.RETIREMENT, ALTAY, centre_=rules(ALTAY))

    def test_the_facts_may_give_the_day_basis(self) -> None:
        a = run(K.RETIREMENT, ALTAY, centre_=rules(ALTAY), day_basis="actual/360")
        assert a.closing_interest == CLOSING_INTEREST


class TestBadInputs:
    def test_an_unknown_kind_is_an_invalid_choice(self) -> None:
        with pytest.raises(InvalidChoice, match="kind"):
            assess_in("lottery", account(), WithdrawalFacts(), CENTRES[ALTAY], ON)

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("loan_owed", 0.5, InputTypeError),
            ("monthly_rent", "-1", InvalidAmount),
            ("purchase_price", "1.001", InvalidAmount),
            ("rent_months", 1.0, InputTypeError),
            ("rent_months", -1, InvalidChoice),
            ("retired_on", "2025-01-01", InputTypeError),
            ("owns_home", 1, InputTypeError),
            ("deposit_rate", "1.5", ValueError),
            ("day_basis", "actual/366", InvalidChoice),
            ("previous", ("x",), InputTypeError),
            ("interest_postings", ((date(2025, 8, 1),),), InputTypeError),
        ],
    )
    def test_bad_facts_are_refused_naming_the_field(
        self, field: str, value: object, error: type[Exception]
    ) -> None:
        given: dict[str, Any] = {field: value}
        with pytest.raises(error, match=field):
            WithdrawalFacts(**given)

    def test_a_past_withdrawal_needs_a_positive_amount(self) -> None:
        with pytest.raises(InvalidAmount, match="amount"):
            PastWithdrawal(kind=K.RENT, on=ON, amount="0")


# --------------------------------------------------------------------------- the seed's screens


class TestSeedScreens:
    """The seed manual's withdrawal screens (§5.2.1), at its centre (阿勒泰, actual/360, 1.5%)."""

    def test_retirement_pays_the_balance_with_closing_interest(self) -> None:
        # 离、退休提取 on 2018-05-29: 个人账户余额 5,925.21 held since 2017-07-01, 332 days
        # (Jul 31 + Aug 31 + Sep 30 + Oct 31 + Nov 30 + Dec 31 + Jan 31 + Feb 28 + Mar 31
        #  + Apr 30 + May 1-28 = 332): 5,925.21 x 0.015 x 332 / 360 = 81.965... -> 81.97;
        # 提取金额合计 5,925.21 + 81.97 = 6,007.18.
        a = assess_in(
            K.RETIREMENT,
            account("5925.21"),
            WithdrawalFacts(retired_on=date(2018, 5, 1)),
            CENTRES[ALTAY],
            date(2018, 5, 29),
        )
        assert (a.eligible, a.closing_interest, a.max_amount, a.closes_account) == (
            True,
            D("81.97"),
            D("6007.18"),
            True,
        )

    def test_retirement_a_day_earlier_matches_the_other_screenshot(self) -> None:
        # 331 days: 5,925.21 x 0.015 x 331 / 360 = 81.7186... -> 81.72; total 6,006.93
        a = assess_in(
            K.RETIREMENT,
            account("5925.21"),
            WithdrawalFacts(retired_on=date(2018, 5, 1)),
            CENTRES[ALTAY],
            date(2018, 5, 28),
        )
        assert (a.closing_interest, a.max_amount) == (D("81.72"), D("6006.93"))

    def test_retirement_documents_and_notice_are_the_screens(self) -> None:
        a = assess_in(
            K.RETIREMENT, account("5925.21"), WithdrawalFacts(retired_on=date(2018, 5, 1)), CENTRES[ALTAY], ON
        )
        assert a.documents == (
            DocumentRequirement("退休证或离退休文件", False, 4),
            DocumentRequirement("提取申请审批表", False, 4),
        )

    def test_labour_termination_pays_the_balance_with_closing_interest(self) -> None:
        # 终止劳动关系提取: 262.37 from 2018-07-01, closing 2018-07-22 counts 21 days:
        # 262.37 x 0.015 x 21 / 360 = 0.2295... -> 0.23; 提取金额合计 262.60.
        # (Sealed since 2017-12-31, so six months sealed by 2018-06-30: EXAMPLE wait.)
        facts = WithdrawalFacts(
            employment_ended_on=date(2017, 12, 15), sealed_since=date(2017, 12, 31), local_hukou=True
        )
        a = assess_in(
            K.LABOR_TERMINATION, account("262.37", SEALED), facts, CENTRES[ALTAY], date(2018, 7, 22)
        )
        assert (a.eligible, a.closing_interest, a.max_amount) == (True, D("0.23"), D("262.60"))

    def test_property_fee_shows_3000_with_nothing_frozen(self) -> None:
        # 物业管理费提取: 个人账户余额 9,249.44, 冻结金额 0 -> 9,249.44 - 10 reserve = 9,239.44,
        # above the yearly cap 3,000: 可提取金额 3,000.00
        a = assess_in(
            K.PROPERTY_FEE,
            account("9249.44"),
            WithdrawalFacts(owns_home=True),
            CENTRES[ALTAY],
            date(2018, 7, 23),
        )
        assert (a.eligible, a.max_amount) == (True, D("3000.00"))
        assert [d.category for d in a.documents] == ["物业管理服务费收费票据", "不动产权证"]

    def test_loan_repayment_shows_less_than_the_balance(self) -> None:
        # 偿还购房贷款本息提取: 个人账户余额 57,626.57; 可提取金额 57,610.00.
        # 57,626.57 - 10 reserve = 57,616.57, rounded down to 10 -> 57,610.00 (the loan of
        # 800,000 signed that day is far above it).
        facts = WithdrawalFacts(loan_owed="800000", instalments_repaid=0)
        a = assess_in(K.LOAN_REPAYMENT, account("57626.57"), facts, CENTRES[ALTAY], date(2018, 7, 23))
        assert (a.eligible, a.max_amount) == (True, D("57610.00"))
        assert a.max_amount < D("57626.57")

    def test_the_same_loan_repayment_in_shanghai_waits_for_a_first_instalment(self) -> None:
        # [S31]: at least one regular instalment repaid; with one, the whole 57,626.57 (no reserve)
        facts = WithdrawalFacts(loan_owed="800000", instalments_repaid=0)
        refused = assess_in(
            K.LOAN_REPAYMENT, account("57626.57"), facts, CENTRES[SHANGHAI], date(2018, 7, 23)
        )
        assert codes(refused) == ["no_instalment_repaid"]
        paid_one = attrs.evolve(facts, instalments_repaid=1)
        a = assess_in(K.LOAN_REPAYMENT, account("57626.57"), paid_one, CENTRES[SHANGHAI], date(2018, 8, 23))
        assert a.max_amount == D("57626.57")


class TestPurity:
    @both_centres
    @every_kind
    def test_the_same_inputs_give_the_same_assessment(self, kind: WithdrawalKind, code: str) -> None:
        assert run(kind, code) == run(kind, code)
