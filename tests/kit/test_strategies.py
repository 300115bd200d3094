"""The strategies users get from hpf_core.testing produce valid values (issue #19, D-062):
200 examples of each, each accepted by the function it is meant for, each invalid variant
refused with the expected error. The expected values are computed here independently
(tomllib for policy texts, a sum by kind for journals, Luhn by hand, clock arithmetic for
codes and sessions), not read back from what the strategy built."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpf_adapters.memory import MemoryStore
from hpf_core.accounts import DepositAccount, EntryKind
from hpf_core.errors import InvalidPolicy, Refused
from hpf_core.identity import validate_id_number, validate_phone
from hpf_core.loans import LoanStatus
from hpf_core.members import login, touch, verify
from hpf_core.policy import parse_policy
from hpf_core.testing import (
    CHINA,
    CodeCase,
    InvalidPolicyText,
    Journal,
    LoanCase,
    LoanStage,
    MemberCase,
    PolicyText,
    SessionCase,
    TestHasher,
    WithdrawalCase,
    applications,
    bank_cards,
    deposit_accounts,
    id_numbers,
    invalid_policy_texts,
    issued_codes,
    journals,
    loan_accounts,
    members,
    phones,
    policy_texts,
    sessions,
    withdrawal_cases,
)
from hpf_core.withdrawals import (
    Application,
    ApplicationStatus,
    BankCard,
    StepAction,
    WithdrawalKind,
    account_warnings,
    add_card,
    assess,
    validate_account_number,
)

EACH = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AT = datetime(2026, 1, 5, 9, 0, tzinfo=CHINA)


class TestStrategies:
    @EACH
    @given(id_numbers())
    def test_id_numbers_pass_the_gb_11643_check(self, number: str) -> None:
        assert validate_id_number(number) == number

    @EACH
    @given(phones())
    def test_phones_are_mainland_mobiles(self, phone: str) -> None:
        assert validate_phone(phone) == phone

    @given(deposit_accounts())
    def test_deposit_accounts_are_valid_new_accounts(self, account: DepositAccount) -> None:
        assert account.balance == 0
        assert Decimal("0.05") <= account.employee_ratio <= Decimal("0.12")
        assert validate_id_number(account.member.id_number) == account.member.id_number


class TestPolicies:
    @EACH
    @given(policy_texts())
    def test_a_valid_text_parses_to_its_own_figures(self, case: PolicyText) -> None:
        document = tomllib.loads(case.text)
        policy = parse_policy(case.text)
        assert policy == case.policy
        assert policy.code == document["center"]["code"]
        loans = document["loans"]
        assert policy.loans.max_term_months == loans["max_term_months"]
        assert policy.loans.ltv_first == Decimal(loans["ltv_first"])
        assert policy.loans.cap_second == Decimal(loans["cap_second"])

    @EACH
    @given(invalid_policy_texts())
    def test_each_fault_is_refused_naming_its_key(self, case: InvalidPolicyText) -> None:
        with pytest.raises(InvalidPolicy) as info:
            parse_policy(case.text)
        assert info.value.code == "invalid_policy"
        assert info.value.field == case.field

    @settings(max_examples=60, deadline=None)
    @given(invalid_policy_texts())
    def test_every_fault_is_drawn(self, case: InvalidPolicyText) -> None:
        assert case.field in {
            "loans.ltv_first",
            "loans.max_term_months",
            "loans.balance_multiple",
            "loans.quota_unit",
            "loans.bogus",
            "loans.capacity_ratio",
        }


def expected_balance(journal: Journal) -> Decimal:
    """The balance by hand: credits add, debits take, a reversal takes back what it reverses."""
    by_id = {e.entry_id: e for e in journal.entries}
    total = Decimal(0)
    for entry in journal.entries:
        if entry.kind is EntryKind.REVERSAL:
            assert entry.reverses is not None
            target = by_id[entry.reverses]
            total -= abs(target.amount) if target.kind.is_credit else -abs(target.amount)
        elif entry.kind.is_credit:
            total += abs(entry.amount)
        else:
            total -= abs(entry.amount)
    return total


class TestRecords:
    @EACH
    @given(journals())
    def test_a_journal_sums_to_its_account_and_reverses_each_entry_at_most_once(
        self, journal: Journal
    ) -> None:
        assert journal.account.balance == expected_balance(journal) >= 0
        assert [e.sequence for e in journal.entries] == list(range(1, len(journal.entries) + 1))
        reversed_ids = [e.reverses for e in journal.entries if e.reverses]
        assert len(reversed_ids) == len(set(reversed_ids))
        assert journal.opened.balance == 0

    def test_the_mix_of_postings_covers_every_kind_drawn(self) -> None:
        kinds: set[EntryKind] = set()

        @settings(max_examples=200, deadline=None, database=None)
        @given(journals())
        def collect(journal: Journal) -> None:
            kinds.update(e.kind for e in journal.entries)

        collect()
        assert {EntryKind.REMITTANCE, EntryKind.WITHDRAWAL, EntryKind.REVERSAL} <= kinds

    @EACH
    @given(bank_cards())
    def test_a_receiving_account_is_accepted_by_add_card(self, card: BankCard) -> None:
        assert validate_account_number(card.number) == card.number
        added = add_card((), card.member_id, card.number, card.bank, verified_at=AT, at=AT)
        assert added == (card,)
        digits = card.number
        if digits.startswith("62"):  # a card: Luhn by hand, and no warning
            total = sum(
                (d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d))
                for i, d in enumerate(int(c) for c in reversed(digits))
            )
            assert total % 10 == 0
            assert account_warnings(card.number) == ()

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(members())
    def test_a_member_logs_in_with_the_initial_password(self, case: MemberCase) -> None:
        id_number = case.member.id_number
        assert validate_id_number(id_number) == id_number
        assert case.password in (id_number[-8:], id_number[-6:].replace("X", "0"))  # 6 digits: X reads 0
        _, result = login(case.credentials, case.credentials.phone, case.password, "app", TestHasher(), AT)
        assert result.accepted
        assert result.member_id == case.member.member_id

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(issued_codes())
    def test_a_code_works_exactly_within_its_lifetime(self, case: CodeCase) -> None:
        live = case.at - case.issued.issued_at < timedelta(minutes=case.policy.ttl_minutes)
        assert case.live == live
        _, ok = verify(case.issued, case.phone, case.purpose, case.code, case.at, case.policy)
        assert ok == live

    @EACH
    @given(sessions())
    def test_a_session_expires_after_the_idle_minutes(self, case: SessionCase) -> None:
        idle = case.at - case.session.last_seen_at
        expected = "session_expired" if idle >= timedelta(minutes=case.policy.idle_minutes) else None
        assert case.refusal == expected
        if expected is None:
            assert touch(case.session, case.at, case.policy).last_seen_at == case.at
        else:
            with pytest.raises(Refused) as refused:
                touch(case.session, case.at, case.policy)
            assert refused.value.codes == (expected,)


class TestLifeCycles:
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(loan_accounts())
    def test_a_loan_is_at_the_stage_it_says(self, case: LoanCase) -> None:
        loan = case.loan
        assert loan.repaid_principal + loan.balance == case.principal
        assert (loan.status is LoanStatus.SETTLED) == (case.stage is LoanStage.SETTLED)
        if case.stage is LoanStage.OVERDUE:
            assert loan.status is LoanStatus.OVERDUE
        if case.stage is LoanStage.PREPAID:
            assert loan.prepayment_dates == (case.on,)
        if case.stage is LoanStage.REPRICED:
            assert any(day == case.on for day, _ in loan.rates)
        if case.stage is LoanStage.OFFSET:
            assert loan.agreement is not None
            assert loan.agreement.contract_no == loan.contract.contract_no
        if case.stage in (LoanStage.REPAID, LoanStage.PREPAID):
            assert loan.status is LoanStatus.NORMAL
            assert loan.repaid_principal > 0
        # the store accepts it as it is
        store = MemoryStore()
        with store.unit_of_work() as uow:
            uow.loans.add(loan)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.loans.get(loan.contract.contract_no) == loan

    @EACH
    @given(withdrawal_cases())
    def test_assess_gives_the_expected_answer_and_reason(self, case: WithdrawalCase) -> None:
        result = assess(case.kind, case.account, case.facts, case.policy, case.on, day_basis=case.day_basis)
        assert result.eligible == case.eligible
        if not case.eligible:
            assert case.reason in {v.code for v in result.violations}

    def test_every_kind_is_drawn_eligible_and_not(self) -> None:
        seen: set[tuple[WithdrawalKind, bool]] = set()

        @settings(max_examples=400, deadline=None, database=None, derandomize=True)
        @given(withdrawal_cases())
        def collect(case: WithdrawalCase) -> None:
            seen.add((case.kind, case.eligible))

        collect()
        assert seen == {(kind, eligible) for kind in WithdrawalKind for eligible in (True, False)}

    @EACH
    @given(st.sampled_from(ApplicationStatus).flatmap(lambda s: st.tuples(st.just(s), applications(s))))
    def test_an_application_reaches_the_status_asked_for(
        self, drawn: tuple[ApplicationStatus, Application]
    ) -> None:
        status, app = drawn
        assert app.status is status
        actions = [step.action for step in app.history]
        if status in (ApplicationStatus.PAID, ApplicationStatus.COMPLETED):
            assert app.payment_ref is not None
            assert StepAction.APPROVE in actions
        times = [step.at for step in app.history]
        assert times == sorted(times)
        store = MemoryStore()
        with store.unit_of_work() as uow:
            uow.applications.add(app)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.applications.get(app.application_id) == app
