"""ISO 20022 payment files (extra ``hpf[iso20022]``: ``xmlschema``): the day's approved
payments go to the bank as one ``pain.001.001.03`` credit-transfer file, and the bank's
``pain.002.001.03`` status reports settle them (D-056).

:class:`FileChannel` is the :class:`hpf_core.ports.PaymentChannel`: the payment id is the
EndToEndId and the idempotency key; a payment is in one file only; its result stays
unknown (``PaymentTimeout``) until a report or a status query settles it. Its state lives
in a :class:`PaymentLog` (:class:`SqlitePaymentLog` on disk, :class:`MemoryPaymentLog`).
:class:`SimulatedBank` takes the files and answers with reports, with injectable faults.
Every file written or read is validated against the published XSDs shipped in
``schemas/`` (their source and licence: ``schemas/SOURCE.md``).

>>> from datetime import date, datetime, timedelta, timezone
>>> from decimal import Decimal
>>> from hpf_core.errors import PaymentTimeout
>>> at = datetime(2026, 1, 5, 17, 0, tzinfo=timezone(timedelta(hours=8)))
>>> channel = FileChannel(MemoryPaymentLog(), Debtor("某市住房公积金管理中心", "1234567890", "某银行"))
>>> try:
...     channel.transfer(payment_id="WD-W1", card_number="6222021234567890128",
...                      amount=Decimal("6007.18"), memo="离、退休提取")
... except PaymentTimeout as exc:
...     print(exc.reason)
result not known yet: queued for the next payment file
>>> bank = SimulatedBank()
>>> payment_file = channel.write_file(at=at, execute_on=date(2026, 1, 6))
>>> bank.receive(payment_file.content)
'HPF20260105000001'
>>> (report,) = bank.report(payment_file.message_id, at=at)
>>> channel.read_report(report).accepted
('WD-W1',)
>>> channel.transfer(payment_id="WD-W1", card_number="6222021234567890128",
...                  amount=Decimal("6007.18"), memo="离、退休提取").reference
'BK00000001'
"""

from __future__ import annotations

from hpf_adapters.iso20022._bank import Credit, SimulatedBank
from hpf_adapters.iso20022._channel import FileChannel, PaymentFile, ReportOutcome
from hpf_adapters.iso20022._states import (
    Batch,
    CardSealer,
    MemoryPaymentLog,
    PaymentLog,
    PaymentState,
    PaymentStatus,
    SqlitePaymentLog,
)
from hpf_adapters.iso20022._xml import Debtor, StatusLine, StatusReport, render_pain002

__all__ = [
    "Batch",
    "CardSealer",
    "Credit",
    "Debtor",
    "FileChannel",
    "MemoryPaymentLog",
    "PaymentFile",
    "PaymentLog",
    "PaymentState",
    "PaymentStatus",
    "ReportOutcome",
    "SimulatedBank",
    "SqlitePaymentLog",
    "StatusLine",
    "StatusReport",
    "render_pain002",
]
