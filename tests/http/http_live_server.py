"""A real uvicorn server on 127.0.0.1 on a free port, in a thread, over an app built by
``hpf_adapters.wiring`` with the portal tests' members (tests/unit/portal_world.py): the
tests drive it with ``httpx`` as the app would (D-058)."""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType

import attrs
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

import uvicorn

from hpf_adapters.http import HttpSettings, create_app
from hpf_adapters.wiring import App
from hpf_core.backoffice import Staff, StaffRole


def _world() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "unit" / "portal_world.py"
    spec = importlib.util.spec_from_file_location("portal_world", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["portal_world"] = module
    spec.loader.exec_module(module)
    return module


W = _world()

REVIEWER_TOKEN = "reviewer-token-R1-" + "r" * 32
APPROVER_TOKEN = "approver-token-S2-" + "a" * 32
ADMIN_TOKEN = "admin-token-S3-" + "d" * 32
STAFF = {
    REVIEWER_TOKEN: Staff("R1", StaffRole.REVIEWER),
    APPROVER_TOKEN: Staff("S2", StaffRole.APPROVER),
    ADMIN_TOKEN: Staff("S3", StaffRole.ADMINISTRATOR),
}


class Ticking:
    """The story's clock: each reading is 5 seconds after the one before (sessions stay
    alive; every step is later than the one before)."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            self.now += timedelta(seconds=5)
            return self.now


@dataclass
class Live:
    url: str
    app: App


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(app: App, settings: HttpSettings) -> tuple[uvicorn.Server, threading.Thread, str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(app, settings=settings), host="127.0.0.1", port=port, access_log=False, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}/api/v1"


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    server.should_exit = True
    thread.join(10)


def world_app(url: str | None) -> App:
    app: App = W.the_world(W.an_app(url))
    return attrs.evolve(app, clock=Ticking(W.at(10)))


@pytest.fixture
def serve_app() -> Iterator[Callable[..., Live]]:
    """Start a server over an app (with the three staff tokens); stopped at the end."""
    running: list[tuple[uvicorn.Server, threading.Thread, App]] = []

    def run(app: App, **settings: object) -> Live:
        server, thread, url = start(app, HttpSettings(staff_tokens=STAFF, **settings))  # type: ignore[arg-type]
        running.append((server, thread, app))
        return Live(url, app)

    yield run
    for server, thread, app in running:
        stop(server, thread)
        dispose = getattr(app.store, "dispose", None)
        if callable(dispose):
            dispose()


@pytest.fixture
def live(serve_app: Callable[..., Live], tmp_path: Path) -> Live:
    """The portal world on SQLite behind a live server."""
    return serve_app(world_app(str(tmp_path / "http.db")))
