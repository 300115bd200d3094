"""Bank cards a member is paid to (收款银行卡; seed §5.2.1 添加新银行卡)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

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
UNLISTED_CARD = "4111111111111111"  # the textbook Luhn example (docs/domain.md §9.2); its BIN is not listed
BRANCH = "中国工商银行股份有限公司贵州省贵阳开阳支行开磷分理处"
CHECKED = datetime(
    2018, 5, 29, 11, 0, tzinfo=timezone(timedelta(hours=8))
)  # a password check just now  # a 收款银行 the seed's screen shows


def add(
    cards: tuple[BankCard, ...], member_id: str, number: str, bank: str | None = None
) -> tuple[BankCard, ...]:
    """add_card right after a password check (the check itself: TestTheRecentCheck)."""
    return add_card(cards, member_id, number, bank, verified_at=CHECKED, at=CHECKED)


def added(result: tuple[BankCard, ...]) -> tuple[BankCard, ...]:
    assert isinstance(result, tuple), result
    return result


class TestAddingACard:
    def test_a_listed_bin_names_the_bank(self) -> None:
        (card,) = added(add((), "M1", ICBC_CARD))
        assert (card.member_id, card.number, card.bank) == ("M1", ICBC_CARD, "中国工商银行")

    def test_a_given_bank_name_is_kept_even_for_a_listed_bin(self) -> None:
        (card,) = added(add((), "M1", ICBC_CARD, bank=BRANCH))
        assert card.bank == BRANCH

    def test_an_unlisted_bin_needs_the_bank_name(self) -> None:
        with pytest.raises(Refused) as info:
            add((), "M1", UNLISTED_CARD)
        (result,) = info.value.violations
        assert (result.code, result.field) == ("bank_required", "bank")
        assert UNLISTED_CARD not in result.message

    def test_a_blank_bank_name_counts_as_none(self) -> None:
        assert added(add((), "M1", CCB_CARD, bank="  "))[0].bank == "中国建设银行"
        with pytest.raises(Refused) as info:
            add((), "M1", UNLISTED_CARD, bank=" ")
        (result,) = info.value.violations
        assert result.code == "bank_required"

    def test_a_card_number_failing_luhn_is_kept_with_a_warning(self) -> None:
        # D-046: Luhn is a soft check (docs/domain.md §9.2: some issuers' cards are said to fail it)
        (card,) = added(add((), "M1", "6222021234567890123"))  # fails Luhn
        assert card.warnings == ("luhn_failed",)

    def test_a_number_of_the_wrong_length_raises(self) -> None:
        for number in ("123456789", "1" * 31, "0000000000"):
            with pytest.raises(InvalidCardNumber):
                add((), "M1", number, bank="中国银行")

    def test_spaces_and_dashes_are_removed(self) -> None:
        (card,) = added(add((), "M1", "6222-0212 3456 7890 128"))
        assert card.number == ICBC_CARD

    def test_a_card_the_member_already_has_is_refused(self) -> None:
        cards = added(add((), "M1", ICBC_CARD))
        with pytest.raises(Refused) as info:
            add(cards, "M1", "6222 0212 3456 7890 128", bank="中国工商银行")
        (result,) = info.value.violations
        assert (result.code, result.field) == ("card_exists", "number")

    def test_another_members_card_with_the_same_number_does_not_block(self) -> None:
        cards = added(add((), "M2", ICBC_CARD))
        assert len(added(add(cards, "M1", ICBC_CARD))) == 2

    def test_existing_cards_are_kept_in_order(self) -> None:
        cards = added(add((), "M1", ICBC_CARD))
        cards = added(add(cards, "M2", UNLISTED_CARD, bank="中国银行"))
        cards = added(add(cards, "M1", CCB_CARD))
        assert [c.number for c in cards] == [ICBC_CARD, UNLISTED_CARD, CCB_CARD]
        assert [c.number for c in cards_of(cards, "M1")] == [ICBC_CARD, CCB_CARD]

    def test_a_bank_that_is_not_a_string_raises(self) -> None:
        with pytest.raises(InputTypeError, match="bank"):
            add((), "M1", ICBC_CARD, bank=1)  # type: ignore[arg-type]

    def test_a_blank_member_raises(self) -> None:
        with pytest.raises(InputError, match="member_id"):
            add((), "", ICBC_CARD)


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
        cards = added(add(added(add((), "M1", ICBC_CARD)), "M1", CCB_CARD))
        chosen = choose_card(cards, "M1", "6217 0012 3456 7890 122")
        assert isinstance(chosen, BankCard)
        assert chosen.number == CCB_CARD

    def test_a_card_not_added_is_refused(self) -> None:
        with pytest.raises(Refused) as info:
            choose_card(added(add((), "M1", ICBC_CARD)), "M1", CCB_CARD)
        (result,) = info.value.violations
        assert result.code == "unknown_card"

    def test_another_members_card_cannot_be_chosen(self) -> None:
        with pytest.raises(Refused) as info:
            choose_card(added(add((), "M2", ICBC_CARD)), "M1", ICBC_CARD)
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


class TestTheSeedsReceivingAccounts:
    """The four 收款银行账号 the seed's screens show (§5.2.1) are bank account numbers of 11
    and 12 digits: accepted, masked, kept without a Luhn warning (not card-like)."""

    @pytest.mark.parametrize(
        ("number", "shown"),
        [
            ("201800525001", "20180***5001"),
            ("20180722001", "2018***2001"),
            ("20180723001", "2018***3001"),
            ("20180723002", "2018***3002"),
        ],
    )
    def test_accepted(self, number: str, shown: str) -> None:
        (card,) = added(add((), "M1", number, bank=BRANCH))
        assert (card.number, card.masked, card.warnings) == (number, shown, ())
        assert choose_card((card,), "M1", number) == card

    def test_the_bank_must_be_named_for_an_account_without_a_card_prefix(self) -> None:
        with pytest.raises(Refused) as info:
            add((), "M1", "201800525001")
        assert info.value.codes == ("bank_required",)


class TestTheRecentCheck:
    def test_no_check_is_refused(self) -> None:
        with pytest.raises(Refused) as info:
            add_card((), "M1", ICBC_CARD, verified_at=None, at=CHECKED)
        assert info.value.codes == ("reauth_required",)

    def test_a_check_older_than_ten_minutes_is_refused_and_one_within_is_accepted(self) -> None:
        late = CHECKED + timedelta(minutes=10, seconds=1)
        with pytest.raises(Refused):
            add_card((), "M1", ICBC_CARD, verified_at=CHECKED, at=late)
        assert add_card((), "M1", ICBC_CARD, verified_at=CHECKED, at=CHECKED + timedelta(minutes=10))

    def test_a_check_dated_after_now_is_refused(self) -> None:
        with pytest.raises(Refused):
            add_card((), "M1", ICBC_CARD, verified_at=CHECKED + timedelta(seconds=1), at=CHECKED)

    def test_a_centre_may_set_its_own_window(self) -> None:
        at = CHECKED + timedelta(minutes=20)
        assert add_card((), "M1", ICBC_CARD, verified_at=CHECKED, at=at, within=timedelta(minutes=30))


@pytest.mark.parametrize("number", ["123456789", "20180052500120180052500120180052", "2018005250a1"])
def test_a_refused_account_number_is_never_echoed(number: str) -> None:
    with pytest.raises(InvalidCardNumber) as info:
        add((), "M1", number, bank="中国银行")
    assert "201800" not in str(info.value)
    assert "123456789" not in str(info.value)
    assert info.value.value is None
