"""Every service of ``hpf_core.portal``, called through ``App.portal`` with generated wrong
arguments (None, a float, a bool, bytes, ``object()``, a naive datetime, an empty string,
a string where a date is meant, ...), raises only ``HpfError`` subclasses — never a bare
``TypeError`` or ``AttributeError`` (issue #10 "Bad input", for the member services)."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpf_adapters.wiring import App
from hpf_core import portal
from hpf_core.errors import HpfError
from hpf_core.withdrawals import WithdrawalFacts


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
WRONG: tuple[object, ...] = (
    None,
    1.5,
    True,
    b"bytes",
    object(),
    "",
    "2018-05-29",
    -1,
    Decimal("NaN"),
    datetime(2018, 5, 29, 9, 0),  # naive
    ("x",),
)
BOUND = {"new_uow", "rules", "policy", "info", "hasher", "tokens", "sms", "codes", "store"}


class World:
    def __init__(self) -> None:
        self.app: App = W.the_world(W.an_app())
        self.token = W.session(self.app, W.B, W.at(9))

    def valid(self, name: str) -> object:
        values: dict[str, object] = {
            "token": self.token,
            "at": W.at(9, 1),
            "account_no": "B1",
            "contract_no": "HT03",
            "application_id": "M-B-1",
            "card_number": W.CARD_B,
            "number": W.CARD_B,
            "start": date(2018, 1, 1),
            "end": date(2019, 1, 1),
            "on": date(2018, 5, 29),
            "kind": "retirement",
            "amount": "100",
            "facts": WithdrawalFacts(),
            "strategy": "keep-term",
            "from_hpf": "0",
            "category": "申请单",
            "filename": "a.jpg",
            "content": b"page",
            "identifier": W.B.phone,
            "password": W.NEW_PASSWORD,
            "principal": "100000",
            "annual_rate": "0.0325",
            "months": 120,
            "term_months": 120,
            "method": "equal-installment",
            "latitude": "47.85",
            "longitude": "88.13",
            "new_phone": "13500135000",
            "code": W.CODE,
        }
        return values.get(name, "x")


@pytest.fixture(scope="module")
def world() -> World:
    return World()


FUNCTIONS = [name for name in portal.__all__ if inspect.isfunction(getattr(portal, name))]


@pytest.mark.parametrize("name", FUNCTIONS)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_only_typed_errors_escape(world: World, name: str, data: st.DataObject) -> None:
    function = getattr(portal, name)
    args: list[object] = []
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(function).parameters.values():
        if param.name in BOUND:
            continue
        if param.default is not param.empty and data.draw(st.booleans(), label=f"skip {param.name}"):
            continue
        if data.draw(st.booleans(), label=f"wrong {param.name}"):
            value = data.draw(st.sampled_from(WRONG), label=param.name)
        else:
            value = world.valid(param.name)
        if param.kind is param.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    try:
        getattr(world.app.portal, name)(*args, **kwargs)
    except HpfError:
        pass
    except Exception as exc:
        raise AssertionError(f"{name} raised a bare {type(exc).__name__}: {exc}") from exc
