"""Dates (日期): month arithmetic, parsing and checks. ``dateutil`` is used here only.

Dates are always arguments: nothing in ``hpf_core`` reads the clock.

>>> add_months(date(2024, 1, 31), 1)
datetime.date(2024, 2, 29)
>>> add_months(date(2024, 1, 31), 2)
datetime.date(2024, 3, 31)
>>> parse_date("2025-05-08")
datetime.date(2025, 5, 8)
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from dateutil.relativedelta import relativedelta

from hpf_core.errors import InputTypeError, InvalidDate, NaiveDatetimeError

__all__ = [
    "CHINA",
    "add_months",
    "check_date",
    "check_value_date",
    "china_day",
    "months_between",
    "parse_date",
    "require_aware",
]

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z", re.ASCII)


def add_months(anchor: date, months: int) -> date:
    """``anchor`` plus ``months`` calendar months, clamped to the month's last day.

    Counting always starts from the anchor, so a schedule due on the 31st stays on the
    31st in long months (31 Jan, 29 Feb, 31 Mar), rather than drifting to the 29th.
    """
    check_date(anchor, "anchor")
    if isinstance(months, bool) or not isinstance(months, int):
        raise InputTypeError("months", f"must be an int, not {type(months).__name__}", months)
    # what anchor + relativedelta(months=months) gives, in integers (0.7 µs against ~5 µs)
    year, month = divmod(anchor.month - 1 + months, 12)
    year += anchor.year
    if not 1 <= year <= 9999:
        raise InvalidDate("months", f"takes {anchor.isoformat()} outside years 1-9999", months)
    month += 1
    day = anchor.day
    if day > 28:
        day = min(day, _month_days(year, month))
    return date(year, month, day)


def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (negative when ``end`` is earlier).

    >>> months_between(date(2023, 3, 1), date(2024, 3, 1))
    12
    >>> months_between(date(2023, 3, 31), date(2023, 4, 30))
    1
    """
    check_date(start, "start")
    check_date(end, "end")
    delta = relativedelta(end, start)
    return delta.years * 12 + delta.months


def check_date(value: object, field: str = "date") -> date:
    """Accept a ``datetime.date`` (not a ``datetime``), else raise a typed error naming ``field``."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InputTypeError(field, f"must be a datetime.date, not {type(value).__name__}", value)
    return value


def parse_date(text: str, field: str = "date") -> date:
    """Parse ``YYYY-MM-DD`` strictly; an impossible date (2023-02-29) is an ``InvalidDate``."""
    if not isinstance(text, str):
        raise InputTypeError(field, f"must be a str written YYYY-MM-DD, not {type(text).__name__}", text)
    match = _ISO.match(text)
    if match is None:
        raise InvalidDate(field, "must be a date written YYYY-MM-DD", text)
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise InvalidDate(field, "is not a real calendar date", text) from exc


def check_value_date(
    value: date, *, not_before: date | None = None, today: date | None = None, field: str = "value_date"
) -> date:
    """A value date (起息日) must not precede ``not_before`` (account opening, loan
    disbursement) nor lie after ``today``.

    >>> check_value_date(date(2026, 1, 5), not_before=date(2026, 1, 1), today=date(2026, 1, 10))
    datetime.date(2026, 1, 5)
    """
    check_date(value, field)
    if not_before is not None and value < not_before:
        raise InvalidDate(field, f"is before {not_before.isoformat()}", value.isoformat())
    if today is not None and value > today:
        raise InvalidDate(field, f"is in the future (today is {today.isoformat()})", value.isoformat())
    return value


def require_aware(moment: datetime, field: str = "timestamp") -> datetime:
    """Timestamps must carry a time zone (Asia/Shanghai by convention); naive ones are refused."""
    if not isinstance(moment, datetime):
        raise InputTypeError(field, f"must be a datetime.datetime, not {type(moment).__name__}", moment)
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise NaiveDatetimeError(field, "must be timezone-aware", moment.isoformat())
    return moment


CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
"""China Standard Time (UTC+8, no daylight saving): the calendar the centres keep."""


def china_day(at: datetime, field: str = "at") -> date:
    """The date in China of the aware datetime ``at`` (a naive one is refused, naming
    ``field``)."""
    return require_aware(at, field).astimezone(CHINA).date()
