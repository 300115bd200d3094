"""``add_months`` in integers against python-dateutil's ``relativedelta`` (the oracle it
replaced, D-074): the same date for every anchor and month count, and the same refusal
where the result leaves years 1-9999."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from hpf_core.dates import add_months
from hpf_core.errors import InvalidDate

MONTHS = st.integers(min_value=-12 * 10_000, max_value=12 * 10_000)


def _oracle(anchor: date, months: int) -> date | None:
    try:
        result: date = anchor + relativedelta(months=months)
    except (OverflowError, ValueError):
        return None
    return result


@given(st.dates(), MONTHS)
def test_add_months_is_relativedelta(anchor: date, months: int) -> None:
    expected = _oracle(anchor, months)
    if expected is None:
        with pytest.raises(InvalidDate) as refused:
            add_months(anchor, months)
        assert refused.value.field == "months"
    else:
        assert add_months(anchor, months) == expected


@given(
    st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=12), st.integers(-1300, 1300)
)
def test_month_ends_clamp_as_relativedelta(year: int, month: int, months: int) -> None:
    """Anchors on the 28th-31st, where the clamping happens."""
    for day in (28, 29, 30, 31):
        try:
            anchor = date(year, month, day)
        except ValueError:
            continue
        expected = _oracle(anchor, months)
        if expected is not None:
            assert add_months(anchor, months) == expected


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(1900, 1, 31), 1, date(1900, 2, 28)),  # a century: not leap
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # every 400 years: leap
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 5, 31), 1, date(2024, 6, 30)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
        (date(2025, 1, 31), 0, date(2025, 1, 31)),
        (date(9999, 12, 31), 0, date(9999, 12, 31)),
    ],
)
def test_add_months_examples(anchor: date, months: int, expected: date) -> None:
    assert add_months(anchor, months) == expected


@pytest.mark.parametrize(("anchor", "months"), [(date(9999, 12, 1), 1), (date(1, 1, 1), -1)])
def test_add_months_outside_the_calendar(anchor: date, months: int) -> None:
    with pytest.raises(InvalidDate, match="outside years 1-9999"):
        add_months(anchor, months)
