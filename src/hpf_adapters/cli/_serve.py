"""``hpf serve --db URL [--host 127.0.0.1] [--port 8000] [--centre altay] [--workers N]
[--demo-data]``: the 12329 app's HTTP API on uvicorn (issue #14, D-058, D-067). The
database's sealing key is the environment variable ``HPF_DB_KEY`` and the staff tokens
``HPF_STAFF_TOKENS`` (``id:role:token`` separated by commas): secrets never on the command
line, where shell history and ``ps`` would keep them.

``--login-limit N`` sets the login and unlock attempts allowed per client address a
minute (``HttpSettings.login_limit``; a load test from one address needs more than 10).
``--workers N`` (N > 1) runs N uvicorn worker processes on one socket; the parent migrates
the database and writes the demo data once, and each worker builds its own app from the
environment (:func:`worker_app`). The login and code throttles are then per worker
process (D-067)."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from typing import Any

import attrs

from hpf_core.backoffice import Staff
from hpf_core.errors import InputError

KEY_VARIABLE = "HPF_DB_KEY"
STAFF_VARIABLE = "HPF_STAFF_TOKENS"
DB_VARIABLE = "HPF_SERVE_DB"
CENTRE_VARIABLE = "HPF_SERVE_CENTRE"
LIMIT_VARIABLE = "HPF_SERVE_LOGIN_LIMIT"
THROTTLE_VARIABLE = "HPF_SERVE_THROTTLE_REDIS"
"""What ``--workers`` hands its worker processes (set by :func:`run`; the database URL may
hold a password, so it goes through the environment, not a command line)."""
MAX_WORKERS = 64


def add_parser(sub: Any) -> None:
    """Register ``hpf serve`` on the CLI's sub-command parsers."""
    serve = sub.add_parser("serve", help="the 12329 app's HTTP API (needs the http extra)")
    serve.add_argument("--db", required=True, help="an SQLite file path, or postgresql:// or mysql:// URL")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", default="8000", help="the port (default 8000)")
    serve.add_argument("--centre", default="altay", help="the centre (default altay)")
    serve.add_argument(
        "--workers",
        default="1",
        help="uvicorn worker processes (default 1; the throttles count per process without --throttle-redis)",
    )
    serve.add_argument(
        "--login-limit",
        default="10",
        help="login and unlock attempts per client address a minute "
        "(default 10; per process without --throttle-redis)",
    )
    serve.add_argument(
        "--throttle-redis",
        default=None,
        help="count the throttles in this Redis, shared by every worker and server that names it "
        "(default: each process its own; e.g. redis://127.0.0.1:6379/0)",
    )
    serve.add_argument(
        "--demo-data",
        action="store_true",
        help="on an empty database, write hpf demo's member and records first",
    )


def staff_tokens(text: str) -> dict[str, Staff]:
    """``id:role:token,...`` as a token -> staff map (``InputError`` naming the variable)."""
    out: dict[str, Staff] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        staff_id, role, token = [*item.split(":", 2), "", ""][:3]
        if len(token) < 32:
            raise InputError(
                STAFF_VARIABLE, "each entry is id:role:token with a token of 32 characters or more"
            )
        out[token] = Staff(staff_id, role)
    return out


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise InputError("--port", "must be a port number, 1 to 65535", text)
    return int(text)


def _limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise InputError("--login-limit", "must be a whole number, 1 to 1000000", text)
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
        raise InputError("--workers", f"must be a whole number, 1 to {MAX_WORKERS}", text)
    return int(text)


def _secret() -> bytes:
    secret = os.environ.get(KEY_VARIABLE, "").encode("utf-8")
    if len(secret) < 32:
        raise InputError(KEY_VARIABLE, "must hold the database's secret key (at least 32 bytes)")
    return secret


def worker_app() -> Any:
    """The ASGI application of one ``--workers`` process: the app built from the
    environment :func:`run` set (the database already migrated by the parent)."""
    from hpf_adapters.http import HttpSettings, create_app  # noqa: PLC0415 - the http extra is optional
    from hpf_adapters.http._app import log_access_to_stderr  # noqa: PLC0415
    from hpf_adapters.wiring import Config, build  # noqa: PLC0415

    log_access_to_stderr()

    url = os.environ.get(DB_VARIABLE, "")
    if not url:
        raise InputError(DB_VARIABLE, "is set by hpf serve --workers for its worker processes")
    config = Config(
        centre=os.environ.get(CENTRE_VARIABLE, "altay"), store="sql", url=url, key=_secret(), migrate=False
    )
    settings = HttpSettings(
        staff_tokens=staff_tokens(os.environ.get(STAFF_VARIABLE, "")),
        login_limit=_limit(os.environ.get(LIMIT_VARIABLE, "10")),
        throttle_redis=os.environ.get(THROTTLE_VARIABLE) or None,
    )
    return create_app(build(config), settings=settings)


def run(args: argparse.Namespace) -> str:
    """Serve until interrupted; return what to print at the end."""
    port = _port(args.port)
    workers = _workers(args.workers)
    login_limit = _limit(args.login_limit)
    secret = _secret()
    try:
        from hpf_adapters.http import HttpSettings, serve  # noqa: PLC0415 - the http extra is optional
    except ImportError as exc:  # pragma: no cover - the http extra is in dev
        raise InputError(
            "serve", f"needs the http extra: pip install 'hpf[http]' ({exc.name} is missing)"
        ) from exc
    from hpf_adapters.wiring import Config, build  # noqa: PLC0415

    app = build(Config(centre=args.centre, store="sql", url=args.db, key=secret, migrate=True))
    settings = HttpSettings(
        staff_tokens=staff_tokens(os.environ.get(STAFF_VARIABLE, "")),
        login_limit=login_limit,
        throttle_redis=args.throttle_redis,
    )
    if args.demo_data:
        _demo_data(app)
    if workers == 1:
        serve(app, host=args.host, port=port, settings=settings)
        return "hpf serve: stopped"
    dispose = getattr(app.store, "dispose", None)
    if callable(dispose):
        dispose()  # the workers open their own connections
    os.environ[DB_VARIABLE] = args.db
    os.environ[CENTRE_VARIABLE] = args.centre
    os.environ[LIMIT_VARIABLE] = str(login_limit)
    if args.throttle_redis:
        os.environ[THROTTLE_VARIABLE] = args.throttle_redis  # may hold a password: not argv
    serve(f"{__name__}:worker_app", host=args.host, port=port, workers=workers)
    return "hpf serve: stopped"


def _demo_data(app: Any) -> None:
    """hpf demo's records (its member 张三, the account, the loan) on an empty database
    (a database that has them already is left as it is; one with other data is refused),
    the first-login check marked passed (the API has no Alipay or face check to offer)."""
    from hpf_adapters.cli._demo._context import Demo  # noqa: PLC0415
    from hpf_adapters.cli._demo._records import open_records, stored_state  # noqa: PLC0415

    demo = Demo(app, fresh=True)
    with app.unit_of_work() as uow:
        if uow.credentials.by_id_number(demo.member.id_number) is not None:
            return  # written by an earlier `hpf serve --demo-data` (or `hpf demo`) on this file
    if stored_state(Demo(app, fresh=False)) != "empty":
        return
    open_records(demo)
    m = demo.member
    with app.unit_of_work() as uow:  # open_records wrote the member record (what the session owns)
        creds = uow.credentials.get(m.member_id)
        uow.credentials.save(attrs.evolve(creds, first_login_verified_at=app.now() - timedelta(days=1)))
        uow.commit()
