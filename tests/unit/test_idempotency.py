"""Canonical idempotency fingerprints (``hpf_core.idempotency.once``): an equivalent retry is the same
request; a different one is an ``IdempotencyConflict`` naming the input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, localcontext

import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_core.accounts import ContributionRounding, Employer, Member
from hpf_core.accounts import services as svc
from hpf_core.errors import IdempotencyConflict
from hpf_core.idempotency import canonical

ACME = Employer("150101329", "阿勒泰示例单位")


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore()
    svc.open_account(
        MemoryUnitOfWork(s),
        account_no="A0",
        member=Member("M0", "职工", "11010519491231002X"),
        employer=ACME,
        opened_on=date(2015, 3, 2),
        base="5225.00",
        employee_ratio="0.12",
        employer_ratio="0.12",
        first_month=date(2015, 3, 1),
    )
    return s


class TestRetries:
    def test_remit_month_retried_with_the_rounding_as_its_string_value_is_the_same_request(
        self, store: MemoryStore
    ) -> None:
        first = svc.remit_month(
            MemoryUnitOfWork(store),
            employer_no=ACME.employer_no,
            month=date(2025, 7, 1),
            value_date=date(2025, 7, 5),
            key="remit/2025-07",
            rounding=ContributionRounding.HALF_UP_YUAN,
        )
        # 5,225.00 x 12 % = 627.00 for each side: 1,254.00 in one entry
        assert [e.amount for e in first] == [Decimal("1254.00")]
        again = svc.remit_month(
            MemoryUnitOfWork(store),
            employer_no=ACME.employer_no,
            month=date(2025, 7, 1),
            value_date=date(2025, 7, 5),
            key="remit/2025-07",
            rounding="half-up-yuan",
        )
        assert again == first
        assert len(store.entries) == 1

    def test_an_amount_written_with_other_trailing_zeros_is_the_same_request(
        self, store: MemoryStore
    ) -> None:
        first = svc.receive_transfer(
            MemoryUnitOfWork(store), account_no="A0", amount="100", value_date=date(2025, 7, 5), key="t"
        )
        again = svc.receive_transfer(
            MemoryUnitOfWork(store),
            account_no="A0",
            amount=Decimal("100.00"),
            value_date=date(2025, 7, 5),
            key="t",
        )
        assert again == first
        assert [e.amount for e in store.entries] == [Decimal("100.00")]

    def test_a_different_rounding_or_amount_is_still_a_conflict_naming_it(self, store: MemoryStore) -> None:
        svc.remit_month(
            MemoryUnitOfWork(store),
            employer_no=ACME.employer_no,
            month=date(2025, 7, 1),
            value_date=date(2025, 7, 5),
            key="k",
            rounding="half-up-yuan",
        )
        with pytest.raises(IdempotencyConflict) as caught:
            svc.remit_month(
                MemoryUnitOfWork(store),
                employer_no=ACME.employer_no,
                month=date(2025, 7, 1),
                value_date=date(2025, 7, 5),
                key="k",
                rounding=ContributionRounding.HALF_UP_FEN,
            )
        assert caught.value.field == "rounding"
        svc.receive_transfer(
            MemoryUnitOfWork(store), account_no="A0", amount="100", value_date=date(2025, 7, 5), key="t"
        )
        with pytest.raises(IdempotencyConflict) as caught:
            svc.receive_transfer(
                MemoryUnitOfWork(store),
                account_no="A0",
                amount="100.01",
                value_date=date(2025, 7, 5),
                key="t",
            )
        assert caught.value.field == "amount"
        assert len(store.entries) == 2


class TestCanonicalText:
    @pytest.mark.parametrize(
        ("spellings", "text"),
        [
            ((Decimal("100"), Decimal("100.00"), Decimal("1E+2"), 100), "100"),
            ((Decimal("0.10"), Decimal("0.1000")), "0.1"),
            ((Decimal("0"), Decimal("-0.00"), 0), "0"),
            ((Decimal("1001636.11"),), "1001636.11"),
            ((ContributionRounding.HALF_UP_YUAN, "half-up-yuan"), "half-up-yuan"),
            ((date(2025, 1, 31),), "2025-01-31"),
        ],
    )
    def test_equivalent_spellings_give_one_text(self, spellings: tuple[object, ...], text: str) -> None:
        assert {canonical(s) for s in spellings} == {text}

    def test_one_instant_in_two_zones_is_one_text(self) -> None:
        utc = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
        beijing = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
        assert canonical(utc) == canonical(beijing) == "2026-01-05T01:00:00+00:00"

    def test_the_ambient_decimal_context_changes_nothing(self) -> None:
        with localcontext() as ctx:
            ctx.prec = 3
            assert canonical(Decimal("1001636.110")) == "1001636.11"

    def test_different_values_give_different_texts(self) -> None:
        assert canonical(Decimal("100.01")) != canonical(Decimal("100"))
        assert canonical(ContributionRounding.HALF_UP_FEN) != canonical("half-up-yuan")
        assert canonical(("a", "b")) != canonical("a,b")
