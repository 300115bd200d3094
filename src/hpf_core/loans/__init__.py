"""Loans (贷款): schedules, prepayment, repricing and rate tables.

>>> from decimal import Decimal
>>> s = amortize(250000, Decimal("0.0325"), 360, RepaymentMethod.EQUAL_INSTALLMENT)
>>> s.payment, s.total_principal
(Decimal('1088.02'), Decimal('250000.00'))
"""

from typing import TYPE_CHECKING

from hpf_core.loans._amortize import (
    MAX_MONTHS,
    Installment,
    RepaymentMethod,
    Schedule,
    amortize,
)
from hpf_core.loans._batch import FenColumn, IntColumn, ScheduleBatch, amortize_many
from hpf_core.loans._prepay import PrepaymentResult, PrepaymentStrategy, prepay, reprice
from hpf_core.loans._rates import (
    BENCHMARK_TABLE,
    HPF_RATE_GAPS,
    HPF_RATE_TABLE,
    LPR_TABLE,
    LPR_VERIFIED_THROUGH,
    BenchmarkRow,
    HomeOrder,
    HpfRateRow,
    LprRow,
    RateInForce,
    RepricingOverride,
    RepricingRule,
    commercial_rate,
    commercial_rate_in_force,
    hpf_loan_rate,
    hpf_rate_in_force,
    repricing_date,
)

if TYPE_CHECKING:  # the servicing names load on first use (see __getattr__)
    from hpf_core.loans._cycle import (
        accrue,
        amount_due,
        bill_due,
    )
    from hpf_core.loans._early import (
        PrepaymentQuote,
        SettlementCertificate,
        SettlementQuote,
        apply_prepayment,
        prepayment_quote,
        settle,
        settlement_quote,
    )
    from hpf_core.loans._loan_records import (
        Allocation,
        Bill,
        Borrower,
        LoanAccount,
        LoanContract,
        LoanStatus,
        LoanType,
        OverdueRecord,
        PaymentSource,
        open_loan,
    )
    from hpf_core.loans._loan_views import (
        LoanAccountInfo,
        LoanEntry,
        LoanEntryDraft,
        LoanEntryKind,
        PlanRow,
        RepaymentDetail,
        entry_for,
        loan_account_info,
        overdue_details,
        repayment_details,
        repayment_plan,
    )
    from hpf_core.loans._offset import (
        NOTICE_TITLE,
        SIGNING_NOTICE,
        OffsetAgreement,
        OffsetPlan,
        OffsetSigner,
        OffsetSkip,
        OffsetSource,
        OffsetTake,
        SignerRole,
        cancel_offset,
        is_signed,
        plan_monthly_offset,
        sign_offset,
    )
    from hpf_core.loans._repayment import (
        repay,
    )
    from hpf_core.loans._repricing import (
        rate_on,
        reprice_loan,
    )
    from hpf_core.loans._servicing_policy import (
        DEFAULT_ALLOCATION,
        Bucket,
        PenaltyMode,
        ServicingPolicy,
        parse_servicing_policy,
    )

_LAZY = {
    "LoanAccountInfo": "_loan_views",
    "LoanEntry": "_loan_views",
    "LoanEntryDraft": "_loan_views",
    "LoanEntryKind": "_loan_views",
    "PlanRow": "_loan_views",
    "RepaymentDetail": "_loan_views",
    "entry_for": "_loan_views",
    "loan_account_info": "_loan_views",
    "overdue_details": "_loan_views",
    "repayment_details": "_loan_views",
    "repayment_plan": "_loan_views",
    "NOTICE_TITLE": "_offset",
    "SIGNING_NOTICE": "_offset",
    "OffsetAgreement": "_offset",
    "OffsetPlan": "_offset",
    "OffsetSigner": "_offset",
    "OffsetSkip": "_offset",
    "OffsetSource": "_offset",
    "OffsetTake": "_offset",
    "SignerRole": "_offset",
    "cancel_offset": "_offset",
    "is_signed": "_offset",
    "plan_monthly_offset": "_offset",
    "sign_offset": "_offset",
    "Allocation": "_loan_records",
    "Bill": "_loan_records",
    "Borrower": "_loan_records",
    "LoanAccount": "_loan_records",
    "LoanContract": "_loan_records",
    "LoanStatus": "_loan_records",
    "LoanType": "_loan_records",
    "OverdueRecord": "_loan_records",
    "PaymentSource": "_loan_records",
    "open_loan": "_loan_records",
    "DEFAULT_ALLOCATION": "_servicing_policy",
    "Bucket": "_servicing_policy",
    "PenaltyMode": "_servicing_policy",
    "ServicingPolicy": "_servicing_policy",
    "parse_servicing_policy": "_servicing_policy",
    "accrue": "_cycle",
    "amount_due": "_cycle",
    "bill_due": "_cycle",
    "repay": "_repayment",
    "rate_on": "_repricing",
    "reprice_loan": "_repricing",
    "PrepaymentQuote": "_early",
    "SettlementCertificate": "_early",
    "SettlementQuote": "_early",
    "apply_prepayment": "_early",
    "prepayment_quote": "_early",
    "settle": "_early",
    "settlement_quote": "_early",
}

__all__ = [
    "BENCHMARK_TABLE",
    "DEFAULT_ALLOCATION",
    "HPF_RATE_GAPS",
    "HPF_RATE_TABLE",
    "LPR_TABLE",
    "LPR_VERIFIED_THROUGH",
    "MAX_MONTHS",
    "NOTICE_TITLE",
    "SIGNING_NOTICE",
    "Allocation",
    "BenchmarkRow",
    "Bill",
    "Borrower",
    "Bucket",
    "FenColumn",
    "HomeOrder",
    "HpfRateRow",
    "Installment",
    "IntColumn",
    "LoanAccount",
    "LoanAccountInfo",
    "LoanContract",
    "LoanEntry",
    "LoanEntryDraft",
    "LoanEntryKind",
    "LoanStatus",
    "LoanType",
    "LprRow",
    "OffsetAgreement",
    "OffsetPlan",
    "OffsetSigner",
    "OffsetSkip",
    "OffsetSource",
    "OffsetTake",
    "OverdueRecord",
    "PaymentSource",
    "PenaltyMode",
    "PlanRow",
    "PrepaymentQuote",
    "PrepaymentResult",
    "PrepaymentStrategy",
    "RateInForce",
    "RepaymentDetail",
    "RepaymentMethod",
    "RepricingOverride",
    "RepricingRule",
    "Schedule",
    "ScheduleBatch",
    "ServicingPolicy",
    "SettlementCertificate",
    "SettlementQuote",
    "SignerRole",
    "accrue",
    "amortize",
    "amortize_many",
    "amount_due",
    "apply_prepayment",
    "bill_due",
    "cancel_offset",
    "commercial_rate",
    "commercial_rate_in_force",
    "entry_for",
    "hpf_loan_rate",
    "hpf_rate_in_force",
    "is_signed",
    "loan_account_info",
    "open_loan",
    "overdue_details",
    "parse_servicing_policy",
    "plan_monthly_offset",
    "prepay",
    "prepayment_quote",
    "rate_on",
    "repay",
    "repayment_details",
    "repayment_plan",
    "reprice",
    "reprice_loan",
    "repricing_date",
    "settle",
    "settlement_quote",
    "sign_offset",
]


def __getattr__(name: str) -> object:
    """Load loan servicing (accounts, offset, views) on first use, so that importing the
    loan math stays fast (docs/performance.md: import time)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from hpf_core.loans import (  # noqa: PLC0415
        _cycle,
        _early,
        _loan_records,
        _loan_views,
        _offset,
        _repayment,
        _repricing,
        _servicing_policy,
    )

    source = {
        "_cycle": _cycle,
        "_early": _early,
        "_loan_records": _loan_records,
        "_loan_views": _loan_views,
        "_offset": _offset,
        "_repayment": _repayment,
        "_repricing": _repricing,
        "_servicing_policy": _servicing_policy,
    }[module]
    value = getattr(source, name)
    globals()[name] = value
    return value
