"""The first strategies: amounts, rates, loan inputs, dates, IDs, phones, deposit accounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
from hypothesis import strategies as st

from hpf_core.accounts import ContributionRounding, DayBasis, DepositAccount, Employer, Member
from hpf_core.loans import MAX_MONTHS, PrepaymentStrategy, RepaymentMethod
from hpf_core.money import MAX_AMOUNT, amount_from_fen
from hpf_core.withdrawals import WithdrawalKind
from hpf_core.withdrawals._samples import sample_account, sample_policy

__all__ = [
    "Loan",
    "amounts",
    "annual_rates",
    "dates",
    "day_bases",
    "deposit_accounts",
    "id_numbers",
    "loans",
    "methods",
    "months",
    "phones",
    "prepayment_strategies",
    "realistic_loans",
    "rounding_modes",
    "sample_account",
    "sample_policy",
    "withdrawal_kinds",
]


@attrs.frozen
class Loan:
    """The inputs of one loan, as :func:`hpf_core.loans.amortize` takes them."""

    principal: Decimal
    annual_rate: Decimal
    months: int
    method: RepaymentMethod


def amounts(
    min_value: Decimal = Decimal("0.01"), max_value: Decimal = MAX_AMOUNT
) -> st.SearchStrategy[Decimal]:
    """Fen-exact ``Decimal`` amounts in ``[min_value, max_value]``."""
    low = int(min_value * 100)
    high = int(max_value * 100)
    return st.integers(low, high).map(amount_from_fen)


def annual_rates(
    min_value: Decimal = Decimal(0), max_value: Decimal = Decimal("0.2"), places: int = 6
) -> st.SearchStrategy[Decimal]:
    """Annual rates as fractions with up to ``places`` decimals (0.0325 = 3.25%)."""
    scale = 10**places
    return st.integers(int(min_value * scale), int(max_value * scale)).map(
        lambda n: Decimal(n).scaleb(-places) if n else Decimal(0)
    )


def months(min_value: int = 1, max_value: int = MAX_MONTHS) -> st.SearchStrategy[int]:
    """Loan terms in whole months."""
    return st.integers(min_value, max_value)


def methods() -> st.SearchStrategy[RepaymentMethod]:
    """等额本息 or 等额本金."""
    return st.sampled_from(RepaymentMethod)


def prepayment_strategies() -> st.SearchStrategy[PrepaymentStrategy]:
    """KEEP_TERM or SHORTEN_TERM."""
    return st.sampled_from(PrepaymentStrategy)


def loans(
    *,
    principal: st.SearchStrategy[Decimal] | None = None,
    annual_rate: st.SearchStrategy[Decimal] | None = None,
    term: st.SearchStrategy[int] | None = None,
    method: st.SearchStrategy[RepaymentMethod] | None = None,
) -> st.SearchStrategy[Loan]:
    """Any loan ``amortize`` accepts: 1.00 to 2,000,000.00 yuan, 0-20% a year, 1-480 months.

    This covers degenerate loans too (a few yuan over 40 years), where rounded parts can
    exceed what is owed and later rows are zero; see :func:`realistic_loans`.
    """
    return st.builds(
        Loan,
        principal if principal is not None else amounts(Decimal("1.00"), Decimal("2000000.00")),
        annual_rate if annual_rate is not None else annual_rates(),
        term if term is not None else months(),
        method if method is not None else methods(),
    )


def realistic_loans() -> st.SearchStrategy[Loan]:
    """Housing loans as centres and banks grant them: 10,000 to 5,000,000 yuan,
    0.5%-6% a year with at most three decimals of a percent, 12-360 months."""
    return loans(
        principal=amounts(Decimal("10000.00"), Decimal("5000000.00")),
        annual_rate=annual_rates(Decimal("0.005"), Decimal("0.06"), places=5),
        term=months(12, 360),
    )


def dates(
    min_value: date = date(2000, 1, 1), max_value: date = date(2035, 12, 31)
) -> st.SearchStrategy[date]:
    """Calendar dates (never datetimes)."""
    return st.dates(min_value, max_value)


def day_bases() -> st.SearchStrategy[DayBasis]:
    """Interest day bases: actual/360, actual/365, 30/360."""
    return st.sampled_from(DayBasis)


def rounding_modes() -> st.SearchStrategy[ContributionRounding]:
    """The eight contribution rounding modes (缴存精度)."""
    return st.sampled_from(ContributionRounding)


def withdrawal_kinds() -> st.SearchStrategy[WithdrawalKind]:
    """The ten withdrawal kinds (提取类型)."""
    return st.sampled_from(WithdrawalKind)


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """Valid 18-character resident ID numbers (GB 11643): a region, a real birth date,
    a sequence and the MOD 11-2 check character."""
    region = draw(st.sampled_from(["110105", "440524", "110102", "340524", "654301"]))
    born = draw(st.dates(date(1930, 1, 1), date(2008, 12, 31)))
    sequence = draw(st.integers(0, 999))
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]
    return first17 + check


def phones() -> st.SearchStrategy[str]:
    """Mainland mobile numbers: 11 digits starting 13-19."""
    return st.builds(
        lambda second, rest: f"1{second}{rest:09d}", st.integers(3, 9), st.integers(0, 10**9 - 1)
    )


@st.composite
def deposit_accounts(draw: st.DrawFn) -> DepositAccount:
    """Newly opened deposit accounts with a valid member, a base and ratios within 5%-12%."""
    number = draw(st.integers(1, 10**8))
    member = Member(f"M{number}", "职工", draw(id_numbers()), draw(phones()))
    ratio = draw(st.integers(5, 12).map(lambda n: Decimal(n) / 100))
    return DepositAccount(
        f"A{number}",
        member,
        Employer("E1", "单位"),
        draw(dates()),
        draw(amounts(Decimal("1000.00"), Decimal("50000.00"))),
        ratio,
        ratio,
    )
