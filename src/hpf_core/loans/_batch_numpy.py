"""The numpy kernels of ``amortize_many`` (:mod:`hpf_core.loans._batch`): every loan's
ledger rows as integer-fen columns, computed in int64, or in float64 whole fen where a
bound proves every interest exact (D-065). numpy is passed in by the caller: importing
this module imports nothing optional."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from hpf_core.loans._amortize import RepaymentMethod, annuity_fen

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]

# Products balance x rate numerator must stay below this for the int64 path.
INT64_SAFE = 2**62


def fits_int64(p_fen: list[int], fracs: list[tuple[int, int]]) -> bool:
    top_p = max(p_fen)
    top_num = max(n for n, _ in fracs)
    top_den = max(d for _, d in fracs)
    return top_p * max(top_num, 1) + top_den < INT64_SAFE and top_p * 2 < INT64_SAFE


def _payments_numpy(
    np: Any, p_fen: list[int], fracs: list[tuple[int, int]], terms: tuple[int, ...]
) -> IntArray:
    """Equal instalments in fen: float annuity, with the exact integer formula wherever
    the float lands too near a rounding boundary to be trusted (almost never)."""
    p = np.asarray(p_fen, dtype=np.float64)
    num = np.asarray([f[0] for f in fracs], dtype=np.float64)
    den = np.asarray([f[1] for f in fracs], dtype=np.float64)
    n = np.asarray(terms, dtype=np.float64)
    r = num / den
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(r > 0, r / -np.expm1(-n * np.log1p(r)), 1.0 / n)
    exact = p * factor  # fen, before rounding
    floor = np.floor(exact)
    frac = exact - floor
    pay = (floor + (frac >= 0.5)).astype(np.int64)
    # The float error is far below 1e-12 relative; re-check anything within 1e-9 relative
    # (plus an absolute margin) of the .5 boundary, and every zero-rate loan, exactly.
    doubtful = (np.abs(frac - 0.5) <= exact * 1e-9 + 1e-6) | (r == 0)
    for i in np.flatnonzero(doubtful).tolist():
        pay[i] = annuity_fen(p_fen[i], fracs[i][0], fracs[i][1], terms[i])
    result: IntArray = pay
    return result


_CHUNK = 4096
"""Loans advanced together: small enough that the working arrays stay in cache."""


def rows_numpy(
    np: Any,
    p_fen: list[int],
    fracs: list[tuple[int, int]],
    terms: tuple[int, ...],
    kind: RepaymentMethod,
    total: int,
) -> tuple[Any, Any, Any, Any]:
    """The four fen columns, loans in input order, each loan's rows contiguous.

    Equal instalment: loans go in chunks; inside a chunk every loan advances one period
    per step (a loan past its term is computed on and dropped) into a [period, loan]
    block, which is flattened loan by loan at the end of the chunk. Equal principal has a
    closed form (see :func:`_equal_principal_numpy`).
    """
    n_all = np.asarray(terms, dtype=np.int64)
    p_all = np.asarray(p_fen, dtype=np.int64)
    num_all = np.asarray([f[0] for f in fracs], dtype=np.int64)
    den_all = np.asarray([f[1] for f in fracs], dtype=np.int64)
    exact_in_float = _fits_float(p_fen, fracs)
    if kind is RepaymentMethod.EQUAL_PRINCIPAL:
        if exact_in_float:
            return _equal_principal_float(np, p_all, num_all, den_all, n_all, total)
        return _equal_principal_numpy(np, p_all, num_all, den_all, n_all, total)
    per_month_all = _payments_numpy(np, p_fen, fracs, terms)
    if exact_in_float:
        return _equal_installment_float(np, p_all, num_all, den_all, n_all, per_month_all, total)
    columns = [np.empty(total, dtype=np.int64) for _ in range(4)]
    row = 0
    for first in range(0, len(p_fen), _CHUNK):
        chunk = slice(first, first + _CHUNK)
        n = n_all[chunk]
        balance = p_all[chunk].copy()
        num, den, per_month = num_all[chunk], den_all[chunk], per_month_all[chunk]
        half = den // 2
        longest = int(n.max())
        width = len(n)
        block = np.empty((3, longest, width), dtype=np.int64)  # principal, interest, balance
        scratch = np.empty(width, dtype=np.int64)
        for k in range(longest):
            part, interest = block[0, k], block[1, k]
            np.multiply(balance, num, out=scratch)
            np.add(scratch, half, out=scratch)
            np.floor_divide(scratch, den, out=interest)  # half-up: den is even
            np.subtract(per_month, interest, out=part)
            np.minimum(part, balance, out=part)
            np.subtract(balance, part, out=balance)
            block[2, k] = balance
        # The last row of each loan takes what is left: its principal is the balance owed
        # before it. (Rows past a loan's term were computed on and are dropped below.)
        loans, last = np.arange(width), n - 1
        owed = np.where(last > 0, block[2, np.maximum(last - 1, 0), loans], p_all[chunk])
        block[0, last, loans] = owed
        block[2, last, loans] = 0
        live = np.arange(longest)[None, :] < n[:, None]  # [loan, period]: rows that exist
        rows = int(n.sum())
        for column, values in zip(columns[1:], block, strict=True):
            column[row : row + rows] = values.T[live]
        row += rows
    np.add(columns[1], columns[2], out=columns[0])  # payment = principal + interest
    return columns[0], columns[1], columns[2], columns[3]


def _equal_principal_numpy(
    np: Any, p_all: Any, num_all: Any, den_all: Any, n_all: Any, total: int
) -> tuple[Any, Any, Any, Any]:
    """Equal principal in closed form, every row at once: before row k (0-based) a loan
    owes exactly max(P − k·part, 0), because every earlier row took ``part`` or cleared
    the loan; the last row takes what is owed. Interest is that balance x r, half up."""
    count = len(n_all)
    loan = np.repeat(np.arange(count, dtype=np.int64), n_all)
    starts = np.concatenate(([0], np.cumsum(n_all)[:-1])).astype(np.int64)
    k = np.arange(total, dtype=np.int64) - starts[loan]
    p, n = p_all[loan], n_all[loan]
    part = ((2 * p_all + n_all) // (2 * n_all))[loan]
    owed = np.maximum(p - k * part, 0)
    principal = np.where(k == n - 1, owed, np.minimum(part, owed))
    den = den_all[loan]
    interest = (owed * num_all[loan] + den // 2) // den
    balance = owed - principal
    return principal + interest, principal, interest, balance


# --------------------------------------------------------------------------- float64 kernels (D-065)
#
# The half-up interest on a balance b is floor(v), v = b·num/den + 1/2, a multiple of
# 1/(2·den). Moving v by 1/(4·den) changes no floor: an integer v stays in [k, k + 1/(4den)],
# any other lies at least 1/(2den) below the next integer. So with r = fl(num/den) and
# c = fl(1/2 + 1/(4den)), floor(fl(fl(b·r) + c)) is exact whenever the float error, under
# 4u(t + 1) for t = b·num/den and u = 2**-53, stays below 1/(4den): that is whenever
# b·num + den < 2**49. Balances, parts and payments are whole fen below 2**49 too, so
# their sums and differences in float64 are exact. The float loop then does what the
# plain float loop does (one multiply, one add, one floor per interest), with no int64
# division, which numpy does one element at a time.

_FLOAT_EXACT = 2**49


def _fits_float(p_fen: list[int], fracs: list[tuple[int, int]]) -> bool:
    """Every interest of the float kernels is exact (see above): b·num + den < 2**49."""
    top_num = max(n for n, _ in fracs)
    top_den = max(d for _, d in fracs)
    return max(p_fen) * max(top_num, 1) + top_den < _FLOAT_EXACT


def _rate_and_bias(np: Any, num_all: Any, den_all: Any) -> tuple[Any, Any]:
    den = den_all.astype(np.float64)
    return num_all.astype(np.float64) / den, 0.5 + 0.25 / den


_FLOAT_CHUNK = 8192
"""Equal instalment: loans advanced together per chunk, at most (a [period, loan] block
of two float64 columns, up to 47 MB at 360 periods, less than the chunk's own four int64 output
columns; fewer, wider steps beat cache-sized chunks here: numpy's per-call cost
dominates narrow steps)."""

_FLOAT_ROWS = 1 << 16
"""Equal principal: rows computed together (their temporaries stay in cache)."""


def _equal_installment_float(
    np: Any, p_all: Any, num_all: Any, den_all: Any, n_all: Any, per_month_all: Any, total: int
) -> tuple[Any, Any, Any, Any]:
    """Equal instalment in float64 whole fen (exact, see above), loans in chunks; each
    step advances every loan of the chunk one period and keeps only its interest and
    balance (principal = balance before − balance after, payment = principal + interest,
    both derived at the end in int64)."""
    count = len(n_all)
    p_f = p_all.astype(np.float64)
    rate_f, bias_f = _rate_and_bias(np, num_all, den_all)
    per_month_f = per_month_all.astype(np.float64)
    interest, balance = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.int64)
    row = 0
    step = -(-count // -(-count // _FLOAT_CHUNK))  # even chunks of at most _FLOAT_CHUNK loans
    for first in range(0, count, step):
        chunk = slice(first, first + step)
        n = n_all[chunk]
        width, longest = len(n), int(n.max())
        rate, bias, per_month = rate_f[chunk], bias_f[chunk], per_month_f[chunk]
        block = np.empty((2, longest, width))  # interest, balance after the row
        part = np.empty(width)
        owed = p_f[chunk]
        for k in range(longest):
            due, after = block[0, k], block[1, k]
            np.multiply(owed, rate, out=due)
            np.add(due, bias, out=due)
            np.floor(due, out=due)
            np.subtract(per_month, due, out=part)
            np.minimum(part, owed, out=part)
            np.subtract(owed, part, out=after)
            owed = after
        # Rows past a loan's term were computed on (their balance stays 0) and are dropped.
        live = np.arange(longest)[None, :] < n[:, None]  # [loan, period]: rows that exist
        rows = int(n.sum())
        for column, values in ((interest, block[0]), (balance, block[1])):
            column[row : row + rows] = values.T[live]
        row += rows
    starts = np.zeros(count, dtype=np.int64)
    np.cumsum(n_all[:-1], out=starts[1:])
    balance[starts + n_all - 1] = 0  # the last row takes what is left
    principal = np.empty(total, dtype=np.int64)
    np.subtract(balance[:-1], balance[1:], out=principal[1:])
    principal[starts] = p_all - balance[starts]
    return principal + interest, principal, interest, balance


def _equal_principal_float(
    np: Any, p_all: Any, num_all: Any, den_all: Any, n_all: Any, total: int
) -> tuple[Any, Any, Any, Any]:
    """:func:`_equal_principal_numpy`'s closed form in float64 whole fen (exact, see
    above), over runs of whole loans of about :data:`_FLOAT_ROWS` rows each."""
    count = len(n_all)
    part_all = ((2 * p_all + n_all) // (2 * n_all)).astype(np.float64)
    p_f = p_all.astype(np.float64)
    rate_f, bias_f = _rate_and_bias(np, num_all, den_all)
    starts = np.zeros(count, dtype=np.int64)
    np.cumsum(n_all[:-1], out=starts[1:])
    pay, prin, intr, bal = (np.empty(total, dtype=np.int64) for _ in range(4))
    bounds = sorted({*np.searchsorted(starts, np.arange(0, total, _FLOAT_ROWS)).tolist(), count})
    for a, b in itertools.pairwise(bounds):
        n, first = n_all[a:b], int(starts[a])
        rows = int(n.sum())
        done = slice(first, first + rows)
        k = np.arange(rows, dtype=np.float64)  # row within its loan, from 0
        k -= np.repeat((starts[a:b] - first).astype(np.float64), n)
        part = np.repeat(part_all[a:b], n)
        owed = np.repeat(p_f[a:b], n)  # owed before row k: max(P - k·part, 0)
        k *= part
        owed -= k
        np.maximum(owed, 0, out=owed)
        x = np.repeat(rate_f[a:b], n)
        x *= owed
        x += np.repeat(bias_f[a:b], n)
        np.floor(x, out=x)
        intr[done] = x
        np.minimum(part, owed, out=part)
        last = starts[a:b] + n - 1 - first
        part[last] = owed[last]  # the last row takes what is owed
        prin[done] = part
        owed -= part
        bal[done] = owed
    np.add(prin, intr, out=pay)
    return pay, prin, intr, bal
