"""``hpf serve`` as a user runs it: a subprocess on a free port over a new SQLite file
with ``--demo-data``; the demo's member (hpf demo's 张三, account balance 15,827.45 from
the seed §4.2 (2)) logs in on the initial password; bad arguments are refused."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hpf_adapters.cli import run
from hpf_core.errors import InputError

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

KEY = "serve test key: 32 bytes or more, not a secret"
STAFF = "R1:reviewer:" + "r" * 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "HPF_DB_KEY": KEY, "HPF_STAFF_TOKENS": STAFF, "PYTHONPATH": src}
    command = [sys.executable, "-m", "hpf_adapters.cli", "serve", "--db", str(tmp_path / "s.db")]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--demo-data", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/health").status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise AssertionError(process.stdout.read().decode() if process.stdout else "hpf serve stopped")
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_hpf_serve_with_demo_data(tmp_path: Path) -> None:
    process, base = _serve(tmp_path)
    try:
        login = httpx.post(base + "/sessions", json={"identifier": "13800138000", "password": "06151230"})
        assert login.status_code == 201, login.text
        token = login.json()["token"]
        old = "06151230"
        body = {
            "group": "online",
            "old_password": old,
            "new_password": "Hpf2018demo",
            "confirmation": "Hpf2018demo",
        }
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.put(base + "/me/password", json=body, headers=auth).status_code == 200
        assert httpx.get(base + "/me/account", headers=auth).json()["balance"] == "15827.45"
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=20)
    log = out.decode()
    assert "GET /me/account 200" in log
    assert token not in log
    assert "13800138000" not in log
    # a second start on the same file keeps what is there (the changed password included)
    process, base = _serve(tmp_path)
    try:
        again = httpx.post(base + "/sessions", json={"identifier": "13800138000", "password": "Hpf2018demo"})
        assert again.status_code == 201, again.text
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_hpf_serve_refuses_a_bad_port_and_a_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPF_DB_KEY", KEY)
    with pytest.raises(InputError) as bad:
        run(["serve", "--db", "x.db", "--port", "99999"])
    assert bad.value.field == "--port"
    monkeypatch.delenv("HPF_DB_KEY")
    with pytest.raises(InputError) as missing:
        run(["serve", "--db", "x.db"])
    assert missing.value.field == "HPF_DB_KEY"


def test_hpf_serve_with_two_workers(tmp_path: Path) -> None:
    """``--workers 2``: the parent migrates and writes the demo data once, each worker
    builds its own app; the demo member's balance (seed §4.2 (2)) is answered, the access
    log comes from the workers, and the session works whichever worker answers."""
    process, base = _serve(tmp_path, "--workers", "2", "--login-limit", "50")
    try:
        login = httpx.post(base + "/sessions", json={"identifier": "13800138000", "password": "06151230"})
        assert login.status_code == 201, login.text
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
        body = {"group": "online", "old_password": "06151230", "new_password": "Hpf2018demo"}
        changed = httpx.put(base + "/me/password", json={**body, "confirmation": "Hpf2018demo"}, headers=auth)
        assert changed.status_code == 200, changed.text
        with httpx.Client(base_url=base, headers=auth) as client:
            balances = {client.get("/me/account").json()["balance"] for _ in range(8)}
        assert balances == {"15827.45"}
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    log = out.decode()
    assert "GET /me/account 200" in log
    assert "13800138000" not in log


def test_hpf_serve_refuses_bad_workers_and_login_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPF_DB_KEY", KEY)
    for flag, value in (("--workers", "0"), ("--workers", "two"), ("--login-limit", "-1")):
        with pytest.raises(InputError) as bad:
            run(["serve", "--db", "x.db", flag, value])
        assert bad.value.field == flag
