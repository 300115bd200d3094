"""A full member journey — login on the initial password, forced password change, phone
change by SMS code, password change — after which every stored value and every log line is
searched for the passwords and the code in clear (issue #6: "no password or code is stored
or logged in clear")."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta, timezone

import attrs
import pytest

from hpf_adapters.security import ScryptHasher, SecretsTokens
from hpf_adapters.sms import MemoryCodeStore, MemorySms
from hpf_core.members import (
    CodePolicy,
    Credentials,
    PasswordChannel,
    PasswordGroup,
    PhoneChange,
    Session,
    change_password,
    login,
    mark_password_changed,
    new_credentials,
    open_session,
    password_verified,
)

TZ = timezone(timedelta(hours=8))
START = datetime(2026, 11, 26, 9, 0, tzinfo=TZ)
ID_NUMBER = "11010519491231002X"
INITIAL = "1231002X"  # the seed's rule: the last 8 characters of the ID number
FIRST_NEW = "gjj2026ok"
SECOND_NEW = "Zhang2027x"
OLD_PHONE, NEW_PHONE = "13800138000", "13900139000"
CODE = "481516"


class FixedCode:
    """A CodeSource that hands out one known code, so the test can search for it."""

    def new_code(self) -> str:
        return CODE

    def new_salt(self) -> bytes:
        return b"0123456789abcdef"


def every_value(value: object) -> list[str]:
    """Every string a stored record holds, recursively (fields, containers, repr)."""
    found = [repr(value)]
    if attrs.has(type(value)):
        for name in attrs.fields_dict(type(value)):  # type: ignore[arg-type]
            found += every_value(getattr(value, name))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            found += every_value(getattr(value, field.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            found += every_value(key) + every_value(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            found += every_value(item)
    elif isinstance(value, (str, bytes)):
        found.append(value.decode("latin-1") if isinstance(value, bytes) else value)
    return found


def test_a_full_journey_leaves_no_secret_in_storage_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    hasher = ScryptHasher(n=2**10)  # small cost keeps the test fast; the format is the same
    tokens = SecretsTokens()
    stored: list[object] = []

    credentials: Credentials | None = new_credentials("M1", OLD_PHONE, ID_NUMBER, hasher)
    stored.append(credentials)

    # 1. login by ID number on the initial password: a change is required first
    credentials, result = login(credentials, ID_NUMBER, INITIAL, PasswordChannel.APP, hasher, START)
    assert result.member_id == "M1"
    assert result.password_change_required
    token = tokens.new_token()
    session: Session = open_session("M1", token, START, password_change_required=True)
    stored += [credentials, session]

    # 2. the forced change
    assert credentials is not None
    credentials = change_password(
        credentials, PasswordGroup.ONLINE, INITIAL, FIRST_NEW, FIRST_NEW, hasher, START + timedelta(minutes=1)
    )
    session = mark_password_changed(session, START + timedelta(minutes=1))
    stored += [credentials, session]

    # 3. phone change: a recent password check, the code to the new number, the notice to the old
    session = password_verified(session, START + timedelta(minutes=2))
    sms, store = MemorySms(), MemoryCodeStore()
    change = PhoneChange(CodePolicy(), sms, FixedCode(), store)
    change.request(session, OLD_PHONE, NEW_PHONE, (), START + timedelta(minutes=3))
    changed = change.confirm(session, OLD_PHONE, NEW_PHONE, CODE, (), START + timedelta(minutes=4))
    assert changed.new_phone == NEW_PHONE
    assert [m.phone for m in sms.sent_messages] == [NEW_PHONE, OLD_PHONE]  # code, then the notice
    stored += [session, changed, *store.records]

    # 4. a password change later, by phone login this time
    credentials = attrs.evolve(credentials, phone=NEW_PHONE)
    credentials, result = login(
        credentials, NEW_PHONE, FIRST_NEW, PasswordChannel.APP, hasher, START + timedelta(hours=1)
    )
    assert result.member_id == "M1"
    assert credentials is not None
    credentials = change_password(
        credentials,
        PasswordGroup.ONLINE,
        FIRST_NEW,
        SECOND_NEW,
        SECOND_NEW,
        hasher,
        START + timedelta(hours=1),
    )
    stored.append(credentials)

    # The seed's initial password is the tail of the ID number, which is stored as identity
    # data (that is why the first login must change it): search outside the ID number.
    texts = [text.replace(ID_NUMBER, "<id>") for value in stored for text in every_value(value)]
    logged = [record.getMessage() for record in caplog.records]
    for secret in (INITIAL, FIRST_NEW, SECOND_NEW, CODE, token):
        assert not [t for t in texts if secret in t], f"{secret!r} is stored in clear"
        assert not [line for line in logged if secret in line], f"{secret!r} is logged in clear"
    # the code reaches the member only in the SMS itself, which is the point of sending it
    assert CODE in sms.sent_messages[0].text
    assert CODE not in sms.sent_messages[1].text
