"""Loan-servicing rules (贷后规则) as centre data: the ``[loans.servicing]`` part of a
centre policy, parsed strictly, with defaults that are the library's long-standing
behaviour (D-036).

>>> p = parse_servicing_policy({"day_basis": "actual/365", "penalty_factor": "1.3",
...                             "source": "demo"})
>>> p.day_basis.divisor, p.penalty_factor, p.prepay_min_months
(365, Decimal('1.3'), 12)
>>> parse_servicing_policy({"penalty_facter": "1.3"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
hpf_core.errors.InvalidPolicy: loans.servicing.penalty_facter: is not a known key (...)
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from hpf_core._choice import choice
from hpf_core._tables import known_table, no_float
from hpf_core.accounts._interest import DayBasis
from hpf_core.errors import HpfError, InputTypeError, InvalidAmount, InvalidChoice, InvalidPolicy
from hpf_core.loans._amortize import MAX_MONTHS
from hpf_core.money import MAX_RATE_PLACES, Amount, Rate, check_rate, to_decimal, yuan

ZERO = Decimal("0.00")


class Bucket(enum.Enum):
    """What a repayment can pay, in the order a policy lists them."""

    PENALTY = "penalty"
    OVERDUE_INTEREST = "overdue-interest"
    OVERDUE_PRINCIPAL = "overdue-principal"
    CURRENT_INTEREST = "current-interest"
    CURRENT_PRINCIPAL = "current-principal"


DEFAULT_ALLOCATION = (
    Bucket.PENALTY,
    Bucket.OVERDUE_INTEREST,
    Bucket.OVERDUE_PRINCIPAL,
    Bucket.CURRENT_INTEREST,
    Bucket.CURRENT_PRINCIPAL,
)


class PenaltyMode(enum.Enum):
    """How penalty interest (罚息) is charged (HAFMIS PLPunishInterestType, docs/domain.md §6.8)."""

    CONTRACT_RATE_FACTOR = "contract-rate-factor"
    """按合同日利率上浮: contract rate x factor / the day basis's divisor a day
    (PBOC 2003-251: +30% to +50%)."""
    DAILY_RATE = "daily-rate"
    """按罚息日利率: a fixed daily rate."""


LOAN_DAY_BASES = (DayBasis.ACTUAL_360, DayBasis.ACTUAL_365)
"""The day bases loan servicing counts with: actual days over 360 (PBOC 日利率 = 年利率 ÷
360) or over 365. 30/360 is a deposit-interest convention and is refused here."""


def _day_basis(value: DayBasis | str) -> DayBasis:
    basis = choice(DayBasis, value, "day_basis")
    if basis not in LOAN_DAY_BASES:
        raise InvalidChoice("day_basis", "must be actual/360 or actual/365 for loan servicing", value)
    return basis


def _whole(value: object, field: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputTypeError(field, "must be a whole number, 0 or more", value)
    if value > maximum:
        raise InvalidAmount(field, f"must be at most {maximum}", value)
    return value


def _not_negative(value: Amount, field: str) -> Decimal:
    amount = yuan(value, field)
    if amount < 0:
        raise InvalidAmount(field, "must not be negative", value)
    return amount


def _grace_days(value: object) -> int:
    return _whole(value, "grace_days", 366)


def _prepay_min_months(value: object) -> int:
    return _whole(value, "prepay_min_months", MAX_MONTHS)


def _settle_min_months(value: object) -> int:
    return _whole(value, "settle_min_months", MAX_MONTHS)


def _settle_min_instalments(value: object) -> int:
    return _whole(value, "settle_min_instalments", MAX_MONTHS)


def _prepay_max_per_year(value: object) -> int:
    return _whole(value, "prepay_max_per_year", 366)


def _prepay_min_amount(value: Amount) -> Decimal:
    return _not_negative(value, "prepay_min_amount")


def _prepay_multiple(value: Amount) -> Decimal:
    return _not_negative(value, "prepay_multiple")


def _penalty_factor(value: object) -> Decimal:
    number = to_decimal(value, "penalty_factor")
    if number <= 0 or number > 10:
        raise InvalidAmount("penalty_factor", "must be greater than 0 and at most 10", value)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_RATE_PLACES:
        raise InvalidAmount("penalty_factor", f"has more than {MAX_RATE_PLACES} decimal places", value)
    return number


def _daily(value: Rate) -> Decimal:
    return check_rate(value, "penalty_daily_rate")


def _buckets(value: Sequence[Bucket | str]) -> tuple[Bucket, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidChoice("allocation", "must be a list of buckets", value)
    return tuple(choice(Bucket, item, "allocation") for item in value)


def _mode(value: PenaltyMode | str) -> PenaltyMode:
    return choice(PenaltyMode, value, "penalty_mode")


@attrs.frozen
class ServicingPolicy:
    """A centre's loan-servicing rules, each with a default taken from docs/domain.md §6.7–6.8.

    A centre sets them in the ``[loans.servicing]`` section of its policy file
    (:func:`parse_servicing_policy`; ``CenterPolicy.loans.servicing``).
    """

    allocation: tuple[Bucket, ...] = attrs.field(default=DEFAULT_ALLOCATION, converter=_buckets)
    penalty_mode: PenaltyMode = attrs.field(default=PenaltyMode.CONTRACT_RATE_FACTOR, converter=_mode)
    penalty_factor: Decimal = attrs.field(default=Decimal("1.5"), converter=_penalty_factor)
    """150% of the loan rate a day (HPF practice, docs/domain.md §6.8 [S36]; PBOC 1.3–1.5 [S35])."""
    penalty_daily_rate: Decimal = attrs.field(default=Decimal(0), converter=_daily)
    grace_days: int = attrs.field(default=0, converter=_grace_days)
    prepay_min_months: int = attrs.field(default=12, converter=_prepay_min_months)
    """The seed: 主借款人自发放个人贷款满一年后可办理提前还款."""
    prepay_min_amount: Decimal = attrs.field(default=ZERO, converter=_prepay_min_amount)
    prepay_multiple: Decimal = attrs.field(default=ZERO, converter=_prepay_multiple)
    """Prepaid principal must be a multiple of this (0: any amount)."""
    prepay_max_per_year: int = attrs.field(default=0, converter=_prepay_max_per_year)
    """0: no limit."""
    settle_min_months: int = attrs.field(default=0, converter=_settle_min_months)
    """The earliest 提前结清: not before this many months after disbursement (0: any time;
    D-049)."""
    settle_min_instalments: int = attrs.field(default=0, converter=_settle_min_instalments)
    """The earliest 提前结清: not before this many instalments have been repaid in full
    (0: any time; D-049)."""
    split_repricing_period: bool = False
    """Split the interest of a period that a repricing date falls inside by days."""
    day_basis: DayBasis = attrs.field(default=DayBasis.ACTUAL_360, converter=_day_basis)
    """The day basis of penalty interest and of the interest a prepayment or settlement
    pays for the days since the last due date: actual days / 360 (PBOC 日利率 = 年利率 ÷ 360,
    the default) or actual days / 365."""

    def __attrs_post_init__(self) -> None:
        if tuple(sorted(self.allocation, key=lambda b: b.value)) != tuple(
            sorted(Bucket, key=lambda b: b.value)
        ):
            raise InvalidChoice("allocation", "must list each bucket exactly once")


_KNOWN = frozenset(
    {
        "allocation",
        "penalty_mode",
        "penalty_factor",
        "penalty_daily_rate",
        "grace_days",
        "day_basis",
        "prepay_min_months",
        "prepay_min_amount",
        "prepay_multiple",
        "prepay_max_per_year",
        "settle_min_months",
        "settle_min_instalments",
        "split_repricing_period",
        "source",
    }
)


def parse_servicing_policy(table: object, path: str = "loans.servicing") -> ServicingPolicy:
    """The ``[loans.servicing]`` table of a centre policy as a :class:`ServicingPolicy`.

    Every key is optional (a missing one keeps the default); an unknown key, a TOML float,
    a wrong type or a value out of range raises ``InvalidPolicy`` naming the key path.
    Decimals are quoted strings (``penalty_factor = "1.5"``); ``allocation`` is a list of
    bucket names; ``source`` says where the figures come from.
    """
    data: dict[str, Any] = known_table(table, path, _KNOWN)
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{path}.{key}"
        no_float(value, where)
        if key == "source":
            if not isinstance(value, str):
                raise InvalidPolicy(where, "must be a string", value)
            continue
        if key == "split_repricing_period" and not isinstance(value, bool):
            raise InvalidPolicy(where, "must be true or false", value)
        if key == "allocation" and not isinstance(value, list):
            raise InvalidPolicy(where, "must be a list of bucket names", value)
        if key in {"penalty_mode", "day_basis"} and not isinstance(value, str):
            raise InvalidPolicy(where, "must be a string", value)
        values[key] = value
    try:
        return ServicingPolicy(**values)
    except HpfError as exc:
        where = f"{path}.{exc.field}" if exc.field in _KNOWN else path
        if exc.value is None:
            raise InvalidPolicy(where, exc.reason) from exc
        raise InvalidPolicy(where, exc.reason, exc.value) from exc
