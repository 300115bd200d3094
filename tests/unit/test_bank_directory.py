"""The bank directory behind 收款银行 查询 (issue #11 item 2, D-046): the shipped data and
its strict parser."""

from __future__ import annotations

import pytest

from hpf_adapters.banks import load_bank_directory
from hpf_core.errors import InputError, InvalidPolicy
from hpf_core.identity import validate_card_number
from hpf_core.withdrawals import BIN_TABLE, bank_of, parse_bank_directory

# The 行别代码 of the major banks as the PBOC's CNAPS head-office numbers begin (the data
# file's [B1]), written out here independently of the file.
CODES = {
    "102": "中国工商银行",
    "103": "中国农业银行",
    "104": "中国银行",
    "105": "中国建设银行",
    "301": "交通银行",
    "308": "招商银行",
    "403": "中国邮政储蓄银行",
}


class TestTheShippedDirectory:
    def test_the_major_banks_are_found_by_code(self) -> None:
        directory = load_bank_directory()
        for code, name in CODES.items():
            assert [b.name for b in directory.find(code)] == [name]

    def test_found_by_name_short_name_or_abbreviation(self) -> None:
        directory = load_bank_directory()
        assert [b.code for b in directory.find("建设银行")] == ["105"]
        assert [b.code for b in directory.find("邮储")] == ["403"]
        assert [b.code for b in directory.find("cmb")] == ["308"]
        # a part of the name common to several banks lists them all, in file order
        assert [b.code for b in directory.find("中国")][:4] == ["102", "103", "104", "105"]
        assert directory.find("不存在的银行") == ()

    def test_a_blank_query_raises(self) -> None:
        with pytest.raises(InputError):
            load_bank_directory().find("  ")

    def test_it_agrees_with_the_small_bin_table(self) -> None:
        # BIN_TABLE was checked against two BIN lists (D-037); the directory must say the same
        directory = load_bank_directory()
        for prefix, name in BIN_TABLE.items():
            found = directory.bank_of(prefix + "0000000000000")
            assert found is not None
            assert found.name == name

    def test_the_seeds_banks_and_sample_cards(self) -> None:
        directory = load_bank_directory()
        assert bank_of("6222021234567890128", directory) == "中国工商银行"  # seed's ICBC
        assert bank_of("6217001234567890122", directory) == "中国建设银行"
        assert bank_of("6225768888888888", directory) == "招商银行"  # docs/domain.md §9.2 sample
        assert bank_of("201800525001", directory) is None  # an account number, no card prefix

    def test_every_prefix_is_digits_and_names_its_source(self) -> None:
        directory = load_bank_directory()
        assert len(directory.banks) >= 15
        for bank in directory.banks:
            assert all(p.isdigit() and 3 <= len(p) <= 10 for p in bank.bins)
        assert directory.source.endswith("banks.toml")

    def test_a_card_with_a_listed_prefix_still_needs_a_valid_number(self) -> None:
        number = "6217001234567890122"
        assert validate_card_number(number) == number


class TestTheParser:
    GOOD = '[[bank]]\nname = "甲银行"\nshort = "甲"\ncode = "999"\nabbr = "JIA"\nbins = ["999111"]\n'

    def test_a_good_directory(self) -> None:
        (bank,) = parse_bank_directory(self.GOOD).banks
        assert (bank.name, bank.code, bank.bins) == ("甲银行", "999", ("999111",))

    @pytest.mark.parametrize(
        ("text", "field"),
        [
            (GOOD.replace("bins", "binz"), "bank[0].binz"),
            (GOOD.replace('"999"', '"99"'), "bank[0].code"),
            (GOOD.replace('["999111"]', '["99a"]'), "bank[0].bins"),
            (GOOD + GOOD.replace("JIA", "YI").replace("999111", "999222"), "bank[1]"),
            (GOOD + GOOD.replace('"999"', '"998"').replace("JIA", "YI"), "bank[1].bins"),
            ("[banks]\n", "banks"),
        ],
    )
    def test_strict(self, text: str, field: str) -> None:
        with pytest.raises(InvalidPolicy) as info:
            parse_bank_directory(text)
        assert info.value.field == field
