"""One check for every "one of these options" argument: an enum member or its value."""

from __future__ import annotations

import enum
from typing import TypeVar

from hpf_core.errors import InvalidChoice

E = TypeVar("E", bound=enum.Enum)


def choice(options: type[E], value: object, field: str) -> E:
    """``value`` as a member of ``options``: a member, or its value string; anything else
    is an ``InvalidChoice`` naming ``field`` and listing the values.

    >>> import enum
    >>> class Home(enum.Enum):
    ...     FIRST = "first"
    >>> choice(Home, "first", "home")
    <Home.FIRST: 'first'>
    >>> choice(Home, "third", "home")
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidChoice: home: must be one of first (got 'third')
    """
    if isinstance(value, options):
        return value
    if isinstance(value, str):
        try:
            return options(value)
        except ValueError:
            pass
    allowed = ", ".join(str(member.value) for member in options)
    raise InvalidChoice(field, f"must be one of {allowed}", value)
