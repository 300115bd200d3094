"""AccountRepository contract: deposit accounts by number, stored by compare-and-set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import attrs
import pytest

from hpf_core.accounts import (
    AccountState,
    AccountStatus,
    ContributionRounding,
    DepositAccount,
    EntryKind,
    FreezeFlag,
)
from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord
from hpf_core.ports import UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
Account = Callable[..., DepositAccount]
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]


def stored(new_uow: NewUnitOfWork, account: DepositAccount) -> DepositAccount:
    with new_uow() as uow:
        added = uow.accounts.add(account)
        uow.commit()
    return added


class TestAccountRepository:
    def test_add_stores_version_0_and_returns_it(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        added = stored(new_uow, attrs.evolve(account_record(), version=7))
        assert added.version == 0
        with new_uow() as uow:
            assert uow.accounts.get("A1") == added

    def test_get_of_an_unknown_number_is_unknown_record(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow, pytest.raises(UnknownRecord):
            uow.accounts.get("nope")

    def test_a_taken_number_or_member_id_number_is_refused(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        stored(new_uow, account_record("A1"))
        with new_uow() as uow:
            with pytest.raises(InputError):
                uow.accounts.add(account_record("A1", "M2", "440524188001010014"))
            with pytest.raises(InputError):
                uow.accounts.add(account_record("A2", "M1"))

    def test_save_returns_the_next_version_and_stores_it(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        added = stored(new_uow, account_record())
        with new_uow() as uow:
            saved = uow.accounts.save(attrs.evolve(added, base=Decimal("6000.00")))
            again = uow.accounts.save(attrs.evolve(saved, base=Decimal("7000.00")))
            uow.commit()
        assert (saved.version, again.version) == (1, 2)
        with new_uow() as uow:
            assert uow.accounts.get("A1") == again
            assert uow.accounts.get("A1").base == Decimal("7000.00")

    def test_a_stale_save_is_concurrent_update_and_writes_nothing(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        added = stored(new_uow, account_record())
        with new_uow() as uow:
            uow.accounts.save(attrs.evolve(added, base=Decimal("6000.00")))
            uow.commit()
        with new_uow() as uow:
            with pytest.raises(ConcurrentUpdate) as caught:
                uow.accounts.save(attrs.evolve(added, base=Decimal("1.00")))
            assert caught.value.value == "A1"
        with new_uow() as uow:
            assert uow.accounts.get("A1").base == Decimal("6000.00")

    def test_of_racing_saves_from_one_read_exactly_one_wins(
        self, new_uow: NewUnitOfWork, account_record: Account, race: Race
    ) -> None:
        read = stored(new_uow, account_record())

        def save(i: int) -> None:
            with new_uow() as uow:
                uow.accounts.save(attrs.evolve(read, base=Decimal(1000 + i)))
                uow.commit()

        outcomes = race(8, save)
        assert sum(o is None for o in outcomes) == 1
        assert all(isinstance(o, ConcurrentUpdate) for o in outcomes if o is not None)
        winner = outcomes.index(None)
        with new_uow() as uow:
            final = uow.accounts.get("A1")
        assert (final.version, final.base) == (1, Decimal(1000 + winner))

    def test_save_of_an_unknown_account_is_unknown_record(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        with new_uow() as uow, pytest.raises(UnknownRecord):
            uow.accounts.save(account_record())

    def test_by_employer_and_numbers_are_sorted_by_number(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        stored(new_uow, account_record("A2", "M2", "440524188001010014"))
        stored(new_uow, account_record("A1", "M1"))
        with new_uow() as uow:
            assert uow.accounts.numbers() == ["A1", "A2"]
            assert [a.account_no for a in uow.accounts.by_employer("E1")] == ["A1", "A2"]
            assert list(uow.accounts.by_employer("E9")) == []

    def test_save_many_stores_each_at_its_next_version_in_order(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        one = stored(new_uow, account_record("A1", "M1"))
        two = stored(new_uow, account_record("A2", "M2", "440524188001010014"))
        with new_uow() as uow:
            moved = uow.accounts.save(attrs.evolve(two, base=Decimal("6000.00")))  # version 1
            saved = uow.accounts.save_many(
                [attrs.evolve(moved, base=Decimal("8000.00")), attrs.evolve(one, base=Decimal("7000.00"))]
            )
            uow.commit()
        assert [(a.account_no, a.version, a.base) for a in saved] == [
            ("A2", 2, Decimal("8000.00")),
            ("A1", 1, Decimal("7000.00")),
        ]
        with new_uow() as uow:
            assert [uow.accounts.get("A1"), uow.accounts.get("A2")] == [saved[1], saved[0]]
            assert uow.accounts.save_many([]) == []

    def test_save_many_with_one_stale_or_unknown_account_raises_and_the_unit_writes_nothing(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        one = stored(new_uow, account_record("A1", "M1"))
        two = stored(new_uow, account_record("A2", "M2", "440524188001010014"))
        with new_uow() as uow:
            uow.accounts.save(attrs.evolve(two, base=Decimal("6000.00")))
            uow.commit()
        with new_uow() as uow:  # two is stale now (stored version 1)
            with pytest.raises(ConcurrentUpdate) as caught:
                uow.accounts.save_many(
                    [attrs.evolve(one, base=Decimal("1.00")), attrs.evolve(two, base=Decimal("2.00"))]
                )
            assert caught.value.value == "A2"
        unknown = account_record("A9", "M9", "440524188001010022")
        with new_uow() as uow, pytest.raises(UnknownRecord):
            uow.accounts.save_many([attrs.evolve(one, base=Decimal("3.00")), unknown])
        with new_uow() as uow:
            assert (uow.accounts.get("A1").version, uow.accounts.get("A1").base) == (0, one.base)
            assert (uow.accounts.get("A2").version, uow.accounts.get("A2").base) == (1, Decimal("6000.00"))

    def test_remit_in_store_posts_the_whole_remittance_or_writes_nothing(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        """D-078: a store either posts every account of the employer as the core would —
        here 5,000.00 × 12 % twice = 1,200.00 each, in account order, the sealed one passed
        over — or answers None and leaves every row as it was."""
        one = stored(new_uow, account_record("A1", "M1"))
        two = stored(new_uow, account_record("A2", "M2", "440524188001010014"))
        sealed = attrs.evolve(
            account_record("A3", "M3", "440524188001010022"), state=AccountState(AccountStatus.SEALED)
        )
        sealed = stored(new_uow, sealed)
        july, paid = date(2025, 7, 1), date(2025, 7, 15)
        with new_uow() as uow:
            posted = uow.accounts.remit_in_store(
                "E1", month=july, value_date=paid, rounding=ContributionRounding.HALF_UP_FEN, key="r/E1/7"
            )
            uow.commit()
        with new_uow() as uow:
            after = [uow.accounts.get(number) for number in ("A1", "A2", "A3")]
            if posted is None:
                assert after == [one, two, sealed]
                assert [list(uow.journal.entries(number)) for number in ("A1", "A2", "A3")] == [[], [], []]
                return
            assert [(e.account_no, e.kind, e.amount, e.value_date, e.key, e.month) for e in posted] == [
                ("A1", EntryKind.REMITTANCE, Decimal("1200.00"), paid, "r/E1/7/A1", july),
                ("A2", EntryKind.REMITTANCE, Decimal("1200.00"), paid, "r/E1/7/A2", july),
            ]
            assert posted[0].sequence < posted[1].sequence
            assert [uow.journal.get(e.entry_id) for e in posted] == list(posted)
            for account, before in zip(after[:2], (one, two), strict=True):
                assert account == attrs.evolve(
                    before, balance=Decimal("1200.00"), paid_months=frozenset({july}), last_value_date=paid,
                    version=1,
                )  # fmt: skip
            assert after[2] == sealed

    def test_remit_in_store_steps_aside_for_an_account_it_cannot_vouch_for(
        self, new_uow: NewUnitOfWork, account_record: Account
    ) -> None:
        """One account frozen for debits (the core would still credit it): no store posts
        in its place, and nothing is written."""
        one = stored(new_uow, account_record("A1", "M1"))
        frozen = AccountState(AccountStatus.NORMAL, FreezeFlag.CREDITS_ONLY)
        two = stored(new_uow, attrs.evolve(account_record("A2", "M2", "440524188001010014"), state=frozen))
        with new_uow() as uow:
            posted = uow.accounts.remit_in_store(
                "E1", month=date(2025, 7, 1), value_date=date(2025, 7, 15),
                rounding=ContributionRounding.HALF_UP_FEN, key="r/E1/7",
            )  # fmt: skip
            uow.commit()
            assert uow.accounts.remit_in_store(
                "E9", month=date(2025, 7, 1), value_date=date(2025, 7, 15),
                rounding=ContributionRounding.HALF_UP_FEN, key="r/E9/7",
            ) is None  # fmt: skip
        assert posted is None
        with new_uow() as uow:
            assert [uow.accounts.get("A1"), uow.accounts.get("A2")] == [one, two]
            assert list(uow.journal.entries("A1")) == []
