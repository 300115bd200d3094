"""Compare-and-set for the in-memory repositories."""

from __future__ import annotations

from typing import Protocol, TypeVar

import attrs

from hpf_core.errors import ConcurrentUpdate


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=_Versioned)


def next_version(stored: V, new: V, field: str, ident: str) -> V:
    """``new`` as version ``stored.version + 1``; ``ConcurrentUpdate`` unless ``new`` was
    made from the stored version."""
    if new.version != stored.version:
        raise ConcurrentUpdate(
            field,
            f"was changed by another request (stored version {stored.version}, not {new.version})",
            ident,
        )
    return attrs.evolve(new, version=stored.version + 1)  # type: ignore[misc]
