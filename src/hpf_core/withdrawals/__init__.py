"""Withdrawals (提取): kinds, centre policies, eligibility and the approval workflow.

Not built yet: this package is reserved by the project layout and is filled by the
withdrawals issue (#5). It exports nothing.
"""

__all__: list[str] = []
