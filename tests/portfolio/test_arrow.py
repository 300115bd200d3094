"""Portfolio runs as Arrow record batches (hpf_adapters.arrow, issue #16, D-065): every row
equals the per-loan ledger (``amortize``, ``reprice_loan``), chunks stay chunk-sized, and a
stream far larger than memory would allow passes in bounded memory."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal

import pytest

pa = pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

from hpf_adapters.arrow import REPRICING_COLUMNS, repricing_batches, schedule_batches  # noqa: E402
from hpf_core.errors import InputError, InputTypeError, InvalidAmount, InvalidRate  # noqa: E402
from hpf_core.loans import (  # noqa: E402
    ARROW_COLUMNS,
    Borrower,
    ServicingPolicy,
    SignerRole,
    amortize,
    amortize_many,
    open_loan,
    reprice_loan,
)

SEED = 16


def loans(count: int) -> tuple[list[int], list[Decimal], list[int]]:
    rng = random.Random(SEED)
    principals = [rng.randint(10_000, 1_200_000) for _ in range(count)]
    rates = [Decimal(rng.randint(260, 325)) / 10_000 for _ in range(count)]
    months = [rng.randint(1, 360) for _ in range(count)]
    return principals, rates, months


def ledger_rows(principal: int, rate: Decimal, months: int, method: str) -> list[tuple[int, ...]]:
    s = amortize(principal, rate, months, method)
    return list(
        zip(range(1, months + 1), s.payment_fen, s.principal_fen, s.interest_fen, s.balance_fen, strict=True)
    )


@pytest.mark.parametrize("method", ["equal-installment", "equal-principal"])
def test_every_row_is_the_ledger_row_of_its_loan(method: str) -> None:
    principals, rates, months = loans(300)
    batches = list(schedule_batches(iter(principals), iter(rates), iter(months), method, batch_loans=64))
    assert [b.num_rows for b in batches] == [sum(months[i : i + 64]) for i in range(0, 300, 64)]
    assert all(b.schema.names == list(ARROW_COLUMNS) for b in batches)
    table = pa.Table.from_batches(batches)
    assert table.column("loan").to_pylist() == [i for i, m in enumerate(months) for _ in range(m)]
    got = list(zip(*(table.column(name).to_pylist() for name in ARROW_COLUMNS[1:]), strict=True))
    want = [
        row for p, r, m in zip(principals, rates, months, strict=True) for row in ledger_rows(p, r, m, method)
    ]
    assert got == want


def test_to_arrow_of_a_batch_is_its_rows_in_fen() -> None:
    batch = amortize_many([1200, 600], "0.06", 2, "equal-principal").to_arrow(first_loan=7)
    assert batch.to_pydict() == {
        "loan": [7, 7, 8, 8],
        "period": [1, 2, 1, 2],
        "payment_fen": [60600, 60300, 30300, 30150],  # 600 + 1200 x 0.5 %, 600 + 600 x 0.5 %, ...
        "principal_fen": [60000, 60000, 30000, 30000],
        "interest_fen": [600, 300, 300, 150],
        "balance_fen": [60000, 0, 30000, 0],
    }


def test_a_rate_cut_equals_reprice_loan_for_each_loan() -> None:
    """reprice_loan (the account-level rule) recalculates from the row whose interest period
    starts on or after the change; from_period names that row."""
    principals, rates, months = [1_000_000, 450_000, 80_000, 300_000], ["0.031"] * 4, [360, 240, 36, 120]
    froms = [29, 1, 37, 60]  # the third is past its term: unchanged
    table = pa.Table.from_batches(
        list(
            repricing_batches(
                principals,
                rates,
                months,
                "equal-installment",
                new_rate="0.0285",
                from_period=froms,
                batch_loans=3,
            )
        )
    )
    assert table.schema.names == list(REPRICING_COLUMNS)
    policy = ServicingPolicy()
    main = [Borrower(SignerRole.BORROWER, "张三", "P1")]
    for i, (p, m, j) in enumerate(zip(principals, months, froms, strict=True)):
        loan = open_loan(contract_no=f"C{i}", borrowers=main, principal=p, disbursed_on=date(2023, 3, 1),
                         term_months=m, method="equal-installment", annual_rate="0.031")  # fmt: skip
        if j <= m:
            start = loan.schedule[j - 2].due_date if j > 1 else date(2023, 3, 1)
            assert start is not None
            loan = reprice_loan(loan, "0.0285", start, policy)
        s = loan.schedule
        mine = table.filter(pa.compute.equal(table.column("loan"), i))
        assert mine.column("payment_fen").to_pylist() == list(s.payment_fen)
        assert mine.column("interest_fen").to_pylist() == list(s.interest_fen)
        assert mine.column("balance_fen").to_pylist() == list(s.balance_fen)
        assert mine.column("repriced").to_pylist() == [j <= m and k >= j for k in range(1, m + 1)]


def test_the_2025_cut_gives_the_closed_form_payment_on_one_loan() -> None:
    """1,000,000 over 360 months at 3.10 %, cut to 2.85 % from period 1: the payment is the
    annuity P·r/(1-(1+r)^-n) at 2.85 %/12, computed here with Fractions."""
    from fractions import Fraction

    batch = next(
        repricing_batches([1_000_000], "0.031", 360, "equal-installment", new_rate="0.0285", from_period=1)
    )
    r = Fraction(285, 120_000)
    annuity = 100_000_000 * r / (1 - (1 + r) ** -360)
    assert batch.column("payment_fen")[0].as_py() == int(
        annuity + Fraction(1, 2)
    )  # exact annuity, rounded half up
    assert batch.column("payment_fen")[0].as_py() == 413557  # the 4,135.57 yuan a month loan calculators show


def test_bad_inputs_are_named_in_the_whole_stream() -> None:
    principals = [100_000] * 10
    principals[7] = 0
    with pytest.raises(InvalidAmount, match=r"principals\[7\]"):
        list(schedule_batches(principals, "0.031", 12, "equal-principal", batch_loans=4))
    with pytest.raises(InvalidRate, match=r"new_rate\[5\]"):
        list(repricing_batches([1] * 6, "0.031", 12, "equal-principal", new_rate=["0.02"] * 5 + ["2"],
                               from_period=1, batch_loans=4))  # fmt: skip
    with pytest.raises(InputError, match=r"from_period\[1\]"):
        list(repricing_batches([1, 2], "0.031", 12, "equal-principal", new_rate="0.02", from_period=[1, 0]))
    with pytest.raises(InputError, match="batch_loans"):
        list(schedule_batches([1], "0.031", 12, "equal-principal", batch_loans=0))
    with pytest.raises(InputError, match="one entry per loan"):
        list(schedule_batches([1, 2, 3], ["0.031"], 12, "equal-principal"))
    with pytest.raises(InputTypeError, match="principals"):
        list(schedule_batches(5, "0.031", 12, "equal-principal"))  # type: ignore[arg-type]


def test_a_million_rows_a_batch_stream_in_bounded_memory() -> None:
    """100,000 loans x 360 rows (36 M rows, ~1.5 GB as Arrow columns) streamed 5,000 loans
    at a time, in a fresh interpreter: its peak RSS grows by far less than the whole."""
    code = textwrap.dedent(
        """
        import resource, sys
        from hpf_adapters.arrow import schedule_batches
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        def principals():
            for i in range(100_000):
                yield 200_000 + 37 * i
        rows = biggest = 0
        for batch in schedule_batches(principals(), "0.031", 360, "equal-installment", batch_loans=5_000):
            rows += batch.num_rows
            biggest = max(biggest, batch.num_rows)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(rows, biggest, grown // 1024)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rows, biggest, grown_mb = map(int, done.stdout.split())
    assert rows == 100_000 * 360
    assert biggest == 5_000 * 360
    assert grown_mb < 400, f"peak RSS grew {grown_mb} MB"
