"""Issue #10, security races through the public API (D-045): SMS codes, the phone change and
login guesses raced in 16-64 threads against the adapters of ``tests/conftest.py``
(``new_uow``, ``code_store``), so the SQL and Redis adapters join by adding a factory."""

from __future__ import annotations

import collections
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from hpf_adapters.security import ScryptHasher, SecretsTokens
from hpf_adapters.sms import FixedCodes, MemorySms
from hpf_core.errors import InvalidCode, Refused
from hpf_core.members import (
    CodePolicy,
    CodePurpose,
    Credentials,
    LoginPolicy,
    MemberRules,
    PasswordChannel,
    PasswordGroup,
    PhoneChange,
    check_code,
    new_credentials,
    send_code,
    services,
)
from hpf_core.members import change_password as pure_change_password
from hpf_core.ports import UnitOfWork, VerificationCodeStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
PHONE = "13800138000"
NEW = "13900139000"
ID = "11010519491231002X"
PASSWORD = "gjjx2024"
CODE = "204815"
POLICY = CodePolicy(max_attempts=10)
NewUnitOfWork = Callable[[], UnitOfWork]
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]


class CountingHasher(ScryptHasher):
    """A fast scrypt counting the verifications against the member's real hash (thread-safe
    enough for a count: list.append is atomic)."""

    def __init__(self) -> None:
        super().__init__(n=2**4)
        self.real: str = ""
        self.compared: list[str] = []

    def verify(self, stored: str, password: str) -> bool:
        if stored == self.real:
            self.compared.append(password)
        return super().verify(stored, password)


def enrol(new_uow: NewUnitOfWork, hasher: CountingHasher) -> Credentials:
    """A member past the forced change, on ``PASSWORD``."""
    creds = new_credentials("M1", PHONE, ID, hasher)
    creds = pure_change_password(creds, PasswordGroup.ONLINE, "1231002X", PASSWORD, PASSWORD, hasher, NOW)
    hasher.real = creds.online_hash
    with new_uow() as uow:
        stored = uow.credentials.add(creds)
        uow.commit()
    return stored


def stored(new_uow: NewUnitOfWork) -> Credentials:
    with new_uow() as uow:
        return uow.credentials.get("M1")


# --------------------------------------------------------------------------- SMS codes


class TestCodeRaces:
    def test_64_parallel_guesses_with_the_right_one_give_at_most_one_success_and_64_attempts(
        self, code_store: VerificationCodeStore, race: Race
    ) -> None:
        send_code(
            PHONE, CodePurpose.LOGIN, NOW, POLICY, sms=MemorySms(), codes=FixedCodes(CODE), store=code_store
        )
        guesses = [f"{i:06d}" for i in range(63)] + [CODE]
        outcomes = race(
            64, lambda i: check_code(PHONE, CodePurpose.LOGIN, guesses[i], NOW, POLICY, store=code_store)
        )
        successes = [i for i, outcome in enumerate(outcomes) if outcome is None]
        assert all(isinstance(o, InvalidCode) for o in outcomes if o is not None)
        assert successes in ([], [63])
        record = code_store.get(PHONE, CodePurpose.LOGIN)
        assert record is not None
        assert record.attempts == 64  # every guess counted, not one

    def test_16_parallel_uses_of_one_code_give_one_success(
        self, code_store: VerificationCodeStore, race: Race
    ) -> None:
        send_code(
            PHONE, CodePurpose.LOGIN, NOW, POLICY, sms=MemorySms(), codes=FixedCodes(CODE), store=code_store
        )
        outcomes = race(
            16, lambda _: check_code(PHONE, CodePurpose.LOGIN, CODE, NOW, POLICY, store=code_store)
        )
        assert sum(outcome is None for outcome in outcomes) == 1

    def test_40_parallel_sends_to_one_phone_give_one_text(
        self, code_store: VerificationCodeStore, race: Race
    ) -> None:
        sms = MemorySms()
        codes = FixedCodes(*(f"{i:06d}" for i in range(100, 140)))
        outcomes = race(
            40,
            lambda _: send_code(
                PHONE, CodePurpose.LOGIN, NOW, CodePolicy(), sms=sms, codes=codes, store=code_store
            ),
        )
        assert len(sms.to(PHONE)) == 1
        kinds = collections.Counter(type(o).__name__ for o in outcomes)
        assert sum(isinstance(outcome, Refused) for outcome in outcomes) == 39, kinds


# --------------------------------------------------------------------------- phone change


@pytest.fixture
def live(new_uow: NewUnitOfWork) -> tuple[CountingHasher, str]:
    """A member logged in (password verified just now) and the session's token."""
    hasher = CountingHasher()
    enrol(new_uow, hasher)
    outcome = services.login(
        new_uow, PHONE, PASSWORD, PasswordChannel.APP, NOW, hasher=hasher, tokens=SecretsTokens()
    )
    assert outcome.token is not None
    return hasher, outcome.token


class TestPhoneChangeRaces:
    def test_16_parallel_confirmations_with_the_right_code_change_the_phone_once(
        self,
        new_uow: NewUnitOfWork,
        code_store: VerificationCodeStore,
        race: Race,
        live: tuple[CountingHasher, str],
    ) -> None:
        # PhoneChange used get/verify/put: all 16 succeeded and 16 notices went out
        with new_uow() as uow:
            session = uow.sessions.of_member("M1")[0]
        sms = MemorySms()
        change = PhoneChange(POLICY, sms, FixedCodes(CODE), code_store)
        change.request(session, PHONE, NEW, (), NOW)
        outcomes = race(16, lambda _: change.confirm(session, PHONE, NEW, CODE, (), NOW))
        assert sum(outcome is None for outcome in outcomes) == 1
        assert len(sms.to(PHONE)) == 1  # one notice to the old number, not 16

    def test_40_parallel_requests_send_one_text(
        self,
        new_uow: NewUnitOfWork,
        code_store: VerificationCodeStore,
        race: Race,
        live: tuple[CountingHasher, str],
    ) -> None:
        _, token = live
        sms = MemorySms()
        codes = FixedCodes(*(f"{i:06d}" for i in range(100, 140)))
        race(
            40,
            lambda _: services.request_phone_change(
                new_uow, token, NEW, NOW, sms=sms, codes=codes, store=code_store, policy=POLICY
            ),
        )
        assert len(sms.to(NEW)) == 1

    def test_64_parallel_wrong_codes_are_all_counted(
        self,
        new_uow: NewUnitOfWork,
        code_store: VerificationCodeStore,
        race: Race,
        live: tuple[CountingHasher, str],
    ) -> None:
        _, token = live
        services.request_phone_change(
            new_uow, token, NEW, NOW, sms=MemorySms(), codes=FixedCodes(CODE), store=code_store, policy=POLICY
        )
        race(
            64,
            lambda i: services.confirm_phone_change(
                new_uow, token, NEW, f"{i:06d}", NOW, store=code_store, policy=POLICY
            ),
        )
        record = code_store.get(NEW, CodePurpose.PHONE_CHANGE, owner="M1")
        assert record is not None
        assert record.attempts == 64
        assert stored(new_uow).phone == PHONE


# --------------------------------------------------------------------------- login guesses


WIDE = MemberRules(online_login=LoginPolicy(max_failures=100, lock_minutes=30))
"""A policy that never locks within 50 guesses, to count every failure."""


class TestLoginRaces:
    def test_50_parallel_wrong_guesses_are_all_counted(self, new_uow: NewUnitOfWork, race: Race) -> None:
        hasher = CountingHasher()
        enrol(new_uow, hasher)
        outcomes = race(
            50,
            lambda i: services.login(
                new_uow,
                PHONE,
                f"wrong{i:03d}",
                PasswordChannel.APP,
                NOW,
                hasher=hasher,
                tokens=SecretsTokens(),
                rules=WIDE,
            ),
        )
        assert outcomes == [None] * 50
        lock = stored(new_uow).online_lock
        assert (lock.failures, lock.consecutive) == (50, 50)  # the old get-verify-put kept 1

    def test_50_parallel_guesses_with_one_right_all_counted_and_the_right_one_gets_in(
        self, new_uow: NewUnitOfWork, race: Race
    ) -> None:
        hasher = CountingHasher()
        enrol(new_uow, hasher)
        results: list[services.LoginOutcome | None] = [None] * 50
        guesses = [f"wrong{i:03d}" for i in range(49)] + [PASSWORD]

        def guess(i: int) -> None:
            results[i] = services.login(
                new_uow,
                PHONE,
                guesses[i],
                PasswordChannel.APP,
                NOW,
                hasher=hasher,
                tokens=SecretsTokens(),
                rules=WIDE,
            )

        race(50, guess)
        accepted = [r for r in results if r is not None and r.result.accepted]
        assert len(accepted) == 1
        # serialised in the order the attempts were reserved: the failures counted after the
        # right one stay counted, those before it are cleared; none is lost
        lock = stored(new_uow).online_lock
        assert lock.counted == 50
        assert 0 <= lock.failures <= 49

    def test_with_the_default_lock_at_most_ten_of_50_racing_guesses_are_ever_compared(
        self, new_uow: NewUnitOfWork, race: Race
    ) -> None:
        # 5 failures lock (ONLINE_LOGIN_POLICY); if the right guess is among the first 5 in
        # reservation order, up to 5 more are compared before the lock: at most 10, not 50
        hasher = CountingHasher()
        enrol(new_uow, hasher)
        guesses = [f"wrong{i:03d}" for i in range(49)] + [PASSWORD]
        race(
            50,
            lambda i: services.login(
                new_uow, PHONE, guesses[i], PasswordChannel.APP, NOW, hasher=hasher, tokens=SecretsTokens()
            ),
        )
        assert len(hasher.compared) <= 10
        wrong_compared = [p for p in hasher.compared if p != PASSWORD]
        assert len(wrong_compared) <= 9

    def test_50_parallel_wrong_old_passwords_in_change_password_are_all_counted(
        self, new_uow: NewUnitOfWork, race: Race
    ) -> None:
        hasher = CountingHasher()
        enrol(new_uow, hasher)
        token = services.login(
            new_uow,
            PHONE,
            PASSWORD,
            PasswordChannel.APP,
            NOW,
            hasher=hasher,
            tokens=SecretsTokens(),
            rules=WIDE,
        ).token
        assert token is not None
        outcomes = race(
            50,
            lambda i: services.change_password(
                new_uow,
                token,
                PasswordGroup.ONLINE,
                f"wrong{i:03d}",
                "Zhang2025x",
                "Zhang2025x",
                NOW,
                hasher=hasher,
                rules=WIDE,
            ),
        )
        assert all(isinstance(o, Refused) and o.codes == ("wrong_password",) for o in outcomes)
        assert stored(new_uow).online_lock.failures == 50
