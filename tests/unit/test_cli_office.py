"""``hpf notify run`` and ``hpf audit`` on an SQLite database (issue #13, D-053): the outbox
is delivered once with the phone masked, the audit log read back by member and by record,
and a missing key or a bad limit is a usage error naming it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from backoffice_world import APPROVER, REVIEWER, at, seed_retiree, submitted_retirement

from hpf_adapters.cli import main
from hpf_core import backoffice as bo
from hpf_core.withdrawals import services as wd

pytest.importorskip("sqlalchemy")
from hpf_adapters.sql import Keyring, SqlStore

KEY = "hpf cli test key: 32 bytes or more, not real"
LONG_NUMBER = re.compile(r"\d{11,}")


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = str(tmp_path / "hpf.db")
    store = SqlStore(path, Keyring.from_secret(KEY.encode()))
    store.create_schema()
    seed_retiree(store.unit_of_work)
    submitted_retirement(store.unit_of_work)
    bo.return_application(
        store.unit_of_work(), staff=REVIEWER, application_id="W1", reason="请补充退休证", at=at(12)
    )
    wd.resubmit_application(store.unit_of_work(), application_id="W1", actor="M1", at=at(13))
    bo.approve(store.unit_of_work(), staff=APPROVER, application_id="W1", at=at(14))
    monkeypatch.setenv("HPF_DB_KEY", KEY)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class TestNotifyRun:
    def test_sends_each_pending_notice_once_with_the_phone_masked(
        self, database: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, out, err = run(capsys, "notify", "run", "--db", database)
        assert (code, err) == (0, "")
        lines = out.splitlines()
        assert len(lines) == 3
        assert lines[0].split("  ")[1:] == [
            "138****8000",
            "【12329】您的离、退休提取申请(6,007.18元)已被退回，退回原因：请补充退休证。"
            "请在“我的业务-待办事项”中修改后重新提交。",
        ]
        assert lines[1].split("  ")[1:] == [
            "138****8000",
            "【12329】您的离、退休提取申请(6,007.18元)已审批通过，提取款项将支付至您的银行卡622202*********0128。",
        ]
        assert lines[2] == "sent 2, failed 0 (kept for a retry), given up 0"
        assert not LONG_NUMBER.search(out)
        assert run(capsys, "notify", "run", "--db", database) == (
            0,
            "sent 0, failed 0 (kept for a retry), given up 0\n",
            "",
        )

    def test_the_limit(self, database: str, capsys: pytest.CaptureFixture[str]) -> None:
        code, out, _ = run(capsys, "notify", "run", "--db", database, "--limit", "1")
        assert (code, out.splitlines()[-1]) == (0, "sent 1, failed 0 (kept for a retry), given up 0")
        code, _, err = run(capsys, "notify", "run", "--db", database, "--limit", "0")
        assert (code, err) == (2, "hpf: --limit: must be at least 1 (got '0')\n")

    def test_without_the_key_it_refuses(
        self, database: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("HPF_DB_KEY")
        code, out, err = run(capsys, "notify", "run", "--db", database)
        assert (code, out) == (2, "")
        assert err.startswith("hpf: HPF_DB_KEY: must hold the database's secret key")


class TestAudit:
    def test_the_log_of_a_member_and_of_a_record(
        self, database: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, out, err = run(capsys, "audit", "--db", database, "--member", "M1")
        assert (code, err) == (0, "")
        rows = [line.split() for line in out.splitlines()]
        assert rows[:-1] == [
            ["1", "2018-05-29T12:00:00+08:00", "R1", "application.returned", "application/W1", "member=M1"],
            [
                "2",
                "2018-05-29T14:00:00+08:00",
                "P1",
                "application.approved",
                "application/W1",
                "member=M1",
                "amount=6007.18",
            ],
        ]
        assert rows[-1] == ["2", "event(s)"]
        _, other, _ = run(capsys, "audit", "--db", database, "--member", "M2")
        assert other == "0 event(s)\n"
        _, by_record, _ = run(capsys, "audit", "--db", database, "--record", "application/W1")
        assert by_record.splitlines()[-1] == "2 event(s)"
        _, nothing, _ = run(capsys, "audit", "--db", database, "--record", "application/W2")
        assert nothing == "0 event(s)\n"
