"""SMS verification codes (短信验证码; RELIABILITY.md §3, §4 rows 31-32)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import attrs
import pytest

from hpf_adapters.sms import FixedCodes, MemoryCodeStore, MemorySms, SecretsCodes
from hpf_core.errors import InputError, InvalidCode, InvalidPolicy, NaiveDatetimeError, Refused
from hpf_core.members import (
    GENERIC_MESSAGE,
    SENT_MESSAGE,
    CodePolicy,
    CodePurpose,
    IssuedCode,
    SendLog,
    check_code,
    issue,
    next_send_at,
    parse_code_policy,
    send_code,
    verify,
)

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
PHONE = "13800138000"
CODE = "042817"
SALT = b"0123456789abcdef"
POLICY = CodePolicy()


def issued_at(at: datetime = T0, purpose: CodePurpose = CodePurpose.LOGIN, code: str = CODE) -> IssuedCode:
    return issue(PHONE, purpose, code, SALT, at, POLICY, None)[0]


class TestVerifyingACode:
    def test_the_right_code_for_the_right_phone_and_purpose_checks_out_once(self) -> None:
        record, ok = verify(issued_at(), PHONE, CodePurpose.LOGIN, CODE, T0 + timedelta(minutes=4), POLICY)
        assert ok
        assert record.used_at == T0 + timedelta(minutes=4)
        assert record.attempts == 1

    def test_a_used_code_does_not_work_again(self) -> None:
        record, _ = verify(issued_at(), PHONE, CodePurpose.LOGIN, CODE, T0, POLICY)
        record, ok = verify(record, PHONE, CodePurpose.LOGIN, CODE, T0 + timedelta(seconds=5), POLICY)
        assert not ok
        assert record.used_at == T0  # the first use stands

    def test_a_code_expires_after_the_policy_ttl(self) -> None:
        record = issued_at()
        assert record.expires_at == T0 + timedelta(minutes=5)
        just_before = T0 + timedelta(minutes=5) - timedelta(microseconds=1)
        assert verify(record, PHONE, CodePurpose.LOGIN, CODE, just_before, POLICY)[1]
        assert not verify(record, PHONE, CodePurpose.LOGIN, CODE, T0 + timedelta(minutes=5), POLICY)[1]

    def test_a_code_for_one_purpose_does_not_work_for_another(self) -> None:
        record = issued_at(purpose=CodePurpose.LOGIN)
        for other in (CodePurpose.PHONE_CHANGE, CodePurpose.PASSWORD_RESET, CodePurpose.WITHDRAWAL):
            after, ok = verify(record, PHONE, other, CODE, T0, POLICY)
            assert not ok
            assert after.attempts == 1

    def test_a_code_for_one_phone_does_not_work_for_another(self) -> None:
        assert not verify(issued_at(), "13900001111", CodePurpose.LOGIN, CODE, T0, POLICY)[1]

    def test_a_wrong_code_counts_an_attempt(self) -> None:
        record, ok = verify(issued_at(), PHONE, CodePurpose.LOGIN, "042818", T0, POLICY)
        assert (ok, record.attempts, record.used_at) == (False, 1, None)

    @pytest.mark.parametrize(
        "malformed", ["12345", "0428170", "１２３４５６", "04281a", " 42817", "", "٠٤٢٨١٧"]
    )
    def test_a_malformed_code_fails_and_counts_as_an_attempt(self, malformed: str) -> None:
        record, ok = verify(issued_at(), PHONE, CodePurpose.LOGIN, malformed, T0, POLICY)
        assert (ok, record.attempts) == (False, 1)

    def test_a_full_width_copy_of_the_right_code_is_refused(self) -> None:
        full_width = CODE.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        assert not verify(issued_at(), PHONE, CodePurpose.LOGIN, full_width, T0, POLICY)[1]

    def test_a_non_string_code_fails_as_an_attempt(self) -> None:
        record, ok = verify(issued_at(), PHONE, CodePurpose.LOGIN, 42817, T0, POLICY)
        assert (ok, record.attempts) == (False, 1)

    def test_after_max_attempts_even_the_right_code_fails(self) -> None:
        record = issued_at()
        for _ in range(POLICY.max_attempts):
            record, ok = verify(record, PHONE, CodePurpose.LOGIN, "999999", T0, POLICY)
            assert not ok
        record, ok = verify(record, PHONE, CodePurpose.LOGIN, CODE, T0, POLICY)
        assert not ok
        assert record.attempts == POLICY.max_attempts + 1

    def test_the_last_allowed_attempt_may_still_succeed(self) -> None:
        record = issued_at()
        for _ in range(POLICY.max_attempts - 1):
            record, _ = verify(record, PHONE, CodePurpose.LOGIN, "999999", T0, POLICY)
        assert verify(record, PHONE, CodePurpose.LOGIN, CODE, T0, POLICY)[1]

    def test_a_naive_clock_is_refused(self) -> None:
        with pytest.raises(NaiveDatetimeError):
            verify(issued_at(), PHONE, CodePurpose.LOGIN, CODE, datetime(2026, 1, 5, 9, 0), POLICY)


class TestEveryFailureLooksTheSame:
    def test_wrong_expired_used_other_purpose_locked_and_malformed_give_one_message(self) -> None:
        sms, store = MemorySms(), MemoryCodeStore()
        messages: set[str] = set()
        codes = ["111111", "222222", "333333", "444444", "555555", "666666", "777777"]
        cases: list[tuple[str, CodePurpose, str, datetime]] = [
            ("111111", CodePurpose.LOGIN, "999999", T0),  # wrong
            ("222222", CodePurpose.LOGIN, "222222", T0 + timedelta(minutes=30)),  # expired
            ("333333", CodePurpose.WITHDRAWAL, "333333", T0),  # other purpose
            ("444444", CodePurpose.LOGIN, "４４４４４４", T0),  # full-width
            ("555555", CodePurpose.LOGIN, "55555", T0),  # too short
        ]
        for day, (code, purpose, typed, when) in enumerate(cases):
            now = T0 + timedelta(days=day)
            phone_codes = FixedCodes(codes[day])
            send_code(PHONE, purpose, now, POLICY, sms=sms, codes=phone_codes, store=store)
            with pytest.raises(InvalidCode) as caught:
                check_code(PHONE, CodePurpose.LOGIN, typed, when + timedelta(days=day), POLICY, store=store)
            assert code not in str(caught.value)
            messages.add(str(caught.value))
        # used
        now = T0 + timedelta(days=10)
        send_code(PHONE, CodePurpose.LOGIN, now, POLICY, sms=sms, codes=FixedCodes("666666"), store=store)
        check_code(PHONE, CodePurpose.LOGIN, "666666", now, POLICY, store=store)
        with pytest.raises(InvalidCode) as caught:
            check_code(PHONE, CodePurpose.LOGIN, "666666", now, POLICY, store=store)
        messages.add(str(caught.value))
        # locked
        now = T0 + timedelta(days=11)
        send_code(PHONE, CodePurpose.LOGIN, now, POLICY, sms=sms, codes=FixedCodes("777777"), store=store)
        for _ in range(POLICY.max_attempts):
            with pytest.raises(InvalidCode):
                check_code(PHONE, CodePurpose.LOGIN, "000000", now, POLICY, store=store)
        with pytest.raises(InvalidCode) as caught:
            check_code(PHONE, CodePurpose.LOGIN, "777777", now, POLICY, store=store)
        messages.add(str(caught.value))
        # never issued
        with pytest.raises(InvalidCode) as caught:
            check_code("13900001111", CodePurpose.LOGIN, "123456", now, POLICY, store=store)
        messages.add(str(caught.value))
        assert messages == {f"code: {GENERIC_MESSAGE}"}

    def test_the_error_is_an_input_error_with_a_stable_code(self) -> None:
        error = InvalidCode()
        assert isinstance(error, InputError)
        assert isinstance(error, ValueError)
        assert (error.code, error.field, error.value) == ("invalid_code", "code", None)


class TestSendLimits:
    def test_one_code_a_minute(self) -> None:
        _, sends = issue(PHONE, CodePurpose.LOGIN, CODE, SALT, T0, POLICY, None)
        with pytest.raises(Refused) as caught:
            issue(PHONE, CodePurpose.LOGIN, CODE, SALT, T0 + timedelta(seconds=59), POLICY, sends)
        assert caught.value.codes == ("send_limit",)
        assert caught.value.violations[0].field == "phone"
        # 09:00 + 60 s: the next code may go at 09:01, which the message says
        assert "请于09:01后再试" in caught.value.violations[0].message
        _, after = issue(PHONE, CodePurpose.LOGIN, CODE, SALT, T0 + timedelta(seconds=60), POLICY, sends)
        assert after.sent_at == (T0, T0 + timedelta(seconds=60))

    def test_the_limit_is_per_phone_across_purposes(self) -> None:
        _, sends = issue(PHONE, CodePurpose.LOGIN, CODE, SALT, T0, POLICY, None)
        with pytest.raises(Refused):
            issue(PHONE, CodePurpose.WITHDRAWAL, CODE, SALT, T0 + timedelta(seconds=10), POLICY, sends)

    def test_five_codes_an_hour(self) -> None:
        sends: SendLog | None = None
        for minute in range(0, 50, 10):
            _, sends = issue(
                PHONE, CodePurpose.LOGIN, CODE, SALT, T0 + timedelta(minutes=minute), POLICY, sends
            )
        with pytest.raises(Refused) as caught:
            issue(PHONE, CodePurpose.LOGIN, CODE, SALT, T0 + timedelta(minutes=59), POLICY, sends)
        assert "每小时最多5条" in caught.value.violations[0].message
        assert next_send_at(sends, T0 + timedelta(minutes=59), POLICY) == T0 + timedelta(hours=1)
        issue(PHONE, CodePurpose.LOGIN, CODE, SALT, T0 + timedelta(hours=1), POLICY, sends)

    def test_ten_codes_a_day(self) -> None:
        sends: SendLog | None = None
        for hour in range(0, 20, 2):
            _, sends = issue(PHONE, CodePurpose.LOGIN, CODE, SALT, T0 + timedelta(hours=hour), POLICY, sends)
        late = T0 + timedelta(hours=23, minutes=59)
        with pytest.raises(Refused) as caught:
            issue(PHONE, CodePurpose.LOGIN, CODE, SALT, late, POLICY, sends)
        assert "每天最多10条" in caught.value.violations[0].message
        assert next_send_at(sends, late, POLICY) == T0 + timedelta(days=1)
        _, kept = issue(PHONE, CodePurpose.LOGIN, CODE, SALT, T0 + timedelta(days=1), POLICY, sends)
        assert len(kept.sent_at) == 10  # sends older than a day are dropped

    def test_the_service_refuses_and_sends_nothing_over_the_limit(self) -> None:
        sms, store = MemorySms(), MemoryCodeStore()
        assert (
            send_code(PHONE, CodePurpose.LOGIN, T0, POLICY, sms=sms, codes=FixedCodes(CODE), store=store)
            == SENT_MESSAGE
        )
        with pytest.raises(Refused) as caught:
            send_code(PHONE, CodePurpose.LOGIN, T0, POLICY, sms=sms, codes=FixedCodes("111111"), store=store)
        assert caught.value.violations[0].code == "send_limit"
        assert len(sms.sent_messages) == 1
        check_code(PHONE, CodePurpose.LOGIN, CODE, T0, POLICY, store=store)  # the first code still works

    def test_a_new_code_replaces_the_old_one(self) -> None:
        sms, store = MemorySms(), MemoryCodeStore()
        codes = FixedCodes("111111", "222222")
        send_code(PHONE, CodePurpose.LOGIN, T0, POLICY, sms=sms, codes=codes, store=store)
        later = T0 + timedelta(minutes=2)
        send_code(PHONE, CodePurpose.LOGIN, later, POLICY, sms=sms, codes=codes, store=store)
        with pytest.raises(InvalidCode):
            check_code(PHONE, CodePurpose.LOGIN, "111111", later, POLICY, store=store)
        check_code(PHONE, CodePurpose.LOGIN, "222222", later, POLICY, store=store)


Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]


class TestRacingRequests:
    """Many threads at once against the in-memory store: its operations are atomic."""

    def test_of_many_threads_checking_the_right_code_exactly_one_succeeds(self, race: Race) -> None:
        store = MemoryCodeStore()
        policy = CodePolicy(max_attempts=10)
        send_code(PHONE, CodePurpose.LOGIN, T0, policy, sms=MemorySms(), codes=FixedCodes(CODE), store=store)
        outcomes = race(8, lambda _: check_code(PHONE, CodePurpose.LOGIN, CODE, T0, policy, store=store))
        assert sum(o is None for o in outcomes) == 1
        assert all(isinstance(o, InvalidCode) for o in outcomes if o is not None)
        record = store.get(PHONE, CodePurpose.LOGIN)
        assert record is not None
        assert record.attempts == 8  # every check was counted
        assert record.used_at == T0

    def test_racing_guesses_cannot_get_more_checks_than_the_limit(self, race: Race) -> None:
        store = MemoryCodeStore()
        send_code(PHONE, CodePurpose.LOGIN, T0, POLICY, sms=MemorySms(), codes=FixedCodes(CODE), store=store)
        # 19 wrong guesses and the right code at once: every check is counted before the
        # comparison, so only the first 5 counted are compared at all.
        guesses = [f"{n:06d}" for n in range(100000, 100019)] + [CODE]
        outcomes = race(
            20, lambda i: check_code(PHONE, CodePurpose.LOGIN, guesses[i], T0, POLICY, store=store)
        )
        record = store.get(PHONE, CodePurpose.LOGIN)
        assert record is not None
        assert record.attempts == 20
        assert sum(o is None for o in outcomes) <= 1
        # whatever happened, the code is now dead: used, or out of attempts
        with pytest.raises(InvalidCode):
            check_code(PHONE, CodePurpose.LOGIN, CODE, T0, POLICY, store=store)

    def test_racing_sends_cannot_exceed_the_per_minute_limit(self, race: Race) -> None:
        store, sms = MemoryCodeStore(), MemorySms()
        codes = [f"{n:06d}" for n in range(200000, 200016)]
        outcomes = race(
            16,
            lambda i: send_code(
                PHONE, CodePurpose.LOGIN, T0, POLICY, sms=sms, codes=FixedCodes(codes[i]), store=store
            ),
        )
        assert sum(o is None for o in outcomes) == POLICY.per_minute == 1
        assert all(isinstance(o, Refused) and o.codes == ("send_limit",) for o in outcomes if o is not None)
        assert len(sms.sent_messages) == 1
        sends = store.sends(PHONE)
        assert sends is not None
        assert sends.sent_at == (T0,)

    def test_racing_sends_stop_at_a_larger_limit_too(self, race: Race) -> None:
        store, sms = MemoryCodeStore(), MemorySms()
        policy = CodePolicy(per_minute=5, per_hour=5, per_day=10)
        codes = [f"{n:06d}" for n in range(300000, 300012)]
        outcomes = race(
            12,
            lambda i: send_code(
                PHONE, CodePurpose.LOGIN, T0, policy, sms=sms, codes=FixedCodes(codes[i]), store=store
            ),
        )
        assert sum(o is None for o in outcomes) == 5
        assert len(sms.sent_messages) == 5


class TestNoCodeInClear:
    def test_the_stored_record_holds_no_clear_code_in_any_field_or_repr(self) -> None:
        sms, store = MemorySms(), MemoryCodeStore()
        send_code(PHONE, CodePurpose.LOGIN, T0, POLICY, sms=sms, codes=FixedCodes(CODE), store=store)
        with pytest.raises(InvalidCode):
            check_code(PHONE, CodePurpose.LOGIN, "999999", T0, POLICY, store=store)
        (record,) = store.records
        for field in attrs.fields(IssuedCode):
            value = getattr(record, field.name)
            assert CODE not in str(value), field.name
            assert CODE.encode() not in (value if isinstance(value, bytes) else str(value).encode()), (
                field.name
            )
        assert CODE not in repr(record)
        assert "code_hash" not in repr(record)
        assert PHONE not in repr(record)
        assert "138****8000" in repr(record)
        assert CODE not in repr(store.sends(PHONE))
        assert CODE in sms.sent_messages[0].text  # only the message itself carries it

    def test_nothing_is_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        store = MemoryCodeStore()
        send_code(PHONE, CodePurpose.LOGIN, T0, POLICY, sms=MemorySms(), codes=FixedCodes(CODE), store=store)
        with pytest.raises(InvalidCode):
            check_code(PHONE, CodePurpose.LOGIN, "000000", T0, POLICY, store=store)
        check_code(PHONE, CodePurpose.LOGIN, CODE, T0, POLICY, store=store)
        assert CODE not in caplog.text

    def test_the_hash_is_salted(self) -> None:
        first, _ = issue(PHONE, CodePurpose.LOGIN, CODE, SALT, T0, POLICY, None)
        second, _ = issue(PHONE, CodePurpose.LOGIN, CODE, b"fedcba9876543210", T0, POLICY, None)
        assert first.code_hash != second.code_hash

    def test_a_short_salt_or_a_bad_code_from_the_source_is_refused(self) -> None:
        with pytest.raises(InputError):
            issue(PHONE, CodePurpose.LOGIN, CODE, b"short", T0, POLICY, None)
        with pytest.raises(InputError) as caught:
            issue(PHONE, CodePurpose.LOGIN, "12345", SALT, T0, POLICY, None)
        assert "12345" not in str(caught.value)


class TestTheCodeSource:
    def test_secrets_codes_are_six_ascii_digits_with_leading_zeros_kept(self) -> None:
        source = SecretsCodes()
        codes = {source.new_code() for _ in range(2000)}
        assert all(len(c) == 6 and c.isascii() and c.isdigit() for c in codes)
        assert len(codes) > 1900
        assert len(source.new_salt()) == 16
        assert source.new_salt() != source.new_salt()


class TestTheCodePolicy:
    def test_defaults_follow_aliyun_and_asvs(self) -> None:
        assert attrs.astuple(POLICY) == (6, 5, 5, 1, 5, 10, 10)

    def test_a_code_may_not_live_longer_than_ten_minutes(self) -> None:
        with pytest.raises(InvalidPolicy) as caught:
            parse_code_policy({"ttl_minutes": 11})
        assert caught.value.field == "members.codes.ttl_minutes"

    def test_unknown_keys_and_floats_and_short_codes_are_refused(self) -> None:
        for table, field in (
            ({"per_mintue": 1}, "members.codes.per_mintue"),
            ({"max_attempts": 5.0}, "members.codes.max_attempts"),
            ({"length": 4}, "members.codes.length"),
            ({"per_hour": 20, "per_day": 10}, "members.codes.per_hour"),
        ):
            with pytest.raises(InvalidPolicy) as caught:
                parse_code_policy(table)
            assert caught.value.field == field

    def test_a_centre_may_tighten_the_limits(self) -> None:
        policy = parse_code_policy({"ttl_minutes": 10, "max_attempts": 3, "per_hour": 3})
        assert (policy.ttl_minutes, policy.max_attempts, policy.per_hour) == (10, 3, 3)

    def test_purposes_have_chinese_names(self) -> None:
        assert [p.chinese for p in CodePurpose] == ["登录", "修改手机号", "重置密码", "提取确认", "解锁"]
