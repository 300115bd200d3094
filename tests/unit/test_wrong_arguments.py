"""Every public function of the account, loan, calculator, member, centre, withdrawal, policy,
identity, date and money modules given generated wrong arguments raises only ``HpfError``
subclasses — never a bare ``TypeError``, ``AttributeError``, ``ValueError`` from ``date``,
``decimal.InvalidOperation`` ... (issue #10, "Bad input").

Each argument is drawn either from a list of wrong values (None, float, bool, a string
where a date is expected, bytes, ``object()``, a negative number, NaN, an empty string) or
from a valid sample for a parameter of that name, so that checks further in than the
first argument are reached too. A call may also succeed: the test only forbids a bare
built-in error.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hpf_core.accounts
import hpf_core.accounts.services
import hpf_core.backoffice
import hpf_core.calculators
import hpf_core.centers
import hpf_core.dates
import hpf_core.identity
import hpf_core.loans
import hpf_core.loans.services
import hpf_core.members
import hpf_core.money
import hpf_core.notices
import hpf_core.policy
import hpf_core.withdrawals
import hpf_core.withdrawals.services
from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_core.accounts import (
    AccountEvent,
    ContributionRounding,
    DayBasis,
    Employer,
    EntryKind,
    FreezeFlag,
    JournalEntry,
    Member,
)
from hpf_core.errors import HpfError
from hpf_core.testing import sample_account, sample_policy
from hpf_core.withdrawals import WithdrawalFacts, WithdrawalKind, assess

MODULES = (
    hpf_core.accounts,
    hpf_core.accounts.services,
    hpf_core.identity,
    hpf_core.dates,
    hpf_core.money,
    hpf_core.loans,
    hpf_core.calculators,
    hpf_core.members,
    hpf_core.centers,
    hpf_core.withdrawals,
    hpf_core.policy,
    hpf_core.loans.services,
    hpf_core.withdrawals.services,
    hpf_core.backoffice,  # issue #13 (D-053)
    hpf_core.notices,
)

WRONG: tuple[object, ...] = (
    None,
    1.5,
    True,
    "2025-01-15",
    b"2025",
    object(),
    -1,
    "",
    Decimal("NaN"),
    datetime(2025, 1, 15, 8, 0),  # naive, and a datetime where a date is meant
    ("x",),
)

DAY = date(2025, 7, 1)


def _uow() -> MemoryUnitOfWork:
    store = MemoryStore()
    uow = MemoryUnitOfWork(store)
    hpf_core.accounts.services.open_account(
        uow,
        account_no="A1",
        member=Member("M1", "职工", "11010519491231002X"),
        employer=Employer("E1", "单位"),
        opened_on=date(2015, 3, 2),
        base="5000",
        employee_ratio="0.12",
        employer_ratio="0.12",
    )
    return MemoryUnitOfWork(store)


ENTRY = JournalEntry("A1-1", 1, "A1", EntryKind.REMITTANCE, Decimal("100.00"), DAY, "k", month=DAY)
ACCOUNT = sample_account("5925.21")

# A valid value for a parameter of this name (a factory, so a stateful one is fresh).
VALID: dict[str, Callable[[], object]] = {
    "uow": _uow,
    "account": lambda: ACCOUNT,
    "entry": lambda: ENTRY,
    "entries": lambda: (ENTRY,),
    "state": lambda: ACCOUNT.state,
    "event": lambda: AccountEvent.SEAL,
    "kind": lambda: EntryKind.REMITTANCE,
    "flag": lambda: FreezeFlag.PARTIAL,
    "basis": lambda: DayBasis.ACTUAL_360,
    "rounding": lambda: ContributionRounding.HALF_UP_YUAN,
    "mode": lambda: ContributionRounding.HALF_UP_YUAN,
    "member": lambda: Member("M2", "职工", "440524188001010014"),
    "employer": lambda: Employer("E1", "单位"),
    "rates": lambda: ((date(2016, 2, 21), Decimal("0.015")),),
    "postings": lambda: ((DAY, Decimal("100.00")),),
    "key": lambda: "k1",
    "account_no": lambda: "A1",
    "employer_no": lambda: "E1",
    "entry_id": lambda: "A1-1",
    "field": lambda: "field",
    "year": lambda: 2024,
    "months": lambda: 3,
    "count": lambda: 100,
    "keep_start": lambda: 3,
    "keep_end": lambda: 4,
    "text": lambda: "2025-07-01",
    "value": lambda: "0.12",
    "id_number": lambda: "11010519491231002X",
    "phone": lambda: "13800138000",
    "card": lambda: "6225768888888888",
    "moment": lambda: datetime(2025, 7, 1, 8, 0).astimezone(),
    "fraction": lambda: Fraction(1, 3),
    "already_reversed": lambda: False,
    "frozen_amount": lambda: Decimal("10.00"),
    "table": dict,
    # the back office and its notices (issue #13, D-053)
    "staff": lambda: hpf_core.backoffice.Staff("S1", "administrator"),
    "application": lambda: hpf_core.withdrawals.draft(
        "W1", "M1", WithdrawalKind.RENT, "100.00", "6225768888888888", ()
    ),
}
_DATES = {"on", "day", "start", "end", "anchor", "month", "value_date", "opened_on", "today", "closing_date"}
_DATES |= {"not_before", "first_month", "start_date", "first_payday"}
_AMOUNTS = {"amount", "base", "balance", "opening_balance", "first_month_wage"}
_RATES = {"annual_rate", "employee_ratio", "employer_ratio"}


def _valid(name: str) -> object:
    if name in _DATES:
        return DAY
    if name in _AMOUNTS:
        return Decimal("100.00")
    if name in _RATES:
        return Decimal("0.12")
    if name in VALID:
        return VALID[name]()
    return "x"


def _public_functions() -> list[tuple[str, Callable[..., Any]]]:
    found = [("hpf_core.withdrawals.assess", assess)]
    for module in MODULES:
        for name in module.__all__:
            thing = getattr(module, name)
            if inspect.isfunction(thing) and name != "money_context":
                found.append((f"{module.__name__}.{name}", thing))
    return found


FUNCTIONS = _public_functions()

ASSESS_VALID: dict[str, Callable[[], object]] = {
    "kind": lambda: WithdrawalKind.RETIREMENT,
    "account": lambda: ACCOUNT,
    "facts": WithdrawalFacts,
    "policy": lambda: sample_policy(WithdrawalKind.RETIREMENT),
    "on": lambda: date(2018, 5, 29),
    "day_basis": lambda: DayBasis.ACTUAL_360,
}


def test_the_sample_is_broad() -> None:
    assert len(FUNCTIONS) >= 60


@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_only_typed_errors_escape(name: str, function: Callable[..., Any], data: st.DataObject) -> None:
    params = inspect.signature(function).parameters.values()
    args: list[object] = []
    kwargs: dict[str, object] = {}
    wrong_somewhere = False
    for param in params:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.default is not param.empty and data.draw(st.booleans(), label=f"skip {param.name}"):
            continue
        wrong = data.draw(st.booleans(), label=f"wrong {param.name}")
        if wrong:
            value = data.draw(st.sampled_from(WRONG), label=param.name)
            wrong_somewhere = True
        elif function is assess and param.name in ASSESS_VALID:
            value = ASSESS_VALID[param.name]()
        else:
            value = _valid(param.name)
        if param.kind is param.KEYWORD_ONLY:
            kwargs[param.name] = value
        else:
            args.append(value)
    try:
        function(*args, **kwargs)
    except HpfError:
        pass
    except Exception as exc:
        raise AssertionError(
            f"{name} raised a bare {type(exc).__name__}: {exc} (wrong somewhere: {wrong_somewhere})"
        ) from exc
