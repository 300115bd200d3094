"""The layering rules of ARCHITECTURE.md and the public API promises of API.md."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
CORE = SRC / "hpf_core"

# What hpf_core may import at all: the standard library's pure parts, attrs, dateutil.
FORBIDDEN = {
    "hpf_adapters",
    "sqlite3",
    "psycopg",
    "psycopg2",
    "redis",
    "httpx",
    "requests",
    "urllib",
    "http",
    "socket",
    "ssl",
    "asyncio",
    "subprocess",
    "multiprocessing",
    "threading",
    "os",
    "io",
    "pathlib",
    "shutil",
    "tempfile",
    "logging",
    "time",
    "random",
    "secrets",
    "importlib",
}
# Third-party imports allowed, and where.
ALLOWED_THIRD_PARTY = {
    "attrs": None,
    "dateutil": {"dates.py"},
    "hypothesis": {"testing"},
    "numpy": {"_batch.py", "_batch_numpy.py"},
    # data frames on request (Schedule.to_pandas / to_polars, D-060), imported on use
    "pandas": {"_render.py"},
    "polars": {"_render.py"},
    # record batches on request (ScheduleBatch.to_arrow, issue #16, D-065), imported on use
    "pyarrow": {"_batch.py"},
}


def imports_of(path: Path) -> list[tuple[str, int, bool]]:
    """(top-level module, line, imported at module level?) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(
                (alias.name.split(".")[0], node.lineno, id(node) in top_level) for alias in node.names
            )
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module.split(".")[0], node.lineno, id(node) in top_level))
    return found


CORE_FILES = sorted(CORE.rglob("*.py"))


class TestCoreImports:
    @pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(SRC)))
    def test_hpf_core_imports_no_adapter_and_no_io_module(self, path: Path) -> None:
        for module, line, _ in imports_of(path):
            assert module not in FORBIDDEN, f"{path.relative_to(SRC)}:{line} imports {module}"

    @pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(SRC)))
    def test_third_party_imports_stay_where_they_belong(self, path: Path) -> None:
        stdlib = sys.stdlib_module_names
        for module, line, top in imports_of(path):
            if module in stdlib or module == "hpf_core":
                continue
            assert module in ALLOWED_THIRD_PARTY, f"{path.relative_to(SRC)}:{line} imports {module}"
            places = ALLOWED_THIRD_PARTY[module]
            if places is not None:
                assert any(part in places for part in path.relative_to(CORE).parts), (
                    f"{path.relative_to(SRC)}:{line}: {module} is only for {places}"
                )
            if module in {"numpy", "pandas", "polars", "pyarrow"}:
                assert not top, f"{path.relative_to(SRC)}:{line}: {module} is optional, import it on use"

    def test_importing_the_core_loads_no_optional_or_io_module(self) -> None:
        code = (
            "import sys, hpf_core, hpf_core.loans, hpf_core.calculators, hpf_core.policy, hpf_core.money;"
            "bad = {'numpy', 'hypothesis', 'sqlite3', 'socket', 'hpf_adapters', 'pandas', 'polars',"
            " 'pyarrow'}"
            " & set(sys.modules);"
            "print(sorted(bad))"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert done.stdout.strip() == "[]"


PUBLIC = [
    "hpf_core",
    "hpf_core.money",
    "hpf_core.dates",
    "hpf_core.errors",
    "hpf_core.loans",
    "hpf_core.accounts",
    "hpf_core.accounts.services",
    "hpf_core.loans.services",
    "hpf_core.withdrawals.services",
    "hpf_core.identity",
    "hpf_core.idempotency",
    "hpf_core.ports",
    "hpf_core.calculators",
    "hpf_core.members",
    "hpf_core.centers",
    "hpf_core.policy",
    "hpf_core.testing",
    "hpf_core.withdrawals",
    "hpf_adapters",
    "hpf_adapters.centers",
    "hpf_adapters.cli",
    "hpf_adapters.memory",
    "hpf_adapters.payments",
    "hpf_adapters.policies",
    "hpf_adapters.security",
    "hpf_adapters.sms",
    "hpf_adapters.wiring",
    "hpf_core.notices",
    "hpf_core.backoffice",
    "hpf_adapters.relay",
    "hpf_adapters.iso20022",
    "hpf_adapters.documents",
    "hpf_adapters.pytest_plugin",  # issue #19, the testing kit (D-062)
]


def sort_key(name: str) -> tuple[int, str]:
    """isort-style order, as ruff's RUF022 keeps it: CONSTANTS, Classes, functions."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def defined_at_top_level(path: Path) -> set[str]:
    """Public names a source file defines itself: functions, classes, assignments."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


def owned_names(module: ModuleType) -> set[str]:
    """What a public module must export: the public names it defines, and for a package
    the public names of its private ``_x.py`` modules that it imports."""
    file = Path(str(module.__file__))
    owned = defined_at_top_level(file)
    if file.name == "__init__.py":
        for private in file.parent.glob("_*.py"):
            if private.name != "__init__.py":
                owned |= defined_at_top_level(private) & set(vars(module))
    return owned


class TestPublicApi:
    @pytest.mark.parametrize("name", PUBLIC)
    def test_all_is_sorted(self, name: str) -> None:
        exported = list(importlib.import_module(name).__all__)
        assert exported == sorted(exported, key=sort_key)

    @pytest.mark.parametrize("name", PUBLIC)
    def test_all_is_complete_and_every_entry_exists(self, name: str) -> None:
        module = importlib.import_module(name)
        exported = set(module.__all__)
        assert all(hasattr(module, entry) for entry in exported)
        missing = owned_names(module) - exported
        assert not missing, f"{name} defines public names missing from __all__: {sorted(missing)}"

    def test_the_names_api_md_promises_exist(self) -> None:
        from hpf_core import calculators, loans, money

        for module, names in (
            (money, ["yuan", "round_fen", "percent"]),
            (
                loans,
                [
                    "amortize",
                    "prepay",
                    "amortize_many",
                    "hpf_loan_rate",
                    "RepaymentMethod",
                    "PrepaymentStrategy",
                    "HomeOrder",
                    "Schedule",
                    "Installment",
                    "ScheduleBatch",
                    "PrepaymentResult",
                ],
            ),
            (calculators, ["mortgage_quote", "combined_quote", "Quote", "CombinedQuote"]),
        ):
            for name in names:
                assert name in module.__all__, f"{module.__name__}.{name}"
