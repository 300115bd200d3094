"""Bank cards a member is paid to (收款银行卡; seed §5.2.1 添加新银行卡)."""

from __future__ import annotations

import pytest

from hpf_core.errors import InputError, InputTypeError, InvalidCardNumber, Refused
from hpf_core.withdrawals import (
    BIN_TABLE,
    BankCard,
    add_card,
    bank_of,
    cards_of,
    choose_card,
)

ICBC_CARD = "6222021234567890128"
CCB_CARD = "6217001234567890122"
UNLISTED_CARD = "4111111111111111"  # the textbook Luhn example (DOMAIN.md §9.2); its BIN is not listed
BRANCH = "中国工商银行股份有限公司贵州省贵阳开阳支行开磷分理处"  # a 收款银行 the seed's screen shows


def added(result: tuple[BankCard, ...]) -> tuple[BankCard, ...]:
    assert isinstance(result, tuple), result
    return result


class TestAddingACard:
    def test_a_listed_bin_names_the_bank(self) -> None:
        (card,) = added(add_card((), "M1", ICBC_CARD))
        assert (card.member_id, card.number, card.bank) == ("M1", ICBC_CARD, "中国工商银行")

    def test_a_given_bank_name_is_kept_even_for_a_listed_bin(self) -> None:
        (card,) = added(add_card((), "M1", ICBC_CARD, bank=BRANCH))
        assert card.bank == BRANCH

    def test_an_unlisted_bin_needs_the_bank_name(self) -> None:
        with pytest.raises(Refused) as info:
            add_card((), "M1", UNLISTED_CARD)
        (result,) = info.value.violations
        assert (result.code, result.field) == ("bank_required", "bank")
        assert UNLISTED_CARD not in result.message

    def test_a_blank_bank_name_counts_as_none(self) -> None:
        assert added(add_card((), "M1", CCB_CARD, bank="  "))[0].bank == "中国建设银行"
        with pytest.raises(Refused) as info:
            add_card((), "M1", UNLISTED_CARD, bank=" ")
        (result,) = info.value.violations
        assert result.code == "bank_required"

    def test_a_number_failing_luhn_raises(self) -> None:
        with pytest.raises(InvalidCardNumber):
            add_card((), "M1", "6222021234567890123")  # fails Luhn (DOMAIN.md §9.2)

    def test_spaces_and_dashes_are_removed(self) -> None:
        (card,) = added(add_card((), "M1", "6222-0212 3456 7890 128"))
        assert card.number == ICBC_CARD

    def test_a_card_the_member_already_has_is_refused(self) -> None:
        cards = added(add_card((), "M1", ICBC_CARD))
        with pytest.raises(Refused) as info:
            add_card(cards, "M1", "6222 0212 3456 7890 128", bank="中国工商银行")
        (result,) = info.value.violations
        assert (result.code, result.field) == ("card_exists", "number")

    def test_another_members_card_with_the_same_number_does_not_block(self) -> None:
        cards = added(add_card((), "M2", ICBC_CARD))
        assert len(added(add_card(cards, "M1", ICBC_CARD))) == 2

    def test_existing_cards_are_kept_in_order(self) -> None:
        cards = added(add_card((), "M1", ICBC_CARD))
        cards = added(add_card(cards, "M2", UNLISTED_CARD, bank="中国银行"))
        cards = added(add_card(cards, "M1", CCB_CARD))
        assert [c.number for c in cards] == [ICBC_CARD, UNLISTED_CARD, CCB_CARD]
        assert [c.number for c in cards_of(cards, "M1")] == [ICBC_CARD, CCB_CARD]

    def test_a_bank_that_is_not_a_string_raises(self) -> None:
        with pytest.raises(InputTypeError, match="bank"):
            add_card((), "M1", ICBC_CARD, bank=1)  # type: ignore[arg-type]

    def test_a_blank_member_raises(self) -> None:
        with pytest.raises(InputError, match="member_id"):
            add_card((), "", ICBC_CARD)


class TestTheBinTable:
    def test_every_row_is_a_six_digit_prefix_with_a_bank_name(self) -> None:
        assert BIN_TABLE
        for prefix, bank in BIN_TABLE.items():
            assert len(prefix) == 6
            assert prefix.isdigit()
            assert bank.endswith("银行")

    def test_the_banks_the_seed_shows_are_listed(self) -> None:
        assert {"中国工商银行", "中国建设银行"} <= set(BIN_TABLE.values())

    def test_the_table_cannot_be_changed(self) -> None:
        with pytest.raises(TypeError):
            BIN_TABLE["999999"] = "x"  # type: ignore[index]

    def test_lookup(self) -> None:
        assert bank_of(ICBC_CARD) == "中国工商银行"
        assert bank_of(CCB_CARD) == "中国建设银行"
        assert bank_of("6225768888888888") == "招商银行"
        assert bank_of(UNLISTED_CARD) is None


class TestChoosingACard:
    def test_the_member_chooses_one_of_their_cards(self) -> None:
        cards = added(add_card(added(add_card((), "M1", ICBC_CARD)), "M1", CCB_CARD))
        chosen = choose_card(cards, "M1", "6217 0012 3456 7890 122")
        assert isinstance(chosen, BankCard)
        assert chosen.number == CCB_CARD

    def test_a_card_not_added_is_refused(self) -> None:
        with pytest.raises(Refused) as info:
            choose_card(added(add_card((), "M1", ICBC_CARD)), "M1", CCB_CARD)
        (result,) = info.value.violations
        assert result.code == "unknown_card"

    def test_another_members_card_cannot_be_chosen(self) -> None:
        with pytest.raises(Refused) as info:
            choose_card(added(add_card((), "M2", ICBC_CARD)), "M1", ICBC_CARD)
        (result,) = info.value.violations
        assert result.code == "unknown_card"


class TestShowingACard:
    def test_the_number_is_shown_first_six_last_four(self) -> None:
        assert BankCard("M1", ICBC_CARD, "中国工商银行").masked == "622202*********0128"

    def test_the_repr_never_shows_the_whole_number(self) -> None:
        card = BankCard("M1", ICBC_CARD, "中国工商银行")
        assert ICBC_CARD not in repr(card)
        assert "中国工商银行" in repr(card)

    def test_a_card_record_checks_its_own_fields(self) -> None:
        with pytest.raises(InvalidCardNumber):
            BankCard("M1", "1234", "中国工商银行")
        with pytest.raises(InputError, match="bank"):
            BankCard("M1", ICBC_CARD, "")
