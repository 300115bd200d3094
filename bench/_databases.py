"""The benchmarks' throwaway databases: a new, empty one of each kind at the shipped head
revision, dropped afterwards (shared by ``bench/storage.py`` and ``bench/batch.py``).

Servers: ``HPF_TEST_POSTGRES`` / ``HPF_TEST_MARIADB`` (the test suite's defaults); each run
makes its own schema (PostgreSQL) or database (MariaDB) on them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hpf_adapters.sql import engine_for, upgrade

POSTGRES = os.environ.get("HPF_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
MARIADB = os.environ.get("HPF_TEST_MARIADB", "mysql://root@127.0.0.1:3306/test")


def unreachable(kind: str, why: str) -> None:
    """Report a server the benchmark cannot reach and go on without it; with ``CI=true``
    (as ``.ci/run`` sets), stop instead: CI starts every server first, so one missing there
    is a failure, as it is for the tests."""
    if os.environ.get("CI") == "true":
        raise SystemExit(f"{kind}: not reachable with CI=true: {why}")
    print(f"{kind}: not reachable, skipped: {why}", file=sys.stderr)


@contextmanager
def database(kind: str, prefix: str = "hpf_bench") -> Iterator[str]:
    """A new empty database of ``kind`` (sqlite, postgresql, mariadb) at the shipped head
    revision; its URL. ``prefix`` names the temporary folder, schema or database."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix=f"{prefix.replace('_', '-')}-")
        try:
            url = str(Path(folder) / "bench.db")
            upgrade(url)
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    server = POSTGRES if kind == "postgresql" else MARIADB
    admin = engine_for(server)
    noun = "SCHEMA" if kind == "postgresql" else "DATABASE"
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE {noun} {name}")
    try:
        url = (
            f"{server}?options=-csearch_path%3D{name}"
            if kind == "postgresql"
            else f"{server.rsplit('/', 1)[0]}/{name}"
        )
        upgrade(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP {noun} {name}{' CASCADE' if kind == 'postgresql' else ''}")
        admin.dispose()
