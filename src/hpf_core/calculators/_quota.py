"""The loan quota (可贷额度): the least of the limits a centre's policy sets.

quota = min(account balances x multiple, repayment capacity, price x loan-to-value,
centre cap), rounded down to the policy's unit (docs/domain.md §6.2). Every limit is shown,
with the one that binds, so a member sees why the figure is what it is.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import attrs

from hpf_core.errors import InputTypeError, InvalidAmount, InvalidRate, InvalidTerm
from hpf_core.loans._amortize import check_months, rate_fraction
from hpf_core.loans._rates import HomeOrder, _check_home
from hpf_core.money import Amount, Rate, amount_from_fen, check_rate, fen, money_context, yuan
from hpf_core.policy import LoanPolicy


@attrs.frozen
class LoanQuota:
    """The quota and every limit behind it; ``binding`` names the smallest."""

    amount: Decimal
    limits: tuple[tuple[str, Decimal], ...]
    binding: str


def max_principal_fen(payment_fen: int, num: int, den: int, months: int) -> int:
    """The largest principal (fen) whose ledger instalment does not exceed ``payment_fen``.

    The instalment is round_half_up(P x A / B) with A = num x q^n, B = den x (q^n − den^n),
    q = den + num; it stays <= payment while P x A < (payment + 1/2) x B. Each argument must
    be an ``int`` (``InputTypeError``); ``num`` at least 0 and ``den`` at least 1
    (``InvalidRate``), ``months`` 1 to 480 (``InvalidTerm``).

    >>> max_principal_fen(10000, 0, 12, 10)   # 0 %: ten payments of 100.00 repay 1,000.04 at most
    100004
    """
    for name, value in (("payment_fen", payment_fen), ("num", num), ("den", den)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputTypeError(name, f"must be an int, not {type(value).__name__}", value)
    if num < 0 or den < 1:
        raise InvalidRate(
            "num" if num < 0 else "den", "the monthly rate num/den must be at least 0", f"{num}/{den}"
        )
    months = check_months(months)
    if payment_fen <= 0:
        return 0
    if num == 0:
        a, b = 1, months
    else:
        growth: int = (den + num) ** months
        base: int = den**months
        a, b = num * growth, den * (growth - base)
    limit = (2 * payment_fen + 1) * b  # P x 2a < limit
    return -(-limit // (2 * a)) - 1


def _nonnegative(value: Amount, field: str) -> Decimal:
    amount = yuan(value, field)
    if amount < 0:
        raise InvalidAmount(field, "must not be negative", value)
    return amount


def loan_quota(
    *,
    balance: Amount,
    monthly_income: Amount,
    price: Amount,
    months: int,
    annual_rate: Rate,
    policy: LoanPolicy,
    home: HomeOrder | str = HomeOrder.FIRST,
    existing_monthly_debt: Amount = 0,
) -> LoanQuota:
    """The most a member may borrow (可贷额度) under ``policy``.

    ``balance``: HPF balances of the borrower and co-borrowers; ``monthly_income``: the
    family's; ``price``: the home's; ``existing_monthly_debt``: payments already owed
    each month. Capacity is the largest loan whose equal instalment at ``annual_rate``
    over ``months`` fits in income x ``policy.capacity_ratio`` − existing debt.

    >>> from hpf_core.policy import LoanPolicy
    >>> p = LoanPolicy(360, Decimal(15), Decimal("0.5"), Decimal("0.8"), Decimal("0.6"),
    ...                Decimal(600000), Decimal(400000), Decimal(1000))
    >>> q = loan_quota(balance=30000, monthly_income=12000, price=1000000, months=360,
    ...                annual_rate="0.026", policy=p)
    >>> q.amount, q.binding
    (Decimal('450000.00'), 'balance')
    """
    saved = _nonnegative(balance, "balance")
    income = _nonnegative(monthly_income, "monthly_income")
    cost = _nonnegative(price, "price")
    debt = _nonnegative(existing_monthly_debt, "existing_monthly_debt")
    term = check_months(months)
    if term > policy.max_term_months:
        raise InvalidTerm("months", f"exceeds the centre's maximum of {policy.max_term_months}", months)
    rate = check_rate(annual_rate)
    order = _check_home(home)
    with money_context():
        return _quota(saved, income, cost, debt, term, rate, order, policy)


def _quota(
    saved: Decimal,
    income: Decimal,
    cost: Decimal,
    debt: Decimal,
    term: int,
    rate: Decimal,
    order: HomeOrder,
    policy: LoanPolicy,
) -> LoanQuota:
    afford = (income * policy.capacity_ratio - debt).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    num, den = rate_fraction(rate)
    capacity = (
        amount_from_fen(max_principal_fen(fen(afford), num, den, term)) if afford > 0 else Decimal("0.00")
    )
    ltv = policy.ltv_first if order is HomeOrder.FIRST else policy.ltv_second
    cap = policy.cap_first if order is HomeOrder.FIRST else policy.cap_second
    limits = (
        ("balance", (saved * policy.balance_multiple).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)),
        ("capacity", capacity),
        ("price", (cost * ltv).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)),
        ("cap", cap),
    )
    name, least = min(limits, key=lambda item: item[1])
    unit = policy.quota_unit
    amount = ((least / unit).to_integral_value(rounding=ROUND_FLOOR) * unit).quantize(Decimal("0.01"))
    return LoanQuota(amount, limits, name)
