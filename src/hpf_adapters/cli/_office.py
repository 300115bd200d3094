"""``hpf notify run`` (deliver the outbox) and ``hpf audit`` (read the audit log) on a
database (D-053). The database is ``--db`` (an SQLite file path, or a ``postgresql://`` /
``mysql://`` URL) with its personal data sealed under the secret in the environment
variable ``HPF_DB_KEY`` (at least 32 bytes). Phones are shown masked 3 + 4; the messages
and the audit log carry no number in clear."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from hpf_adapters.wiring import Config, build
from hpf_core.backoffice import audit_trail
from hpf_core.errors import InputError
from hpf_core.identity import mask_phone
from hpf_core.ports import Notification

if TYPE_CHECKING:
    from hpf_adapters.sql import SqlStore

KEY_VARIABLE = "HPF_DB_KEY"


def add_parser(sub: Any) -> None:
    """Register ``hpf notify run`` and ``hpf audit`` on the CLI's sub-command parsers."""
    notify = sub.add_parser("notify", help="the notification outbox (发件箱)")
    commands = notify.add_subparsers(dest="notify_command", required=True, parser_class=type(notify))
    run_ = commands.add_parser("run", help="send the pending notifications (at least once, keyed)")
    run_.add_argument("--db", required=True, help="an SQLite file path, or postgresql:// or mysql:// URL")
    run_.add_argument("--limit", default="100", help="at most this many notifications (default 100)")
    run_.add_argument("--centre", default="altay", help="the centre whose app sends them (default altay)")
    audit = sub.add_parser("audit", help="the audit log (审计日志)")
    audit.add_argument("--db", required=True, help="an SQLite file path, or postgresql:// or mysql:// URL")
    audit.add_argument("--member", help="only the events concerning this member id")
    audit.add_argument("--record", help="only the events about this record, e.g. application/A1")


def _secret() -> bytes:
    secret = os.environ.get(KEY_VARIABLE, "").encode("utf-8")
    if len(secret) < 32:
        raise InputError(KEY_VARIABLE, "must hold the database's secret key (at least 32 bytes)")
    return secret


def _store(url: str) -> SqlStore:
    try:
        from hpf_adapters.sql import Keyring, SqlStore  # noqa: PLC0415 - the sql extra is optional
    except ImportError as exc:  # pragma: no cover - the sql extra is in dev
        raise InputError(
            "--db", f"needs the sql extra: pip install 'hpf[sql]' ({exc.name} is missing)"
        ) from exc
    return SqlStore(url, Keyring.from_secret(_secret()))


def _limit(text: str) -> int:
    try:
        limit = int(text)
    except ValueError:
        raise InputError("--limit", "must be a whole number", text) from None
    if limit < 1:
        raise InputError("--limit", "must be at least 1", text)
    return limit


def _line(notice: Notification) -> str:
    return f"{notice.notification_id}  {mask_phone(notice.to)}  {notice.text}"


def run(args: argparse.Namespace) -> str:
    """Run ``hpf notify run`` or ``hpf audit`` and return what it prints."""
    if args.command == "notify":
        limit = _limit(args.limit)
        app = build(Config(centre=args.centre, store="sql", url=args.db, key=_secret()))
        lines: list[str] = []
        report = app.relay(limit, on_sent=lambda n: lines.append(_line(n)))
        lines.append(
            f"sent {len(report.sent)}, failed {len(report.failed)} (kept for a retry),"
            f" given up {len(report.failed_for_good)}"
        )
        return "\n".join(lines)
    store = _store(args.db)
    events = audit_trail(store.unit_of_work(), member_id=args.member, record=args.record)
    rows = [
        f"{e.sequence:>6}  {e.at.isoformat(timespec='seconds')}  {e.actor:<10}  {e.action:<22}  {e.record}"
        + (f"  {e.detail}" if e.detail else "")
        for e in events
    ]
    return "\n".join([*rows, f"{len(events)} event(s)"])
