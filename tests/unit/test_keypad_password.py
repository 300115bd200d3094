"""Issue #11 item 5, the keypad password's start (seed §7.4, D-048): a member enrolled with
the centre's rules has a 12329 语音热线、触摸屏 password on the centre's keypad initial rule
(altay: the last six of the ID number, X read as 0), must change it on first use, and can
change it in the APP (§7.4.2: 旧密码、新密码、确认密码, "*请输入6位数字") end to end through
the services. Run on every store of ``tests/conftest.py``."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from hpf_adapters.centers import MemoryVerifier
from hpf_adapters.policies import load_policy
from hpf_adapters.security import ScryptHasher, SecretsTokens
from hpf_core.centers import VerificationMethod
from hpf_core.errors import HpfError, InputError, InputTypeError, InvalidPolicy, Refused
from hpf_core.members import (
    REFUSED_MESSAGE,
    Credentials,
    InitialPasswordRule,
    MemberRules,
    PasswordChannel,
    PasswordGroup,
    Session,
    parse_member_rules,
    services,
)
from hpf_core.ports import UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=CST)
SEED_ID = "371524199011063028"
"""提取人证件号码 on the seed's 终止劳动关系提取 screen (§5.2.1.2)."""
KEYPAD_INITIAL = "063028"
"""The last six of SEED_ID, by hand."""
ONLINE_INITIAL = "11063028"
"""The last eight of SEED_ID, by hand (§7.4.1: 默认密码为身份证号后八位)."""
X_ID = "11010519491231002X"
X_KEYPAD_INITIAL = "310020"
"""The last six of X_ID with the final X read as 0, by hand."""
PHONE = "13800138000"
NEW_ONLINE = "gjjx2024"
NEW_KEYPAD = "580914"
HASHER = ScryptHasher(n=2**4)
TOKENS = SecretsTokens()
ALTAY = load_policy("altay").members
APP, HOTLINE, TOUCH = PasswordChannel.APP, PasswordChannel.HOTLINE, PasswordChannel.TOUCH_SCREEN
KEYPAD, ONLINE = PasswordGroup.KEYPAD, PasswordGroup.ONLINE


def stored(new_uow: NewUnitOfWork) -> Credentials:
    with new_uow() as uow:
        return uow.credentials.get("M1")


def log_in(
    new_uow: NewUnitOfWork, password: str, channel: PasswordChannel, at: datetime = NOW
) -> services.LoginOutcome:
    return services.login(new_uow, PHONE, password, channel, at, hasher=HASHER, tokens=TOKENS, rules=ALTAY)


def change(
    new_uow: NewUnitOfWork, token: str, group: PasswordGroup, old: str, new: str, confirm: str | None = None
) -> Session:
    return services.change_password(
        new_uow, token, group, old, new, new if confirm is None else confirm, NOW, hasher=HASHER, rules=ALTAY
    )


def app_session(new_uow: NewUnitOfWork) -> str:
    """The APP's first login (§2.1.2): the password asks for the check, 刷脸登录 passes it."""
    assert log_in(new_uow, ONLINE_INITIAL, APP).result.verification_required
    verifier = MemoryVerifier()
    verifier.vouch(VerificationMethod.FACE, "certify-1", SEED_ID)
    outcome = services.login_with_identity(
        new_uow, VerificationMethod.FACE, "certify-1", NOW, verifier=verifier, tokens=TOKENS, rules=ALTAY
    )
    assert outcome.token is not None
    return outcome.token


class TestThePolicy:
    def test_altay_starts_the_keypad_password_on_the_last_six_of_the_id_number(self) -> None:
        assert ALTAY.keypad_initial_password is InitialPasswordRule.ID_LAST_6
        assert ALTAY.password_rules(KEYPAD).min_length == ALTAY.password_rules(KEYPAD).max_length == 6

    def test_the_library_default_has_one_and_a_centre_may_have_none(self) -> None:
        assert MemberRules().keypad_initial_password is InitialPasswordRule.ID_LAST_6
        none = parse_member_rules(tomllib.loads('[passwords]\nkeypad_initial = "none"\n'))
        assert none.keypad_initial_password is None
        eight = parse_member_rules(tomllib.loads('[passwords]\nkeypad_initial = "id-last-8"\n'))
        assert eight.keypad_initial_password is InitialPasswordRule.ID_LAST_8

    @pytest.mark.parametrize("value", ['"last-six"', "6", "true"])
    def test_a_bad_keypad_initial_is_refused_naming_the_key(self, value: str) -> None:
        with pytest.raises(InvalidPolicy) as caught:
            parse_member_rules(tomllib.loads(f"[passwords]\nkeypad_initial = {value}\n"))
        assert caught.value.field == "members.passwords.keypad_initial"


class TestEnrolment:
    def test_an_enrolled_member_has_both_initial_passwords_each_to_change(
        self, new_uow: NewUnitOfWork
    ) -> None:
        creds = services.enrol(new_uow, "M1", PHONE, SEED_ID, hasher=HASHER, rules=ALTAY)
        assert creds == stored(new_uow)
        assert creds.keypad_hash is not None
        assert HASHER.verify(creds.keypad_hash, KEYPAD_INITIAL)
        assert HASHER.verify(creds.online_hash, ONLINE_INITIAL)
        assert creds.must_change == frozenset({ONLINE, KEYPAD})
        assert creds.first_login_verified_at is None

    def test_a_final_x_is_read_as_zero(self, new_uow: NewUnitOfWork) -> None:
        services.enrol(new_uow, "M1", PHONE, X_ID, hasher=HASHER, rules=ALTAY)
        assert log_in(new_uow, "31002X", HOTLINE).result.message == REFUSED_MESSAGE
        assert log_in(new_uow, X_KEYPAD_INITIAL, HOTLINE).result.accepted

    def test_a_centre_without_a_keypad_password_enrols_none(self, new_uow: NewUnitOfWork) -> None:
        rules = parse_member_rules({"passwords": {"keypad_initial": "none"}})
        creds = services.enrol(new_uow, "M1", PHONE, SEED_ID, hasher=HASHER, rules=rules)
        assert creds.keypad_hash is None
        assert creds.must_change == frozenset({ONLINE})
        outcome = services.login(
            new_uow, PHONE, KEYPAD_INITIAL, HOTLINE, NOW, hasher=HASHER, tokens=TOKENS, rules=rules
        )
        assert outcome.result.audit_reason == "unknown_account"

    def test_enrolling_the_same_id_number_twice_is_refused(self, new_uow: NewUnitOfWork) -> None:
        services.enrol(new_uow, "M1", PHONE, SEED_ID, hasher=HASHER, rules=ALTAY)
        with pytest.raises(InputError) as caught:
            services.enrol(new_uow, "M2", "13900139000", SEED_ID, hasher=HASHER, rules=ALTAY)
        assert caught.value.field == "id_number"

    @pytest.mark.parametrize(
        ("member_id", "error"),
        [("", InputError), ("  ", InputError), (7, InputTypeError), (None, InputTypeError)],
    )
    def test_a_member_id_that_is_not_a_non_empty_string_is_refused(
        self, new_uow: NewUnitOfWork, member_id: object, error: type[HpfError]
    ) -> None:
        with pytest.raises(error) as caught:
            services.enrol(new_uow, member_id, PHONE, SEED_ID, hasher=HASHER, rules=ALTAY)  # type: ignore[arg-type]
        assert caught.value.field == "member_id"


class TestForcedChangeOnFirstUse:
    def test_the_first_keypad_login_allows_nothing_but_the_change(self, new_uow: NewUnitOfWork) -> None:
        services.enrol(new_uow, "M1", PHONE, SEED_ID, hasher=HASHER, rules=ALTAY)
        outcome = log_in(new_uow, KEYPAD_INITIAL, TOUCH)
        assert outcome.result.accepted
        assert outcome.result.password_change_required
        assert outcome.result.message == "登录成功，请先修改初始密码"
        assert outcome.token is not None
        with pytest.raises(Refused) as caught:
            services.authenticate(new_uow, outcome.token, NOW, rules=ALTAY)
        assert caught.value.codes == ("password_change_required",)
        session = change(new_uow, outcome.token, KEYPAD, KEYPAD_INITIAL, NEW_KEYPAD)
        assert not session.password_change_required
        assert services.authenticate(new_uow, outcome.token, NOW, rules=ALTAY).member_id == "M1"
        assert stored(new_uow).must_change == frozenset({ONLINE})

    def test_changing_the_keypad_password_does_not_lift_the_online_sessions_forced_change(
        self, new_uow: NewUnitOfWork
    ) -> None:
        services.enrol(new_uow, "M1", PHONE, SEED_ID, hasher=HASHER, rules=ALTAY)
        token = app_session(new_uow)
        session = change(new_uow, token, KEYPAD, KEYPAD_INITIAL, NEW_KEYPAD)
        assert session.password_change_required  # the online password is still 11063028
        with pytest.raises(Refused):
            services.authenticate(new_uow, token, NOW, rules=ALTAY)
        session = change(new_uow, token, ONLINE, ONLINE_INITIAL, NEW_ONLINE)
        assert not session.password_change_required
        assert stored(new_uow).must_change == frozenset()


class TestSeed742EndToEnd:
    def test_the_app_changes_the_12329_and_touch_screen_password(self, new_uow: NewUnitOfWork) -> None:
        services.enrol(new_uow, "M1", PHONE, SEED_ID, hasher=HASHER, rules=ALTAY)
        token = app_session(new_uow)
        change(new_uow, token, ONLINE, ONLINE_INITIAL, NEW_ONLINE)  # §7.4.1 first: the session is free
        # §7.4.2: 【密码修改】 → 12329语音热线、触摸屏密码修改: 旧密码、新密码、确认密码 →【确认修改】
        change(new_uow, token, KEYPAD, KEYPAD_INITIAL, NEW_KEYPAD)
        creds = stored(new_uow)
        assert creds.must_change == frozenset()
        assert creds.keypad_hash is not None
        assert HASHER.verify(creds.keypad_hash, NEW_KEYPAD)
        # the app session goes on; the hotline and the touch screen share the new password
        assert services.authenticate(new_uow, token, NOW, rules=ALTAY).member_id == "M1"
        for channel in (HOTLINE, TOUCH):
            outcome = log_in(new_uow, NEW_KEYPAD, channel)
            assert outcome.result.accepted
            assert not outcome.result.password_change_required
        assert log_in(new_uow, KEYPAD_INITIAL, HOTLINE).result.message == REFUSED_MESSAGE

    @pytest.mark.parametrize(
        ("new", "confirm", "codes"),
        [
            ("58091", None, ("password_too_short",)),  # *请输入6位数字
            ("5809143", None, ("password_too_long",)),
            ("58091a", None, ("password_digits_only",)),
            (NEW_KEYPAD, "580915", ("confirmation_mismatch",)),
            ("123456", None, ("password_common",)),
            (KEYPAD_INITIAL, None, ("password_personal", "password_unchanged", "password_is_identifier")),
        ],
    )
    def test_the_screens_rule_refuses_and_changes_nothing(
        self, new_uow: NewUnitOfWork, new: str, confirm: str | None, codes: tuple[str, ...]
    ) -> None:
        services.enrol(new_uow, "M1", PHONE, SEED_ID, hasher=HASHER, rules=ALTAY)
        token = app_session(new_uow)
        change(new_uow, token, ONLINE, ONLINE_INITIAL, NEW_ONLINE)
        before = stored(new_uow)
        with pytest.raises(Refused) as caught:
            change(new_uow, token, KEYPAD, KEYPAD_INITIAL, new, confirm)
        assert caught.value.codes == codes
        assert stored(new_uow) == before

    def test_a_wrong_old_keypad_password_is_counted_on_the_keypad_lock(self, new_uow: NewUnitOfWork) -> None:
        services.enrol(new_uow, "M1", PHONE, SEED_ID, hasher=HASHER, rules=ALTAY)
        token = app_session(new_uow)
        change(new_uow, token, ONLINE, ONLINE_INITIAL, NEW_ONLINE)
        with pytest.raises(Refused) as caught:
            change(new_uow, token, KEYPAD, "063029", NEW_KEYPAD)
        assert caught.value.codes == ("wrong_password",)
        creds = stored(new_uow)
        assert creds.keypad_lock.failures == 1
        assert creds.online_lock.failures == 0
        assert HASHER.verify(creds.keypad_hash or "", KEYPAD_INITIAL)
