"""The seams of issue #9, checked on the code itself: no import cycle (counting the imports
made for the type checker only, D-041) and every module safe to import first, adapters and
tests use only public names, no module over 700 lines, one refusal shape across the public
surface."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import attrs
import pytest

from hpf_core.errors import Violation

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGES = ("hpf_core", "hpf_adapters")
MAX_LINES = 700


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


SOURCE_FILES = sorted(p for package in PACKAGES for p in (SRC / package).rglob("*.py"))
MODULES = {module_name(p): p for p in SOURCE_FILES}


TYPE_CHECKING_TESTS = {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


def imports_in(source: str, here: str, *, is_package: bool, runtime_only: bool) -> Iterator[tuple[str, int]]:
    """Every module of ``src/`` that the source of module ``here`` imports (at any level of
    the file, lazy imports included), by full name; ``from package import name`` counts as
    importing ``package.name`` when that is a module. Imports under ``if TYPE_CHECKING:``
    count too unless ``runtime_only``: a structure tool reads every import, and decision
    D-041 keeps the graph acyclic with them (records below the ports, functions above)."""
    package = here if is_package else here.rpartition(".")[0]
    tree = ast.parse(source)
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if runtime_only and isinstance(node, ast.If) and ast.unparse(node.test) in TYPE_CHECKING_TESTS
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:
                    yield sub, node.lineno
                elif target in MODULES:
                    yield target, node.lineno


def import_graph(*, runtime_only: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of ``src/`` it imports; with ``runtime_only``, leaving out the
    imports made for the type checker only."""
    graph = {}
    for name, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        found = imports_in(source, name, is_package=path.name == "__init__.py", runtime_only=runtime_only)
        graph[name] = {target for target, _ in found if target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_first(module: str, path: Path = SRC) -> subprocess.CompletedProcess[str]:
    """Import ``module`` first thing in a fresh interpreter with ``path`` on ``sys.path``."""
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, env=env, check=False
    )


FIRST_IMPORTS = [
    "hpf_core.ports",
    "hpf_core.members",
    "hpf_core.centers",
    "hpf_core.members._codes",
    "hpf_adapters.wiring",
]
"""Modules whose import order once mattered (the member records, the ports that exchange
them, the functions that call the ports, and the composition root over all of them)."""


class TestImportGraph:
    def test_the_cycle_finder_finds_a_cycle(self) -> None:
        graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
        assert cycles(graph) == [["a", "b", "c"]]
        assert cycles({"a": {"b"}, "b": set()}) == []

    def test_the_graph_sees_relative_and_from_imports(self) -> None:
        graph = import_graph()
        assert "hpf_core.errors" in graph["hpf_core.money"]
        assert "hpf_core.loans" in graph["hpf_adapters.cli"]

    def test_type_checking_imports_count_unless_runtime_only(self) -> None:
        source = (
            "from typing import TYPE_CHECKING\n"
            "from hpf_core.errors import refusal\n"
            "if TYPE_CHECKING:\n"
            "    from hpf_core.ports import CodeSource\n"
            "    from . import _records\n"
        )

        def edges(runtime_only: bool) -> set[str]:
            found = imports_in(source, "hpf_core.members._x", is_package=False, runtime_only=runtime_only)
            return {target for target, _ in found}

        assert edges(runtime_only=False) == {"hpf_core.errors", "hpf_core.ports", "hpf_core.members._records"}
        assert edges(runtime_only=True) == {"hpf_core.errors"}

    def test_the_member_functions_name_the_ports_for_the_type_checker_only(self) -> None:
        full, runtime = import_graph(), import_graph(runtime_only=True)
        assert "hpf_core.ports" in full["hpf_core.members._codes"]
        assert "hpf_core.ports" not in runtime["hpf_core.members._codes"]
        assert "hpf_core.members._records" in runtime["hpf_core.ports._members"]

    def test_no_import_cycle_in_src_counting_type_checking_imports(self) -> None:
        found = cycles(import_graph())
        assert not found, f"import cycles: {found}"

    def test_no_import_cycle_in_src_at_runtime(self) -> None:
        found = cycles(import_graph(runtime_only=True))
        assert not found, f"import cycles: {found}"

    def test_the_record_modules_import_no_port_and_no_function_module(self) -> None:
        graph = import_graph()
        for records in ("hpf_core.members._records", "hpf_core.centers._records"):
            # a record module may use another record module (a bound identity names its
            # verification method, D-048), never a port or a function module
            below = {"hpf_core.errors", "hpf_core.identity", "hpf_core.centers._records"}
            assert graph[records] <= below - {records}, records


class TestImportOrder:
    def test_a_fresh_interpreter_reports_an_import_order_failure(self, tmp_path: Path) -> None:
        package = tmp_path / "circle"
        package.mkdir()
        (package / "__init__.py").write_text("from circle.b import B\nA = 1\n")
        (package / "b.py").write_text("from circle import A\nB = A\n")
        done = import_first("circle", tmp_path)
        assert done.returncode != 0
        assert "partially initialized module 'circle'" in done.stderr

    @pytest.mark.parametrize("module", FIRST_IMPORTS)
    def test_the_module_imports_first_in_a_fresh_interpreter(self, module: str) -> None:
        done = import_first(module)
        assert done.returncode == 0, done.stderr


def is_private(module: str) -> bool:
    return any(part.startswith("_") and part != "__init__" for part in module.split("."))


def private_imports(path: Path) -> list[str]:
    """The private ``hpf_core`` modules a file outside ``hpf_core`` imports."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
        else:
            continue
        out += [
            f"{path.relative_to(ROOT)}:{node.lineno} {name}"
            for name in names
            if name.split(".")[0] == "hpf_core" and is_private(name)
        ]
    return out


OUTSIDE_CORE = sorted([*(SRC / "hpf_adapters").rglob("*.py"), *(ROOT / "tests").rglob("*.py")])
"""Adapters and tests (a benchmark may profile a private kernel on purpose)."""


class TestPublicNamesOnly:
    def test_the_checker_sees_a_private_import(self, tmp_path: Path) -> None:
        probe = ROOT / "tests" / "_probe_private_import.py"
        probe.write_text("from hpf_core.loans._amortize import amortize\nimport hpf_core.money\n")
        try:
            assert private_imports(probe) == ["tests/_probe_private_import.py:1 hpf_core.loans._amortize"]
        finally:
            probe.unlink()

    @pytest.mark.parametrize("path", OUTSIDE_CORE, ids=lambda p: str(p.relative_to(ROOT)))
    def test_adapters_and_tests_import_only_public_core_modules(self, path: Path) -> None:
        assert private_imports(path) == []


class TestModuleSize:
    @pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: str(p.relative_to(SRC)))
    def test_no_module_over_700_lines(self, path: Path) -> None:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= MAX_LINES, f"{path.relative_to(SRC)} has {lines} lines"


# --------------------------------------------------------------------------- refusals

PUBLIC_MODULES = sorted(
    name
    for name in MODULES
    if not is_private(name) and name.startswith("hpf_core") and not name.startswith("hpf_core.testing")
)

REPORTS = {"Assessment", "OffsetSkip"}
"""Records that list reasons without refusing anything: an eligibility assessment, a signer
the monthly offset passed over. The one place a ``Violation`` is data (decision D-035)."""

RULE_CHECKS = re.compile(r"hpf_core\.(withdrawals\.kinds\.\w+|ports\.KindModule)\.check$")
"""A withdrawal kind's ``check``: it hands ``assess`` the reasons its report lists."""


def public_callables() -> Iterator[tuple[str, Callable[..., object]]]:
    seen: set[int] = set()
    for name in PUBLIC_MODULES:
        module: ModuleType = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            value = getattr(module, attr)
            if id(value) in seen:
                continue
            seen.add(id(value))
            if inspect.isfunction(value):
                yield f"{name}.{attr}", value
            elif inspect.isclass(value):
                for meth_name, meth in vars(value).items():
                    if inspect.isfunction(meth) and not meth_name.startswith("_"):
                        yield f"{name}.{attr}.{meth_name}", meth


def mentions_violation(annotation: object) -> bool:
    if annotation is Violation:
        return True
    if inspect.isclass(annotation) and annotation.__name__ in REPORTS:
        return False
    return any(mentions_violation(arg) for arg in typing.get_args(annotation))


ALL_CALLABLES = sorted(public_callables())
CALLABLES = [(name, f) for name, f in ALL_CALLABLES if not RULE_CHECKS.match(name)]

NAMESPACE: dict[str, object] = {}
for _module in PUBLIC_MODULES:
    NAMESPACE.update(
        {k: getattr(importlib.import_module(_module), k) for k in importlib.import_module(_module).__all__}
    )
"""Every public name, to resolve the annotations that name a port imported for the type checker
only (the member and centre functions, D-041)."""


def hints_of(function: object) -> dict[str, object]:
    try:
        return typing.get_type_hints(function)
    except NameError:  # a name imported for the type checker only
        return typing.get_type_hints(function, localns=NAMESPACE)


class TestOneRefusalShape:
    def test_the_walker_finds_the_public_surface(self) -> None:
        names = {name for name, _ in CALLABLES}
        assert {
            "hpf_core.loans.amortize",
            "hpf_core.withdrawals.assess",
            # functions that returned violations before D-035
            "hpf_core.accounts.debit",
            "hpf_core.accounts.apply_event",
            "hpf_core.members.change_password",
            "hpf_core.members.touch",
            "hpf_core.members.PhoneChange.confirm",
            "hpf_core.members.issue",
            "hpf_core.centers.first_login_allowed",
            "hpf_core.loans.repay",
            "hpf_core.withdrawals.submit",
        } <= names
        assert len(names) > 150

    def test_only_the_withdrawal_kinds_checks_are_set_aside(self) -> None:
        set_aside = {name for name, _ in ALL_CALLABLES if RULE_CHECKS.match(name)}
        kinds = {p.stem for p in (SRC / "hpf_core" / "withdrawals" / "kinds").glob("[a-z]*.py")}
        expected = {f"hpf_core.withdrawals.kinds.{k}.check" for k in kinds}
        assert set_aside == expected | {"hpf_core.ports.KindModule.check"}

    def test_the_check_sees_a_violation_in_a_return_type(self) -> None:
        assert mentions_violation(tuple[int, tuple[Violation, ...]])
        assert mentions_violation(int | Violation)
        assert not mentions_violation(tuple[int, str])

    @pytest.mark.parametrize(("name", "function"), CALLABLES, ids=[name for name, _ in CALLABLES])
    def test_no_public_function_returns_a_violation(self, name: str, function: Callable[..., object]) -> None:
        hints = hints_of(function)
        assert not mentions_violation(hints.get("return")), f"{name} returns violations: raise refusal()"

    def test_only_reports_carry_violations(self) -> None:
        carriers = set()
        for name in PUBLIC_MODULES:
            module = importlib.import_module(name)
            for attr in getattr(module, "__all__", ()):
                value = getattr(module, attr)
                if inspect.isclass(value) and attrs.has(value):
                    hints = hints_of(value)
                    if any(mentions_violation(hint) for hint in hints.values()):
                        carriers.add(value.__name__)
        assert carriers <= REPORTS | {"Refused"}, carriers - REPORTS
