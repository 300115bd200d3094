"""LoanRepository contract: loans by contract number, stored by compare-and-set."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import attrs
import pytest

from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord
from hpf_core.loans import Borrower, LoanAccount, SignerRole, open_loan
from hpf_core.ports import UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]


def a_loan(number: str = "HT1") -> LoanAccount:
    return open_loan(
        contract_no=number,
        borrowers=(Borrower(SignerRole.BORROWER, "张三", "P1"),),
        principal=1000000,
        disbursed_on=date(2023, 3, 1),
        term_months=360,
        method="equal-installment",
        annual_rate="0.031",
    )


def stored(new_uow: NewUnitOfWork, loan: LoanAccount) -> LoanAccount:
    with new_uow() as uow:
        added = uow.loans.add(loan)
        uow.commit()
    return added


class TestLoanRepository:
    def test_add_stores_version_0_and_a_taken_number_is_refused(self, new_uow: NewUnitOfWork) -> None:
        added = stored(new_uow, attrs.evolve(a_loan(), version=3))
        assert added.version == 0
        with new_uow() as uow:
            assert uow.loans.get("HT1") == added
            with pytest.raises(InputError):
                uow.loans.add(a_loan())
            with pytest.raises(UnknownRecord):
                uow.loans.get("HT9")

    def test_save_returns_the_next_version_and_a_stale_one_is_refused(self, new_uow: NewUnitOfWork) -> None:
        added = stored(new_uow, a_loan())
        with new_uow() as uow:
            saved = uow.loans.save(added)
            assert uow.loans.save(saved).version == 2
            uow.commit()
        with new_uow() as uow, pytest.raises(ConcurrentUpdate):
            uow.loans.save(added)
        with new_uow() as uow:
            assert uow.loans.get("HT1").version == 2

    def test_of_racing_saves_from_one_read_exactly_one_wins(self, new_uow: NewUnitOfWork, race: Race) -> None:
        read = stored(new_uow, a_loan())

        def save(_: int) -> None:
            with new_uow() as uow:
                uow.loans.save(read)
                uow.commit()

        outcomes = race(8, save)
        assert sum(o is None for o in outcomes) == 1
        assert all(isinstance(o, ConcurrentUpdate) for o in outcomes if o is not None)

    def test_numbers_are_sorted(self, new_uow: NewUnitOfWork) -> None:
        stored(new_uow, a_loan("HT2"))
        stored(new_uow, a_loan("HT1"))
        with new_uow() as uow:
            assert uow.loans.numbers() == ["HT1", "HT2"]
