"""``hpf db``: the database's schema — ``upgrade`` applies the shipped migrations,
``current`` shows the revision a database is at (D-044)."""

from __future__ import annotations

import argparse
from typing import Any

from hpf_core.errors import InputError


def add_parser(sub: Any) -> None:
    """Register ``hpf db upgrade|current --url URL`` on the CLI's sub-command parsers."""
    db = sub.add_parser("db", help="the database's schema (upgrade, current)")
    commands = db.add_subparsers(dest="db_command", required=True, parser_class=type(db))
    upgrade = commands.add_parser("upgrade", help="apply the shipped migrations")
    upgrade.add_argument("--url", required=True, help="an SQLite file path, or postgresql:// or mysql:// URL")
    upgrade.add_argument("--revision", default="head", help="the revision to reach (default: head)")
    current = commands.add_parser("current", help="the revision the database is at")
    current.add_argument("--url", required=True, help="an SQLite file path, or postgresql:// or mysql:// URL")


def run(args: argparse.Namespace) -> str:
    """Run ``hpf db ...`` and return what it prints."""
    try:
        # the sql extra is optional: `hpf calc` runs without it
        from hpf_adapters.sql import current, sqlalchemy_url, upgrade  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - the sql extra is in dev
        raise InputError(
            "db", f"needs the sql extra: pip install 'hpf[sql]' ({exc.name} is missing)"
        ) from exc
    shown = sqlalchemy_url(args.url).render_as_string(hide_password=True)
    if args.db_command == "upgrade":
        upgrade(args.url, args.revision)
    revision = current(args.url)
    return f"{shown}: {'empty (no revision)' if revision is None else f'at revision {revision}'}"
