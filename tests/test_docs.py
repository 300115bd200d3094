"""Docs that cannot drift from the code.

- every notebook in ``docs/notebooks`` runs top to bottom, in this interpreter;
- ``docs/rates.md`` prints exactly the rows of the code's rate tables, and resolves every
  source key they use;
- every ``>>>`` example in the docs prints what the page says, and every ``$ hpf ...``
  block shows lines the command really prints;
- ``docs/api.md`` has an entry for every public name, with the signature the code has;
- every ``hpf_...`` name the glossary points to exists.
"""

from __future__ import annotations

import doctest
import enum
import importlib
import inspect
import json
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from hpf_core.loans import (
    BENCHMARK_TABLE,
    HPF_RATE_GAPS,
    HPF_RATE_TABLE,
    LPR_TABLE,
    LPR_VERIFIED_THROUGH,
    RepricingRule,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = sorted((DOCS / "notebooks").glob("*.ipynb"))
PAGES = sorted(DOCS.glob("*.md"))

# The modules whose ``__all__`` docs/api.md documents, in the order of the page.
API_MODULES = (
    "hpf_core.money",
    "hpf_core.dates",
    "hpf_core.errors",
    "hpf_core.loans",
    "hpf_core.calculators",
    "hpf_core.policy",
    "hpf_core.testing",
    "hpf_adapters.cli",
    "hpf_adapters.policies",
)


# --------------------------------------------------------------------------- markdown


def read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def fenced_blocks(text: str, language: str) -> Iterator[tuple[int, str]]:
    """``(line of the first body line, body)`` for every ```language fenced block."""
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == f"```{language}":
            start = index + 1
            end = start
            while lines[end].strip() != "```":
                end += 1
            yield start + 1, "\n".join(lines[start:end]) + "\n"
            index = end
        index += 1


def tables_after(text: str, header: str) -> list[list[str]]:
    """The body rows of every markdown table whose header line is exactly ``header``."""
    lines = text.splitlines()
    rows: list[list[str]] = []
    for index, line in enumerate(lines):
        if line != header:
            continue
        for row in lines[index + 2 :]:  # skip the |---| line
            if not row.startswith("|"):
                break
            rows.append([cell.strip() for cell in row.strip().strip("|").split("|")])
    return rows


def table_after(text: str, header: str) -> list[list[str]]:
    """The body rows of the one markdown table whose header line is exactly ``header``."""
    assert text.splitlines().count(header) == 1, f"expected one table headed {header!r}"
    return tables_after(text, header)


def section(text: str, title: str) -> str:
    """The text of the ``## title`` section, up to the next level-2 heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match is not None, f"no section '## {title}'"
    return match.group(1)


# --------------------------------------------------------------------------- notebooks


def write_kernel_spec(folder: Path) -> None:
    """A ``python3`` kernel spec that runs ipykernel in *this* interpreter.

    It goes first on ``JUPYTER_PATH``, so neither a user-level kernel spec nor a missing
    ``python -m ipykernel install`` can send the notebook to another Python.
    """
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (hpf tests)",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")


def load_notebook(path: Path) -> Any:
    import nbformat

    reader: Callable[..., Any] = nbformat.read
    return reader(path, as_version=4)


class TestNotebooks:
    def test_there_is_a_notebook_to_run(self) -> None:
        assert NOTEBOOKS, "docs/notebooks has no .ipynb"

    @pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
    def test_a_notebook_runs_top_to_bottom_in_this_interpreter(
        self, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import nbformat
        from nbclient import NotebookClient

        write_kernel_spec(tmp_path / "jupyter")
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
        monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # no platformdirs migration warning
        monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
        monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))

        notebook = load_notebook(path)
        new_code_cell: Callable[[str], Any] = nbformat.v4.new_code_cell
        notebook.cells.append(new_code_cell("import sys\nprint(sys.prefix)"))
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=120,
            resources={"metadata": {"path": str(path.parent)}},
        )
        started = time.perf_counter()
        client.execute()  # raises CellExecutionError on the first cell that fails
        elapsed = time.perf_counter() - started

        printed = "".join(o["text"] for o in notebook.cells[-1].outputs if o.get("name") == "stdout")
        assert printed.strip() == sys.prefix, "the notebook ran in another Python"
        print(f"{path.name} ran in {elapsed:.1f} s")

    @pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
    def test_a_notebook_is_stored_without_outputs_and_with_the_python3_kernel(self, path: Path) -> None:
        import nbformat

        notebook = load_notebook(path)
        nbformat.validate(notebook)
        assert notebook.metadata["kernelspec"]["name"] == "python3"
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == []
                assert cell.execution_count is None


# --------------------------------------------------------------------------- rates.md


def cell(value: Decimal | None) -> str:
    return "—" if value is None else str(value)


def keys(sources: str) -> list[str]:
    return [key.strip() for key in sources.split(",")]


def keys_in(text: str) -> set[str]:
    return set(re.findall(r"\bS\d+\b", text))


class TestRatesPage:
    def test_the_hpf_table_lists_exactly_the_rows_of_hpf_rate_table(self) -> None:
        header = "| effective | 1st ≤5y | 1st >5y | 2nd ≤5y | 2nd >5y | source | grade |"
        shown = table_after(read("rates.md"), header)
        expected = [
            [
                row.effective.isoformat(),
                cell(row.first_short),
                cell(row.first_long),
                cell(row.second_short),
                cell(row.second_long),
                row.source,
                row.grade,
            ]
            for row in HPF_RATE_TABLE
        ]
        assert [[*r[:5], ",".join(keys(r[5])), r[6]] for r in shown] == expected

    def test_the_row_notes_are_the_notes_the_code_stores(self) -> None:
        shown = table_after(read("rates.md"), "| effective | note |")
        assert shown == [[row.effective.isoformat(), row.note] for row in HPF_RATE_TABLE if row.note]

    def test_the_lpr_table_lists_exactly_the_rows_of_lpr_table(self) -> None:
        shown = table_after(read("rates.md"), "| effective | 1Y | 5Y+ | source |")
        expected = [
            [row.effective.isoformat(), cell(row.one_year), cell(row.five_year), row.source]
            for row in LPR_TABLE
        ]
        assert [[*r[:3], ",".join(keys(r[3]))] for r in shown] == expected

    def test_the_benchmark_table_lists_exactly_the_rows_of_benchmark_table(self) -> None:
        shown = table_after(read("rates.md"), "| effective | ≤1y | 1–5y | >5y | source |")
        expected = [
            [
                row.effective.isoformat(),
                cell(row.one_year),
                cell(row.one_to_five),
                cell(row.over_five),
                row.source,
            ]
            for row in BENCHMARK_TABLE
        ]
        assert [[*r[:4], ",".join(keys(r[4]))] for r in shown] == expected

    def test_the_gap_table_lists_exactly_hpf_rate_gaps(self) -> None:
        shown = table_after(read("rates.md"), "| from | to | why |")
        assert shown == [[a.isoformat(), b.isoformat(), why] for a, b, why in HPF_RATE_GAPS]

    def test_lpr_verified_through_is_the_date_the_code_holds(self) -> None:
        found = re.findall(r"`LPR_VERIFIED_THROUGH` = (\d{4}-\d{2}-\d{2})", read("rates.md"))
        assert found == [LPR_VERIFIED_THROUGH.isoformat()]

    def test_every_source_key_the_code_uses_is_resolved_in_the_sources_section(self) -> None:
        from hpf_adapters.policies import available, load_policy, policy_text

        used = {key for row in HPF_RATE_TABLE for key in keys(row.source)}
        used |= {key for row in LPR_TABLE for key in keys(row.source)}
        used |= {key for row in BENCHMARK_TABLE for key in keys(row.source)}
        used |= keys_in(RepricingRule().source)
        used |= {key for code in available() for key in keys_in(load_policy(code).loans.repricing.source)}
        # the policy files' headers say their [Sxx] keys resolve in docs/rates.md
        used |= {key for code in available() for key in keys_in(policy_text(code))}
        sources = section(read("rates.md"), "Sources")
        resolved = {row[0] for row in table_after(sources, "| key | where | what it supports here |")}
        assert used <= resolved, f"unresolved source keys: {sorted(used - resolved)}"

    def test_every_key_cited_on_the_page_is_resolved_too(self) -> None:
        text = read("rates.md")
        sources = section(text, "Sources")
        resolved = {row[0] for row in table_after(sources, "| key | where | what it supports here |")}
        assert keys_in(text) <= resolved

    def test_every_grade_used_is_in_the_legend(self) -> None:
        legend = {row[0] for row in table_after(read("rates.md"), "| grade | meaning |")}
        assert legend == {"A", "B", "C", "D"}
        used = {part for row in HPF_RATE_TABLE for part in row.grade.split("/")}
        assert used <= legend


# --------------------------------------------------------------------------- examples


def run_examples(path: Path) -> tuple[int, int, str]:
    """Run every ```pycon block of a page in order, in one namespace, as doctests.

    Returns (failures, examples, report); the report names the page and line.
    """
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    globs: dict[str, Any] = {"__name__": f"docs_{path.stem}"}
    report: list[str] = []
    failed = tried = 0
    for line, body in fenced_blocks(path.read_text(encoding="utf-8"), "pycon"):
        test = parser.get_doctest(body, globs, path.name, str(path), line - 1)
        result = runner.run(test, out=report.append, clear_globs=False)
        failed += result.failed
        tried += result.attempted
        globs = test.globs
    return failed, tried, "".join(report)


def shown_lines_match(shown: list[str], actual: list[str]) -> bool:
    """``shown`` is ``actual`` with runs of lines replaced by ``...`` lines."""
    segments: list[list[str]] = [[]]
    for line in shown:
        if line == "...":
            segments.append([])
        else:
            segments[-1].append(line)
    position = 0
    for number, segment in enumerate(segments):
        if not segment:
            continue
        starts = [
            j
            for j in range(position, len(actual) - len(segment) + 1)
            if actual[j : j + len(segment)] == segment
        ]
        if not starts or (number == 0 and starts[0] != 0):
            return False
        position = starts[0] + len(segment)
    return not segments[-1] or position == len(actual)


def hpf_commands(text: str) -> Iterator[tuple[int, list[str], list[str]]]:
    """``(line, argv, shown output lines)`` for every ```console block running ``hpf``."""
    for line, body in fenced_blocks(text, "console"):
        first, *rest = body.rstrip("\n").split("\n")
        if first.startswith("$ hpf "):
            yield line, shlex.split(first[2:])[1:], rest


EXAMPLE_PAGES = [p for p in PAGES if "```pycon" in p.read_text(encoding="utf-8")]


class TestExamples:
    def test_the_guide_has_examples(self) -> None:
        assert DOCS / "guide.md" in EXAMPLE_PAGES

    @pytest.mark.parametrize("path", EXAMPLE_PAGES, ids=lambda p: p.name)
    def test_every_example_prints_what_the_page_says(self, path: Path) -> None:
        failed, tried, report = run_examples(path)
        assert tried > 0
        assert failed == 0, report

    @pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
    def test_every_hpf_command_shows_lines_it_really_prints(self, path: Path) -> None:
        from hpf_adapters.cli import run

        for line, argv, shown in hpf_commands(path.read_text(encoding="utf-8")):
            pinned = "--on" in argv or ("--rate" in argv and "combined" not in argv)
            assert pinned, f"{path.name}:{line}: an example must not depend on today's date"
            actual = run(argv).split("\n")
            assert shown_lines_match(shown, actual), f"{path.name}:{line}: `hpf {shlex.join(argv)}` differs"

    def test_the_line_matcher_needs_the_shown_lines_in_order_and_anchored(self) -> None:
        actual = ["a", "b", "c", "d"]
        assert shown_lines_match(["a", "b", "...", "d"], actual)
        assert shown_lines_match(["...", "c"], actual) is False
        assert shown_lines_match(["...", "c", "..."], actual)
        assert shown_lines_match(["b", "..."], actual) is False
        assert shown_lines_match(["a", "...", "c", "b"], actual) is False


# --------------------------------------------------------------------------- api.md


class _Text:
    """An annotation or default rendered exactly as written in the source."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def signature_text(obj: Callable[..., Any]) -> str:
    """``name(params) -> return`` with annotations as the source writes them.

    Enum defaults show as ``Enum.MEMBER``, class defaults by name, attrs factories as
    ``Factory()``, a bare ``object()`` sentinel as ``_NOTHING``; a class shows its
    constructor, without return.
    """
    signature = inspect.signature(obj)
    factories = attrs.fields_dict(obj) if inspect.isclass(obj) and attrs.has(obj) else {}
    parameters = []
    for parameter in signature.parameters.values():
        annotation: Any = parameter.annotation
        if isinstance(annotation, str):
            annotation = _Text(annotation)
        default: Any = parameter.default
        if default is attrs.NOTHING:
            factory: Any = factories[parameter.name].default  # an attrs.Factory
            default = _Text(f"{factory.factory.__name__}()")
        elif isinstance(default, enum.Enum):
            default = _Text(f"{type(default).__name__}.{default.name}")
        elif inspect.isclass(default) and default is not inspect.Parameter.empty:
            default = _Text(default.__name__)
        elif type(default) is object:
            default = _Text("_NOTHING")
        parameters.append(parameter.replace(annotation=annotation, default=default))
    returns: Any = signature.return_annotation
    if inspect.isclass(obj):
        returns = inspect.Signature.empty
    elif isinstance(returns, str):
        returns = _Text(returns)
    return obj.__name__ + str(signature.replace(parameters=parameters, return_annotation=returns))


def squeeze(text: str) -> str:
    """Compare signatures whatever their line wrapping: no whitespace, no trailing comma."""
    return re.sub(r"\s+", "", text).replace(",)", ")")


def api_entries() -> dict[str, str]:
    """``{"module.name": entry text}`` for every ``### `module.name``` heading of api.md."""
    text = read("api.md")
    found = re.finditer(r"^### `([\w.]+)`\n(.*?)(?=^#{1,3} |\Z)", text, re.M | re.S)
    return {match.group(1): match.group(2) for match in found}


def public_names() -> list[tuple[str, str, Any]]:
    names: list[tuple[str, str, Any]] = []
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        names.extend((module_name, name, getattr(module, name)) for name in module.__all__)
    return names


PUBLIC = public_names()
CALLABLES = [
    item
    for item in PUBLIC
    if (inspect.isfunction(item[2]) or inspect.isclass(item[2]))
    and not (inspect.isclass(item[2]) and issubclass(item[2], enum.Enum))
]
ENUMS = [item for item in PUBLIC if inspect.isclass(item[2]) and issubclass(item[2], enum.Enum)]
ERRORS = [item for item in PUBLIC if inspect.isclass(item[2]) and issubclass(item[2], BaseException)]
CONSTANTS = [item for item in PUBLIC if isinstance(item[2], (Decimal, int, date)) and not callable(item[2])]


def entry_id(item: tuple[str, str, Any]) -> str:
    return f"{item[0]}.{item[1]}"


class TestApiReference:
    @pytest.mark.parametrize("module_name", API_MODULES)
    def test_every_public_name_of_a_module_has_an_entry(self, module_name: str) -> None:
        module = importlib.import_module(module_name)
        missing = [name for name in module.__all__ if f"{module_name}.{name}" not in api_entries()]
        assert not missing, f"docs/api.md has no entry for {missing}"

    def test_the_page_documents_no_name_that_is_not_public(self) -> None:
        public = {entry_id(item) for item in PUBLIC}
        assert set(api_entries()) <= public, sorted(set(api_entries()) - public)

    @pytest.mark.parametrize("item", CALLABLES, ids=entry_id)
    def test_the_signature_shown_is_the_one_the_code_has(self, item: tuple[str, str, Any]) -> None:
        entry = api_entries()[entry_id(item)]
        blocks = list(fenced_blocks(entry, "python"))
        assert blocks, f"{entry_id(item)} has no ```python signature block"
        code = signature_text(item[2])
        assert squeeze(blocks[0][1]) == squeeze(code), f"the code's signature is now:\n{code}"

    @pytest.mark.parametrize("item", ENUMS, ids=entry_id)
    def test_an_enum_entry_lists_every_member_and_value(self, item: tuple[str, str, Any]) -> None:
        entry = api_entries()[entry_id(item)]
        for member in item[2]:
            assert f'`{member.name}` = `"{member.value}"`' in entry, member

    @pytest.mark.parametrize("item", ERRORS, ids=entry_id)
    def test_an_error_entry_shows_its_parents_and_its_code(self, item: tuple[str, str, Any]) -> None:
        entry = api_entries()[entry_id(item)]
        parents = ", ".join(f"`{base.__name__}`" for base in item[2].__bases__)
        assert f"Bases: {parents}." in entry
        code = getattr(item[2], "code", None)
        if code is not None:
            assert f'`code = "{code}"`' in entry

    @pytest.mark.parametrize("item", CONSTANTS, ids=entry_id)
    def test_a_constant_entry_shows_its_value(self, item: tuple[str, str, Any]) -> None:
        entry = api_entries()[entry_id(item)]
        assert f"`{item[1]} = {item[2]!r}`" in entry


# --------------------------------------------------------------------------- glossary


def resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted`` and walk the rest as attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            target = getattr(target, attribute)
        return target
    raise ImportError(dotted)


GLOSSARY_HEADER = "| 中文 | pinyin | English | meaning | where in hpf | status |"


class TestGlossary:
    def test_every_term_is_marked_implemented_or_planned(self) -> None:
        rows = tables_after(read("glossary.md"), GLOSSARY_HEADER)
        assert len(rows) > 50
        assert all(len(row) == 6 for row in rows), [row[0] for row in rows if len(row) != 6]
        assert {row[5] for row in rows} <= {"implemented", "planned"}

    def test_every_hpf_name_an_implemented_term_points_to_exists(self) -> None:
        missing = []
        for row in tables_after(read("glossary.md"), GLOSSARY_HEADER):
            if row[5] != "implemented":
                continue
            names = re.findall(r"`(hpf_(?:core|adapters)[\w.]*)`", row[4])
            assert names, f"{row[0]}: an implemented term must name where it lives"
            for name in names:
                try:
                    resolve(name)
                except (ImportError, AttributeError):
                    missing.append(f"{row[0]}: {name}")
        assert not missing
