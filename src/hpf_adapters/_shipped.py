"""The TOML files shipped inside an adapter package (policies, centre data): which centre
codes a package holds, and one file's text. The only I/O is reading package resources."""

from __future__ import annotations

from importlib import resources

from hpf_core.errors import InvalidChoice


def shipped_codes(package: str) -> tuple[str, ...]:
    """Centre codes of the ``<code>.toml`` files in ``package``, sorted."""
    folder = resources.files(package)
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")))


def shipped_text(package: str, code: str, what: str) -> str:
    """The text of ``package``'s ``<code>.toml``; ``InvalidChoice`` on ``center`` naming
    ``what`` is missing and the codes there are."""
    codes = shipped_codes(package)
    if code not in codes:
        raise InvalidChoice("center", f"no shipped {what}; choose one of {', '.join(codes)}", code)
    return resources.files(package).joinpath(f"{code}.toml").read_text(encoding="utf-8")
