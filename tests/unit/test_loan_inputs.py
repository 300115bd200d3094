"""Issue #10, "Bad input", the loan items: each refused with a typed ``hpf_core`` error
naming the field, before anything is computed or stored."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime

import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.payments import MemoryBankDebit
from hpf_core.errors import HpfError, InputError, InputTypeError, InvalidDate
from hpf_core.loans import (
    Borrower,
    LoanAccount,
    PrepaymentStrategy,
    RepaymentMethod,
    ServicingPolicy,
    SignerRole,
    accrue,
    amortize,
    amortize_many,
    amount_due,
    open_loan,
    prepay,
    prepayment_quote,
    rate_on,
    repay,
    settlement_quote,
)
from hpf_core.loans import services as loans

POLICY = ServicingPolicy()
MAIN = Borrower(SignerRole.BORROWER, "张三", "P1")


def a_loan(**changes: object) -> LoanAccount:
    args: dict[str, object] = {
        "contract_no": "HT1",
        "borrowers": (MAIN,),
        "principal": 1000000,
        "disbursed_on": date(2023, 3, 1),
        "term_months": 360,
        "method": "equal-installment",
        "annual_rate": "0.031",
    }
    args.update(changes)
    return open_loan(**args)  # type: ignore[arg-type]


def refused(call: Callable[[], object], error: type[HpfError], field: str) -> HpfError:
    with pytest.raises(error) as info:
        call()
    assert info.value.field == field
    return info.value


BAD_DAYS: list[object] = [
    "2025-01-15",
    datetime(2025, 1, 15),
    datetime(2025, 1, 15).astimezone(),
    None,
    20250115,
]


class TestServicingDates:
    @pytest.mark.parametrize("day", BAD_DAYS, ids=repr)
    def test_amount_due_repay_and_the_quotes_refuse_what_is_not_a_date(self, day: object) -> None:
        loan = a_loan()
        calls: list[Callable[[], object]] = [
            lambda: amount_due(loan, day, POLICY),  # type: ignore[arg-type]
            lambda: accrue(loan, day, POLICY),  # type: ignore[arg-type]
            lambda: repay(loan, "100.00", day, POLICY),  # type: ignore[arg-type]
            lambda: settlement_quote(loan, day, POLICY),  # type: ignore[arg-type]
            lambda: prepayment_quote(loan, 100000, day, "keep-term", POLICY),  # type: ignore[arg-type]
            lambda: rate_on(loan, day),  # type: ignore[arg-type]
        ]
        for call in calls:
            refused(call, InputTypeError, "on")

    def test_a_collection_with_a_string_date_stores_nothing(self) -> None:
        store = MemoryStore()
        loans.disburse(MemoryUnitOfWork(store), a_loan())
        before = MemoryUnitOfWork(store).loans.get("HT1")
        bank = MemoryBankDebit()
        refused(
            lambda: loans.collect_instalment(
                MemoryUnitOfWork(store),
                contract_no="HT1",
                on="2023-04-01",  # type: ignore[arg-type]
                policy=POLICY,
                key="k1",
                bank=bank,
            ),
            InputTypeError,
            "on",
        )
        assert MemoryUnitOfWork(store).loans.get("HT1") == before
        assert list(MemoryUnitOfWork(store).loan_journal.entries("HT1")) == []


class TestSchedulesPastTheLastDate:
    def test_amortize_refuses_up_front_when_a_row_would_pass_date_max(self) -> None:
        # 8 monthly rows from 9999-06-30 would end in January 10000; 7 end on 9999-12-30
        error = refused(
            lambda: amortize(100000, "0.031", 8, "equal-installment", first_due=date(9999, 6, 30)),
            InvalidDate,
            "first_due",
        )
        assert "9999-12-31" in str(error)
        fits = amortize(100000, "0.031", 7, "equal-installment", first_due=date(9999, 6, 30))
        assert [row.due_date for row in fits][-1] == date(9999, 12, 30)

    def test_prepay_and_open_loan_too(self) -> None:
        refused(
            lambda: prepay(
                100000, "0.031", 12, 1000, PrepaymentStrategy.KEEP_TERM, first_due=date(9999, 6, 30)
            ),
            InvalidDate,
            "first_due",
        )
        refused(lambda: a_loan(disbursed_on=date(9990, 1, 1)), InvalidDate, "disbursed_on")


class TestAmortizeManyWithoutNumpy:
    def test_use_numpy_true_without_numpy_says_how_to_install_it(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now raises ImportError
        error = refused(
            lambda: amortize_many(
                [100000, 200000], "0.031", 12, RepaymentMethod.EQUAL_INSTALLMENT, use_numpy=True
            ),
            InputError,
            "use_numpy",
        )
        assert "pip install 'hpf[fast]'" in str(error)
        # without asking for numpy the plain loop still gives the rows
        batch = amortize_many([100000, 200000], "0.031", 12, RepaymentMethod.EQUAL_INSTALLMENT)
        assert len(batch) == 24

    def test_use_numpy_must_be_a_bool_or_none(self) -> None:
        refused(
            lambda: amortize_many([100000], "0.031", 12, "equal-installment", use_numpy="yes"),  # type: ignore[arg-type]
            InputTypeError,
            "use_numpy",
        )


class TestBorrowers:
    @pytest.mark.parametrize(
        ("borrowers", "error"),
        [
            ((), InputError),
            ([], InputError),
            ((Borrower(SignerRole.SPOUSE, "李四", "P2"),), InputError),  # no main borrower
            ((MAIN, Borrower(SignerRole.BORROWER, "王五", "P3")), InputError),  # two main borrowers
            ((MAIN, Borrower(SignerRole.SPOUSE, "李四", "P1")), InputError),  # one account twice
            (("P1",), InputTypeError),
            ("P1", InputTypeError),
            (None, InputTypeError),
        ],
        ids=repr,
    )
    def test_open_loan_refuses_a_loan_without_a_proper_main_borrower(
        self, borrowers: object, error: type[HpfError]
    ) -> None:
        refused(lambda: a_loan(borrowers=borrowers), error, "borrowers")

    def test_a_couple_is_accepted(self) -> None:
        loan = a_loan(borrowers=[MAIN, Borrower(SignerRole.SPOUSE, "李四", "P2")])
        assert [b.role for b in loan.contract.borrowers] == [SignerRole.BORROWER, SignerRole.SPOUSE]
