"""The outbox relay (issue #13, D-053) on every store: each pending notification is sent
once and marked; a crash between the send and the mark (an exception in ``mark_sent``, or
a child process killed there) sends it again on the next run under the same idempotency
key, which a keyed gateway delivers once (an unkeyed one twice: at least once); a failed
send stays pending and does not stop the others. Also the wiring: ``App.backoffice`` and
``App.relay`` from a back-office step to the member's phone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest

from hpf_adapters.pytest_plugin import MovableClock
from hpf_adapters.relay import RelayReport, relay
from hpf_adapters.sms import MemorySms
from hpf_adapters.wiring import App
from hpf_core.accounts import Employer, Member
from hpf_core.backoffice import Staff, StaffRole
from hpf_core.errors import IdempotencyConflict, InputError, InvalidPhone, SmsRejected, SmsThrottled
from hpf_core.ports import MemberRecord, Notification, UnitOfWork
from hpf_core.withdrawals import WithdrawalFacts

NewUnitOfWork = Callable[[], UnitOfWork]
CST = timezone(timedelta(hours=8))
AT = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
SENT_AT = datetime(2026, 1, 5, 9, 5, tzinfo=CST)
PHONES = ("13800000001", "13800000002", "13800000003")


def enqueue_three(new_uow: NewUnitOfWork) -> list[str]:
    with new_uow() as uow:
        ids = [
            uow.outbox.enqueue(Notification(f"M{i}", phone, f"【12329】通知{i}", AT)).notification_id
            for i, phone in enumerate(PHONES, 1)
        ]
        uow.commit()
    return ids


def pending(new_uow: NewUnitOfWork) -> list[str]:
    with new_uow() as uow:
        return [n.notification_id for n in uow.outbox.pending(1000)]


class _Outbox:
    def __init__(self, inner: Any, crash: Callable[[], None]) -> None:
        self._inner = inner
        self._crash = crash

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def mark_sent(self, notification_id: str, at: datetime) -> Notification:
        self._crash()
        result: Notification = self._inner.mark_sent(notification_id, at)
        return result


class _CrashingUnitOfWork:
    """A unit of work whose ``outbox.mark_sent`` calls ``crash`` first."""

    def __init__(self, inner: UnitOfWork, crash: Callable[[], None]) -> None:
        self._inner = inner
        self._crash = crash

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @property
    def outbox(self) -> _Outbox:
        return _Outbox(self._inner.outbox, self._crash)

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)


def crashing_once(new_uow: NewUnitOfWork) -> NewUnitOfWork:
    left = [1]

    def crash() -> None:
        if left[0]:
            left[0] -= 1
            raise RuntimeError("the relay died between the send and the mark")

    return lambda: _CrashingUnitOfWork(new_uow(), crash)


class Unkeyed:
    """A gateway that cannot honour keys: every send goes out."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str, *, key: str = "") -> None:
        self.sent.append((phone, text))


class TestRelay:
    def test_each_pending_notification_is_sent_once_and_marked(self, new_uow: NewUnitOfWork) -> None:
        ids = enqueue_three(new_uow)
        sms = MemorySms()
        assert relay(new_uow, sms, lambda: SENT_AT) == RelayReport(tuple(ids), ())
        assert [(m.phone, m.text) for m in sms.sent_messages] == [
            ("13800000001", "【12329】通知1"),
            ("13800000002", "【12329】通知2"),
            ("13800000003", "【12329】通知3"),
        ]
        assert pending(new_uow) == []
        assert relay(new_uow, sms, lambda: SENT_AT) == RelayReport((), ())
        assert len(sms.sent_messages) == 3

    def test_the_limit_takes_the_oldest(self, new_uow: NewUnitOfWork) -> None:
        ids = enqueue_three(new_uow)
        sms = MemorySms()
        assert relay(new_uow, sms, lambda: SENT_AT, limit=2).sent == tuple(ids[:2])
        assert pending(new_uow) == ids[2:]
        with pytest.raises(InputError):
            relay(new_uow, sms, lambda: SENT_AT, limit=0)

    def test_a_crash_after_the_send_does_not_send_twice_with_a_keyed_gateway(
        self, new_uow: NewUnitOfWork
    ) -> None:
        ids = enqueue_three(new_uow)
        sms = MemorySms()
        with pytest.raises(RuntimeError):
            relay(crashing_once(new_uow), sms, lambda: SENT_AT)
        assert sms.to("13800000001") == ("【12329】通知1",)
        assert pending(new_uow) == ids  # the first was sent but not marked
        assert relay(new_uow, sms, lambda: SENT_AT) == RelayReport(tuple(ids), ())
        assert [m.phone for m in sms.sent_messages] == list(PHONES)  # the first one once, not twice
        assert pending(new_uow) == []

    def test_an_unkeyed_gateway_gets_it_at_least_once(self, new_uow: NewUnitOfWork) -> None:
        enqueue_three(new_uow)
        gateway = Unkeyed()
        with pytest.raises(RuntimeError):
            relay(crashing_once(new_uow), gateway, lambda: SENT_AT)
        relay(new_uow, gateway, lambda: SENT_AT)
        assert [phone for phone, _ in gateway.sent] == ["13800000001", *PHONES]

    def test_a_failed_send_stays_pending_and_the_others_go(self, new_uow: NewUnitOfWork) -> None:
        ids = enqueue_three(new_uow)

        class Flaky(MemorySms):
            def send(self, phone: str, text: str, *, key: str = "") -> None:
                if phone == "13800000002":
                    raise ConnectionError("the carrier is down")
                super().send(phone, text, key=key)

        sms = Flaky()
        assert relay(new_uow, sms, lambda: SENT_AT) == RelayReport((ids[0], ids[2]), (ids[1],))
        assert pending(new_uow) == [ids[1]]
        later = MemorySms()
        assert relay(new_uow, later, lambda: SENT_AT).sent == (ids[1],)
        assert later.to("13800000002") == ("【12329】通知2",)


class TestTheKeyedGateway:
    def test_a_key_reused_for_another_message_is_a_conflict(self) -> None:
        sms = MemorySms()
        sms.send("13800000001", "【12329】一", key="N1")
        with pytest.raises(IdempotencyConflict):
            sms.send("13800000001", "【12329】二", key="N1")
        sms.send("13800000001", "【12329】一")  # no key: sent again
        assert sms.to("13800000001") == ("【12329】一", "【12329】一")


CHILD = """
import json, os, sys
from pathlib import Path
from hpf_adapters.relay import relay
from hpf_adapters.sql import Keyring, SqlStore
from datetime import datetime, timezone

class FileSms:
    # a keyed gateway whose memory is a file, so it outlives the process
    def __init__(self, path):
        self.path = Path(path)
    def send(self, phone, text, *, key=""):
        seen = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
        if key and any(json.loads(line)["key"] == key for line in seen):
            return
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"key": key, "phone": phone, "text": text}, ensure_ascii=False) + "\\n")

db, spool, crash = sys.argv[1], sys.argv[2], sys.argv[3] == "crash"
store = SqlStore(db, Keyring.from_secret(b"hpf relay test: not a real key!!"))

class Dying:
    def __init__(self, inner):
        self.inner = inner
    def __getattr__(self, name):
        return getattr(self.inner, name)
    def mark_sent(self, notification_id, at):
        os._exit(9)   # killed between the send and the mark

class Uow:
    def __init__(self):
        self.inner = store.unit_of_work()
    def __getattr__(self, name):
        return getattr(self.inner, name)
    @property
    def outbox(self):
        return Dying(self.inner.outbox) if crash else self.inner.outbox
    def __enter__(self):
        self.inner.__enter__()
        return self
    def __exit__(self, *exc):
        self.inner.__exit__(*exc)

report = relay(Uow, FileSms(spool), lambda: datetime(2026, 1, 5, 9, 5, tzinfo=timezone.utc))
print(len(report.sent))
"""


class TestAKilledRelay:
    def test_a_relay_killed_between_send_and_mark_resends_under_the_key(self, tmp_path: Path) -> None:
        pytest.importorskip("sqlalchemy")
        from hpf_adapters.sql import Keyring, SqlStore

        db, spool = str(tmp_path / "hpf.db"), tmp_path / "sms.jsonl"
        store = SqlStore(db, Keyring.from_secret(b"hpf relay test: not a real key!!"))
        store.create_schema()
        ids = enqueue_three(store.unit_of_work)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}

        def child(mode: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-c", CHILD, db, str(spool), mode],
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
            )

        killed = child("crash")
        assert killed.returncode == 9, killed.stderr
        sent = [json.loads(line) for line in spool.read_text(encoding="utf-8").splitlines()]
        assert [m["key"] for m in sent] == [ids[0]]
        assert pending(store.unit_of_work) == ids

        finished = child("normal")
        assert (finished.returncode, finished.stdout.strip()) == (0, "3"), finished.stderr
        sent = [json.loads(line) for line in spool.read_text(encoding="utf-8").splitlines()]
        assert [(m["key"], m["phone"]) for m in sent] == list(zip(ids, PHONES, strict=True))
        assert pending(store.unit_of_work) == []


class TestWiring:
    # issue #19 (D-062): the app, its clock and its outbox from hpf's own pytest plugin
    def test_a_return_in_the_back_office_reaches_the_members_phone_through_the_relay(
        self, hpf_app: App, hpf_clock: MovableClock, hpf_sms: MemorySms
    ) -> None:
        app = hpf_app
        assert app.now() == AT
        app.accounts.open_account(
            account_no="A1",
            member=Member("M1", "退休职工", "11010519491231002X"),
            employer=Employer("E1", "单位"),
            opened_on=date(2010, 1, 1),
            base="5000.00",
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
        app.accounts.receive_transfer(
            account_no="A1", amount="5925.21", value_date=date(2017, 7, 1), key="in"
        )
        card = "6222021234567890128"
        app.withdrawals.add_bank_card(member_id="M1", number=card, bank="中国工商银行", verified_at=AT, at=AT)
        with app.unit_of_work() as uow:
            uow.members.add(MemberRecord("M1", "13800138000", "11010519491231002X", "A1"))
            uow.commit()
        app.withdrawals.apply(
            application_id="W1",
            account_no="A1",
            kind="retirement",
            amount=None,
            card_number=card,
            facts=WithdrawalFacts(retired_on=date(2025, 12, 1)),
            policy=app.policy,
            on=date(2026, 1, 5),
        )
        app.withdrawals.submit_application(application_id="W1", actor="M1", at=AT)
        app.backoffice.return_application(
            staff=Staff("R1", StaffRole.REVIEWER), application_id="W1", reason="请补充退休证", at=SENT_AT
        )
        assert hpf_sms.to("13800138000") == ()  # written to the outbox, not yet sent
        hpf_clock.set(SENT_AT + timedelta(minutes=1))
        report = app.relay()
        assert len(report.sent) == 1
        with app.unit_of_work() as uow:
            assert uow.outbox.pending() == []  # marked sent at the clock's instant
        [text] = hpf_sms.to("13800138000")
        assert text.startswith("【12329】您的离、退休提取申请(")
        assert text.endswith("已被退回，退回原因：请补充退休证。请在“我的业务-待办事项”中修改后重新提交。")
        assert app.relay() == RelayReport((), ())


class TestPermanentFailures:
    """D-057: a send that can never succeed is given up for good; one that may pass later stays pending."""

    def test_an_invalid_phone_and_a_rejected_text_are_given_up_the_throttled_one_stays(
        self, new_uow: NewUnitOfWork
    ) -> None:
        ids = enqueue_three(new_uow)

        class Provider(MemorySms):
            def send(self, phone: str, text: str, *, key: str = "") -> None:
                if phone == "13800000001":
                    raise InvalidPhone("phone", "the SMS provider refused the number", phone)
                if phone == "13800000002":
                    raise SmsRejected(
                        "template", "the template is not approved", provider_code="isv.SMS_TEMPLATE_ILLEGAL"
                    )
                raise SmsThrottled("phone", "流控", provider_code="isv.BUSINESS_LIMIT_CONTROL")

        report = relay(new_uow, Provider(), lambda: SENT_AT)
        assert report == RelayReport(sent=(), failed=(ids[2],), failed_for_good=(ids[0], ids[1]))
        assert pending(new_uow) == [ids[2]]
        first, second = as_stored(new_uow, ids[0]), as_stored(new_uow, ids[1])
        assert (first.failed_at, first.sent_at) == (SENT_AT, None)
        assert (
            first.failure == "invalid_phone: phone: the SMS provider refused the number (got '138****0001')"
        )
        assert second.failure == "sms_rejected: template: the template is not approved"
        # the next run with a working gateway sends only the throttled one; the others are never retried
        later = MemorySms()
        assert relay(new_uow, later, lambda: SENT_AT) == RelayReport(sent=(ids[2],))
        assert [m.phone for m in later.sent_messages] == ["13800000003"]

    def test_a_reused_key_with_another_text_is_given_up(self, new_uow: NewUnitOfWork) -> None:
        ids = enqueue_three(new_uow)
        sms = MemorySms()
        sms.send("13800000001", "【12329】另一条", key=ids[0])  # the key was used before, for another text
        report = relay(new_uow, sms, lambda: SENT_AT)
        assert report == RelayReport(sent=(ids[1], ids[2]), failed_for_good=(ids[0],))
        assert as_stored(new_uow, ids[0]).failure.startswith("idempotency_conflict: key:")


def as_stored(new_uow: NewUnitOfWork, notification_id: str) -> Notification:
    """The notification as stored: ``mark_failed`` returns one already given up unchanged
    (the contract), and the unit of work is not committed, so nothing is written."""
    with new_uow() as uow:
        return uow.outbox.mark_failed(notification_id, SENT_AT + timedelta(days=1), "probe")
