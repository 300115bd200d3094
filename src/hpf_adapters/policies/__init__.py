"""Centre policy files shipped with hpf, read from the package (an adapter's I/O).

>>> load_policy("altay").name
'阿勒泰地区住房公积金管理中心'
>>> sorted(available())
['altay', 'beijing', 'shanghai']
"""

from __future__ import annotations

from importlib import resources

from hpf_core.errors import InvalidChoice
from hpf_core.policy import CenterPolicy, parse_policy

__all__ = ["available", "load_policy", "policy_text"]


def available() -> tuple[str, ...]:
    """Codes of the centres whose policy ships with hpf."""
    folder = resources.files(__package__)
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")))


def policy_text(code: str) -> str:
    """The TOML text of a shipped centre policy."""
    if code not in available():
        raise InvalidChoice("center", f"no shipped policy; choose one of {', '.join(available())}", code)
    return resources.files(__package__).joinpath(f"{code}.toml").read_text(encoding="utf-8")


def load_policy(code: str) -> CenterPolicy:
    """Parse a shipped centre policy."""
    return parse_policy(policy_text(code))
