"""Docs that cannot drift from the code.

- every notebook in ``docs/notebooks`` runs top to bottom, in this interpreter, draws at
  least one picture, and has an ``assert`` in every section;
- every section of ``docs/guide.md`` imports what it uses (it can be pasted on its own);
- ``docs/rates.md`` prints exactly the rows of the code's rate tables (the loan tables and
  ``DEPOSIT_RATE_TABLE``), and resolves every source key they use;
- every ``>>>`` example in the docs prints what the page says, and every ``$ hpf ...``
  block shows lines the command really prints;
- ``docs/api.md`` has an entry for every public name, with the signature the code has
  (a protocol's methods included), and every constant's value (a multi-line string in a
  ```text block);
- every ``hpf_...`` name the glossary points to exists.
"""

from __future__ import annotations

import ast
import doctest
import enum
import importlib
import inspect
import json
import re
import shlex
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from hpf_core.accounts import DEPOSIT_RATE_TABLE
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
    "hpf_core.loans.services",
    "hpf_core.loans.business",
    "hpf_core.calculators",
    "hpf_core.accounts",
    "hpf_core.accounts.services",
    "hpf_core.withdrawals",
    "hpf_core.withdrawals.services",
    "hpf_core.identity",
    "hpf_core.idempotency",
    "hpf_core.ports",
    "hpf_core.policy",
    "hpf_core.testing",
    "hpf_adapters.cli",
    "hpf_adapters.policies",
    "hpf_adapters.memory",
    "hpf_adapters.payments",
    "hpf_core.members",
    "hpf_core.members.services",
    "hpf_core.portal",
    "hpf_core.centers",
    "hpf_adapters.security",
    "hpf_adapters.sms",
    "hpf_adapters.centers",
    "hpf_adapters.banks",
    "hpf_adapters.wiring",
    "hpf_adapters.sql",
    # issue #13, the back office, notifications and audit (D-053)
    "hpf_core.notices",
    "hpf_core.backoffice",
    "hpf_adapters.relay",
    # issue #15, bank payment files and documents (D-056)
    "hpf_adapters.iso20022",
    "hpf_adapters.documents",
    # issue #15, channels: codes on Redis and SMS (D-055)
    "hpf_adapters.redis_codes",
    "hpf_adapters.sms_aliyun",
    # issue #14, the HTTP API (D-058)
    "hpf_adapters.http",
    # issue #19, the testing kit's pytest plugin (D-062)
    "hpf_adapters.pytest_plugin",
    # issue #16, centre-scale batch jobs (D-059)
    "hpf_adapters.batch",
    # issue #16, portfolio runs as Arrow batches and on Dask (D-065)
    "hpf_adapters.arrow",
    "hpf_adapters.dask",
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


def pictures(notebook: Any) -> int:
    """How many image/png outputs the (executed) notebook holds."""
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def notebook_sections(notebook: Any) -> list[tuple[str, str]]:
    """``(## heading, python code)`` per level-2 section that has code, the code before the
    first ``##`` (the imports and set-up) under the heading ``""``; the cells' IPython magics
    (``%matplotlib inline``) are turned into the Python they run."""
    transformers: Any = importlib.import_module("IPython.core.inputtransformer2")  # untyped
    transform: Callable[[str], str] = transformers.TransformerManager().transform_cell
    found: list[tuple[str, list[str]]] = []
    heading = ""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            titles = [line for line in cell.source.splitlines() if line.startswith("## ")]
            if titles:
                heading = titles[0]
        elif cell.cell_type == "code":
            if not found or found[-1][0] != heading:
                found.append((heading, []))
            found[-1][1].append(transform(cell.source))
    return [(title, "\n".join(code)) for title, code in found]


def asserts_in(code: str) -> int:
    return sum(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(code)))


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
        assert pictures(notebook) > 0, f"{path.name} shows no plot (no image/png output)"
        print(f"{path.name} ran in {elapsed:.1f} s and drew {pictures(notebook)} pictures")

    @pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
    def test_every_section_of_a_notebook_asserts_its_figures(self, path: Path) -> None:
        sections = dict(notebook_sections(load_notebook(path)))
        sections.pop("", None)  # the imports and set-up
        assert sections, f"{path.name} has no ## section with code"
        for title, code in sections.items():
            assert asserts_in(code) > 0, f"{path.name}: section {title!r} asserts nothing"

    def test_the_checks_see_pictures_and_asserts(self) -> None:
        v4: Any = importlib.import_module("nbformat.v4")  # untyped

        notebook = v4.new_notebook()
        notebook.cells = [
            v4.new_markdown_cell("# Title"),
            v4.new_code_cell("%matplotlib inline\nx = 1"),
            v4.new_markdown_cell("## 1. One"),
            v4.new_code_cell("assert x == 1"),
            v4.new_markdown_cell("## 2. Two"),
            v4.new_code_cell('print("assert x == 1")  # assert x == 1'),
        ]
        assert [(title, asserts_in(code)) for title, code in notebook_sections(notebook)] == [
            ("", 0),
            ("## 1. One", 1),
            ("## 2. Two", 0),  # an assert in a comment or a string is not one
        ]
        assert pictures(notebook) == 0
        notebook.cells[3].outputs = [
            v4.new_output("display_data", data={"text/plain": "<Figure>", "image/png": "iVBORw0K"})
        ]
        assert pictures(notebook) == 1

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
        shown = table_after(read("rates.md"), "| effective | 1Y | 5Y+ | source | grade |")
        expected = [
            [row.effective.isoformat(), cell(row.one_year), cell(row.five_year), row.source, row.grade]
            for row in LPR_TABLE
        ]
        assert [[*r[:3], ",".join(keys(r[3])), r[4]] for r in shown] == expected

    def test_the_benchmark_table_lists_exactly_the_rows_of_benchmark_table(self) -> None:
        shown = table_after(
            read("rates.md"), "| effective | ≤6m | 6m–1y | 1–3y | 3–5y | >5y | source | grade |"
        )
        expected = [
            [
                row.effective.isoformat(),
                cell(row.six_months),
                cell(row.one_year),
                cell(row.one_to_three),
                cell(row.three_to_five),
                cell(row.over_five),
                row.source,
                row.grade,
            ]
            for row in BENCHMARK_TABLE
        ]
        assert [[*r[:6], ",".join(keys(r[6])), r[7]] for r in shown] == expected

    def test_the_deposit_table_lists_exactly_the_rows_of_deposit_rate_table(self) -> None:
        header = "| effective | current year | carried forward | source | grade | note |"
        shown = table_after(read("rates.md"), header)
        expected = [
            [
                row.effective.isoformat(),
                str(row.current_year),
                str(row.carried_forward),
                row.source,
                row.grade,
                row.note,
            ]
            for row in DEPOSIT_RATE_TABLE
        ]
        assert [[*r[:3], ",".join(keys(r[3])), *r[4:]] for r in shown] == expected

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
        used |= {key for row in DEPOSIT_RATE_TABLE for key in keys(row.source)}
        notes = [row.note for row in HPF_RATE_TABLE] + [row.note for row in DEPOSIT_RATE_TABLE]
        used |= {key for note in notes for key in keys_in(note)}
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
        grades = [row.grade for row in HPF_RATE_TABLE] + [row.grade for row in DEPOSIT_RATE_TABLE]
        grades += [row.grade for row in LPR_TABLE] + [row.grade for row in BENCHMARK_TABLE]
        used = {part for grade in grades for part in grade.split("/")}
        assert used <= legend


# --------------------------------------------------------------------------- examples


CONTINUES = "*Continues "  # a ### section's marker: it carries on its chapter's example


def sections(text: str) -> Iterator[tuple[int, str, bool]]:
    """``(line, heading, continues)`` for every ``##`` and ``###`` heading outside fenced
    blocks; ``continues`` when a line of the section starts with :data:`CONTINUES`."""
    found: list[tuple[int, str]] = []
    continuing: set[int] = set()
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{2,3} ", line):
            found.append((number, line))
        elif not fenced and found and line.startswith(CONTINUES):
            continuing.add(found[-1][0])
    for number, heading in found:
        yield number, heading, number in continuing


def imported_names(source: str) -> set[str]:
    """The names an example binds by ``import`` or ``from ... import``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a continuation the doctest parser keeps as one example
        return set()
    return {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }


def run_examples(path: Path, *, per_section: bool = False) -> tuple[int, int, str]:
    """Run every ```pycon block of a page in order, as doctests.

    By default the whole page shares one namespace, as a reader running it top to bottom
    would. With ``per_section``, every ``##`` and ``###`` section starts from an empty
    namespace, so it must import and make what it uses and can be pasted on its own — except
    a ``###`` section marked as continuing its chapter's example (a line starting
    ``*Continues ``, which tells the reader what to run first): it gets the objects its
    chapter made before it, but not the names the chapter imported (issue #17, D-063).

    Returns (failures, examples, report); the report names the page, line and section.
    """
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    text = path.read_text(encoding="utf-8")
    headings = list(sections(text)) if per_section else []
    fresh = {"__name__": f"docs_{path.stem}"}
    globs: dict[str, Any] = dict(fresh)
    chapter: dict[str, Any] = {}  # what the chapter's sections made so far
    imported: set[str] = set()  # what the chapter's sections imported so far
    heading = ""
    report: list[str] = []
    failed = tried = 0
    for line, body in fenced_blocks(text, "pycon"):
        while headings and headings[0][0] < line:
            chapter.update(globs)
            _, heading, continues = headings.pop(0)
            if heading.startswith("## "):
                chapter, imported = {}, set()
            globs = dict(fresh)
            if continues:
                globs.update((name, value) for name, value in chapter.items() if name not in imported)
        name = f"{path.name}:{line} {heading}".rstrip()  # unique: doctest's linecache keys on it
        test = parser.get_doctest(body, globs, name, str(path), line - 1)
        imported |= {bound for example in test.examples for bound in imported_names(example.source)}
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

    def test_every_guide_section_runs_with_its_own_imports(self) -> None:
        failed, tried, report = run_examples(DOCS / "guide.md", per_section=True)
        assert tried > 0
        assert failed == 0, report

    def test_a_section_uses_only_what_it_makes_unless_it_continues_its_chapter(self, tmp_path: Path) -> None:
        page = tmp_path / "page.md"
        fence = "```"
        page.write_text(
            f"## One\n\n{fence}pycon\n>>> from decimal import Decimal\n>>> one = Decimal(1)\n{fence}\n\n"
            f"### Two\n\n*Continues One.*\n\n{fence}pycon\n>>> one\nDecimal('1')\n"
            f">>> Decimal(2)\nDecimal('2')\n{fence}\n\n"
            f"### Three\n\n{fence}pycon\n>>> one\nDecimal('1')\n{fence}\n\n"
            f"## Four\n\n*Continues One.*\n\n{fence}pycon\n>>> one\nDecimal('1')\n{fence}\n",
            encoding="utf-8",
        )
        assert run_examples(page)[:2] == (0, 6)  # one namespace: everything is defined
        failed, tried, report = run_examples(page, per_section=True)
        assert (failed, tried) == (3, 6)
        # ### Two continues One: it has `one` but must import Decimal itself
        assert "NameError: name 'Decimal' is not defined" in report
        assert "<doctest page.md:13 ### Two[1]>" in report  # the page, its line and the section
        assert "<doctest page.md:13 ### Two[0]>" not in report
        # ### Three does not continue, and a ## section never does
        assert "<doctest page.md:22 ### Three[0]>" in report
        assert "<doctest page.md:31 ## Four[0]>" in report
        assert report.count("NameError: name 'one' is not defined") == 2

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


def value_text(value: Any) -> str:
    """A value as the page writes it: ``Enum.MEMBER``, a class or function by its name, a
    tuple item by item, an attrs record as its constructor call (fields left at their
    default omitted), anything else by ``repr``."""
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if type(value) is tuple:
        items = ", ".join(value_text(item) for item in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if inspect.isclass(value) or inspect.isfunction(value):
        return str(value.__name__)
    if attrs.has(type(value)):
        shown: list[str] = []
        keyword = False
        for field in attrs.fields(type(value)):
            current = getattr(value, field.name)
            default: Any = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if default is not attrs.NOTHING and current == default:
                keyword = True  # a later field must then be named
                continue
            text = value_text(current)
            shown.append(f"{field.name}={text}" if keyword else text)
        return f"{type(value).__name__}({', '.join(shown)})"
    return repr(value)


def default_source(function: Callable[..., Any], name: str) -> str:
    """The default of ``function``'s parameter ``name`` as its source writes it."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef), function
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[tuple[ast.arg, ast.expr | None]] = [
        *zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults, strict=True),
        *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
    ]
    return next(ast.unparse(default) for arg, default in defaults if arg.arg == name and default)


def parameters_text(obj: Callable[..., Any]) -> inspect.Signature:
    """``obj``'s signature with annotations as the source writes them and defaults as
    :func:`value_text` renders them; an attrs factory shows as ``name()``, or as the value
    it makes when it is a lambda; a lambda default of a function as the source writes it
    (``lambda amount: True``); a non-empty set default of a function as the source writes it
    (``COMMON_PASSWORDS``: a set's repr changes order from run to run); a bare ``object()``
    sentinel as ``_NOTHING``."""
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
            made = factory.factory
            default = _Text(value_text(made()) if made.__name__ == "<lambda>" else f"{made.__name__}()")
        elif default is inspect.Parameter.empty:
            pass
        elif type(default) is object:
            default = _Text("_NOTHING")
        elif inspect.isfunction(default) and default.__name__ == "<lambda>":
            default = _Text(default_source(obj, parameter.name))
        elif isinstance(default, frozenset | set) and default and inspect.isfunction(obj):
            default = _Text(default_source(obj, parameter.name))  # a named set: its repr order varies
        elif (
            isinstance(default, enum.Enum | tuple) or inspect.isclass(default) or inspect.isfunction(default)
        ):
            default = _Text(value_text(default))
        parameters.append(parameter.replace(annotation=annotation, default=default))
    returns: Any = signature.return_annotation
    if isinstance(returns, str):
        returns = _Text(returns)
    return signature.replace(parameters=parameters, return_annotation=returns)


def is_protocol(obj: object) -> bool:
    return inspect.isclass(obj) and getattr(obj, "_is_protocol", False) is True


def protocol_text(cls: type) -> str:
    """A ``typing.Protocol`` as a stub: ``class Name(Protocol):`` and every method and
    property it declares, in source order, each as ``def name(...) -> T: ...``."""
    lines = [f"class {cls.__name__}(Protocol):"]
    for name, member in vars(cls).items():
        function = member.fget if isinstance(member, property) else member
        if not inspect.isfunction(function) or not function.__qualname__.startswith(f"{cls.__qualname__}."):
            continue
        if isinstance(member, property):
            lines.append("    @property")
        lines.append(f"    def {name}{parameters_text(function)}: ...")
    return "\n".join(lines)


def signature_text(obj: Callable[..., Any]) -> str:
    """``name(params) -> return`` with annotations as the source writes them.

    Defaults as :func:`parameters_text` shows them (``Enum.MEMBER``, classes and functions
    by name, tuples item by item, lambdas as written, attrs factories as ``name()``,
    ``_NOTHING``); a class shows its constructor,
    without return; a ``Protocol`` shows as a stub of its methods (:func:`protocol_text`).
    """
    if inspect.isclass(obj) and is_protocol(obj):
        return protocol_text(obj)
    signature = parameters_text(obj)
    if inspect.isclass(obj):
        signature = signature.replace(return_annotation=inspect.Signature.empty)
    return obj.__name__ + str(signature)


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


def is_constant(value: object) -> bool:
    """A value the page shows literally: a number, date or string, or a tuple of enum
    members (an order, like ``DEFAULT_ALLOCATION``); tables of records are described."""
    if isinstance(value, tuple):
        return bool(value) and all(isinstance(item, enum.Enum) for item in value)
    return isinstance(value, Decimal | int | date | str) and not callable(value)


CONSTANTS = [item for item in PUBLIC if is_constant(item[2])]


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
        """``NAME = value`` as :func:`value_text` writes it; a string of several lines
        instead verbatim, line for line, in a ```text block of its own."""
        entry = api_entries()[entry_id(item)]
        value = item[2]
        if isinstance(value, str) and "\n" in value:
            assert f"`{item[1]}`" in entry
            assert value + "\n" in [body for _, body in fenced_blocks(entry, "text")]
        else:
            assert f"`{item[1]} = {value_text(value)}`" in entry

    def test_a_protocol_shows_every_method_it_declares(self) -> None:
        from hpf_core.ports import UnitOfWork

        stub = signature_text(UnitOfWork)
        names = ("accounts", "journal", "loans", "loan_journal", "applications", "cards", "keys")
        for name in (*names, "__enter__", "__exit__", "commit", "rollback"):
            assert f"def {name}(self" in stub


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
