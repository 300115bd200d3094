"""The calculator's headline figures without its rows (D-069): what ``mortgage_quote``
shows above the table — the monthly (first), last and decreasing payments, the totals —
and the first row, from closed forms instead of every row.

The figures are the row-based quote's to the fen, by construction: each comes from the
same full-precision value the row-based quote rounds (the same 60-digit operations for
equal instalment; the same exact rationals for equal principal), rounded once, half up.

- Equal instalment: the instalment ``P·r·(1+r)^n / ((1+r)^n − 1)`` (``P / n`` at a zero
  rate) is every row's payment, so it is the first and the last; the total is
  ``n × instalment`` and the interest ``n × instalment − P``; the first row owes interest
  ``P·r``, repays ``instalment − P·r`` and leaves ``instalment × (n − 1)`` to pay.
- Equal principal: row k pays ``P/n + P·(n − k + 1)/n · r``; the first and last payments
  are k = 1 and k = n, the decrease ``P/n · r``, the interest ``r·P·(n + 1)/2`` and what is
  left to pay after the first row ``(n − 1)·P/n + r·P/n · n(n − 1)/2``.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from hpf_core.calculators._quote import _CTX, QuoteRow, _Ratio, _round, _round_decimal
from hpf_core.loans._amortize import RepaymentMethod, check_method, check_months, check_principal
from hpf_core.money import Amount, Rate, check_rate, fen


@attrs.frozen
class QuoteSummary:
    """What the calculator shows above its table (试算结果), without the rows: the fields
    of :class:`~hpf_core.calculators.Quote` but ``rows``, and the first row (``first``)."""

    amount: Decimal
    annual_rate: Decimal
    months: int
    method: RepaymentMethod
    monthly_payment: Decimal
    """First month's payment (每月月供 / 首月月供)."""
    monthly_decrease: Decimal
    """Equal principal: how much the payment falls each month (每月递减); 0.00 otherwise."""
    last_payment: Decimal
    """The final month's payment (末月月供)."""
    total_interest: Decimal
    total_payment: Decimal
    first: QuoteRow
    """The first month's row, as ``mortgage_quote(...).rows[0]``."""


def _equal_installment(amount: Decimal, rate: Decimal, months: int) -> QuoteSummary:
    ctx = _CTX
    r = ctx.divide(rate, 12)
    if r.is_zero():
        payment = ctx.divide(amount, months)
    else:
        growth = ctx.power(ctx.add(1, r), months)
        payment = ctx.divide(ctx.multiply(ctx.multiply(amount, r), growth), ctx.subtract(growth, 1))
    interest = ctx.multiply(amount, r)
    part = ctx.subtract(payment, interest)
    balance = ctx.subtract(amount, part)
    total = ctx.multiply(payment, months)
    shown = _round_decimal(payment)
    first = QuoteRow(
        1,
        shown,
        _round_decimal(part),
        _round_decimal(interest),
        _round_decimal(balance),
        _round_decimal(ctx.multiply(payment, months - 1)),
    )
    return QuoteSummary(
        amount,
        rate,
        months,
        RepaymentMethod.EQUAL_INSTALLMENT,
        shown,
        _round(Decimal(0)),
        shown,
        _round(ctx.subtract(total, amount)),
        _round(total),
        first,
    )


def _equal_principal(amount: Decimal, rate: Decimal, months: int) -> QuoteSummary:
    """In fen over one denominator ``scale`` = months × 12 × den (the annual rate is
    num / den), as the row-based quote's exact rows."""
    principal = fen(amount)
    num, den = (int(x) for x in rate.as_integer_ratio())
    scale = months * 12 * den
    part = principal * 12 * den  # P / n, over scale
    step = principal * num  # P / n x r (the monthly rate is num / (12 den)), over scale
    first_interest = step * months
    # after the first row: (n - 1) parts and the interests of rows 2..n, step x (n-1 + ... + 1)
    still = (months - 1) * part + step * (months - 1) * months // 2
    interest = principal * num * (months + 1)  # over 24 den: P x r / 12 x (n + 1) / 2
    payment = _round(_Ratio(part + first_interest, scale))
    first = QuoteRow(
        1,
        payment,
        _round(_Ratio(part, scale)),
        _round(_Ratio(first_interest, scale)),
        _round(_Ratio(principal * (months - 1) * 12 * den, scale)),
        _round(_Ratio(still, scale)),
    )
    return QuoteSummary(
        amount,
        rate,
        months,
        RepaymentMethod.EQUAL_PRINCIPAL,
        payment,
        _round(_Ratio(step, scale)),
        _round(_Ratio(part + step, scale)),
        _round(_Ratio(interest, 24 * den)),
        _round(_Ratio(principal * 24 * den + interest, 24 * den)),
        first,
    )


def mortgage_quote_summary(
    principal: Amount, annual_rate: Rate, months: int, method: RepaymentMethod | str
) -> QuoteSummary:
    """:func:`~hpf_core.calculators.mortgage_quote`'s figures without computing its rows:
    every field of the quote but ``rows``, equal to the fen, and its first row (``first``).
    Checks its arguments as ``mortgage_quote`` does.

    The seed app's screen (250,000 yuan, 30 years, 3.25%, 等额本息):

    >>> s = mortgage_quote_summary(250000, Decimal("0.0325"), 360, "equal-installment")
    >>> s.monthly_payment, s.total_interest, s.total_payment
    (Decimal('1088.02'), Decimal('141685.69'), Decimal('391685.69'))
    >>> s.first.principal, s.first.interest, s.first.remaining_payable
    (Decimal('410.93'), Decimal('677.08'), Decimal('390597.67'))
    >>> e = mortgage_quote_summary(1200, "0.06", 2, "equal-principal")
    >>> e.monthly_payment, e.monthly_decrease, e.last_payment, e.total_interest
    (Decimal('606.00'), Decimal('3.00'), Decimal('603.00'), Decimal('9.00'))
    """
    amount = check_principal(principal)
    rate = check_rate(annual_rate)
    count = check_months(months)
    kind = check_method(method)
    if kind is RepaymentMethod.EQUAL_INSTALLMENT:
        return _equal_installment(amount, rate, count)
    return _equal_principal(amount, rate, count)
