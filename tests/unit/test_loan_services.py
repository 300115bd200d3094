"""Loan services on the in-memory adapter: monthly offset across deposit accounts,
collection, prepayment, early settlement with HPF first, repricing of existing loans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.payments import MemoryBankDebit
from hpf_core.accounts import Employer, EntryKind, FreezeFlag, Member
from hpf_core.accounts import services as deposits
from hpf_core.errors import InsufficientFunds, PaymentTimeout, Refused
from hpf_core.loans import (
    Borrower,
    LoanEntryKind,
    PaymentSource,
    RepricingRule,
    ServicingPolicy,
    SignerRole,
    hpf_loan_rate,
    open_loan,
    rate_on,
    repayment_details,
)
from hpf_core.loans import services as loans

D = Decimal
POLICY = ServicingPolicy()
EMPLOYER = Employer("150101329", "示例单位")
PEOPLE = [
    ("P1", "张三", "11010519491231002X", SignerRole.BORROWER),
    ("P2", "李四", "440524188001010014", SignerRole.SPOUSE),
    ("P3", "王五", "11010219840406970X", SignerRole.CO_BORROWER),
]


@pytest.fixture
def store() -> MemoryStore:
    """Three members with deposit accounts and one loan they share (1,000,000 at 3.1%)."""
    s = MemoryStore()
    for number, name, id_number, _ in PEOPLE:
        deposits.open_account(
            MemoryUnitOfWork(s),
            account_no=number,
            member=Member(number, name, id_number),
            employer=EMPLOYER,
            opened_on=date(2020, 1, 1),
            base="5000.00",
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
    loan = open_loan(
        contract_no="HT1",
        borrowers=tuple(Borrower(role, name, number) for number, name, _, role in PEOPLE),
        principal=1000000,
        disbursed_on=date(2023, 3, 1),
        term_months=360,
        method="equal-installment",
        annual_rate="0.031",
    )
    loans.disburse(MemoryUnitOfWork(s), loan)
    return s


def fund(store: MemoryStore, number: str, amount: str) -> None:
    deposits.receive_transfer(
        MemoryUnitOfWork(store),
        account_no=number,
        amount=amount,
        value_date=date(2023, 3, 1),
        key=f"fund-{number}-{amount}",
    )


def sign_all(store: MemoryStore) -> None:
    # signed out of order on purpose: the deduction order follows the roles
    for number in ("P3", "P1", "P2"):
        loans.sign_monthly_offset(
            MemoryUnitOfWork(store), contract_no="HT1", account_no=number, on=date(2023, 3, 2)
        )


class TestMonthlyOffset:
    def test_three_signers_and_too_little_take_exactly_the_instalment(self, store: MemoryStore) -> None:
        fund(store, "P1", "2530.00")
        fund(store, "P2", "5000.00")
        fund(store, "P3", "1000.00")
        sign_all(store)
        deposits.freeze(MemoryUnitOfWork(store), account_no="P2", flag=FreezeFlag.CREDITS_ONLY)
        done = loans.collect_instalment(
            MemoryUnitOfWork(store),
            contract_no="HT1",
            on=date(2023, 4, 1),
            policy=POLICY,
            key="c-2023-04",
            bank=MemoryBankDebit(),
        )
        # 4,270.16 due: borrower 2,530.00, spouse frozen (skipped), co-borrower 1,000.00,
        # card 4,270.16 - 3,530.00 = 740.16
        assert done.plan is not None
        assert [(t.account_no, t.amount) for t in done.plan.takes] == [
            ("P1", D("2530.00")),
            ("P3", D("1000.00")),
        ]
        assert [(s.account_no, s.violation.code) for s in done.plan.skipped] == [("P2", "frozen")]
        assert done.plan.from_card == D("740.16")
        assert [(d.account_no, d.kind, d.amount) for d in done.deductions] == [
            ("P1", EntryKind.LOAN_DEDUCTION, D("-2530.00")),
            ("P3", EntryKind.LOAN_DEDUCTION, D("-1000.00")),
        ]
        assert [(e.source, e.amount) for e in done.entries] == [
            (PaymentSource.HPF, D("2530.00")),
            (PaymentSource.HPF, D("1000.00")),
            (PaymentSource.BANK, D("740.16")),
        ]
        assert sum(e.amount for e in done.entries) == D("4270.16")
        uow = MemoryUnitOfWork(store)
        assert uow.accounts.get("P1").balance == 0
        assert uow.loans.get("HT1").bills == ()

    def test_a_replay_of_the_collection_changes_nothing(self, store: MemoryStore) -> None:
        fund(store, "P1", "10000.00")
        sign_all(store)
        first = loans.collect_instalment(
            MemoryUnitOfWork(store),
            contract_no="HT1",
            on=date(2023, 4, 1),
            policy=POLICY,
            key="c1",
            bank=MemoryBankDebit(),
        )
        before = (store.entries, store.loan_entries, store.loans)
        again = loans.collect_instalment(
            MemoryUnitOfWork(store),
            contract_no="HT1",
            on=date(2023, 4, 1),
            policy=POLICY,
            key="c1",
            bank=MemoryBankDebit(),
        )
        assert again.entries == first.entries
        assert (store.entries, store.loan_entries, store.loans) == before

    def test_the_card_is_debited_once_under_the_collection_key_even_on_a_replay(
        self, store: MemoryStore
    ) -> None:
        fund(store, "P1", "1000.00")
        sign_all(store)
        card = MemoryBankDebit()
        for _ in range(2):
            done = loans.collect_instalment(
                MemoryUnitOfWork(store),
                contract_no="HT1",
                on=date(2023, 4, 1),
                policy=POLICY,
                key="c1",
                bank=card,
            )
        # 4,270.16 due, 1,000.00 from the borrower's HPF account, 3,270.16 from the card
        assert card.debits == (("c1/card", "HT1", D("3270.16")),)
        assert [(e.source, e.amount) for e in done.entries] == [
            (PaymentSource.HPF, D("1000.00")),
            (PaymentSource.BANK, D("3270.16")),
        ]

    def test_a_lost_bank_reply_changes_nothing_and_the_retry_debits_once(self, store: MemoryStore) -> None:
        card = MemoryBankDebit(lose_replies=1)
        with pytest.raises(PaymentTimeout):
            loans.collect_instalment(
                MemoryUnitOfWork(store),
                contract_no="HT1",
                on=date(2023, 4, 1),
                policy=POLICY,
                key="c1",
                bank=card,
            )
        assert not store.loan_entries  # the unit of work rolled back
        done = loans.collect_instalment(
            MemoryUnitOfWork(store),
            contract_no="HT1",
            on=date(2023, 4, 1),
            policy=POLICY,
            key="c1",
            bank=card,
        )
        assert [(e.source, e.amount) for e in done.entries] == [(PaymentSource.BANK, D("4270.16"))]
        assert card.debits == (("c1/card", "HT1", D("4270.16")),)

    def test_a_failed_card_debit_leaves_the_rest_due(self, store: MemoryStore) -> None:
        fund(store, "P1", "1000.00")
        sign_all(store)
        done = loans.collect_instalment(
            MemoryUnitOfWork(store),
            contract_no="HT1",
            on=date(2023, 4, 1),
            policy=POLICY,
            key="c1",
            bank=MemoryBankDebit(declined=frozenset({"HT1"})),
        )
        assert [e.source for e in done.entries] == [PaymentSource.HPF]
        (bill,) = MemoryUnitOfWork(store).loans.get("HT1").bills
        assert bill.total_due == D("3270.16")

    def test_cancelling_every_signer_ends_the_agreement(self, store: MemoryStore) -> None:
        sign_all(store)
        for number in ("P1", "P2", "P3"):
            loans.cancel_monthly_offset(MemoryUnitOfWork(store), contract_no="HT1", account_no=number)
        assert MemoryUnitOfWork(store).loans.get("HT1").agreement is None
        with pytest.raises(Refused, match="no agreement"):
            loans.cancel_monthly_offset(MemoryUnitOfWork(store), contract_no="HT1", account_no="P1")


class TestPrepaymentAndSettlement:
    def pay_twelve(self, store: MemoryStore) -> None:
        for month in range(12):
            day = date(2023 + (3 + month) // 12, (3 + month) % 12 + 1, 1)
            loans.collect_instalment(
                MemoryUnitOfWork(store),
                contract_no="HT1",
                on=day,
                policy=POLICY,
                key=f"c{day}",
                bank=MemoryBankDebit(),
            )

    def test_prepaying_100000_after_twelve_instalments(self, store: MemoryStore) -> None:
        self.pay_twelve(store)
        assert MemoryUnitOfWork(store).loans.get("HT1").balance == D("979468.01")
        lines = loans.prepay_loan(
            MemoryUnitOfWork(store),
            contract_no="HT1",
            amount=100000,
            on=date(2024, 3, 1),
            strategy="keep-term",
            policy=POLICY,
            key="p1",
        )
        assert [(e.kind, e.principal, e.interest) for e in lines] == [
            (LoanEntryKind.PREPAYMENT, D("100000.00"), D("0.00"))
        ]
        loan = MemoryUnitOfWork(store).loans.get("HT1")
        assert (loan.payment, loan.balance) == (D("3834.20"), D("879468.01"))
        details = repayment_details(
            MemoryUnitOfWork(store).loan_journal.entries("HT1"), date(2024, 3, 1), date(2024, 3, 1)
        )
        assert details[-1].repaid_principal == loan.repaid_principal

    def test_settlement_uses_the_hpf_balance_first_then_the_bank(self, store: MemoryStore) -> None:
        self.pay_twelve(store)
        fund(store, "P1", "46760.77")
        certificate = loans.settle_loan(
            MemoryUnitOfWork(store),
            contract_no="HT1",
            on=date(2024, 3, 1),
            from_hpf="3000.00",
            policy=POLICY,
            key="s1",
            certificate_no="JQ-1",
        )
        uow = MemoryUnitOfWork(store)
        assert uow.accounts.get("P1").balance == D("43760.77")
        assert (certificate.contract_no, certificate.borrower, certificate.total_principal_repaid) == (
            "HT1",
            "张三",
            D("1000000.00"),
        )
        loan = uow.loans.get("HT1")
        assert loan.settled_on == date(2024, 3, 1)
        assert loan.agreement is None
        (line,) = [e for e in uow.loan_journal.entries("HT1") if e.kind is LoanEntryKind.SETTLEMENT]
        assert line.principal == D("979468.01")

    def test_settlement_cannot_take_more_hpf_than_the_account_has(self, store: MemoryStore) -> None:
        self.pay_twelve(store)
        before = (store.entries, store.loan_entries, store.loans)
        with pytest.raises(InsufficientFunds):
            loans.settle_loan(
                MemoryUnitOfWork(store),
                contract_no="HT1",
                on=date(2024, 3, 1),
                from_hpf="3000.00",
                policy=POLICY,
                key="s1",
                certificate_no="JQ-1",
            )
        assert (store.entries, store.loan_entries, store.loans) == before


class TestRepricingExistingLoans:
    def test_the_2024_cut_reaches_the_loan_on_1_january_2025_once(self, store: MemoryStore) -> None:
        def rate(loan: object) -> Decimal:
            return hpf_loan_rate(date(2024, 5, 18), 360)  # 2.85% (S12)

        uow = MemoryUnitOfWork(store)
        early = loans.reprice_loans(
            uow,
            change_effective=date(2024, 5, 18),
            new_rate=rate,
            rule=RepricingRule(),
            policy=POLICY,
            on=date(2024, 12, 31),
        )
        assert early == ()
        done = loans.reprice_loans(
            uow,
            change_effective=date(2024, 5, 18),
            new_rate=rate,
            rule=RepricingRule(),
            policy=POLICY,
            on=date(2025, 1, 1),
        )
        assert done == ("HT1",)
        again = loans.reprice_loans(
            uow,
            change_effective=date(2024, 5, 18),
            new_rate=rate,
            rule=RepricingRule(),
            policy=POLICY,
            on=date(2025, 6, 1),
        )
        assert again == ()
        loan = MemoryUnitOfWork(store).loans.get("HT1")
        # nothing was billed: the new rate waits for its date (D-023)
        assert loan.pending_rate == (date(2025, 1, 1), D("0.0285"))
        assert (rate_on(loan, date(2024, 12, 31)), rate_on(loan, date(2025, 1, 1))) == (
            D("0.031"),
            D("0.0285"),
        )
        assert loan.bills == ()
