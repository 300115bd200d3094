"""Tables that render (issue #17, D-060): ``Schedule``, ``Quote`` and ``ScheduleBatch`` as
HTML for a notebook, as CSV with the header block and the totals, as a short text, and as
pandas / polars frames.

Every figure below is worked out by hand in the comments (or is the seed screen's), never
read back from the code under test.
"""

from __future__ import annotations

import ast
import csv
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from hpf_core.calculators import combined_quote, mortgage_quote
from hpf_core.errors import InputTypeError
from hpf_core.loans import amortize, amortize_many

# 1,200 yuan at 6 % over 2 months, 等额本金: 600.00 principal a month; interest 1,200 x 0.5 %
# = 6.00, then 600 x 0.5 % = 3.00. Payments 606.00, 603.00; totals 1,209.00 / 9.00.
EP = amortize(1200, "0.06", 2, "equal-principal")
# 1,000 yuan at 12 % over 2 months, 等额本息: r = 1 %, annuity 1000 x 0.01 x 1.0201 / 0.0201
# = 507.5124... -> 507.51. Row 1: interest 10.00, principal 497.51, balance 502.49. Row 2:
# interest 502.49 x 1 % = 5.0249 -> 5.02, principal 502.49, payment 507.51.
EI = amortize(1000, "0.12", 2, "equal-installment", first_due=date(2025, 1, 31))


def data_rows(text: str) -> list[list[str]]:
    """The CSV lines after the ``#`` header block: the header row, the rows, the totals."""
    return list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))


def header_block(text: str) -> dict[str, str]:
    lines = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    return {row[0]: row[1] for row in csv.reader(lines[1:])}


class TestScheduleCsv:
    def test_the_rows_and_the_totals_are_the_hand_figures(self) -> None:
        rows = data_rows(EP.to_csv())
        assert rows == [
            ["period", "payment", "principal", "interest", "balance"],
            ["1", "606.00", "600.00", "6.00", "600.00"],
            ["2", "603.00", "600.00", "3.00", "0.00"],
            ["total", "1209.00", "1200.00", "9.00", ""],
        ]

    def test_a_dated_schedule_has_due_dates_clamped_to_month_end(self) -> None:
        rows = data_rows(EI.to_csv())
        assert rows[0] == ["period", "due_date", "payment", "principal", "interest", "balance"]
        assert rows[1] == ["1", "2025-01-31", "507.51", "497.51", "10.00", "502.49"]
        assert rows[2] == ["2", "2025-02-28", "507.51", "502.49", "5.02", "0.00"]
        assert rows[3] == ["total", "", "1015.02", "1000.00", "15.02", ""]

    def test_the_header_block_names_the_rate_used_and_the_convention(self) -> None:
        block = header_block(EI.to_csv())
        assert block["annual_rate"] == "12.00%"
        assert block["principal"] == "1000.00"
        assert block["months"] == "2"
        assert block["method"] == "equal-installment 等额本息"
        assert block["first_due"] == "2025-01-31"
        assert block["convention"].startswith("ledger")

    def test_pandas_reads_the_csv_with_comment_lines_skipped(self) -> None:
        pd = pytest.importorskip("pandas")
        import io

        frame = pd.read_csv(io.StringIO(EP.to_csv()), comment="#", dtype=str)
        assert list(frame.columns) == ["period", "payment", "principal", "interest", "balance"]
        assert frame.iloc[-1]["payment"] == "1209.00"

    def test_the_seed_loan_rows_add_up_to_the_totals_row(self) -> None:
        # The ledger convention: the principal column sums to the loan exactly.
        schedule = amortize(1000000, "0.031", 360, "equal-installment")
        rows = data_rows(schedule.to_csv())
        body, totals = rows[1:-1], rows[-1]
        assert len(body) == 360
        assert sum(Decimal(r[2]) for r in body) == Decimal("1000000.00") == Decimal(totals[2])
        assert sum(Decimal(r[1]) for r in body) == Decimal(totals[1])
        assert sum(Decimal(r[3]) for r in body) == Decimal(totals[3])


class TestQuoteCsv:
    def test_the_totals_row_holds_the_displayed_totals_not_the_sum_of_rounded_rows(self) -> None:
        # The seed screen: 250,000 yuan, 30 years, 3.25 %: 每月月供 1,088.02, 支付利息
        # 141,685.69, 还款总额 391,685.69. Every displayed row shows 1,088.02, so the rows
        # add up to 1,088.02 x 360 = 391,687.20: the totals row keeps the screen's figures.
        quote = mortgage_quote(250000, Decimal("0.0325"), 360, "equal-installment")
        rows = data_rows(quote.to_csv())
        assert rows[0] == ["period", "payment", "principal", "interest", "balance", "remaining_payable"]
        assert rows[1] == ["1", "1088.02", "410.93", "677.08", "249589.07", "390597.67"]
        assert rows[-1] == ["total", "391685.69", "250000.00", "141685.69", "", ""]
        assert sum(Decimal(r[1]) for r in rows[1:-1]) == Decimal("391687.20")
        block = header_block(quote.to_csv())
        assert block["annual_rate"] == "3.25%"
        assert block["monthly_payment"] == "1088.02"
        assert block["convention"].startswith("quote: rows rounded for display only")

    def test_an_equal_principal_quote_shows_the_monthly_decrease(self) -> None:
        # 1,200 at 6 % over 2 months: the payment falls by 600 x 0.5 % = 3.00 a month.
        quote = mortgage_quote(1200, "0.06", 2, "equal-principal")
        assert header_block(quote.to_csv())["monthly_decrease"] == "3.00"
        assert data_rows(quote.to_csv())[1:] == [
            ["1", "606.00", "600.00", "6.00", "600.00", "603.00"],
            ["2", "603.00", "600.00", "3.00", "0.00", "0.00"],
            ["total", "1209.00", "1200.00", "9.00", "", ""],
        ]


class TestCombinedQuote:
    def test_each_part_s_payment_beside_the_merged_rows(self) -> None:
        # HPF 1,200 at 6 %: 606.00, 603.00 (as EP). Commercial 600 at 12 %: 300.00 principal a
        # month, interest 600 x 1 % = 6.00 then 3.00: 306.00, 303.00. Merged: 912.00, 906.00.
        both = combined_quote(1200, "0.06", 600, "0.12", 2, "equal-principal")
        text = both.to_csv()
        assert data_rows(text) == [
            [
                "period",
                "hpf_payment",
                "commercial_payment",
                "payment",
                "principal",
                "interest",
                "balance",
                "remaining_payable",
            ],
            ["1", "606.00", "306.00", "912.00", "900.00", "12.00", "900.00", "906.00"],
            ["2", "603.00", "303.00", "906.00", "900.00", "6.00", "0.00", "0.00"],
            ["total", "1209.00", "609.00", "1818.00", "1800.00", "18.00", "", ""],
        ]
        block = header_block(text)
        assert (block["hpf_rate"], block["commercial_rate"]) == ("6.00%", "12.00%")
        assert (block["hpf_monthly_payment"], block["commercial_monthly_payment"]) == ("606.00", "306.00")
        assert block["monthly_decrease"] == "6.00"
        assert "公积金月供<br>HPF payment" in both._repr_html_()
        assert repr(both) == (
            "<CombinedQuote 2 months 等额本金 equal-principal: HPF 1,200.00 at 6.00% + commercial "
            "600.00 at 12.00%; monthly payment 912.00; total interest 18.00>"
        )

    def test_the_guide_s_combined_loan_totals(self) -> None:
        # The guide's combined loan: 1,601.36 + 1,347.13 = 2,948.49 a month; totals
        # 1,061,457.45 paid, 361,457.45 interest (docs/guide.md, the calculator section).
        both = combined_quote(400000, "0.026", 300000, "0.035", 360, "equal-installment")
        rows = data_rows(both.to_csv())
        assert rows[1][:4] == ["1", "1601.36", "1347.13", "2948.49"]
        assert rows[-1][3:6] == ["1061457.45", "700000.00", "361457.45"]


class TestHtml:
    def test_bilingual_headers_and_a_totals_row(self) -> None:
        page = EP._repr_html_()
        for head in ("期数<br>Period", "月供<br>Payment", "本金<br>Principal", "利息<br>Interest"):
            assert head in page
        assert "剩余本金<br>Balance" in page
        footer = page.split("<tfoot>")[1]
        assert "合计 Total" in footer
        assert "1,209.00" in footer
        assert "9.00" in footer
        assert "rate" in page
        assert "6.00%" in page

    def test_a_long_schedule_shows_its_first_and_last_rows_and_all_the_totals(self) -> None:
        schedule = amortize(1000000, "0.031", 360, "equal-installment")
        page = schedule._repr_html_()
        body = page.split("<tbody>")[1].split("</tbody>")[0]
        assert body.count("<tr>") == 12 + 1 + 12
        assert "<td>…</td>" in body
        assert "<td>1</td><td>4,270.16</td><td>1,686.83</td><td>2,583.33</td><td>998,313.17</td>" in body
        assert "<td>360</td>" in body
        assert "<td>180</td>" not in body
        assert "1,000,000.00" in page.split("<tfoot>")[1]

    def test_a_quote_renders_with_the_remaining_payable_column(self) -> None:
        quote = mortgage_quote(250000, Decimal("0.0325"), 360, "equal-installment")
        page = quote._repr_html_()
        assert "贷款余额<br>Remaining payable" in page
        assert "391,685.69" in page.split("<tfoot>")[1]
        assert "141,685.69" in page.split("<tfoot>")[1]

    def test_a_batch_renders_one_line_per_loan_with_totals(self) -> None:
        batch = amortize_many([1200, 600], "0.06", 2, "equal-principal")
        page = batch._repr_html_()
        body = page.split("<tbody>")[1].split("</tbody>")[0]
        # loan 1: 600 at 6 %: interest 3.00 + 1.50 = 4.50, paid 604.50, first payment 303.00
        assert (
            "<tr><td>1</td><td>600.00</td><td>6.00%</td><td>2</td><td>303.00</td>"
            "<td>4.50</td><td>604.50</td></tr>"
        ) in body
        footer = page.split("<tfoot>")[1]
        assert "<td>1,800.00</td>" in footer
        assert "<td>13.50</td>" in footer
        assert "<td>1,813.50</td>" in footer


class TestShortText:
    def test_schedule(self) -> None:
        assert repr(EP) == (
            "<Schedule 2 months 等额本金 equal-principal: 1,200.00 at 6.00%; "
            "first payment 606.00; total interest 9.00>"
        )

    def test_quote(self) -> None:
        quote = mortgage_quote(250000, Decimal("0.0325"), 360, "equal-installment")
        assert repr(quote) == (
            "<Quote 360 months 等额本息 equal-installment: 250,000.00 at 3.25%; "
            "monthly payment 1,088.02; total interest 141,685.69>"
        )

    def test_batch(self) -> None:
        batch = amortize_many([1200, 600], "0.06", 2, "equal-principal")
        assert repr(batch) == (
            "<ScheduleBatch 2 loans, 4 rows, 等额本金 equal-principal: principal 1,800.00; "
            "total interest 13.50>"
        )

    @pytest.mark.parametrize(
        ("rate", "shown"),
        [("0.031", "3.10%"), ("0.02875", "2.875%"), ("0.0325", "3.25%"), ("0.1", "10.00%"), ("0", "0.00%")],
    )
    def test_one_rate_format(self, rate: str, shown: str) -> None:
        schedule = amortize(1200, rate, 2, "equal-principal")
        assert f" at {shown};" in repr(schedule)


class TestBatchCsv:
    def test_every_row_with_the_rate_used_and_the_totals(self) -> None:
        batch = amortize_many([1200, 600], ["0.06", "0.12"], 2, "equal-principal")
        # loan 1: 600 at 12 %: interest 6.00 then 3.00
        assert data_rows(batch.to_csv()) == [
            ["loan", "period", "annual_rate", "payment", "principal", "interest", "balance"],
            ["0", "1", "6.00%", "606.00", "600.00", "6.00", "600.00"],
            ["0", "2", "6.00%", "603.00", "600.00", "3.00", "0.00"],
            ["1", "1", "12.00%", "306.00", "300.00", "6.00", "300.00"],
            ["1", "2", "12.00%", "303.00", "300.00", "3.00", "0.00"],
            ["total", "", "", "1818.00", "1800.00", "18.00", ""],
        ]


class TestFrames:
    def test_pandas_decimal_columns(self) -> None:
        pytest.importorskip("pandas")
        frame = EI.to_pandas()
        assert list(frame.columns) == ["period", "due_date", "payment", "principal", "interest", "balance"]
        assert str(frame["period"].dtype) == "int64"
        assert frame["payment"].dtype == object
        assert frame["interest"].tolist() == [Decimal("10.00"), Decimal("5.02")]
        assert all(type(v) is Decimal for v in frame["balance"])
        assert frame["due_date"].tolist() == [date(2025, 1, 31), date(2025, 2, 28)]

    def test_pandas_integer_fen_columns(self) -> None:
        pytest.importorskip("pandas")
        frame = EP.to_pandas(in_fen=True)
        assert list(frame.columns) == [
            "period",
            "payment_fen",
            "principal_fen",
            "interest_fen",
            "balance_fen",
        ]
        assert all(str(t) == "int64" for t in frame.dtypes)
        assert frame["payment_fen"].tolist() == [60600, 60300]
        assert int(frame["interest_fen"].sum()) == 900

    def test_polars_decimal_and_fen_columns(self) -> None:
        pl = pytest.importorskip("polars")
        frame = EP.to_polars()
        assert frame.schema["payment"] == pl.Decimal(scale=2)
        assert frame["interest"].to_list() == [Decimal("6.00"), Decimal("3.00")]
        fen = EP.to_polars(in_fen=True)
        assert fen.schema["balance_fen"] == pl.Int64
        assert fen["balance_fen"].to_list() == [60000, 0]

    def test_a_quote_as_frames(self) -> None:
        pytest.importorskip("pandas")
        pytest.importorskip("polars")
        quote = mortgage_quote(250000, Decimal("0.0325"), 360, "equal-installment")
        frame = quote.to_pandas(in_fen=True)
        assert frame["remaining_payable_fen"].iloc[0] == 39059767
        assert quote.to_polars()["principal"][0] == Decimal("410.93")

    def test_a_numpy_batch_as_frames(self) -> None:
        pytest.importorskip("numpy")
        pytest.importorskip("pandas")
        pytest.importorskip("polars")
        # 40 loans of 1,200 at 6 % over 2 months: the numpy path; each as EP above.
        batch = amortize_many([1200] * 40, "0.06", 2, "equal-principal", use_numpy=True)
        frame = batch.to_pandas(in_fen=True)
        assert len(frame) == 80
        assert frame["interest_fen"].tolist()[:4] == [600, 300, 600, 300]
        assert int(frame["payment_fen"].sum()) == 40 * 120900
        assert frame["loan"].tolist()[-1] == 39
        polars_frame = batch.to_polars()
        assert polars_frame["payment"][1] == Decimal("603.00")
        assert polars_frame["period"].to_list()[:3] == [1, 2, 1]

    def test_in_fen_must_be_a_bool(self) -> None:
        with pytest.raises(InputTypeError) as caught:
            EP.to_pandas(in_fen="yes")  # type: ignore[arg-type]
        assert caught.value.field == "in_fen"

    @pytest.mark.parametrize("library", ["pandas", "polars"])
    def test_a_missing_library_names_the_extra(self, library: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, library, None)  # import fails as if not installed
        convert: Any = getattr(EP, f"to_{library}")
        with pytest.raises(ModuleNotFoundError, match=re.escape(f"pip install 'hpf[{library}]'")):
            convert()


def test_importing_the_loans_stays_fast_and_loads_no_frame_library() -> None:
    """``import hpf_core.loans`` under 100 ms (best of five, in a fresh interpreter each
    time) and without pandas, polars, csv or html."""
    best = float("inf")
    for _ in range(5):
        done = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-c",
                "import sys, hpf_core.loans; print(sorted(sys.modules))",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        line = next(x for x in done.stderr.splitlines() if x.rstrip().endswith("| hpf_core.loans"))
        best = min(best, int(line.split("|")[1]) / 1000)
        loaded = set(ast.literal_eval(done.stdout))
        assert not loaded & {"pandas", "polars", "csv", "html"}
    assert best < 100, f"import hpf_core.loans took {best:.0f} ms"
