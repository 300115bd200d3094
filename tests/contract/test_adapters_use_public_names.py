"""The adapters this part owns (memory, sms, security, wiring) import only public
``hpf_core`` modules: a private module's layout may change without notice."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ADAPTERS = Path(__file__).resolve().parents[2] / "src" / "hpf_adapters"
OWNED = sorted(
    [
        *(ADAPTERS / "memory").glob("*.py"),
        ADAPTERS / "sms.py",
        ADAPTERS / "security.py",
        ADAPTERS / "wiring.py",
    ]
)


@pytest.mark.parametrize("path", OWNED, ids=lambda p: str(p.relative_to(ADAPTERS)))
def test_no_private_hpf_core_module_is_imported(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hpf_core"):
            assert not any(part.startswith("_") for part in node.module.split(".")), (
                f"{path.name}:{node.lineno} imports {node.module}"
            )
