"""The 按月抵扣签约 screen (seed §6.3.2): the acting signer's account, the loan's 应缴年月 and
whether the signer has signed (是否按月委托提取), which decides the button the screen shows
(我要签约 or 取消签约). Pure: the service reads the loan and the account (D-049)."""

from __future__ import annotations

from decimal import Decimal

import attrs

from hpf_core._inputs import instance
from hpf_core.accounts import ContributionRounding, DepositAccount, monthly_contribution
from hpf_core.errors import Violation, refusal
from hpf_core.identity import mask_id_number, masked_repr
from hpf_core.loans._loan_records import LoanAccount
from hpf_core.loans._offset import SignerRole, is_signed


@attrs.frozen
class OffsetSigningView:
    """按月抵扣签约, field for field as the seed shows it."""

    contract_no: str
    """借款合同编号"""
    role: SignerRole
    """与主借款人关系 (``role.chinese``: 借款人 / 配偶 / 共同借款人)"""
    name: str
    """姓名"""
    id_number: str = attrs.field(repr=masked_repr)
    """证件号码 (shown masked: :attr:`masked_id_number`)"""
    account_no: str = attrs.field(repr=masked_repr)
    """个人账号"""
    account_status: str
    """个人账户状态, e.g. 正常"""
    balance: Decimal
    """个人账户余额"""
    monthly_deposit: Decimal
    """月缴存额 (both sides, rounded by the centre's mode)"""
    due_month: str
    """应缴年月: the month (YYYYMM) of the earliest instalment not yet repaid — the one the
    next offset pays ('' for a settled loan)"""
    signed: bool
    """是否按月委托提取: the signer's account is in the loan's offset agreement"""

    @property
    def signed_text(self) -> str:
        """是否按月委托提取 as shown: 是 / 否."""
        return "是" if self.signed else "否"

    @property
    def action(self) -> str:
        """The button: 取消签约 for a signed account, 我要签约 otherwise."""
        return "取消签约" if self.signed else "我要签约"

    @property
    def masked_id_number(self) -> str:
        """证件号码 for display (first 6 and last 4)."""
        return mask_id_number(self.id_number)


def due_month(loan: LoanAccount) -> str:
    """应缴年月 of a loan: the due month (YYYYMM, as the 期 labels read) of the earliest
    instalment not yet repaid — the oldest open bill, else the next row not yet billed;
    '' when none is left (a settled loan)."""
    instance(loan, LoanAccount, "loan")
    if loan.bills:
        return f"{loan.bills[0].due_date:%Y%m}"
    rows = [row.due_date for row in loan.schedule if row.due_date is not None]
    return f"{rows[0]:%Y%m}" if rows and loan.settled_on is None else ""


def offset_signing_view(
    loan: LoanAccount,
    account: DepositAccount,
    *,
    rounding: ContributionRounding | str = ContributionRounding.HALF_UP_YUAN,
) -> OffsetSigningView:
    """The 按月抵扣签约 screen for the signer whose deposit account is ``account`` (a
    borrower's, spouse's or co-borrower's of ``loan``; another is refused
    ``not_a_borrower``). ``rounding`` is the centre's contribution rounding (月缴存额)."""
    instance(loan, LoanAccount, "loan")
    instance(account, DepositAccount, "account")
    borrower = next((b for b in loan.contract.borrowers if b.account_no == account.account_no), None)
    if borrower is None:
        raise refusal(
            [Violation("not_a_borrower", "the account is not a borrower's of the loan", "account_no")]
        )
    deposit = monthly_contribution(
        account.base, account.employee_ratio, account.employer_ratio, rounding=rounding
    )
    return OffsetSigningView(
        loan.contract.contract_no,
        borrower.role,
        account.member.name,
        account.member.id_number,
        account.account_no,
        account.status.chinese,
        account.balance,
        deposit.total,
        due_month(loan),
        is_signed(loan.agreement, account.account_no),
    )
