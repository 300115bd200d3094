"""D-035/D-038: no public function or method of accounts, members, centres or the policy
parser returns a ``Violation`` (alone, in a tuple or in a union): a refusal raises.

The SMS-code functions of ``members/_codes.py`` are checked by the ports work (issue #9)."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterator

import pytest

import hpf_core.accounts
import hpf_core.accounts.services
import hpf_core.centers
import hpf_core.members
import hpf_core.policy
from hpf_core.errors import Violation

MODULES = [hpf_core.accounts, hpf_core.accounts.services, hpf_core.centers, hpf_core.members, hpf_core.policy]
NOT_MINE = "hpf_core.members._codes"


def _mentions_violation(annotation: object) -> bool:
    if annotation is Violation:
        return True
    return any(_mentions_violation(arg) for arg in typing.get_args(annotation))


def _callables() -> Iterator[tuple[str, Callable[..., object]]]:
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if getattr(obj, "__module__", "") == NOT_MINE:
                continue
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj):
                for method_name, method in vars(obj).items():
                    if inspect.isfunction(method) and not method_name.startswith("_"):
                        yield f"{module.__name__}.{name}.{method_name}", method


CALLABLES = dict(_callables())


def test_the_walk_finds_the_functions_that_used_to_return_violations() -> None:
    for name in (
        "hpf_core.accounts.debit",
        "hpf_core.accounts.apply_event",
        "hpf_core.members.change_password",
        "hpf_core.members.touch",
        "hpf_core.members.PhoneChange.confirm",
        "hpf_core.centers.first_login_allowed",
    ):
        assert name in CALLABLES


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_no_public_function_returns_a_violation(name: str) -> None:
    function = CALLABLES[name]
    module = inspect.getmodule(function)
    namespace = dict(vars(module)) if module else {}
    hints = typing.get_type_hints(function, globalns=namespace, localns={"Violation": Violation})
    returned = hints.get("return", types.NoneType)
    assert not _mentions_violation(returned), f"{name} returns {returned}"


def test_the_posting_outcome_alias_holds_no_violation() -> None:
    assert not _mentions_violation(hpf_core.accounts.PostingOutcome)
