"""What the child processes of the load and crash tests run (issue #12, D-047).

A child is started with the ``spawn`` method, so everything it runs lives in this importable
module (the test modules put this folder on ``sys.path``; ``spawn`` hands the child the
parent's ``sys.path``). Each child builds its own app from the database URL, through the
public composition root, exactly as a second server process of a fund centre would.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from hpf_adapters.wiring import App, Config, build
from hpf_core.accounts import Employer, Member
from hpf_core.dates import add_months
from hpf_core.errors import InsufficientFunds, InvalidCode, Refused
from hpf_core.members import CodePolicy, CodePurpose, LoginPolicy, MemberRules, PasswordChannel, check_code
from hpf_core.members import services as member_services

AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
SECRET = b"storage tests: a secret of at least 32 bytes"
CODE = "042817"
CODE_POLICY = CodePolicy(max_attempts=10)
"""Ten attempts allowed, so all eight racing checks pass the attempt limit and race on consume."""
LOGIN_POLICY = LoginPolicy(max_failures=100, lock_minutes=30)
"""No lock before 100 failures: every failure of the race must be counted."""
LOGIN_POLICY_GROUP = PasswordChannel.APP.group
"""The password group the racing logins count failures in."""
LOGIN_RULES = MemberRules(online_login=LOGIN_POLICY, keypad_login=LOGIN_POLICY)
"""The member rules the racing logins run under (the lockout policy above on every channel)."""

Outcome = dict[str, Any]


def app_for(url: str) -> App:
    """The app a child (or the parent) builds for ``url``; nothing connects yet."""
    return build(
        Config(
            centre="altay", clock=AT, codes="fixed", fixed_codes=(CODE,) * 100, password_cost=2**10,
            store="sql", url=url, key=SECRET,
        )
    )  # fmt: skip


def open_accounts(app: App, numbers: Sequence[str], *, opened_on: date = date(2025, 1, 2)) -> None:
    """Open one account per number, all with employer E1, base 5,000.00, 12 % + 12 %."""
    for n, number in enumerate(numbers, start=1):
        app.accounts.open_account(
            account_no=number, member=Member(f"M{n}", "职工", ID_NUMBERS[n - 1]),
            employer=Employer("E1", "单位"), opened_on=opened_on, base="5000.00",
            employee_ratio="0.12", employer_ratio="0.12", first_month=date(2025, 1, 1),
        )  # fmt: skip


ID_NUMBERS = ("11010519491231002X", "440524188001010014", "110101199003074477")
"""Valid resident ID numbers (GB 11643 check digit): the published example and two more."""


def _failure(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=8)}"


# --------------------------------------------------------------------------- load


def _withdraw(app: App, worker: int, count: int, start: Any, outcome: Outcome) -> None:
    start.wait(60)
    for j in range(count):
        try:
            app.accounts.withdraw(
                account_no="A1", amount="100.00", value_date=date(2025, 2, 1), key=f"w{worker}-{j}"
            )
            outcome["ok"] += 1
        except InsufficientFunds:
            outcome["refused"] += 1


def _check_codes(app: App, phones: Sequence[str], start: Any, outcome: Outcome) -> None:
    for phone in phones:
        start.wait(60)
        try:
            check_code(phone, CodePurpose.LOGIN, CODE, AT, CODE_POLICY, store=app.code_store)
            outcome["won"].append(phone)
        except InvalidCode:
            outcome["lost"] += 1


def _fail_logins(app: App, phone: str, count: int, start: Any, outcome: Outcome) -> None:
    start.wait(60)
    for _ in range(count):
        attempt = member_services.login(
            app.unit_of_work, phone, "wrong-password-1", PasswordChannel.APP, AT,
            hasher=app.hasher, tokens=app.tokens, rules=LOGIN_RULES,
        )  # fmt: skip
        assert not attempt.result.accepted
        outcome["failed"] += 1


def _remit(app: App, worker: int, start: Any, outcome: Outcome) -> None:
    start.wait(60)
    try:
        app.accounts.remit_month(
            employer_no="E1", month=date(2025, 1, 1), value_date=date(2025, 2, 1), key=f"r{worker}",
            rounding="half-up-fen",
        )  # fmt: skip
        outcome["remitted"] += 1
    except Refused as refused:
        outcome["remit_refused"].extend(refused.codes)


def race(
    url: str,
    worker: int,
    withdrawals: int,
    phones: Sequence[str],
    logins: tuple[str, int],
    remit: bool,
    start: Any,
    results: Any,
) -> None:
    """One racing process. Each phase starts when all processes reach the shared barrier:

    1. ``withdrawals`` withdrawals of 100.00 from A1, each with its own key (through the
       bound service, so lock conflicts are retried out of sight);
    2. for each of ``phones``: one check of the right code;
    3. ``logins[1]`` logins to the account with phone ``logins[0]`` with a wrong password,
       through the member service (:func:`hpf_core.members.services.login`: the failure is
       counted in advance by compare-and-set, retried out of sight, before the password is
       verified);
    4. with ``remit``: employer E1's remittance of January 2025, each process with its own
       key (on SQLite and PostgreSQL posted by the store's SQL, D-078).

    Reports what went through, what was refused and any other error (with its traceback)."""
    outcome: Outcome = {
        "worker": worker, "ok": 0, "refused": 0, "won": [], "lost": 0, "failed": 0,
        "remitted": 0, "remit_refused": [], "errors": [],
    }  # fmt: skip
    app = app_for(url)
    try:
        if withdrawals:
            _withdraw(app, worker, withdrawals, start, outcome)
        if phones:
            _check_codes(app, phones, start, outcome)
        if logins[1]:
            _fail_logins(app, logins[0], logins[1], start, outcome)
        if remit:
            _remit(app, worker, start, outcome)
    except BaseException as error:
        outcome["errors"].append(_failure(error))
        start.abort()  # the others stop waiting for this one
    finally:
        app.store.dispose()  # type: ignore[union-attr]
        results.put(outcome)


# --------------------------------------------------------------------------- crashes

CRASH_ACCOUNTS = ("A1", "A2", "A3")
MONTHLY = Decimal("1200.00")
"""Each account's monthly deposit: 5,000.00 x (12 % + 12 %) = 600.00 + 600.00."""
WITHDRAWAL = Decimal("50.00")


def unit(app: App, i: int) -> None:
    """Unit of work number ``i`` of the crash test's fixed sequence, with its own key: an
    even ``i`` is the remittance of month ``2025-01 + i/2`` for E1 (all three accounts in
    one unit), an odd ``i`` a withdrawal of 50.00 from A1, A2 or A3 in turn; both dated
    the 15th of that month."""
    if i % 2 == 0:
        app.accounts.remit_month(
            employer_no="E1", month=add_months(date(2025, 1, 1), i // 2),
            value_date=add_months(date(2025, 1, 15), i // 2), key=f"r{i}", rounding="half-up-fen",
        )  # fmt: skip
    else:
        app.accounts.withdraw(
            account_no=CRASH_ACCOUNTS[(i // 2) % 3], amount=WITHDRAWAL,
            value_date=add_months(date(2025, 1, 15), i // 2), key=f"w{i}",
        )  # fmt: skip


def expected_balances(done: int) -> dict[str, Decimal]:
    """The balances after units 0 .. done-1 each applied exactly once, by hand: every
    remittance (even unit) credits each account 1,200.00, every odd unit ``i`` debits
    50.00 from account ``(i // 2) % 3``."""
    balances = dict.fromkeys(CRASH_ACCOUNTS, Decimal("0.00"))
    for i in range(done):
        if i % 2 == 0:
            for number in CRASH_ACCOUNTS:
                balances[number] += MONTHLY
        else:
            balances[CRASH_ACCOUNTS[(i // 2) % 3]] -= WITHDRAWAL
    return balances


def run_units(url: str, first: int, progress: str) -> None:
    """Run units ``first, first+1, ...`` until killed, writing ``start i`` to ``progress``
    (flushed to the kernel, which keeps it when the process is killed) before each."""
    app = app_for(url)
    with Path(progress).open("a", encoding="ascii") as log:
        log.write("ready\n")
        log.flush()
        i = first
        while True:
            log.write(f"start {i}\n")
            log.flush()
            unit(app, i)
            i += 1
