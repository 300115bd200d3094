"""Hypothesis strategies for hpf's domain types, for users' own property tests, and
state machines to extend (issue #19, D-062).

Needs ``hypothesis`` installed (it is not a runtime dependency of hpf). Money comes from
``st.decimals(places=2)``-style integer fen, never from floats.

>>> from hypothesis import given
>>> from hpf_core.loans import amortize
>>> @given(loans())
... def test_principal_sums(loan: Loan) -> None:
...     schedule = amortize(loan.principal, loan.annual_rate, loan.months, loan.method)
...     assert schedule.total_principal == loan.principal
>>> test_principal_sums()
"""

from hpf_core.testing._basics import (
    Loan,
    amounts,
    annual_rates,
    dates,
    day_bases,
    deposit_accounts,
    id_numbers,
    loans,
    methods,
    months,
    phones,
    prepayment_strategies,
    realistic_loans,
    rounding_modes,
    sample_account,
    sample_policy,
    withdrawal_kinds,
)
from hpf_core.testing._cases import (
    LOAN_POLICY,
    LoanCase,
    LoanStage,
    WithdrawalCase,
    applications,
    loan_accounts,
    withdrawal_cases,
)
from hpf_core.testing._machines import (
    ApplicationMachine,
    ApprovingDebit,
    DepositAccountMachine,
    HpfMachine,
    LoanMachine,
)
from hpf_core.testing._policies import InvalidPolicyText, PolicyText, invalid_policy_texts, policy_texts
from hpf_core.testing._records import (
    CHINA,
    CodeCase,
    Journal,
    MemberCase,
    SessionCase,
    TestHasher,
    account_numbers,
    bank_cards,
    card_numbers,
    instants,
    issued_codes,
    journals,
    members,
    sessions,
)

__all__ = [
    "CHINA",
    "LOAN_POLICY",
    "ApplicationMachine",
    "ApprovingDebit",
    "CodeCase",
    "DepositAccountMachine",
    "HpfMachine",
    "InvalidPolicyText",
    "Journal",
    "Loan",
    "LoanCase",
    "LoanMachine",
    "LoanStage",
    "MemberCase",
    "PolicyText",
    "SessionCase",
    "TestHasher",
    "WithdrawalCase",
    "account_numbers",
    "amounts",
    "annual_rates",
    "applications",
    "bank_cards",
    "card_numbers",
    "dates",
    "day_bases",
    "deposit_accounts",
    "id_numbers",
    "instants",
    "invalid_policy_texts",
    "issued_codes",
    "journals",
    "loan_accounts",
    "loans",
    "members",
    "methods",
    "months",
    "phones",
    "policy_texts",
    "prepayment_strategies",
    "realistic_loans",
    "rounding_modes",
    "sample_account",
    "sample_policy",
    "sessions",
    "withdrawal_cases",
    "withdrawal_kinds",
]
