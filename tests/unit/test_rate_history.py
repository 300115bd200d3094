"""Issue #18: the rate tables from 2006 to today, checked against the sources' own figures.

Every figure below is typed from the notice or table named beside it (keys resolved in
docs/rates.md), not read from the code. Most notices say "from OLD to NEW on DAY", so each
change is checked on the day before (OLD) and on the day itself (NEW): that checks the row
before a change as well as the change. The last class checks that ``hpf rates`` marks the
row the lookups use, for every date tested here.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hpf_adapters.cli import run
from hpf_core.accounts import deposit_rates
from hpf_core.errors import NoRateKnown
from hpf_core.loans import (
    BenchmarkRow,
    LprRow,
    commercial_rate,
    commercial_rate_in_force,
    commercial_row_in_force,
    hpf_loan_rate,
    hpf_row_in_force,
)

D = Decimal

# (day, old <=5y, old >5y, new <=5y, new >5y, source) -- first home, percent
HPF_CHANGES = [
    ("2007-03-18", "4.14", "4.59", "4.32", "4.77"),  # S61 Xinhua on the ministry's notice
    ("2007-05-19", "4.32", "4.77", "4.41", "4.86"),  # S62 建金管〔2007〕123号
    ("2007-07-21", "4.41", "4.86", "4.50", "4.95"),  # S63
    ("2007-08-22", "4.50", "4.95", "4.59", "5.04"),  # S64 建金管〔2007〕199号
    ("2007-09-15", "4.59", "5.04", "4.77", "5.22"),  # S65 history tables (+0.18 each)
    ("2008-09-16", "4.77", "5.22", "4.59", "5.13"),  # S67 建金〔2008〕169号
    ("2008-10-09", "4.59", "5.13", "4.32", "4.86"),  # S68 建金〔2008〕184号
    ("2008-10-27", "4.32", "4.86", "4.05", "4.59"),  # S69 set on 2008-10-31, retroactive
    ("2008-11-27", "4.05", "4.59", "3.51", "4.05"),  # S70 Xinhua
    ("2008-12-23", "3.51", "4.05", "3.33", "3.87"),  # S71 建金〔2008〕229号
    ("2010-10-20", "3.33", "3.87", "3.50", "4.05"),  # S72 建金〔2010〕169号
    ("2010-12-26", "3.50", "4.05", "3.75", "4.30"),  # S73
    ("2011-02-09", "3.75", "4.30", "4.00", "4.50"),  # S74 建金〔2011〕15号
    ("2011-04-06", "4.00", "4.50", "4.20", "4.70"),  # S75 建金〔2011〕44号
    ("2011-07-07", "4.20", "4.70", "4.45", "4.90"),  # S76 Xinhua
    ("2012-06-08", "4.45", "4.90", "4.20", "4.70"),  # S77 建金〔2012〕88号
    ("2012-07-06", "4.20", "4.70", "4.00", "4.50"),  # S78 Shanghai centre
    ("2014-11-22", "4.00", "4.50", "3.75", "4.25"),  # S79 沪公积金〔2014〕53号
    ("2015-03-01", "3.75", "4.25", "3.50", "4.00"),  # S80 Weifang centre
    ("2015-05-11", "3.50", "4.00", "3.25", "3.75"),  # S80 温公积金〔2015〕32号
    ("2015-06-28", "3.25", "3.75", "3.00", "3.50"),  # S7; the ministry's notice of 2015-06-29
    ("2015-08-26", "3.00", "3.50", "2.75", "3.25"),  # S81 Zaozhuang centre
    ("2022-10-01", "2.75", "3.25", "2.60", "3.10"),  # S11
    ("2024-05-18", "2.60", "3.10", "2.35", "2.85"),  # S12 (Wuhan's notice: 2.6 -> 2.35, 3.1 -> 2.85)
    ("2025-05-08", "2.35", "2.85", "2.10", "2.60"),  # S14
]

# PBOC moves on which the ministry left HPF loan rates as they were: (day, <=5y, >5y)
HPF_UNCHANGED = [
    ("2007-12-21", "4.77", "5.22"),  # S66: "个人住房公积金贷款利率保持不变"
    ("2008-10-30", "4.05", "4.59"),  # S69: only the deposit rate moved that day
    ("2015-10-24", "2.75", "3.25"),  # S3 Yinfa 325: HPF lending rates unchanged
]

# second-home national floors (day, <=5y, >5y): 1.1 x first home by the 2010 rule (S82),
# worked by hand; from 2024 the notices' own figures
SECOND_HOME = [
    ("2010-11-03", "0.0385", "0.04455"),  # 3.50 x 1.1, 4.05 x 1.1 (Shanghai wrote 3.85 / 4.46)
    ("2010-12-26", "0.04125", "0.0473"),  # 3.75 x 1.1, 4.30 x 1.1
    ("2011-07-07", "0.04895", "0.0539"),  # 4.45 x 1.1, 4.90 x 1.1
    ("2012-07-06", "0.044", "0.0495"),  # 4.00 x 1.1, 4.50 x 1.1
    ("2014-11-22", "0.04125", "0.04675"),  # 3.75 x 1.1, 4.25 x 1.1
    ("2015-06-28", "0.033", "0.0385"),  # 3.00 x 1.1, 3.50 x 1.1
    ("2015-08-26", "0.03025", "0.03575"),  # S11: 3.025 / 3.575 before 2022-10-01
    ("2024-05-18", "0.02775", "0.03325"),  # Wuhan's notice: 3.025 -> 2.775, 3.575 -> 3.325
    ("2025-05-08", "0.02525", "0.03075"),  # Zhuhai / Baoshan 2025: 2.525 / 3.075
]

# (day, old current, old carried, new current, new carried) -- HPF deposit rates, percent
DEPOSIT_CHANGES = [
    ("2007-05-19", "0.72", "1.98", "0.72", "2.07"),  # S62
    ("2007-07-21", "0.72", "2.07", "0.81", "2.34"),  # S63
    ("2007-08-22", "0.81", "2.34", "0.81", "2.61"),  # S64
    ("2007-12-21", "0.81", "2.88", "0.72", "3.33"),  # S66
    ("2008-10-09", "0.72", "3.33", "0.72", "3.15"),  # S68
    ("2008-10-30", "0.72", "3.15", "0.72", "2.88"),  # S69: three days after the loan cut
    ("2008-11-27", "0.72", "2.88", "0.36", "1.98"),  # S70
    ("2008-12-23", "0.36", "1.98", "0.36", "1.71"),  # S71
    ("2010-10-20", "0.36", "1.71", "0.36", "1.91"),  # S72
    ("2010-12-26", "0.36", "1.91", "0.36", "2.25"),  # S73
    ("2011-02-09", "0.36", "2.25", "0.40", "2.60"),  # S74
    ("2011-04-06", "0.40", "2.60", "0.50", "2.85"),  # S75
    ("2011-07-07", "0.50", "2.85", "0.50", "3.10"),  # S76
    ("2012-06-08", "0.50", "3.10", "0.40", "2.85"),  # S77
    ("2012-07-06", "0.40", "2.85", "0.35", "2.60"),  # S78
    ("2014-11-22", "0.35", "2.60", "0.35", "2.35"),  # S79
    ("2015-03-01", "0.35", "2.35", "0.35", "2.10"),  # S80: the 2.10 % carried-forward rate
    ("2015-05-11", "0.35", "2.10", "0.35", "1.85"),  # S80 Wenzhou
    ("2015-06-28", "0.35", "1.85", "0.35", "1.60"),  # S7; the ministry's notice of 2015-06-29
    ("2015-08-26", "0.35", "1.60", "0.35", "1.35"),  # S81
    ("2015-10-24", "0.35", "1.35", "0.35", "1.10"),  # S3; 沪公积金〔2015〕130号
]

# PBOC benchmark (day, <=6m, 6m-1y, 1-3y, 3-5y, >5y) from the history tables (S83)
BENCHMARK = [
    ("2006-04-28", "5.40", "5.85", "6.03", "6.12", "6.39"),
    ("2006-08-19", "5.58", "6.12", "6.30", "6.48", "6.84"),
    ("2007-03-18", "5.67", "6.39", "6.57", "6.75", "7.11"),
    ("2007-05-19", "5.85", "6.57", "6.75", "6.93", "7.20"),
    ("2007-07-21", "6.03", "6.84", "7.02", "7.20", "7.38"),
    ("2007-08-22", "6.21", "7.02", "7.20", "7.38", "7.56"),
    ("2007-09-15", "6.48", "7.29", "7.47", "7.65", "7.83"),
    ("2007-12-21", "6.57", "7.47", "7.56", "7.74", "7.83"),
    ("2008-09-16", "6.21", "7.20", "7.29", "7.56", "7.74"),
    ("2008-10-09", "6.12", "6.93", "7.02", "7.29", "7.47"),  # also S68's table
    ("2008-10-30", "6.03", "6.66", "6.75", "7.02", "7.20"),
    ("2008-11-27", "5.04", "5.58", "5.67", "5.94", "6.12"),
    ("2008-12-23", "4.86", "5.31", "5.40", "5.76", "5.94"),
    ("2010-10-20", "5.10", "5.56", "5.60", "5.96", "6.14"),
    ("2010-12-26", "5.35", "5.81", "5.85", "6.22", "6.40"),
    ("2011-02-09", "5.60", "6.06", "6.10", "6.45", "6.60"),
    ("2011-04-06", "5.85", "6.31", "6.40", "6.65", "6.80"),
    ("2011-07-07", "6.10", "6.56", "6.65", "6.90", "7.05"),
    ("2012-06-08", "5.85", "6.31", "6.40", "6.65", "6.80"),
    ("2012-07-06", "5.60", "6.00", "6.15", "6.40", "6.55"),
    # three bands from 2014-11-22: <=1y, 1-5y, >5y
    ("2014-11-22", "5.60", "5.60", "6.00", "6.00", "6.15"),
    ("2015-03-01", "5.35", "5.35", "5.75", "5.75", "5.90"),
    ("2015-05-11", "5.10", "5.10", "5.50", "5.50", "5.65"),
    ("2015-06-28", "4.85", "4.85", "5.25", "5.25", "5.40"),
    ("2015-08-26", "4.60", "4.60", "5.00", "5.00", "5.15"),  # S84 Bank of China
    ("2015-10-24", "4.35", "4.35", "4.75", "4.75", "4.90"),  # S3
]
TERMS = (6, 12, 36, 60, 360)  # one term inside each band


def day(text: str) -> date:
    return date.fromisoformat(text)


def pct(text: str) -> Decimal:
    return D(text) / 100


class TestHpfLoanRates:
    @pytest.mark.parametrize(("on", "old_short", "old_long", "new_short", "new_long"), HPF_CHANGES)
    def test_the_day_before_and_the_day_of_each_change(
        self, on: str, old_short: str, old_long: str, new_short: str, new_long: str
    ) -> None:
        before = day(on) - timedelta(days=1)
        assert (hpf_loan_rate(before, 60), hpf_loan_rate(before, 61)) == (pct(old_short), pct(old_long))
        assert (hpf_loan_rate(day(on), 60), hpf_loan_rate(day(on), 61)) == (pct(new_short), pct(new_long))

    @pytest.mark.parametrize(("on", "short", "long"), HPF_UNCHANGED)
    def test_a_pboc_move_that_left_hpf_rates_alone_is_no_change(self, on: str, short: str, long: str) -> None:
        for when in (day(on) - timedelta(days=1), day(on)):
            assert (hpf_loan_rate(when, 12), hpf_loan_rate(when, 240)) == (pct(short), pct(long))

    @pytest.mark.parametrize(
        ("on", "short", "long"),
        [
            ("2007-06-01", "0.0441", "0.0486"),  # the issue's example: was answered from 2006-05-08
            ("2008-11-01", "0.0405", "0.0459"),  # inside the retroactive 2008-10-27 row
            ("2008-10-28", "0.0405", "0.0459"),  # made before the notice of 2008-10-31 was issued
            ("2012-01-01", "0.0445", "0.049"),  # inside the former gap
            ("2013-06-30", "0.04", "0.045"),
            ("2006-05-08", "0.0414", "0.0459"),  # S18, the first row
        ],
    )
    def test_dates_inside_rows(self, on: str, short: str, long: str) -> None:
        assert (hpf_loan_rate(day(on), 36), hpf_loan_rate(day(on), 300)) == (D(short), D(long))

    def test_the_only_first_home_refusal_is_before_the_first_row(self) -> None:
        with pytest.raises(NoRateKnown, match="2006-05-08"):
            hpf_loan_rate(date(2006, 5, 7), 360)
        # every day from 2006-05-08 to the end of 2026 has an answer
        start, days = date(2006, 5, 8), (date(2026, 12, 31) - date(2006, 5, 8)).days
        rows = {hpf_row_in_force(start + timedelta(days=n)).effective for n in range(days + 1)}
        assert len(rows) == 27  # 25 changes after 2006-05-08, the first row and 2010-11-03


class TestSecondHomeFloors:
    @pytest.mark.parametrize(("on", "short", "long"), SECOND_HOME)
    def test_the_floor(self, on: str, short: str, long: str) -> None:
        got = (hpf_loan_rate(day(on), 60, home="second"), hpf_loan_rate(day(on), 61, home="second"))
        assert got == (D(short), D(long))

    def test_no_floor_before_the_2010_rule(self) -> None:
        with pytest.raises(NoRateKnown, match="second-home"):
            hpf_loan_rate(date(2010, 11, 2), 360, home="second")
        assert hpf_loan_rate(date(2010, 11, 2), 360) == D("0.0405")  # the first-home rate is known


class TestDepositRates:
    @pytest.mark.parametrize(("on", "old_cur", "old_car", "new_cur", "new_car"), DEPOSIT_CHANGES)
    def test_the_day_before_and_the_day_of_each_change(
        self, on: str, old_cur: str, old_car: str, new_cur: str, new_car: str
    ) -> None:
        assert deposit_rates(day(on) - timedelta(days=1)) == (pct(old_cur), pct(old_car))
        assert deposit_rates(day(on)) == (pct(new_cur), pct(new_car))

    def test_the_table_starts_on_2007_03_18(self) -> None:
        assert deposit_rates(date(2007, 3, 18)) == (D("0.0072"), D("0.0198"))  # S61: 1.80 -> 1.98
        with pytest.raises(NoRateKnown):
            deposit_rates(date(2007, 3, 17))


class TestBenchmark:
    @pytest.mark.parametrize("index", range(len(BENCHMARK)))
    def test_each_band_on_the_day_of_each_change_and_the_day_before(self, index: int) -> None:
        on, *bands = BENCHMARK[index]
        for months, band in zip(TERMS, bands, strict=True):
            assert commercial_rate(day(on), months) == pct(band), (on, months)
        if index:
            _, *previous = BENCHMARK[index - 1]
            before = day(on) - timedelta(days=1)
            for months, band in zip(TERMS, previous, strict=True):
                assert commercial_rate(before, months) == pct(band), (before, months)

    def test_band_edges(self) -> None:
        on = date(2011, 7, 7)
        got = [commercial_rate(on, m) for m in (1, 6, 7, 12, 13, 36, 37, 60, 61)]
        assert got == [
            pct(x) for x in ("6.10", "6.10", "6.56", "6.56", "6.65", "6.65", "6.90", "6.90", "7.05")
        ]

    def test_the_band_is_named(self) -> None:
        assert commercial_rate_in_force(date(2012, 7, 6), 24).column == "benchmark 1-3 years"
        assert commercial_rate_in_force(date(2014, 11, 22), 24).column == "benchmark 1-5 years"
        assert commercial_rate_in_force(date(2014, 11, 21), 6).column == "benchmark <= 6 months"

    def test_before_the_first_row_no_rate(self) -> None:
        with pytest.raises(NoRateKnown, match="2006-04-28"):
            commercial_rate(date(2006, 4, 27), 360)


class TestLprPricingSwitch:
    def test_the_benchmark_until_2019_10_07(self) -> None:
        # the LPR was published from 2019-08-20 but new mortgages moved to it on 2019-10-08 (S85)
        assert commercial_rate(date(2019, 8, 20), 360) == D("0.049")
        assert commercial_rate(date(2019, 10, 7), 360) == D("0.049")
        assert commercial_rate(date(2019, 10, 7), 12) == D("0.0435")
        assert isinstance(commercial_row_in_force(date(2019, 10, 7)), BenchmarkRow)

    def test_the_lpr_last_published_from_2019_10_08(self) -> None:
        # the LPR of 2019-09-20: 1-year 4.20, 5-year 4.85
        assert commercial_rate(date(2019, 10, 8), 360) == D("0.0485")
        assert commercial_rate(date(2019, 10, 8), 60) == D("0.042")
        assert commercial_rate(date(2019, 10, 8), 360, spread_bp=55) == D("0.054")
        assert isinstance(commercial_row_in_force(date(2019, 10, 8)), LprRow)


def _tested_dates() -> list[date]:
    days = {day(row[0]) for row in HPF_CHANGES + DEPOSIT_CHANGES + BENCHMARK}
    days |= {day(row[0]) for row in HPF_UNCHANGED}
    days |= {d - timedelta(days=1) for d in days}
    return sorted(days | {date(2007, 6, 1), date(2008, 11, 1), date(2012, 1, 1), date(2019, 10, 7)})


class TestTableAndLookupAgree:
    @pytest.mark.parametrize("on", _tested_dates(), ids=str)
    def test_the_marked_rows_are_the_rows_the_lookups_use(self, on: date) -> None:
        data = json.loads(run(["rates", "--on", on.isoformat(), "--format", "json"]))
        marked = [row for row in data["hpf"] if row["in_force"]]
        if on < date(2006, 5, 8):
            assert marked == []
            assert data["hpf_in_force"] is None
            with pytest.raises(NoRateKnown):
                hpf_loan_rate(on, 360)
        else:
            assert data["hpf_in_force"] == hpf_rate_in_force_effective(on)
            assert [row["effective"] for row in marked] == [data["hpf_in_force"]]
            # the marked row's figures are the rates the calculator returns
            assert pct(marked[0]["first_home_up_to_5y"]) == hpf_loan_rate(on, 60)
            assert pct(marked[0]["first_home_over_5y"]) == hpf_loan_rate(on, 360)
        commercial = data["commercial_in_force"]
        if on < date(2006, 4, 28):
            assert commercial is None
        else:
            basis = commercial_rate_in_force(on, 360)
            table = "lpr" if basis.table == "LPR" else "benchmark"
            assert commercial == {"table": table, "effective": basis.effective.isoformat()}
            marked_commercial = [r for r in data["lpr"] + data["benchmark"] if r["in_force"]]
            assert [r["effective"] for r in marked_commercial] == [commercial["effective"]]

    def test_the_issue_examples(self) -> None:
        for on, expected in (
            ("2012-07-06", "2012-07-06"),
            ("2007-06-01", "2007-05-19"),
            ("2008-11-01", "2008-10-27"),
        ):
            text = run(["rates", "--on", on])
            assert f"▶ {expected}" in text.split("公积金贷款利率", 1)[1].split("贷款市场报价利率", 1)[0]
            assert hpf_rate_in_force_effective(day(on)) == expected

    def test_before_the_first_row_the_table_says_why(self) -> None:
        text = run(["rates", "--on", "2006-05-07"])
        hpf_part = text.split("公积金贷款利率", 1)[1].split("贷款市场报价利率", 1)[0]
        assert "▶" not in hpf_part
        assert "No HPF row is marked: the calculator refuses 2006-05-07" in hpf_part


def _docs_hpf_rows() -> list[list[str]]:
    """The HPF table as docs/rates.md writes it (effective, 1st <=5y, 1st >5y, 2nd <=5y, 2nd >5y)."""
    text = (Path(__file__).parents[2] / "docs" / "rates.md").read_text(encoding="utf-8")
    header = "| effective | 1st ≤5y | 1st >5y | 2nd ≤5y | 2nd >5y | source | grade |"
    lines = text.split(header, 1)[1].strip().splitlines()[1:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")][:5])
    return rows


class TestTheDocsTable:
    @pytest.mark.parametrize("index", range(len(_docs_hpf_rows())))
    def test_the_lookup_gives_each_docs_row_on_its_day_and_the_previous_row_the_day_before(
        self, index: int
    ) -> None:
        rows = _docs_hpf_rows()

        def looked_up(on: date) -> list[str]:
            got: list[Decimal | None] = [hpf_loan_rate(on, 60), hpf_loan_rate(on, 61)]
            for months in (60, 61):
                try:
                    got.append(hpf_loan_rate(on, months, home="second"))
                except NoRateKnown:
                    got.append(None)
            return ["—" if v is None else f"{v * 100:f}".rstrip("0").rstrip(".") for v in got]

        def written(row: list[str]) -> list[str]:
            return [v if v == "—" else v.rstrip("0").rstrip(".") for v in row[1:]]

        on = day(rows[index][0])
        assert looked_up(on) == written(rows[index])
        if index:
            assert looked_up(on - timedelta(days=1)) == written(rows[index - 1])


def hpf_rate_in_force_effective(on: date) -> str:
    return hpf_row_in_force(on).effective.isoformat()
