"""ISO 20022 payment files (issue #15, D-056): a day of approved withdrawals becomes one
pain.001 that validates against the published XSD; pain.002 reports settle each payment;
with a bank that times out after taking a file, repeats its reports, rejects a card and
reports only part of a file, every member is paid exactly once.

Every amount is the seed's retirement figure (seed §5.2.1.1: 个人账户余额 5,925.21 plus
销户利息 81.97 = 提取金额合计 6,007.18), so the totals are counted by hand, not by the code."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import xmlschema

from hpf_adapters.iso20022 import (
    Debtor,
    FileChannel,
    MemoryPaymentLog,
    PaymentLog,
    PaymentStatus,
    SimulatedBank,
    SqlitePaymentLog,
    StatusLine,
    StatusReport,
    render_pain002,
)
from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.policies import load_policy
from hpf_adapters.sql import Keyring
from hpf_core.accounts import AccountStatus, Employer, EntryKind, Member
from hpf_core.accounts import services as deposits
from hpf_core.errors import IdempotencyConflict, InputError, PaymentRejected, PaymentTimeout
from hpf_core.withdrawals import ApplicationStatus, WithdrawalFacts, WithdrawalKind
from hpf_core.withdrawals import services as wd

D = Decimal
TZ = timezone(timedelta(hours=8))
ALTAY = load_policy("altay")
PAID_EACH = D("6007.18")  # seed §5.2.1.1: 5,925.21 + 81.97 closing interest
DAY = date(2018, 5, 29)
EVENING = datetime(2018, 5, 29, 17, tzinfo=TZ)
SEALER = Keyring.from_secret(b"payment-log-test-key-of-32-bytes!!")
"""The data key sealing card numbers in the payment log."""
CENTRE = Debtor("阿勒泰地区住房公积金管理中心", "107100000000000001", "中国工商银行阿勒泰分行")
SCHEMAS = Path(__file__).parents[2] / "src" / "hpf_adapters" / "iso20022" / "schemas"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}


def luhn_card(n: int) -> str:
    """An ICBC (622202) card number with a correct Luhn check digit, computed here."""
    body = f"622202{n:012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def approved_world(members: int) -> MemoryStore:
    """``members`` retirees like the seed's, each with an approved retirement withdrawal
    W<i> on account A<i> paying card luhn_card(i)."""
    store = MemoryStore()
    checked = datetime(2018, 5, 29, 9, tzinfo=TZ)
    for i in range(members):
        uow = MemoryUnitOfWork(store)
        deposits.open_account(
            uow, account_no=f"A{i}", member=Member(f"M{i}", "退休职工", id_number(i)),
            employer=Employer("E1", "单位"), opened_on=date(2010, 1, 1), base="5000.00",
            employee_ratio="0.12", employer_ratio="0.12",
        )  # fmt: skip
        deposits.receive_transfer(
            uow, account_no=f"A{i}", amount="5925.21", value_date=date(2017, 7, 1), key=f"o{i}"
        )
        wd.add_bank_card(uow, member_id=f"M{i}", number=luhn_card(i), verified_at=checked, at=checked)
        wd.apply(
            uow, application_id=f"W{i}", account_no=f"A{i}", kind=WithdrawalKind.RETIREMENT, amount=None,
            card_number=luhn_card(i), facts=WithdrawalFacts(retired_on=date(2018, 5, 1)), policy=ALTAY,
            on=DAY,
        )  # fmt: skip
        wd.submit_application(uow, application_id=f"W{i}", actor=f"M{i}", at=checked + timedelta(hours=1))
        wd.approve_application(
            uow,
            application_id=f"W{i}",
            node="管理部提取业务审核岗",
            reviewer="R1",
            at=checked + timedelta(hours=2),
        )
    return store


def id_number(i: int) -> str:
    """A valid 18-digit ID (GB 11643 check digit computed here), born 1949-12-31."""
    body = f"110105194912{31:02d}{i % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def pay(store: MemoryStore, channel: FileChannel, i: int) -> ApplicationStatus:
    """pay_application for W<i>: the application's status after, or the error's class name."""
    payment = wd.pay_application(
        MemoryUnitOfWork(store), channel, application_id=f"W{i}", account_no=f"A{i}",
        on=DAY, at=EVENING, deposit_rate="0.015", day_basis="actual/360",
    )  # fmt: skip
    return payment.application.status


def pay_all(store: MemoryStore, channel: FileChannel, members: int) -> dict[str, list[int]]:
    outcome: dict[str, list[int]] = {"paid": [], "unknown": [], "rejected": []}
    for i in range(members):
        try:
            assert pay(store, channel, i) is ApplicationStatus.PAID
            outcome["paid"].append(i)
        except PaymentTimeout:
            outcome["unknown"].append(i)
        except PaymentRejected:
            outcome["rejected"].append(i)
    return outcome


def withdrawals_of(store: MemoryStore, account: str) -> list[Decimal]:
    return [e.amount for e in store.entries if e.kind is EntryKind.WITHDRAWAL and e.account_no == account]


class TestADayOfWithdrawals:
    def test_one_thousand_approved_withdrawals_make_one_valid_file_and_are_paid_once(self) -> None:
        n = 1000
        store = approved_world(n)
        channel = FileChannel(MemoryPaymentLog(), CENTRE)
        assert pay_all(store, channel, n)["unknown"] == list(range(n))  # queued, result unknown
        payment_file = channel.write_file(at=EVENING, execute_on=date(2018, 5, 30))
        assert payment_file is not None
        assert channel.write_file(at=EVENING, execute_on=date(2018, 5, 30)) is None  # nothing left queued
        # the file validates against the published XSD, loaded here independently of the adapter
        xsd = xmlschema.XMLSchema(str(SCHEMAS / "pain.001.001.03.xsd"))
        xsd.validate(payment_file.content.decode("utf-8"))
        root = ET.fromstring(payment_file.content)
        assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "1000"
        assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "6007180.00"
        lines = root.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", NS)
        assert [x.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for x in lines] == [
            f"WD-W{i}" for i in range(n)
        ]
        assert {x.findtext("p:Amt/p:InstdAmt", namespaces=NS) for x in lines} == {"6007.18"}
        assert lines[7].findtext("p:CdtrAcct/p:Id/p:Othr/p:Id", namespaces=NS) == luhn_card(7)
        bank = SimulatedBank()
        bank.receive(payment_file.content)
        (report,) = bank.report(payment_file.message_id, at=EVENING)
        outcome = channel.read_report(report)
        assert len(outcome.accepted) == n
        assert outcome.rejected == outcome.unknown == ()
        assert pay_all(store, channel, n)["paid"] == list(range(n))
        assert len(bank.credits) == n
        assert len({c.end_to_end_id for c in bank.credits}) == n
        assert sum((c.amount for c in bank.credits), D(0)) == D("6007180.00")
        accounts = {a.account_no: a for a in store.accounts}
        assert {(a.balance, a.status) for a in accounts.values()} == {
            (D("0.00"), AccountStatus.CLOSED_WITHDRAWN)
        }


class TestStatusReports:
    def test_accepted_rejected_and_missing_payments_are_each_updated(self) -> None:
        store = approved_world(6)
        channel = FileChannel(MemoryPaymentLog(), CENTRE)
        pay_all(store, channel, 6)
        payment_file = channel.write_file(at=EVENING, execute_on=date(2018, 5, 30))
        assert payment_file is not None
        report = StatusReport(
            "R1", EVENING, payment_file.message_id, "PART", "",
            (
                StatusLine("WD-W0", "ACSC", "", "REF0"),
                StatusLine("WD-W1", "ACCP"),
                StatusLine("WD-W2", "RJCT", "AC04 closed account"),
                StatusLine("WD-W3", "PDNG"),
                # W4 and W5 are missing from the report
            ),
        )  # fmt: skip
        outcome = channel.read_report(render_pain002(report))
        assert (outcome.accepted, outcome.rejected) == (("WD-W0", "WD-W1"), ("WD-W2",))
        assert outcome.unknown == ("WD-W3", "WD-W4", "WD-W5")
        states = {s.payment_id: s for s in channel.log.states()}
        assert [states[f"WD-W{i}"].status for i in range(6)] == [
            PaymentStatus.ACCEPTED, PaymentStatus.ACCEPTED, PaymentStatus.REJECTED,
            PaymentStatus.SENT, PaymentStatus.SENT, PaymentStatus.SENT,
        ]  # fmt: skip
        assert states["WD-W0"].reference == "REF0"
        assert states["WD-W2"].reason == "AC04 closed account"
        result = pay_all(store, channel, 6)
        assert result == {"paid": [0, 1], "unknown": [3, 4, 5], "rejected": [2]}
        # the rejected member's money stays debited and held, never paid: application still approved
        assert MemoryUnitOfWork(store).applications.get("W2").status is ApplicationStatus.APPROVED
        assert withdrawals_of(store, "A2") == [-PAID_EACH]
        # a status query settles one of the missing payments; the file is never rewritten
        channel.settle("WD-W4", accepted=True, reference="Q4")
        assert channel.write_file(at=EVENING, execute_on=date(2018, 5, 30)) is None
        assert [s.payment_id for s in channel.unknown()] == ["WD-W3", "WD-W5"]
        assert pay(store, channel, 4) is ApplicationStatus.PAID

    def test_a_later_contradicting_report_does_not_change_a_settled_payment(self) -> None:
        channel = FileChannel(MemoryPaymentLog(), CENTRE)
        with pytest.raises(PaymentTimeout):
            channel.transfer(payment_id="WD-X", card_number=luhn_card(1), amount=D("1.00"), memo="m")
        f = channel.write_file(at=EVENING, execute_on=DAY)
        assert f is not None
        ok = StatusReport("R1", EVENING, f.message_id, "ACSC", "", (StatusLine("WD-X", "ACSC", "", "B1"),))
        bad = StatusReport("R2", EVENING, f.message_id, "RJCT", "", (StatusLine("WD-X", "RJCT", "AC01"),))
        assert channel.read_report(render_pain002(ok)).accepted == ("WD-X",)
        assert channel.read_report(render_pain002(bad)).repeated == ("WD-X",)
        assert (
            channel.transfer(
                payment_id="WD-X", card_number=luhn_card(1), amount=D("1.00"), memo="m"
            ).reference
            == "B1"
        )

    def test_a_group_rejection_without_lines_rejects_the_whole_file(self) -> None:
        channel = FileChannel(MemoryPaymentLog(), CENTRE)
        for i in range(3):
            with pytest.raises(PaymentTimeout):
                channel.transfer(payment_id=f"P{i}", card_number=luhn_card(i), amount=D("2.50"), memo="m")
        f = channel.write_file(at=EVENING, execute_on=DAY)
        assert f is not None
        outcome = channel.read_report(
            render_pain002(StatusReport("R", EVENING, f.message_id, "RJCT", "FF01", ()))
        )
        assert outcome.rejected == ("P0", "P1", "P2")
        with pytest.raises(PaymentRejected):
            channel.transfer(payment_id="P1", card_number=luhn_card(1), amount=D("2.50"), memo="m")

    def test_bad_reports_and_conflicting_retries_are_refused(self) -> None:
        channel = FileChannel(MemoryPaymentLog(), CENTRE)
        with pytest.raises(PaymentTimeout):
            channel.transfer(payment_id="P1", card_number=luhn_card(1), amount=D("2.50"), memo="m")
        with pytest.raises(IdempotencyConflict):
            channel.transfer(payment_id="P1", card_number=luhn_card(1), amount=D("2.51"), memo="m")
        with pytest.raises(InputError):
            channel.read_report(b"<Document/>")  # not a pain.002
        with pytest.raises(InputError):  # valid, but about a file this channel never wrote
            channel.read_report(render_pain002(StatusReport("R", EVENING, "NOPE", "ACSC", "", ())))
        with pytest.raises(InputError):
            channel.read_report(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
        with pytest.raises(InputError):  # a queued payment was never sent: nothing to query
            channel.settle("P1", accepted=True)
        with pytest.raises(InputError):
            channel.transfer(payment_id="P" * 36, card_number=luhn_card(1), amount=D("1.00"), memo="m")


class TestFaults:
    def test_timeout_after_accept_duplicate_reports_rejection_and_a_partial_report_pay_once(self) -> None:
        n = 12
        store = approved_world(n)
        rejected_card = luhn_card(5)
        bank = SimulatedBank(
            reject_cards={rejected_card}, timeouts_after_accept=2, partial=3, duplicate_reports=True
        )
        channel = FileChannel(MemoryPaymentLog(), CENTRE)
        # the first half is approved and paid in the morning's file ...
        assert pay_all(store, channel, n // 2)["unknown"] == list(range(6))
        morning = channel.write_file(at=EVENING - timedelta(hours=6), execute_on=DAY)
        assert morning is not None
        for _ in range(2):  # the bank takes the file but the answer is lost, twice
            with pytest.raises(PaymentTimeout):
                bank.receive(morning.content)
        # ... the batch job runs again: nothing new to write, so it resends the same file
        assert channel.write_file(at=EVENING - timedelta(hours=5), execute_on=DAY) is None
        assert channel.file(morning.message_id).content == morning.content
        bank.receive(channel.file(morning.message_id).content)
        # the other half joins the evening file; the morning's payments are left out of it
        assert pay_all(store, channel, n)["unknown"] == list(range(n))
        evening = channel.write_file(at=EVENING, execute_on=DAY)
        assert evening is not None
        assert evening.payment_ids == tuple(f"WD-W{i}" for i in range(6, n))
        bank.receive(evening.content)
        assert bank.receipts == 4
        assert bank.files == (morning.message_id, evening.message_id)
        # first reports cover only the first 3 lines of each file (a partial batch), and each
        # report is delivered twice
        for message in (morning.message_id, evening.message_id):
            for report in bank.report(message, at=EVENING):
                channel.read_report(report)
        first = pay_all(store, channel, n)
        assert first == {"paid": [0, 1, 2, 6, 7, 8], "unknown": [3, 4, 5, 9, 10, 11], "rejected": []}
        for message in (morning.message_id, evening.message_id):
            for report in bank.report(message, at=EVENING + timedelta(hours=1)):
                channel.read_report(report)
        assert pay_all(store, channel, n) == {
            "paid": [i for i in range(n) if i != 5],
            "unknown": [],
            "rejected": [5],
        }
        # the bank's ledger: each member credited once, 6,007.18; the rejected card nothing
        assert sorted(c.end_to_end_id for c in bank.credits) == sorted(f"WD-W{i}" for i in range(n) if i != 5)
        for i in range(n):
            assert bank.balance(luhn_card(i)) == (D("0.00") if i == 5 else PAID_EACH)
            assert withdrawals_of(store, f"A{i}") == [-PAID_EACH]  # each account debited once
        # and running everything once more changes nothing
        before = (bank.credits, store.entries)
        assert channel.write_file(at=EVENING + timedelta(hours=2), execute_on=DAY) is None
        pay_all(store, channel, n)
        assert (bank.credits, store.entries) == before


class TestTheDurableLog:
    def test_a_new_channel_on_the_same_file_remembers_what_was_sent(self, tmp_path: Path) -> None:
        path = tmp_path / "payments.db"
        first = FileChannel(SqlitePaymentLog(path, SEALER), CENTRE)
        for i in range(3):
            with pytest.raises(PaymentTimeout):
                first.transfer(payment_id=f"P{i}", card_number=luhn_card(i), amount=D("10.00"), memo="m")
        sent = first.write_file(at=EVENING, execute_on=DAY)
        assert sent is not None
        # "the process restarts": a new channel on the same file
        again = FileChannel(SqlitePaymentLog(path, SEALER), CENTRE)
        with pytest.raises(PaymentTimeout, match="sent in file"):
            again.transfer(payment_id="P1", card_number=luhn_card(1), amount=D("10.00"), memo="m")
        assert again.write_file(at=EVENING, execute_on=DAY) is None
        assert again.file(sent.message_id).content == sent.content
        bank = SimulatedBank()
        bank.receive(sent.content)
        (report,) = bank.report(sent.message_id, at=EVENING)
        assert again.read_report(report).accepted == ("P0", "P1", "P2")
        receipt = FileChannel(SqlitePaymentLog(path, SEALER), CENTRE).transfer(
            payment_id="P2", card_number=luhn_card(2), amount=D("10.00"), memo="m"
        )
        assert (receipt.reference, receipt.amount) == ("BK00000003", D("10.00"))
        # the log holds the cards sealed: none of them in the file's bytes
        raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
        for i in range(3):
            assert luhn_card(i).encode() not in raw

    @pytest.mark.parametrize("kind", ["memory", "sqlite"])
    def test_racing_batch_runs_never_share_a_payment(self, kind: str, tmp_path: Path) -> None:
        log: PaymentLog = (
            MemoryPaymentLog() if kind == "memory" else SqlitePaymentLog(tmp_path / "p.db", SEALER)
        )
        channel = FileChannel(log, CENTRE)
        for i in range(40):
            with pytest.raises(PaymentTimeout):
                channel.transfer(payment_id=f"P{i}", card_number=luhn_card(i), amount=D("1.00"), memo="m")
        files: list[tuple[str, ...]] = []
        start = threading.Barrier(4)

        def run() -> None:
            start.wait()
            written = channel.write_file(at=EVENING, execute_on=DAY)
            if written is not None:
                files.append(written.payment_ids)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(p for f in files for p in f) == sorted(f"P{i}" for i in range(40))
        assert len(files) == 1


class TestWhatAFileCanCarry:
    def test_a_debtor_the_schema_refuses_is_refused_before_any_payment_is_queued(self) -> None:
        with pytest.raises(InputError, match=r"pain\.001\.001\.03"):
            FileChannel(MemoryPaymentLog(), Debtor("中" * 141, "1", "bank"))  # Nm is Max140Text

    def test_a_memo_with_markup_and_control_characters_still_makes_a_valid_file(self) -> None:
        channel = FileChannel(MemoryPaymentLog(), CENTRE)
        with pytest.raises(PaymentTimeout):
            channel.transfer(
                payment_id="P1", card_number=luhn_card(1), amount=D("1.00"), memo="a<b>&\x00\x1b" + "x" * 200
            )
        written = channel.write_file(at=EVENING, execute_on=DAY)
        assert written is not None
        memo = ET.fromstring(written.content).findtext(".//p:RmtInf/p:Ustrd", namespaces=NS)
        assert memo == "a<b>&  " + "x" * 133  # cut to the schema's 140 characters
