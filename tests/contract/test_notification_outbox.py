"""NotificationOutbox contract: enqueued with the work, pending until marked sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from hpf_core.errors import InputError, UnknownRecord
from hpf_core.ports import Notification, UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def notice(n: int) -> Notification:
    return Notification(f"M{n}", "13800138000", f"【12329】通知{n}", AT + timedelta(minutes=n))


class TestNotificationOutbox:
    def test_enqueued_notifications_exist_only_if_the_work_commits(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.outbox.enqueue(notice(1))
        with new_uow() as uow:
            assert list(uow.outbox.pending()) == []
            first = uow.outbox.enqueue(notice(1))
            second = uow.outbox.enqueue(notice(2))
            uow.commit()
        assert first.notification_id != second.notification_id
        assert (first.sent_at, first.text, first.to) == (None, "【12329】通知1", "13800138000")
        with new_uow() as uow:
            assert list(uow.outbox.pending()) == [first, second]
            assert list(uow.outbox.pending(limit=1)) == [first]

    def test_a_sent_notification_leaves_pending_and_keeps_its_first_sent_at(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            first = uow.outbox.enqueue(notice(1))
            second = uow.outbox.enqueue(notice(2))
            sent = uow.outbox.mark_sent(first.notification_id, AT + timedelta(hours=1))
            again = uow.outbox.mark_sent(first.notification_id, AT + timedelta(hours=2))
            uow.commit()
        assert sent.sent_at == again.sent_at == AT + timedelta(hours=1)
        with new_uow() as uow:
            assert list(uow.outbox.pending()) == [second]
            with pytest.raises(UnknownRecord):
                uow.outbox.mark_sent("N-nope", AT)

    def test_a_given_id_or_sent_at_is_replaced_by_the_outboxs(self, new_uow: NewUnitOfWork) -> None:
        given = Notification("M1", "13800138000", "t", AT, notification_id="mine", sent_at=AT)
        with new_uow() as uow:
            stored = uow.outbox.enqueue(given)
            assert stored.sent_at is None
            assert list(uow.outbox.pending()) == [stored]

    def test_a_notification_given_up_for_good_leaves_pending_and_keeps_its_reason(
        self, new_uow: NewUnitOfWork
    ) -> None:
        failed_at = AT + timedelta(hours=1)
        with new_uow() as uow:
            first = uow.outbox.enqueue(notice(1))
            second = uow.outbox.enqueue(notice(2))
            third = uow.outbox.enqueue(notice(3))
            uow.outbox.mark_sent(third.notification_id, AT)
            uow.commit()
        with new_uow() as uow:
            failed = uow.outbox.mark_failed(first.notification_id, failed_at, "invalid_phone: 138****8000")
            again = uow.outbox.mark_failed(first.notification_id, failed_at + timedelta(hours=1), "other")
            sent = uow.outbox.mark_failed(third.notification_id, failed_at, "too late")
            uow.commit()
        assert (failed.failed_at, failed.failure, failed.sent_at) == (
            failed_at,
            "invalid_phone: 138****8000",
            None,
        )
        assert again == failed  # the first reason and time stand
        assert (sent.sent_at, sent.failed_at, sent.failure) == (AT, None, "")  # a sent one stays sent
        with new_uow() as uow:
            assert [n.notification_id for n in uow.outbox.pending()] == [second.notification_id]
            with pytest.raises(UnknownRecord):
                uow.outbox.mark_failed("N-nope", AT, "x")

    def test_giving_up_is_kept_only_if_the_work_commits(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            first = uow.outbox.enqueue(notice(1))
            uow.commit()
        with new_uow() as uow:
            uow.outbox.mark_failed(first.notification_id, AT, "sms_rejected")
        with new_uow() as uow:
            assert list(uow.outbox.pending()) == [first]

    def test_a_reason_with_personal_data_in_clear_is_refused(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            first = uow.outbox.enqueue(notice(1))
            with pytest.raises(InputError):
                uow.outbox.mark_failed(first.notification_id, AT, "invalid_phone: 13800138000")
            with pytest.raises(InputError):
                uow.outbox.mark_failed(first.notification_id, AT, "x" * 256)
