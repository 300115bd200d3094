"""``docs/domain.md`` is the project's own domain page: every ``docs/domain.md §x`` citation
in the code, tests and docs names a section the page has, every test vector and source key
cited through it exists, and nothing cites the outside reference it replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "domain.md"
THIS = Path(__file__).resolve()

# Where citations live. Text files only; caches and build output are skipped.
SCANNED = ("src", "docs", "tests", "tools", "bench")
TOP_FILES = ("README.md", "CHANGELOG.md", "pyproject.toml")
SUFFIXES = frozenset({".py", ".md", ".toml", ".txt", ".ipynb", ".cfg", ".ini", ".json", ".yaml", ".yml"})

# "docs/domain.md §6.8", "docs/domain.md§11 TV9", "[domain.md §4.2](domain.md#…)".
CITATION = re.compile(r"domain\.md\)?\s?§\s?(\d+(?:\.\d+)*)(?:\s+(TV\d+|D\d+|seed)\b)?")
HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)*)\.? ", re.MULTILINE)
SOURCE_KEY = re.compile(r"\[(S\d+)")
VECTOR_ROW = re.compile(r"^\| (TV\d+|D\d+|seed) \|", re.MULTILINE)

# The outside reference and its folder, built in pieces so that a mechanical rewrite of the
# citations does not rewrite this test.
_NAME, _FOLDER = "DOMAIN", "shared"
OUTSIDE = re.compile(rf"\b{_NAME}(?:\.md|\s?§)|\.\./{_FOLDER}|/work/{_FOLDER}")


def project_files() -> Iterator[Path]:
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                yield path
    for name in TOP_FILES:
        if (ROOT / name).is_file():
            yield ROOT / name


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def page_sections() -> set[str]:
    return set(HEADING.findall(text_of(PAGE)))


def page_section_text(number: str) -> str:
    """The text of section ``number`` up to the next heading of the same or a higher level."""
    text = text_of(PAGE)
    level = "##" if "." not in number else "###"
    start = re.search(rf"^{level} {re.escape(number)}\.? .*$", text, re.MULTILINE)
    assert start is not None, number
    stop = re.compile(r"^## " if level == "##" else r"^#{2,3} ", re.MULTILINE)
    end = stop.search(text, start.end())
    return text[start.end() : end.start() if end else len(text)]


def citations() -> list[tuple[str, int, str, str | None]]:
    found = []
    for path in project_files():
        if path in (THIS, PAGE):
            continue
        for lineno, line in enumerate(text_of(path).splitlines(), 1):
            for match in CITATION.finditer(line):
                found.append((str(path.relative_to(ROOT)), lineno, match.group(1), match.group(2)))
    return found


class TestThePage:
    def test_it_keeps_the_numbered_sections_the_project_cites(self) -> None:
        # The sections of the reference the page replaces, which code and docs cite by number.
        expected = {
            "0", "1", "2", "2.1", "2.2", "2.3", "3", "3.1", "3.2", "4", "4.1", "4.2",
            "5", "5.1", "5.2", "6", "6.1", "6.2", "6.3", "6.4", "6.5", "6.6", "6.7", "6.8",
            "6.9", "7", "8", "8.1", "8.2", "8.3", "9", "9.1", "9.2", "9.3", "10", "11", "12",
        }  # fmt: skip
        assert expected <= page_sections()

    def test_a_subsection_sits_under_its_section(self) -> None:
        for number in page_sections():
            if "." in number:
                assert number.rsplit(".", 1)[0] in page_sections(), number

    def test_every_source_key_it_uses_is_in_the_source_index(self) -> None:
        text = text_of(PAGE)
        index = page_section_text("12")
        defined = set(re.findall(r"^\| (S\d+) \|", index, re.MULTILINE))
        used = set(SOURCE_KEY.findall(text[: text.index("## 12.")]))
        assert used, "the page cites no source"
        assert used <= defined, sorted(used - defined)

    def test_the_test_vectors_are_in_section_11(self) -> None:
        vectors = set(VECTOR_ROW.findall(page_section_text("11")))
        assert {"TV3", "TV4", "TV9", "TV10", "TV11", "seed", "D1", "D2"} <= vectors

    def test_the_page_cites_no_outside_file(self) -> None:
        assert not OUTSIDE.search(text_of(PAGE))

    def test_the_section_matcher_reads_the_forms_used(self) -> None:
        line = "see docs/domain.md §6.8 and docs/domain.md §11 TV9, [domain.md §4.2](domain.md#42)"
        assert [(m.group(1), m.group(2)) for m in CITATION.finditer(line)] == [
            ("6.8", None),
            ("11", "TV9"),
            ("4.2", None),
        ]


class TestCitations:
    def test_every_cited_section_exists(self) -> None:
        sections = page_sections()
        missing = [
            f"{path}:{line}: §{number}" for path, line, number, _ in citations() if number not in sections
        ]
        assert not missing, "\n".join(missing)

    def test_every_cited_test_vector_exists_in_its_section(self) -> None:
        wrong = []
        for path, line, number, vector in citations():
            if vector is None:
                continue
            if number not in page_sections() or vector not in VECTOR_ROW.findall(page_section_text(number)):
                wrong.append(f"{path}:{line}: §{number} {vector}")
        assert not wrong, "\n".join(wrong)

    def test_nothing_cites_the_outside_reference_or_the_shared_folder(self) -> None:
        offending = []
        for path in project_files():
            if path == THIS:
                continue
            for lineno, line in enumerate(text_of(path).splitlines(), 1):
                if OUTSIDE.search(line):
                    offending.append(f"{path.relative_to(ROOT)}:{lineno}")
        assert not offending, f"{len(offending)} lines:\n" + "\n".join(offending)

    def test_the_outside_matcher_catches_each_form(self) -> None:
        for line in (_NAME + ".md §6.8", _NAME + " §6.8", f"../{_FOLDER}/seed", f"/work/{_FOLDER}/docs"):
            assert OUTSIDE.search(line), line
        assert not OUTSIDE.search("docs/domain.md §6.8")
