"""Loans (贷款): schedules, prepayment, repricing and rate tables.

>>> from decimal import Decimal
>>> s = amortize(250000, Decimal("0.0325"), 360, RepaymentMethod.EQUAL_INSTALLMENT)
>>> s.payment, s.total_principal
(Decimal('1088.02'), Decimal('250000.00'))
"""

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

__all__ = [
    "BENCHMARK_TABLE",
    "HPF_RATE_GAPS",
    "HPF_RATE_TABLE",
    "LPR_TABLE",
    "LPR_VERIFIED_THROUGH",
    "MAX_MONTHS",
    "BenchmarkRow",
    "FenColumn",
    "HomeOrder",
    "HpfRateRow",
    "Installment",
    "IntColumn",
    "LprRow",
    "PrepaymentResult",
    "PrepaymentStrategy",
    "RateInForce",
    "RepaymentMethod",
    "RepricingOverride",
    "RepricingRule",
    "Schedule",
    "ScheduleBatch",
    "amortize",
    "amortize_many",
    "commercial_rate",
    "commercial_rate_in_force",
    "hpf_loan_rate",
    "hpf_rate_in_force",
    "prepay",
    "reprice",
    "repricing_date",
]
