"""The file channel: :class:`hpf_core.ports.PaymentChannel` through ISO 20022 files."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import attrs

from hpf_adapters.iso20022._states import Batch, PaymentLog, PaymentState, PaymentStatus
from hpf_adapters.iso20022._xml import (
    ACCEPTED_CODES,
    REJECTED_CODE,
    CreditTransfer,
    Debtor,
    TransferFile,
    lines_of,
    parse_pain002,
    render_pain001,
)
from hpf_core.errors import IdempotencyConflict, InputError, InputTypeError, PaymentRejected, PaymentTimeout
from hpf_core.identity import mask_card_number
from hpf_core.money import yuan
from hpf_core.ports import PaymentReceipt

__all__ = ["FileChannel", "PaymentFile", "ReportOutcome"]

MAX_BATCH = 10_000
_CHECK_AT = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))


@attrs.frozen
class PaymentFile:
    """A pain.001 file to hand to the bank: its message id, its bytes (card numbers
    inside: never log them) and the payments it carries."""

    message_id: str
    content: bytes = attrs.field(repr=False)
    payment_ids: tuple[str, ...] = attrs.field(repr=False)


@attrs.frozen
class ReportOutcome:
    """What one pain.002 changed: payments newly accepted or rejected, those the report
    left unknown (not mentioned, or pending), and those it repeated (already settled; a
    duplicate report changes nothing)."""

    original_message_id: str
    accepted: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    repeated: tuple[str, ...] = ()


class FileChannel:
    """Pays through daily ISO 20022 files instead of one call per payment.

    ``transfer`` records the payment (payment id = EndToEndId = idempotency key) and
    answers from what is known: ``PaymentTimeout`` while the result is unknown (queued for
    the next file, or in a file the bank has not reported on), the receipt once a status
    report accepted it, ``PaymentRejected`` once one rejected it. ``write_file`` puts every
    queued payment into one pain.001 and marks them sent, so a payment is in one file only;
    ``file`` gives a file again byte for byte (resending after a timeout: the bank knows
    it by its message id). ``read_report`` applies a pain.002; ``settle`` records the answer
    of a status query. ``pay_application`` called again after a report finishes the
    payment (see ``docs/guide.md``, "Channels").
    """

    def __init__(self, log: PaymentLog, debtor: Debtor) -> None:
        if not isinstance(debtor, Debtor):
            raise InputTypeError("debtor", "must be a Debtor", type(debtor).__name__)
        # a file of one sample line must validate, so that no claimed batch fails to render
        sample = CreditTransfer("CHECK", "6222021234567890128", Decimal("0.01"), "check")
        render_pain001(TransferFile("CHECK", _CHECK_AT, _CHECK_AT.date(), debtor, (sample,)))
        self.log = log
        self.debtor = debtor

    def transfer(self, *, payment_id: str, card_number: str, amount: Decimal, memo: str) -> PaymentReceipt:
        for name, value in (("payment_id", payment_id), ("card_number", card_number), ("memo", memo)):
            if not isinstance(value, str):
                raise InputTypeError(name, "must be a string", type(value).__name__)
        if not 0 < len(payment_id) <= 35:
            raise InputError("payment_id", "must be 1 to 35 characters (an ISO 20022 EndToEndId)", payment_id)
        if not (card_number.isdigit() and card_number.isascii() and len(card_number) <= 34):
            raise InputError("card_number", "must be up to 34 digits", mask_card_number(card_number))
        money = yuan(amount, "amount")
        if money <= 0:
            raise InputError("amount", "must be above 0", str(money))
        state = self.log.record(PaymentState(payment_id, card_number, money, memo))
        if (state.card_number, state.amount) != (card_number, money):
            raise IdempotencyConflict("payment_id", "was queued with another card or amount", payment_id)
        return self._answer(state)

    @staticmethod
    def _answer(state: PaymentState) -> PaymentReceipt:
        if state.status is PaymentStatus.ACCEPTED:
            return PaymentReceipt(state.payment_id, state.reference, state.card_number, state.amount)
        if state.status is PaymentStatus.REJECTED:
            raise PaymentRejected(
                "payment_id", f"the bank rejected the payment ({state.reason})", state.payment_id
            )
        where = (
            "queued for the next payment file"
            if state.status is PaymentStatus.QUEUED
            else (f"sent in file {state.message_id}, no status report yet")
        )
        raise PaymentTimeout("payment_id", f"result not known yet: {where}", state.payment_id)

    def write_file(self, *, at: datetime, execute_on: date) -> PaymentFile | None:
        """One pain.001 of every queued payment (up to 10,000), or None when none is queued."""
        batch = self.log.claim(at, execute_on, MAX_BATCH)
        return None if batch is None else self._render(batch)

    def file(self, message_id: str) -> PaymentFile:
        """A file written before, again (the same bytes); ``InputError`` if unknown."""
        batch = self.log.batch(message_id)
        if batch is None:
            raise InputError("message_id", "no such payment file", message_id)
        return self._render(batch)

    def _render(self, batch: Batch) -> PaymentFile:
        transfers = []
        for payment_id in batch.payment_ids:
            state = self.log.get(payment_id)
            assert state is not None  # a batch only holds recorded payments
            transfers.append(CreditTransfer(payment_id, state.card_number, state.amount, state.memo))
        content = render_pain001(
            TransferFile(batch.message_id, batch.created_at, batch.execute_on, self.debtor, tuple(transfers))
        )
        return PaymentFile(batch.message_id, content, batch.payment_ids)

    def read_report(self, content: bytes) -> ReportOutcome:
        """Apply a pain.002 status report (``InputError`` if it does not validate or is
        about a file this channel did not write)."""
        report = parse_pain002(content)
        batch = self.log.batch(report.original_message_id)
        if batch is None:
            raise InputError(
                "content", "reports on a file this channel did not write", report.original_message_id
            )
        lines = lines_of(report, batch.payment_ids)
        accepted: list[str] = []
        rejected: list[str] = []
        unknown: list[str] = []
        repeated: list[str] = []
        for payment_id in batch.payment_ids:
            line = lines.get(payment_id)
            if line is None or (line.status not in ACCEPTED_CODES and line.status != REJECTED_CODE):
                unknown.append(payment_id)
                continue
            status = PaymentStatus.ACCEPTED if line.status in ACCEPTED_CODES else PaymentStatus.REJECTED
            before = self.log.get(payment_id)
            if before is not None and before.status.settled:
                repeated.append(payment_id)
                continue
            reference = line.reference or f"{report.message_id}/{payment_id}"[:35]
            self.log.settle(payment_id, status, reference, line.reason or line.status)
            (accepted if status is PaymentStatus.ACCEPTED else rejected).append(payment_id)
        return ReportOutcome(
            report.original_message_id, tuple(accepted), tuple(rejected), tuple(unknown), tuple(repeated)
        )

    def settle(
        self, payment_id: str, *, accepted: bool, reference: str = "", reason: str = ""
    ) -> PaymentState:
        """Record the bank's answer to a status query about one sent payment; the first
        final answer stands. ``InputError`` for a payment never recorded or still queued
        (a queued payment was never sent: it has no answer to query)."""
        state = self.log.get(payment_id)
        if state is None or state.status is PaymentStatus.QUEUED:
            raise InputError("payment_id", "was never sent to the bank", payment_id)
        status = PaymentStatus.ACCEPTED if accepted else PaymentStatus.REJECTED
        return self.log.settle(payment_id, status, reference or payment_id, reason or "RJCT")

    def unknown(self) -> tuple[PaymentState, ...]:
        """Payments sent whose result is not known yet (to query the bank about)."""
        return tuple(self.log.states(PaymentStatus.SENT))
