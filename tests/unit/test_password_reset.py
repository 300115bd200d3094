"""忘记密码 (issue #13, D-057): a password reset by an SMS code, through
``hpf_core.members.services`` on every store of ``tests/conftest.py`` and through the wired
``app.portal``. The texts, figures and audit lines expected are written out by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from hpf_adapters.security import ScryptHasher, SecretsTokens
from hpf_adapters.sms import FixedCodes, MemoryCodeStore, MemorySms
from hpf_adapters.wiring import Config, build
from hpf_core.errors import InvalidCode, Refused
from hpf_core.members import (
    CodePolicy,
    CodePurpose,
    Credentials,
    PasswordChannel,
    PasswordGroup,
    new_credentials,
    services,
)
from hpf_core.members import change_password as pure_change_password
from hpf_core.ports import UnitOfWork, VerificationCodeStore

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=CST)
LATER = NOW + timedelta(minutes=2)
A_PHONE, A_ID = "13800138000", "11010519491231002X"
B_PHONE, B_ID = "13900139000", "110105194912310046"
OLD = "gjjx2024"
NEW = "Reset2026ok"
POLICY = CodePolicy(max_attempts=10)
NewUnitOfWork = Callable[[], UnitOfWork]
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]
NOTICE = (
    "【12329】您的公积金登录密码已于2026年01月05日09:02重置，所有设备已退出登录，如非本人操作请致电12329。"
)
HASHER = ScryptHasher(n=2**4)


def enrol(
    new_uow: NewUnitOfWork, member_id: str, phone: str, id_number: str, *, initial: bool = False
) -> None:
    creds = new_credentials(member_id, phone, id_number, HASHER)
    if not initial:
        creds = pure_change_password(
            creds, PasswordGroup.ONLINE, id_number[-8:], OLD, OLD, HASHER, NOW - timedelta(days=1)
        )
    with new_uow() as uow:
        uow.credentials.add(creds)
        uow.commit()


def creds(new_uow: NewUnitOfWork, member_id: str = "M1") -> Credentials:
    with new_uow() as uow:
        return uow.credentials.get(member_id)


def audit_lines(new_uow: NewUnitOfWork) -> list[tuple[str, str, str, str]]:
    with new_uow() as uow:
        return [(e.actor, e.action, e.record, e.detail) for e in uow.audit.events()]


def login(
    new_uow: NewUnitOfWork, identifier: str, password: str, at: datetime = LATER
) -> services.LoginOutcome:
    return services.login(
        new_uow, identifier, password, PasswordChannel.APP, at, hasher=HASHER, tokens=SecretsTokens()
    )


def send(
    new_uow: NewUnitOfWork, identifier: str, sms: MemorySms, codes: FixedCodes, store: VerificationCodeStore
) -> str:
    return services.send_reset_code(
        new_uow, identifier, NOW, sms=sms, codes=codes, store=store, policy=POLICY
    )


def reset(
    new_uow: NewUnitOfWork,
    identifier: str,
    code: object,
    store: VerificationCodeStore,
    new: str = NEW,
    confirmation: str | None = None,
) -> str:
    return services.reset_password(
        new_uow,
        identifier,
        code,
        new,
        new if confirmation is None else confirmation,
        LATER,
        hasher=HASHER,
        store=store,
        policy=POLICY,
    )


class TestReset:
    def test_a_reset_sets_the_password_ends_every_session_clears_the_lock_and_tells_the_phone(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrol(new_uow, "M1", A_PHONE, A_ID)
        session = login(new_uow, A_PHONE, OLD, NOW)
        assert session.token is not None
        for _ in range(5):  # the online policy: 5 failures lock for 30 minutes
            login(new_uow, A_PHONE, "wrong-0000", NOW)
        assert creds(new_uow).online_lock.locked(LATER)
        before = creds(new_uow)
        sms, store = MemorySms(), MemoryCodeStore()
        assert send(new_uow, A_ID, sms, FixedCodes("204815"), store) == "已发送,请查收"
        assert sms.to(A_PHONE) == (
            "【12329】您的验证码为204815，用于重置密码，5分钟内有效，请勿泄露给他人。",
        )

        assert reset(new_uow, A_PHONE, "204815", store) == "密码重置成功，请使用新密码重新登录"

        after = creds(new_uow)
        assert after.secret_version == before.secret_version + 1
        assert after.password_changed_at == LATER
        assert not after.online_lock.locked(LATER)
        assert (after.online_lock.failures, after.online_lock.consecutive) == (0, 0)
        assert after.online_lock.counted == before.online_lock.counted  # the numbering only grows
        with pytest.raises(Refused) as ended:
            services.authenticate(new_uow, session.token, LATER)
        assert ended.value.violations[0].code == "session_ended"
        assert not login(new_uow, A_PHONE, OLD).result.accepted
        assert login(new_uow, A_PHONE, NEW).result.accepted
        with new_uow() as uow:
            notices = [(n.member_id, n.to, n.text) for n in uow.outbox.pending()]
        assert notices == [("M1", A_PHONE, NOTICE)]
        lines = [line for line in audit_lines(new_uow) if "reset" in line[1]]
        assert lines == [
            ("M1", "member.password.reset.requested", "credentials/M1", "sent"),
            ("M1", "member.password.reset", "credentials/M1", "online 1 sessions"),
        ]

    def test_a_member_on_the_initial_password_no_longer_has_to_change_it(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrol(new_uow, "M1", A_PHONE, A_ID, initial=True)
        store = MemoryCodeStore()
        send(new_uow, A_PHONE, MemorySms(), FixedCodes("204815"), store)
        reset(new_uow, A_PHONE, "204815", store)
        assert creds(new_uow).must_change == frozenset()
        outcome = login(new_uow, A_PHONE, NEW)
        assert (outcome.result.accepted, outcome.result.password_change_required) == (True, False)

    def test_an_unknown_identifier_gets_the_same_answers_and_nothing_changes(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrol(new_uow, "M1", A_PHONE, A_ID)
        before = creds(new_uow)
        sms, store = MemorySms(), MemoryCodeStore()
        assert send(new_uow, "13700137000", sms, FixedCodes("204815"), store) == "已发送,请查收"
        assert sms.sent_messages == ()
        with pytest.raises(InvalidCode) as unknown:
            reset(new_uow, "13700137000", "204815", store)
        send(new_uow, A_PHONE, sms, FixedCodes("204815"), store)
        with pytest.raises(InvalidCode) as wrong:
            reset(new_uow, A_PHONE, "204816", store)
        assert str(unknown.value) == str(wrong.value)
        after = creds(new_uow)
        assert (after.online_hash, after.secret_version) == (before.online_hash, before.secret_version)
        assert login(new_uow, A_PHONE, OLD).result.accepted
        lines = [line for line in audit_lines(new_uow) if "reset" in line[1]]
        assert lines == [
            ("anonymous", "member.password.reset.requested", "credentials/unknown", "unknown_account"),
            ("anonymous", "member.password.reset.refused", "credentials/unknown", "unknown_account"),
            ("M1", "member.password.reset.requested", "credentials/M1", "sent"),
            ("M1", "member.password.reset.refused", "credentials/M1", "invalid_code"),
        ]

    def test_over_the_quota_the_answer_is_the_same_and_nothing_is_sent(self, new_uow: NewUnitOfWork) -> None:
        enrol(new_uow, "M1", A_PHONE, A_ID)
        sms, store = MemorySms(), MemoryCodeStore()
        codes = FixedCodes("204815", "204816")
        assert send(new_uow, A_PHONE, sms, codes, store) == send(new_uow, A_PHONE, sms, codes, store)
        assert len(sms.to(A_PHONE)) == 1  # 1 a minute (Aliyun's default)
        details = [line[3] for line in audit_lines(new_uow) if line[1] == "member.password.reset.requested"]
        assert details == ["sent", "send_limit"]

    def test_bs_code_cannot_reset_a(self, new_uow: NewUnitOfWork) -> None:
        enrol(new_uow, "M1", A_PHONE, A_ID)
        enrol(new_uow, "M2", B_PHONE, B_ID)
        sms, store = MemorySms(), MemoryCodeStore()
        send(new_uow, B_PHONE, sms, FixedCodes("222222"), store)
        with pytest.raises(InvalidCode):  # A has no code at all
            reset(new_uow, A_ID, "222222", store)
        send(new_uow, A_PHONE, sms, FixedCodes("111111"), store)
        with pytest.raises(InvalidCode):  # A has one, not B's
            reset(new_uow, A_PHONE, "222222", store)
        assert login(new_uow, A_PHONE, OLD).result.accepted
        assert creds(new_uow, "M1").secret_version == 1
        reset(new_uow, B_ID, "222222", store)  # B's code still works for B
        assert login(new_uow, B_PHONE, NEW).result.accepted
        assert login(new_uow, A_PHONE, OLD).result.accepted

    def test_the_new_passwords_own_problems_come_first_and_count_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrol(new_uow, "M1", A_PHONE, A_ID)
        store = MemoryCodeStore()
        send(new_uow, A_PHONE, MemorySms(), FixedCodes("204815"), store)
        with pytest.raises(Refused) as refused:
            reset(new_uow, "13700137000", "000000", store, new="short1", confirmation="other1")
        assert [v.code for v in refused.value.violations] == ["confirmation_mismatch", "password_too_short"]
        issued = store.get(A_PHONE, CodePurpose.PASSWORD_RESET, owner="M1")
        assert issued is not None
        assert issued.attempts == 0

    def test_a_fragment_of_the_phone_is_refused_after_the_code_which_stays_usable(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrol(new_uow, "M1", A_PHONE, A_ID)
        store = MemoryCodeStore()
        send(new_uow, A_PHONE, MemorySms(), FixedCodes("204815"), store)
        with pytest.raises(Refused) as refused:
            reset(new_uow, A_PHONE, "204815", store, new="ab380013")  # 380013: 6 in a row of the phone
        assert [v.code for v in refused.value.violations] == ["password_personal"]
        assert login(new_uow, A_PHONE, OLD).result.accepted
        reset(new_uow, A_PHONE, "204815", store)
        assert login(new_uow, A_PHONE, NEW).result.accepted


class TestResetRace:
    def test_8_threads_with_the_same_code_reset_once(
        self, new_uow: NewUnitOfWork, code_store: VerificationCodeStore, race: Race
    ) -> None:
        enrol(new_uow, "M1", A_PHONE, A_ID)
        send(new_uow, A_PHONE, MemorySms(), FixedCodes("204815"), code_store)
        outcomes = race(8, lambda i: reset(new_uow, A_PHONE, "204815", code_store, new=f"Reset2026n{i}"))
        winners = [i for i, outcome in enumerate(outcomes) if outcome is None]
        assert len(winners) == 1
        assert all(isinstance(outcome, InvalidCode) for outcome in outcomes if outcome is not None)
        assert creds(new_uow).secret_version == 2  # 1 after the first change, 2 after ONE reset
        assert login(new_uow, A_PHONE, f"Reset2026n{winners[0]}").result.accepted
        with new_uow() as uow:
            assert len(uow.outbox.pending()) == 1
        actions = [line[1] for line in audit_lines(new_uow)]
        assert actions.count("member.password.reset") == 1
        assert actions.count("member.password.reset.refused") == 7


def test_the_wired_portal_resets_without_a_session() -> None:
    app = build(
        Config(
            centre="altay",
            clock=LATER,
            codes="fixed",
            fixed_codes=("204815",),
            hasher="scrypt",
            password_cost=2**4,
        )
    )
    enrol(app.unit_of_work, "M1", A_PHONE, A_ID)
    assert app.portal.send_reset_code(A_ID, NOW) == "已发送,请查收"
    assert app.portal.reset_password(A_ID, "204815", NEW, NEW, LATER) == "密码重置成功，请使用新密码重新登录"
    report = app.relay()
    assert len(report.sent) == 1
    assert app.sms.to(A_PHONE)[-1] == NOTICE  # type: ignore[attr-defined]
