"""Where hpf's W1 time goes: one 250,000 / 3.25% / 360-month equal-instalment schedule.

Two views:

1. a stage breakdown timed directly (no profiler overhead): input validation, the exact
   annuity, the 360-row integer loop, wrapping the columns in a ``Schedule``, and - for
   callers that read every row as ``Decimal`` - materializing ``.installments``;
2. cProfile of many ``amortize()`` calls, and of ``amortize()`` + ``.installments``.

Usage::

    python bench/profile_w1.py            # both views
    python bench/profile_w1.py --calls 200
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from hpf_core.loans import RepaymentMethod, amortize
from hpf_core.money import check_rate, fen

try:  # private helpers: the stage breakdown follows them, cProfile needs only the public API
    from hpf_core.loans._amortize import (
        annuity_fen,
        build_schedule,
        check_method,
        check_months,
        check_principal,
        ledger_rows,
        rate_fraction,
    )
except ImportError:  # pragma: no cover - internals renamed
    ledger_rows = None  # type: ignore[assignment]

PRINCIPAL = 250_000
RATE = Decimal("0.0325")
MONTHS = 360
EI = RepaymentMethod.EQUAL_INSTALLMENT


def best_us(fn: Callable[[], Any], number: int, repeats: int = 7) -> float:
    """Best microseconds per call over ``repeats`` samples of ``number`` calls (gc paused)."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            best = min(best, (time.perf_counter() - start) / number)
        finally:
            gc.enable()
    return best * 1e6


def stages(number: int) -> None:
    amount = check_principal(PRINCIPAL)
    rate = check_rate(RATE)
    p_fen = fen(amount)
    num, den = rate_fraction(rate)
    cols = ledger_rows(p_fen, rate, MONTHS, EI)

    def validate() -> None:
        check_principal(PRINCIPAL)
        check_rate(RATE)
        check_months(MONTHS)
        check_method(EI)

    def rows_loop() -> None:
        ledger_rows(p_fen, rate, MONTHS, EI)

    def wrap() -> None:
        build_schedule(amount, rate, MONTHS, EI, None, cols)

    def materialize() -> None:
        # a fresh Schedule each time: .installments is a cached_property
        build_schedule(amount, rate, MONTHS, EI, None, cols).installments  # noqa: B018

    rows = [
        ("validate inputs (check_principal/rate/months/method)", validate),
        ("fen() + rate_fraction()", lambda: (fen(amount), rate_fraction(rate))),
        ("annuity_fen: exact annuity, integer power (1+r)^360", lambda: annuity_fen(p_fen, num, den, MONTHS)),
        ("ledger_rows: exact annuity + 360-row integer loop", rows_loop),
        ("build_schedule: 4 list->tuple + attrs Schedule", wrap),
        ("amortize() total", lambda: amortize(PRINCIPAL, RATE, MONTHS, EI)),
        ("build_schedule + .installments (360 Installment, 1440 Decimal)", materialize),
        ("amortize() + .installments total", lambda: amortize(PRINCIPAL, RATE, MONTHS, EI).installments),
    ]  # fmt: skip
    total = best_us(rows[5][1], number)
    print("| stage | us per call | share of amortize() |")
    print("|---|--:|--:|")
    for label, fn in rows:
        us = best_us(fn, max(1, number // 10) if "installments" in label else number)
        share = f"{us / total:.0%}" if "installments" not in label else "-"
        print(f"| {label} | {us:.1f} | {share} |")


def profile(calls: int, installments: bool, top: int) -> None:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        s = amortize(PRINCIPAL, RATE, MONTHS, EI)
        if installments:
            s.installments  # noqa: B018
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    title = "amortize() + .installments" if installments else "amortize()"
    print(f"\n### cProfile: {calls} x {title} (sorted by own time)\n")
    print("```")
    print(out.getvalue().strip())
    print("```")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="amortize() calls per timing / profile")
    parser.add_argument("--top", type=int, default=12, help="profile rows to print")
    args = parser.parse_args()
    if ledger_rows is None:
        print("(hpf internals renamed: stage breakdown skipped)")
    else:
        print("### W1 stage breakdown (best of 7, gc paused)\n")
        stages(args.calls)
    profile(args.calls, installments=False, top=args.top)
    profile(max(1, args.calls // 10), installments=True, top=args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
