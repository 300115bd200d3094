"""What ``hpf calc`` and ``hpf rates`` print for people and for programs (issue #17, D-064):
help, the CSV header block and totals row in both conventions, the rates CSV, one rate
format, each part of a combined loan, 100 columns, and the stale-rate note.

Expected figures are computed here by other means (the annuity formula in exact fractions,
hand sums, the PBOC's and the ministry's published rates), never read back from the code."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import sysconfig
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from hpf_adapters.cli import run
from hpf_adapters.cli._render import display_width
from hpf_core.dates import add_months
from hpf_core.loans import LPR_VERIFIED_THROUGH

SEED = ["calc", "--amount", "250000", "--years", "30", "--rate", "3.25"]
COMBINED = [
    "calc",
    "--amount",
    "400000",
    "--years",
    "30",
    "--loan-type",
    "combined",
    "--commercial-amount",
    "300000",
    "--on",
    "2025-06-01",
]
WIDEST = ["--amount", "9999999999.99", "--years", "40", "--rate", "99.99"]
WIDEST_COMBINED = [
    "--amount",
    "5000000000",
    "--years",
    "40",
    "--rate",
    "99.99",
    "--loan-type",
    "combined",
    "--commercial-amount",
    "4999999999.99",
    "--commercial-rate",
    "99.99",
]


def fen(value: Fraction) -> Decimal:
    """Half up to the fen."""
    return Decimal(value.numerator / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def annuity(principal: int, percent: str, months: int) -> Fraction:
    """P r (1+r)^n / ((1+r)^n - 1), r = annual / 12, exactly."""
    r = Fraction(Decimal(percent)) / 100 / 12
    growth = (1 + r) ** months
    return principal * r * growth / (growth - 1)


def csv_parts(text: str) -> tuple[dict[str, str], list[dict[str, str]], dict[str, str]]:
    """The ``#`` header block as a dict, the rows, and the ``total`` row."""
    facts: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("# "):
            cells = next(csv.reader([line[2:]]))
            if len(cells) == 2:
                facts[cells[0]] = cells[1]
        else:
            body.append(line)
    rows = list(csv.DictReader(io.StringIO("\n".join(body))))
    assert rows[-1]["period"] == "total"
    return facts, rows[:-1], rows[-1]


def shown(text: str, label: str) -> str:
    """The value of a summary line whose label contains ``label``."""
    line = next(line for line in text.splitlines() if label in line)
    return line.split("  ")[-1].strip()


def footer(text: str) -> list[str]:
    """The cells of the rows table's ``Total`` line."""
    return next(line for line in text.splitlines() if line.lstrip().startswith("Total ")).split()[1:]


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def hpf(*args: str, columns: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, with COLUMNS unset or set."""
    script = Path(sysconfig.get_path("scripts")) / "hpf"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "hpf_adapters.cli"]
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PYTHONIOENCODING"] = "utf-8"
    if columns is not None:
        env["COLUMNS"] = columns
    return subprocess.run([*command, *args], capture_output=True, text=True, check=False, env=env)


def widest_line(text: str) -> int:
    return max(display_width(line) for line in text.splitlines())


class TestHelp:
    @pytest.mark.parametrize("command", ["calc", "rates"])
    def test_every_flag_has_a_default_and_an_example(self, command: str) -> None:
        done = hpf(command, "--help")
        assert done.returncode == 0, done.stderr
        text = " ".join(done.stdout.split())  # argparse wraps; join the lines again
        flags = sorted(set(re.findall(r"\[?(--[a-z-]+) [A-Z_]+", done.stdout)))
        expected = {
            "calc": [
                "--amount",
                "--commercial-amount",
                "--commercial-rate",
                "--convention",
                "--format",
                "--home",
                "--loan-type",
                "--method",
                "--on",
                "--rate",
                "--years",
            ],
            "rates": ["--format", "--on"],
        }[command]
        assert flags == expected
        for flag in flags:
            entry = text.split(f" {flag} {flag.removeprefix('--').replace('-', '_').upper()} ")[-1]
            entry = re.split(r" --[a-z-]+ [A-Z_]+ | examples:", entry)[0]
            assert f"example: {flag} " in entry, (flag, entry)
            assert "default" in entry or "required" in entry, (flag, entry)
        assert "examples:" in done.stdout

    def test_the_defaults_are_the_ones_used(self) -> None:
        text = " ".join(hpf("calc", "--help").stdout.split())
        for words in (
            "default: equal-installment",
            "default: hpf",
            "default: quote",
            "default: table",
            "default: first",
            "default: the rate in force on --on",
        ):
            assert words in text
        # and they are: no flags at all gives an HPF, equal-instalment quote as a table
        out = run([*SEED])
        assert "公积金贷款 HPF" in out
        assert "等额本息 equal-installment" in out
        assert "quote: rows rounded for display" in out

    @pytest.mark.parametrize("columns", [None, "40", "100", "300"])
    @pytest.mark.parametrize("command", [[], ["calc"], ["rates"]])
    def test_help_fits_100_columns(self, command: list[str], columns: str | None) -> None:
        done = hpf(*command, "--help", columns=columns)
        assert done.returncode == 0, done.stderr
        assert widest_line(done.stdout) <= 100


class TestCalcCsv:
    def test_seed_loan_quote_header_block_rows_and_totals(self) -> None:
        facts, rows, total = csv_parts(run([*SEED, "--format", "csv"]))
        assert facts["loan_type"] == "hpf"
        assert facts["convention"].startswith("quote: rows rounded for display only")
        assert facts["annual_rate"] == "3.25%"
        assert facts["rate_source"] == "3.25% given with --rate"
        payment = fen(annuity(250000, "3.25", 360))
        assert payment == Decimal("1088.02")
        assert facts["monthly_payment"] == "1088.02"
        assert len(rows) == 360
        assert {r["payment"] for r in rows} == {"1088.02"}
        # totals from the unrounded instalment: 360 x 1,088.0158... = 391,685.69
        total_payment = fen(annuity(250000, "3.25", 360) * 360)
        assert total_payment == Decimal("391685.69")
        assert total["payment"] == "391685.69"
        assert total["principal"] == "250000.00"
        assert total["interest"] == "141685.69"
        # ... so the rounded rows do not add up to it, which the header block says
        assert sum(Decimal(r["payment"]) for r in rows) == Decimal("1088.02") * 360 == Decimal("391687.20")

    def test_seed_loan_ledger_rows_add_up_to_the_totals(self) -> None:
        facts, rows, total = csv_parts(run([*SEED, "--convention", "ledger", "--format", "csv"]))
        assert facts["convention"].startswith("ledger: each row rounded to the fen")
        assert facts["loan_type"] == "hpf"
        for column in ("payment", "principal", "interest"):
            assert sum(Decimal(r[column]) for r in rows) == Decimal(total[column]), column
        assert total["principal"] == "250000.00"
        # 359 instalments of 1,088.02 and a last row taking the rest, 1,085.56
        assert [r["payment"] for r in rows[:-1]] == ["1088.02"] * 359
        assert rows[-1]["payment"] == "1085.56"
        assert total["payment"] == str(Decimal("1088.02") * 359 + Decimal("1085.56")) == "391684.74"

    @pytest.mark.parametrize("convention", ["quote", "ledger"])
    @pytest.mark.parametrize("method", ["equal-installment", "equal-principal"])
    def test_csv_totals_row_equals_the_displayed_totals(self, convention: str, method: str) -> None:
        args = [*SEED, "--method", method, "--convention", convention]
        table = run(args)
        _, rows, total = csv_parts(run([*args, "--format", "csv"]))
        assert [money(c) for c in footer(table)] == [
            Decimal(total["payment"]),
            Decimal(total["principal"]),
            Decimal(total["interest"]),
        ]
        assert money(shown(table, "Total payment")) == Decimal(total["payment"])
        assert money(shown(table, "Total interest")) == Decimal(total["interest"])
        if convention == "ledger":
            assert sum(Decimal(r["payment"]) for r in rows) == Decimal(total["payment"])
        if method == "equal-principal":
            # interest = P x r / 12 x (n + 1) / 2 exactly: 250,000 x 0.0325 / 12 x 361 / 2
            exact = fen(Fraction(250000) * Fraction("0.0325") / 12 * Fraction(361, 2))
            assert exact == Decimal("122213.54")
            if convention == "quote":
                assert total["interest"] == "122213.54"

    @pytest.mark.parametrize("convention", ["quote", "ledger"])
    def test_combined_csv_names_both_rates_and_their_sources(self, convention: str) -> None:
        facts, rows, total = csv_parts(run([*COMBINED, "--convention", convention, "--format", "csv"]))
        assert facts["loan_type"] == "combined"
        assert facts["convention"].startswith(convention)
        # 建金 / PBOC 2025-05-07: HPF over 5 years 2.60 % from 2025-05-08; 5-year LPR 3.50 % (2025-05-20)
        assert facts["hpf_rate"] == "2.60%"
        assert facts["commercial_rate"] == "3.50%"
        assert facts["hpf_rate_source"] == (
            "2.60%: HPF loan rate, first home, > 5 years, in force since 2025-05-08 "
            "(rate fixed on 2025-06-01); sources S14,S15 (docs/rates.md)"
        )
        assert facts["commercial_rate_source"].startswith("3.50%: LPR, 5-year LPR, in force since 2025-05-20")
        hpf_payment = fen(annuity(400000, "2.60", 360))
        com_payment = fen(annuity(300000, "3.50", 360))
        assert (hpf_payment, com_payment) == (Decimal("1601.36"), Decimal("1347.13"))
        assert rows[0]["hpf_payment"] == "1601.36"
        assert rows[0]["commercial_payment"] == "1347.13"
        assert total["principal"] == "700000.00"
        if convention == "ledger":
            for column in ("hpf_payment", "commercial_payment", "payment", "principal", "interest"):
                assert sum(Decimal(r[column]) for r in rows) == Decimal(total[column]), column
            for r in rows:
                assert Decimal(r["hpf_payment"]) + Decimal(r["commercial_payment"]) == Decimal(r["payment"])
        else:
            exact = annuity(400000, "2.60", 360) * 360 + annuity(300000, "3.50", 360) * 360
            assert Decimal(total["payment"]) == fen(exact)
            assert Decimal(total["interest"]) == fen(exact - 700000)


class TestCombinedShowsEachPart:
    def test_each_part_s_monthly_payment_is_shown(self) -> None:
        out = run(COMBINED)
        assert shown(out, "HPF monthly payment") == "1,601.36"
        assert shown(out, "Commercial monthly payment") == "1,347.13"
        # the sum of the unrounded parts, rounded once: 1,601.357... + 1,347.130... = 2,948.49
        both = fen(annuity(400000, "2.60", 360) + annuity(300000, "3.50", 360))
        assert shown(out, "每月月供 Monthly payment") == f"{both:,}" == "2,948.49"
        lines = out.splitlines()
        header = next(i for i, line in enumerate(lines) if line.startswith("Period"))
        assert lines[header].split()[:4] == ["Period", "HPF", "payment", "Commercial"]
        assert lines[header + 2].split()[:4] == ["1", "1,601.36", "1,347.13", "2,948.49"]

    def test_equal_principal_parts_show_first_payments(self) -> None:
        out = run([*COMBINED, "--method", "equal-principal"])
        # 400,000 / 360 + 400,000 x 0.026 / 12 = 1,111.11 + 866.67 = 1,977.78
        assert shown(out, "HPF first payment") == "1,977.78"
        # 300,000 / 360 + 300,000 x 0.035 / 12 = 833.33 + 875.00 = 1,708.33
        assert shown(out, "Commercial first payment") == "1,708.33"

    def test_json_gives_each_part_in_the_ledger_too(self) -> None:
        out = json.loads(run([*COMBINED, "--convention", "ledger", "--format", "json"]))
        assert out["convention"] == "ledger"
        assert out["hpf"]["monthly_payment"] == "1601.36"
        assert out["commercial"]["monthly_payment"] == "1347.13"
        total = sum(Decimal(r["payment"]) for r in out["rows"])
        assert total == Decimal(out["total_payment"])
        assert Decimal(out["hpf"]["total_payment"]) + Decimal(out["commercial"]["total_payment"]) == total


class TestOneRateFormat:
    def test_calc_and_rates_print_two_places_and_a_percent_sign(self) -> None:
        calc = run(COMBINED)
        assert "2.60% (first home, > 5 years)" in calc
        assert "3.50% (5-year LPR)" in calc
        assert "3.25% (given with --rate)" in run(SEED)
        rates = run(["rates", "--on", "2025-06-01"])
        assert "2.60%" in rates
        assert "4.455%" in rates  # the 2010-11-03 second-home floor, 1.1 x 4.05, kept exact
        for text in (calc, rates):
            assert not re.search(r"(?<![\d.])\d+(\.\d)?%", text)  # never 2.6% or 3%
            assert not re.search(r"\d\.\d+ %", text)  # never "2.60 %"

    def test_json_keeps_the_same_digits_without_the_sign(self) -> None:
        out = json.loads(run([*COMBINED, "--format", "json"]))
        assert out["hpf"]["annual_rate_percent"] == "2.60"
        assert out["commercial"]["annual_rate_percent"] == "3.50"


class TestRatesCsv:
    def read(self, on: str) -> tuple[dict[str, str], list[dict[str, str]]]:
        text = run(["rates", "--on", on, "--format", "csv"])
        facts = {
            cells[0]: cells[1]
            for cells in (next(csv.reader([line[2:]])) for line in text.splitlines() if line.startswith("# "))
        }
        body = "\n".join(line for line in text.splitlines() if not line.startswith("# "))
        return facts, list(csv.DictReader(io.StringIO(body)))

    def test_columns_and_every_table(self) -> None:
        facts, rows = self.read("2025-06-01")
        assert list(rows[0]) == [
            "table",
            "effective_from",
            "effective_to",
            "column",
            "rate",
            "source",
            "grade",
            "in_force",
        ]
        assert {r["table"] for r in rows} == {"hpf", "lpr", "benchmark"}
        assert facts["on"] == "2025-06-01"

    def test_in_force_rows_on_2025_06_01(self) -> None:
        _, rows = self.read("2025-06-01")
        marked = {(r["table"], r["column"]): r["rate"] for r in rows if r["in_force"] == "true"}
        # PBOC 2025-05-07: HPF 2.10 / 2.60 first home, 2.525 / 3.075 second; LPR of 2025-05-20: 3.00 / 3.50
        assert marked == {
            ("hpf", "first home, <= 5 years"): "2.10%",
            ("hpf", "first home, > 5 years"): "2.60%",
            ("hpf", "second home, <= 5 years"): "2.525%",
            ("hpf", "second home, > 5 years"): "3.075%",
            ("lpr", "1-year LPR"): "3.00%",
            ("lpr", "5-year LPR"): "3.50%",
        }
        assert {r["in_force"] for r in rows} == {"true", "false"}

    def test_a_benchmark_day_and_the_open_and_closed_ends(self) -> None:
        _, rows = self.read("2016-01-01")
        marked = [
            (r["table"], r["effective_from"], r["column"], r["rate"]) for r in rows if r["in_force"] == "true"
        ]
        # HPF from 2015-08-26: 2.75 / 3.25; benchmark from 2015-10-24: 4.35 / 4.75 / 4.90 (three bands)
        assert marked == [
            ("hpf", "2015-08-26", "first home, <= 5 years", "2.75%"),
            ("hpf", "2015-08-26", "first home, > 5 years", "3.25%"),
            ("hpf", "2015-08-26", "second home, <= 5 years", "3.025%"),
            ("hpf", "2015-08-26", "second home, > 5 years", "3.575%"),
            ("benchmark", "2015-10-24", "benchmark <= 1 year", "4.35%"),
            ("benchmark", "2015-10-24", "benchmark 1-5 years", "4.75%"),
            ("benchmark", "2015-10-24", "benchmark > 5 years", "4.90%"),
        ]
        hpf_2015 = next(r for r in rows if r["table"] == "hpf" and r["effective_from"] == "2015-08-26")
        assert hpf_2015["effective_to"] == "2022-09-30"  # the day before the 2022-10-01 cut
        last_benchmark = [r for r in rows if r["table"] == "benchmark"][-1]
        assert last_benchmark["effective_to"] == "2019-10-07"  # LPR pricing from 2019-10-08
        last_lpr = [r for r in rows if r["table"] == "lpr"][-1]
        assert last_lpr["effective_to"] == ""  # still in force
        # no second-home floor was published before 2010-11-03: no line, not an empty rate
        first = [r for r in rows if r["table"] == "hpf" and r["effective_from"] == "2006-05-08"]
        assert [r["column"] for r in first] == ["first home, <= 5 years", "first home, > 5 years"]
        assert all(r["rate"].endswith("%") and r["source"] for r in rows)


class TestHundredColumns:
    @pytest.mark.parametrize("convention", ["quote", "ledger"])
    @pytest.mark.parametrize("method", ["equal-installment", "equal-principal"])
    @pytest.mark.parametrize("extra", [WIDEST, WIDEST_COMBINED])
    def test_the_widest_inputs_fit(self, extra: list[str], method: str, convention: str) -> None:
        out = run(["calc", *extra, "--method", method, "--convention", convention])
        assert widest_line(out) <= 100
        assert "Total" in out

    def test_a_too_wide_combined_table_leaves_the_part_columns_to_the_csv(self) -> None:
        out = run(["calc", *WIDEST_COMBINED])
        header = next(line for line in out.splitlines() if line.startswith("Period"))
        assert header.split() == ["Period", "Payment", "Principal", "Interest", "Balance"]
        assert "Left out to fit 100 columns: HPF payment, Commercial payment (see --format csv)." in out
        ordinary = run(COMBINED)  # an ordinary loan keeps them
        assert "HPF payment" in next(line for line in ordinary.splitlines() if line.startswith("Period"))
        assert "Left out" not in ordinary

    @pytest.mark.parametrize(
        "argv",
        [
            ["rates", "--on", "2026-12-04"],
            ["rates", "--on", "2006-05-07"],
            ["calc", "--amount", "250000", "--years", "5", "--on", "2010-11-03", "--home", "second"],
            [*COMBINED[:-1], "2027-01-01"],
        ],
    )
    def test_tables_and_notes_fit(self, argv: list[str]) -> None:
        assert widest_line(run(argv)) <= 100


CHECKED = max(LPR_VERIFIED_THROUGH, date(2025, 5, 20))  # the newest row itself is 2025-05-20
LAST_QUIET = add_months(CHECKED, 1)


class TestStaleRates:
    def test_the_rule_today(self) -> None:
        assert date(2026, 5, 20) == CHECKED  # rates.md: the LPR was checked through May 2026
        assert date(2026, 6, 20) == LAST_QUIET

    def test_within_a_month_of_the_last_check_nothing_is_said(self) -> None:
        for on in ("2025-06-01", LAST_QUIET.isoformat()):
            out = run([*COMBINED[:-1], on])
            assert "注意 Note" not in out
            assert json.loads(run([*COMBINED[:-1], on, "--format", "json"]))["warnings"] == []

    def test_a_day_later_the_output_says_so(self) -> None:
        on = date.fromordinal(LAST_QUIET.toordinal() + 1).isoformat()
        out = run([*COMBINED[:-1], on])
        note = " ".join(out.split("注意 Note:")[1].split("项目 Item")[0].split())
        assert note.startswith(f"{on} is more than a month after {CHECKED.isoformat()}")
        assert "HPF 2025-05-08, LPR 2025-05-20" in note
        assert "--rate" in note
        facts, _, _ = csv_parts(run([*COMBINED[:-1], on, "--format", "csv"]))
        assert facts["warning"] == note
        assert json.loads(run([*COMBINED[:-1], on, "--format", "json"]))["warnings"] == [note]

    def test_only_the_tables_used_are_named(self) -> None:
        out = run(
            ["calc", "--amount", "250000", "--years", "30", "--on", "2027-01-01", "--loan-type", "commercial"]
        )
        note = " ".join(out.split("注意 Note:")[1].split("项目 Item")[0].split())
        assert "LPR 2025-05-20" in note
        assert "HPF" not in note

    def test_a_given_rate_is_not_stale(self) -> None:
        out = run([*SEED, "--on", "2030-01-01"])
        assert "注意 Note" not in out

    def test_rates_says_it_too(self) -> None:
        assert "注意 Note: 2027-01-01 is more than a month after" in run(["rates", "--on", "2027-01-01"])
        assert "注意 Note" not in run(["rates", "--on", "2026-06-20"])
        facts = TestRatesCsv().read("2027-01-01")[0]
        assert facts["warning"].startswith("2027-01-01 is more than a month after")
        assert json.loads(run(["rates", "--on", "2027-01-01", "--format", "json"]))["warnings"]


class TestConvention:
    def test_quote_is_the_default(self) -> None:
        assert json.loads(run([*SEED, "--format", "json"]))["convention"] == "quote"

    def test_ledger_rows_in_json_add_up(self) -> None:
        out = json.loads(run([*SEED, "--convention", "ledger", "--format", "json"]))
        assert out["monthly_payment"] == "1088.02"
        assert out["last_payment"] == "1085.56"
        assert sum(Decimal(r["payment"]) for r in out["rows"]) == Decimal(out["total_payment"])
        assert "monthly_decrease" not in out

    def test_a_wrong_convention_names_the_flag(self) -> None:
        done = hpf(*SEED, "--convention", "bank")
        assert done.returncode == 2
        assert done.stdout == ""
        assert done.stderr.startswith("hpf: --convention: must be one of quote, ledger")


class TestTheSameFormatAsTheCore:
    @pytest.mark.parametrize("percent", ["3.25", "2.6", "3", "4.455", "2.875", "0.1", "12.3456", "99.99"])
    def test_the_cli_writes_rates_as_the_core_s_csv_does(self, percent: str) -> None:
        from hpf_adapters.cli._render import fraction_text, percent_text
        from hpf_core.calculators import mortgage_quote

        core = next(
            line.split(",", 1)[1]
            for line in mortgage_quote(100000, Decimal(percent) / 100, 12, "equal-installment")
            .to_csv()
            .splitlines()
            if line.startswith("# annual_rate,")
        )
        assert percent_text(Decimal(percent)) == fraction_text(Decimal(percent) / 100) == core
        # and by hand: at least two places, the rate's own digits beyond
        by_hand = {"3.25": "3.25%", "2.6": "2.60%", "3": "3.00%", "4.455": "4.455%", "2.875": "2.875%"}
        if percent in by_hand:
            assert core == by_hand[percent]
