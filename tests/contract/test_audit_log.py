"""AuditLog contract: append-only, numbered in order, no personal data in clear."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from hpf_core.errors import InputError
from hpf_core.ports import AuditEvent, UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))


class TestAuditLog:
    def test_events_are_numbered_in_append_order_and_kept_with_the_work(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.audit.append(AuditEvent("M1", "login", AT, "credentials/M1"))
        with new_uow() as uow:
            assert list(uow.audit.events()) == []
            login = uow.audit.append(AuditEvent("M1", "login", AT, "credentials/M1"))
            change = uow.audit.append(AuditEvent("M1", "phone_changed", AT, "member/M1", "via sms code"))
            other = uow.audit.append(AuditEvent("staff7", "approve", AT, "application/W1"))
            uow.commit()
        assert [e.sequence for e in (login, change, other)] == [1, 2, 3]
        with new_uow() as uow:
            assert list(uow.audit.events()) == [login, change, other]
            assert list(uow.audit.events("application/W1")) == [other]

    def test_there_is_no_update_or_delete(self, new_uow: NewUnitOfWork) -> None:
        audit = new_uow().audit
        for name in ("update", "delete", "remove", "save"):
            assert not hasattr(audit, name)

    @pytest.mark.parametrize(
        "personal",
        ["13800138000", "11010519491231002X", "6222021234567890128", "１３８００１３８０００"],
        ids=["phone", "id_number", "card", "full_width_phone"],
    )
    def test_an_event_carrying_personal_data_in_clear_cannot_be_made(self, personal: str) -> None:
        with pytest.raises(InputError):
            AuditEvent("M1", "phone_changed", AT, "member/M1", f"new phone {personal}")
        with pytest.raises(InputError):
            AuditEvent(personal, "login", AT, "credentials/M1")
