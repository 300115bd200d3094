"""CardRepository contract: one card at a time, or the whole list by compare-and-set."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord
from hpf_core.ports import UnitOfWork
from hpf_core.withdrawals import BankCard

NewUnitOfWork = Callable[[], UnitOfWork]
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]
ICBC = BankCard("M1", "6222021234567890128", "中国工商银行")
CCB = BankCard("M1", "6217001234567890122", "中国建设银行")


class TestCardRepository:
    def test_cards_are_listed_in_the_order_added(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            assert list(uow.cards.cards_of("M1")) == []
            uow.cards.add(CCB)
            uow.cards.add(ICBC)
            uow.commit()
        with new_uow() as uow:
            assert list(uow.cards.cards_of("M1")) == [CCB, ICBC]
            assert list(uow.cards.cards_of("M2")) == []

    def test_the_same_card_twice_is_refused_and_remove_takes_one_out(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.cards.add(CCB)
            with pytest.raises(InputError):
                uow.cards.add(CCB)
            uow.cards.add(ICBC)
            uow.cards.remove("M1", CCB.number)
            assert list(uow.cards.cards_of("M1")) == [ICBC]
            with pytest.raises(UnknownRecord):
                uow.cards.remove("M1", CCB.number)

    def test_replace_with_a_stale_expected_list_is_concurrent_update(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.cards.add(CCB)
            uow.commit()
        with new_uow() as uow:
            seen = list(uow.cards.cards_of("M1"))
        with new_uow() as uow:
            uow.cards.add(ICBC)
            uow.commit()
        with new_uow() as uow:
            with pytest.raises(ConcurrentUpdate):
                uow.cards.replace("M1", [], expected=seen)
            uow.cards.replace("M1", [ICBC], expected=[CCB, ICBC])
            assert list(uow.cards.cards_of("M1")) == [ICBC]

    def test_racing_adds_of_different_cards_both_take_effect(
        self, new_uow: NewUnitOfWork, race: Race
    ) -> None:
        cards = [CCB, ICBC]

        def add(i: int) -> None:
            with new_uow() as uow:
                uow.cards.add(cards[i])
                uow.commit()

        assert race(2, add) == [None, None]
        with new_uow() as uow:
            assert sorted(c.number for c in uow.cards.cards_of("M1")) == sorted(c.number for c in cards)

    def test_racing_replaces_from_one_read_exactly_one_wins(self, new_uow: NewUnitOfWork, race: Race) -> None:
        with new_uow() as uow:
            seen = list(uow.cards.cards_of("M1"))
        cards = [CCB, ICBC]

        def replace(i: int) -> None:
            with new_uow() as uow:
                uow.cards.replace("M1", [cards[i % 2]], expected=seen)
                uow.commit()

        outcomes = race(6, replace)
        assert sum(o is None for o in outcomes) == 1
        assert all(isinstance(o, ConcurrentUpdate) for o in outcomes if o is not None)
