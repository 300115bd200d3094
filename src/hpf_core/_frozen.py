"""One immutable, hashable mapping for the records that carry a small table (an
application's document counts and details, a withdrawal's extra facts)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """A read-only copy of ``items``; equal to any mapping with the same items, hashable
    when its values are, shown as the plain dict.

    >>> counts = FrozenMap({"身份证": 1})
    >>> counts == {"身份证": 1}, hash(counts) == hash(FrozenMap({"身份证": 1})), counts
    (True, True, {'身份证': 1})
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[K, V] | None = None) -> None:
        self._items: dict[K, V] = dict(items or {})

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return repr(self._items)
