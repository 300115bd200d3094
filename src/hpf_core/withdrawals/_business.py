"""Business types (业务类型) the centre's approval workflow carries (D-046).

One :class:`~hpf_core.withdrawals.Application` record, one review workflow and one 我的业务
list serve every business a member hands to the centre: the withdrawals
(:class:`~hpf_core.withdrawals.WithdrawalKind`, 业务名称 提取业务) and the loan business of
the seed's chapter 6.3 (:class:`LoanBusiness`, 业务名称 贷款业务): 提前还本 (§6.3.1),
按月抵扣签约 and its cancelling (§6.3.2), 提前结清 (§6.3.3). A business type has a stable
``value``, its ``chinese`` name (流程名称), its ``business`` (业务名称) and ``closes_account``
(whether paying it closes the deposit account: never for a loan business). Adding another
business is one more member here and one executor in its services module.

>>> LoanBusiness.SETTLEMENT.chinese, LoanBusiness.SETTLEMENT.business
('提前结清', '贷款业务')
>>> business_name(LoanBusiness.PREPAYMENT), business_name(WithdrawalKind.RENT)
('贷款业务', '提取业务')
"""

from __future__ import annotations

import enum
from typing import TypeAlias

from hpf_core.errors import InvalidChoice
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind

__all__ = [
    "LOAN_BUSINESS_NAME",
    "LOAN_REVIEW_CHAIN",
    "WITHDRAWAL_BUSINESS_NAME",
    "BusinessType",
    "LoanBusiness",
    "business_name",
    "check_business",
    "loan_documents",
]

WITHDRAWAL_BUSINESS_NAME = "提取业务"
"""业务名称 of a withdrawal in 我的业务 (seed §5.2.2)."""

LOAN_BUSINESS_NAME = "贷款业务"
"""业务名称 of a loan business in 我的业务 (the seed's chapter 6.3 is titled 贷款业务)."""

LOAN_REVIEW_CHAIN: tuple[str, ...] = ("贷款业务审核岗", "贷款业务审批岗")
"""The review nodes of a loan business when the centre configures nothing else: hpf's
names (the seed shows no loan-review node); two nodes, so two reviewers see every one."""


class LoanBusiness(enum.Enum):
    """The loan business a borrower hands to the centre from the app (seed §6.3)."""

    PREPAYMENT = "loan-prepayment"
    """提前还本 (§6.3.1): part of the principal repaid from the 还款卡."""
    OFFSET_SIGNING = "offset-signing"
    """按月抵扣签约 (§6.3.2, 我要签约): the signer's fund pays the instalments."""
    OFFSET_CANCELLING = "offset-cancelling"
    """按月抵扣取消签约 (§6.3.2, 取消签约, 解约): the signer leaves the agreement."""
    SETTLEMENT = "loan-settlement"
    """提前结清 (§6.3.3): the whole loan repaid, part from a signer's fund."""

    @property
    def chinese(self) -> str:
        """流程名称: the button's name in the seed."""
        return _LOAN_CHINESE[self]

    @property
    def business(self) -> str:
        """业务名称: 贷款业务."""
        return LOAN_BUSINESS_NAME

    @property
    def closes_account(self) -> bool:
        """A loan business never closes the deposit account."""
        return False


_LOAN_CHINESE = {
    LoanBusiness.PREPAYMENT: "提前还本",
    LoanBusiness.OFFSET_SIGNING: "按月抵扣签约",
    LoanBusiness.OFFSET_CANCELLING: "按月抵扣取消签约",
    LoanBusiness.SETTLEMENT: "提前结清",
}

BusinessType: TypeAlias = WithdrawalKind | LoanBusiness
"""What an application is for: a withdrawal kind or a loan business."""


def check_business(value: object, field: str = "kind") -> BusinessType:
    """``value`` if it is a business type, else ``InvalidChoice`` naming ``field``."""
    if isinstance(value, WithdrawalKind | LoanBusiness):
        return value
    raise InvalidChoice(field, "must be a WithdrawalKind or a LoanBusiness", value)


def business_name(kind: BusinessType) -> str:
    """业务名称 in 我的业务: 提取业务 for a withdrawal, 贷款业务 for a loan business."""
    kind = check_business(kind)
    return LOAN_BUSINESS_NAME if isinstance(kind, LoanBusiness) else WITHDRAWAL_BUSINESS_NAME


# The 档案上传 categories of each loan business. 提前还本 and 提前结清 are the seed's screens
# (§6.3.1: 申请单 必传项 0/4; §6.3.3: 头像 and 身份证, both 必传项, 1/4). The offset screens
# (§6.3.2) show 结婚证 and 配偶身份证 as 非必传项; which are required follows its 须知 §3
# (所需材料): the borrower brings their ID card; a spouse both ID cards and the marriage
# certificate; a co-borrower both ID cards.
_PREPAYMENT_DOCUMENTS = (DocumentRequirement("申请单", required=True, max_files=4),)
_SETTLEMENT_DOCUMENTS = (
    DocumentRequirement("头像", required=True, max_files=4),
    DocumentRequirement("身份证", required=True, max_files=4),
)
_OFFSET_DOCUMENTS = {
    "borrower": (
        DocumentRequirement("借款人身份证", required=True, max_files=4),
        DocumentRequirement("结婚证", required=False, max_files=4),
        DocumentRequirement("配偶身份证", required=False, max_files=4),
    ),
    "spouse": (
        DocumentRequirement("借款人身份证", required=True, max_files=4),
        DocumentRequirement("结婚证", required=True, max_files=4),
        DocumentRequirement("配偶身份证", required=True, max_files=4),
    ),
    "co-borrower": (
        DocumentRequirement("借款人身份证", required=True, max_files=4),
        DocumentRequirement("共同借款人身份证", required=True, max_files=4),
    ),
}


def loan_documents(business: LoanBusiness, role: str = "borrower") -> tuple[DocumentRequirement, ...]:
    """The 档案上传 categories a loan business asks for; for the offset, by the acting
    signer's ``role`` (``borrower``, ``spouse`` or ``co-borrower``, a ``SignerRole`` value).

    >>> [(d.category, d.required) for d in loan_documents(LoanBusiness.SETTLEMENT)]
    [('头像', True), ('身份证', True)]
    >>> [d.category for d in loan_documents(LoanBusiness.OFFSET_SIGNING, "spouse") if d.required]
    ['借款人身份证', '结婚证', '配偶身份证']
    """
    if not isinstance(business, LoanBusiness):
        raise InvalidChoice("business", "must be a LoanBusiness", business)
    if business is LoanBusiness.PREPAYMENT:
        return _PREPAYMENT_DOCUMENTS
    if business is LoanBusiness.SETTLEMENT:
        return _SETTLEMENT_DOCUMENTS
    if role not in _OFFSET_DOCUMENTS:
        raise InvalidChoice("role", "must be borrower, spouse or co-borrower", role)
    return _OFFSET_DOCUMENTS[role]
