"""The ``hpf`` command line: ``hpf calc`` and ``hpf rates``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import IO, Any

import pytest

from hpf_adapters.cli import main
from hpf_adapters.cli._render import display_width

SEED_ROWS = [
    ("410.93", "677.08", "390597.67"),
    ("412.05", "675.97", "389509.66"),
    ("413.16", "674.85", "388421.64"),
    ("414.28", "673.74", "387333.62"),
    ("415.40", "672.61", "386245.61"),
    ("416.53", "671.49", "385157.59"),
    ("417.66", "670.36", "384069.58"),
    ("418.79", "669.23", "382981.56"),
    ("419.92", "668.09", "381893.54"),
]


def hpf(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script (falls back to ``python -m`` beside it)."""
    script = Path(sysconfig.get_path("scripts")) / "hpf"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "hpf_adapters.cli"]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([*command, *args], capture_output=True, text=True, check=False, env=env)


class TestCalcReproducesTheSeedScreen:
    def test_json_rows_one_to_nine_and_totals(self) -> None:
        done = hpf("calc", "--amount", "250000", "--years", "30", "--rate", "3.25", "--format", "json")
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        out = json.loads(done.stdout)
        got = [(r["principal"], r["interest"], r["remaining_payable"]) for r in out["rows"][:9]]
        assert got == SEED_ROWS
        assert (out["total_interest"], out["total_payment"], out["months"]) == ("141685.69", "391685.69", 360)
        assert out["monthly_payment"] == "1088.02"
        assert out["monthly_decrease"] == "0.00"
        assert out["annual_rate"] == "0.0325"
        assert len(out["rows"]) == 360
        assert set(out["rows"][0]) == {
            "period",
            "payment",
            "principal",
            "interest",
            "balance",
            "remaining_payable",
        }

    def test_the_console_script_is_installed(self) -> None:
        assert (Path(sysconfig.get_path("scripts")) / "hpf").exists()


class TestCalcFormats:
    def test_the_table_has_aligned_bilingual_columns(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["calc", "--amount", "250000", "--years", "30", "--rate", "3.25"]) == 0
        out = capsys.readouterr().out
        lines = out.splitlines()
        header = next(i for i, line in enumerate(lines) if "期数" in line)
        assert "月供" in lines[header]
        assert "剩余本金" in lines[header]
        assert "Period" in lines[header + 1]
        assert "Balance" in lines[header + 1]
        table = lines[header : header + 3 + 360]
        widths = {display_width(line) for line in table}
        assert len(widths) == 1, widths  # every line of the table is equally wide on screen
        assert lines[header + 3].split() == ["1", "1,088.02", "410.93", "677.08", "249,589.07", "390,597.67"]

    def test_csv_has_one_row_per_month(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert (
            main(
                [
                    "calc",
                    "--amount",
                    "150000",
                    "--years",
                    "20",
                    "--rate",
                    "4.5",
                    "--method",
                    "equal-principal",
                    "--format",
                    "csv",
                ]
            )
            == 0
        )
        lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("# ")]
        assert lines[0] == "period,payment,principal,interest,balance,remaining_payable"
        # 150,000 / 240 = 625.00 principal; interest 150,000 x 0.045 / 12 = 562.50
        assert lines[1].startswith("1,1187.50,625.00,562.50,149375.00,")
        assert len(lines) == 1 + 240 + 1  # header, one line per month, the totals row

    def test_without_a_rate_the_rate_in_force_is_used_and_named(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        assert (
            main(["calc", "--amount", "100000", "--years", "10", "--on", "2024-06-01", "--format", "json"])
            == 0
        )
        out = json.loads(capsys.readouterr().out)
        assert out["annual_rate"] == "0.0285"
        assert out["rate_basis"] == {
            "table": "HPF loan rate",
            "column": "first home, > 5 years",
            "effective": "2024-05-18",
            "source": "S12,S13",
        }

    def test_a_combined_loan_prints_both_parts(self, capsys: pytest.CaptureFixture[str]) -> None:
        args = [
            "calc",
            "--amount",
            "400000",
            "--years",
            "30",
            "--rate",
            "2.6",
            "--loan-type",
            "combined",
            "--commercial-amount",
            "300000",
            "--commercial-rate",
            "3.5",
            "--format",
            "json",
        ]
        assert main(args) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["hpf"]["monthly_payment"] == "1601.36"
        assert out["commercial"]["monthly_payment"] == "1347.13"
        assert out["monthly_payment"] == "2948.49"
        assert out["total_interest"] == "361457.45"


class TestBadInput:
    @pytest.mark.parametrize(
        ("args", "flag"),
        [
            (["--amount", "-5", "--years", "30"], "--amount"),
            (["--amount", "0", "--years", "30"], "--amount"),
            (["--amount", "1e5", "--years", "30"], "--amount"),
            (["--amount", "100.005", "--years", "30"], "--amount"),
            (["--amount", "250000", "--years", "0"], "--years"),
            (["--amount", "250000", "--years", "41"], "--years"),
            (["--amount", "250000", "--years", "2.5"], "--years"),
            (["--amount", "250000", "--years", "30", "--rate", "-1"], "--rate"),
            (["--amount", "250000", "--years", "30", "--rate", "abc"], "--rate"),
            (["--amount", "250000", "--years", "30", "--method", "balloon"], "--method"),
            (["--amount", "250000", "--years", "30", "--format", "xml"], "--format"),
            (["--amount", "250000", "--years", "30", "--on", "2023-02-29"], "--on"),
            (["--amount", "250000", "--years", "30", "--on", "2006-05-07"], "--on"),
            (["--amount", "250000", "--years", "30", "--home", "third"], "--home"),
            (["--amount", "250000", "--years", "30", "--loan-type", "combined"], "--commercial-amount"),
            (["--years", "30"], "--amount"),
        ],
    )
    def test_exits_2_with_one_line_naming_the_flag(self, args: list[str], flag: str) -> None:
        done = hpf("calc", *args)
        assert done.returncode == 2
        assert done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1, done.stderr
        assert flag in lines[0]


class TestRates:
    def test_the_table_marks_the_row_in_force(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["rates", "--on", "2024-06-01"]) == 0
        out = capsys.readouterr().out
        assert "▶ 2024-05-18" in out
        assert "▶ 2024-02-20" in out  # the LPR in force on that day
        assert "S12,S13" in out

    def test_json_lists_every_row_with_its_source(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["rates", "--on", "2026-01-01", "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)
        in_force = [row for row in out["hpf"] if row["in_force"]]
        assert in_force == [
            {
                "effective": "2025-05-08",
                "first_home_up_to_5y": "2.10",
                "first_home_over_5y": "2.60",
                "second_home_up_to_5y": "2.525",
                "second_home_over_5y": "3.075",
                "source": "S14,S15",
                "grade": "B",
                "in_force": True,
            }
        ]
        assert out["hpf_gaps"] == []  # issue #18 closed the 2010-2014 gap


def hpf_raw(
    *args: str, env: dict[str, str] | None = None, stdout: int | IO[Any] = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    """Run the real ``hpf`` command with bytes output and the given environment changes."""
    script = Path(sysconfig.get_path("scripts")) / "hpf"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "hpf_adapters.cli"]
    return subprocess.run(
        [*command, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        check=False,
        env={**os.environ, **(env or {})},
    )


class TestTheContract:
    """Issue #10: flags that were silently ignored or misread are refused (exit 2, one
    line on stderr naming the flag)."""

    @pytest.mark.parametrize(
        ("args", "flag", "words"),
        [
            (["--loan-type", "commercial", "--commercial-rate", "4.0"], "--commercial-rate", "combined"),
            (["--commercial-amount", "300000"], "--commercial-amount", "combined"),
            (
                ["--loan-type", "commercial", "--commercial-amount", "300000"],
                "--commercial-amount",
                "combined",
            ),
            (["--home", "second", "--loan-type", "commercial"], "--home", "commercial"),
            (["--home", "second", "--rate", "3.1"], "--home", "--rate"),
            (
                [
                    "--home",
                    "second",
                    "--rate",
                    "3.1",
                    "--loan-type",
                    "combined",
                    "--commercial-amount",
                    "1000",
                ],
                "--home",
                "--rate",
            ),
            (["--on", ""], "--on", "YYYY-MM-DD"),
            (["--rate", "0.0325"], "--rate", "percent"),
            (["--rate", "0"], "--rate", "percent"),
            (
                ["--loan-type", "combined", "--commercial-amount", "1000", "--commercial-rate", "0.035"],
                "--commercial-rate",
                "percent",
            ),
            (["--amount", "1"], "--amount", "at least 1,000.00"),
            (["--loan-type", "combined", "--commercial-amount", "5"], "--commercial-amount", "at least"),
        ],
    )
    def test_refused(self, args: list[str], flag: str, words: str) -> None:
        base = ["--amount", "250000", "--years", "30"]
        if "--amount" in args:
            base = ["--years", "30"]
        done = hpf("calc", *base, *args)
        assert done.returncode == 2
        assert done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(f"hpf: {flag}: ")
        assert words in lines[0]

    def test_the_smallest_amount_still_quotes(self, capsys: pytest.CaptureFixture[str]) -> None:
        # 1,000.00 over 30 years at 3.25 %: r = 0.0325/12, payment = P r (1+r)^360 / ((1+r)^360 - 1)
        # = 4.35 (1000 x 0.00270833 x 2.6466 / 1.6466 = 4.352)
        assert main(["calc", "--amount", "1000", "--years", "30", "--rate", "3.25", "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["monthly_payment"] == "4.35"

    @pytest.mark.parametrize(
        ("args", "line"),
        [
            (["calc", "--years", "30"], "hpf: --amount: is required"),
            (["calc"], "hpf: --amount: is required (also --years)"),
            (["calc", "--amount"], "hpf: --amount: expected one argument"),
            (["calc", "--amount", "1000", "--years", "1", "--bogus"], "hpf: --bogus: is not an option"),
            (["frob"], "hpf: command: invalid choice: 'frob'"),
            ([], "hpf: command: is required"),
        ],
    )
    def test_argparse_messages_have_the_same_shape(self, args: list[str], line: str) -> None:
        done = hpf(*args)
        assert done.returncode == 2
        assert done.stdout == ""
        assert len(done.stderr.splitlines()) == 1, done.stderr
        assert done.stderr.startswith(line)

    def test_version(self) -> None:
        from importlib.metadata import version

        done = hpf("--version")
        assert done.returncode == 0
        assert done.stdout == f"hpf {version('hpf')}\n"


class TestRatesAgreeWithTheCalculator:
    def test_a_day_the_calculator_answers_is_marked(self, capsys: pytest.CaptureFixture[str]) -> None:
        # 2012-07-06 was a declared gap before issue #18; now the calculator answers it ...
        assert main(["calc", "--amount", "100000", "--years", "10", "--on", "2012-07-06"]) == 0
        capsys.readouterr()
        # ... and the rate table marks that very row (S78: 4.00 / 4.50 from 2012-07-06)
        assert main(["rates", "--on", "2012-07-06", "--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert [row["effective"] for row in data["hpf"] if row["in_force"]] == ["2012-07-06"]
        assert data["hpf_in_force"] == "2012-07-06"
        assert data["commercial_in_force"] == {"table": "benchmark", "effective": "2012-07-06"}

    def test_a_day_the_calculator_refuses_is_not_marked(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["calc", "--amount", "100000", "--years", "10", "--on", "2006-05-07"]) == 2
        capsys.readouterr()
        assert main(["rates", "--on", "2006-05-07"]) == 0
        out = capsys.readouterr().out
        hpf_part = out.split("公积金贷款利率", 1)[1].split("贷款市场报价利率", 1)[0]
        assert "▶ " not in hpf_part
        assert "the calculator refuses 2006-05-07" in hpf_part
        assert main(["rates", "--on", "2006-05-07", "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["hpf_in_force"] is None


class TestOutput:
    def test_gbk_terminal_ends_cleanly(self) -> None:
        done = hpf_raw("rates", "--on", "2024-06-01", env={"PYTHONIOENCODING": "gbk"})
        assert done.returncode == 0
        assert done.stderr == b""
        text = done.stdout.decode("gbk")
        assert "利率表" in text  # GBK has the Chinese; what it lacks is replaced, not a traceback
        assert "2024-05-18" in text

    def test_a_full_disk_ends_with_one_line_and_status_1(self) -> None:
        if not Path("/dev/full").exists():
            pytest.skip("no /dev/full here")
        with open("/dev/full", "w") as full:
            done = hpf_raw("rates", stdout=full)
        assert done.returncode == 1
        lines = done.stderr.decode().splitlines()
        assert lines == ["hpf: output: cannot write (No space left on device)"]

    def test_version_to_a_full_disk(self) -> None:
        if not Path("/dev/full").exists():
            pytest.skip("no /dev/full here")
        with open("/dev/full", "w") as full:
            done = hpf_raw("--version", stdout=full)
        assert done.returncode == 1
        assert b"Traceback" not in done.stderr
