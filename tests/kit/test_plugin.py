"""hpf's pytest plugin (issue #19, D-062): its fixtures in hpf's own suite (the plugin
loads here as in any project), ``--hpf-db`` run in a fresh pytest process, and
docs/testing.md's example project: its ``kiosk.py`` and ``test_kiosk.py`` blocks written to
a fresh folder and run by pytest in a new process, on the in-memory store and on SQLite."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from hpf_adapters.payments import MemoryBank
from hpf_adapters.pytest_plugin import START, DemoMember, MovableClock
from hpf_adapters.sms import MemorySms
from hpf_adapters.wiring import SHANGHAI, App
from hpf_core.members import CodePurpose

ROOT = Path(__file__).resolve().parents[2]


def plugin_args() -> list[str]:
    """``-p hpf_adapters.pytest_plugin`` unless the installed hpf's entry point loads it."""
    installed = any(ep.value == "hpf_adapters.pytest_plugin" for ep in entry_points(group="pytest11"))
    return [] if installed else ["-p", "hpf_adapters.pytest_plugin"]


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in a fresh process, in ``folder`` (a project of its own), with hpf importable."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(folder)])}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin_args(), *args]
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False
    )


SERVERS = {
    "postgresql": ("HPF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"),
    "mariadb": ("HPF_TEST_MARIADB", "mysql://root@127.0.0.1:3306/test"),
}


def server_url(kind: str) -> str:
    """The server's URL from the suite's environment; skipped (failed with CI=true) when the
    server is not reachable."""
    from hpf_adapters.sql import engine_for

    variable, default = SERVERS[kind]
    url = os.environ.get(variable, default)
    engine = engine_for(url)
    try:
        with engine.connect():
            pass
    except Exception as error:  # any driver's connection error
        if os.environ.get("CI") == "true":
            pytest.fail(f"{kind} is not reachable: {type(error).__name__}")
        pytest.skip(f"{kind} is not reachable: {type(error).__name__}")
    finally:
        engine.dispose()
    return url


class TestFixtures:
    def test_the_app_reads_the_clock_the_test_moves(self, hpf_app: App, hpf_clock: MovableClock) -> None:
        assert hpf_app.now() == datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI) == START
        hpf_clock.advance(days=1, hours=15)  # 2026-01-07 00:00 in China
        assert hpf_app.today() == date(2026, 1, 7)
        hpf_clock.set(datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI) - timedelta(hours=8))
        assert hpf_app.today() == date(2026, 3, 1)

    def test_the_outbox_holds_the_codes_sent(self, hpf_app: App, hpf_sms: MemorySms) -> None:
        assert hpf_app.send_code("13800138000", CodePurpose.LOGIN) == "已发送,请查收"
        assert hpf_sms.to("13800138000")[0].startswith("【12329】您的验证码为123456")
        hpf_app.check_code("13800138000", CodePurpose.LOGIN, "123456")

    def test_the_bank_is_the_apps_and_starts_empty(self, hpf_app: App, hpf_bank: MemoryBank) -> None:
        assert hpf_bank is hpf_app.bank
        assert hpf_bank.transfers == ()

    def test_the_demo_centre_has_three_members_with_their_balances(
        self, hpf_app: App, hpf_centre: tuple[DemoMember, ...]
    ) -> None:
        assert [m.account_no for m in hpf_centre] == ["A1", "A2", "A3"]
        with hpf_app.unit_of_work() as uow:
            balances = [uow.accounts.get(m.account_no).balance for m in hpf_centre]
            found = uow.credentials.by_id_number("440524188001010014")
        assert balances == [Decimal("10000.00"), Decimal("20000.00"), Decimal("30000.00")]
        assert found is not None
        assert found.member_id == "M2"
        assert hpf_centre[1].password == "01010014"  # the last 8 characters of the ID number

    def test_a_seeded_member_logs_in_with_the_initial_password(
        self, hpf_app: App, hpf_centre: tuple[DemoMember, ...]
    ) -> None:
        from hpf_core.members import login

        member = hpf_centre[0]
        with hpf_app.unit_of_work() as uow:
            credentials = uow.credentials.by_id_number(member.member.id_number)
        assert credentials is not None
        assert credentials.phone == member.member.phone == "13800138000"
        _, result = login(
            credentials, credentials.phone, member.password, "app", hpf_app.hasher, hpf_app.now()
        )
        assert result.accepted
        assert result.password_change_required


class TestFreshProject:
    def test_pytest_fixtures_lists_the_plugins_fixtures(self, tmp_path: Path) -> None:
        (tmp_path / "test_nothing.py").write_text("def test_nothing() -> None:\n    pass\n")
        done = run_pytest(tmp_path, "--fixtures")
        assert done.returncode == 0, done.stdout + done.stderr
        for name in ("hpf_app", "hpf_clock", "hpf_bank", "hpf_sms", "hpf_centre", "hpf_units"):
            assert f"\n{name} -- " in done.stdout or f"\n{name}\n" in done.stdout, name

    @pytest.mark.parametrize("db", ["memory", "sqlite", "postgresql", "mariadb"])
    def test_the_store_option_chooses_the_apps_store(self, tmp_path: Path, db: str) -> None:
        if db in SERVERS:
            db = server_url(db)
        (tmp_path / "test_store.py").write_text(
            "def test_store(hpf_app, hpf_centre):\n"
            "    print('STORE', type(hpf_app.store).__name__)\n"
            "    with hpf_app.unit_of_work() as uow:\n"
            "        assert list(uow.accounts.numbers()) == ['A1', 'A2', 'A3']\n"
        )
        done = run_pytest(tmp_path, "-s", f"--hpf-db={db}")
        assert done.returncode == 0, done.stdout + done.stderr
        assert ("STORE MemoryStore" if db == "memory" else "STORE SqlStore") in done.stdout


# --------------------------------------------------------------------------- docs/testing.md

PAGE = ROOT / "docs" / "testing.md"


def example_files() -> dict[str, str]:
    """``{file name: text}`` for every ```python block of the page whose first line is
    ``# <name>.py``."""
    files: dict[str, str] = {}
    for body in re.findall(r"^```python\n(.*?)^```$", PAGE.read_text(encoding="utf-8"), re.M | re.S):
        first = body.split("\n", 1)[0]
        named = re.fullmatch(r"# (\w+\.py)", first)
        if named:
            files[named.group(1)] = body
    return files


def test_the_page_has_the_service_and_its_tests() -> None:
    assert sorted(example_files()) == ["kiosk.py", "test_kiosk.py"]


@pytest.mark.parametrize("db", ["memory", "sqlite"])
def test_the_example_project_passes(tmp_path: Path, db: str) -> None:
    for name, text in example_files().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = run_pytest(tmp_path, f"--hpf-db={db}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout, done.stdout
