"""Properties of deposit interest by the 积数 method, over generated accounts.

Money is generated as integer fen (never floats); running balances never go below zero.
"""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta
from decimal import Decimal

import attrs
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hpf_core.accounts import (
    DayBasis,
    accrue_interest,
    accrue_interest_segments,
    closing_interest,
    interest_days,
    interest_year,
)
from hpf_core.money import amount_from_fen
from hpf_core.testing import annual_rates

PROPS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEN = Decimal("0.01")
MAX_OPENING_FEN = 10**9  # 10,000,000.00 yuan
MAX_POSTING_FEN = 10**8  # 1,000,000.00 yuan


@attrs.frozen
class Account:
    """An interest period: opening balance, dated postings, a rate and a day basis."""

    opening: Decimal
    postings: tuple[tuple[date, Decimal], ...]
    start: date
    end: date
    rate: Decimal
    basis: DayBasis

    @property
    def length(self) -> int:
        """Calendar days in the period, both ends included."""
        return (self.end - self.start).days + 1


@st.composite
def accounts(
    draw: st.DrawFn,
    max_days: int = 800,
    max_postings: int = 6,
    start: date | None = None,
    length: int | None = None,
) -> Account:
    """A period (``length`` days from ``start``, or drawn) with deposits and withdrawals
    that never overdraw the account."""
    if start is None:
        start = draw(st.dates(date(1995, 1, 1), date(2035, 12, 31)))
    if length is None:
        length = draw(st.integers(1, max_days))
    end = start + timedelta(days=length - 1)
    opening = draw(st.integers(0, MAX_OPENING_FEN))
    offsets = sorted(draw(st.lists(st.integers(0, length - 1), max_size=max_postings)))
    running = opening
    postings: list[tuple[date, Decimal]] = []
    for offset in offsets:
        delta = draw(st.integers(-running, MAX_POSTING_FEN))
        running += delta
        postings.append((start + timedelta(days=offset), amount_from_fen(delta)))
    if len({day for day, _ in postings}) == len(postings):
        postings = list(draw(st.permutations(postings)))  # the order of the list must not matter
    rate = draw(annual_rates(max_value=Decimal("0.1")))
    basis = draw(st.sampled_from(DayBasis))
    return Account(amount_from_fen(opening), tuple(postings), start, end, rate, basis)


def interest(account: Account) -> Decimal:
    return accrue_interest(
        account.opening, account.postings, account.start, account.end, account.rate, basis=account.basis
    )


def product_fen_days(account: Account) -> int:
    rates = [(account.start, account.rate)]
    breakdown = accrue_interest_segments(
        account.opening, account.postings, account.start, account.end, rates, basis=account.basis
    )
    return breakdown.product_fen_days


def brute_force_actual_product(account: Account) -> int:
    """Σ end-of-day balance over every calendar day, in fen x days, one day at a time."""
    total = 0
    day = account.start
    while day <= account.end:
        balance = account.opening + sum(
            (amount for when, amount in account.postings if when <= day), Decimal(0)
        )
        total += int(balance * 100)
        day += timedelta(days=1)
    return total


def thirty_360_weight(day: date) -> int:
    """What one day counts on 30/360: the 31st nothing, the end of February up to the 30th."""
    if day.day == 31:
        return 0
    if day.month == 2 and day.day == calendar.monthrange(day.year, 2)[1]:
        return 31 - day.day
    return 1


def brute_force_thirty_360_product(account: Account) -> int:
    """Σ end-of-day balance x the day's 30/360 weight, one day at a time, in fen x days."""
    total = 0
    day = account.start
    while day <= account.end:
        balance = account.opening + sum(
            (amount for when, amount in account.postings if when <= day), Decimal(0)
        )
        total += int(balance * 100) * thirty_360_weight(day)
        day += timedelta(days=1)
    return total


def up_to(account: Account, last: date) -> Account:
    """The same account over ``start``..``last``."""
    kept = tuple((day, amount) for day, amount in account.postings if day <= last)
    return attrs.evolve(account, postings=kept, end=last)


def after(account: Account, last: date) -> Account:
    """The same account over ``last + 1``..``end``, opening with the balance at ``last``."""
    before = sum((amount for day, amount in account.postings if day <= last), Decimal(0))
    kept = tuple((day, amount) for day, amount in account.postings if day > last)
    return attrs.evolve(
        account, opening=account.opening + before, postings=kept, start=last + timedelta(days=1)
    )


class TestEveryAccrual:
    @PROPS
    @given(accounts())
    def test_interest_is_never_negative_and_is_fen_exact(self, account: Account) -> None:
        result = interest(account)
        assert result >= 0
        assert result == result.quantize(FEN)

    @PROPS
    @given(accounts(), st.data())
    def test_adding_a_deposit_never_lowers_interest(self, account: Account, data: st.DataObject) -> None:
        offset = data.draw(st.integers(0, account.length - 1))
        amount = amount_from_fen(data.draw(st.integers(1, MAX_POSTING_FEN)))
        more = attrs.evolve(
            account, postings=(*account.postings, (account.start + timedelta(days=offset), amount))
        )
        assert interest(more) >= interest(account)
        assert product_fen_days(more) >= product_fen_days(account)

    @PROPS
    @given(accounts(), st.data())
    def test_splitting_the_period_adds_the_products_exactly(
        self, account: Account, data: st.DataObject
    ) -> None:
        assume(account.length >= 2)
        offset = data.draw(st.integers(0, account.length - 2))
        last = account.start + timedelta(days=offset)
        first_part, second_part = up_to(account, last), after(account, last)
        assert product_fen_days(first_part) + product_fen_days(second_part) == product_fen_days(account)
        # three roundings of at most half a fen each: the whole and the parts differ by at most a fen
        assert abs(interest(first_part) + interest(second_part) - interest(account)) <= FEN

    @PROPS
    @given(accounts())
    def test_one_rate_segments_equal_accrue_interest(self, account: Account) -> None:
        breakdown = accrue_interest_segments(
            account.opening,
            account.postings,
            account.start,
            account.end,
            [(account.start, account.rate)],
            basis=account.basis,
        )
        assert len(breakdown.segments) == 1
        assert breakdown.total == breakdown.segments[0].interest == interest(account)

    @PROPS
    @given(accounts())
    def test_the_actual_product_equals_a_day_by_day_sum(self, account: Account) -> None:
        for basis in (DayBasis.ACTUAL_365, DayBasis.ACTUAL_360):
            assert product_fen_days(attrs.evolve(account, basis=basis)) == brute_force_actual_product(account)

    @PROPS
    @given(accounts())
    def test_the_30_360_product_equals_a_day_by_day_weighted_sum(self, account: Account) -> None:
        thirty = attrs.evolve(account, basis=DayBasis.THIRTY_360)
        assert product_fen_days(thirty) == brute_force_thirty_360_product(account)

    @PROPS
    @given(accounts())
    def test_the_interest_is_the_product_times_the_rate_over_the_divisor_rounded_once(
        self, account: Account
    ) -> None:
        exact = Decimal(product_fen_days(account)) * account.rate / account.basis.divisor / 100
        assert abs(interest(account) - exact) <= Decimal("0.005")

    @PROPS
    @given(accounts())
    def test_a_zero_rate_pays_nothing(self, account: Account) -> None:
        assert interest(attrs.evolve(account, rate=Decimal(0))) == Decimal("0.00")

    @PROPS
    @given(accounts())
    def test_the_closing_balance_is_the_opening_plus_the_postings(self, account: Account) -> None:
        rates = [(account.start, account.rate)]
        breakdown = accrue_interest_segments(
            account.opening, account.postings, account.start, account.end, rates, basis=account.basis
        )
        assert breakdown.closing_balance == account.opening + sum(
            (amount for _, amount in account.postings), Decimal(0)
        )


class TestRateSegments:
    @PROPS
    @given(accounts(), st.data())
    def test_segments_tile_the_period_and_their_products_add_up(
        self, account: Account, data: st.DataObject
    ) -> None:
        assume(account.length >= 2)
        offsets = sorted(set(data.draw(st.lists(st.integers(1, account.length - 1), max_size=3))))
        new_rates = data.draw(
            st.lists(annual_rates(max_value=Decimal("0.1")), min_size=len(offsets), max_size=len(offsets))
        )
        rates = [(account.start, account.rate)]
        rates += [(account.start + timedelta(days=o), r) for o, r in zip(offsets, new_rates, strict=True)]
        breakdown = accrue_interest_segments(
            account.opening, account.postings, account.start, account.end, rates, basis=account.basis
        )
        segments = breakdown.segments
        assert segments[0].start == account.start
        assert segments[-1].end == account.end
        for earlier, later in itertools.pairwise(segments):
            assert later.start == earlier.end + timedelta(days=1)
            assert later.annual_rate != earlier.annual_rate
        assert breakdown.product_fen_days == product_fen_days(account)
        assert breakdown.total == sum((s.interest for s in segments), Decimal(0))
        assert sum(s.days for s in segments) == interest_days(account.start, account.end, basis=account.basis)


class TestDayCounts:
    @PROPS
    @given(st.dates(date(1995, 1, 1), date(2035, 12, 31)), st.integers(0, 800), st.integers(0, 800))
    def test_day_counts_add_when_a_period_is_split(self, start: date, first: int, second: int) -> None:
        middle = start + timedelta(days=first)
        end = middle + timedelta(days=second + 1)
        for basis in DayBasis:
            whole = interest_days(start, end, basis=basis)
            assert whole == interest_days(start, middle, basis=basis) + interest_days(
                middle + timedelta(days=1), end, basis=basis
            )

    @PROPS
    @given(st.integers(1995, 2035), st.integers(1, 12))
    def test_every_whole_month_counts_30_days_on_30_360(self, year: int, month: int) -> None:
        last = calendar.monthrange(year, month)[1]
        assert interest_days(date(year, month, 1), date(year, month, last), basis=DayBasis.THIRTY_360) == 30

    @PROPS
    @given(st.dates(date(1995, 1, 1), date(2035, 12, 31)))
    def test_every_interest_year_counts_360_days_on_30_360(self, on: date) -> None:
        start, end = interest_year(on)
        assert interest_days(start, end, basis=DayBasis.THIRTY_360) == 360
        actual = interest_days(start, end, basis=DayBasis.ACTUAL_365)
        assert actual == (end - start).days + 1
        assert actual == (366 if calendar.isleap(end.year) else 365)

    @PROPS
    @given(st.dates(date(1995, 1, 1), date(2035, 12, 31)))
    def test_a_single_day_counts_0_to_3_days_on_30_360(self, on: date) -> None:
        # the 31st counts nothing; 28 Feb (end) counts the 28th-30th, 29 Feb the 29th-30th
        assert interest_days(on, on, basis=DayBasis.THIRTY_360) == thirty_360_weight(on)


class TestClosingInterestProperties:
    @PROPS
    @given(st.dates(date(1995, 1, 1), date(2035, 12, 31)), st.data())
    def test_closing_interest_accrues_from_1_july_to_the_day_before_closing(
        self, on: date, data: st.DataObject
    ) -> None:
        start, year_end = interest_year(on)
        closing = data.draw(st.dates(start + timedelta(days=1), year_end))
        account = data.draw(accounts(start=start, length=(closing - start).days))
        assert account.end == closing - timedelta(days=1)
        expected = interest(account)
        result = closing_interest(
            account.opening, account.postings, closing, account.rate, basis=account.basis
        )
        assert result == expected

    @PROPS
    @given(st.integers(1995, 2035), accounts(max_days=1))
    def test_closing_on_1_july_pays_nothing(self, year: int, account: Account) -> None:
        closing = date(year, 7, 1)
        assert closing_interest(account.opening, [], closing, account.rate, basis=account.basis) == Decimal(
            "0.00"
        )
