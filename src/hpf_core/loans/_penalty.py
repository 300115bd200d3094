"""Interest counted by the day (按日计息): penalty interest (罚息) on overdue bills, and the
interest a prepayment or settlement pays for the days since the last due date.

Both use the centre's day basis (``ServicingPolicy.day_basis``: actual days / 360 by
default, or / 365) and are exact rationals (``Fraction``), rounded half up to the fen once
where they become money (:func:`hpf_core.money.round_fraction_fen`), so they never depend
on the caller's decimal context (D-036).

>>> from decimal import Decimal
>>> policy = ServicingPolicy()
>>> penalty = penalty_for(Decimal("4270.16"), daily_penalty_rate(Decimal("0.031"), policy), 14)
>>> round_fraction_fen(penalty)  # 4,270.16 x 3.1% x 1.5 / 360 x 14 days
Decimal('7.72')
>>> round_fraction_fen(day_interest(Decimal("1000000.00"), Decimal("0.031"), 30, policy))
Decimal('2583.33')
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hpf_core.loans._servicing_policy import PenaltyMode, ServicingPolicy
from hpf_core.money import round_fraction_fen

__all__ = ["daily_penalty_rate", "day_interest", "penalty_for", "round_fraction_fen"]


def daily_penalty_rate(annual_rate: Decimal, policy: ServicingPolicy) -> Fraction:
    """The penalty rate a day (罚息日利率): the policy's fixed daily rate, or the contract
    rate x ``penalty_factor`` / the day basis's divisor."""
    if policy.penalty_mode is PenaltyMode.DAILY_RATE:
        return Fraction(policy.penalty_daily_rate)
    return Fraction(annual_rate) * Fraction(policy.penalty_factor) / policy.day_basis.divisor


def penalty_for(owed: Decimal, daily: Fraction, days: int) -> Fraction:
    """Penalty on ``owed`` for ``days`` days at ``daily``, exactly."""
    return Fraction(owed) * daily * days


def day_interest(principal: Decimal, annual_rate: Decimal, days: int, policy: ServicingPolicy) -> Fraction:
    """Interest on ``principal`` for ``days`` days at the contract rate, on the policy's day
    basis (principal x rate x days / divisor), exactly."""
    return Fraction(principal) * Fraction(annual_rate) * days / policy.day_basis.divisor
