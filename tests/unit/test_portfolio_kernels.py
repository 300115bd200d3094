"""amortize_many's float64 kernels and input fast path (issue #16, D-065) against the
independent per-loan ``amortize`` ledger, row by row, on portfolios that reach their edges."""

from __future__ import annotations

import random
from decimal import Context, Decimal, localcontext
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hpf_core.errors import InputTypeError, InvalidAmount, InvalidRate, InvalidTerm
from hpf_core.loans import Installment, amortize, amortize_many
from hpf_core.money import amounts_from_fen

np = pytest.importorskip("numpy")


def _portfolio(count: int, seed: int, *, big: bool = False) -> tuple[list[int], list[Decimal], list[int]]:
    rng = random.Random(seed)
    principals, rates, months = [], [], []
    for _ in range(count):
        shape = rng.random()
        if shape < 0.1:  # tiny loans: the part can clear the loan before its last row
            principals.append(rng.randint(1, 50))
        elif big:
            principals.append(rng.randint(10**9, 9 * 10**9))  # beyond the float kernels' 2**49
        else:
            principals.append(rng.randint(1_000, 2_000_000))
        # 0.123456 makes num·P exceed 2**49 for the big loans: those take the int64 kernels
        choices = ["0", "0.0285", "0.031", "0.0325", "0.48", "0.123456", f"0.0{rng.randint(100, 999)}"]
        rates.append(Decimal(rng.choice(choices)))
        months.append(rng.choice([1, 2, 3, rng.randint(1, 480)]))
    return principals, rates, months


def _ledger(principals: list[int], rates: list[Decimal], months: list[int], method: str) -> list[list[int]]:
    cols: list[list[int]] = [[], [], [], []]
    for p, r, m in zip(principals, rates, months, strict=True):
        s = amortize(p, r, m, method)
        for col, values in zip(
            cols, (s.payment_fen, s.principal_fen, s.interest_fen, s.balance_fen), strict=True
        ):
            col.extend(values)
    return cols


@pytest.mark.parametrize("method", ["equal-installment", "equal-principal"])
@pytest.mark.parametrize("big", [False, True])
def test_numpy_rows_equal_the_per_loan_ledger(method: str, big: bool) -> None:
    principals, rates, months = _portfolio(400, 16 + big, big=big)
    want = _ledger(principals, rates, months, method)
    batch = amortize_many(principals, rates, months, method, use_numpy=True)
    got = [
        np.asarray(c.fen).tolist() for c in (batch.payment, batch.principal, batch.interest, batch.balance)
    ]
    assert got == want


def test_fast_and_general_input_paths_agree() -> None:
    principals, rates, months = _portfolio(100, 7)
    plain = amortize_many(principals, rates, months, "equal-installment")
    mixed = amortize_many(
        [Decimal(p) for p in principals], [str(r) for r in rates], months, "equal-installment"
    )
    assert plain == mixed
    assert plain.principals[0] == Decimal(principals[0])
    assert str(plain.principals[0]).endswith(".00")


@pytest.mark.parametrize(
    ("principals", "rates", "months", "error", "field"),
    [
        ([1000, 0, 1000], "0.031", 12, InvalidAmount, "principals[1]"),
        ([1000, 2000], ["0.031", "1.5"], 12, InvalidRate, "annual_rates[1]"),
        ([1000, 2000], "0.031", [12, 481], InvalidTerm, "months[1]"),
        ([1000, 2000], [Decimal("0.031"), Decimal("-0.01")], 12, InvalidRate, "annual_rates[1]"),
    ],
)
def test_a_bad_entry_is_named_even_in_a_plain_portfolio(
    principals: list[int], rates: Any, months: Any, error: type[Exception], field: str
) -> None:
    many_rates = rates if isinstance(rates, str) else rates + [rates[0]] * 40
    many_months = months if isinstance(months, int) else months + [months[0]] * 40
    with pytest.raises(error) as caught:  # 40 more good loans: a numpy-sized batch
        amortize_many(principals + [principals[0]] * 40, many_rates, many_months, "equal-principal")
    assert field in str(caught.value)


def test_amounts_from_fen_are_exact_with_two_places() -> None:
    values = [0, 1, -1, 99, 100, 123_456_789, 2**62, 7, 7, 7, 7]
    assert amounts_from_fen(values) == [Decimal(v) / 100 for v in values]
    assert all(d.as_tuple().exponent == -2 for d in amounts_from_fen(values))


def test_installment_is_an_immutable_record() -> None:
    row = amortize(1200, "0.06", 2, "equal-principal")[0]
    assert row == Installment(
        1, None, Decimal("606.00"), Decimal("600.00"), Decimal("6.00"), Decimal("600.00")
    )
    assert row != (1, None, Decimal("606.00"), Decimal("600.00"), Decimal("6.00"), Decimal("600.00"))
    assert (row.period, row.payment, row.balance) == (1, Decimal("606.00"), Decimal("600.00"))
    with pytest.raises(AttributeError):
        row.payment = Decimal(0)
    with pytest.raises(TypeError):
        _ = row < amortize(1200, "0.06", 2, "equal-principal")[1]
    assert repr(row).startswith("Installment(period=1, due_date=None, payment=Decimal('606.00')")


@pytest.mark.parametrize(
    ("counts", "field"), [("123", "counts"), (5, "counts"), ([1, 2.0], "counts[1]"), ([True], "counts[0]")]
)
def test_amounts_from_fen_refuses_what_is_not_int_fen(counts: object, field: str) -> None:
    with pytest.raises(InputTypeError) as caught:
        amounts_from_fen(counts)  # type: ignore[arg-type]
    assert caught.value.field == field


@settings(max_examples=60, deadline=None)
@given(
    prec=st.integers(1, 80),
    emin=st.integers(-999, 0),
    emax=st.integers(0, 999),
    clamp=st.integers(0, 1),
    principal=st.integers(1, 9_999_999_999),
    months=st.integers(1, 480),
    method=st.sampled_from(["equal-installment", "equal-principal"]),
)
# the edges: too few digits for a balance; clamping exponents above Emax − prec + 1 = −19
@example(prec=9, emin=-999, emax=999, clamp=0, principal=9_999_999_999, months=360, method="equal-principal")
@example(prec=60, emin=-999, emax=40, clamp=1, principal=123_456, months=12, method="equal-installment")
def test_rows_do_not_depend_on_the_ambient_context(
    prec: int, emin: int, emax: int, clamp: int, principal: int, months: int, method: str
) -> None:
    """D-072: the rows' Decimals are the fen columns × 0.01 exactly, whatever context the
    caller has set, and building them signals nothing: every trap is on and no flag is set."""
    schedule = amortize(principal, "0.0325", months, method)
    private = Context(prec=60)
    expected = [
        tuple(Decimal(v).scaleb(-2, context=private) for v in col)
        for col in (schedule.payment_fen, schedule.principal_fen, schedule.interest_fen, schedule.balance_fen)
    ]
    ambient = Context(prec=prec, Emin=emin, Emax=emax, clamp=clamp, traps=list(Context().flags))
    with localcontext(ambient) as ctx:
        rows = schedule.installments
        assert not any(ctx.flags.values())
    columns = list(zip(*((r.payment, r.principal, r.interest, r.balance) for r in rows), strict=True))
    for got, want in zip(columns, expected, strict=True):
        assert [str(d) for d in got] == [str(d) for d in want]  # value and exponent -2 alike
