"""Prototypes (bench only, not hpf API): exact ledger rows, faster than ``amortize_many``.

They exist to show, with numbers, what would close the gaps measured by ``run.py``; each
is checked against hpf's ledger by ``run.py`` (its "fen mismatches" column must read 0).

* :func:`exact_float_loop` - the same period-by-period loop as ``amortize_many`` but in
  float64 holding whole fen. Every value is an integer below 2**53, so sums, differences
  and products are exact, and for integers ``0 <= x`` and ``den > 0`` with
  ``x + den < 2**53``, ``floor(x / den)`` of the correctly rounded float quotient equals
  ``x // den`` (the true quotient is at least ``1/den`` below the next integer, more than
  half an ulp there). So the half-up interest ``(b*num + den/2) // den`` is exact without
  int64 division, which is the slow operation in numpy.
* :func:`exact_equal_principal_grid` - equal principal has a closed form: before row
  ``k`` the balance is ``max(P - k*part, 0)``, so every row of every loan is computed at
  once (int64, no period loop).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

EXACT_LIMIT = 2**53


def _annuity_fen(p_fen: np.ndarray, num: np.ndarray, den: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Equal instalments in fen, rounded half up once: float formula, and an exact
    rational re-check for the few that land near a .5 boundary."""
    r = num / den
    exact = p_fen * (r / -np.expm1(-n * np.log1p(r)))
    floor = np.floor(exact)
    frac = exact - floor
    pay = floor + (frac >= 0.5)
    for i in np.flatnonzero(np.abs(frac - 0.5) <= exact * 1e-9 + 1e-6).tolist():
        rate = Fraction(int(num[i]), int(den[i]))
        growth = (1 + rate) ** int(n[i])
        value = int(p_fen[i]) * rate * growth / (growth - 1)
        pay[i] = int(value + Fraction(1, 2))  # floor(value + 1/2): half up
    return pay


def exact_float_loop(
    principals: list[int], rate_bp: list[int], months: list[int], equal_installment: bool
) -> tuple[np.ndarray, ...]:
    """Ledger rows for loans with whole-yuan principals and rates in 0.01 % steps.

    All loans advance together one period at a time (sorted longest first so the live
    loans are a prefix), in float64 whole fen; output as flat float64 columns (payment,
    principal, interest, balance), loans in input order, each loan's rows contiguous.
    """
    count = len(principals)
    n_arr = np.asarray(months, dtype=np.int64)
    # rate_bp / 10_000 a year = rate_bp / 120_000 a month; reduce is not needed for exactness
    num_all = np.asarray(rate_bp, dtype=np.float64)
    den_all = np.full(count, 120_000.0)
    p_all = np.asarray(principals, dtype=np.float64) * 100.0
    if float((p_all * num_all).max() + den_all.max()) * 2 >= EXACT_LIMIT:
        raise OverflowError("amounts x rate numerator too large for the exact float64 path")
    order = np.argsort(-n_arr, kind="stable")
    n_sorted = n_arr[order]
    balance = p_all[order]
    num, den = num_all[order], den_all[order]
    half = den / 2
    if equal_installment:
        per_month = _annuity_fen(balance, num, den, n_sorted.astype(np.float64))
    else:
        per_month = np.floor((2 * balance + n_sorted) / (2 * n_sorted))  # exact: same argument
    starts = np.zeros(count, dtype=np.int64)
    np.cumsum(n_arr[:-1], out=starts[1:])
    row0 = starts[order]
    total = int(n_arr.sum())
    pays, prins, ints, bals = (np.empty(total) for _ in range(4))
    live = np.searchsorted(-n_sorted, -np.arange(1, int(n_sorted[0]) + 1), side="right")
    for k in range(int(n_sorted[0])):
        m = int(live[k])
        last = int(np.searchsorted(-n_sorted[:m], -(k + 1), side="left"))  # loans ending at row k+1
        b = balance[:m]
        interest = np.floor((b * num[:m] + half[:m]) / den[:m])
        due = per_month[:m] - interest if equal_installment else per_month[:m]
        part = np.minimum(due, b)
        part[last:] = b[last:]
        b -= part
        pos = row0[:m] + k
        pays[pos] = interest + part
        prins[pos] = part
        ints[pos] = interest
        bals[pos] = b
    return pays, prins, ints, bals


def exact_equal_principal_grid(
    principals: list[int], rate_bp: list[int], months: list[int]
) -> tuple[np.ndarray, ...]:
    """Equal-principal ledger rows in closed form on a [loan, period] int64 grid."""
    n = np.asarray(months, dtype=np.int64)[:, None]
    p = np.asarray(principals, dtype=np.int64)[:, None] * 100
    num = np.asarray(rate_bp, dtype=np.int64)[:, None]
    den = 120_000
    part = (2 * p + n) // (2 * n)
    k = np.arange(int(n.max()), dtype=np.int64)[None, :]
    mask = k < n
    before = np.maximum(p - k * part, 0)[mask]  # balance owed before each existing row
    take = np.broadcast_to(part, mask.shape)[mask]
    is_last = np.broadcast_to(k == n - 1, mask.shape)[mask]
    principal = np.where(is_last, before, np.minimum(take, before))
    interest = (before * np.broadcast_to(num, mask.shape)[mask] + den // 2) // den
    return interest + principal, principal, interest, before - principal
