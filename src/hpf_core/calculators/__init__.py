"""The mortgage calculator (房贷计算器): quotes for commercial, HPF and combined loans,
and the loan quota (可贷额度).

>>> from decimal import Decimal
>>> mortgage_quote(250000, Decimal("0.0325"), 360, "equal-installment").total_interest
Decimal('141685.69')
"""

from hpf_core.calculators._quota import LoanQuota, loan_quota, max_principal_fen
from hpf_core.calculators._quote import CombinedQuote, Quote, QuoteRow, combined_quote, mortgage_quote
from hpf_core.calculators._summary import QuoteSummary, mortgage_quote_summary

__all__ = [
    "CombinedQuote",
    "LoanQuota",
    "Quote",
    "QuoteRow",
    "QuoteSummary",
    "combined_quote",
    "loan_quota",
    "max_principal_fen",
    "mortgage_quote",
    "mortgage_quote_summary",
]
