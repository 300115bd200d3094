"""The outbox relay (发件箱转发, D-053): delivers the pending notifications of the outbox
through an ``SmsGateway``, at least once, and effectively once where the gateway honours
idempotency keys.

For each pending notification, oldest first: send it with the key
``notification_id``, then mark it sent in a unit of work of its own. A crash between the
send and the mark leaves it pending, so the next run sends it again — with the same key,
which a keyed gateway (``hpf_adapters.sms.MemorySms``) accepts without sending twice. A
send that fails is left pending for the next run and does not stop the others; a
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
RelayReport(sent=('N000000001',), failed=())
>>> sms.to("13800138000"), relay(store.unit_of_work, sms, lambda: at)
(('【12329】测试',), RelayReport(sent=(), failed=()))
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from hpf_core.errors import InputError
from hpf_core.ports import Notification, SmsGateway, UnitOfWork

__all__ = ["RelayReport", "relay"]


@attrs.frozen
class RelayReport:
    """What one run of :func:`relay` did: the ids sent and marked, and the ids whose send
    failed (still pending)."""

    sent: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()


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
    key, by the next run."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError("limit", "must be a positive int", limit)
    with new_uow() as uow:
        batch = tuple(uow.outbox.pending(limit))
    sent: list[str] = []
    failed: list[str] = []
    for notice in batch:
        if notice.channel != "sms":
            failed.append(notice.notification_id)
            continue
        try:
            gateway.send(notice.to, notice.text, key=notice.notification_id)
        except Exception:  # any gateway failure leaves the notice pending for the next run
            failed.append(notice.notification_id)
            continue
        with new_uow() as uow:
            marked = uow.outbox.mark_sent(notice.notification_id, clock())
            uow.commit()
        sent.append(notice.notification_id)
        if on_sent is not None:
            on_sent(marked)
    return RelayReport(tuple(sent), tuple(failed))
