"""``hpf demo [--db PATH]``: the seed app's whole member journey in one command, on an
SQLite file, under the seed's headings and in its order (docs/decisions.md D-054).

A fresh file gets the centre's records (the account, the loan and its instalments, the
member's initial credentials) and then the journey, every step through the wired
services; a file a finished demo run left is replayed read-only — the same headings, the
screens as stored, nothing written — so running twice is safe. Without the ``sql`` extra
and without ``--db`` the journey runs in memory, so ``pip install hpf && hpf demo`` works
on a fresh machine. One function per heading (``STEPS``), so a step can move to another
service layer alone.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from hpf_adapters.cli._demo import _business, _me, _member
from hpf_adapters.cli._demo._context import SEED, Demo, sent_messages
from hpf_adapters.cli._demo._records import open_records, stored_state
from hpf_adapters.wiring import SHANGHAI, App, Config, build
from hpf_core.errors import InputError

__all__ = ["DEMO_KEY", "STEPS", "add_parser", "run"]

DEMO_KEY = b"hpf demo only -- not a secret: never seal real data with it"
"""The sealing key of the demo's database: fixed and public, so a kept demo file can be
replayed; the demo's data are examples (D-054)."""

STEPS: tuple[tuple[str, str, str, Callable[[Demo], None]], ...] = (
    ("登录", "Login", "seed §2.1", _member.login),
    ("新闻动态", "News", "seed §3.1", _member.news),
    ("公积金账户", "Deposit account", "seed §4.2 (2)", _member.accounts),
    (
        "贷款 / 还款明细 / 还款计划 / 逾期",
        "Loan, repayments, plan, overdue",
        "seed §4.2 (3)-(6)",
        _member.loans,
    ),
    ("服务网点", "Service outlets", "seed §5.1.1", _member.outlets),
    ("房贷计算器", "Mortgage calculator", "seed §5.1.2", _member.calculator),
    ("修改手机号码", "Change of phone number", "seed §5.1.3", _member.phone_change),
    ("我要提取", "Withdrawal", "seed §5.2.1", _business.withdraw),
    ("审批", "Review by the centre", "seed §5.2.2 (3)-(5)", _business.review),
    ("我的业务", "My business", "seed §5.2.2", _business.my_business),
    ("提前还本", "Prepayment", "seed §6.3.1", _business.prepayment),
    ("按月抵扣签约", "Monthly offset signing", "seed §6.3.2", _business.offset_signing),
    ("提前结清", "Early settlement", "seed §6.3.3", _business.early_settlement),
    ("个人中心", "Personal centre", "seed §7.1", _me.personal),
    ("服务热线", "Hotline", "seed §7.2", _me.hotline),
    ("隐私声明", "Privacy statement", "seed §7.3", _me.privacy),
    ("密码修改", "Password change", "seed §7.4", _me.password_change),
    ("退出", "Logout", "seed §7.5", _me.logout),
)
"""(heading, English, where in the seed, the step) in the seed's order."""


def add_parser(sub: Any) -> None:
    """Register ``hpf demo [--db PATH]`` on the CLI's sub-command parsers."""
    demo = sub.add_parser(
        "demo",
        help="the seed app's whole member journey, on an SQLite file",
        description="The seed app's member journey (登录 ... 退出) through hpf's services, on an SQLite "
        "file; a second run on a kept file replays it without writing.",
    )
    demo.add_argument(
        "--db",
        metavar="PATH",
        help="the SQLite file to keep (default: a temporary one, removed at the end)",
    )


def sql_installed() -> bool:
    """Whether the ``sql`` extra (SQLAlchemy, Alembic, cryptography) can be imported."""
    try:
        import hpf_adapters.sql  # noqa: F401, PLC0415 - the sql extra is optional
    except ImportError:
        return False
    return True


def _config(path: str | None) -> Config:
    """The demo's app: the seed's centre, its day, visible SMS codes; on ``path`` (SQLite)
    or, with ``None``, in memory."""
    memory = Config(
        centre="altay",
        clock=datetime(2018, 6, 1, 9, 30, tzinfo=SHANGHAI),
        codes="fixed",
        fixed_codes=(SEED.code,),
        hasher="scrypt",
        password_cost=2**14,  # a demo's cost: each login hashes in milliseconds
    )
    if path is None:
        return memory
    return attrs.evolve(memory, store="sql", url=path, key=DEMO_KEY, migrate=True)


def _app(path: str | None) -> App:
    if path is None:
        return build(_config(None))
    if not sql_installed():
        raise InputError("--db", "needs the sql extra for an SQLite file: pip install 'hpf[sql]'")
    from sqlalchemy.exc import DatabaseError  # noqa: PLC0415 - the sql extra is optional

    try:
        return build(_config(path))
    except DatabaseError as exc:
        raise InputError(
            "--db", "is not an SQLite database (a new path, or a file kept by hpf demo)", path
        ) from exc


_WHERE = {
    "kept": "",
    "temporary": " (temporary, removed at the end)",
    "memory": " (in memory: pip install 'hpf[sql]' to run it on an SQLite file)",
}


def journey(path: str | None, where: str) -> str:
    """Run the journey on the SQLite file at ``path`` (``None``: in memory) and return what
    it prints; ``where`` is ``kept``, ``temporary`` or ``memory``."""
    app = _app(path)
    try:
        demo = Demo(app, fresh=stored_state_is_empty(app))
        demo.lines.extend(
            [
                "hpf demo: the seed app (自治区住房公积金综合服务平台 手机APP操作手册, 2018),"
                " chapter by chapter",
                f"数据库 Database: {path or 'memory'}{_WHERE[where]}",
                "运行 Run: "
                + (
                    "fresh: the centre's records are written, then the journey"
                    if demo.fresh
                    else "replay: the file holds a finished run; nothing is written"
                ),
                f"中心 Centre: {app.policy.code}; 日期 Day: 2018-06-01; 证件号码、手机号码 shown masked",
            ]
        )
        if demo.fresh:
            open_records(demo)
        for chinese, english, seed, step in STEPS:
            demo.heading(chinese, english, seed)
            demo.touch()
            step(demo)
        audit_summary(demo)
        demo.lines.extend(["", f"Done: {len(STEPS)} headings, {len(sent_messages(app))} SMS sent."])
        return "\n".join(demo.lines)
    finally:
        dispose = getattr(app.store, "dispose", None)
        if callable(dispose):
            dispose()


def audit_summary(demo: Demo) -> None:
    """审计: the audit lines of the member's journey (the member's own steps and the centre's
    on her records), counted per action in the order they first appear, and the outbox."""
    demo.heading("审计", "Audit trail", "issue #13")
    events = demo.app.backoffice.audit_trail(member_id=demo.member.member_id)
    counts = collections.Counter(event.action for event in events)
    demo.table(
        [["动作", "条数"], ["Action", "Lines"]],
        [[action, str(count)] for action, count in counts.items()],
        [False, True],
    )
    actors = sorted({event.actor for event in events})
    demo.say(f"{len(events)} audit lines by {', '.join(actors)}")
    notices = demo.app.store.notifications
    sent = sum(1 for notice in notices if notice.sent_at is not None)
    demo.say(f"发件箱 Outbox: {len(notices)} notices, {sent} delivered by the relay")


def stored_state_is_empty(app: App) -> bool:
    """True on a new database; False on a finished demo run; refused otherwise."""
    return stored_state(Demo(app, fresh=False)) == "empty"


def run(args: argparse.Namespace) -> str:
    """``hpf demo``: on ``--db`` (kept) or a temporary file — in memory when the ``sql``
    extra is not installed, so that ``pip install hpf && hpf demo`` runs."""
    if args.db is not None:
        path = Path(args.db)
        if not args.db.strip() or "://" in args.db or path.is_dir():
            raise InputError(
                "--db", "must be the path of an SQLite file (new, or kept by an earlier demo)", args.db
            )
        if not path.parent.is_dir():
            raise InputError("--db", f"the folder {path.parent} does not exist", args.db)
        return journey(args.db, "kept")
    if not sql_installed():
        return journey(None, "memory")
    with tempfile.TemporaryDirectory(prefix="hpf-demo-") as folder:
        return journey(str(Path(folder) / "hpf-demo.db"), "temporary")
