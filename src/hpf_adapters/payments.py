"""Payment channels (支付通道): an in-memory bank for notebooks, demos and tests, with
injectable faults (a lost reply after paying, a refusal) to test exactly-once payment.

>>> from decimal import Decimal
>>> bank = MemoryBank()
>>> pay = dict(payment_id="P1", card_number="6225768888888888", amount=Decimal("10.00"), memo="t")
>>> bank.transfer(**pay).reference, bank.transfer(**pay).reference
('B000001', 'B000001')
>>> len(bank.transfers)
1
>>> card = MemoryBankDebit(declined=frozenset({"C2"}))
>>> card.debit(debit_id="D1", contract_no="C1", amount=Decimal("4270.16"))
True
>>> card.debit(debit_id="D1", contract_no="C1", amount=Decimal("4270.16")), len(card.debits)
(True, 1)
>>> card.debit(debit_id="D2", contract_no="C2", amount=Decimal("100.00"))
False
"""

from __future__ import annotations

import threading
from decimal import Decimal

from hpf_core.errors import IdempotencyConflict, PaymentRejected, PaymentTimeout
from hpf_core.identity import mask_card_number
from hpf_core.ports import PaymentReceipt

__all__ = ["MemoryBank", "MemoryBankDebit"]


class MemoryBank:
    """:class:`hpf_core.ports.PaymentChannel` that keeps its transfers in memory.

    ``lose_replies``: the next N calls pay (the money moves) but raise ``PaymentTimeout``
    instead of answering, as when a reply is lost on the network. ``reject_cards``:
    cards it refuses with ``PaymentRejected``.
    """

    def __init__(self, *, lose_replies: int = 0, reject_cards: frozenset[str] = frozenset()) -> None:
        self.lose_replies = lose_replies
        self.reject_cards = reject_cards
        self._paid: dict[str, PaymentReceipt] = {}
        self._calls = 0
        self._lock = threading.Lock()

    @property
    def transfers(self) -> tuple[PaymentReceipt, ...]:
        """Every payment made, once each (an inspection helper)."""
        return tuple(self._paid.values())

    @property
    def calls(self) -> int:
        """How many times ``transfer`` was called, retries included."""
        return self._calls

    def transfer(self, *, payment_id: str, card_number: str, amount: Decimal, memo: str) -> PaymentReceipt:
        with self._lock:
            self._calls += 1
            if card_number in self.reject_cards:
                raise PaymentRejected(
                    "card_number", "the bank refused the card", mask_card_number(card_number)
                )
            receipt = self._paid.get(payment_id)
            if receipt is None:
                receipt = PaymentReceipt(payment_id, f"B{len(self._paid) + 1:06d}", card_number, amount)
                self._paid[payment_id] = receipt
            elif (receipt.card_number, receipt.amount) != (card_number, amount):
                raise IdempotencyConflict("payment_id", "was paid with another card or amount", payment_id)
            if self.lose_replies > 0:
                self.lose_replies -= 1
                raise PaymentTimeout("payment_id", "no answer from the bank (the payment may have been made)")
            return receipt


class MemoryBankDebit:
    """:class:`hpf_core.ports.BankDebit` that keeps its debits in memory.

    ``declined``: contract numbers whose card the bank declines (``debit`` answers
    ``False``); ``lose_replies``: the next N calls debit but raise ``PaymentTimeout``
    instead of answering. Each ``debit_id`` is answered once and replayed after.
    """

    def __init__(self, *, declined: frozenset[str] = frozenset(), lose_replies: int = 0) -> None:
        self.declined = declined
        self.lose_replies = lose_replies
        self._answers: dict[str, tuple[str, Decimal, bool]] = {}
        self._cards: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def debits(self) -> tuple[tuple[str, str, Decimal], ...]:
        """Every debit made, once each: (debit id, contract number, amount)."""
        return tuple((i, c, a) for i, (c, a, ok) in self._answers.items() if ok)

    @property
    def cards(self) -> dict[str, str]:
        """The 还款卡号 each debit id was asked to take from ('' when none was given)."""
        return dict(self._cards)

    def debit(self, *, debit_id: str, contract_no: str, amount: Decimal, card_number: str = "") -> bool:
        with self._lock:
            answer = self._answers.get(debit_id)
            if answer is None:
                answer = (contract_no, amount, contract_no not in self.declined)
                self._answers[debit_id] = answer
                self._cards[debit_id] = card_number
            elif answer[:2] != (contract_no, amount):
                raise IdempotencyConflict("debit_id", "was used for another loan or amount", debit_id)
            if self.lose_replies > 0:
                self.lose_replies -= 1
                raise PaymentTimeout("debit_id", "no answer from the bank (the debit may have been made)")
            return answer[2]
