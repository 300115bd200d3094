"""The kind modules and their registry, the ``[withdrawals]`` policy section and its strict
parser, and what the two shipped centres (阿勒泰, 上海) say for each kind."""

from __future__ import annotations

import inspect
import tomllib
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpf_adapters.policies import policy_text
from hpf_core.accounts import NORMAL, AccountState, AccountStatus
from hpf_core.errors import InputError, InvalidPolicy
from hpf_core.policy import parse_policy
from hpf_core.testing import sample_account
from hpf_core.withdrawals import (
    CLOSING_KEYS,
    PARTIAL_KEYS,
    DocumentRequirement,
    PastWithdrawal,
    WithdrawalFacts,
    WithdrawalKind,
    WithdrawalNotice,
    WithdrawalPolicy,
    WithdrawalRule,
    kinds,
    parse_withdrawal_policy,
    policy_keys,
    register_kind,
    unregister_kind,
)
from hpf_core.withdrawals.kinds import KINDS

D = Decimal
K = WithdrawalKind
ON = date(2025, 9, 15)
VERBS = ("check", "cap")
DECLARED = ("DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule")


def section(code: str) -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads(policy_text(code))["withdrawals"]
    return table


def shipped(code: str) -> WithdrawalPolicy:
    return parse_withdrawal_policy(section(code))


ALTAY, SHANGHAI = shipped("altay"), shipped("shanghai")
both_centres = pytest.mark.parametrize("policy", [ALTAY, SHANGHAI], ids=["altay", "shanghai"])
every_kind = pytest.mark.parametrize("kind", list(K), ids=lambda k: k.value)


class TestTheRegistry:
    def test_every_kind_has_exactly_one_module(self) -> None:
        assert set(KINDS) == set(K)
        assert len({id(m) for m in KINDS.values()}) == len(K)

    @every_kind
    def test_each_module_names_its_own_kind(self, kind: WithdrawalKind) -> None:
        module = KINDS[kind]
        assert module.KIND is kind
        assert getattr(kinds, kind.value.replace("-", "_")) is module

    @every_kind
    def test_every_module_exposes_the_same_verbs_with_the_same_signatures(self, kind: WithdrawalKind) -> None:
        reference = KINDS[K.RETIREMENT]
        for verb in VERBS:
            assert inspect.signature(getattr(KINDS[kind], verb)) == inspect.signature(
                getattr(reference, verb)
            )
        assert sorted(KINDS[kind].__all__) == sorted([*DECLARED, *VERBS])  # type: ignore[attr-defined]

    @every_kind
    def test_each_module_declares_facts_keys_and_rule(self, kind: WithdrawalKind) -> None:
        module = KINDS[kind]
        assert {f.name for f in attrs.fields(WithdrawalFacts)} >= module.FACTS
        assert module.FACTS  # every shipped kind reads at least one fact
        assert issubclass(module.Rule, WithdrawalRule)
        assert set(policy_keys(module.Rule)) >= module.POLICY_KEYS
        # a closing kind's section takes documents and notice only, unless the kind adds keys
        shared = CLOSING_KEYS if kind.closes_account else PARTIAL_KEYS
        assert shared <= module.POLICY_KEYS
        if kind.closes_account:
            assert not (PARTIAL_KEYS - CLOSING_KEYS) & module.POLICY_KEYS
        assert module.DOCUMENTS == ()  # each centre names its own categories

    def test_the_shipped_kinds_cannot_be_unregistered(self) -> None:
        with pytest.raises(InputError, match="shipped"):
            unregister_kind(K.RENT)
        assert KINDS[K.RENT] is kinds.rent

    def test_a_kind_cannot_be_registered_twice(self) -> None:
        with pytest.raises(InputError, match="KIND"):
            register_kind(kinds.rent)

    def test_the_registry_cannot_be_changed(self) -> None:
        with pytest.raises(TypeError):
            KINDS[K.RENT] = KINDS[K.DEATH]  # type: ignore[index]


@both_centres
@every_kind
class TestEachKindModule:
    def test_documents_and_notice_come_from_the_policy(
        self, policy: WithdrawalPolicy, kind: WithdrawalKind
    ) -> None:
        rule = policy.rule(kind, KINDS[kind].Rule)
        assert rule.documents
        assert all(isinstance(d, DocumentRequirement) for d in rule.documents)
        notice = rule.notice
        assert isinstance(notice, WithdrawalNotice)
        assert notice.name
        assert notice.basis
        assert notice.conditions
        assert notice.materials

    def test_check_returns_violations_as_data(self, policy: WithdrawalPolicy, kind: WithdrawalKind) -> None:
        found = KINDS[kind].check(sample_account("100"), WithdrawalFacts(), policy, ON)
        assert isinstance(found, tuple)
        assert all(v.code and v.message and v.field for v in found)

    def test_a_kind_reads_only_the_facts_it_declares(
        self, policy: WithdrawalPolicy, kind: WithdrawalKind
    ) -> None:
        module = KINDS[kind]
        undeclared = {name: value for name, value in RICH.items() if name not in module.FACTS}
        narrowed = WithdrawalFacts(**{name: RICH[name] for name in module.FACTS})
        everything = WithdrawalFacts(**RICH)
        account = sample_account("100")
        assert undeclared  # the rich facts change fields the kind does not declare
        assert module.check(account, everything, policy, ON) == module.check(account, narrowed, policy, ON)
        assert module.cap(account, everything, policy, ON) == module.cap(account, narrowed, policy, ON)

    def test_closing_kinds_have_no_cap_of_their_own(
        self, policy: WithdrawalPolicy, kind: WithdrawalKind
    ) -> None:
        cap = KINDS[kind].cap(sample_account("100"), WithdrawalFacts(), policy, ON)
        if kind.closes_account:
            assert cap is None


RICH: dict[str, Any] = {
    "retired_on": date(2020, 1, 1),
    "employment_ended_on": date(2020, 1, 1),
    "sealed_since": date(2020, 2, 1),
    "local_hukou": False,
    "contributing_elsewhere": True,
    "incapacity_certified_on": date(2020, 1, 1),
    "emigrated_on": date(2020, 1, 1),
    "died_on": date(2020, 1, 1),
    "has_outstanding_hpf_loan": True,
    "loan_owed": "20000",
    "instalments_repaid": 5,
    "owns_home": True,
    "purchase_price": "900000",
    "purchased_on": date(2025, 6, 1),
    "continuous_months": 24,
    "monthly_rent": "3000",
    "rent_months": 3,
    "household_monthly_income": "8000",
    "lease_registered": True,
    "property_fee_billed": "1800",
    "medical_self_paid": "45000",
    "previous": (PastWithdrawal(kind=K.HOME_PURCHASE, on=date(2025, 7, 1), amount="1000"),),
    "interest_postings": ((date(2025, 8, 1), D("100.00")),),
    "deposit_rate": "0.015",
    "day_basis": "actual/360",
}
"""A value other than the default for every field of the facts."""


class TestKindCaps:
    """Each partial kind's own cap (before balance, reserve and unit), under both centres."""

    @both_centres
    def test_rent(self, policy: WithdrawalPolicy) -> None:
        facts = WithdrawalFacts(monthly_rent="2500", rent_months=2, household_monthly_income="6000")
        # altay: 2 x min(2,500, 1,000) = 2,000; shanghai: 2 x min(2,500 - 1,200, 2,000) = 2,600
        expected = D("2000.00") if policy is ALTAY else D("2600.00")
        assert kinds.rent.cap(sample_account(), facts, policy, ON) == expected

    def test_rent_share_of_income_is_rounded_down_to_the_fen(self) -> None:
        facts = WithdrawalFacts(monthly_rent="1000", rent_months=1, household_monthly_income="3333.33")
        # 1,000 - 0.2 x 3,333.33 = 1,000 - 666.666 = 333.334 -> 333.33
        assert kinds.rent.cap(sample_account(), facts, SHANGHAI, ON) == D("333.33")

    @both_centres
    def test_property_fee(self, policy: WithdrawalPolicy) -> None:
        facts = WithdrawalFacts(owns_home=True, property_fee_billed="1800")
        assert kinds.property_fee.cap(sample_account(), facts, policy, ON) == D("1800.00")
        assert kinds.property_fee.cap(sample_account(), WithdrawalFacts(owns_home=True), policy, ON) is None

    @both_centres
    def test_loan_repayment(self, policy: WithdrawalPolicy) -> None:
        facts = WithdrawalFacts(loan_owed="123456.78")
        assert kinds.loan_repayment.cap(sample_account(), facts, policy, ON) == D("123456.78")

    @both_centres
    def test_home_purchase(self, policy: WithdrawalPolicy) -> None:
        # 500,000 less 120,000 drawn since the purchase (the 2023 withdrawal was for another one)
        earlier = (
            PastWithdrawal(kind=K.HOME_PURCHASE, on=date(2025, 7, 1), amount="120000"),
            PastWithdrawal(kind=K.HOME_PURCHASE, on=date(2023, 7, 1), amount="90000"),
        )
        facts = WithdrawalFacts(purchase_price="500000", purchased_on=date(2025, 6, 1), previous=earlier)
        assert kinds.home_purchase.cap(sample_account(), facts, policy, ON) == D("380000.00")

    @both_centres
    def test_serious_illness(self, policy: WithdrawalPolicy) -> None:
        facts = WithdrawalFacts(medical_self_paid="36000.50")
        assert kinds.serious_illness.cap(sample_account(), facts, policy, ON) == D("36000.50")


class TestLabourTerminationSealing:
    @pytest.mark.parametrize(
        ("state", "sealed"),
        [
            (AccountState(AccountStatus.SEALED), True),
            (AccountState(AccountStatus.FROZEN, before_freeze=AccountStatus.SEALED), True),
            (NORMAL, False),
            (AccountState(AccountStatus.FROZEN, before_freeze=AccountStatus.NORMAL), False),
        ],
    )
    def test_a_sealed_or_sealed_then_frozen_account_counts_as_sealed(
        self, state: AccountState, sealed: bool
    ) -> None:
        facts = WithdrawalFacts(employment_ended_on=date(2024, 1, 1), sealed_since=date(2024, 1, 1))
        found = [v.code for v in kinds.labor_termination.check(sample_account("1", state), facts, ALTAY, ON)]
        assert found == ([] if sealed else ["account_not_sealed"])


class TestTheShippedPolicies:
    def test_both_centres_open_all_ten_kinds(self) -> None:
        assert ALTAY.open_kinds == SHANGHAI.open_kinds == frozenset(K)

    def test_the_seed_app_lists_five_kinds(self) -> None:
        assert ALTAY.online == {K.RETIREMENT, K.LABOR_TERMINATION, K.RENT, K.PROPERTY_FEE, K.LOAN_REPAYMENT}

    def test_altay_keeps_10_and_rounds_down_to_10(self) -> None:
        assert (ALTAY.reserve, ALTAY.amount_unit) == (D("10.00"), D("10.00"))

    def test_altay_caps_property_fee_at_3000_a_year(self) -> None:
        assert ALTAY.rule(K.PROPERTY_FEE).cap_per_year == D("3000.00")
        assert ALTAY.rule(K.PROPERTY_FEE, kinds.property_fee.Rule).cap_per_year == D("3000.00")

    def test_the_seed_retirement_notice(self) -> None:
        assert ALTAY.rule(K.RETIREMENT).notice == WithdrawalNotice(
            "离休、退休提取公积金",
            "依据《住房公积金管理条例》第二十四条第(二)项规定",
            "离休、退休",
            ("申请人身份证原件", "离(退)休证、《退休审批表》或离(退)休文件原件", "个人银行账号"),
        )

    def test_shanghai_blocks_closing_while_a_loan_is_outstanding_since_2016_12_08(self) -> None:
        assert SHANGHAI.loan_blocks_closing_on(date(2016, 12, 8))
        assert not SHANGHAI.loan_blocks_closing_on(date(2016, 12, 7))
        assert not ALTAY.loan_blocks_closing_on(date(2025, 1, 1))

    def test_shanghai_rent_rules_of_2014(self) -> None:
        rule = SHANGHAI.rule(K.RENT, kinds.rent.Rule)
        assert (rule.cap_per_month, rule.income_share, rule.min_contribution_months) == (
            D("2000.00"),
            D("0.2"),
            3,
        )
        assert rule.no_hpf_loan
        assert rule.lease_registration_required

    def test_shanghai_loan_repayment_needs_a_normal_account_and_one_instalment(self) -> None:
        rule = SHANGHAI.rule(K.LOAN_REPAYMENT, kinds.loan_repayment.Rule)
        assert (rule.must_be_normal, rule.min_instalments_repaid) == (True, 1)

    @pytest.mark.parametrize("code", ["altay", "shanghai"])
    def test_the_whole_file_still_parses(self, code: str) -> None:
        center = parse_policy(policy_text(code))
        wired = getattr(center, "withdrawals", None)  # once CenterPolicy carries the section
        assert wired is None or wired == shipped(code)


# --------------------------------------------------------------------------- the parser

MINIMAL = {
    "open": ["rent"],
    "reserve": "0",
    "amount_unit": "0.01",
    "loan_blocks_closing": False,
    "source": "x",
}


def refused(table: dict[str, Any], key: str) -> None:
    with pytest.raises(InvalidPolicy, match=key.replace(".", r"\.").replace("[", r"\[")):
        parse_withdrawal_policy(table)


class TestParsingTheWithdrawalsSection:
    def test_the_minimal_section_parses(self) -> None:
        policy = parse_withdrawal_policy(dict(MINIMAL))
        assert (policy.open_kinds, policy.rules, policy.online) == (frozenset({K.RENT}), (), frozenset())

    @pytest.mark.parametrize("key", ["open", "reserve", "amount_unit", "loan_blocks_closing", "source"])
    def test_a_missing_required_key_is_named(self, key: str) -> None:
        table = {k: v for k, v in MINIMAL.items() if k != key}
        refused(table, f"withdrawals.{key}")

    @pytest.mark.parametrize(
        ("changes", "key"),
        [
            ({"reserve": 0.5}, "withdrawals.reserve"),
            ({"reserve": "-1"}, "withdrawals.reserve"),
            ({"amount_unit": "0"}, "withdrawals.amount_unit"),
            ({"amount_unit": "0.001"}, "withdrawals.amount_unit"),
            ({"open": ["rent", "lottery"]}, "withdrawals.open[1]"),
            ({"open": ["rent", "rent"]}, "withdrawals.open[1]"),
            ({"open": "rent"}, "withdrawals.open"),
            ({"online": ["death"]}, "withdrawals.online"),
            ({"loan_blocks_closing": "no"}, "withdrawals.loan_blocks_closing"),
            ({"loan_blocks_closing_since": date(2016, 12, 8)}, "withdrawals.loan_blocks_closing_since"),
            (
                {"loan_blocks_closing": True, "loan_blocks_closing_since": "2016-12-08"},
                "withdrawals.loan_blocks",
            ),
            ({"source": " "}, "withdrawals.source"),
            ({"reserve_amount": "10"}, "withdrawals.reserve_amount"),
            ({"lottery": {}}, "withdrawals.lottery"),
            ({"rent": "yes"}, "withdrawals.rent"),
            ({"rent": {"cap_per_month": 2000.0}}, "withdrawals.rent.cap_per_month"),
            ({"rent": {"cap_per_month": "0"}}, "withdrawals.rent.cap_per_month"),
            ({"rent": {"income_share": "20"}}, "withdrawals.rent.income_share"),
            ({"rent": {"frequency_months": 0}}, "withdrawals.rent.frequency_months"),
            ({"rent": {"frequency_months": True}}, "withdrawals.rent.frequency_months"),
            ({"rent": {"no_hpf_loan": 1}}, "withdrawals.rent.no_hpf_loan"),
            (
                {"rent": {"sealed_months": 6}},
                "withdrawals.rent.sealed_months",
            ),  # belongs to labour termination
            ({"retirement": {"frequency_months": 12}}, "withdrawals.retirement.frequency_months"),
            ({"rent": {"documents": {"category": "x"}}}, "withdrawals.rent.documents"),
            ({"rent": {"documents": [{"category": "合同"}]}}, "withdrawals.rent.documents[0].required"),
            (
                {"rent": {"documents": [{"category": "合同", "required": True, "max_files": 0}]}},
                "withdrawals.rent.documents[0].max_files",
            ),
            (
                {"rent": {"documents": [{"category": "合同", "required": True, "pages": 2}]}},
                "withdrawals.rent.documents[0].pages",
            ),
            (
                {
                    "rent": {
                        "documents": [
                            {"category": "合同", "required": True},
                            {"category": "合同", "required": False},
                        ]
                    }
                },
                "withdrawals.rent.documents[1].category",
            ),
            (
                {"rent": {"notice": {"name": "x", "basis": "y", "conditions": "z"}}},
                "withdrawals.rent.notice.materials",
            ),
            (
                {"rent": {"notice": {"name": "x", "basis": "y", "conditions": "z", "materials": "id"}}},
                "withdrawals.rent.notice.materials",
            ),
            ({"serious-illness": {"threshold": "-1"}}, "withdrawals.serious-illness.threshold"),
            # typos: a misspelt key or kind section is named with its full path
            ({"rent": {"cap_frist": "1000"}}, "withdrawals.rent.cap_frist"),
            ({"rnet": {"cap_per_month": "1000"}}, "withdrawals.rnet"),
            ({"labor-termination": {"sealed_month": 6}}, "withdrawals.labor-termination.sealed_month"),
            (
                {
                    "rent": {
                        "notice": {"name": "x", "basis": "y", "conditions": "z", "materials": [], "url": "u"}
                    }
                },
                "withdrawals.rent.notice.url",
            ),
            # wrong types anywhere give InvalidPolicy, never TypeError or KeyError
            ({"rent": {"cap_per_month": ["1000"]}}, "withdrawals.rent.cap_per_month"),
            ({"rent": {"cap_per_month": {"a": 1}}}, "withdrawals.rent.cap_per_month"),
            ({"rent": {"min_contribution_months": "3"}}, "withdrawals.rent.min_contribution_months"),
            ({"rent": {"min_contribution_months": 10**30}}, "withdrawals.rent.min_contribution_months"),
            ({"rent": {"cap_per_month": "1e400"}}, "withdrawals.rent.cap_per_month"),
            ({"rent": {"income_share": 0.2}}, "withdrawals.rent.income_share"),
            ({"rent": {"documents": ["合同"]}}, "withdrawals.rent.documents[0]"),
            (
                {"rent": {"documents": [{"category": ["合同"], "required": True}]}},
                "withdrawals.rent.documents[0].category",
            ),
            ({"rent": {"notice": []}}, "withdrawals.rent.notice"),
            (
                {"rent": {"notice": {"name": "x", "basis": "y", "conditions": "z", "materials": [1]}}},
                "withdrawals.rent.notice.materials[0]",
            ),
            ({"open": [["rent"]]}, "withdrawals.open[0]"),
            ({"open": [{"rent": 1}]}, "withdrawals.open[0]"),
            ({"online": "rent"}, "withdrawals.online"),
            ({"source": 5}, "withdrawals.source"),
            ({"loan_blocks_closing": True, "loan_blocks_closing_since": [2016]}, "withdrawals.loan_blocks"),
        ],
    )
    def test_a_bad_value_is_refused_naming_the_key(self, changes: dict[str, Any], key: str) -> None:
        refused({**MINIMAL, **changes}, key)

    def test_a_kind_table_keeps_its_rules(self) -> None:
        table = {
            **MINIMAL,
            "labor-termination": {"sealed_months": 6, "non_local_hukou_only": True},
            "serious-illness": {"threshold": "30000", "frequency_months": 12},
        }
        policy = parse_withdrawal_policy(table)
        assert policy.rule(K.LABOR_TERMINATION, kinds.labor_termination.Rule).sealed_months == 6
        assert policy.rule(K.SERIOUS_ILLNESS, kinds.serious_illness.Rule).threshold == D("30000.00")
        assert policy.rule(K.SERIOUS_ILLNESS).frequency_months == 12
        assert policy.rule(K.RENT).frequency_months is None  # no table: no rule
        assert policy.rule(K.RENT, kinds.rent.Rule).cap_per_month is None
        assert isinstance(policy.rule(K.RENT, kinds.rent.Rule), kinds.rent.Rule)

    @pytest.mark.parametrize("code", ["altay", "shanghai"])
    def test_a_float_in_a_shipped_file_is_refused(self, code: str) -> None:
        text = policy_text(code).replace('threshold = "30000"', "threshold = 30000.0")
        with pytest.raises(InvalidPolicy, match=r"withdrawals\.serious-illness\.threshold"):
            parse_withdrawal_policy(tomllib.loads(text)["withdrawals"])


# --------------------------------------------------------------------------- hostile input

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
    | st.sampled_from(["0", "1", "0.2", "1e400", "NaN", "-1", "rent", "retirement", "合同"])
    | st.dates()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=12,
)
_KEYS = st.sampled_from(
    sorted(
        {
            "open",
            "online",
            "reserve",
            "amount_unit",
            "loan_blocks_closing",
            "loan_blocks_closing_since",
            "source",
            "documents",
            "notice",
            "category",
            "required",
            "max_files",
            "materials",
            *(k.value for k in K),
            *(key for module in KINDS.values() for key in module.POLICY_KEYS),
        }
    )
)


@st.composite
def hostile_sections(draw: st.DrawFn) -> dict[str, Any]:
    """The minimal section with some keys, at the top or in a kind's table, set to anything."""
    table: dict[str, Any] = dict(MINIMAL)
    for _ in range(draw(st.integers(1, 4))):
        key, value = draw(_KEYS), draw(_VALUES)
        if draw(st.booleans()):
            kind = draw(st.sampled_from(list(K)))
            section = table.setdefault(kind.value, {})
            if isinstance(section, dict):
                section[key] = value
        else:
            table[key] = value
    return table


class TestHostileSections:
    @settings(max_examples=300, deadline=None)
    @given(hostile_sections())
    def test_anything_parses_or_is_an_invalid_policy(self, table: dict[str, Any]) -> None:
        """Never a TypeError, KeyError or RecursionError; a refusal names a withdrawals key."""
        try:
            parse_withdrawal_policy(table)
        except InvalidPolicy as refused:
            message = str(refused)
        else:
            return
        assert message.startswith("withdrawals")
