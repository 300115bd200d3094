"""A griffe extension for the documentation site (issue #17, D-060).

hpf's docstrings are written for ``help()`` and doctest: examples are bare ``>>>`` lines and
names are marked the reStructuredText way (``:class:`Schedule```). The site renders
docstrings as Markdown, so before rendering this extension fences every doctest block as
``pycon`` code and turns the roles into code spans. The docstrings themselves are unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|attr|data|exc|mod|obj):`~?([^`]+)`")


def fence_doctests(text: str) -> str:
    """Wrap each run of ``>>>`` lines and their output in a fenced ``pycon`` block."""
    out: list[str] = []
    block: list[str] = []
    indent = ""
    for line in [*text.splitlines(), ""]:
        stripped = line.lstrip()
        if block:
            if stripped:
                block.append(line)
                continue
            out.extend([f"{indent}```pycon", *block, f"{indent}```"])
            block = []
        if stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            block = [line]
            continue
        out.append(line)
    return "\n".join(out[:-1]) if out and out[-1] == "" else "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence doctests and unwrap reStructuredText roles in every loaded docstring."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(_ROLE.sub(r"`\1`", obj.docstring.value))
