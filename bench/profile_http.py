"""Where a ``GET /me/account`` request's time goes, in one process, without HTTP (D-069).

Writes one bench member (``bench/http_load.py``'s setup) to a new SQLite file, logs in,
and times the route's work both ways, interleaved, ``--number`` calls a round:

- ``services``: as before D-069 — the record lookup and ``portal.deposit_account`` through
  the app's bound services (four units of work, each ``BEGIN IMMEDIATE`` on SQLite);
- ``one read unit``: as the route does now — the same services over one shared unit of
  work without the write lock (``hpf_adapters.http._reads.Reads.call``).

Then ``--profile`` prints cProfile's top functions of the second.

Usage::

    python bench/profile_http.py --number 2000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from typing import Any

import http_load

from hpf_adapters.http._dump import dump
from hpf_adapters.http._me import _own_account
from hpf_adapters.http._reads import NewUnitOfWork, Reads
from hpf_core import portal as portal_api
from hpf_core.members import MemberRules, PasswordChannel, PasswordGroup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hpf-profile-http-") as folder:
        db = f"{folder}/p.db"
        person = http_load.people(1)[0]
        http_load.setup(db, [person])
        app = http_load._app(db)
        token = app.portal.login(person.phone, person.initial, PasswordChannel.APP, app.now()).token
        assert token is not None
        new = http_load.NEW_PASSWORD
        app.portal.change_password(token, PasswordGroup.ONLINE, person.initial, new, new, app.now())
        rules = app.policy.members or MemberRules()
        reads = Reads(app)

        def before() -> Any:
            now = app.now()
            return dump(app.portal.deposit_account(token, _own_account(app, app.unit_of_work, token), now))

        def work(new_uow: NewUnitOfWork) -> Any:
            now, policy = app.now(), app.policy
            account_no = _own_account(app, new_uow, token)
            found = portal_api.deposit_account(new_uow, token, account_no, now, rules=rules, policy=policy)
            return dump(found)

        def after() -> Any:
            return reads.call(work)

        assert before() == after()
        for round_ in range(1, args.rounds + 1):
            for name, fn in (("services", before), ("one read unit", after)):
                began = time.perf_counter()
                for _ in range(args.number):
                    fn()
                each = (time.perf_counter() - began) / args.number * 1e6
                print(f"round {round_}: {name:>14}: {each:,.0f} us a request")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.number):
                after()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        app.store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
