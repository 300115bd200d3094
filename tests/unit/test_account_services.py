"""Deposit account services on the in-memory adapter: remittance batches, back-pay,
withdrawals, reversals, interest settlement, freezes, seals and transfers out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_core.accounts import (
    AccountState,
    AccountStatus,
    DayBasis,
    DepositAccount,
    Employer,
    EntryKind,
    FreezeFlag,
    JournalEntry,
    Member,
    account_info,
    balance_of,
    deposit_history,
    interest_statement,
)
from hpf_core.accounts import services as svc
from hpf_core.errors import (
    IdempotencyConflict,
    InsufficientFunds,
    InvalidIdempotencyKey,
    InvalidTransition,
    Refused,
    UnknownRecord,
)

D = Decimal
ACME = Employer("150101329", "阿勒泰示例单位")
RATE_15 = [(date(2016, 2, 21), D("0.015"))]


def member(n: int) -> Member:
    ids = ["11010519491231002X", "440524188001010014", "11010219840406970X"]
    return Member(f"M{n}", f"职工{n}", ids[n], "13800138000")


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore()
    uow = MemoryUnitOfWork(s)
    # the seed screen's account: base 5,225.00 at 12% + 12% -> 627.00 + 627.00
    svc.open_account(
        uow,
        account_no="A0",
        member=member(0),
        employer=ACME,
        opened_on=date(2015, 3, 2),
        base="5225.00",
        employee_ratio="0.12",
        employer_ratio="0.12",
        first_month=date(2015, 3, 1),
    )
    svc.open_account(
        uow,
        account_no="A1",
        member=member(1),
        employer=ACME,
        opened_on=date(2015, 3, 2),
        base="3000.00",
        employee_ratio="0.07",
        employer_ratio="0.07",
    )
    return s


def remit(uow: MemoryUnitOfWork, **fields: Any) -> tuple[JournalEntry, ...]:
    """An employer's remittance at the seed centre's rounding (half up to the yuan)."""
    return svc.remit_month(uow, rounding="half-up-yuan", **fields)


def account(store: MemoryStore, number: str) -> DepositAccount:
    return MemoryUnitOfWork(store).accounts.get(number)


class TestRemittance:
    def test_one_month_credits_every_contributing_account_as_a_batch(self, store: MemoryStore) -> None:
        entries = remit(
            MemoryUnitOfWork(store),
            employer_no=ACME.employer_no,
            month=date(2025, 7, 1),
            value_date=date(2025, 7, 5),
            key="acme-2025-07",
        )
        # A0: 5,225 x 12% = 627.00 per side -> 1,254.00; A1: 3,000 x 7% = 210.00 -> 420.00
        assert [(e.account_no, e.amount) for e in entries] == [("A0", D("1254.00")), ("A1", D("420.00"))]
        assert account(store, "A0").paid_through == date(2025, 7, 1)
        assert account(store, "A0").balance == D("1254.00")

    def test_the_same_month_cannot_be_paid_twice_and_the_batch_is_all_or_nothing(
        self, store: MemoryStore
    ) -> None:
        uow = MemoryUnitOfWork(store)
        remit(
            uow, employer_no=ACME.employer_no, month=date(2025, 7, 1), value_date=date(2025, 7, 5), key="k1"
        )
        before = store.entries
        with pytest.raises(Refused) as info:
            remit(
                uow,
                employer_no=ACME.employer_no,
                month=date(2025, 7, 1),
                value_date=date(2025, 7, 6),
                key="k2",
            )
        assert {v.code for v in info.value.violations} == {"month_paid"}
        assert len(info.value.violations) == 2  # every reason, one per account
        assert store.entries == before

    def test_a_skipped_month_is_a_gap_that_back_pay_fills(self, store: MemoryStore) -> None:
        uow = MemoryUnitOfWork(store)
        for month, key in ((date(2025, 7, 1), "m7"), (date(2025, 9, 1), "m9")):
            remit(uow, employer_no=ACME.employer_no, month=month, value_date=month, key=key)
        assert account(store, "A1").gaps == (date(2025, 8, 1),)
        # A0's 启缴年月 is 2015-03: every unpaid month from then on is a gap,
        # 2015-03 .. 2025-06 (124 months) and 2025-08
        assert account(store, "A0").gaps[0] == date(2015, 3, 1)
        assert len(account(store, "A0").gaps) == 125
        svc.back_pay(
            uow,
            account_no="A0",
            month=date(2025, 8, 1),
            amount="1254.00",
            value_date=date(2025, 10, 3),
            key="bp-8",
        )
        assert date(2025, 8, 1) not in account(store, "A0").gaps
        assert [r.month for r in deposit_history(store.entries)] == [
            date(2025, 7, 1),
            date(2025, 7, 1),
            date(2025, 8, 1),
            date(2025, 9, 1),
            date(2025, 9, 1),
        ]
        with pytest.raises(Refused, match="not a gap"):
            svc.back_pay(
                uow,
                account_no="A0",
                month=date(2025, 10, 1),
                amount="1254.00",
                value_date=date(2025, 10, 3),
                key="bp-10",
            )

    def test_a_sealed_account_is_skipped(self, store: MemoryStore) -> None:
        svc.seal(MemoryUnitOfWork(store), account_no="A1")
        entries = remit(
            MemoryUnitOfWork(store),
            employer_no=ACME.employer_no,
            month=date(2025, 7, 1),
            value_date=date(2025, 7, 5),
            key="k",
        )
        assert [e.account_no for e in entries] == ["A0"]


class TestIdempotency:
    def test_a_replay_returns_the_first_result_and_changes_nothing(self, store: MemoryStore) -> None:
        uow = MemoryUnitOfWork(store)
        first = remit(
            uow, employer_no=ACME.employer_no, month=date(2025, 7, 1), value_date=date(2025, 7, 5), key="k"
        )
        after_first = store.entries
        again = remit(
            uow, employer_no=ACME.employer_no, month=date(2025, 7, 1), value_date=date(2025, 7, 5), key="k"
        )
        assert again == first
        assert store.entries == after_first

    def test_the_same_key_with_a_different_parameter_is_refused_naming_it(self, store: MemoryStore) -> None:
        uow = MemoryUnitOfWork(store)
        remit(uow, employer_no=ACME.employer_no, month=date(2025, 7, 1), value_date=date(2025, 7, 5), key="k")
        svc.withdraw(uow, account_no="A0", amount="100.00", value_date=date(2025, 8, 1), key="w")
        before = store.entries
        with pytest.raises(IdempotencyConflict) as info:
            svc.withdraw(uow, account_no="A0", amount="100.01", value_date=date(2025, 8, 1), key="w")
        assert info.value.field == "amount"
        with pytest.raises(IdempotencyConflict, match="withdraw"):
            svc.back_pay(
                uow,
                account_no="A0",
                month=date(2025, 6, 1),
                amount="1.00",
                value_date=date(2025, 8, 1),
                key="w",
            )
        assert store.entries == before

    def test_a_refused_request_is_not_remembered(self, store: MemoryStore) -> None:
        uow = MemoryUnitOfWork(store)
        with pytest.raises(InsufficientFunds):
            svc.withdraw(uow, account_no="A0", amount="1.00", value_date=date(2025, 8, 1), key="w")
        remit(uow, employer_no=ACME.employer_no, month=date(2025, 7, 1), value_date=date(2025, 7, 5), key="k")
        entry = svc.withdraw(uow, account_no="A0", amount="1.00", value_date=date(2025, 8, 1), key="w")
        assert entry.amount == D("-1.00")

    @pytest.mark.parametrize("key", ["", "x" * 256, "bad\nkey"])
    def test_bad_keys_are_refused(self, store: MemoryStore, key: str) -> None:
        with pytest.raises(InvalidIdempotencyKey):
            svc.withdraw(
                MemoryUnitOfWork(store), account_no="A0", amount="1.00", value_date=date(2025, 8, 1), key=key
            )


class TestWithdrawalsAndFreezes:
    def fund(self, store: MemoryStore) -> None:
        remit(
            MemoryUnitOfWork(store),
            employer_no=ACME.employer_no,
            month=date(2025, 7, 1),
            value_date=date(2025, 7, 5),
            key="fund",
        )

    def test_a_partial_freeze_keeps_its_amount(self, store: MemoryStore) -> None:
        self.fund(store)
        uow = MemoryUnitOfWork(store)
        svc.freeze(uow, account_no="A0", flag=FreezeFlag.PARTIAL, amount="1000.00")
        with pytest.raises(InsufficientFunds):
            svc.withdraw(uow, account_no="A0", amount="254.01", value_date=date(2025, 8, 1), key="w1")
        svc.withdraw(uow, account_no="A0", amount="254.00", value_date=date(2025, 8, 1), key="w2")
        assert account(store, "A0").balance == D("1000.00")

    def test_credits_only_takes_remittances_but_pays_nothing(self, store: MemoryStore) -> None:
        uow = MemoryUnitOfWork(store)
        svc.freeze(uow, account_no="A0", flag=FreezeFlag.CREDITS_ONLY)
        self.fund(store)
        assert account(store, "A0").balance == D("1254.00")
        with pytest.raises(InvalidTransition, match="只收不付"):
            svc.withdraw(uow, account_no="A0", amount="1.00", value_date=date(2025, 8, 1), key="w")
        assert svc.unfreeze(uow, account_no="A0").status is AccountStatus.NORMAL

    def test_reversal_cancels_an_entry_once_and_never_goes_below_zero(self, store: MemoryStore) -> None:
        self.fund(store)
        uow = MemoryUnitOfWork(store)
        credit = store.entries[0]
        svc.withdraw(uow, account_no="A0", amount="1000.00", value_date=date(2025, 8, 1), key="w")
        with pytest.raises(InsufficientFunds):
            svc.reverse_entry(uow, entry_id=credit.entry_id, value_date=date(2025, 8, 2), key="r1")
        withdrawal = store.entries[-1]
        reversal = svc.reverse_entry(uow, entry_id=withdrawal.entry_id, value_date=date(2025, 8, 2), key="r2")
        assert reversal.amount == D("1000.00")
        assert reversal.reverses == withdrawal.entry_id
        with pytest.raises(Refused, match="already reversed"):
            svc.reverse_entry(uow, entry_id=withdrawal.entry_id, value_date=date(2025, 8, 2), key="r3")
        # reversing the remittance frees its month for a new remittance
        svc.reverse_entry(uow, entry_id=credit.entry_id, value_date=date(2025, 8, 3), key="r4")
        assert date(2025, 7, 1) not in account(store, "A0").paid_months
        assert account(store, "A0").balance == balance_of(MemoryUnitOfWork(store).journal.entries("A0")) == 0

    def test_an_unknown_account_is_a_lookup_error(self, store: MemoryStore) -> None:
        with pytest.raises(UnknownRecord):
            svc.withdraw(
                MemoryUnitOfWork(store),
                account_no="NOPE",
                amount="1.00",
                value_date=date(2025, 8, 1),
                key="w",
            )


class TestInterestAndTransfer:
    def test_annual_settlement_credits_each_account_once(self, store: MemoryStore) -> None:
        uow = MemoryUnitOfWork(store)
        remit(uow, employer_no=ACME.employer_no, month=date(2025, 7, 1), value_date=date(2025, 7, 1), key="k")
        entries = svc.settle_annual_interest(
            uow, year=2025, rates=RATE_15, basis=DayBasis.ACTUAL_365, key="s", on=date(2026, 7, 1)
        )
        # A0: 1,254.00 held all 365 days at 1.5% / 365 -> 1,254 x 0.015 = 18.81
        # A1: 420.00 x 0.015 = 6.30
        assert [(e.account_no, e.amount, e.value_date) for e in entries] == [
            ("A0", D("18.81"), date(2026, 7, 1)),
            ("A1", D("6.30"), date(2026, 7, 1)),
        ]
        again = svc.settle_annual_interest(
            uow, year=2025, rates=RATE_15, basis=DayBasis.ACTUAL_365, key="s2", on=date(2026, 7, 1)
        )
        assert again == ()  # every account already settled for 2025
        statement = interest_statement(
            MemoryUnitOfWork(store).journal.entries("A0"), 2025, rates=RATE_15, basis=DayBasis.ACTUAL_365
        )
        assert (
            statement.opening_balance,
            statement.credits,
            statement.interest_due,
            statement.interest_credited,
        ) == (D("0.00"), D("1254.00"), D("18.81"), D("18.81"))

    def test_transfer_out_credits_closing_interest_and_closes(self, store: MemoryStore) -> None:
        uow = MemoryUnitOfWork(store)
        remit(uow, employer_no=ACME.employer_no, month=date(2025, 7, 1), value_date=date(2025, 7, 1), key="k")
        entries = svc.transfer_out(
            uow, account_no="A1", on=date(2025, 10, 1), rates=RATE_15, basis=DayBasis.ACTUAL_360, key="t"
        )
        # closing interest 1 July - 30 September: 92 days x 420.00 = 38,640 x 0.015 / 360 = 1.61
        assert [(e.kind, e.amount) for e in entries] == [
            (EntryKind.INTEREST, D("1.61")),
            (EntryKind.TRANSFER_OUT, D("-421.61")),
        ]
        closed = account(store, "A1")
        assert closed.status is AccountStatus.CLOSED_TRANSFERRED
        assert closed.balance == 0
        with pytest.raises(InvalidTransition, match="closed"):
            svc.unseal(uow, account_no="A1")


class TestAccountInfo:
    def test_the_seed_screen_fields_with_masked_personal_data(self, store: MemoryStore) -> None:
        remit(
            MemoryUnitOfWork(store),
            employer_no=ACME.employer_no,
            month=date(2025, 7, 1),
            value_date=date(2025, 7, 5),
            key="k",
        )
        info = account_info(account(store, "A0"), rounding="half-up-yuan")
        assert (info.status, info.base, info.employee_monthly, info.employer_monthly) == (
            "正常",
            D("5225.00"),
            D("627.00"),
            D("627.00"),
        )
        assert (info.employee_ratio, info.employer_ratio) == (D("0.12"), D("0.12"))
        assert (info.first_month, info.paid_through, info.opened_on) == ("201503", "202507", date(2015, 3, 2))
        assert info.id_number == "110105********002X"
        assert info.phone == "138****8000"


class TestValueDates:
    """Value-date rules that keep every day's balance non-negative and settled years final."""

    def test_money_out_cannot_be_dated_before_money_already_in(self, store: MemoryStore) -> None:
        remit(
            MemoryUnitOfWork(store),
            employer_no=ACME.employer_no,
            month=date(2025, 7, 1),
            value_date=date(2025, 7, 5),
            key="k",
        )
        with pytest.raises(Refused, match="before the latest posting"):
            svc.withdraw(
                MemoryUnitOfWork(store),
                account_no="A0",
                amount="1000.00",
                value_date=date(2025, 7, 1),
                key="w",
            )
        # so settling the year can never meet a negative day
        entries = svc.settle_annual_interest(
            MemoryUnitOfWork(store),
            year=2025,
            rates=RATE_15,
            basis="actual/365",
            key="s",
            on=date(2026, 7, 1),
        )
        assert [e.account_no for e in entries] == ["A0", "A1"]

    def test_a_settled_year_takes_no_late_postings(self, store: MemoryStore) -> None:
        uow = MemoryUnitOfWork(store)
        remit(uow, employer_no=ACME.employer_no, month=date(2024, 7, 1), value_date=date(2024, 7, 1), key="k")
        remit(
            uow, employer_no=ACME.employer_no, month=date(2024, 9, 1), value_date=date(2024, 9, 1), key="k9"
        )
        svc.settle_annual_interest(
            uow, year=2024, rates=RATE_15, basis=DayBasis.ACTUAL_365, key="s", on=date(2025, 7, 1)
        )
        with pytest.raises(Refused) as info:
            svc.back_pay(
                uow,
                account_no="A0",
                month=date(2024, 8, 1),
                amount="1254.00",
                value_date=date(2025, 1, 1),
                key="bp",
            )
        assert "value_date_in_settled_year" in {v.code for v in info.value.violations}
        # dated after the settled year it is accepted
        svc.back_pay(
            uow,
            account_no="A0",
            month=date(2024, 8, 1),
            amount="1254.00",
            value_date=date(2025, 7, 2),
            key="bp2",
        )

    def test_a_remittance_cannot_be_valued_before_its_month(self, store: MemoryStore) -> None:
        with pytest.raises(Refused, match="before 2025-07 began"):
            remit(
                MemoryUnitOfWork(store),
                employer_no=ACME.employer_no,
                month=date(2025, 7, 1),
                value_date=date(2025, 6, 30),
                key="k",
            )


class TestSettlementBatch:
    def test_empty_accounts_get_no_entry_and_status_99_does_not_stop_the_batch(
        self, store: MemoryStore
    ) -> None:
        uow = MemoryUnitOfWork(store)
        svc.receive_transfer(uow, account_no="A0", amount="1000.00", value_date=date(2025, 7, 1), key="t")
        with MemoryUnitOfWork(store) as work:  # a status only a centre's data import sets
            odd = work.accounts.get("A1")
            work.accounts.save(attrs.evolve(odd, state=AccountState(AccountStatus.OTHER)))
            work.commit()
        entries = svc.settle_annual_interest(
            uow, year=2025, rates=RATE_15, basis="actual/365", key="s", on=date(2026, 7, 1)
        )
        # 1,000.00 x 1.5% for a whole year = 15.00; A1 (status 99) is left to the centre
        assert [(e.account_no, e.amount) for e in entries] == [("A0", D("15.00"))]


class TestServiceInputs:
    def test_strings_are_accepted_for_basis_and_kind(self, store: MemoryStore) -> None:
        svc.receive_transfer(
            MemoryUnitOfWork(store), account_no="A0", amount="500.00", value_date=date(2025, 7, 1), key="t"
        )
        entry = svc.withdraw(
            MemoryUnitOfWork(store),
            account_no="A0",
            amount="100.00",
            value_date=date(2025, 7, 2),
            key="w",
            kind="loan-deduction",
        )
        assert entry.kind is EntryKind.LOAN_DEDUCTION

    def test_an_unknown_kind_or_flag_is_an_input_error(self, store: MemoryStore) -> None:
        from hpf_core.errors import InvalidChoice

        with pytest.raises(InvalidChoice, match="kind"):
            svc.withdraw(
                MemoryUnitOfWork(store),
                account_no="A0",
                amount="1.00",
                value_date=date(2025, 7, 2),
                key="w",
                kind="interest",
            )
        with pytest.raises(InvalidChoice, match="flag"):
            svc.freeze(MemoryUnitOfWork(store), account_no="A0", flag=FreezeFlag.NONE)

    def test_open_account_checks_the_base_and_the_centres_ratio_bounds(self, store: MemoryStore) -> None:
        from hpf_adapters.policies import load_policy
        from hpf_core.errors import InvalidAmount, InvalidContributionRatio

        with pytest.raises(InvalidAmount, match="base"):
            svc.open_account(
                MemoryUnitOfWork(store),
                account_no="A9",
                member=member(2),
                employer=ACME,
                opened_on=date(2025, 1, 1),
                base="-100",
                employee_ratio="0.12",
                employer_ratio="0.12",
            )
        shanghai = load_policy("shanghai").contributions
        with pytest.raises(InvalidContributionRatio, match="employee_ratio"):
            svc.open_account(
                MemoryUnitOfWork(store),
                account_no="A9",
                member=member(2),
                employer=ACME,
                opened_on=date(2025, 1, 1),
                base="9000",
                employee_ratio="0.99",
                employer_ratio="0.12",
                policy=shanghai,
            )
        opened = svc.open_account(
            MemoryUnitOfWork(store),
            account_no="A9",
            member=member(2),
            employer=ACME,
            opened_on=date(2025, 1, 1),
            base="50000",
            employee_ratio="0.07",
            employer_ratio="0.07",
            policy=shanghai,
        )
        assert opened.base == D("37302.00")  # clamped to Shanghai's FY2025 ceiling [S21]


class TestPurePostingsRaise:
    """D-038: a posting function returns (account, draft) or raises the refusal with every
    reason; it never returns violations."""

    def _account(self, balance: str, last: date) -> DepositAccount:
        return DepositAccount(
            "P1",
            member(0),
            ACME,
            date(2020, 1, 2),
            D("5000.00"),
            D("0.12"),
            D("0.12"),
            balance=D(balance),
            last_value_date=last,
        )

    def test_a_debit_refused_for_two_reasons_carries_both(self) -> None:
        from hpf_core.accounts import debit

        account = self._account("100.00", date(2024, 5, 10))
        with pytest.raises(InsufficientFunds) as caught:
            debit(
                account, kind=EntryKind.WITHDRAWAL, amount=D("100.01"), value_date=date(2024, 5, 9), key="k"
            )
        assert caught.value.codes == ("insufficient_funds", "value_date_before_last_posting")

    def test_an_allowed_debit_returns_the_account_and_the_draft(self) -> None:
        from hpf_core.accounts import debit

        account = self._account("100.00", date(2024, 5, 10))
        updated, draft = debit(
            account, kind=EntryKind.WITHDRAWAL, amount=D("40.00"), value_date=date(2024, 5, 10), key="k"
        )
        assert updated.balance == D("60.00")  # 100.00 - 40.00
        assert draft.amount == D("-40.00")

    def test_closing_with_money_in_the_account_raises(self) -> None:
        from hpf_core.accounts import AccountEvent, change_state

        with pytest.raises(InvalidTransition) as caught:
            change_state(self._account("0.01", date(2024, 5, 10)), AccountEvent.CLOSE_TRANSFERRED)
        assert caught.value.codes == ("balance_not_zero",)
        closed = change_state(self._account("0.00", date(2024, 5, 10)), AccountEvent.CLOSE_TRANSFERRED)
        assert closed.status is AccountStatus.CLOSED_TRANSFERRED
