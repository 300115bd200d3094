"""Issue #10 security items through the member services (D-045): lockout bounds and growth,
the 100-failure cap and the SMS unlock, the rolling keypad window, sessions tied to the
credentials, the phone change's session and per-member codes, password rules, hashing."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from hpf_adapters.security import Argon2Hasher, ScryptHasher, SecretsTokens, common_passwords
from hpf_adapters.sms import FixedCodes, MemorySms
from hpf_core.errors import ConcurrentUpdate, InvalidCode, InvalidPolicy, InvalidSessionToken, Refused
from hpf_core.members import (
    HARD_CAP,
    CodePolicy,
    Credentials,
    InitialPasswordRule,
    LoginPolicy,
    MemberRules,
    PasswordChannel,
    PasswordGroup,
    SessionPolicy,
    check_password,
    hash_token,
    new_credentials,
    open_session,
    parse_member_rules,
    services,
)
from hpf_core.members import change_password as pure_change_password
from hpf_core.members import login as pure_login
from hpf_core.ports import UnitOfWork, VerificationCodeStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
PHONE = "13800138000"
OTHER_PHONE = "13700137000"
NEW = "13900139000"
ID = "11010519491231002X"
OTHER_ID = "110105194912310038"
PASSWORD = "gjjx2024"
NewUnitOfWork = Callable[[], UnitOfWork]
HASHER = ScryptHasher(n=2**4)
TOKENS = SecretsTokens()
APP = PasswordChannel.APP
HOTLINE = PasswordChannel.HOTLINE


def enrol(new_uow: NewUnitOfWork, member_id: str = "M1", phone: str = PHONE, id_number: str = ID) -> None:
    creds = new_credentials(member_id, phone, id_number, HASHER, keypad_rule=InitialPasswordRule.ID_LAST_6)
    creds = pure_change_password(
        creds, PasswordGroup.ONLINE, id_number[-8:], PASSWORD, PASSWORD, HASHER, NOW - timedelta(days=1)
    )
    keypad = id_number[-6:].replace("X", "0")
    creds = pure_change_password(creds, PasswordGroup.KEYPAD, keypad, "583920", "583920", HASHER, NOW)
    with new_uow() as uow:
        uow.credentials.add(creds)
        uow.commit()


def stored(new_uow: NewUnitOfWork, member_id: str = "M1") -> Credentials:
    with new_uow() as uow:
        return uow.credentials.get(member_id)


def log_in(
    new_uow: NewUnitOfWork,
    password: str = PASSWORD,
    at: datetime = NOW,
    channel: PasswordChannel = APP,
    identifier: str = PHONE,
    rules: MemberRules | None = None,
) -> services.LoginOutcome:
    return services.login(
        new_uow, identifier, password, channel, at, hasher=HASHER, tokens=TOKENS, rules=rules or MemberRules()
    )


@pytest.fixture
def member(new_uow: NewUnitOfWork) -> NewUnitOfWork:
    enrol(new_uow)
    return new_uow


# --------------------------------------------------------------------------- 3. bounds


class TestPolicyBounds:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"max_failures": 5, "lock_minutes": 10**10},  # overflowed timedelta and disabled the lock
            {"max_failures": 5, "lock_minutes": 1441},
            {"max_failures": 101, "lock_minutes": 30},
            {"max_failures": 0, "lock_minutes": 30},
            {"max_failures": 5, "lock_minutes": 0},
        ],
    )
    def test_login_policy_values_have_floors_and_ceilings(self, kwargs: dict[str, int]) -> None:
        with pytest.raises(InvalidPolicy):
            LoginPolicy(kwargs["max_failures"], kwargs["lock_minutes"])

    @pytest.mark.parametrize(
        "text",
        [
            "[login.online]\nlock_minutes = 100000\n",
            "[login.keypad]\nmax_failures = 1000\n",
            "[sessions]\nidle_minutes = 100000\n",
            "[passwords.online]\nmin_length = 6\n",
        ],
    )
    def test_the_policy_file_is_refused_past_a_bound(self, text: str) -> None:
        with pytest.raises(InvalidPolicy):
            parse_member_rules(tomllib.loads(text))

    def test_session_policy_values_have_ceilings(self) -> None:
        with pytest.raises(InvalidPolicy):
            SessionPolicy(idle_minutes=10**10)
        with pytest.raises(InvalidPolicy):
            SessionPolicy(absolute_hours=10**6)


# --------------------------------------------------------------------------- 2-3. lockout


class TestLockout:
    def test_each_lock_lasts_twice_as_long_as_the_one_before(self, member: NewUnitOfWork) -> None:
        at = NOW
        lengths = []
        for _ in range(3):
            for i in range(5):
                log_in(member, f"wrong{i}", at)
            lock = stored(member).online_lock
            assert lock.locked_until is not None
            lengths.append(lock.locked_until - at)
            at = lock.locked_until
        assert lengths == [timedelta(minutes=30), timedelta(minutes=60), timedelta(minutes=120)]

    def test_a_lock_never_exceeds_a_day(self, member: NewUnitOfWork) -> None:
        at = NOW
        for _ in range(8):
            for i in range(5):
                log_in(member, f"wrong{i}", at)
            lock = stored(member).online_lock
            assert lock.locked_until is not None
            assert lock.locked_until - at <= timedelta(days=1)
            at = lock.locked_until

    def test_100_consecutive_failures_disable_the_password_until_the_sms_unlock(
        self, member: NewUnitOfWork, code_store: VerificationCodeStore
    ) -> None:
        rules = MemberRules(online_login=LoginPolicy(max_failures=100, lock_minutes=1))
        for i in range(HARD_CAP):
            log_in(member, f"wrong{i}", NOW + timedelta(seconds=i), rules=rules)
        lock = stored(member).online_lock
        assert lock.disabled
        assert lock.consecutive == HARD_CAP
        much_later = NOW + timedelta(days=30)
        assert not log_in(member, PASSWORD, much_later, rules=rules).result.accepted
        sms = MemorySms()
        policy = CodePolicy()
        services.send_unlock_code(
            member, PHONE, much_later, sms=sms, codes=FixedCodes("731946"), store=code_store, policy=policy
        )
        assert "731946" in sms.to(PHONE)[0]
        services.unlock(member, PHONE, "731946", much_later, store=code_store, policy=policy)
        assert log_in(member, PASSWORD, much_later, rules=rules).result.accepted

    def test_an_attacker_relocking_every_30_minutes_cannot_keep_the_owner_out(
        self, member: NewUnitOfWork, code_store: VerificationCodeStore
    ) -> None:
        at = NOW
        for _ in range(4):  # 5 bad tries as each lock ends
            for i in range(5):
                log_in(member, f"wrong{i}", at)
            until = stored(member).online_lock.locked_until
            assert until is not None
            at = until
        for i in range(5):
            log_in(member, f"wrong{i}", at)
        assert not log_in(member, PASSWORD, at + timedelta(minutes=1)).result.accepted  # locked
        sms, policy = MemorySms(), CodePolicy()
        services.send_unlock_code(
            member,
            PHONE,
            at + timedelta(minutes=1),
            sms=sms,
            codes=FixedCodes("902734"),
            store=code_store,
            policy=policy,
        )
        services.unlock(
            member, "11010519491231002x", "902734", at + timedelta(minutes=2), store=code_store, policy=policy
        )
        assert log_in(member, PASSWORD, at + timedelta(minutes=2)).result.accepted

    def test_a_wrong_unlock_code_unlocks_nothing(
        self, member: NewUnitOfWork, code_store: VerificationCodeStore
    ) -> None:
        for i in range(5):
            log_in(member, f"wrong{i}")
        policy = CodePolicy()
        services.send_unlock_code(
            member, PHONE, NOW, sms=MemorySms(), codes=FixedCodes("902734"), store=code_store, policy=policy
        )
        with pytest.raises(InvalidCode):
            services.unlock(member, PHONE, "111111", NOW, store=code_store, policy=policy)
        with pytest.raises(InvalidCode):
            services.unlock(member, "13600136000", "902734", NOW, store=code_store, policy=policy)
        assert stored(member).online_lock.locked(NOW)

    def test_three_keypad_failures_before_midnight_lock_past_midnight(self, member: NewUnitOfWork) -> None:
        # the calendar-day count let 3 at 23:57-23:59 and 3 more after 00:00 through: 6
        evening = datetime(2026, 1, 5, 23, 57, tzinfo=CST)
        for minute in range(3):
            at = evening + timedelta(minutes=minute)
            assert not log_in(member, "000001", at, channel=HOTLINE, identifier=ID).result.accepted
        after_midnight = datetime(2026, 1, 6, 0, 0, 30, tzinfo=CST)
        outcome = log_in(member, "583920", after_midnight, channel=HOTLINE, identifier=ID)
        assert outcome.result.audit_reason == "locked"
        assert stored(member).keypad_lock.locked_until == evening + timedelta(days=1)

    def test_two_keypad_failures_before_midnight_and_one_after_lock(self, member: NewUnitOfWork) -> None:
        log_in(member, "000001", datetime(2026, 1, 5, 23, 58, tzinfo=CST), channel=HOTLINE, identifier=ID)
        log_in(member, "000002", datetime(2026, 1, 5, 23, 59, tzinfo=CST), channel=HOTLINE, identifier=ID)
        log_in(member, "000003", datetime(2026, 1, 6, 0, 1, tzinfo=CST), channel=HOTLINE, identifier=ID)
        assert stored(member).keypad_lock.locked(datetime(2026, 1, 6, 0, 2, tzinfo=CST))


# --------------------------------------------------------------------------- 2. change_password


class TestChangePasswordSharesTheLock:
    def token(self, new_uow: NewUnitOfWork) -> str:
        token = log_in(new_uow).token
        assert token is not None
        return token

    def change(self, new_uow: NewUnitOfWork, token: str, old: str, at: datetime = NOW) -> object:
        return services.change_password(
            new_uow, token, PasswordGroup.ONLINE, old, "Zhang2025x", "Zhang2025x", at, hasher=HASHER
        )

    def test_wrong_old_passwords_count_and_lock_the_login(self, member: NewUnitOfWork) -> None:
        token = self.token(member)
        for i in range(5):
            with pytest.raises(Refused) as caught:
                self.change(member, token, f"wrong{i}")
            assert caught.value.codes == ("wrong_password",)
        assert stored(member).online_lock.locked(NOW)
        with pytest.raises(Refused) as caught:  # not while locked, even with the right one
            self.change(member, token, PASSWORD)
        assert caught.value.codes == ("locked",)
        assert HASHER.verify(stored(member).online_hash, PASSWORD)

    def test_a_successful_change_does_not_clear_the_failures_of_others(self, member: NewUnitOfWork) -> None:
        token = self.token(member)
        for i in range(3):
            log_in(member, f"wrong{i}")
        self.change(member, token, PASSWORD)
        assert stored(member).online_lock.failures == 3  # the old change_password reset it to 0

    def test_the_pure_change_keeps_the_lock_state(self) -> None:
        creds = new_credentials("M1", PHONE, ID, HASHER)
        creds = pure_change_password(creds, PasswordGroup.ONLINE, "1231002X", PASSWORD, PASSWORD, HASHER, NOW)
        for i in range(3):
            after, _ = pure_login(creds, PHONE, f"wrong{i}", APP, HASHER, NOW)
            assert after is not None
            creds = after
        changed = pure_change_password(
            creds, PasswordGroup.ONLINE, PASSWORD, "Zhang2025x", "Zhang2025x", HASHER, NOW
        )
        assert changed.online_lock.failures == 3

    def test_a_new_password_that_breaks_the_rules_costs_no_guess(self, member: NewUnitOfWork) -> None:
        token = self.token(member)
        with pytest.raises(Refused) as caught:
            services.change_password(
                member, token, PasswordGroup.ONLINE, "wrong", "short1", "short1", NOW, hasher=HASHER
            )
        assert "password_too_short" in caught.value.codes
        assert stored(member).online_lock.failures == 0


# --------------------------------------------------------------------------- 5. sessions


class TestSessions:
    def test_a_password_change_ends_the_other_sessions(self, member: NewUnitOfWork) -> None:
        first, second = log_in(member).token, log_in(member).token
        assert first is not None
        assert second is not None
        kept = services.change_password(
            member, first, PasswordGroup.ONLINE, PASSWORD, "Zhang2025x", "Zhang2025x", NOW, hasher=HASHER
        )
        assert services.authenticate(member, first, NOW + timedelta(minutes=1)).token_hash == kept.token_hash
        with pytest.raises(Refused) as caught:
            services.authenticate(member, second, NOW + timedelta(minutes=1))
        assert caught.value.codes == ("session_ended",)

    def test_a_session_opened_before_a_secret_change_is_refused(self, member: NewUnitOfWork) -> None:
        token = log_in(member).token
        assert token is not None
        with member() as uow:  # a password change made elsewhere (another channel)
            creds = uow.credentials.get("M1")
            uow.credentials.save(
                pure_change_password(
                    creds, PasswordGroup.ONLINE, PASSWORD, "Zhang2025x", "Zhang2025x", HASHER, NOW
                )
            )
            uow.commit()
        with pytest.raises(Refused) as caught:
            services.authenticate(member, token, NOW)
        assert caught.value.codes == ("session_ended",)

    @pytest.mark.parametrize(
        "weak", ["a" * 22, "ab" * 11, "0123456" * 4, "k" * 43, "abc def ghi jkl mno pqrs"]
    )
    def test_weak_tokens_are_refused(self, weak: str) -> None:
        with pytest.raises(InvalidSessionToken):
            hash_token(weak)
        with pytest.raises(InvalidSessionToken):
            open_session("M1", weak, NOW)

    def test_csprng_tokens_are_accepted(self) -> None:
        import secrets

        for _ in range(200):
            hash_token(secrets.token_urlsafe(16))
            hash_token(TOKENS.new_token())


# --------------------------------------------------------------------------- 4. phone change


class TestPhoneChange:
    def test_a_logged_out_session_cannot_change_the_phone(
        self, member: NewUnitOfWork, code_store: VerificationCodeStore
    ) -> None:
        token = log_in(member).token
        assert token is not None
        services.logout(member, token, NOW)
        with pytest.raises(Refused) as caught:
            services.request_phone_change(
                member,
                token,
                NEW,
                NOW,
                sms=MemorySms(),
                codes=FixedCodes("204815"),
                store=code_store,
                policy=CodePolicy(),
            )
        assert caught.value.codes == ("session_ended",)

    def test_a_session_on_the_initial_password_cannot_change_the_phone(
        self, new_uow: NewUnitOfWork, code_store: VerificationCodeStore
    ) -> None:
        with new_uow() as uow:
            uow.credentials.add(new_credentials("M1", PHONE, ID, HASHER))
            uow.commit()
        outcome = log_in(new_uow, "1231002X")
        assert outcome.result.password_change_required
        assert outcome.token is not None
        sms = MemorySms()
        with pytest.raises(Refused) as caught:
            services.request_phone_change(
                new_uow,
                outcome.token,
                NEW,
                NOW,
                sms=sms,
                codes=FixedCodes("204815"),
                store=code_store,
                policy=CodePolicy(),
            )
        assert caught.value.codes == ("password_change_required",)
        assert sms.sent_messages == ()

    def test_the_change_ends_other_sessions_and_queues_the_notice(
        self, member: NewUnitOfWork, code_store: VerificationCodeStore
    ) -> None:
        token, other = log_in(member).token, log_in(member).token
        assert token is not None
        assert other is not None
        policy = CodePolicy()
        services.request_phone_change(
            member,
            token,
            NEW,
            NOW,
            sms=MemorySms(),
            codes=FixedCodes("204815"),
            store=code_store,
            policy=policy,
        )
        changed = services.confirm_phone_change(
            member, token, NEW, "204815", NOW, store=code_store, policy=policy
        )
        assert (changed.old_phone, changed.new_phone, stored(member).phone) == (PHONE, NEW, NEW)
        with pytest.raises(Refused):
            services.authenticate(member, other, NOW)
        services.authenticate(member, token, NOW)
        with member() as uow:
            (notice,) = uow.outbox.pending()
        assert notice.to == PHONE

    def test_another_member_cannot_cancel_a_pending_change_or_use_up_its_quota(
        self, member: NewUnitOfWork, code_store: VerificationCodeStore
    ) -> None:
        enrol(member, "M2", OTHER_PHONE, OTHER_ID)
        mine = log_in(member).token
        theirs = log_in(member, identifier=OTHER_PHONE).token
        assert mine is not None
        assert theirs is not None
        sms, policy = MemorySms(), CodePolicy()
        services.request_phone_change(
            member, theirs, NEW, NOW, sms=sms, codes=FixedCodes("111111"), store=code_store, policy=policy
        )
        # within the minute: the per-phone quota was the other member's to spend
        services.request_phone_change(
            member, mine, NEW, NOW, sms=sms, codes=FixedCodes("204815"), store=code_store, policy=policy
        )
        services.request_phone_change(
            member,
            theirs,
            NEW,
            NOW + timedelta(minutes=1),
            sms=sms,
            codes=FixedCodes("222222"),
            store=code_store,
            policy=policy,
        )
        changed = services.confirm_phone_change(
            member, mine, NEW, "204815", NOW + timedelta(minutes=2), store=code_store, policy=policy
        )
        assert changed.new_phone == NEW

    def test_a_resend_does_not_reset_the_guess_count(
        self, member: NewUnitOfWork, code_store: VerificationCodeStore
    ) -> None:
        outcome = log_in(member)
        token = outcome.token
        assert token is not None, outcome
        policy = CodePolicy()  # 5 attempts
        services.request_phone_change(
            member,
            token,
            NEW,
            NOW,
            sms=MemorySms(),
            codes=FixedCodes("204815"),
            store=code_store,
            policy=policy,
        )
        for i in range(4):
            with pytest.raises(InvalidCode):
                services.confirm_phone_change(
                    member, token, NEW, f"00000{i}", NOW, store=code_store, policy=policy
                )
        later = NOW + timedelta(minutes=1)
        services.request_phone_change(
            member,
            token,
            NEW,
            later,
            sms=MemorySms(),
            codes=FixedCodes("530172"),
            store=code_store,
            policy=policy,
        )
        with pytest.raises(InvalidCode):
            services.confirm_phone_change(
                member, token, NEW, "000009", later, store=code_store, policy=policy
            )
        with pytest.raises(InvalidCode):  # the 6th guess: the right code no longer works
            services.confirm_phone_change(
                member, token, NEW, "530172", later, store=code_store, policy=policy
            )


# --------------------------------------------------------------------------- 6. passwords


class TestPasswords:
    COMMON = common_passwords()

    @pytest.mark.parametrize(
        "password",
        [
            "a19491231",  # the ID's birth date
            "ab491231c",  # YYMMDD
            "x13800138000",  # the phone
            "abc0013800",  # 6 consecutive digits of the phone
            "ab1231002x",  # the ID's tail
            "zz0519491z",  # 6 consecutive characters of the ID
        ],
    )
    def test_personal_fragments_are_refused(self, password: str) -> None:
        with pytest.raises(Refused) as caught:
            check_password(MemberRules().online_passwords, password, phone=PHONE, id_number=ID)
        assert "password_personal" in caught.value.codes

    def test_the_shipped_list_is_of_real_size_and_used(self) -> None:
        assert len(self.COMMON) >= 30_000
        rules = MemberRules().online_passwords
        for password in ("baseball1", "football1", "superman1", "michael1"):
            assert password in self.COMMON
            with pytest.raises(Refused) as caught:
                check_password(rules, password, common=self.COMMON)
            assert caught.value.codes == ("password_common",)

    def test_full_width_letters_are_normalised_before_the_checks(self) -> None:
        rules = MemberRules().online_passwords
        with pytest.raises(Refused) as caught:
            check_password(rules, "ｐａｓｓｗｏｒｄ１", common=self.COMMON)
        assert caught.value.codes == ("password_common",)
        assert check_password(rules, "Ｚｈａｎｇ２０２５ｘ") == "Zhang2025x"

    def test_a_full_width_password_logs_in_typed_either_way(self, member: NewUnitOfWork) -> None:
        token = log_in(member).token
        assert token is not None
        services.change_password(
            member,
            token,
            PasswordGroup.ONLINE,
            PASSWORD,
            "Ｚｈａｎｇ２０２５ｘ",
            "Ｚｈａｎｇ２０２５ｘ",
            NOW,
            hasher=HASHER,
        )
        assert log_in(member, "Zhang2025x").result.accepted
        assert log_in(member, "Ｚｈａｎｇ２０２５ｘ").result.accepted

    def test_no_policy_sets_the_online_minimum_below_8(self) -> None:
        from hpf_core.members import SEED_ONLINE_RULES

        with pytest.raises(InvalidPolicy):
            MemberRules(online_passwords=SEED_ONLINE_RULES)


# --------------------------------------------------------------------------- 7. hashing


class TestHashing:
    def test_argon2id_meets_owasp(self) -> None:
        stored_hash = Argon2Hasher().hash(PASSWORD)
        head = stored_hash.split("$")
        assert head[1] == "argon2id"
        params = dict(item.split("=") for item in head[3].split(","))
        assert int(params["m"]) >= 19 * 1024
        assert int(params["t"]) >= 2

    def test_a_scrypt_hash_is_verified_and_rehashed_at_the_next_login(self, member: NewUnitOfWork) -> None:
        assert stored(member).online_hash.startswith("$scrypt$")
        argon = Argon2Hasher()
        outcome = services.login(member, PHONE, PASSWORD, APP, NOW, hasher=argon, tokens=TOKENS)
        assert outcome.result.accepted
        after = stored(member).online_hash
        assert after.startswith("$argon2id$")
        assert argon.verify(after, PASSWORD)

    @pytest.mark.parametrize(
        "malformed",
        [
            "",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$",
            "$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
            "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
            "$scrypt$n=1048576,r=64,p=16$c2FsdA$aGFzaA",
            "$scrypt$n=1024,r=8,p=1$!!!$aGFzaA",
            "$2b$12$abcdefghijklmnopqrstuu",
            "\x00" * 10,
        ],
    )
    def test_verify_is_false_for_any_malformed_hash(self, malformed: str) -> None:
        assert Argon2Hasher().verify(malformed, PASSWORD) is False
        assert ScryptHasher(n=2**4).verify(malformed, PASSWORD) is False

    def test_an_unknown_account_costs_one_verify_at_the_current_parameters(
        self, member: NewUnitOfWork
    ) -> None:
        seen: list[str] = []

        class Watching(Argon2Hasher):
            def verify(self, stored: str, password: str) -> bool:
                seen.append(stored)
                return super().verify(stored, password)

        watching = Watching()
        outcome = services.login(member, "13600136000", PASSWORD, APP, NOW, hasher=watching, tokens=TOKENS)
        assert not outcome.result.accepted
        assert len(seen) == 1
        assert seen[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_pure_change_is_refused_while_locked() -> None:
    # the old change_password ignored the lock and cleared it on success
    creds = new_credentials("M1", PHONE, ID, HASHER)
    creds = pure_change_password(creds, PasswordGroup.ONLINE, "1231002X", PASSWORD, PASSWORD, HASHER, NOW)
    for i in range(5):
        after, _ = pure_login(creds, PHONE, f"wrong{i}", APP, HASHER, NOW)
        assert after is not None
        creds = after
    with pytest.raises(Refused) as caught:
        pure_change_password(creds, PasswordGroup.ONLINE, PASSWORD, "Zhang2025x", "Zhang2025x", HASHER, NOW)
    assert caught.value.codes == ("locked",)


class _Conflicting:
    """A unit of work whose credentials ``save`` fails ``times`` times with
    ``ConcurrentUpdate`` (another request saved first), as a SQL adapter's does."""

    def __init__(self, inner: UnitOfWork, left: list[int]) -> None:
        self._inner = inner
        self._left = left

    def __enter__(self) -> _Conflicting:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.__exit__(*exc)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        if name == "credentials":
            return self
        return getattr(self._inner, name)

    def save(self, credentials: Credentials) -> Credentials:
        if self._left[0] > 0:
            self._left[0] -= 1
            raise ConcurrentUpdate("member_id", "was changed by another request", credentials.member_id)
        return self._inner.credentials.save(credentials)

    def get(self, member_id: str) -> Credentials:
        return self._inner.credentials.get(member_id)

    def by_phone(self, phone: str) -> Credentials | None:
        return self._inner.credentials.by_phone(phone)

    def by_id_number(self, id_number: str) -> Credentials | None:
        return self._inner.credentials.by_id_number(id_number)


def test_a_conflicting_save_is_retried_and_the_failure_still_counted(member: NewUnitOfWork) -> None:
    left = [3]

    def conflicting() -> UnitOfWork:
        return _Conflicting(member(), left)  # type: ignore[return-value]

    assert not log_in(conflicting, "wrong1").result.accepted
    assert left == [0]
    assert stored(member).online_lock.failures == 1
    left[0] = 2
    assert log_in(conflicting).result.accepted  # the success's own save retried too
    assert stored(member).online_lock.failures == 0


def test_endless_conflicts_end_in_concurrent_update_not_a_silent_pass(member: NewUnitOfWork) -> None:
    left = [10**6]
    with pytest.raises(ConcurrentUpdate):
        log_in(lambda: _Conflicting(member(), left), "wrong1")  # type: ignore[arg-type,return-value]
