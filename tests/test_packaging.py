"""What the sdist and the wheel hold (issue #17, D-064).

Without a build: every file under ``src/`` that is not a module of a package (policies,
centre files, migrations, schemas, ``py.typed``) must match a ``package-data`` pattern of
``pyproject.toml``, or the wheel would leave it out silently. With a build — ``.ci/run``
builds both and sets ``HPF_WHEEL`` and ``HPF_SDIST`` — the archives themselves are read:
the wheel must hold exactly the source tree's files, the sdist every one of them, and the
wheel's metadata the runtime dependencies alone and the Python classifiers."""

from __future__ import annotations

import os
import re
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGES = ("hpf_core", "hpf_adapters")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def source_files() -> set[str]:
    """Every file of the two packages, as a path inside the wheel (``hpf_core/money.py``)."""
    found: set[str] = set()
    for package in PACKAGES:
        for path in (SRC / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(path.relative_to(SRC).as_posix())
    return found


def is_module(relative: str) -> bool:
    """A ``.py`` file in a directory with ``__init__.py``: setuptools finds it as a module."""
    path = SRC / relative
    return path.suffix == ".py" and (path.parent / "__init__.py").exists()


def declared(relative: str) -> bool:
    package, _, inside = relative.partition("/")
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"].get(package, [])
    return any(fnmatch(inside, p) and inside.count("/") == p.count("/") for p in patterns)


class TestWithoutABuild:
    def test_the_tree_has_the_data_the_issue_names(self) -> None:
        files = source_files()
        assert any(re.fullmatch(r"hpf_adapters/policies/\w+\.toml", f) for f in files)
        assert any(re.fullmatch(r"hpf_adapters/centers/\w+\.toml", f) for f in files)
        assert any(re.fullmatch(r"hpf_adapters/sql/migrations/versions/\w+\.py", f) for f in files)

    def test_every_data_file_is_declared_package_data(self) -> None:
        data = sorted(f for f in source_files() if not is_module(f))
        assert "hpf_adapters/sql/migrations/env.py" in data  # not a package: it needs a pattern
        missing = [f for f in data if not declared(f)]
        assert not missing, f"add these to [tool.setuptools.package-data]: {missing}"

    def test_the_classifiers_name_every_supported_python(self) -> None:
        project = PYPROJECT["project"]
        assert project["requires-python"] == ">=3.11"
        versions = sorted(
            c.rsplit(" ", 1)[1] for c in project["classifiers"] if re.fullmatch(r".*:: 3\.\d+", c)
        )
        assert versions == ["3.11", "3.12", "3.13"]

    def test_build_and_twine_are_in_the_dev_extra(self) -> None:
        dev = {
            re.split(r"[<>=\[ ]", r, maxsplit=1)[0]
            for r in PYPROJECT["project"]["optional-dependencies"]["dev"]
        }
        assert {"build", "twine"} <= dev


def archive(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"{variable} is not set: .ci/run sets it after building the sdist and the wheel")
    return Path(value)


class TestTheBuiltArchives:
    def test_the_wheel_holds_exactly_the_source_tree(self) -> None:
        with zipfile.ZipFile(archive("HPF_WHEEL")) as wheel:
            names = {n for n in wheel.namelist() if ".dist-info/" not in n}
        assert names == source_files()

    def test_the_wheel_s_metadata(self) -> None:
        with zipfile.ZipFile(archive("HPF_WHEEL")) as wheel:
            meta_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            meta = Parser().parsestr(wheel.read(meta_name).decode("utf-8"))
            entry_points = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
            scripts = wheel.read(entry_points).decode("utf-8")
        assert meta["Name"] == "hpf"
        assert meta["Requires-Python"] == ">=3.11"
        runtime = sorted(r.split(">")[0] for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r)
        assert runtime == ["attrs", "python-dateutil"]
        classifiers = meta.get_all("Classifier") or []
        for minor in ("3.11", "3.12", "3.13"):
            assert f"Programming Language :: Python :: {minor}" in classifiers
        assert "hpf = hpf_adapters.cli:main" in scripts
        assert meta["Description-Content-Type"] == "text/markdown"

    def test_the_sdist_holds_the_source_tree(self) -> None:
        with tarfile.open(archive("HPF_SDIST")) as sdist:
            names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
        inside = {n.removeprefix("src/") for n in names if n.startswith("src/hpf_")}
        missing = sorted(source_files() - inside)
        assert not missing, missing
        assert {"pyproject.toml", "README.md"} <= names
