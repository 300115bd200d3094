"""The vocabulary of withdrawals (提取) shared by eligibility, workflow and services."""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from hpf_core.errors import Violation


class WithdrawalKind(enum.Enum):
    """提取类型 (DOMAIN.md §5; Regulation Art. 24 and local practice)."""

    RETIREMENT = "retirement"
    LABOR_TERMINATION = "labor-termination"
    RENT = "rent"
    PROPERTY_FEE = "property-fee"
    LOAN_REPAYMENT = "loan-repayment"
    HOME_PURCHASE = "home-purchase"
    EMIGRATION = "emigration"
    DEATH = "death"
    INCAPACITY = "incapacity"
    SERIOUS_ILLNESS = "serious-illness"

    @property
    def chinese(self) -> str:
        """The name the app's 我要提取 list shows."""
        return _CHINESE[self]

    @property
    def closes_account(self) -> bool:
        """销户提取: the whole balance with closing interest, then the account closes."""
        return self in _CLOSING


_CHINESE = {
    WithdrawalKind.RETIREMENT: "离、退休提取",
    WithdrawalKind.LABOR_TERMINATION: "终止劳动关系提取",
    WithdrawalKind.RENT: "房租提取",
    WithdrawalKind.PROPERTY_FEE: "物业管理费提取",
    WithdrawalKind.LOAN_REPAYMENT: "偿还购房贷款本息提取",
    WithdrawalKind.HOME_PURCHASE: "购房提取",
    WithdrawalKind.EMIGRATION: "出境定居提取",
    WithdrawalKind.DEATH: "死亡或宣告死亡提取",
    WithdrawalKind.INCAPACITY: "完全丧失劳动能力提取",
    WithdrawalKind.SERIOUS_ILLNESS: "重大疾病提取",
}
_CLOSING = frozenset(
    {
        WithdrawalKind.RETIREMENT,
        WithdrawalKind.LABOR_TERMINATION,
        WithdrawalKind.EMIGRATION,
        WithdrawalKind.DEATH,
        WithdrawalKind.INCAPACITY,
    }
)


@attrs.frozen
class DocumentRequirement:
    """One document category to upload (档案分类): 必传项 or 非必传项, up to ``max_files``."""

    category: str
    required: bool
    max_files: int = 4


@attrs.frozen
class Assessment:
    """What ``assess`` decides for one kind: eligible or every reason not, and how much.

    ``max_amount`` is 可提取金额 (for a closing kind, the balance plus ``closing_interest``:
    提取金额合计); ``documents`` are the categories to upload.
    """

    kind: WithdrawalKind
    eligible: bool
    violations: tuple[Violation, ...]
    max_amount: Decimal
    closes_account: bool
    closing_interest: Decimal
    documents: tuple[DocumentRequirement, ...]
