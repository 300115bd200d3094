"""README promises: its example runs, and CI runs exactly its test command."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)


class TestReadme:
    def test_it_opens_with_the_two_commands(self) -> None:
        first, second = sh_blocks()[:2]
        assert first.endswith("hpf demo")
        assert second.endswith("python -m pytest")
        assert README.index(first) < README.index("## A short example")

    def test_ci_runs_exactly_the_readme_test_command(self) -> None:
        ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
        assert sh_blocks()[1] in ci.splitlines()

    def test_the_python_example_runs(self) -> None:
        result = doctest.testfile(str(ROOT / "README.md"), module_relative=False, verbose=False)
        assert result.attempted >= 6
        assert result.failed == 0
