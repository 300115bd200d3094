"""Issue #11 item 3, 首次登录 (seed §2.1.2, D-048): "首次登录需通过支付宝授权或刷脸验证" is
recorded on the credentials and enforced by the login service where the centre requires it;
【支付宝登录】 and 【刷脸登录】 are login paths through ``IdentityVerifier.identify`` that bind
the verified identity to the member. Run on every store of ``tests/conftest.py``."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from hpf_adapters.centers import MemoryVerifier, load_centers
from hpf_adapters.policies import load_policy
from hpf_adapters.security import ScryptHasher, SecretsTokens
from hpf_adapters.sql import Keyring, SqlStore, metadata
from hpf_core.centers import VerificationMethod
from hpf_core.errors import InputError, InputTypeError, InvalidChoice, InvalidPolicy, Refused
from hpf_core.members import (
    REFUSED_MESSAGE,
    BoundIdentity,
    Credentials,
    FirstLoginRule,
    LockState,
    MemberRules,
    PasswordChannel,
    PasswordGroup,
    parse_member_rules,
    services,
)
from hpf_core.ports import UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=CST)
LATER = NOW + timedelta(days=3)
SEED_ID = "371524199011063028"
"""提取人证件号码 on the seed's 终止劳动关系提取 screen (§5.2.1.2)."""
ONLINE_INITIAL = "11063028"
"""The last eight of SEED_ID, by hand: the seed's 默认密码为身份证号后八位 (§7.4.1)."""
PHONE = "13800138000"
OTHER_ID = "11010519491231002X"
ALIPAY_USER = "2088102150477652"
"""An Alipay user_id as alipay.system.oauth.token's documentation shows one (16 digits, 2088...)."""
OTHER_ALIPAY_USER = "2088411964574197"
HASHER = ScryptHasher(n=2**4)
TOKENS = SecretsTokens()
ALTAY = load_policy("altay").members
ALIPAY = VerificationMethod.ALIPAY
FACE = VerificationMethod.FACE


def enrolled(
    new_uow: NewUnitOfWork, member_id: str = "M1", id_number: str = SEED_ID, phone: str = PHONE
) -> None:
    services.enrol(new_uow, member_id, phone, id_number, hasher=HASHER, rules=ALTAY)


def stored(new_uow: NewUnitOfWork, member_id: str = "M1") -> Credentials:
    with new_uow() as uow:
        return uow.credentials.get(member_id)


def sessions_of(new_uow: NewUnitOfWork, member_id: str = "M1") -> int:
    with new_uow() as uow:
        return len(uow.sessions.of_member(member_id))


def password_login(
    new_uow: NewUnitOfWork, password: str = ONLINE_INITIAL, channel: PasswordChannel = PasswordChannel.APP
) -> services.LoginOutcome:
    return services.login(new_uow, PHONE, password, channel, NOW, hasher=HASHER, tokens=TOKENS, rules=ALTAY)


def identity_login(
    new_uow: NewUnitOfWork,
    verifier: MemoryVerifier,
    method: VerificationMethod = ALIPAY,
    evidence: str = "auth-code-1",
    at: datetime = NOW,
    rules: MemberRules = ALTAY,
) -> services.LoginOutcome:
    return services.login_with_identity(
        new_uow, method, evidence, at, verifier=verifier, tokens=TOKENS, rules=rules
    )


class TestThePolicy:
    def test_altay_requires_it_on_the_app_by_alipay_or_face_as_the_seed_says(self) -> None:
        assert ALTAY.first_login == FirstLoginRule(
            required=True, channels=(PasswordChannel.APP,), methods=(ALIPAY, FACE)
        )
        # the centre file says the same thing (its flag came first, D-034)
        assert load_centers().get("altay").requires_third_party_first_login is True

    def test_a_centre_that_says_nothing_does_not_require_it(self) -> None:
        assert MemberRules().first_login.required is False
        assert parse_member_rules({}).first_login == FirstLoginRule()

    @pytest.mark.parametrize(
        ("text", "field"),
        [
            ("required = 'yes'", "members.first_login.required"),
            ("channels = ['app', 'fax']", "members.first_login.channels"),
            ("channels = ['app', 'app']", "members.first_login.channels"),
            ("methods = ['wechat']", "members.first_login.methods"),
            ("methods = 'face'", "members.first_login.methods"),
            ("required = true\nmethods = []", "members.first_login.methods"),
            ("requierd = true", "members.first_login.requierd"),
        ],
    )
    def test_a_bad_first_login_table_is_refused_naming_the_key(self, text: str, field: str) -> None:
        table = tomllib.loads(f"[first_login]\n{text}\n")
        with pytest.raises(InvalidPolicy) as caught:
            parse_member_rules(table)
        assert caught.value.field == field


class TestThePasswordLoginAsksForIt:
    def test_a_right_password_before_the_check_opens_no_session_and_changes_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrolled(new_uow)
        before = stored(new_uow)
        outcome = password_login(new_uow)
        assert outcome.result.accepted is False
        assert outcome.result.verification_required is True
        assert outcome.result.message == "首次登录需通过支付宝授权或刷脸验证"
        assert outcome.result.audit_reason == "first_login_verification_required"
        assert outcome.token is None
        assert sessions_of(new_uow) == 0
        after = stored(new_uow)
        # the attempt counted in advance is taken back: no failure, no lock
        assert after.online_lock == LockState(counted=1)
        assert before.online_lock == LockState()
        assert after.first_login_verified_at is None
        assert after.identities == ()
        assert after.online_hash == before.online_hash
        assert after.secret_version == before.secret_version

    def test_many_right_passwords_before_the_check_never_lock_the_account(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrolled(new_uow)
        for _ in range(6):  # the online lock is 5 failures
            assert password_login(new_uow).result.verification_required
        assert not stored(new_uow).online_lock.locked(NOW)

    def test_a_wrong_password_says_nothing_about_the_check(self, new_uow: NewUnitOfWork) -> None:
        enrolled(new_uow)
        outcome = password_login(new_uow, "wrong-0000")
        assert outcome.result.message == REFUSED_MESSAGE
        assert outcome.result.verification_required is False
        assert stored(new_uow).online_lock.failures == 1

    def test_the_keypad_channels_are_not_asked_for_it(self, new_uow: NewUnitOfWork) -> None:
        enrolled(new_uow)
        outcome = password_login(new_uow, "063028", PasswordChannel.HOTLINE)
        assert outcome.result.accepted
        assert outcome.result.password_change_required

    def test_a_centre_that_does_not_require_it_lets_the_password_in(self, new_uow: NewUnitOfWork) -> None:
        services.enrol(new_uow, "M1", PHONE, SEED_ID, hasher=HASHER)
        outcome = services.login(
            new_uow, PHONE, ONLINE_INITIAL, PasswordChannel.APP, NOW, hasher=HASHER, tokens=TOKENS
        )
        assert outcome.result.accepted
        assert outcome.result.password_change_required


class TestAlipayLogin:
    def test_the_first_alipay_login_binds_the_user_id_passes_the_check_and_opens_a_session(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        verifier.vouch(ALIPAY, "auth-code-1", SEED_ID, number=ALIPAY_USER)
        outcome = identity_login(new_uow, verifier)
        assert outcome.result.accepted
        assert outcome.result.member_id == "M1"
        assert outcome.result.message == "支付宝授权登录成功，请先修改初始密码"
        assert outcome.result.password_change_required  # the online password is still the initial one
        assert outcome.token is not None
        after = stored(new_uow)
        assert after.first_login_verified_at == NOW
        assert after.identities == (BoundIdentity(ALIPAY, ALIPAY_USER, NOW, "alipay-000001"),)
        session = services.authenticate(new_uow, outcome.token, NOW, changing_password=True)
        assert session.member_id == "M1"
        assert session.group is PasswordGroup.ONLINE
        assert verifier.identified == [(ALIPAY, "auth-code-1")]

    def test_after_the_check_the_password_login_works(self, new_uow: NewUnitOfWork) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        verifier.vouch(ALIPAY, "auth-code-1", SEED_ID, number=ALIPAY_USER)
        identity_login(new_uow, verifier)
        outcome = password_login(new_uow)
        assert outcome.result.accepted
        assert outcome.token is not None

    def test_a_later_alipay_login_by_the_same_user_finds_the_member_and_keeps_the_first_instant(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        verifier.vouch(ALIPAY, "auth-code-1", SEED_ID, number=ALIPAY_USER)
        verifier.vouch(ALIPAY, "auth-code-2", SEED_ID, number=ALIPAY_USER)
        identity_login(new_uow, verifier)
        outcome = identity_login(new_uow, verifier, evidence="auth-code-2", at=LATER)
        assert outcome.result.accepted
        assert outcome.result.member_id == "M1"
        after = stored(new_uow)
        assert after.first_login_verified_at == NOW
        assert [i.number for i in after.identities] == [ALIPAY_USER]
        assert sessions_of(new_uow) == 2

    def test_another_alipay_account_with_the_same_id_number_is_refused_and_changes_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        verifier.vouch(ALIPAY, "auth-code-1", SEED_ID, number=ALIPAY_USER)
        verifier.vouch(ALIPAY, "auth-code-2", SEED_ID, number=OTHER_ALIPAY_USER)
        identity_login(new_uow, verifier)
        before = stored(new_uow)
        with pytest.raises(Refused) as caught:
            identity_login(new_uow, verifier, evidence="auth-code-2", at=LATER)
        assert caught.value.codes == ("identity_mismatch",)
        assert stored(new_uow) == before
        assert sessions_of(new_uow) == 1

    def test_racing_first_logins_with_two_alipay_accounts_bind_one(
        self,
        new_uow: NewUnitOfWork,
        race: Callable[[int, Callable[[int], object]], list[BaseException | None]],
    ) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        users = [f"20881021504776{i:02d}" for i in range(8)]
        for i, user in enumerate(users):
            verifier.vouch(ALIPAY, f"auth-code-{i}", SEED_ID, number=user)
        outcomes = race(8, lambda i: identity_login(new_uow, verifier, evidence=f"auth-code-{i}"))
        won = [i for i, raised in enumerate(outcomes) if raised is None]
        assert len(won) == 1
        lost = [raised for raised in outcomes if raised is not None]
        assert all(isinstance(r, Refused) and r.codes == ("identity_mismatch",) for r in lost)
        assert [i.number for i in stored(new_uow).identities] == [users[won[0]]]
        assert sessions_of(new_uow) == 1


class TestFaceLogin:
    def test_a_face_login_binds_the_id_number_it_compared_and_passes_the_check(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        verifier.vouch(FACE, "certify-1", SEED_ID)
        outcome = identity_login(new_uow, verifier, FACE, "certify-1")
        assert outcome.result.accepted
        assert outcome.result.message == "刷脸登录成功，请先修改初始密码"
        after = stored(new_uow)
        assert after.identities == (BoundIdentity(FACE, SEED_ID, NOW, "face-000001"),)
        assert after.first_login_verified_at == NOW

    def test_both_methods_may_be_bound_to_one_member(self, new_uow: NewUnitOfWork) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        verifier.vouch(FACE, "certify-1", SEED_ID)
        verifier.vouch(ALIPAY, "auth-code-1", SEED_ID, number=ALIPAY_USER)
        identity_login(new_uow, verifier, FACE, "certify-1")
        identity_login(new_uow, verifier, ALIPAY, "auth-code-1", at=LATER)
        after = stored(new_uow)
        assert [(i.method, i.number) for i in after.identities] == [(FACE, SEED_ID), (ALIPAY, ALIPAY_USER)]
        alipay = after.bound(ALIPAY)
        assert alipay is not None
        assert alipay.bound_at == LATER


class TestRefusalsChangeNothing:
    @pytest.mark.parametrize("case", ["refused", "never-vouched", "used-twice", "other-method"])
    def test_a_verifier_refusal_is_refused_and_changes_nothing(
        self, new_uow: NewUnitOfWork, case: str
    ) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        evidence, method = "certify-1", FACE
        if case == "refused":
            verifier.vouch(FACE, evidence, SEED_ID, ok=False)
        elif case == "used-twice":
            verifier.vouch(FACE, evidence, SEED_ID)
            identity_login(new_uow, verifier, FACE, evidence)
        elif case == "other-method":
            verifier.vouch(FACE, evidence, SEED_ID)
            method = ALIPAY
        before, sessions = stored(new_uow), sessions_of(new_uow)
        with pytest.raises(Refused) as caught:
            identity_login(new_uow, verifier, method, evidence, at=LATER)
        assert caught.value.codes == ("third_party_verification_failed",)
        assert stored(new_uow) == before
        assert sessions_of(new_uow) == sessions

    def test_an_id_number_without_an_account_is_refused(self, new_uow: NewUnitOfWork) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        verifier.vouch(FACE, "certify-1", OTHER_ID)
        with pytest.raises(Refused) as caught:
            identity_login(new_uow, verifier, FACE, "certify-1")
        assert caught.value.codes == ("no_account",)
        assert stored(new_uow).identities == ()
        assert sessions_of(new_uow) == 0

    def test_a_method_the_centre_does_not_offer_is_refused_before_the_verifier_is_asked(
        self, new_uow: NewUnitOfWork
    ) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        verifier.vouch(ALIPAY, "auth-code-1", SEED_ID, number=ALIPAY_USER)
        face_only = parse_member_rules({"first_login": {"required": True, "methods": ["face"]}})
        with pytest.raises(Refused) as caught:
            identity_login(new_uow, verifier, rules=face_only)
        assert caught.value.codes == ("method_not_offered",)
        assert verifier.identified == []

    @pytest.mark.parametrize(
        ("method", "evidence", "error"),
        [
            (ALIPAY, "", InputError),
            (ALIPAY, "   ", InputError),
            (ALIPAY, "x" * 513, InputError),
            (ALIPAY, "a\nb", InputError),
            (ALIPAY, 42, InputTypeError),
            ("wechat", "auth-code-1", InvalidChoice),
        ],
    )
    def test_bad_arguments_are_typed_errors_naming_the_field(
        self, method: object, evidence: object, error: type[Exception]
    ) -> None:
        verifier = MemoryVerifier()
        with pytest.raises(error):
            services.login_with_identity(
                lambda: pytest.fail("no store touched"),
                method,  # type: ignore[arg-type]
                evidence,  # type: ignore[arg-type]
                NOW,
                verifier=verifier,
                tokens=TOKENS,
                rules=ALTAY,
            )
        assert verifier.identified == []


class TestPersonalDataStaysMasked:
    def test_the_bound_numbers_are_masked_in_reprs(self, new_uow: NewUnitOfWork) -> None:
        enrolled(new_uow)
        verifier = MemoryVerifier()
        verifier.vouch(ALIPAY, "auth-code-1", SEED_ID, number=ALIPAY_USER)
        identity_login(new_uow, verifier)
        text = repr(stored(new_uow))
        assert ALIPAY_USER not in text
        assert SEED_ID not in text
        assert "208810******7652" in text


def sqlite_at(tmp_path: object) -> SqlStore:
    store = SqlStore(f"{tmp_path}/hpf.db", Keyring.from_secret(b"first-login tests: not a real key!"))
    store.create_schema()
    return store


class TestStoredRows:
    def test_the_alipay_number_is_sealed_at_rest(self, tmp_path: object) -> None:
        store = sqlite_at(tmp_path)
        enrolled(store.unit_of_work)
        verifier = MemoryVerifier()
        verifier.vouch(ALIPAY, "auth-code-1", SEED_ID, number=ALIPAY_USER)
        identity_login(store.unit_of_work, verifier)
        with store.engine.connect() as connection:
            body = connection.execute(sa.select(metadata.tables["credentials"].c.body)).scalar_one()
        assert ALIPAY_USER not in body
        assert SEED_ID not in body
        assert '"first_login_verified_at":"2026-12-04T09:00:00+08:00"' in body
        store.dispose()

    def test_a_row_written_before_the_new_fields_reads_with_their_defaults(self, tmp_path: object) -> None:
        store = sqlite_at(tmp_path)
        enrolled(store.unit_of_work)
        outcome = password_login(store.unit_of_work, "063028", PasswordChannel.HOTLINE)
        assert outcome.token is not None
        credentials_table = metadata.tables["credentials"]
        sessions_table = metadata.tables["sessions"]
        with store.engine.begin() as connection:
            body = json.loads(connection.execute(sa.select(credentials_table.c.body)).scalar_one())
            del body["first_login_verified_at"], body["identities"]
            connection.execute(sa.update(credentials_table).values(body=json.dumps(body)))
            session_body = json.loads(connection.execute(sa.select(sessions_table.c.body)).scalar_one())
            del session_body["group"]
            connection.execute(sa.update(sessions_table).values(body=json.dumps(session_body)))
        old = stored(store.unit_of_work)
        assert old.first_login_verified_at is None
        assert old.identities == ()
        assert old.phone == PHONE
        assert old.id_number == SEED_ID
        with store.unit_of_work() as uow:
            (session,) = uow.sessions.of_member("M1")
        assert session.group is None
        assert session.password_change_required
        store.dispose()
