"""VerificationCodeStore contract: reserve a send within the limits, count an attempt,
consume once — each one atomic step, proven with threads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import attrs

from hpf_core.members import CodePolicy, CodePurpose, IssuedCode, SendLog, issue
from hpf_core.ports import SendLimit, VerificationCodeStore

Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]
AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
PHONE = "13800138000"
POLICY = CodePolicy()
# one a minute, three an hour: small numbers the tests can count by hand
LIMITS = (SendLimit(timedelta(minutes=1), 1), SendLimit(timedelta(hours=1), 3))


def a_code(at: datetime = AT, code: str = "042817", purpose: CodePurpose = CodePurpose.LOGIN) -> IssuedCode:
    return issue(PHONE, purpose, code, b"0123456789abcdef", at, POLICY, None)[0]


class TestReserveSend:
    def test_a_send_within_the_limits_is_recorded_with_its_code(
        self, code_store: VerificationCodeStore
    ) -> None:
        issued = a_code()
        reservation = code_store.reserve_send(issued, LIMITS)
        assert reservation.accepted
        assert reservation.sends == SendLog(PHONE, (AT,))
        assert code_store.get(PHONE, CodePurpose.LOGIN) == issued
        assert code_store.sends(PHONE) == SendLog(PHONE, (AT,))

    def test_over_a_limit_nothing_changes(self, code_store: VerificationCodeStore) -> None:
        first = a_code()
        code_store.reserve_send(first, LIMITS)
        refused = code_store.reserve_send(a_code(AT + timedelta(seconds=59), "111111"), LIMITS)
        assert not refused.accepted
        assert refused.sends == SendLog(PHONE, (AT,))
        assert code_store.get(PHONE, CodePurpose.LOGIN) == first  # the first code still stands

    def test_the_windows_slide(self, code_store: VerificationCodeStore) -> None:
        # sends at 0, 1 and 2 minutes fill the hour; 60 minutes after the first one may go
        for minute in range(3):
            assert code_store.reserve_send(a_code(AT + timedelta(minutes=minute)), LIMITS).accepted
        assert not code_store.reserve_send(a_code(AT + timedelta(minutes=59)), LIMITS).accepted
        assert code_store.reserve_send(a_code(AT + timedelta(minutes=60)), LIMITS).accepted

    def test_a_new_code_replaces_the_one_for_its_phone_and_purpose_only(
        self, code_store: VerificationCodeStore
    ) -> None:
        login = a_code()
        code_store.reserve_send(login, LIMITS)
        withdrawal = a_code(AT + timedelta(minutes=1), "222222", CodePurpose.WITHDRAWAL)
        code_store.reserve_send(withdrawal, LIMITS)
        again = a_code(AT + timedelta(minutes=2), "333333")
        code_store.reserve_send(again, LIMITS)
        assert code_store.get(PHONE, CodePurpose.LOGIN) == again
        assert code_store.get(PHONE, CodePurpose.WITHDRAWAL) == withdrawal

    def test_racing_sends_cannot_exceed_a_limit(self, code_store: VerificationCodeStore, race: Race) -> None:
        codes = [a_code(code=f"{n:06d}") for n in range(100000, 100012)]
        accepted: list[bool] = []
        assert (
            race(12, lambda i: accepted.append(code_store.reserve_send(codes[i], LIMITS).accepted))
            == [None] * 12
        )
        assert sorted(accepted) == [False] * 11 + [True]
        assert code_store.sends(PHONE) == SendLog(PHONE, (AT,))


class TestAttemptsAndConsume:
    def test_count_attempt_adds_one_and_returns_the_record_as_it_stands(
        self, code_store: VerificationCodeStore
    ) -> None:
        assert code_store.count_attempt(PHONE, CodePurpose.LOGIN) is None
        assert code_store.get(PHONE, CodePurpose.LOGIN) is None
        issued = a_code()
        code_store.reserve_send(issued, LIMITS)
        counted = [code_store.count_attempt(PHONE, CodePurpose.LOGIN) for _ in range(3)]
        assert [c.attempts if c else None for c in counted] == [1, 2, 3]
        assert code_store.get(PHONE, CodePurpose.LOGIN) == counted[-1]

    def test_a_code_is_consumed_once_and_only_the_current_one(
        self, code_store: VerificationCodeStore
    ) -> None:
        old = a_code()
        code_store.reserve_send(old, LIMITS)
        new = a_code(AT + timedelta(minutes=2), "222222")
        code_store.reserve_send(new, LIMITS)
        assert not code_store.consume(PHONE, CodePurpose.LOGIN, old.code_hash, AT)  # replaced
        assert code_store.consume(PHONE, CodePurpose.LOGIN, new.code_hash, AT + timedelta(minutes=3))
        assert not code_store.consume(PHONE, CodePurpose.LOGIN, new.code_hash, AT + timedelta(minutes=3))
        stored = code_store.get(PHONE, CodePurpose.LOGIN)
        assert stored is not None
        assert stored.used_at == AT + timedelta(minutes=3)
        assert not code_store.consume(PHONE, CodePurpose.WITHDRAWAL, new.code_hash, AT)

    def test_racing_attempts_are_all_counted(self, code_store: VerificationCodeStore, race: Race) -> None:
        code_store.reserve_send(a_code(), LIMITS)
        assert race(16, lambda _: code_store.count_attempt(PHONE, CodePurpose.LOGIN)) == [None] * 16
        stored = code_store.get(PHONE, CodePurpose.LOGIN)
        assert stored is not None
        assert stored.attempts == 16

    def test_of_racing_consumes_of_one_code_exactly_one_succeeds(
        self, code_store: VerificationCodeStore, race: Race
    ) -> None:
        issued = a_code()
        code_store.reserve_send(issued, LIMITS)
        won: list[bool] = []
        outcomes = race(
            16, lambda _: won.append(code_store.consume(PHONE, CodePurpose.LOGIN, issued.code_hash, AT))
        )
        assert outcomes == [None] * 16
        assert sorted(won) == [False] * 15 + [True]


class TestOwners:
    """D-045: codes and send logs are kept per (phone, owner); a resend keeps the attempts."""

    def test_one_owner_neither_replaces_another_owners_code_nor_spends_its_quota(
        self, code_store: VerificationCodeStore
    ) -> None:
        mine = attrs.evolve(a_code(code="111111"), owner="M1")
        theirs = attrs.evolve(a_code(code="222222"), owner="M2")
        assert code_store.reserve_send(mine, LIMITS).accepted
        assert code_store.reserve_send(theirs, LIMITS).accepted  # same phone, same minute
        assert code_store.get(PHONE, CodePurpose.LOGIN, owner="M1") == mine
        assert code_store.get(PHONE, CodePurpose.LOGIN, owner="M2") == theirs
        assert code_store.get(PHONE, CodePurpose.LOGIN) is None
        assert code_store.sends(PHONE, owner="M1") == SendLog(PHONE, (AT,), owner="M1")
        counted = code_store.count_attempt(PHONE, CodePurpose.LOGIN, owner="M2")
        assert counted is not None
        assert counted.attempts == 1
        assert code_store.consume(PHONE, CodePurpose.LOGIN, mine.code_hash, AT, owner="M1")
        assert not code_store.consume(PHONE, CodePurpose.LOGIN, mine.code_hash, AT, owner="M2")

    def test_a_resend_keeps_the_attempts_of_the_live_code_it_replaces(
        self, code_store: VerificationCodeStore
    ) -> None:
        code_store.reserve_send(a_code(), LIMITS)
        for _ in range(3):
            code_store.count_attempt(PHONE, CodePurpose.LOGIN)
        resent = a_code(AT + timedelta(minutes=1), "135790")
        assert code_store.reserve_send(resent, LIMITS).accepted
        record = code_store.get(PHONE, CodePurpose.LOGIN)
        assert record is not None
        assert (record.code_hash, record.attempts) == (resent.code_hash, 3)

    def test_a_code_sent_after_the_old_one_expired_starts_at_zero(
        self, code_store: VerificationCodeStore
    ) -> None:
        code_store.reserve_send(a_code(), LIMITS)
        code_store.count_attempt(PHONE, CodePurpose.LOGIN)
        later = a_code(AT + timedelta(minutes=POLICY.ttl_minutes), "135790")
        assert code_store.reserve_send(later, LIMITS).accepted
        record = code_store.get(PHONE, CodePurpose.LOGIN)
        assert record is not None
        assert record.attempts == 0
