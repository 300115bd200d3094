"""The audit trail of the member services (issue #13, D-052): every login outcome, in the
unit of work that counts the attempt; a refused operation changes nothing and writes no
line; the document upload and its count commit together or not at all; the public pages
without a session; the centre without shipped data."""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import attrs
import pytest

from hpf_adapters.centers import MemoryVerifier
from hpf_adapters.sms import MemorySms
from hpf_adapters.wiring import App, Config, build
from hpf_core.centers import VerificationMethod
from hpf_core.errors import Refused, UnknownRecord
from hpf_core.members import PasswordChannel
from hpf_core.ports import AuditEvent


def _world() -> ModuleType:
    path = Path(__file__).with_name("portal_world.py")
    spec = importlib.util.spec_from_file_location("portal_world", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["portal_world"] = module
    spec.loader.exec_module(module)
    return module


W = _world()
A, B, at = W.A, W.B, W.at
APP = PasswordChannel.APP


@pytest.fixture
def app() -> App:
    built: App = W.the_world(W.an_app())
    return built


def events(app: App) -> list[AuditEvent]:
    with app.unit_of_work() as uow:
        return list(uow.audit.events())


def test_an_unknown_identifier_is_audited_without_it(app: App) -> None:
    outcome = app.portal.login("13900000000", "whatever1", APP, at(9))
    assert outcome.result.accepted is False
    [line] = events(app)
    assert (line.actor, line.action, line.record, line.detail) == (
        "anonymous",
        "member.login.refused",
        "credentials/unknown",
        "unknown_account",
    )
    assert "13900000000" not in repr(line)


def test_five_wrong_passwords_lock_and_each_is_counted_with_its_line(app: App) -> None:
    # the centre's online lock: 5 failures (policy [members.online_login] max_failures = 5)
    for minute in range(5):
        assert app.portal.login(B.phone, "wrong-pass1", APP, at(9, minute)).result.accepted is False
    locked = app.portal.login(B.phone, B.id_number[-8:], APP, at(9, 6))  # the right one, too late
    assert locked.result.accepted is False
    actions = [(e.action, e.detail) for e in events(app)]
    assert actions == [
        ("member.login.attempt", "online app"),
        ("member.login.refused", "wrong_password"),
    ] * 5 + [("member.login.refused", "locked")]
    with app.unit_of_work() as uow:
        assert uow.credentials.get("M-B").online_lock.counted == 5


def test_the_attempt_line_is_in_the_unit_that_counts_it(app: App) -> None:
    """A crash after the count (here: the hasher fails) leaves the count AND its line."""

    class Broken:
        def hash(self, password: str) -> str:
            raise RuntimeError("down")

        def verify(self, stored: str, password: str) -> bool:
            raise RuntimeError("down")

        def needs_rehash(self, stored: str) -> bool:
            return False

    with pytest.raises(RuntimeError):
        app.portal.login(B.phone, "anything1", APP, at(9), hasher=Broken())
    with app.unit_of_work() as uow:
        assert uow.credentials.get("M-B").online_lock.counted == 1
    assert [e.action for e in events(app)] == ["member.login.attempt"]


def test_a_refused_step_changes_nothing_and_writes_no_line(app: App) -> None:
    token = W.session(app, B, at(9))
    policy = W.no_wait(app.policy)
    draft, _ = app.portal.apply_for_prepayment(token, "HT03", "10000", "keep-term", at(9, 1), policy=policy)
    before = events(app)
    with pytest.raises(Refused) as refused:
        app.portal.submit_application(token, draft.application_id, at(9, 2))  # 申请单 not uploaded
    assert refused.value.codes == ("documents_missing",)
    assert events(app) == before
    with app.unit_of_work() as uow:
        assert uow.applications.get(draft.application_id) == draft


def test_an_upload_the_application_refuses_is_not_stored(app: App) -> None:
    token = W.session(app, B, at(9))
    policy = W.no_wait(app.policy)
    draft, _ = app.portal.apply_for_prepayment(token, "HT03", "10000", "keep-term", at(9, 1), policy=policy)
    before = events(app)
    with pytest.raises(Refused):
        app.portal.upload_document(token, draft.application_id, "不存在的分类", "x.jpg", b"bytes", at(9, 2))
    with app.unit_of_work() as uow:
        assert list(uow.documents.list(draft.application_id)) == []
    assert events(app) == before


def test_a_session_past_its_idle_limit_is_refused(app: App) -> None:
    token = W.session(app, B, at(9))
    with pytest.raises(Refused) as refused:
        app.portal.my_cards(token, at(9) + timedelta(minutes=16))
    assert refused.value.codes == ("session_expired",)


def test_the_public_pages_of_a_centre_without_shipped_data() -> None:
    app = build(Config(centre="beijing", password_cost=2**4, hasher="scrypt"))
    assert app.portal.news() == ()
    assert app.portal.outlets() == ()
    with pytest.raises(UnknownRecord, match="centre"):
        app.portal.hotline()
    with pytest.raises(UnknownRecord, match="centre"):
        app.portal.privacy()


def test_a_locked_out_member_unlocks_with_an_sms_code(app: App) -> None:
    for minute in range(5):
        app.portal.login(B.phone, "wrong-pass1", APP, at(9, minute))
    assert app.portal.send_unlock_code(B.phone, at(9, 6)) == "已发送,请查收"
    assert app.portal.send_unlock_code("13900000000", at(9, 6)) == "已发送,请查收"  # no enumeration
    assert _memory_sms(app).to(B.phone)[-1].startswith(f"【12329】您的验证码为{W.CODE}")
    app.portal.unlock(B.phone, W.CODE, at(9, 7))
    assert events(app)[-1].action == "member.unlocked"
    assert app.portal.login(B.phone, B.id_number[-8:], APP, at(9, 8)).result.accepted is True


def test_the_first_login_by_alipay_is_required_bound_and_audited(app: App) -> None:
    """Altay requires 支付宝授权 or 刷脸 on the first login (seed §2.1.2): a member who has not
    passed it gets no session from a right password; 支付宝登录 binds the Alipay account,
    passes the check and opens the session, audited in the same unit of work."""
    with app.unit_of_work() as uow:
        current = uow.credentials.get(B.member_id)
        uow.credentials.save(attrs.evolve(current, first_login_verified_at=None))
        uow.commit()
    before = len(events(app))
    refused = app.portal.login(B.phone, B.id_number[-8:], APP, at(9))
    shown = (refused.result.accepted, refused.result.verification_required, refused.token)
    assert shown == (False, True, None)
    assert refused.result.message == "首次登录需通过支付宝授权或刷脸验证"
    verifier = app.verifier
    assert isinstance(verifier, MemoryVerifier)
    verifier.vouch(VerificationMethod.ALIPAY, "auth-code-1", B.id_number, number="2088000000000042")
    opened = app.portal.login_with_identity(VerificationMethod.ALIPAY, "auth-code-1", at(9, 1))
    assert opened.result.accepted
    assert opened.token is not None
    assert opened.result.password_change_required  # still on the initial online password
    lines = [(e.actor, e.action, e.detail) for e in events(app)[before:]]
    assert lines == [
        (B.member_id, "member.login.attempt", "online app"),
        (B.member_id, "member.login.refused", "first_login_verification_required"),
        (B.member_id, "member.login.third_party", "alipay bound"),
    ]
    with app.unit_of_work() as uow:
        stored = uow.credentials.get(B.member_id)
    assert stored.first_login_verified_at == at(9, 1)
    assert "2088000000000042" not in repr(stored)


def _memory_sms(app: App) -> MemorySms:
    """The app's gateway as the in-memory one the test configured (it keeps every text)."""
    sms = app.sms
    assert isinstance(sms, MemorySms)
    return sms


def test_an_upload_whose_digest_starts_with_digits_is_audited(app: App) -> None:
    """The upload's audit line names the bytes by their SHA-256; a digest whose first hex
    digits happen to be 11 decimal digits in a row must not be refused as personal data
    (found by the HTTP load journey, D-067: about 1 upload in 100 failed with 422)."""
    import hashlib
    import re

    content = next(
        body
        for n in range(100_000)
        if re.match(r"[0-9]{11}", hashlib.sha256(body := f"invoice page {n}".encode()).hexdigest())
    )
    digest = hashlib.sha256(content).hexdigest()
    token = W.session(app, B, at(9))
    policy = W.no_wait(app.policy)
    draft, _ = app.portal.apply_for_prepayment(token, "HT03", "10000", "keep-term", at(9, 1), policy=policy)
    _, document = app.portal.upload_document(
        token, draft.application_id, "申请单", "a.jpg", content, at(9, 2)
    )
    line = events(app)[-1]
    assert line.action == "application.document.uploaded"
    grouped = f"{digest[0:4]}-{digest[4:8]}-{digest[8:12]}-{digest[12:16]}"
    assert line.detail == f"{document.document_id} sha256:{grouped}"
