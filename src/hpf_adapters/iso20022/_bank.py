"""A simulated bank that takes pain.001 files and answers with pain.002 reports, with
injectable faults, to test that a file channel pays every member exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

import attrs

from hpf_adapters.iso20022._xml import StatusLine, StatusReport, parse_pain001, render_pain002
from hpf_core.errors import PaymentTimeout

__all__ = ["Credit", "SimulatedBank"]


@attrs.frozen
class Credit:
    """Money the bank moved to a card: once per accepted line of every file it took."""

    end_to_end_id: str
    card_number: str = attrs.field(repr=False)
    amount: Decimal
    reference: str


class SimulatedBank:
    """A bank's payment-file service, in memory.

    It takes a pain.001 (``receive``, checked against the schema), credits every line of a
    file it has not seen (a file is known by its message id: a resent file is taken once,
    as banks do) and keeps each file's answers for ``report``. It does NOT de-duplicate
    payments across files: a payment put in two files is credited twice, so a channel that
    sends twice shows in ``credits``.

    Faults: ``reject_cards`` (answered RJCT AC04 "closed account"); ``timeouts_after_accept``
    (the next N ``receive`` calls take the file, then raise ``PaymentTimeout``);
    ``partial`` (the first report of a file covers only its first N lines, the rest are
    left out; a later report covers them all); ``pending`` (end-to-end ids reported PDNG
    until ``release``); ``duplicate_reports`` (``report`` returns each report twice, as a
    duplicated delivery).
    """

    def __init__(
        self,
        *,
        reject_cards: Iterable[str] = (),
        timeouts_after_accept: int = 0,
        partial: int | None = None,
        duplicate_reports: bool = False,
    ) -> None:
        self.reject_cards = frozenset(reject_cards)
        self.timeouts_after_accept = timeouts_after_accept
        self.partial = partial
        self.duplicate_reports = duplicate_reports
        self.pending: set[str] = set()
        self._credits: list[Credit] = []
        self._files: dict[str, list[StatusLine]] = {}
        self._reported: dict[str, int] = {}
        self._receipts = 0
        self._lock = threading.Lock()

    @property
    def credits(self) -> tuple[Credit, ...]:
        """Every credit made, in order (the bank's ledger)."""
        with self._lock:
            return tuple(self._credits)

    @property
    def files(self) -> tuple[str, ...]:
        """The message ids of the files taken, once each."""
        with self._lock:
            return tuple(self._files)

    @property
    def receipts(self) -> int:
        """How many times a file was handed in, resends included."""
        return self._receipts

    def balance(self, card_number: str) -> Decimal:
        """The sum credited to a card."""
        return sum((c.amount for c in self.credits if c.card_number == card_number), Decimal("0.00"))

    def receive(self, content: bytes) -> str:
        """Take a pain.001 file and return its message id (``InputError`` if it does not
        validate); see the class for the faults."""
        transfer = parse_pain001(content)
        with self._lock:
            self._receipts += 1
            if transfer.message_id not in self._files:
                lines = []
                for t in transfer.transfers:
                    if t.card_number in self.reject_cards:
                        lines.append(StatusLine(t.end_to_end_id, "RJCT", "AC04 closed account"))
                        continue
                    reference = f"BK{len(self._credits) + 1:08d}"
                    self._credits.append(Credit(t.end_to_end_id, t.card_number, t.amount, reference))
                    lines.append(StatusLine(t.end_to_end_id, "ACSC", "", reference))
                self._files[transfer.message_id] = lines
            if self.timeouts_after_accept > 0:
                self.timeouts_after_accept -= 1
                raise PaymentTimeout("content", "no answer from the bank (the file may have been taken)")
        return transfer.message_id

    def release(self, *end_to_end_ids: str) -> None:
        """Stop reporting these payments as pending."""
        with self._lock:
            self.pending -= set(end_to_end_ids)

    def report(self, message_id: str, *, at: datetime) -> tuple[bytes, ...]:
        """The pain.002 report(s) on a file taken (one, or two identical ones with
        ``duplicate_reports``); ``KeyError`` for a file the bank never took."""
        with self._lock:
            lines = self._files[message_id]
            times = self._reported.get(message_id, 0)
            self._reported[message_id] = times + 1
            shown = lines[: self.partial] if self.partial is not None and times == 0 else lines
            shown = [
                StatusLine(line.end_to_end_id, "PDNG") if line.end_to_end_id in self.pending else line
                for line in shown
            ]
            statuses = {line.status for line in shown}
            complete = len(shown) == len(lines)
            group = "PART"
            if not shown or statuses == {"PDNG"}:
                group = "PDNG"
            elif complete and len(statuses) == 1:
                group = statuses.pop()
            report = StatusReport(
                f"RPT{message_id[-20:]}{times + 1:03d}", at, message_id, group, "", tuple(shown)
            )
        content = render_pain002(report)
        return (content, content) if self.duplicate_reports else (content,)
