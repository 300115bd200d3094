"""Loan accounts at any point of their life, withdrawal facts per kind with the expected
outcome, and applications at every workflow state (issue #19, D-062).

Each is reached through hpf's own functions (``open_loan``, ``repay``, ``apply_prepayment``,
``reprice_loan``, ``sign_offset``, ``settle``; ``draft``, ``submit``, ``approve``...), so
what a test gets is a state hpf itself can be in, not a hand-made record.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import strategies as st

from hpf_core.accounts import AccountState, AccountStatus, DayBasis, DepositAccount
from hpf_core.dates import add_months
from hpf_core.loans import (
    Borrower,
    LoanAccount,
    OffsetSigner,
    PrepaymentStrategy,
    RepaymentMethod,
    ServicingPolicy,
    SignerRole,
    accrue,
    amount_due,
    apply_prepayment,
    open_loan,
    prepayment_quote,
    repay,
    reprice_loan,
    settle,
    settlement_quote,
    sign_offset,
)
from hpf_core.testing._basics import amounts, sample_account, sample_policy
from hpf_core.testing._records import CHINA, card_numbers
from hpf_core.withdrawals import (
    DEFAULT_REVIEW_NODE,
    LOAN_REVIEW_CHAIN,
    Application,
    ApplicationStatus,
    DocumentRequirement,
    LoanBusiness,
    WithdrawalFacts,
    WithdrawalKind,
    WithdrawalPolicy,
    approve,
    draft,
    draft_business,
    end,
    mark_done,
    mark_paid,
    return_to_applicant,
    start_review,
    submit,
    upload,
)

__all__ = [
    "LOAN_POLICY",
    "LoanCase",
    "LoanStage",
    "WithdrawalCase",
    "applications",
    "loan_accounts",
    "withdrawal_cases",
]

LOAN_POLICY = ServicingPolicy(prepay_min_months=0)
"""The servicing rules the drawn loans lived under: hpf's defaults, prepayment allowed at once."""


class LoanStage(enum.Enum):
    """Where a drawn loan stands."""

    NEW = "new"
    REPAID = "repaid"
    """Some instalments paid on their due dates, nothing owed."""
    OVERDUE = "overdue"
    PREPAID = "prepaid"
    REPRICED = "repriced"
    OFFSET = "offset"
    """Under a monthly offset agreement (按月抵扣)."""
    SETTLED = "settled"


@attrs.frozen
class LoanCase:
    """A loan at ``stage`` on the day ``on``, serviced under ``policy``; ``principal`` is
    what was lent."""

    loan: LoanAccount
    stage: LoanStage
    on: date
    policy: ServicingPolicy
    principal: Decimal


def _pay_instalments(loan: LoanAccount, count: int) -> tuple[LoanAccount, date]:
    on = loan.contract.disbursed_on
    for _ in range(count):
        first = loan.schedule[0].due_date if len(loan.schedule) else None
        if first is None:
            break
        on = first
        loan = accrue(loan, on, LOAN_POLICY)
        due = amount_due(loan, on, LOAN_POLICY)
        if due > 0:
            loan, _ = repay(loan, due, on, LOAN_POLICY)
    return loan, on


@st.composite
def loan_accounts(draw: st.DrawFn, stage: LoanStage | None = None) -> LoanCase:
    """A loan opened through ``open_loan`` and taken to ``stage`` (any stage if None).

    >>> from hypothesis import given
    >>> from hpf_core.loans import LoanStatus
    >>> @given(loan_accounts())
    ... def test_what_was_repaid_and_what_is_owed_make_the_loan(case: LoanCase) -> None:
    ...     assert case.loan.repaid_principal + case.loan.balance == case.principal
    ...     assert (case.loan.status is LoanStatus.SETTLED) == (case.stage is LoanStage.SETTLED)
    >>> test_what_was_repaid_and_what_is_owed_make_the_loan()
    """
    stage = stage if stage is not None else draw(st.sampled_from(LoanStage))
    principal = draw(amounts(Decimal("10000.00"), Decimal("1200000.00")))
    disbursed = draw(st.dates(date(2019, 1, 1), date(2025, 12, 31)))
    loan = open_loan(
        contract_no=f"C{draw(st.integers(1, 10**6))}",
        borrowers=(Borrower(SignerRole.BORROWER, "张三", "P1"), Borrower(SignerRole.SPOUSE, "李四", "P2")),
        principal=principal,
        disbursed_on=disbursed,
        term_months=draw(st.integers(24, 360)),
        method=draw(st.sampled_from(RepaymentMethod)),
        annual_rate=draw(st.sampled_from(["0.026", "0.0285", "0.031", "0.0325"])),
        repayment_day=draw(st.integers(1, 28)),
        offset=stage is LoanStage.OFFSET,
    )
    on = disbursed
    if stage is not LoanStage.NEW:
        loan, on = _pay_instalments(loan, draw(st.integers(1, 14)))
    if stage is LoanStage.OVERDUE:
        due = loan.schedule[0].due_date
        assert due is not None
        on = due + timedelta(days=draw(st.integers(1, 25)))
        loan = accrue(loan, on, LOAN_POLICY)
    elif stage is LoanStage.PREPAID:
        share = Decimal(draw(st.integers(1, 60))) / 100
        amount = (loan.schedule.principal * share).quantize(Decimal("0.01"))
        strategy = draw(st.sampled_from(PrepaymentStrategy))
        loan, _ = apply_prepayment(
            loan, prepayment_quote(loan, amount, on, strategy, LOAN_POLICY), LOAN_POLICY
        )
    elif stage is LoanStage.REPRICED:
        on = on + timedelta(days=draw(st.integers(0, 20)))
        loan = reprice_loan(loan, draw(st.sampled_from(["0.021", "0.026", "0.0285"])), on, LOAN_POLICY)
    elif stage is LoanStage.OFFSET:
        people = [OffsetSigner(b.role, b.account_no, b.name) for b in loan.contract.borrowers]
        agreement = None
        for signer in people[: draw(st.integers(1, len(people)))]:
            agreement = sign_offset(
                agreement, contract_no=loan.contract.contract_no, signer=signer, borrowers=people, on=on
            )
        loan = attrs.evolve(loan, agreement=agreement)
    elif stage is LoanStage.SETTLED:
        loan, _ = settle(loan, settlement_quote(loan, on, LOAN_POLICY), LOAN_POLICY, certificate_no="CERT")
    return LoanCase(loan, stage, on, LOAN_POLICY, principal)


# --------------------------------------------------------------------------- withdrawals


@attrs.frozen
class WithdrawalCase:
    """What ``assess(kind, account, facts, policy, on)`` is given, and what it must say:
    ``eligible``, and otherwise the violation ``reason`` (its code) among its violations."""

    kind: WithdrawalKind
    account: DepositAccount
    facts: WithdrawalFacts
    policy: WithdrawalPolicy
    on: date
    eligible: bool
    reason: str | None
    day_basis: DayBasis = DayBasis.ACTUAL_365
    """The centre's day basis, for the closing interest of a closing kind."""


def _before(on: date, days: int) -> date:
    return on - timedelta(days=days)


@st.composite
def withdrawal_cases(
    draw: st.DrawFn, kind: WithdrawalKind | None = None, eligible: bool | None = None
) -> WithdrawalCase:
    """An account, the facts a member shows for ``kind`` and a policy opening it, on a day;
    eligible, or not with the one reason hpf must give (a fact missing, or dated after the
    day; a sealed account held too briefly; a cost below the threshold...).

    >>> from hypothesis import given
    >>> from hpf_core.withdrawals import assess
    >>> @given(withdrawal_cases())
    ... def test_assess_gives_the_expected_answer(case: WithdrawalCase) -> None:
    ...     basis = case.day_basis
    ...     result = assess(case.kind, case.account, case.facts, case.policy, case.on, day_basis=basis)
    ...     assert result.eligible == case.eligible
    ...     assert case.eligible or case.reason in {v.code for v in result.violations}
    >>> test_assess_gives_the_expected_answer()
    """
    kind = kind if kind is not None else draw(st.sampled_from(WithdrawalKind))
    ok = eligible if eligible is not None else draw(st.booleans())
    on = draw(st.dates(date(2019, 1, 1), date(2030, 12, 31)))
    ago = draw(st.integers(0, 700))
    later = on + timedelta(days=draw(st.integers(1, 300)))
    balance = str(draw(amounts(Decimal("1000.00"), Decimal("500000.00"))))
    account = sample_account(balance)
    policy = sample_policy(kind)
    dated: dict[WithdrawalKind, tuple[Callable[[date | None], WithdrawalFacts], str]] = {
        WithdrawalKind.RETIREMENT: (lambda day: WithdrawalFacts(retired_on=day), "not_retired"),
        WithdrawalKind.DEATH: (lambda day: WithdrawalFacts(died_on=day), "no_death_record"),
        WithdrawalKind.EMIGRATION: (lambda day: WithdrawalFacts(emigrated_on=day), "not_emigrated"),
    }
    if kind in dated:
        facts_on, reason = dated[kind]
        day = _before(on, ago) if ok else draw(st.sampled_from([None, later]))
        return WithdrawalCase(kind, account, facts_on(day), policy, on, ok, None if ok else reason)
    if kind is WithdrawalKind.LABOR_TERMINATION:
        policy = sample_policy(kind, sealed_months=6)
        account = sample_account(balance, AccountState(AccountStatus.SEALED))
        # six months are 181 to 184 days: 185 days or more is long enough, 180 or fewer too short
        sealed = on - timedelta(days=185 + ago if ok else ago % 181)
        facts = WithdrawalFacts(employment_ended_on=sealed - timedelta(days=1), sealed_since=sealed)
        return WithdrawalCase(kind, account, facts, policy, on, ok, None if ok else "sealed_too_short")
    if kind is WithdrawalKind.INCAPACITY:
        shown = _before(on, ago)
        if ok:
            facts = WithdrawalFacts(incapacity_certified_on=shown, employment_ended_on=shown)
            return WithdrawalCase(kind, account, facts, policy, on, True, None)
        if draw(st.booleans()):
            facts = WithdrawalFacts(incapacity_certified_on=later, employment_ended_on=shown)
            return WithdrawalCase(kind, account, facts, policy, on, False, "not_incapacitated")
        facts = WithdrawalFacts(incapacity_certified_on=shown)
        return WithdrawalCase(kind, account, facts, policy, on, False, "employment_not_ended")
    if kind is WithdrawalKind.HOME_PURCHASE:
        policy = sample_policy(kind, purchase_window_months=12)
        price = draw(amounts(Decimal("100000.00"), Decimal("5000000.00")))
        if ok:
            facts = WithdrawalFacts(purchase_price=price, purchased_on=_before(on, ago % 300))
            return WithdrawalCase(kind, account, facts, policy, on, True, None)
        if draw(st.booleans()):
            return WithdrawalCase(
                kind, account, WithdrawalFacts(purchase_price=price), policy, on, False, "purchase_not_shown"
            )
        old = add_months(on, -12) - timedelta(days=1 + ago % 300)
        facts = WithdrawalFacts(purchase_price=price, purchased_on=old)
        return WithdrawalCase(kind, account, facts, policy, on, False, "purchase_too_old")
    if kind is WithdrawalKind.LOAN_REPAYMENT:
        policy = sample_policy(kind, min_instalments_repaid=1)
        owed = draw(amounts(Decimal("1000.00"), Decimal("2000000.00")))
        repaid = draw(st.integers(1, 360))
        if ok:
            facts = WithdrawalFacts(loan_owed=owed, instalments_repaid=repaid)
            return WithdrawalCase(kind, account, facts, policy, on, True, None)
        if draw(st.booleans()):
            facts = WithdrawalFacts(instalments_repaid=repaid)
            return WithdrawalCase(kind, account, facts, policy, on, False, "no_loan")
        facts = WithdrawalFacts(loan_owed=owed, instalments_repaid=0)
        return WithdrawalCase(kind, account, facts, policy, on, False, "no_instalment_repaid")
    if kind is WithdrawalKind.PROPERTY_FEE:
        billed = draw(amounts(Decimal("100.00"), Decimal("20000.00")))
        facts = WithdrawalFacts(owns_home=ok, property_fee_billed=billed)
        return WithdrawalCase(kind, account, facts, policy, on, ok, None if ok else "no_home")
    if kind is WithdrawalKind.RENT:
        policy = sample_policy(kind, income_share=Decimal("0.2"), cap_per_month=Decimal("2000.00"))
        income_fen = 5 * draw(st.integers(20000, 1000000))  # 1,000.00 to 50,000.00 a month
        share_fen = income_fen // 5  # 20 %, exact in fen (the income is a multiple of 5 fen)
        rent_fen = share_fen + draw(st.integers(1, 1000000)) if ok else draw(st.integers(1, share_fen))
        facts = WithdrawalFacts(
            monthly_rent=Decimal(rent_fen) / 100,
            rent_months=draw(st.integers(1, 12)),
            household_monthly_income=Decimal(income_fen) / 100,
        )
        return WithdrawalCase(
            kind, account, facts, policy, on, ok, None if ok else "rent_within_income_share"
        )
    # serious illness: self-paid costs against the centre's threshold
    threshold = Decimal("30000.00")
    policy = sample_policy(kind, threshold=threshold)
    paid = draw(
        amounts(Decimal("30000.01"), Decimal("400000.00")) if ok else amounts(Decimal("0.01"), threshold)
    )
    facts = WithdrawalFacts(medical_self_paid=paid)
    return WithdrawalCase(kind, account, facts, policy, on, ok, None if ok else "below_threshold")


# --------------------------------------------------------------------------- applications

_REQUIREMENTS = (DocumentRequirement("身份证", True, 2), DocumentRequirement("申请表", False, 3))


@st.composite
def applications(draw: st.DrawFn, status: ApplicationStatus | None = None) -> Application:
    """A withdrawal application taken through the workflow to ``status`` (any if None):
    drafted, documents uploaded, submitted, reviewed, returned, approved, paid, completed
    or ended, each step at a later instant.

    >>> from hypothesis import given
    >>> from hpf_core.withdrawals import ApplicationStatus
    >>> @given(applications())
    ... def test_only_an_approved_application_is_paid(app: Application) -> None:
    ...     if app.status in (ApplicationStatus.PAID, ApplicationStatus.COMPLETED):
    ...         assert app.payment_ref is not None
    >>> test_only_an_approved_application_is_paid()
    """
    status = status if status is not None else draw(st.sampled_from(ApplicationStatus))
    member = f"M{draw(st.integers(1, 10**6))}"
    at = draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1))).replace(microsecond=0, tzinfo=CHINA)

    def tick() -> datetime:
        nonlocal at
        at += timedelta(minutes=draw(st.integers(1, 600)))
        return at

    amount = draw(amounts(Decimal("100.00"), Decimal("200000.00")))
    number = draw(st.integers(1, 10**6))
    chain: tuple[str, ...] = (DEFAULT_REVIEW_NODE,)
    if status is ApplicationStatus.COMPLETED:  # only a loan business is carried out (办结)
        chain = LOAN_REVIEW_CHAIN
        business = draw(st.sampled_from(LoanBusiness))
        app = draft_business(
            f"L{number}",
            member,
            business,
            amount,
            _REQUIREMENTS,
            details={"合同号": "C1"},
            description="贷款业务",
            review_chain=chain,
        )
    else:
        kind = draw(st.sampled_from(WithdrawalKind))
        app = draft(f"W{number}", member, kind, amount, draw(card_numbers()), _REQUIREMENTS)
    if status is ApplicationStatus.DRAFT:
        return app
    app = upload(app, "身份证", draw(st.integers(1, 2)))
    if status is ApplicationStatus.ENDED:
        return end(app, member, tick())
    app = submit(app, member, tick())
    if status is ApplicationStatus.SUBMITTED:
        return app
    reviewer = draw(st.sampled_from(["S1", "S2"]))
    app = start_review(app, chain[0], reviewer, tick())
    if status is ApplicationStatus.UNDER_REVIEW:
        return app
    if status is ApplicationStatus.RETURNED:
        return return_to_applicant(app, chain[0], reviewer, "请补充材料", tick())
    for node in chain:  # four eyes: each node a different reviewer
        app = approve(app, node, reviewer if node == chain[0] else f"{reviewer}-2", tick())
    if status is ApplicationStatus.APPROVED:
        return app
    if status is ApplicationStatus.COMPLETED:
        return mark_done(app, f"R{draw(st.integers(1, 10**6))}", tick())
    app = mark_paid(app, f"P{draw(st.integers(1, 10**6))}", tick())
    assert status is ApplicationStatus.PAID
    return app
