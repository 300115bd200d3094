"""PaymentChannel contract: each payment id is paid at most once; a retry gets the first
receipt; the same id with another card or amount is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hpf_adapters.iso20022 import Debtor, FileChannel, MemoryPaymentLog, SimulatedBank
from hpf_adapters.payments import MemoryBank
from hpf_core.errors import HpfError, PaymentTimeout
from hpf_core.ports import PaymentChannel, PaymentReceipt

Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]
CARD = "6217001234567890122"
OTHER = "6222021234567890128"

AT = datetime(2026, 1, 5, 17, tzinfo=timezone(timedelta(hours=8)))


class FileChannelAndBank:
    """The ISO 20022 ``FileChannel`` with a ``SimulatedBank`` behind it, run as one
    synchronous channel: a transfer whose result is unknown runs the batch job (write the
    file, hand it in, read the bank's report, one run at a time) and answers again — the
    file channel under the same contract (issue #15, D-056)."""

    def __init__(self) -> None:
        centre = Debtor("某市住房公积金管理中心", "1071000001", "某银行")
        self.channel = FileChannel(MemoryPaymentLog(), centre)
        self.bank = SimulatedBank()
        self._batch = threading.Lock()

    def transfer(self, *, payment_id: str, card_number: str, amount: Decimal, memo: str) -> PaymentReceipt:
        def ask() -> PaymentReceipt:
            return self.channel.transfer(
                payment_id=payment_id, card_number=card_number, amount=amount, memo=memo
            )

        try:
            return ask()
        except PaymentTimeout:
            pass
        with self._batch:
            written = self.channel.write_file(at=AT, execute_on=AT.date())
            if written is not None:
                self.bank.receive(written.content)
                for report in self.bank.report(written.message_id, at=AT):
                    self.channel.read_report(report)
        return ask()


ADAPTERS: list[Callable[[], PaymentChannel]] = [MemoryBank, FileChannelAndBank]
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
        if isinstance(channel, FileChannelAndBank):
            assert [c.end_to_end_id for c in channel.bank.credits] == ["P1"]
