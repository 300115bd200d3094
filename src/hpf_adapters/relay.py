"""The outbox relay (发件箱转发, D-053): delivers the pending notifications of the outbox
through an ``SmsGateway``, at least once, and effectively once where the gateway honours
idempotency keys.

For each pending notification, oldest first: send it with the key
``notification_id``, then mark it sent in a unit of work of its own. A crash between the
send and the mark leaves it pending, so the next run sends it again — with the same key,
which a keyed gateway (``hpf_adapters.sms.MemorySms``) accepts without sending twice. A
send that fails for now (a retryable ``SmsError``: throttled, timed out; or any error that
is not hpf's, like a lost connection) is left pending for the next run and does not stop
the others. A send that can never succeed — an error whose ``retryable`` is False
(``SmsRejected``, any other ``SmsError``) or a bad input (``InvalidPhone``, an
``IdempotencyConflict``) — is given up for good (``NotificationOutbox.mark_failed``, with
the error's code and message, numbers masked) so that it stops being retried (D-057). A
notification of another channel than ``sms`` is left pending and reported failed.

>>> from datetime import datetime, timezone
>>> from hpf_adapters.memory import MemoryStore
>>> from hpf_adapters.sms import MemorySms
>>> from hpf_core.ports import Notification
>>> at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
>>> store, sms = MemoryStore(), MemorySms()
>>> with store.unit_of_work() as uow:
...     _ = uow.outbox.enqueue(Notification("M1", "13800138000", "【12329】测试", at))
...     uow.commit()
>>> relay(store.unit_of_work, sms, lambda: at)
RelayReport(sent=('N000000001',), failed=(), failed_for_good=())
>>> sms.to("13800138000"), relay(store.unit_of_work, sms, lambda: at)
(('【12329】测试',), RelayReport(sent=(), failed=(), failed_for_good=()))
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from hpf_core.errors import InputError, redact
from hpf_core.ports import Notification, SmsGateway, UnitOfWork

__all__ = ["RelayReport", "permanent", "relay"]


@attrs.frozen
class RelayReport:
    """What one run of :func:`relay` did: the ids sent and marked, the ids whose send
    failed for now (still pending), and the ids given up for good (``mark_failed``)."""

    sent: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    failed_for_good: tuple[str, ...] = ()


def permanent(error: BaseException) -> bool:
    """Whether a gateway's ``error`` means the text can never be delivered as it is: its
    ``retryable`` is False (``SmsRejected``, a bare ``SmsError``), or, for an error without
    ``retryable``, it is an ``InputError`` (``InvalidPhone``: the same number fails every
    time). Anything else (a retryable ``SmsError``, a lost connection) may pass later.

    >>> from hpf_core.errors import InvalidPhone, SmsRejected, SmsThrottled
    >>> permanent(SmsRejected("template", "no")), permanent(InvalidPhone("phone", "no"))
    (True, True)
    >>> permanent(SmsThrottled("phone", "later")), permanent(ConnectionError("down"))
    (False, False)
    """
    retryable = getattr(error, "retryable", None)
    if isinstance(retryable, bool):
        return not retryable
    return isinstance(error, InputError)


def _reason(error: BaseException) -> str:
    """The error's code and message, long numbers masked, cut to the outbox's 255."""
    code = getattr(error, "code", type(error).__name__)
    return redact(f"{code}: {error}")[:255]


def relay(
    new_uow: Callable[[], UnitOfWork],
    gateway: SmsGateway,
    clock: Callable[[], datetime],
    *,
    limit: int = 100,
    on_sent: Callable[[Notification], None] | None = None,
) -> RelayReport:
    """Deliver up to ``limit`` pending notifications (see the module docstring); ``clock``
    gives the ``sent_at`` of each; ``on_sent`` is told of each one delivered (the CLI
    prints it). An error while marking a notification sent (the store is gone) stops the
    run and propagates: that notification stays pending and is sent again, under the same
    key, by the next run. A send that fails for good (:func:`permanent`) is marked failed in
    a unit of work of its own and reported in ``failed_for_good``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError("limit", "must be a positive int", limit)
    with new_uow() as uow:
        batch = tuple(uow.outbox.pending(limit))
    sent: list[str] = []
    failed: list[str] = []
    given_up: list[str] = []
    for notice in batch:
        if notice.channel != "sms":
            failed.append(notice.notification_id)
            continue
        try:
            gateway.send(notice.to, notice.text, key=notice.notification_id)
        except Exception as error:  # every gateway failure is sorted; none stops the run
            if not permanent(error):
                failed.append(notice.notification_id)  # pending: the next run tries again
                continue
            with new_uow() as uow:
                uow.outbox.mark_failed(notice.notification_id, clock(), _reason(error))
                uow.commit()
            given_up.append(notice.notification_id)
            continue
        with new_uow() as uow:
            marked = uow.outbox.mark_sent(notice.notification_id, clock())
            uow.commit()
        sent.append(notice.notification_id)
        if on_sent is not None:
            on_sent(marked)
    return RelayReport(tuple(sent), tuple(failed), tuple(given_up))
