"""Hostile policy files (issue #9, D-038): generated TOML built from the shipped policies
and centre files with one hostile change — a typo in a real key, a value of another type,
deep nesting, a huge integer — must either parse or raise ``InvalidPolicy`` naming the
key path. Never ``TypeError``, ``KeyError``, ``RecursionError``, ``OverflowError``, ...

The TOML is written by a small serializer below (inline tables and arrays), independent
of the parser under test; a round trip of the unmodified files checks the serializer."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpf_adapters.centers import available as centre_files
from hpf_adapters.centers import load_centers
from hpf_adapters.policies import available, load_policy, policy_text
from hpf_core.centers import parse_center, parse_news, parse_outlets
from hpf_core.errors import InvalidPolicy
from hpf_core.policy import parse_policy

Path = tuple[str | int, ...]

# --------------------------------------------------------------------------- TOML writer

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, BigInt):
        return value.text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise AssertionError(f"cannot write {type(value).__name__}")


def to_toml(document: dict[str, Any]) -> str:
    """One ``key = value`` line per top-level key, everything below it inline."""
    return "".join(f"{_key(k)} = {_value(v)}\n" for k, v in document.items())


class BigInt:
    """An integer written as its digits (or in hex), for sizes Python will not turn into
    a str."""

    def __init__(self, digits: int, *, hexadecimal: bool = False) -> None:
        self.text = "0x" + "f" * digits if hexadecimal else "1" + "0" * (digits - 1)


# --------------------------------------------------------------------------- documents


def _policies() -> list[dict[str, Any]]:
    import tomllib

    return [tomllib.loads(policy_text(code)) for code in available()]


def _centre_documents() -> list[dict[str, Any]]:
    import tomllib
    from importlib import resources

    folder = resources.files("hpf_adapters.centers")
    return [tomllib.loads(folder.joinpath(f"{code}.toml").read_text("utf-8")) for code in centre_files()]


POLICIES = _policies()
CENTRES = _centre_documents()


def _parse_centre_file(text: str) -> None:
    parse_center(text)
    parse_outlets(text)
    parse_news(text)


PARSERS: list[tuple[str, list[dict[str, Any]], Callable[[str], object]]] = [
    ("policy", POLICIES, parse_policy),
    ("centre", CENTRES, _parse_centre_file),
]


def paths(document: object, prefix: Path = ()) -> list[Path]:
    """Every key and array index in the document, outermost first."""
    found: list[Path] = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append((*prefix, key))
            found.extend(paths(value, (*prefix, key)))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            found.append((*prefix, i))
            found.extend(paths(value, (*prefix, i)))
    return found


def every_key(document: object) -> set[str]:
    return {str(p[-1]) for p in paths(document) if isinstance(p[-1], str)}


def dotted(path: Path) -> str:
    """The key path as the parsers write it: ``loans.repricing.overrides[0].change``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = part if _BARE.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            text += f".{name}" if text else name
    return text


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def replaced(document: dict[str, Any], path: Path, new: object) -> dict[str, Any]:
    copy = _copy(document)
    parent: Any = copy
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return copy  # type: ignore[no-any-return]


def renamed(document: dict[str, Any], path: Path, new_key: str) -> dict[str, Any]:
    copy = _copy(document)
    parent: Any = copy
    for part in path[:-1]:
        parent = parent[part]
    parent[new_key] = parent.pop(path[-1])
    return copy  # type: ignore[no-any-return]


def outcome(parse: Callable[[str], object], text: str) -> InvalidPolicy | None:
    """None when the text parses; the InvalidPolicy otherwise. Any other exception fails."""
    try:
        parse(text)
    except InvalidPolicy as exc:
        error = exc
    else:
        return None
    assert str(error).startswith(f"{error.field}: "), str(error)  # the key path leads the message
    return error


def parent_of(path: Path) -> str:
    """The key path of the table holding ``path``: a refusal may name a sibling (a value
    that is valid on its own can clash with another key of the same table)."""
    table = path[:-1]
    while table and isinstance(table[-1], int):
        table = table[:-1]
    return dotted(table)


# --------------------------------------------------------------------------- strategies

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
_scalars = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(10**18, 10**400),
    st.builds(BigInt, st.integers(19, 4300)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    _text,
    st.dates(min_value=date(1, 1, 1)),
    st.just(time(9, 30)),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.from_regex(_BARE, fullmatch=True), inner, max_size=3)
    ),
    max_leaves=8,
)


def _typo(name: str, data: st.DataObject) -> str:
    """One random edit of a key: a letter dropped, doubled, swapped, replaced or added."""
    letters = "abcdefghijklmnopqrstuvwxyz_-"
    kind = data.draw(st.sampled_from(["drop", "double", "swap", "replace", "add"]))
    i = data.draw(st.integers(0, max(len(name) - 1, 0)))
    if kind == "drop" and len(name) > 1:
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[: i + 1] + name[i:]
    if kind == "swap" and len(name) > 1:
        j = min(i + 1, len(name) - 1)
        chars = list(name)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)
    letter = data.draw(st.sampled_from(letters))
    if kind == "replace":
        return name[:i] + letter + name[i + 1 :]
    return name[:i] + letter + name[i:]


def _nested(depth: int, leaf: object) -> object:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


HOSTILE = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize(("name", "documents", "parse"), PARSERS, ids=[p[0] for p in PARSERS])
def test_the_writer_round_trips_the_shipped_files(
    name: str, documents: list[dict[str, Any]], parse: Callable[[str], object]
) -> None:
    import tomllib

    for document in documents:
        text = to_toml(document)
        assert tomllib.loads(text) == document
        assert outcome(parse, text) is None, name


def test_the_round_trip_gives_the_same_policy() -> None:
    for code, document in zip(available(), POLICIES, strict=True):
        assert parse_policy(to_toml(document)) == load_policy(code)
    assert len(load_centers()) == len(CENTRES)


@pytest.mark.parametrize(("name", "documents", "parse"), PARSERS, ids=[p[0] for p in PARSERS])
@HOSTILE
@given(data=st.data())
def test_a_typo_in_any_real_key_is_refused_naming_it(
    name: str, documents: list[dict[str, Any]], parse: Callable[[str], object], data: st.DataObject
) -> None:
    document = data.draw(st.sampled_from(documents))
    keys = [p for p in paths(document) if isinstance(p[-1], str)]
    path = data.draw(st.sampled_from(keys))
    known = every_key(document) | {"servicing", "online", "keypad"}
    typo = _typo(str(path[-1]), data)
    if typo in known or not typo:
        return
    error = outcome(parse, to_toml(renamed(document, path, typo)))
    assert error is not None, f"{dotted((*path[:-1], typo))} was accepted"
    assert error.field == dotted((*path[:-1], typo)), str(error)
    assert "is not a known" in error.reason


@pytest.mark.parametrize(("name", "documents", "parse"), PARSERS, ids=[p[0] for p in PARSERS])
@HOSTILE
@given(data=st.data(), new=_values)
def test_a_value_of_another_type_parses_or_is_refused_naming_its_table(
    name: str,
    documents: list[dict[str, Any]],
    parse: Callable[[str], object],
    data: st.DataObject,
    new: object,
) -> None:
    document = data.draw(st.sampled_from(documents))
    path = data.draw(st.sampled_from(paths(document)))
    error = outcome(parse, to_toml(replaced(document, path, new)))
    if error is not None:
        assert error.field.startswith(parent_of(path)) or error.field in (name, "policy", "center file"), (
            dotted(path),
            str(error),
        )


@pytest.mark.parametrize(("name", "documents", "parse"), PARSERS, ids=[p[0] for p in PARSERS])
@HOSTILE
@given(data=st.data(), depth=st.integers(1, 200))
def test_deep_nesting_is_refused_naming_the_key(
    name: str,
    documents: list[dict[str, Any]],
    parse: Callable[[str], object],
    data: st.DataObject,
    depth: int,
) -> None:
    document = data.draw(st.sampled_from(documents))
    path = data.draw(st.sampled_from(paths(document)))
    hostile = replaced(document, path, _nested(depth, 1))
    try:
        text = to_toml(hostile)
    except RecursionError:  # pragma: no cover - the writer, not the parser
        return
    error = outcome(parse, text)
    if error is not None:
        assert error.field.startswith(parent_of(path)) or error.field in ("policy", "center file"), str(error)
    else:
        assert depth < 8  # anything deeper than a policy ever nests is refused


@pytest.mark.parametrize(("name", "documents", "parse"), PARSERS, ids=[p[0] for p in PARSERS])
@HOSTILE
@given(data=st.data(), digits=st.integers(19, 4300))
def test_a_huge_integer_anywhere_is_refused_naming_its_key(
    name: str,
    documents: list[dict[str, Any]],
    parse: Callable[[str], object],
    data: st.DataObject,
    digits: int,
) -> None:
    document = data.draw(st.sampled_from(documents))
    path = data.draw(st.sampled_from(paths(document)))
    error = outcome(parse, to_toml(replaced(document, path, BigInt(digits))))
    assert error is not None
    assert error.field == dotted(path), str(error)
    assert "too large" in error.reason


# --------------------------------------------------------------------------- the issue's cases


@pytest.mark.parametrize(
    ("mutate", "field", "guess"),
    [
        (lambda d: renamed(d, ("withdrawals",), "withdrawal"), "withdrawal", "withdrawals"),
        (lambda d: renamed(d, ("loans", "cap_first"), "cap_frist"), "loans.cap_frist", "cap_first"),
        (lambda d: renamed(d, ("loans", "repricing"), "repricng"), "loans.repricng", "repricing"),
        (lambda d: renamed(d, ("contributions",), "contribution"), "contribution", "contributions"),
        (lambda d: renamed(d, ("center",), "centre"), "centre", "center"),
    ],
)
def test_the_issues_typos_are_refused_with_the_nearest_name(
    mutate: Callable[[dict[str, Any]], dict[str, Any]], field: str, guess: str
) -> None:
    document = next(d for d in POLICIES if "withdrawals" in d and "contributions" in d)
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(to_toml(mutate(document)))
    assert caught.value.field == field
    assert f"did you mean {guess!r}?" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("withdrawals = 3\n", "withdrawals"),
        ("members = [1, 2]\n", "members"),
        ("interest = 'day-count'\n", "interest"),
        ("contributions = true\n", "contributions"),
    ],
)
def test_a_section_that_is_not_a_table_is_refused(text: str, field: str) -> None:
    document = _copy(POLICIES[0])
    for key in ("withdrawals", "members", "interest", "contributions"):
        document.pop(key, None)
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(to_toml(document) + text)
    assert caught.value.field == field
    assert "must be a table" in caught.value.reason


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5000 + "]" * 5000,
        "a = " + "{b = " * 3000 + "1" + "}" * 3000,
        "[" + ".".join(["deep"] * 3000) + "]\nx = 1\n",
        "[loans]\ncap_first = 1" + "0" * 5000 + "\n",
        "[loans]\ncap_first = 0x" + "f" * 5000 + "\n",
        "[loans]\ncap_first = 1e400\n",
    ],
    ids=["deep-array", "deep-inline-table", "deep-header", "5000-digits", "huge-hex", "1e400"],
)
def test_the_extremes_raise_invalid_policy_only(text: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(text)
    assert str(caught.value).startswith(caught.value.field)


def test_a_huge_hex_integer_names_its_key() -> None:
    text = to_toml(replaced(POLICIES[0], ("loans", "cap_first"), BigInt(5000, hexadecimal=True)))
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(text)
    assert caught.value.field == "loans.cap_first"
    assert "too large" in caught.value.reason


def test_an_unknown_section_of_a_centre_file_is_refused_with_the_nearest_name() -> None:
    document = renamed(CENTRES[0], ("outlets",), "outlet")
    with pytest.raises(InvalidPolicy) as caught:
        parse_outlets(to_toml(document))
    assert caught.value.field == "outlet"
    assert "did you mean 'outlets'?" in caught.value.reason
