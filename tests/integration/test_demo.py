"""``hpf demo``: the seed app's whole member journey on an SQLite file, in a real process.

The figures are the seed manual's (自治区住房公积金综合服务平台 手机APP操作手册, 2018), read
off its screens, not produced by the code under test; the headings are issue #13's list."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from hpf_adapters.wiring import Config, build
from hpf_core.accounts import Employer, Member

SRC = Path(__file__).resolve().parents[2] / "src"

HEADINGS = [  # issue #13, in the seed's order
    "登录",
    "新闻动态",
    "公积金账户",
    "贷款 / 还款明细 / 还款计划 / 逾期",
    "服务网点",
    "房贷计算器",
    "修改手机号码",
    "我要提取",
    "审批",
    "我的业务",
    "提前还本",
    "按月抵扣签约",
    "提前结清",
    "个人中心",
    "服务热线",
    "隐私声明",
    "密码修改",
    "退出",
]

SEED_FIGURES = [
    # §4.2 (2) 公积金账户信息
    "个人账户余额     15,827.45元",
    "个人缴存基数     5,225.00元",
    "个人月缴存额     627.00元",
    "单位账号         150101329",
    "开户日期         2015-03-02",
    "启缴年月         201503",
    # §4.2 (3) 贷款账户信息
    "贷款发放日期      2015-02-13",
    "贷款利率          3.2500%",
    "约定还款日        1日",
    # §4.2 (6)
    "您暂无逾期还款记录",
    # §5.1.1 详情
    "网点地址  阿勒泰市解放路2",
    "tel:12329",
    # §5.1.2: 250,000 over 360 months; 1月 410.93 / 677.08 / 390,597.67; totals 39.17万 / 14.17万
    "每月月供参考(元)         1,088.02",
    "支付利息(元)             141,685.69",
    "1月       410.93    677.08  390,597.67",
    # §5.1.3: the code on the screen
    "您的验证码为972746",
    # §5.2.1.4 物业管理费提取: 冻结金额 0, 可提取金额 3,000.00, 提取金额 3000, 中国工商银行
    "可提取金额    3,000.00元",
    "提取金额      3,000.00",
    "收款银行      中国工商银行",
    # §6.3.1 提前还本: 146,271.00 - 10,000.00 at 0.00 interest, bank debit 10,000.00
    "当前贷款余额        146,271.00元",
    "提前还款金额        10,000.00元",
    "提前归还利息        0.00元",
    "银行扣划金额        10,000.00元",
    # §6.3.3 提前结清: 136,271.00 owed, 3,000.00 from the fund, 133,271.00 from the card
    "提前还款合计            136,271.00元",
    "支取公积金还款金额合计  3,000.00元",
    "待还款金额              133,271.00元",
    # §7.2
    "呼叫服务热线公积金12329",
]

RELAYED = [
    # the notice to the OLD number after 修改手机号码 (seed §5.1.3), delivered by the relay
    "SMS -> 138****8000: 【12329】您的公积金账户手机号已于2018年06月01日",
    # 审批: returned once by the 审核岗, approved by a second person (审批岗), paid (管理岗)
    "(S01 审核岗) 退回: 不动产权证照片不清晰,请重新上传",
    "SMS -> 139****9000: 【12329】您的物业管理费提取申请(3,000.00元)已被退回，"
    "退回原因：不动产权证照片不清晰,请重新上传。",
    "(S02 审批岗, a second person) 审批通过 -> 已审批",
    "SMS -> 139****9000: 【12329】您的物业管理费提取3,000.00元已于2018年06月01日支付至您的银行卡2018***3001",
    "SMS -> 139****9000: 【12329】您的提前还本申请(10,000.00元)已审批通过并办结。",
    "SMS -> 139****9000: 【12329】您的提前结清申请(136,271.00元)已审批通过并办结。",
]
"""Lines of the relay and the back office the first run prints (the amounts are the seed's)."""

AUDITED = {
    # the story: four applications (a withdrawal, three loan businesses), each submitted and
    # approved once; the withdrawal returned once, resubmitted once and paid once; one phone
    # change, one card bound, one logout
    "application.drafted": 4,
    "application.submitted": 4,
    "application.approved": 4,
    "application.returned": 1,
    "application.resubmitted": 1,
    "application.reviewed": 3,
    "payment.sent": 1,
    "member.phone.changed": 1,
    "card.bound": 1,
    "loan.prepaid": 1,
    "offset.signed": 1,
    "loan.settled": 1,
    "member.logout": 1,
}
"""Audit lines per action in the 审计 summary, counted from the story by hand."""

IN_CLEAR = ["654301198506151230", "13800138000", "13900139000", "20180723001"]
"""The demo member's ID number, phones and receiving account: shown masked only."""


def hpf_demo(*args: str) -> subprocess.CompletedProcess[str]:
    """``hpf demo`` from this tree's sources, in a new process."""
    env = {
        **os.environ,
        "PYTHONIOENCODING": "utf-8",
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "hpf_adapters.cli", "demo", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )


def row_counts(path: Path) -> dict[str, int]:
    """Rows of every table of the SQLite file."""
    connection = sqlite3.connect(path)
    try:
        names = [n for (n,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: connection.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        connection.close()


def headings_in_order(out: str) -> list[int]:
    return [out.index(f"== {heading} ") for heading in HEADINGS]


def test_a_kept_file_runs_the_journey_then_replays_it_without_writing(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    started = time.monotonic()
    first = hpf_demo("--db", str(db))
    elapsed = time.monotonic() - started
    assert (first.returncode, first.stderr) == (0, "")
    assert elapsed < 60
    positions = headings_in_order(first.stdout)
    assert positions == sorted(positions)
    for figure in SEED_FIGURES:
        assert figure in first.stdout, figure
    # the SMS is shown as it is sent, to the new phone
    assert "SMS -> 139****9000: 【12329】您的验证码为972746" in first.stdout
    assert "退出当前账号 -> 已退出" in first.stdout
    assert "贷款状态 结清, 贷款余额 0.00元" in first.stdout
    for number in IN_CLEAR:
        assert number not in first.stdout
    counts = row_counts(db)
    # one member, account, loan and credentials; four applications (a withdrawal, three loan businesses)
    stored = (counts["accounts"], counts["loans"], counts["credentials"], counts["applications"])
    assert stored == (1, 1, 1, 4)
    # D-057: the member acts through app.portal, the centre through app.backoffice: the member
    # record the portal needs, and 7 notices through the outbox, all delivered by the relay —
    # the old phone told of the change, the withdrawal returned / approved / paid, and the
    # three loan businesses approved (提前还本, 按月抵扣签约, 提前结清)
    assert (counts["members"], counts["outbox"]) == (1, 7)
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone() == (0,)
    finally:
        connection.close()
    for line in RELAYED:
        assert line in first.stdout, line
    assert first.stdout.index("== 审计 Audit trail") > first.stdout.index("== 退出 ")
    audit = first.stdout[first.stdout.index("== 审计 Audit trail") :]
    for action, lines in AUDITED.items():
        assert re.search(rf"^  {re.escape(action)} +{lines}$", audit, re.M), (action, lines)
    assert "by M0001, S01, S02, S03" in audit
    assert "发件箱 Outbox: 7 notices, 7 delivered by the relay" in audit

    second = hpf_demo("--db", str(db))
    assert (second.returncode, second.stderr) == (0, "")
    assert "replay" in second.stdout
    positions = headings_in_order(second.stdout)
    assert positions == sorted(positions)
    assert "您的验证码为" not in second.stdout  # nothing sent again
    # the read-only screens show the stored end state: 15,827.45 - 3,000.00 - 3,000.00
    assert "个人账户余额     9,827.45元" in second.stdout
    assert row_counts(db) == counts


def test_the_default_run_uses_a_temporary_file() -> None:
    run = hpf_demo()
    assert (run.returncode, run.stderr) == (0, "")
    assert headings_in_order(run.stdout)
    assert "1,088.02" in run.stdout
    line = next(line for line in run.stdout.splitlines() if line.startswith("数据库 Database: "))
    assert line.endswith(" (temporary, removed at the end)")
    path = Path(line.removeprefix("数据库 Database: ").removesuffix(" (temporary, removed at the end)"))
    assert path.name == "hpf-demo.db"
    assert not path.exists()


def test_a_database_holding_other_data_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "centre.db"
    at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    key = b"another centre's key, 32 bytes or more"
    app = build(Config(centre="altay", store="sql", url=str(db), key=key, migrate=True, clock=at))
    app.accounts.open_account(
        account_no="A1",
        member=Member("M1", "职工", "11010519491231002X"),
        employer=Employer("E1", "单位"),
        opened_on=date(2025, 1, 2),
        base="5000.00",
        employee_ratio="0.12",
        employer_ratio="0.12",
    )
    app.store.dispose()  # type: ignore[union-attr]
    before = row_counts(db)
    run = hpf_demo("--db", str(db))
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.startswith("hpf: --db: holds data that is not the demo's")
    assert row_counts(db) == before


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 200)
    run = hpf_demo("--db", str(notes))
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.startswith("hpf: --db: is not an SQLite database")
    assert notes.read_text() == "not a database\n" * 200


def test_a_folder_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    run = hpf_demo("--db", str(tmp_path / "missing" / "demo.db"))
    assert (run.returncode, run.stdout) == (2, "")
    assert "does not exist" in run.stderr
    assert not (tmp_path / "missing").exists()


def test_without_the_sql_extra_it_runs_in_memory_and_refuses_a_file(tmp_path: Path) -> None:
    # the interpreter without SQLAlchemy: importing it fails, as after a plain `pip install hpf`
    hide = "import sys; sys.modules['sqlalchemy'] = None; from hpf_adapters.cli import main; sys.exit(main())"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(SRC)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", hide, "demo", *args],
            capture_output=True, text=True, check=False, env=env, timeout=300,
        )  # fmt: skip

    memory = run()
    assert (memory.returncode, memory.stderr) == (0, "")
    assert "数据库 Database: memory (in memory: pip install 'hpf[sql]'" in memory.stdout
    positions = headings_in_order(memory.stdout)
    assert positions == sorted(positions)
    for figure in SEED_FIGURES:
        assert figure in memory.stdout, figure
    kept = run("--db", str(tmp_path / "demo.db"))
    assert (kept.returncode, kept.stdout) == (2, "")
    assert kept.stderr.startswith("hpf: --db: needs the sql extra for an SQLite file: pip install 'hpf[sql]'")
    assert not (tmp_path / "demo.db").exists()


def guide_excerpt() -> list[list[str]]:
    """The runs of lines the guide's ``hpf demo`` excerpt shows (split at its ``...`` lines)."""
    guide = (SRC.parent / "docs" / "guide.md").read_text(encoding="utf-8")
    section = guide[guide.index("### `hpf demo`") : guide.index("### `hpf calc`")]
    block = next(b for b in section.split("```text\n")[1:] if "== 公积金账户" in b).split("```")[0]
    runs: list[list[str]] = [[]]
    for line in block.rstrip("\n").split("\n"):
        if line == "...":
            runs.append([])
        else:
            runs[-1].append(line)
    return [run for run in runs if run]


def test_the_guides_excerpt_is_what_the_demo_prints() -> None:
    from hpf_adapters.cli import run

    printed = run(["demo"]).split("\n")
    runs = guide_excerpt()
    assert len(runs) == 3
    position = 0
    for shown in runs:
        starts = [i for i in range(position, len(printed)) if printed[i : i + len(shown)] == shown]
        assert starts, shown[0]
        position = starts[0] + len(shown)


def test_a_run_that_stopped_half_way_is_refused_not_resumed(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    # the first run dies at the first loan approval (as if interrupted there)
    crash = (  # the second final approval of the back office (the first is the withdrawal's)
        "import functools, sys\n"
        "from hpf_core import backoffice\n"
        "original, calls = backoffice.approve, []\n"
        "@functools.wraps(original)\n"
        "def stop(*args, **kwargs):\n"
        "    calls.append(1)\n"
        "    if len(calls) == 2:\n"
        "        raise KeyboardInterrupt\n"
        "    return original(*args, **kwargs)\n"
        "backoffice.approve = stop\n"
        "from hpf_adapters.cli import main\n"
        "sys.exit(main())\n"
    )
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(SRC)}
    stopped = subprocess.run(
        [sys.executable, "-c", crash, "demo", "--db", str(db)],
        capture_output=True, text=True, check=False, env=env, timeout=300,
    )  # fmt: skip
    assert stopped.returncode != 0
    assert "KeyboardInterrupt" in stopped.stderr
    before = row_counts(db)
    assert before["applications"] == 2  # the withdrawal and the prepayment, nothing after it
    again = hpf_demo("--db", str(db))
    assert (again.returncode, again.stdout) == (2, "")
    assert again.stderr.startswith("hpf: --db: holds a demo run that did not finish")
    assert row_counts(db) == before
