"""Side-by-side amortization benchmark: hpf vs numpy-financial, amortization, mortgagemath
and a plain numpy float loop.

Workloads (the same generated loans for every library, fixed seed):

* W1 - one 250,000 yuan / 3.25% / 360-month equal-instalment (等额本息) schedule;
* W2 - 10,000 equal-instalment loans: principal 50,000..1,000,000 whole yuan,
  60..360 months, annual rate 2.60%..4.90% in 0.01% steps;
* W3 - the same 10,000 loans repaid by equal principal (等额本金).

Metric: rows per second, a row being one period of one loan's schedule with payment,
principal, interest and balance. Every variant must return all rows in memory (lazy
generators are consumed); the row count of each result is checked. Time is the best of
N samples (``time.perf_counter``, garbage collector paused during a sample as ``timeit``
does, one full collection before each sample).

Exactness: outside the timed region every variant's rows are rounded half up to the fen
and compared with hpf's ledger (``amortize``); the table counts rows whose principal or
interest differs. hpf's own variants are additionally asserted to equal the ledger.

Usage::

    python bench/run.py            # full run (a few minutes)
    python bench/run.py --smoke    # tiny sizes, 1-2 samples: CI keeps the benchmark alive
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

SEED = 20261126
W1_PRINCIPAL = 250_000
W1_RATE_BP = 325  # 3.25 % = 325 hundredths of a percent
W1_MONTHS = 360

FenColumns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""payment, principal, interest, balance as int64 fen, one entry per row, loans in order."""


# --------------------------------------------------------------------------- loan set


@dataclass(frozen=True)
class LoanSet:
    """One set of loans in every library's native input form (built outside timing)."""

    principals: list[int]  # whole yuan
    rate_bp: list[int]  # annual rate in hundredths of a percent (325 = 3.25 %)
    months: list[int]
    rates: list[Decimal] = field(init=False)  # hpf: fraction, Decimal('0.0325')
    rates_pct: list[Decimal] = field(init=False)  # mortgagemath: percent, Decimal('3.25')
    p_dec: list[Decimal] = field(init=False)  # mortgagemath principal
    p_float: list[float] = field(init=False)  # amortization (floats)
    r_float: list[float] = field(init=False)  # annual fraction as float
    p_arr: np.ndarray = field(init=False)
    r12_arr: np.ndarray = field(init=False)  # monthly rate, float64
    n_arr: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "rates", [Decimal(b).scaleb(-4) for b in self.rate_bp])
        put(self, "rates_pct", [Decimal(b).scaleb(-2) for b in self.rate_bp])
        put(self, "p_dec", [Decimal(p) for p in self.principals])
        put(self, "p_float", [float(p) for p in self.principals])
        put(self, "r_float", [b / 10_000 for b in self.rate_bp])
        put(self, "p_arr", np.asarray(self.p_float, dtype=np.float64))
        put(self, "r12_arr", np.asarray(self.r_float, dtype=np.float64) / 12)
        put(self, "n_arr", np.asarray(self.months, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.principals)

    @property
    def rows(self) -> int:
        return sum(self.months)


def make_loans(count: int, seed: int = SEED) -> LoanSet:
    """``count`` loans from a fixed seed; a smaller count gives a prefix of a larger one."""
    rng = random.Random(seed)
    principals, rate_bp, months = [], [], []
    for _ in range(count):
        principals.append(rng.randint(50_000, 1_000_000))
        rate_bp.append(rng.randint(260, 490))
        months.append(rng.randint(60, 360))
    return LoanSet(principals, rate_bp, months)


def w1_loans() -> LoanSet:
    return LoanSet([W1_PRINCIPAL], [W1_RATE_BP], [W1_MONTHS])


# --------------------------------------------------------------------------- variants and results


@dataclass
class Variant:
    library: str
    label: str
    run: Callable[[], Any] | None  # None: not supported (label says why)
    to_fen: Callable[[Any], FenColumns] | None
    exact_claim: bool  # the library promises fen-exact rows
    baseline: bool = False  # the numpy-financial figure ratios are taken against


@dataclass
class Result:
    workload: str
    variant: Variant
    rows: int = 0
    seconds: float = float("nan")
    samples: int = 0
    mismatched: int | None = None

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.run_ok else float("nan")

    @property
    def run_ok(self) -> bool:
        return self.variant.run is not None


# --------------------------------------------------------------------------- helpers


def fen_round(values: Any) -> np.ndarray:
    """Round float yuan half up to integer fen (sign ignored: npf returns cash outflows)."""
    return np.floor(np.abs(np.asarray(values, dtype=np.float64)) * 100 + 0.5).astype(np.int64)


def fen_round_float_fen(values: Any) -> np.ndarray:
    """Float fen (already rounded by the algorithm) to int64."""
    return np.rint(np.asarray(values, dtype=np.float64)).astype(np.int64)


def mismatches(got: FenColumns, ref: FenColumns) -> int:
    """Rows whose principal or interest differs from the reference ledger."""
    if len(got[1]) != len(ref[1]):
        raise AssertionError(f"row count {len(got[1])} != {len(ref[1])}")
    return int(np.count_nonzero((got[1] != ref[1]) | (got[2] != ref[2])))


CLOCK: list[Callable[[], float]] = [time.perf_counter]
"""CLOCK[0]: perf_counter (wall) by default; ``--timer cpu`` uses process_time, which leaves out the
time the process waits for a CPU on a shared, loaded machine (numpy runs one thread here)."""


def time_best(
    fn: Callable[[], Any], samples: int, budget: float, min_sample: float
) -> tuple[float, int, Any]:
    """Best seconds per call of ``fn`` over up to ``samples`` samples.

    A sample runs ``fn`` ``number`` times, ``number`` grown (x10) until one sample lasts
    ``min_sample`` seconds, as ``timeit.autorange`` does. Sampling stops early once
    ``budget`` seconds have been spent (at least one sample is always taken).
    Returns (best seconds per call, samples taken, the last result).
    """
    number = 1
    result = None
    while True:  # calibrate
        gc.collect()
        gc.disable()
        try:
            start = CLOCK[0]()
            for _ in range(number):
                result = fn()
            elapsed = CLOCK[0]() - start
        finally:
            gc.enable()
        if elapsed >= min_sample or number >= 1_000_000:
            break
        number *= 10
    best = elapsed / number
    taken = 1
    spent = elapsed
    while taken < samples and spent < budget:
        result = None
        gc.collect()
        gc.disable()
        try:
            start = CLOCK[0]()
            for _ in range(number):
                result = fn()
            elapsed = CLOCK[0]() - start
        finally:
            gc.enable()
        best = min(best, elapsed / number)
        spent += elapsed
        taken += 1
    return best, taken, result


def pkg_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


# --------------------------------------------------------------------------- hpf


def hpf_variants(loans: LoanSet, method_name: str, single: bool) -> list[Variant]:
    from hpf_core.loans import RepaymentMethod, amortize, amortize_many

    method = RepaymentMethod(method_name)
    principals, rates, months = loans.principals, loans.rates, loans.months

    def loop_amortize() -> list[Any]:
        return [amortize(p, r, m, method) for p, r, m in zip(principals, rates, months, strict=True)]

    def loop_amortize_installments() -> list[Any]:
        out = []
        for p, r, m in zip(principals, rates, months, strict=True):
            schedule = amortize(p, r, m, method)
            schedule.installments  # noqa: B018 - materialize every row as Decimal records
            out.append(schedule)
        return out

    def many_numpy() -> Any:
        return amortize_many(principals, rates, months, method)

    from hpf_core.loans._amortize import installment_rows

    built = [amortize(p, r, m, method) for p, r, m in zip(principals, rates, months, strict=True)]

    def installments_alone() -> list[Any]:
        return [installment_rows(s) for s in built]  # what .installments builds, on built schedules

    def rows_fen(result: list[Any]) -> FenColumns:
        return installments_fen([_Rows(rows) for rows in result])

    def many_python() -> Any:
        return amortize_many(principals, rates, months, method, use_numpy=False)

    def schedules_fen(result: list[Any]) -> FenColumns:
        cols: list[list[int]] = [[], [], [], []]
        for s in result:
            cols[0].extend(s.payment_fen)
            cols[1].extend(s.principal_fen)
            cols[2].extend(s.interest_fen)
            cols[3].extend(s.balance_fen)
        return tuple(np.asarray(c, dtype=np.int64) for c in cols)  # type: ignore[return-value]

    def installments_fen(result: list[Any]) -> FenColumns:
        cols: list[list[int]] = [[], [], [], []]
        for s in result:
            for row in s.installments:
                cols[0].append(int(row.payment * 100))
                cols[1].append(int(row.principal * 100))
                cols[2].append(int(row.interest * 100))
                cols[3].append(int(row.balance * 100))
        return tuple(np.asarray(c, dtype=np.int64) for c in cols)  # type: ignore[return-value]

    def batch_fen(batch: Any) -> FenColumns:
        return tuple(  # type: ignore[return-value]
            np.asarray(col.fen, dtype=np.int64)
            for col in (batch.payment, batch.principal, batch.interest, batch.balance)
        )

    what = "amortize()" if single else "loop over amortize()"
    out = [
        Variant("hpf", f"{what}: integer-fen columns, Decimal on demand", loop_amortize, schedules_fen, True),
        Variant("hpf", f"{what} + .installments (all rows as Decimal records)", loop_amortize_installments,
                installments_fen, True),
        Variant("hpf", "Schedule.installments alone (Decimal records of schedules built outside timing)",
                installments_alone, rows_fen, True),
        Variant("hpf", "amortize_many() numpy", many_numpy, batch_fen, True),
        Variant("hpf", "amortize_many(use_numpy=False) pure Python", many_python, batch_fen, True),
    ]  # fmt: skip
    if single:
        from hpf_core.calculators import mortgage_quote

        def quote() -> list[Any]:
            return [
                mortgage_quote(p, r, m, method) for p, r, m in zip(principals, rates, months, strict=True)
            ]

        def quote_fen(result: list[Any]) -> FenColumns:
            rows = [row for q in result for row in q.rows]
            return tuple(  # type: ignore[return-value]
                np.asarray([int(getattr(row, f) * 100) for row in rows], dtype=np.int64)
                for f in ("payment", "principal", "interest", "balance")
            )

        label = "mortgage_quote(): quote convention, 60-digit Decimal, rounded for display (not the ledger)"
        out.append(Variant("hpf", label, quote, quote_fen, False))
    return out


@dataclass
class _Rows:
    installments: Any


# --------------------------------------------------------------------------- numpy-financial


def _npf_ei_one(npf: Any, p: float, r12: float, n: int) -> tuple[np.ndarray, ...]:
    per = np.arange(1, n + 1)
    pmt = npf.pmt(r12, n, p)
    interest = npf.ipmt(r12, per, n, p)
    principal = npf.ppmt(r12, per, n, p)
    balance = p + np.cumsum(principal)
    return np.full(n, pmt), principal, interest, balance


def _np_ep_one(p: float, r12: float, n: int) -> tuple[np.ndarray, ...]:
    part = p / n
    before = p - part * np.arange(n)
    interest = before * r12
    principal = np.full(n, part)
    return principal + interest, principal, interest, before - part


def npf_variants(loans: LoanSet, method_name: str, single: bool) -> list[Variant]:
    import numpy_financial as npf

    p_list, r12_list, n_list = loans.p_float, (loans.r12_arr).tolist(), loans.months
    p_arr, r12_arr, n_arr = loans.p_arr, loans.r12_arr, loans.n_arr

    def to_fen(result: list[tuple[np.ndarray, ...]]) -> FenColumns:
        return tuple(fen_round(np.concatenate([r[i] for r in result])) for i in range(4))  # type: ignore[return-value]

    def grid_to_fen(result: tuple[np.ndarray, ...]) -> FenColumns:
        return tuple(fen_round(c) for c in result)  # type: ignore[return-value]

    if method_name == "equal-installment":

        def per_loan() -> list[tuple[np.ndarray, ...]]:
            return [_npf_ei_one(npf, p, r, n) for p, r, n in zip(p_list, r12_list, n_list, strict=True)]

        def broadcast() -> tuple[np.ndarray, ...]:
            per = np.arange(1, int(n_arr.max()) + 1)[None, :]
            r, n, pv = r12_arr[:, None], n_arr[:, None], p_arr[:, None]
            pmt = npf.pmt(r12_arr, n_arr, p_arr)
            interest = npf.ipmt(r, per, n, pv)
            principal = npf.ppmt(r, per, n, pv)
            balance = pv + np.cumsum(principal, axis=1)
            mask = per <= n
            payment = np.broadcast_to(pmt[:, None], mask.shape)[mask]
            return payment, principal[mask], interest[mask], balance[mask]

        lib = "numpy-financial"
        one = "npf.pmt/ipmt/ppmt over arange(1, n+1), cumsum balance"
        loop_label = f"per-loan loop: {one}"
        grid_label = "broadcast: ipmt/ppmt on a loans x 360 grid, masked (float, not exact)"
    else:

        def per_loan() -> list[tuple[np.ndarray, ...]]:
            return [_np_ep_one(p, r, n) for p, r, n in zip(p_list, r12_list, n_list, strict=True)]

        def broadcast() -> tuple[np.ndarray, ...]:
            k = np.arange(int(n_arr.max()))[None, :]
            r, n, pv = r12_arr[:, None], n_arr[:, None], p_arr[:, None]
            part = pv / n
            before = pv - part * k
            interest = before * r
            mask = k < n
            principal = np.broadcast_to(part, mask.shape)[mask]
            interest = interest[mask]
            return principal + interest, principal, interest, (before - part)[mask]

        lib = "numpy (npf-style)"
        one = "numpy arrays, P/n + interest on falling balance (npf has no EP function)"
        loop_label = f"per-loan loop: {one}"
        grid_label = "broadcast: same on a loans x 360 grid, masked (float, not exact)"

    if single:
        return [Variant(lib, one + " (float, not exact)", per_loan, to_fen, False, baseline=True)]
    return [
        Variant(lib, loop_label + " (float, not exact)", per_loan, to_fen, False),
        Variant(lib, grid_label, broadcast, grid_to_fen, False, baseline=True),
    ]


# --------------------------------------------------------------------------- plain numpy float loop


def float_loop(p_arr: np.ndarray, r12: np.ndarray, n_arr: np.ndarray, equal_installment: bool) -> FenColumns:
    """All loans advance together, one period at a time, in float64 fen rounded half up at
    each step (the ledger recipe done in floats). Output: flat rows, loans in input order."""
    count = len(p_arr)
    order = np.argsort(-n_arr, kind="stable")
    n_sorted = n_arr[order]
    r = r12[order]
    balance = p_arr[order] * 100.0  # fen
    if equal_installment:
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(r > 0, r / -np.expm1(-n_sorted * np.log1p(r)), 1.0 / n_sorted)
        per_month = np.floor(balance * factor + 0.5)
    else:
        per_month = np.floor(balance / n_sorted + 0.5)
    starts = np.zeros(count, dtype=np.int64)
    np.cumsum(n_arr[:-1], out=starts[1:])
    row0 = starts[order]
    total = int(n_arr.sum())
    pays, prins, ints, bals = (np.empty(total) for _ in range(4))
    live = np.searchsorted(-n_sorted, -np.arange(1, int(n_sorted[0]) + 1), side="right")
    for k in range(int(n_sorted[0])):
        m = int(live[k])
        last = int(np.searchsorted(-n_sorted[:m], -(k + 1), side="left"))
        b = balance[:m]
        interest = np.floor(b * r[:m] + 0.5)
        part = np.minimum(per_month[:m] - interest, b) if equal_installment else np.minimum(per_month[:m], b)
        part[last:] = b[last:]
        b -= part
        pos = row0[:m] + k
        pays[pos] = interest + part
        prins[pos] = part
        ints[pos] = interest
        bals[pos] = b
    return pays, prins, ints, bals


def float_loop_variants(loans: LoanSet, method_name: str) -> list[Variant]:
    ei = method_name == "equal-installment"

    def run() -> FenColumns:
        return float_loop(loans.p_arr, loans.r12_arr, loans.n_arr, ei)

    def to_fen(result: FenColumns) -> FenColumns:
        return tuple(fen_round_float_fen(c) for c in result)  # type: ignore[return-value]

    label = "vectorised over loans, loop over periods, float64 fen rounded each step (float, not exact)"
    return [Variant("plain numpy", label, run, to_fen, False)]


def prototype_variants(loans: LoanSet, method_name: str) -> list[Variant]:
    """Exact-ledger prototypes from bench/prototypes.py: what would close the gaps (not hpf API)."""
    from prototypes import exact_equal_principal_grid, exact_float_loop

    ei = method_name == "equal-installment"
    args = (loans.principals, loans.rate_bp, loans.months)

    def loop() -> tuple[np.ndarray, ...]:
        return exact_float_loop(*args, equal_installment=ei)

    def grid() -> tuple[np.ndarray, ...]:
        return exact_equal_principal_grid(*args)

    def to_fen(result: tuple[np.ndarray, ...]) -> FenColumns:
        return tuple(fen_round_float_fen(c) for c in result)  # type: ignore[return-value]

    lib = "prototype (bench only)"
    out = [Variant(lib, "exact ledger loop in float64 whole fen (x + den < 2**53)", loop, to_fen, True)]
    if not ei:
        out.append(Variant(lib, "exact equal-principal closed form on an int64 grid", grid, to_fen, True))
    return out


# --------------------------------------------------------------------------- amortization, mortgagemath


def amortization_variants(loans: LoanSet, method_name: str) -> list[Variant]:
    name = f"amortization {pkg_version('amortization')}"
    if method_name != "equal-installment":
        return [Variant(name, "n/a: level-payment schedules only, no equal principal", None, None, False)]
    import amortization

    schedule = amortization.amortization_schedule
    p_list, r_list, n_list = loans.p_float, loans.r_float, loans.months

    def run() -> list[list[Any]]:
        return [list(schedule(p, r, n)) for p, r, n in zip(p_list, r_list, n_list, strict=True)]

    def to_fen(result: list[list[Any]]) -> FenColumns:
        rows = [row for loan in result for row in loan]
        return (
            fen_round([row.amount for row in rows]),
            fen_round([row.principal for row in rows]),
            fen_round([row.interest for row in rows]),
            fen_round([row.balance for row in rows]),
        )

    return [Variant(name, "list(amortization_schedule(P, rate, n)) per loan (floats)", run, to_fen, False)]


def mortgagemath_variants(loans: LoanSet, method_name: str) -> list[Variant]:
    name = f"mortgagemath {pkg_version('mortgagemath')}"
    if method_name != "equal-installment":
        return [Variant(name, "n/a: level-payment (annuity) schedules only, no equal principal", None, None,
                        False)]  # fmt: skip
    import mortgagemath as mm

    schedule, params = mm.amortization_schedule, mm.LoanParams
    half_up = mm.PaymentRounding.ROUND_HALF_UP
    p_list, r_list, n_list = loans.p_dec, loans.rates_pct, loans.months

    def run() -> list[list[Any]]:
        return [
            schedule(params(principal=p, annual_rate=r, term_months=n, payment_rounding=half_up))[1:]
            for p, r, n in zip(p_list, r_list, n_list, strict=True)
        ]  # [1:]: row 0 is the opening balance, not a period

    def to_fen(result: list[list[Any]]) -> FenColumns:
        rows = [row for loan in result for row in loan]
        return tuple(  # type: ignore[return-value]
            np.asarray([int(getattr(row, f) * 100) for row in rows], dtype=np.int64)
            for f in ("payment", "principal", "interest", "balance")
        )

    label = "amortization_schedule(LoanParams(..., payment_rounding=ROUND_HALF_UP)) per loan (Decimal)"
    return [Variant(name, label, run, to_fen, True)]


# --------------------------------------------------------------------------- running


def reference_fen(loans: LoanSet, method_name: str) -> FenColumns:
    """hpf's ledger rows from a plain loop over ``amortize`` (the exactness reference)."""
    from hpf_core.loans import amortize

    cols: list[list[int]] = [[], [], [], []]
    for p, r, m in zip(loans.principals, loans.rates, loans.months, strict=True):
        s = amortize(p, r, m, method_name)
        cols[0].extend(s.payment_fen)
        cols[1].extend(s.principal_fen)
        cols[2].extend(s.interest_fen)
        cols[3].extend(s.balance_fen)
    return tuple(np.asarray(c, dtype=np.int64) for c in cols)  # type: ignore[return-value]


def check_hpf_batch(loans: LoanSet, method_name: str, ref: FenColumns, sample: int) -> None:
    """amortize_many (both paths) equals the amortize loop: every row of every loan, and
    ``schedule(i)`` / Decimal reads on a sample of loans."""
    from hpf_core.loans import amortize, amortize_many

    for use_numpy in (None, False):
        batch = amortize_many(loans.principals, loans.rates, loans.months, method_name, use_numpy=use_numpy)
        cols = (batch.payment, batch.principal, batch.interest, batch.balance)
        for got, want, name in zip(cols, ref, ("payment", "principal", "interest", "balance"), strict=True):
            arr = np.asarray(got.fen, dtype=np.int64)
            assert np.array_equal(arr, want), f"amortize_many(use_numpy={use_numpy}).{name} != amortize loop"
        picks = random.Random(SEED).sample(range(len(loans)), min(sample, len(loans)))
        for i in picks:
            one = amortize(loans.principals[i], loans.rates[i], loans.months[i], method_name)
            assert batch.schedule(i).installments == one.installments, f"loan {i}: schedule(i) differs"
            start = batch.starts[i]
            assert batch.interest[start] == one.installments[0].interest
            assert batch.balance[start + loans.months[i] - 1] == 0


def run_workload(
    workload: str, loans: LoanSet, method_name: str, variants: list[Variant], args: argparse.Namespace
) -> list[Result]:
    ref = reference_fen(loans, method_name)
    results = []
    for v in variants:
        res = Result(workload, v)
        results.append(res)
        if v.run is None:
            print(f"  {workload} {v.library}: {v.label}", file=sys.stderr)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. mortgagemath EarlyPayoffWarning would truncate rows
            res.seconds, res.samples, out = time_best(v.run, args.samples, args.budget, args.min_sample)
        assert v.to_fen is not None
        fen_cols = v.to_fen(out)
        res.rows = len(fen_cols[1])
        assert res.rows == loans.rows, f"{v.library} {v.label}: {res.rows} rows, expected {loans.rows}"
        res.mismatched = mismatches(fen_cols, ref)
        if v.library == "hpf" and v.exact_claim:
            for got, want in zip(fen_cols, ref, strict=True):
                assert np.array_equal(got, want), f"hpf {v.label} differs from the amortize ledger"
        print(
            f"  {workload} {v.library:<22} {res.rows_per_s:>14,.0f} rows/s  best {res.seconds:.6f}s"
            f" x{res.samples}  mismatches {res.mismatched}  [{v.label}]",
            file=sys.stderr,
        )
        del out, fen_cols
    return results


# --------------------------------------------------------------------------- import time

_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_times(runs: int) -> list[tuple[str, float, float]]:
    """Median wall ms of a fresh interpreter importing each module set, minus the median
    of a bare interpreter; and the median of ``-X importtime``'s own cumulative figure."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}

    def wall(code: str) -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            samples.append((time.perf_counter() - start) * 1000)
        return statistics.median(samples)

    def self_reported(modules: str) -> float:
        samples = []
        tops = {m.strip() for m in modules.split(",")}
        for _ in range(runs):
            proc = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", f"import {modules}"],
                check=True,
                env=env,
                capture_output=True,
                text=True,
            )
            total = 0
            for line in proc.stderr.splitlines():
                m = _IMPORTTIME.match(line)
                if m and not m.group(3) and m.group(4) in tops:
                    total += int(m.group(2))
            samples.append(total / 1000)
        return statistics.median(samples)

    bare = wall("pass")
    out = [("(bare interpreter start)", bare, 0.0)]
    for modules in (
        "hpf_core",
        "hpf_core, hpf_core.loans",
        "numpy",
        "numpy_financial",
        "amortization",
        "mortgagemath",
    ):
        out.append((modules, wall(f"import {modules}") - bare, self_reported(modules)))
    return out


# --------------------------------------------------------------------------- report


def machine() -> list[str]:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(
            ["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", repo, "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        source = f"{head}{' + uncommitted changes in src/' if dirty else ''}"
    except (OSError, subprocess.CalledProcessError):
        source = "unknown (no git)"
    return [
        f"- hpf source: git {source}",
        f"- CPU: {cpu}, {os.cpu_count()} logical CPUs (nproc)",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        "- "
        + ", ".join(
            f"{name} {pkg_version(name)}"
            for name in ("hpf", "numpy", "numpy-financial", "amortization", "mortgagemath", "attrs")
        ),
    ]


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def table(results: list[Result]) -> list[str]:
    lines = [
        "| workload | library | variant | rows | best s | samples | rows/s | vs npf | fen mismatches |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for workload in dict.fromkeys(r.workload for r in results):
        group = [r for r in results if r.workload == workload]
        base = next(r for r in group if r.variant.baseline)
        for r in group:
            v = r.variant
            if not r.run_ok:
                lines.append(f"| {workload} | {v.library} | {v.label} | - | - | - | n/a | n/a | n/a |")
                continue
            ratio = r.rows_per_s / base.rows_per_s
            mark = " (baseline)" if r is base else ""
            miss = f"{r.mismatched:,} / {r.rows:,}"
            lines.append(
                f"| {workload} | {v.library} | {v.label} | {r.rows:,} | {r.seconds:.6f} | {r.samples} "
                f"| {fmt_rate(r.rows_per_s)} | {ratio:.2f}x{mark} | {miss} |"
            )
    return lines


def verdicts(results: list[Result], imports: list[tuple[str, float, float]], judge: bool) -> list[str]:
    def find(workload: str, library: str, label_start: str) -> Result:
        return next(
            r
            for r in results
            if r.workload == workload
            and r.variant.library == library
            and r.variant.label.startswith(label_start)
        )

    def base(workload: str) -> Result:
        return next(r for r in results if r.workload == workload and r.variant.baseline)

    w1 = find("W1", "hpf", "amortize():").rows_per_s / base("W1").rows_per_s
    w2_res = find("W2", "hpf", "amortize_many() numpy")
    w2_plain = find("W2", "plain numpy", "vectorised")
    w3_plain_base = base("W3")
    inst_w1 = find("W1", "hpf", "amortize() + .installments")
    inst_w2 = find("W2", "hpf", "Schedule.installments alone")
    w2 = w2_res.rows_per_s / base("W2").rows_per_s
    w2_loop = next(
        r
        for r in results
        if r.workload == "W2" and r.variant.library == "numpy-financial" and not r.variant.baseline
    )
    w2_vs_loop = w2_res.rows_per_s / w2_loop.rows_per_s
    w3_res = find("W3", "hpf", "amortize_many() numpy")
    w3 = w3_res.rows_per_s / base("W3").rows_per_s
    imp = next(ms for name, ms, _ in imports if name == "hpf_core, hpf_core.loans")
    imp_self = next(s for name, _, s in imports if name == "hpf_core, hpf_core.loans")

    def ok(flag: bool) -> str:
        if not judge:
            return "not judged at smoke sizes"
        return "MET" if flag else "MISSED"

    ei_vs_float = w2_res.rows_per_s / w2_plain.rows_per_s
    ep_vs_broadcast = w3_res.rows_per_s / w3_plain_base.rows_per_s
    return [
        f"- W2 (issue #16) hpf amortize_many equal instalment vs the plain numpy float loop: "
        f"{ei_vs_float:.2f}x (target >= 1x), {w2_res.mismatched} fen mismatches: "
        f"{ok(ei_vs_float >= 1 and w2_res.mismatched == 0)}",
        f"- W3 (issue #16) hpf amortize_many equal principal vs the numpy broadcast closed form: "
        f"{ep_vs_broadcast:.2f}x (target >= 1x), {w3_res.mismatched} fen mismatches: "
        f"{ok(ep_vs_broadcast >= 1 and w3_res.mismatched == 0)}",
        f"- W2 (issue #16) Schedule.installments alone over {w2_res.rows:,} rows of distinct loans: "
        f"{inst_w2.rows_per_s / 1e6:.2f} M rows/s (target >= 2 M): {ok(inst_w2.rows_per_s >= 2e6)}; "
        f"W1 amortize() + .installments, one loan repeated: {inst_w1.rows_per_s / 1e6:.2f} M rows/s",
        f"- W1 hpf amortize() vs npf: {w1:.2f}x (target >= 1x): {ok(w1 >= 1)}",
        f"- W2 hpf amortize_many vs fastest npf variant (broadcast grid): {w2:.2f}x (target >= 3x), "
        f"{w2_res.mismatched} fen mismatches: {ok(w2 >= 3 and w2_res.mismatched == 0)}"
        f" (vs npf per-loan loop: {w2_vs_loop:.1f}x)",
        f"- W3 hpf amortize_many vs numpy (npf-style) broadcast: {w3:.2f}x (no target; npf has no EP)",
        f"- import hpf_core, hpf_core.loans: {imp:.1f} ms wall over bare interpreter, "
        f"{imp_self:.1f} ms by -X importtime (target < 100 ms): {ok(max(imp, imp_self) < 100)}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and 1-2 samples (CI)")
    parser.add_argument("--loans", type=int, help="loans in W2/W3 (default 10000, smoke 200)")
    parser.add_argument("--samples", type=int, help="best of N samples (default 7, smoke 2)")
    parser.add_argument("--budget", type=float, help="max seconds of sampling per variant (default 30)")
    parser.add_argument("--import-runs", type=int, help="fresh interpreters per import figure (default 15)")
    parser.add_argument("--skip", default="", help="comma list of workloads to skip: W1,W2,W3,import")
    parser.add_argument(
        "--timer", choices=("wall", "cpu"), default="wall", help="perf_counter (default) or process_time"
    )
    args = parser.parse_args(argv)
    CLOCK[0] = time.process_time if args.timer == "cpu" else time.perf_counter
    smoke = args.smoke
    args.loans = args.loans or (200 if smoke else 10_000)
    args.samples = args.samples or (2 if smoke else 7)
    args.budget = args.budget if args.budget is not None else (1.0 if smoke else 30.0)
    args.min_sample = 0.002 if smoke else 0.05
    args.import_runs = args.import_runs or (3 if smoke else 15)
    skip = {s.strip().upper() for s in args.skip.split(",") if s.strip()}

    started = time.perf_counter()
    print(f"hpf bench: {'smoke' if smoke else 'full'} run, {args.loans} loans, best of {args.samples}, "
          f"{args.timer} time", file=sys.stderr)  # fmt: skip
    results: list[Result] = []
    ei, ep = "equal-installment", "equal-principal"

    if "W1" not in skip:
        loans = w1_loans()
        variants = [
            *hpf_variants(loans, ei, single=True),
            *npf_variants(loans, ei, single=True),
            *amortization_variants(loans, ei),
            *mortgagemath_variants(loans, ei),
            *float_loop_variants(loans, ei),
        ]
        results += run_workload("W1", loans, ei, variants, args)

    many = make_loans(args.loans)
    for workload, method in (("W2", ei), ("W3", ep)):
        if workload in skip:
            continue
        ref = reference_fen(many, method)
        check_hpf_batch(many, method, ref, sample=20 if smoke else 200)
        variants = [
            *hpf_variants(many, method, single=False),
            *npf_variants(many, method, single=False),
            *amortization_variants(many, method),
            *mortgagemath_variants(many, method),
            *float_loop_variants(many, method),
            *prototype_variants(many, method),
        ]
        results += run_workload(workload, many, method, variants, args)

    imports = [] if "IMPORT" in skip else import_times(args.import_runs)

    print("## Machine\n")
    print("\n".join(machine()))
    print(f"- timer: {args.timer} ({'time.process_time' if args.timer == 'cpu' else 'time.perf_counter'}); "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end of the run")  # fmt: skip
    print(f"\n## Rows per second ({'smoke' if smoke else 'full'} run)\n")
    print(
        f"W1: one {W1_PRINCIPAL:,} yuan / {W1_RATE_BP / 100:.2f}% / {W1_MONTHS}-month equal-instalment loan. "
        f"W2/W3: {args.loans:,} loans (seed {SEED}, principal 50,000-1,000,000 yuan, 2.60-4.90%, "
        f"60-360 months), equal instalment / equal principal. "
        "'vs npf' = rows/s over the baseline row of the workload; 'fen mismatches' = rows whose "
        "principal or interest, rounded half up to the fen, differs from hpf's ledger.\n"
    )
    if results:
        print("\n".join(table(results)))
    if imports:
        print(f"\n## Import time (median of {args.import_runs} fresh interpreters)\n")
        print("| import | wall ms over bare interpreter | -X importtime cumulative ms |")
        print("|---|--:|--:|")
        for name, ms, self_ms in imports:
            if name.startswith("("):
                print(f"| {name} | {ms:.1f} (absolute) | - |")
            else:
                print(f"| `import {name}` | {ms:.1f} | {self_ms:.1f} |")
    if results and imports and not skip:
        print("\n## Targets" + (" (smoke sizes: not meaningful)" if smoke else "") + "\n")
        print("\n".join(verdicts(results, imports, judge=not smoke)))
    print(f"\n(total benchmark time {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
