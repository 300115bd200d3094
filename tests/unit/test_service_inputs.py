"""Bad input to the deposit services and the ledger functions (issue #10, "Bad input"): a
typed ``hpf_core`` error naming the field, and nothing stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_core.accounts import Employer, Member, month_of
from hpf_core.accounts import services as svc
from hpf_core.errors import HpfError, InputTypeError, InvalidDate, Refused, UnknownRecord
from hpf_core.testing import sample_account, sample_policy
from hpf_core.withdrawals import WithdrawalKind, assess

ACME = Employer("150101329", "阿勒泰示例单位")
RATE_15 = [(date(2016, 2, 21), Decimal("0.015"))]


def _open(store: MemoryStore, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "account_no": "A0",
        "member": Member("M0", "职工", "11010519491231002X"),
        "employer": ACME,
        "opened_on": date(2015, 3, 2),
        "base": "5000.00",
        "employee_ratio": "0.12",
        "employer_ratio": "0.12",
    }
    fields.update(changes)
    return svc.open_account(MemoryUnitOfWork(store), **fields)


def _as_any(value: object) -> Any:
    """A wrong value, typed so that mypy lets the test pass it."""
    return value


def _numbers(store: MemoryStore) -> tuple[str, ...]:
    return tuple(MemoryUnitOfWork(store).accounts.numbers())


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore()
    _open(s)
    uow = MemoryUnitOfWork(s)
    svc.remit_month(
        uow, employer_no=ACME.employer_no, month=date(2025, 7, 1), value_date=date(2025, 7, 1),
        key="r", rounding="half-up-yuan",
    )  # fmt: skip
    return s


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"opened_on": "2015-03-02"}, "opened_on"),
        ({"opened_on": None}, "opened_on"),
        ({"first_month": "2015-03-01"}, "first_month"),
        ({"member": None}, "member"),
        ({"employer": "ACME"}, "employer"),
        ({"account_no": 7}, "account_no"),
        ({"account_no": ""}, "account_no"),
    ],
)
def test_open_account_refuses_and_stores_nothing(changes: dict[str, Any], field: str) -> None:
    store = MemoryStore()
    with pytest.raises(HpfError) as caught:
        _open(store, **changes)
    assert caught.value.field == field
    assert _numbers(store) == ()


def test_withdraw_with_a_string_value_date(store: MemoryStore) -> None:
    with pytest.raises(InputTypeError) as caught:
        svc.withdraw(
            MemoryUnitOfWork(store), account_no="A0", amount="10", value_date=_as_any("2025-08-01"), key="w"
        )
    assert caught.value.field == "value_date"
    assert MemoryUnitOfWork(store).accounts.get("A0").balance == Decimal("1200.00")


def test_settle_with_a_string_year(store: MemoryStore) -> None:
    with pytest.raises(InputTypeError) as caught:
        svc.settle_annual_interest(
            MemoryUnitOfWork(store),
            year=_as_any("2025"),
            rates=RATE_15,
            basis="actual/365",
            key="s",
            on=date(2026, 7, 1),
        )
    assert caught.value.field == "year"


@pytest.mark.parametrize(("year", "on"), [(2099, date(2026, 7, 1)), (2025, date(2026, 6, 29))])
def test_settle_a_year_not_ended_is_refused(store: MemoryStore, year: int, on: date) -> None:
    with pytest.raises(Refused) as caught:
        svc.settle_annual_interest(
            MemoryUnitOfWork(store), year=year, rates=RATE_15, basis="actual/365", key="s", on=on
        )
    assert caught.value.codes == ("year_not_ended",)
    assert MemoryUnitOfWork(store).accounts.get("A0").balance == Decimal("1200.00")


def test_settle_on_the_last_day_of_the_year(store: MemoryStore) -> None:
    # 1,200.00 from 2025-07-01 to 2026-06-30: 365 days at 1.5 % / 365 = 18.00
    entries = svc.settle_annual_interest(
        MemoryUnitOfWork(store), year=2025, rates=RATE_15, basis="actual/365", key="s", on=date(2026, 6, 30)
    )
    assert [e.amount for e in entries] == [Decimal("18.00")]


def test_settle_with_bad_rates(store: MemoryStore) -> None:
    with pytest.raises(HpfError) as caught:
        svc.settle_annual_interest(
            MemoryUnitOfWork(store),
            year=2025,
            rates=_as_any(None),
            basis="actual/365",
            key="s",
            on=date(2026, 7, 1),
        )
    assert caught.value.field == "rates"


def test_remit_for_an_unknown_employer(store: MemoryStore) -> None:
    with pytest.raises(UnknownRecord) as caught:
        svc.remit_month(
            MemoryUnitOfWork(store), employer_no="nope", month=date(2025, 8, 1), value_date=date(2025, 8, 1),
            key="r2", rounding="half-up-yuan",
        )  # fmt: skip
    assert caught.value.field == "employer_no"


def test_month_of_a_string() -> None:
    with pytest.raises(InputTypeError) as caught:
        month_of("2025-01-15")  # type: ignore[arg-type]
    assert caught.value.field == "month"


@pytest.mark.parametrize(
    ("position", "value", "field"),
    [(1, None, "account"), (2, None, "facts"), (4, None, "on"), (4, "2018-05-29", "on"), (0, None, "kind")],
)
def test_assess_with_none(position: int, value: object, field: str) -> None:
    from hpf_core.withdrawals import WithdrawalFacts

    args: list[Any] = [
        WithdrawalKind.RETIREMENT,
        sample_account("5925.21"),
        WithdrawalFacts(),
        sample_policy(WithdrawalKind.RETIREMENT),
        date(2018, 5, 29),
    ]
    args[position] = value
    with pytest.raises(HpfError) as caught:
        assess(*args)
    assert caught.value.field == field


def test_year_before_the_fund_existed(store: MemoryStore) -> None:
    with pytest.raises(InvalidDate):
        svc.settle_annual_interest(
            MemoryUnitOfWork(store), year=1, rates=RATE_15, basis="actual/365", key="s", on=date(2026, 7, 1)
        )
