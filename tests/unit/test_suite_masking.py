"""The suite-wide check of ``tests/conftest.py``: every ``HpfError`` the test run constructs
is recorded, and the run fails if any message or value shows personal data in clear."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hpf_core.errors import InputError, InvalidPhone
from hpf_core.identity import validate_phone

Scan = Callable[[list[str]], list[str]]


def test_the_scan_finds_each_kind_of_number_in_clear(scan_unmasked: Scan) -> None:
    assert scan_unmasked(["phone 13800138000", "id 11010519491231002X", "card 6225768888888888"]) == [
        "phone 13800138000",
        "id 11010519491231002X",
        "card 6225768888888888",
    ]
    assert scan_unmasked(["phone 138****8000", "amount 1001636.11", "2025-01-15"]) == []


def test_errors_are_recorded_and_recorded_masked(errors_seen: list[str], scan_unmasked: Scan) -> None:
    before = len(errors_seen)
    with pytest.raises(InvalidPhone):
        validate_phone("1380013800")  # 10 digits: invalid
    InputError("card_number", "is closed", "6225768888888888")
    assert len(errors_seen) == before + 2
    assert scan_unmasked(errors_seen[before:]) == []
