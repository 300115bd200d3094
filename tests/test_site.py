"""The documentation site (issue #17, D-060): ``mkdocs.yml`` lists every page, notebook and
API module, the griffe extension fences doctests, and — when the ``docs`` extra is
installed — ``mkdocs build --strict`` passes and renders the notebooks with their plots.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CONFIG = ROOT / "mkdocs.yml"


def nav_targets() -> list[str]:
    """Every ``Title: path`` of the nav (the file has a ``!!python`` tag, so no safe_load)."""
    text = CONFIG.read_text(encoding="utf-8").split("\nnav:\n", 1)[1]
    return re.findall(r"^\s*- [^:\n]+: (\S+\.(?:md|ipynb))\s*$", text, re.MULTILINE)


def api_modules() -> tuple[str, ...]:
    """``API_MODULES`` of tests/test_docs.py (the modules docs/api.md documents)."""
    tree = ast.parse((ROOT / "tests" / "test_docs.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "API_MODULES" for t in node.targets
        ):
            value: tuple[str, ...] = ast.literal_eval(node.value)
            return value
    raise AssertionError("tests/test_docs.py has no API_MODULES")


class TestConfig:
    def test_every_page_and_notebook_is_in_the_nav(self) -> None:
        targets = set(nav_targets())
        pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
        notebooks = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.ipynb")}
        notebooks = {n for n in notebooks if ".ipynb_checkpoints" not in n}
        assert pages | notebooks == targets

    def test_every_documented_module_has_a_reference_page_generated_from_its_docstrings(self) -> None:
        for module in api_modules():
            page = DOCS / "reference" / f"{module}.md"
            assert page.is_file(), f"docs/reference/{module}.md is missing (one line: ::: {module})"
            assert f"\n::: {module}\n" in page.read_text(encoding="utf-8")

    def test_the_build_is_strict_and_the_changelog_is_the_repository_one(self) -> None:
        text = CONFIG.read_text(encoding="utf-8")
        assert "\nstrict: true\n" in text
        assert (DOCS / "changelog.md").read_text(encoding="utf-8").strip() == '--8<-- "CHANGELOG.md"'


def load_extension() -> Any:
    pytest.importorskip("griffe")
    spec = importlib.util.spec_from_file_location("griffe_doctest", ROOT / "tools" / "griffe_doctest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestDoctestFences:
    def test_a_doctest_block_is_fenced_and_the_prose_is_kept(self) -> None:
        fence = load_extension().fence_doctests
        text = "Intro.\n\n>>> a = 1\n>>> a\n1\n\nAfter.\n    >>> b\n    2"
        assert fence(text) == (
            "Intro.\n\n```pycon\n>>> a = 1\n>>> a\n1\n```\n\nAfter.\n    ```pycon\n    >>> b\n    2\n    ```"
        )

    def test_text_without_examples_is_unchanged(self) -> None:
        assert load_extension().fence_doctests("One.\n\nTwo.") == "One.\n\nTwo."


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="needs the docs extra")
def test_the_site_builds_with_strict(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env["NO_MKDOCS_2_WARNING"] = "1"
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(CONFIG), "-d", str(site)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    reference = (site / "reference" / "hpf_core.loans" / "index.html").read_text(encoding="utf-8")
    assert "amortize" in reference
    assert '<span class="gp">&gt;&gt;&gt; </span>' in reference, "doctests are highlighted code"
    assert "<blockquote>" not in reference, "a doctest rendered as a quote"
    for module in api_modules():
        page = (site / "reference" / module / "index.html").read_text(encoding="utf-8")
        shown = set(re.findall(rf'id="{re.escape(module)}\.(\w+)"', page))
        missing = set(importlib.import_module(module).__all__) - shown
        assert not missing, f"{module}: no entry on its reference page for {sorted(missing)}"
    for notebook in sorted((DOCS / "notebooks").glob("*.ipynb")):
        page = (site / "notebooks" / notebook.stem / "index.html").read_text(encoding="utf-8")
        assert "Traceback" not in page
    pictures = [
        notebook.stem
        for notebook in sorted((DOCS / "notebooks").glob("*.ipynb"))
        if "data:image/png;base64" in (site / "notebooks" / notebook.stem / "index.html").read_text("utf-8")
    ]
    assert "loan-pictures" in pictures, "the pictures notebook shows no plot"
    page = (site / "notebooks" / "loan-pictures" / "index.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64") >= 5  # one plot per section 1-4, two in 1
    # a Schedule in a notebook cell shows as the HTML table, with its totals row
    assert '<table class="hpf-table">' in page
    assert "合计 Total" in page
