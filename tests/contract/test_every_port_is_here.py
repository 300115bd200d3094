"""Every ``Protocol`` of the core is defined in ``hpf_core.ports`` (a package) and exported
from it, and has a contract module in this folder."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
CONTRACTS = Path(__file__).resolve().parent


def protocols_defined(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id == "Protocol" for b in node.bases)
        and not node.name.startswith("_")
    ]


# Protocols that are not ports (nothing outside the core implements them), each with why.
NOT_PORTS = {
    "CentrePolicyLike": "a typing shim against an import cycle; the withdrawals work of issue #9 removes it",
}


class TestEveryPortIsHere:
    def test_no_public_protocol_is_defined_outside_the_ports_package(self) -> None:
        outside = [
            f"{path.relative_to(SRC)}: {name}"
            for path in sorted((SRC / "hpf_core").rglob("*.py"))
            if "ports" not in path.relative_to(SRC / "hpf_core").parts
            for name in protocols_defined(path)
            if name not in NOT_PORTS
        ]
        assert outside == []

    def test_every_port_is_exported_from_hpf_core_ports(self) -> None:
        ports = importlib.import_module("hpf_core.ports")
        defined = {
            name for path in (SRC / "hpf_core" / "ports").glob("*.py") for name in protocols_defined(path)
        }
        assert len(defined) >= 20
        assert defined <= set(ports.__all__)

    def test_every_port_has_a_contract_module(self) -> None:
        text = " ".join(p.read_text(encoding="utf-8") for p in CONTRACTS.glob("test_*.py"))
        ports = {
            name for path in (SRC / "hpf_core" / "ports").glob("*.py") for name in protocols_defined(path)
        }
        untested = sorted(name for name in ports if not re.search(rf"\b{name}\b", text))
        assert untested == [], f"no contract module mentions {untested}"
