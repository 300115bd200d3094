"""The strategies users get from hpf_core.testing produce valid values."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings

from hpf_core.accounts import DepositAccount
from hpf_core.identity import validate_id_number, validate_phone
from hpf_core.testing import deposit_accounts, id_numbers, phones


class TestStrategies:
    @settings(max_examples=200)
    @given(id_numbers())
    def test_id_numbers_pass_the_gb_11643_check(self, number: str) -> None:
        assert validate_id_number(number) == number

    @settings(max_examples=200)
    @given(phones())
    def test_phones_are_mainland_mobiles(self, phone: str) -> None:
        assert validate_phone(phone) == phone

    @given(deposit_accounts())
    def test_deposit_accounts_are_valid_new_accounts(self, account: DepositAccount) -> None:
        assert account.balance == 0
        assert Decimal("0.05") <= account.employee_ratio <= Decimal("0.12")
        assert validate_id_number(account.member.id_number) == account.member.id_number
