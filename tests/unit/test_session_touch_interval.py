"""``authenticate`` stores a session's touch at most once a minute (D-067): reads in a
burst cost no session write, and the idle expiry counts from the stored ``last_seen_at``."""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest

from hpf_adapters.wiring import App
from hpf_core.errors import Refused
from hpf_core.members import MemberRules, hash_token
from hpf_core.members import services as member_services


def _world() -> ModuleType:
    if "portal_world" in sys.modules:
        return sys.modules["portal_world"]
    path = Path(__file__).with_name("portal_world.py")
    spec = importlib.util.spec_from_file_location("portal_world", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["portal_world"] = module
    spec.loader.exec_module(module)
    return module


W = _world()


def test_a_touch_is_stored_once_a_minute_and_idle_expiry_counts_from_it() -> None:
    app: App = W.the_world(W.an_app())
    start = W.at(10)
    token = W.session(app, W.A, start)
    rules = app.policy.members or MemberRules()

    def stored() -> datetime:
        with app.unit_of_work() as uow:
            session = uow.sessions.get(hash_token(token))
            assert session is not None
            return session.last_seen_at

    assert stored() == start
    seen = member_services.authenticate(app.unit_of_work, token, start + timedelta(seconds=59), rules=rules)
    assert seen.last_seen_at == start + timedelta(seconds=59)  # what the request sees
    assert stored() == start  # not written: under a minute
    member_services.authenticate(app.unit_of_work, token, start + timedelta(seconds=60), rules=rules)
    assert stored() == start + timedelta(seconds=60)  # written: a minute
    later = start + timedelta(seconds=60)
    member_services.authenticate(app.unit_of_work, token, later + timedelta(seconds=30), rules=rules)
    idle = timedelta(minutes=rules.sessions.idle_minutes)
    # idle from the STORED 60 s mark, not the unstored 90 s one: up to a minute earlier
    with pytest.raises(Refused) as expired:
        member_services.authenticate(app.unit_of_work, token, later + idle, rules=rules)
    assert expired.value.violations[0].code == "session_expired"
