"""The mortgage calculator (房贷计算器) in the quote convention.

Quote convention (ARCHITECTURE.md): rows are computed at full precision (equal principal
exactly, as rationals; equal instalment to 60 significant digits, far beyond any yuan
figure) and rounded half-up to the fen only for display, once (D-042);
totals come from the unrounded instalment x months. This is what bank calculators and
the seed app's 还款详情 screen show. A real loan's ledger (``amortize``) rounds every row,
so its rows differ from the quote's by a fen or so and its balances drift from them as
the roundings accumulate (for the seed loan by up to 2.45 yuan, taken up by the last
row: 1,085.56 against 1,088.02).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any, NamedTuple

import attrs

from hpf_core import _render
from hpf_core.errors import InvalidAmount
from hpf_core.loans._amortize import RepaymentMethod, check_method, check_months, check_principal
from hpf_core.money import MAX_AMOUNT, Amount, Rate, amount_from_fen, check_rate, fen, round_fen

_CTX = Context(prec=60, rounding=ROUND_HALF_UP)


@attrs.frozen
class QuoteRow:
    """One displayed row: ``balance`` is the principal still owed (剩余本金),
    ``remaining_payable`` the payments still to make (the seed screen's 贷款余额)."""

    period: int
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal
    remaining_payable: Decimal


@attrs.frozen
class Quote:
    """A calculator result (试算结果) for one loan."""

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
    rows: tuple[QuoteRow, ...] = attrs.field(repr=False)

    def __iter__(self) -> Iterator[QuoteRow]:
        return iter(self.rows)

    # ------------------------------------------------------------------ display (D-060)

    def __repr__(self) -> str:
        return (
            f"<Quote {self.months} months {self.method.chinese} {self.method.value}: "
            f"{_render.money_text(self.amount)} at {_render.rate_text(self.annual_rate)}; "
            f"monthly payment {_render.money_text(self.monthly_payment)}; "
            f"total interest {_render.money_text(self.total_interest)}>"
        )

    def _table(self) -> _render.Table:
        rows = self.rows

        def row(i: int) -> tuple[_render.Cell, ...]:
            r = rows[i]
            return (r.period, r.payment, r.principal, r.interest, r.balance, r.remaining_payable)

        facts = (
            _render.QUOTE_FACT,
            *_render.loan_facts(self.amount, self.annual_rate, self.months, self.method),
            ("monthly_payment", f"{self.monthly_payment:.2f}"),
            ("monthly_decrease", f"{self.monthly_decrease:.2f}"),
            ("last_payment", f"{self.last_payment:.2f}"),
        )
        return _render.Table(
            f"试算结果 Quote: {_render.money_text(self.amount)} at {_render.rate_text(self.annual_rate)}"
            f" over {self.months} months, {self.method.chinese} {self.method.value}",
            facts,
            (_render.PERIOD, *_render.LEDGER_AMOUNTS, _render.REMAINING),
            len(rows),
            row,
            (_render.TOTAL_LABEL, self.total_payment, self.amount, self.total_interest, None, None),
        )

    def _repr_html_(self) -> str:
        """The rows as an HTML table in a notebook: bilingual headers and the totals row."""
        return _render.html_table(self._table())

    def to_csv(self) -> str:
        """The rows as CSV text: a ``#`` header block (the quote convention, the loan, the
        rate used, the headline figures), a header row, one line per row and a ``total`` row
        holding the displayed totals (``total_payment``, the amount, ``total_interest``).

        >>> q = mortgage_quote(1200, "0.06", 2, "equal-principal")
        >>> print(q.to_csv(), end="")  # doctest: +ELLIPSIS
        # 试算结果 Quote: 1,200.00 at 6.00% over 2 months, 等额本金 equal-principal
        # convention,"quote: ..."
        # principal,1200.00
        # annual_rate,6.00%
        # months,2
        # method,equal-principal 等额本金
        # monthly_payment,606.00
        # monthly_decrease,3.00
        # last_payment,603.00
        period,payment,principal,interest,balance,remaining_payable
        1,606.00,600.00,6.00,600.00,603.00
        2,603.00,600.00,3.00,0.00,0.00
        total,1209.00,1200.00,9.00,,
        """
        return _render.csv_text(self._table())

    def _columns(self, in_fen: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
        names = ("payment", "principal", "interest", "balance", "remaining_payable")
        columns: dict[str, Any] = {"period": [r.period for r in self.rows]}
        if _render.check_in_fen(in_fen):
            columns.update({f"{n}_fen": [fen(getattr(r, n)) for r in self.rows] for n in names})
            return columns, ()
        columns.update({n: [getattr(r, n) for r in self.rows] for n in names})
        return columns, names

    def to_pandas(self, *, in_fen: bool = False) -> Any:
        """The rows as a ``pandas.DataFrame`` (``pip install 'hpf[pandas]'``): ``period``
        (int64), then ``payment``, ``principal``, ``interest``, ``balance``,
        ``remaining_payable`` as ``Decimal`` yuan (object columns) or, with ``in_fen=True``,
        ``payment_fen`` ... as int64 fen. No totals row."""
        columns, decimals = self._columns(in_fen)
        return _render.frame("pandas", columns, decimals=decimals)

    def to_polars(self, *, in_fen: bool = False) -> Any:
        """The rows as a ``polars.DataFrame`` (``pip install 'hpf[polars]'``): the columns of
        :meth:`to_pandas`, amounts as ``Decimal(scale=2)`` or, with ``in_fen=True``, Int64 fen."""
        columns, decimals = self._columns(in_fen)
        return _render.frame("polars", columns, decimals=decimals)


@attrs.frozen
class CombinedQuote:
    """A combined loan (组合贷款): the HPF part, the commercial part and their row-by-row sum.

    The merged figures add the two parts' full-precision values and round the sum, so a
    merged row can differ by 0.01 from the sum of the two rounded part rows.
    """

    hpf: Quote
    commercial: Quote
    months: int
    method: RepaymentMethod
    monthly_payment: Decimal
    monthly_decrease: Decimal
    last_payment: Decimal
    total_interest: Decimal
    total_payment: Decimal
    rows: tuple[QuoteRow, ...] = attrs.field(repr=False)

    def __iter__(self) -> Iterator[QuoteRow]:
        return iter(self.rows)

    # ------------------------------------------------------------------ display (D-060)

    def __repr__(self) -> str:
        return (
            f"<CombinedQuote {self.months} months {self.method.chinese} {self.method.value}: "
            f"HPF {_render.money_text(self.hpf.amount)} at {_render.rate_text(self.hpf.annual_rate)}"
            f" + commercial {_render.money_text(self.commercial.amount)} at "
            f"{_render.rate_text(self.commercial.annual_rate)}; monthly payment "
            f"{_render.money_text(self.monthly_payment)}; total interest "
            f"{_render.money_text(self.total_interest)}>"
        )

    def _table(self) -> _render.Table:
        rows, hpf_rows, com_rows = self.rows, self.hpf.rows, self.commercial.rows

        def row(i: int) -> tuple[_render.Cell, ...]:
            r = rows[i]
            return (
                r.period,
                hpf_rows[i].payment,
                com_rows[i].payment,
                r.payment,
                r.principal,
                r.interest,
                r.balance,
                r.remaining_payable,
            )

        hpf, com = self.hpf, self.commercial
        facts = (
            _render.QUOTE_FACT,
            ("hpf_principal", f"{hpf.amount:.2f}"),
            ("hpf_rate", _render.rate_text(hpf.annual_rate)),
            ("commercial_principal", f"{com.amount:.2f}"),
            ("commercial_rate", _render.rate_text(com.annual_rate)),
            ("months", str(self.months)),
            ("method", f"{self.method.value} {self.method.chinese}"),
            ("hpf_monthly_payment", f"{hpf.monthly_payment:.2f}"),
            ("commercial_monthly_payment", f"{com.monthly_payment:.2f}"),
            ("monthly_payment", f"{self.monthly_payment:.2f}"),
            ("monthly_decrease", f"{self.monthly_decrease:.2f}"),
            ("last_payment", f"{self.last_payment:.2f}"),
        )
        return _render.Table(
            f"组合贷款 Combined quote: HPF {_render.money_text(hpf.amount)} at "
            f"{_render.rate_text(hpf.annual_rate)} + commercial {_render.money_text(com.amount)} at "
            f"{_render.rate_text(com.annual_rate)} over {self.months} months, "
            f"{self.method.chinese} {self.method.value}",
            facts,
            (
                _render.PERIOD,
                _render.HPF_PAYMENT,
                _render.COMMERCIAL_PAYMENT,
                *_render.LEDGER_AMOUNTS,
                _render.REMAINING,
            ),
            len(rows),
            row,
            (
                _render.TOTAL_LABEL,
                hpf.total_payment,
                com.total_payment,
                self.total_payment,
                hpf.amount + com.amount,
                self.total_interest,
                None,
                None,
            ),
        )

    def _repr_html_(self) -> str:
        """The merged rows with each part's payment as an HTML table, and the totals row."""
        return _render.html_table(self._table())

    def to_csv(self) -> str:
        """The merged rows as CSV text, each part's payment beside them (``hpf_payment``,
        ``commercial_payment``), under a header block naming both parts' amounts and rates;
        the ``total`` row holds the displayed totals (as for :meth:`Quote.to_csv`)."""
        return _render.csv_text(self._table())


class _Ratio(NamedTuple):
    """An exact amount of fen, ``num / den`` (``den`` > 0), kept unreduced: cheap to build
    and to add, rounded once for display."""

    num: int
    den: int


# One exact row: period, payment, principal, interest, balance, remaining payable. Equal
# principal rows are exact rationals (every figure is a small rational, and a figure
# exactly on half a fen must round up, D-042); equal instalment rows are 60-digit decimals
# (their exact values have denominators of hundreds of digits and never fall on half a fen).
_Value = Decimal | _Ratio
_Exact = tuple[int, _Value, _Value, _Value, _Value, _Value]


@attrs.frozen
class _ExactQuote:
    rows: tuple[_Exact, ...]
    total_payment: _Value
    total_interest: _Value
    decrease: _Value


def _exact(amount: Decimal, rate: Decimal, months: int, method: RepaymentMethod) -> _ExactQuote:
    ctx = _CTX
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        r = ctx.divide(rate, 12)
        rows: list[_Exact] = []
        balance = amount
        if r.is_zero():
            payment = ctx.divide(amount, months)
        else:
            growth = ctx.power(ctx.add(1, r), months)
            payment = ctx.divide(ctx.multiply(ctx.multiply(amount, r), growth), ctx.subtract(growth, 1))
        for k in range(1, months + 1):
            interest = ctx.multiply(balance, r)
            part = ctx.subtract(payment, interest)
            balance = ctx.subtract(balance, part)
            rows.append((k, payment, part, interest, balance, ctx.multiply(payment, months - k)))
        total = ctx.multiply(payment, months)
        return _ExactQuote(tuple(rows), total, ctx.subtract(total, amount), Decimal(0))
    num, den = rate.as_integer_ratio()
    return _exact_equal_principal(fen(amount), int(num), int(den), months)


def _exact_equal_principal(amount: int, num: int, den: int, months: int) -> _ExactQuote:
    """Equal principal rows exactly, in fen over one denominator ``scale`` = months x 12 x
    den (the annual rate is num / den): row k owes amount x (months - k + 1) / months before
    it, repays amount / months and pays interest on what it owed at the rate / 12."""
    scale = months * 12 * den
    part = amount * 12 * den
    interests = [amount * (months - k + 1) * num for k in range(1, months + 1)]
    # remaining payable: the sum of the payments after each row, accumulated from the end
    still = [0] * months
    for index in range(months - 2, -1, -1):
        still[index] = still[index + 1] + part + interests[index + 1]
    rows: list[_Exact] = [
        (
            k,
            _Ratio(part + interests[k - 1], scale),
            _Ratio(part, scale),
            _Ratio(interests[k - 1], scale),
            _Ratio(amount * (months - k) * 12 * den, scale),
            _Ratio(still[k - 1], scale),
        )
        for k in range(1, months + 1)
    ]
    interest_num = amount * num * (months + 1)  # amount x rate / 12 x (months + 1) / 2
    return _ExactQuote(
        tuple(rows),
        _Ratio(amount * 24 * den + interest_num, 24 * den),
        _Ratio(interest_num, 24 * den),
        _Ratio(amount * num, scale),
    )


def _add(a: _Value, b: _Value) -> _Value:
    if isinstance(a, _Ratio) and isinstance(b, _Ratio):
        if a.den == b.den:
            return _Ratio(a.num + b.num, a.den)
        return _Ratio(a.num * b.den + b.num * a.den, a.den * b.den)
    assert isinstance(a, Decimal)
    assert isinstance(b, Decimal)
    return _CTX.add(a, b)


def _add_rows(a: _Exact, b: _Exact) -> _Exact:
    return (a[0], _add(a[1], b[1]), _add(a[2], b[2]), _add(a[3], b[3]), _add(a[4], b[4]), _add(a[5], b[5]))


def _round(value: _Value) -> Decimal:
    """Half up to the fen, once, from the exact (or 60-digit) figure (never negative)."""
    if isinstance(value, _Ratio):
        return amount_from_fen((2 * value.num + value.den) // (2 * value.den))
    return round_fen(value)


_FEN = Decimal("0.01")
_ZERO_FEN = Decimal("0.00")
_HALF_UP = Context(prec=60, rounding=ROUND_HALF_UP)


def _round_decimal(value: Decimal) -> Decimal:
    """:func:`_round` of a figure the 60-digit kernel made (finite by construction): the
    same half-up quantize as ``round_fen``, without its input checks; ``-0.00`` (a balance
    a few 1e-55 below zero at the end) is ``0.00``."""
    return value.quantize(_FEN, context=_HALF_UP) or _ZERO_FEN


def _display(row: _Exact) -> QuoteRow:
    k, pay, prin, intr, bal, still = row
    if type(pay) is Decimal:  # equal instalment: five 60-digit figures (the hot path)
        r = _round_decimal
        return QuoteRow(k, r(pay), r(prin), r(intr), r(bal), r(still))  # type: ignore[arg-type]
    return QuoteRow(k, _round(pay), _round(prin), _round(intr), _round(bal), _round(still))


def _quote(amount: Decimal, rate: Decimal, months: int, method: RepaymentMethod, exact: _ExactQuote) -> Quote:
    rows = tuple(_display(row) for row in exact.rows)
    return Quote(
        amount,
        rate,
        months,
        method,
        rows[0].payment,
        _round(exact.decrease),
        rows[-1].payment,
        _round(exact.total_interest),
        _round(exact.total_payment),
        rows,
    )


def mortgage_quote(principal: Amount, annual_rate: Rate, months: int, method: RepaymentMethod | str) -> Quote:
    """What the calculator shows for one loan (商业贷款 or 公积金贷款).

    The seed app's screen: 250,000 yuan, 30 years, 3.25%, 等额本息.

    >>> q = mortgage_quote(250000, Decimal("0.0325"), 360, RepaymentMethod.EQUAL_INSTALLMENT)
    >>> q.monthly_payment, q.total_interest, q.total_payment
    (Decimal('1088.02'), Decimal('141685.69'), Decimal('391685.69'))
    >>> r = q.rows[0]
    >>> r.principal, r.interest, r.remaining_payable
    (Decimal('410.93'), Decimal('677.08'), Decimal('390597.67'))
    """
    amount = check_principal(principal)
    rate = check_rate(annual_rate)
    count = check_months(months)
    kind = check_method(method)
    return _quote(amount, rate, count, kind, _exact(amount, rate, count, kind))


def combined_quote(
    hpf_principal: Amount,
    hpf_rate: Rate,
    commercial_principal: Amount,
    commercial_rate: Rate,
    months: int,
    method: RepaymentMethod | str,
) -> CombinedQuote:
    """A combined loan (组合贷款): both parts share the term and method, and are added
    row by row at full precision (never through an "equivalent rate").

    >>> c = combined_quote(400000, "0.026", 300000, "0.035", 360, "equal-installment")
    >>> c.hpf.monthly_payment, c.commercial.monthly_payment, c.monthly_payment
    (Decimal('1601.36'), Decimal('1347.13'), Decimal('2948.49'))
    """
    hpf_amount = check_principal(hpf_principal, "hpf_principal")
    com_amount = check_principal(commercial_principal, "commercial_principal")
    h_rate = check_rate(hpf_rate, "hpf_rate")
    c_rate = check_rate(commercial_rate, "commercial_rate")
    count = check_months(months)
    kind = check_method(method)
    if _CTX.add(hpf_amount, com_amount) > MAX_AMOUNT:
        raise InvalidAmount("commercial_principal", "the two parts together exceed the ledger maximum")
    h = _exact(hpf_amount, h_rate, count, kind)
    c = _exact(com_amount, c_rate, count, kind)
    merged = tuple(_display(_add_rows(a, b)) for a, b in zip(h.rows, c.rows, strict=True))
    return CombinedQuote(
        _quote(hpf_amount, h_rate, count, kind, h),
        _quote(com_amount, c_rate, count, kind, c),
        count,
        kind,
        merged[0].payment,
        _round(_add(h.decrease, c.decrease)),
        merged[-1].payment,
        _round(_add(h.total_interest, c.total_interest)),
        _round(_add(h.total_payment, c.total_payment)),
        merged,
    )
