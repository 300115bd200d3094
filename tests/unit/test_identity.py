"""Identifiers: docs/domain.md §11 TV10 / TV11, impossible birth dates, masks."""

from __future__ import annotations

from datetime import date

import pytest

from hpf_core.errors import InvalidCardNumber, InvalidIdNumber, InvalidPhone
from hpf_core.identity import (
    id_birth_date,
    mask_card_number,
    mask_id_number,
    mask_phone,
    upgrade_id_number,
    validate_card_number,
    validate_id_number,
    validate_phone,
)


class TestIdNumbers:
    @pytest.mark.parametrize(
        "number", ["11010519491231002X", "440524188001010014", "11010219840406970X", "34052419800101001X"]
    )
    def test_published_valid_numbers_pass(self, number: str) -> None:
        assert validate_id_number(number) == number

    def test_a_lower_case_x_is_normalised(self) -> None:
        assert validate_id_number("11010519491231002x") == "11010519491231002X"

    @pytest.mark.parametrize(
        ("number", "why"),
        [
            ("110105194912310021", "check character should be X"),  # TV10
            ("340524198001010013", "check character should be X"),  # S41: 3405241980010100 1X
            ("110105199902300023", "impossible birth date"),  # 1999-02-30
            ("110105190002290024", "impossible birth date"),  # 1900 was not a leap year
            ("11010519491231002", "17 digits"),
            ("1101051949123100211", "17 digits"),
            ("11010519491231A02X", "17 digits"),
            ("110105491231002", "15-digit legacy"),
        ],
    )
    def test_bad_numbers_are_refused_with_the_reason(self, number: str, why: str) -> None:
        with pytest.raises(InvalidIdNumber, match=why):
            validate_id_number(number)

    def test_a_birth_date_in_the_future_is_refused_when_today_is_given(self) -> None:
        # 2030-01-01 with its check character computed by the MOD 11-2 rule:
        # weights . digits of 11010520300101001 = 7+9+0+5+0+20+4+0+18+0+0+9+0+5+0+0+2 = 79;
        # 79 mod 11 = 2 -> "10X98765432"[2] = 'X'
        number = "11010520300101001X"
        assert validate_id_number(number) == number
        with pytest.raises(InvalidIdNumber, match="future"):
            validate_id_number(number, today=date(2026, 11, 26))

    def test_a_legacy_number_upgrades_with_century_and_check(self) -> None:
        assert upgrade_id_number("110105491231002") == "11010519491231002X"
        # sequence 996-999 marks a centenarian: century 18
        assert upgrade_id_number("440524800101996")[6:8] == "18"

    def test_the_birth_date_is_read(self) -> None:
        assert id_birth_date("11010519491231002X") == date(1949, 12, 31)


class TestPhonesAndCards:
    @pytest.mark.parametrize("phone", ["13800138000", "+86 138 0013 8000", "0086-138-0013-8000"])
    def test_phones_normalise_to_eleven_digits(self, phone: str) -> None:
        assert validate_phone(phone) == "13800138000"

    @pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380000", "１３８００１３８０００"])
    def test_bad_phones_are_refused(self, phone: str) -> None:
        with pytest.raises(InvalidPhone):
            validate_phone(phone)

    @pytest.mark.parametrize("card", ["5432123456788881", "6225768888888888", "4111111111111111"])
    def test_tv11_luhn_valid_cards(self, card: str) -> None:
        assert validate_card_number(card) == card

    @pytest.mark.parametrize("card", ["6222021234567890123", "5432123456788882", "123456789012"])
    def test_tv11_bad_cards_are_refused(self, card: str) -> None:
        with pytest.raises(InvalidCardNumber):
            validate_card_number(card)


class TestMasks:
    def test_default_masks(self) -> None:
        assert mask_phone("13800138000") == "138****8000"
        assert mask_card_number("6225768888888888") == "622576******8888"
        assert mask_id_number("11010519491231002X") == "110105********002X"

    def test_masks_are_configurable_but_cards_never_show_more_than_6_and_4(self) -> None:
        assert mask_id_number("11010519491231002X", 3, 4) == "110***********002X"
        assert mask_card_number("6225768888888888", 8, 6) == "622576******8888"
