"""Properties of the monthly offset plan (按月抵扣, seed §6.3.2 notice 2.1-2.2).

Money comes from integer fen (``hpf_core.testing.amounts``), never from floats. The
deduction order is written out here independently of ``SignerRole.order``.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from hpf_core.accounts import AccountState, AccountStatus, FreezeFlag
from hpf_core.loans import OffsetPlan, OffsetSource, SignerRole, plan_monthly_offset
from hpf_core.testing import amounts

PROPS = settings(deadline=None, max_examples=300)
ZERO = Decimal("0.00")

ORDER = {SignerRole.BORROWER: 0, SignerRole.SPOUSE: 1, SignerRole.CO_BORROWER: 2}
SKIP_CODE = {
    AccountStatus.FROZEN: "frozen",
    AccountStatus.SEALED: "sealed",
    AccountStatus.CLOSED_MERGED: "closed",
    AccountStatus.CLOSED_TRANSFERRED: "closed",
    AccountStatus.CLOSED_WITHDRAWN: "closed",
    AccountStatus.OTHER: "other_status",
}

frozen_states = st.builds(
    lambda flag, amount: AccountState(
        AccountStatus.FROZEN, flag, amount if flag is FreezeFlag.PARTIAL else ZERO, AccountStatus.NORMAL
    ),
    st.sampled_from([FreezeFlag.CREDITS_ONLY, FreezeFlag.NO_MOVEMENT, FreezeFlag.PARTIAL]),
    amounts(Decimal("0.01"), Decimal("5000.00")),
)
states = st.one_of(
    st.just(AccountState(AccountStatus.NORMAL)),  # weighted: most signers are usable
    st.just(AccountState(AccountStatus.NORMAL)),
    st.sampled_from([AccountState(s) for s in AccountStatus if s is not AccountStatus.FROZEN]),
    frozen_states,
)
# Balances around the size of an instalment, often 0.00 or exactly the instalment's size.
balances = st.one_of(
    st.just(ZERO), amounts(Decimal("0.01"), Decimal("10.00")), amounts(ZERO, Decimal("8000.00"))
)
instalments = st.one_of(
    amounts(Decimal("0.01"), Decimal("10.00")), amounts(Decimal("0.01"), Decimal("12000.00"))
)


@st.composite
def signer_sources(draw: st.DrawFn) -> list[OffsetSource]:
    """1-5 signers' accounts with distinct numbers, random roles, states and balances."""
    count = draw(st.integers(1, 5))
    return [
        OffsetSource(f"A{i}", draw(st.sampled_from(SignerRole)), draw(states), draw(balances))
        for i in range(count)
    ]


def in_deduction_order(sources: list[OffsetSource]) -> list[OffsetSource]:
    return sorted(sources, key=lambda s: ORDER[s.role])  # stable: ties keep the given order


def usable(source: OffsetSource) -> bool:
    return source.state.status is AccountStatus.NORMAL and source.balance > 0


def check(plan: OffsetPlan, instalment: Decimal, sources: list[OffsetSource]) -> None:
    by_no = {s.account_no: s for s in sources}
    taken = {t.account_no: t.amount for t in plan.takes}
    skipped = {s.account_no: s.violation for s in plan.skipped}

    # Every fen is paid once: by the accounts or by the card.
    assert plan.instalment == instalment
    assert sum((t.amount for t in plan.takes), ZERO) + plan.from_card == instalment
    assert plan.from_hpf + plan.from_card == instalment
    assert plan.from_card >= 0

    # A take is above 0.00, within the balance, from a usable account, and from no skipped one.
    for take in plan.takes:
        source = by_no[take.account_no]
        assert ZERO < take.amount <= source.balance
        assert usable(source)
        assert take.role is source.role
    assert not taken.keys() & skipped.keys()
    assert len(taken) == len(plan.takes)
    assert len(skipped) == len(plan.skipped)

    # Each skip says why, and only accounts that cannot pay are skipped.
    for skip in plan.skipped:
        source = by_no[skip.account_no]
        assert skip.role is source.role
        expected = SKIP_CODE.get(source.state.status, "no_balance")
        assert skip.violation.code == expected
        assert not usable(source)

    # The accounts reached are the first ones in deduction order, takes in that order too.
    ordered = [s.account_no for s in in_deduction_order(sources)]
    reached = [no for no in ordered if no in taken or no in skipped]
    assert reached == ordered[: len(reached)]
    assert [t.account_no for t in plan.takes] == [no for no in reached if no in taken]

    # A later account is used only when every earlier one is used up: every take but the
    # last is the whole balance, and the walk stops as soon as the instalment is covered.
    for take in plan.takes[:-1]:
        assert take.amount == by_no[take.account_no].balance
    if plan.takes and plan.from_card == 0:
        assert reached[-1] == plan.takes[-1].account_no

    # The card pays only when every usable account has given its whole balance.
    if plan.from_card > 0:
        assert reached == ordered
        for source in sources:
            if usable(source):
                assert taken[source.account_no] == source.balance


class TestMonthlyPlanProperties:
    @PROPS
    @given(instalments, signer_sources())
    def test_the_instalment_is_split_exactly_in_order_within_the_balances(
        self, instalment: Decimal, sources: list[OffsetSource]
    ) -> None:
        check(plan_monthly_offset(instalment, sources), instalment, sources)

    @PROPS
    @given(instalments, signer_sources(), st.data())
    def test_the_order_sources_come_in_does_not_matter_beyond_ties_in_a_role(
        self, instalment: Decimal, sources: list[OffsetSource], data: st.DataObject
    ) -> None:
        shuffled = data.draw(st.permutations(sources))
        # The same sources, reordered, give the plan of their stable deduction order.
        assert plan_monthly_offset(instalment, shuffled) == plan_monthly_offset(
            instalment, in_deduction_order(shuffled)
        )

    @PROPS
    @given(instalments, signer_sources())
    def test_the_card_pays_exactly_what_the_usable_balances_cannot(
        self, instalment: Decimal, sources: list[OffsetSource]
    ) -> None:
        # An oracle in plain sums: the accounts pay min(instalment, total usable balance).
        total = sum((s.balance for s in sources if usable(s)), ZERO)
        plan = plan_monthly_offset(instalment, sources)
        assert plan.from_hpf == min(instalment, total)
        assert plan.from_card == max(instalment - total, ZERO)
