"""Changing the registered mobile number (修改手机号码, seed manual §5.1.3)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest

from hpf_adapters.sms import FixedCodes, MemoryCodeStore, MemorySms
from hpf_core.errors import InvalidCode, InvalidPhone, Refused
from hpf_core.members import (
    CHANGED_MESSAGE,
    GENERIC_MESSAGE,
    SENT_MESSAGE,
    CodePolicy,
    CodePurpose,
    PhoneChange,
    PhoneChanged,
    Session,
    change_notice,
    check_new_phone,
    confirm_change,
    open_session,
    request_change,
)

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 1, 5, 9, 30, tzinfo=CST)
PASSWORD_CHECKED = NOW - timedelta(minutes=3)
OLD = "13800138000"
NEW = "13900139000"
OTHER_MEMBERS = ("13700137000", "15000150000")
SALT = b"0123456789abcdef"
POLICY = CodePolicy()


def checked(verified_at: datetime, member_id: str = "M1") -> Session:
    """A live session of ``member_id`` whose password was last checked at ``verified_at``."""
    opened = min(verified_at, NOW) - timedelta(minutes=1)
    return attrs.evolve(
        open_session(member_id, "t0KeN-" + "x1Y2z3" * 4, opened), password_verified_at=verified_at
    )


def service(*codes: str) -> tuple[PhoneChange, MemorySms, MemoryCodeStore]:
    sms, store = MemorySms(), MemoryCodeStore()
    return PhoneChange(POLICY, sms, FixedCodes(*codes), store), sms, store


class TestRequestingTheCode:
    def test_the_code_goes_to_the_new_number_only(self) -> None:
        change, sms, store = service("204815")
        assert (
            change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW)
            == SENT_MESSAGE
            == "已发送,请查收"
        )
        (message,) = sms.sent_messages
        assert message.phone == NEW
        assert "204815" in message.text
        assert "修改手机号" in message.text
        assert sms.to(OLD) == ()
        record = store.get(NEW, CodePurpose.PHONE_CHANGE, owner="M1")
        assert record is not None
        assert record.subject == OLD

    def test_refused_without_a_password_check_in_the_session(self) -> None:
        change, sms, _ = service("204815")
        with pytest.raises(Refused) as caught:
            change.request(checked(NOW - timedelta(hours=1)), OLD, NEW, OTHER_MEMBERS, NOW)
        assert caught.value.violations[0].code == "reauth_required"
        assert sms.sent_messages == ()

    def test_refused_when_the_password_check_is_older_than_the_policy_allows(self) -> None:
        stale = NOW - timedelta(minutes=POLICY.reauth_minutes, seconds=1)
        with pytest.raises(Refused) as caught:
            check_new_phone(OLD, NEW, (), checked(stale), NOW, POLICY)
        assert caught.value.codes == ("reauth_required",)
        edge = NOW - timedelta(minutes=POLICY.reauth_minutes)
        assert check_new_phone(OLD, NEW, (), checked(edge), NOW, POLICY) == NEW

    def test_a_password_check_in_the_future_does_not_count(self) -> None:
        with pytest.raises(Refused) as caught:
            check_new_phone(OLD, NEW, (), checked(NOW + timedelta(minutes=1)), NOW, POLICY)
        assert caught.value.codes == ("reauth_required",)

    def test_refused_when_the_new_number_is_the_old_one(self) -> None:
        with pytest.raises(Refused) as caught:
            check_new_phone(OLD, "+86 138 0013 8000", (), checked(PASSWORD_CHECKED), NOW, POLICY)
        assert caught.value.codes == ("same_phone",)

    def test_refused_when_another_member_of_the_centre_has_the_number(self) -> None:
        change, sms, _ = service("204815")
        with pytest.raises(Refused) as caught:
            change.request(checked(PASSWORD_CHECKED), OLD, "137-0013-7000", OTHER_MEMBERS, NOW)
        assert (caught.value.violations[0].code, caught.value.violations[0].field) == (
            "phone_taken",
            "new_phone",
        )
        assert sms.sent_messages == ()

    def test_refused_when_the_new_number_is_not_a_mobile_number(self) -> None:
        change, sms, _ = service("204815")
        with pytest.raises(InvalidPhone) as caught:
            change.request(checked(PASSWORD_CHECKED), OLD, "12345678901", OTHER_MEMBERS, NOW)
        assert caught.value.field == "new_phone"
        assert sms.sent_messages == ()

    def test_the_send_limit_applies_to_the_new_number(self) -> None:
        change, sms, _ = service("204815", "204816")
        change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW)
        with pytest.raises(Refused) as caught:
            change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW + timedelta(seconds=30))
        assert caught.value.violations[0].code == "send_limit"
        assert len(sms.sent_messages) == 1

    def test_the_pure_step_issues_a_phone_change_code_for_the_new_number(self) -> None:
        issued, sends = request_change(
            OLD, NEW, (), checked(PASSWORD_CHECKED), NOW, POLICY, code="204815", salt=SALT, sends=None
        )
        assert (issued.phone, issued.purpose, issued.subject, sends.phone) == (
            NEW,
            CodePurpose.PHONE_CHANGE,
            OLD,
            NEW,
        )


class TestConfirmingTheChange:
    def test_the_right_code_changes_the_phone_and_notifies_the_old_number(self) -> None:
        change, sms, _ = service("204815")
        change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW)
        done = change.confirm(
            checked(PASSWORD_CHECKED), OLD, NEW, "204815", OTHER_MEMBERS, NOW + timedelta(minutes=1)
        )
        assert (done.old_phone, done.new_phone) == (OLD, NEW)
        assert [m.phone for m in sms.sent_messages] == [NEW, OLD]
        notice = sms.to(OLD)[0]
        assert notice == done.notice
        assert "139****9000" in notice
        assert NEW not in notice
        assert "2026年01月05日09:31" in notice
        assert "204815" not in notice
        assert CHANGED_MESSAGE == "修改成功"

    def test_a_wrong_code_is_refused_and_nothing_is_sent_to_the_old_number(self) -> None:
        change, sms, store = service("204815")
        change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW)
        with pytest.raises(InvalidCode) as caught:
            change.confirm(checked(PASSWORD_CHECKED), OLD, NEW, "204816", OTHER_MEMBERS, NOW)
        assert caught.value.reason == GENERIC_MESSAGE
        assert sms.to(OLD) == ()
        record = store.get(NEW, CodePurpose.PHONE_CHANGE, owner="M1")
        assert record is not None
        assert record.attempts == 1

    def test_the_code_works_once(self) -> None:
        change, _, _ = service("204815")
        change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW)
        change.confirm(checked(PASSWORD_CHECKED), OLD, NEW, "204815", OTHER_MEMBERS, NOW)
        with pytest.raises(InvalidCode):
            change.confirm(checked(PASSWORD_CHECKED), OLD, NEW, "204815", OTHER_MEMBERS, NOW)

    def test_an_expired_code_is_refused(self) -> None:
        change, _, _ = service("204815")
        change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW)
        later = NOW + timedelta(minutes=POLICY.ttl_minutes)
        with pytest.raises(InvalidCode):
            change.confirm(checked(later - timedelta(minutes=2)), OLD, NEW, "204815", OTHER_MEMBERS, later)

    def test_a_login_code_sent_to_the_new_number_does_not_change_the_phone(self) -> None:
        change, _, store = service("204815")
        from hpf_core.members import send_code

        send_code(
            NEW, CodePurpose.LOGIN, NOW, POLICY, sms=MemorySms(), codes=FixedCodes("555555"), store=store
        )
        with pytest.raises(InvalidCode):
            change.confirm(checked(PASSWORD_CHECKED), OLD, NEW, "555555", OTHER_MEMBERS, NOW)

    def test_another_members_code_for_the_same_number_does_not_work(self) -> None:
        issued, _ = request_change(
            OLD, NEW, (), checked(PASSWORD_CHECKED), NOW, POLICY, code="204815", salt=SALT, sends=None
        )
        record, outcome = confirm_change(
            "15900159000", NEW, issued, "204815", (), checked(PASSWORD_CHECKED), NOW, POLICY
        )
        assert outcome is None  # the code failed: a result (the attempt is counted), not a raise
        assert record is not None
        assert (record.attempts, record.used_at) == (1, None)

    def test_too_many_wrong_codes_kill_the_code(self) -> None:
        change, _, _ = service("204815")
        change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW)
        for _ in range(POLICY.max_attempts):
            with pytest.raises(InvalidCode):
                change.confirm(checked(PASSWORD_CHECKED), OLD, NEW, "000000", OTHER_MEMBERS, NOW)
        with pytest.raises(InvalidCode):
            change.confirm(checked(PASSWORD_CHECKED), OLD, NEW, "204815", OTHER_MEMBERS, NOW)

    def test_a_number_taken_meanwhile_is_refused_at_confirmation(self) -> None:
        change, sms, _ = service("204815")
        change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW)
        with pytest.raises(Refused) as caught:
            change.confirm(checked(PASSWORD_CHECKED), OLD, NEW, "204815", (*OTHER_MEMBERS, NEW), NOW)
        assert caught.value.violations[0].code == "phone_taken"
        assert sms.to(OLD) == ()

    def test_confirmation_also_needs_a_recent_password_check(self) -> None:
        change, _, _ = service("204815")
        change.request(checked(PASSWORD_CHECKED), OLD, NEW, OTHER_MEMBERS, NOW)
        with pytest.raises(Refused) as caught:
            change.confirm(
                checked(PASSWORD_CHECKED), OLD, NEW, "204815", OTHER_MEMBERS, NOW + timedelta(minutes=8)
            )
        assert caught.value.violations[0].code == "reauth_required"

    def test_without_any_code_requested_the_generic_failure_comes_back(self) -> None:
        change, _, _ = service()
        with pytest.raises(InvalidCode):
            change.confirm(checked(PASSWORD_CHECKED), OLD, NEW, "204815", OTHER_MEMBERS, NOW)


class TestTheNotice:
    def test_the_notice_masks_the_new_number_and_names_the_hotline(self) -> None:
        text = change_notice("13800138000", NOW)
        assert text == (
            "【12329】您的公积金账户手机号已于2026年01月05日09:30变更为138****8000，如非本人操作请致电12329。"
        )

    def test_the_pure_confirmation_returns_the_change_with_its_notice(self) -> None:
        issued, _ = request_change(
            OLD, NEW, (), checked(PASSWORD_CHECKED), NOW, POLICY, code="204815", salt=SALT, sends=None
        )
        record, outcome = confirm_change(
            OLD, NEW, issued, "204815", (), checked(PASSWORD_CHECKED), NOW, POLICY
        )
        assert isinstance(outcome, PhoneChanged)
        assert record is not None
        assert record.used_at == NOW
        assert outcome.notice == change_notice(NEW, NOW)


def test_a_completed_change_shows_both_numbers_masked_in_its_repr() -> None:
    changed = PhoneChanged(OLD, NEW, NOW, change_notice(NEW, NOW))
    shown = repr(changed)
    assert OLD not in shown
    assert NEW not in shown
    assert "138****8000" in shown
    assert "139****9000" in shown
