"""The contract of ``hpf_core.ports.BankDebit``, run against every adapter (the in-memory one
for now; a real bank gateway joins ``BANKS`` when it lands, and these tests pass unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from hpf_adapters.payments import MemoryBankDebit
from hpf_core.errors import IdempotencyConflict, PaymentTimeout
from hpf_core.ports import BankDebit

D = Decimal

# A bank factory takes the contract numbers the bank must decline and how many replies it
# loses, and returns a fresh adapter.
BankFactory = Callable[[frozenset[str], int], BankDebit]


def memory_bank(declined: frozenset[str], lose_replies: int) -> BankDebit:
    return MemoryBankDebit(declined=declined, lose_replies=lose_replies)


BANKS = [pytest.param(memory_bank, id="memory")]


@pytest.mark.parametrize("new_bank", BANKS)
class TestBankDebitContract:
    def test_a_debit_the_bank_makes_answers_true(self, new_bank: BankFactory) -> None:
        bank = new_bank(frozenset(), 0)
        assert bank.debit(debit_id="D1", contract_no="C1", amount=D("4270.16")) is True

    def test_a_declined_debit_answers_false_and_is_not_an_error(self, new_bank: BankFactory) -> None:
        bank = new_bank(frozenset({"C2"}), 0)
        assert bank.debit(debit_id="D1", contract_no="C2", amount=D("100.00")) is False
        assert bank.debit(debit_id="D1", contract_no="C2", amount=D("100.00")) is False

    def test_a_repeated_debit_id_replays_the_first_answer_and_debits_once(
        self, new_bank: BankFactory
    ) -> None:
        bank = new_bank(frozenset(), 0)
        answers = [bank.debit(debit_id="D1", contract_no="C1", amount=D("10.00")) for _ in range(3)]
        assert answers == [True, True, True]
        if isinstance(bank, MemoryBankDebit):  # what an inspectable adapter shows
            assert bank.debits == (("D1", "C1", D("10.00")),)

    def test_the_same_id_for_another_debit_is_a_conflict(self, new_bank: BankFactory) -> None:
        bank = new_bank(frozenset(), 0)
        bank.debit(debit_id="D1", contract_no="C1", amount=D("10.00"))
        with pytest.raises(IdempotencyConflict):
            bank.debit(debit_id="D1", contract_no="C1", amount=D("10.01"))
        with pytest.raises(IdempotencyConflict):
            bank.debit(debit_id="D1", contract_no="C9", amount=D("10.00"))

    def test_a_lost_reply_is_retried_under_the_same_id_without_a_second_debit(
        self, new_bank: BankFactory
    ) -> None:
        bank = new_bank(frozenset(), 1)
        with pytest.raises(PaymentTimeout):
            bank.debit(debit_id="D1", contract_no="C1", amount=D("10.00"))
        assert bank.debit(debit_id="D1", contract_no="C1", amount=D("10.00")) is True
        if isinstance(bank, MemoryBankDebit):
            assert bank.debits == (("D1", "C1", D("10.00")),)
