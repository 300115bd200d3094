"""PaymentChannel contract: each payment id is paid at most once; a retry gets the first
receipt; the same id with another card or amount is refused."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from hpf_adapters.payments import MemoryBank
from hpf_core.errors import HpfError
from hpf_core.ports import PaymentChannel

Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]
CARD = "6217001234567890122"
OTHER = "6222021234567890128"

ADAPTERS: list[Callable[[], PaymentChannel]] = [MemoryBank]
"""Payment channels under contract; a bank's test double or sandbox joins here."""


@pytest.fixture(params=ADAPTERS, ids=lambda f: f.__name__)
def channel(request: pytest.FixtureRequest) -> PaymentChannel:
    factory: Callable[[], PaymentChannel] = request.param
    return factory()


class TestPaymentChannel:
    def test_a_retry_returns_the_first_receipt(self, channel: PaymentChannel) -> None:
        first = channel.transfer(payment_id="P1", card_number=CARD, amount=Decimal("6007.18"), memo="提取")
        again = channel.transfer(payment_id="P1", card_number=CARD, amount=Decimal("6007.18"), memo="提取")
        assert again == first
        assert (first.payment_id, first.amount, first.card_number) == ("P1", Decimal("6007.18"), CARD)
        other = channel.transfer(payment_id="P2", card_number=CARD, amount=Decimal("1.00"), memo="提取")
        assert other.reference != first.reference

    def test_the_same_id_with_another_card_or_amount_is_refused(self, channel: PaymentChannel) -> None:
        channel.transfer(payment_id="P1", card_number=CARD, amount=Decimal("10.00"), memo="提取")
        with pytest.raises(HpfError):
            channel.transfer(payment_id="P1", card_number=OTHER, amount=Decimal("10.00"), memo="提取")
        with pytest.raises(HpfError):
            channel.transfer(payment_id="P1", card_number=CARD, amount=Decimal("10.01"), memo="提取")

    def test_racing_retries_pay_once(self, channel: PaymentChannel, race: Race) -> None:
        receipts: list[object] = []

        def pay(_: int) -> None:
            receipts.append(
                channel.transfer(payment_id="P1", card_number=CARD, amount=Decimal("5.00"), memo="m")
            )

        assert race(8, pay) == [None] * 8
        assert len(set(map(repr, receipts))) == 1
        if isinstance(channel, MemoryBank):
            assert len(channel.transfers) == 1
