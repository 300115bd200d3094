"""Centre policy files shipped with hpf, read from the package (an adapter's I/O).

>>> load_policy("altay").name
'阿勒泰地区住房公积金管理中心'
>>> sorted(available())
['altay', 'beijing', 'shanghai']
"""

from __future__ import annotations

from hpf_adapters._shipped import shipped_codes, shipped_text
from hpf_core.policy import CenterPolicy, parse_policy

__all__ = ["available", "load_policy", "policy_text"]


def available() -> tuple[str, ...]:
    """Codes of the centres whose policy ships with hpf."""
    return shipped_codes(__name__)


def policy_text(code: str) -> str:
    """The TOML text of a shipped centre policy."""
    return shipped_text(__name__, code, "policy")


def load_policy(code: str) -> CenterPolicy:
    """Parse a shipped centre policy."""
    return parse_policy(policy_text(code))
