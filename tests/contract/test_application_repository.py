"""ApplicationRepository contract: withdrawal applications, stored by compare-and-set."""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord
from hpf_core.ports import UnitOfWork
from hpf_core.withdrawals import (
    DEFAULT_REVIEW_CHAIN,
    Application,
    LoanBusiness,
    WithdrawalKind,
    draft,
    draft_business,
)

NewUnitOfWork = Callable[[], UnitOfWork]
Race = Callable[[int, Callable[[int], object]], list[BaseException | None]]
CARD = "6217001234567890122"


def an_application(application_id: str = "W1", member_id: str = "M1") -> Application:
    made = draft(application_id, member_id, WithdrawalKind.RETIREMENT, "100.00", CARD, ())
    assert isinstance(made, Application)
    return made


def stored(new_uow: NewUnitOfWork, application: Application) -> Application:
    with new_uow() as uow:
        added = uow.applications.add(application)
        uow.commit()
    return added


class TestApplicationRepository:
    def test_add_stores_version_0_and_a_taken_id_is_refused(self, new_uow: NewUnitOfWork) -> None:
        added = stored(new_uow, attrs.evolve(an_application(), version=5))
        assert added.version == 0
        with new_uow() as uow:
            assert uow.applications.get("W1") == added
            with pytest.raises(InputError):
                uow.applications.add(an_application())
            with pytest.raises(UnknownRecord):
                uow.applications.get("W9")

    def test_a_loan_business_application_comes_back_equal(self, new_uow: NewUnitOfWork) -> None:
        business = draft_business(
            "B1",
            "M1",
            LoanBusiness.SETTLEMENT,
            "136271.00",
            (),
            details={"contract_no": "HT2017-001", "from_account": "P2"},
            description="提前结清",
            review_chain=DEFAULT_REVIEW_CHAIN,
        )
        added = stored(new_uow, business)
        with new_uow() as uow:
            back = uow.applications.get("B1")
        assert back == added
        assert back.kind is LoanBusiness.SETTLEMENT
        assert dict(back.details) == {"contract_no": "HT2017-001", "from_account": "P2"}

    def test_save_returns_the_next_version_and_a_stale_one_is_refused(self, new_uow: NewUnitOfWork) -> None:
        added = stored(new_uow, an_application())
        with new_uow() as uow:
            assert uow.applications.save(added).version == 1
            uow.commit()
        with new_uow() as uow, pytest.raises(ConcurrentUpdate):
            uow.applications.save(added)

    def test_of_racing_saves_from_one_read_exactly_one_wins(self, new_uow: NewUnitOfWork, race: Race) -> None:
        read = stored(new_uow, an_application())

        def save(_: int) -> None:
            with new_uow() as uow:
                uow.applications.save(read)
                uow.commit()

        outcomes = race(8, save)
        assert sum(o is None for o in outcomes) == 1
        with new_uow() as uow:
            assert uow.applications.get("W1").version == 1

    def test_by_member_lists_the_members_applications_oldest_first(self, new_uow: NewUnitOfWork) -> None:
        stored(new_uow, an_application("W1"))
        stored(new_uow, an_application("W2", "M2"))
        stored(new_uow, an_application("W3"))
        with new_uow() as uow:
            assert [a.application_id for a in uow.applications.by_member("M1")] == ["W1", "W3"]
