"""Loan business through the centre's approval (贷款业务, seed §6.3; D-046).

From the app, 提前还本, 按月抵扣签约 / 取消签约 and 提前结清 go to the centre like a
withdrawal: ``apply_for_prepayment``, ``apply_for_offset_signing``,
``apply_for_offset_cancelling`` and ``apply_for_settlement`` check the business now and draft
one :class:`~hpf_core.withdrawals.Application` (the documents its screen asks for); upload,
submit, return, resubmit, end, 我的业务 and 流程信息查询 are the withdrawal services'
(:mod:`hpf_core.withdrawals.services`), the same for every business; and
:func:`approve_loan_business` carries the business out when the last review node approves,
re-checked on the day, exactly once. Nothing moves before that approval.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from hpf_core._inputs import unit_of_work
from hpf_core.errors import Violation, refusal
from hpf_core.idempotency import once as _once
from hpf_core.loans._early import (
    PrepaymentQuote,
    SettlementCertificate,
    SettlementQuote,
    prepayment_quote,
    settlement_quote,
)
from hpf_core.loans._loan_records import Borrower, LoanAccount
from hpf_core.loans._offset import SignerRole, is_signed
from hpf_core.loans._prepay import PrepaymentStrategy, check_strategy
from hpf_core.loans._servicing_policy import ServicingPolicy
from hpf_core.loans.services import _cancel, _CardDebit, _prepay, _settle, _sign
from hpf_core.money import Amount, yuan
from hpf_core.ports import BankDebit, UnitOfWork
from hpf_core.withdrawals import (
    LOAN_REVIEW_CHAIN,
    Application,
    ApplicationStatus,
    LoanBusiness,
    approve,
    describe,
    draft_business,
    loan_documents,
    mark_done,
)

__all__ = [
    "ApprovedLoanBusiness",
    "apply_for_offset_cancelling",
    "apply_for_offset_signing",
    "apply_for_prepayment",
    "apply_for_settlement",
    "approve_loan_business",
]


def _borrower(loan: LoanAccount, account_no: str, field: str = "account_no") -> Borrower:
    found = next((b for b in loan.contract.borrowers if b.account_no == account_no), None)
    if found is None:
        raise refusal([Violation("not_a_borrower", "the account is not a borrower's of the loan", field)])
    return found


def _draft_loan_business(
    uow: UnitOfWork,
    *,
    application_id: str,
    business: LoanBusiness,
    account_no: str,
    amount: Decimal,
    details: dict[str, str],
    description: str,
    role: str,
    review_chain: Sequence[str],
    channel: str,
) -> Application:
    member_id = uow.accounts.get(account_no).member.member_id
    app = draft_business(
        application_id,
        member_id,
        business,
        amount,
        loan_documents(business, role),
        details={**details, "account_no": account_no},
        description=description,
        review_chain=review_chain,
        channel=channel,
        others=uow.applications.by_member(member_id),
    )
    uow.applications.add(app)
    uow.commit()
    return uow.applications.get(application_id)


def apply_for_prepayment(
    uow: UnitOfWork,
    *,
    application_id: str,
    contract_no: str,
    account_no: str,
    amount: Amount,
    strategy: PrepaymentStrategy | str,
    on: date,
    policy: ServicingPolicy,
    review_chain: Sequence[str] = LOAN_REVIEW_CHAIN,
    channel: str = "app",
) -> tuple[Application, PrepaymentQuote]:
    """提前还本 from the app (seed §6.3.1): the quote the 核对 page shows (checked now against
    the centre's rules), and a DRAFT application asking for 申请单 (必传项). Nothing moves
    until the centre approves (:func:`approve_loan_business`). ``account_no`` is the
    applicant's HPF account, a borrower's of the loan."""
    unit_of_work(uow)
    plan = check_strategy(strategy)
    with uow:
        loan = uow.loans.get(contract_no)
        borrower = _borrower(loan, account_no)
        quote = prepayment_quote(loan, amount, on, plan, policy)
        app = _draft_loan_business(
            uow,
            application_id=application_id,
            business=LoanBusiness.PREPAYMENT,
            account_no=account_no,
            amount=quote.amount,
            details={"contract_no": contract_no, "strategy": plan.value},
            description=describe(LoanBusiness.PREPAYMENT, quote.amount),
            role=borrower.role.value,
            review_chain=review_chain,
            channel=channel,
        )
        return app, quote


def _apply_offset(
    uow: UnitOfWork,
    business: LoanBusiness,
    application_id: str,
    contract_no: str,
    account_no: str,
    review_chain: Sequence[str],
    channel: str,
) -> Application:
    with uow:
        loan = uow.loans.get(contract_no)
        borrower = _borrower(loan, account_no)
        signed = is_signed(loan.agreement, account_no)
        if business is LoanBusiness.OFFSET_SIGNING and signed:
            raise refusal([Violation("already_signed", "the account has signed already", "account_no")])
        if business is LoanBusiness.OFFSET_CANCELLING and not signed:
            raise refusal([Violation("not_signed", "the account has not signed", "account_no")])
        return _draft_loan_business(
            uow,
            application_id=application_id,
            business=business,
            account_no=account_no,
            amount=Decimal("0.00"),
            details={"contract_no": contract_no, "role": borrower.role.value},
            description=f"{business.chinese}({borrower.role.chinese}),借款合同编号{contract_no}。",
            role=borrower.role.value,
            review_chain=review_chain,
            channel=channel,
        )


def apply_for_offset_signing(
    uow: UnitOfWork,
    *,
    application_id: str,
    contract_no: str,
    account_no: str,
    review_chain: Sequence[str] = LOAN_REVIEW_CHAIN,
    channel: str = "app",
) -> Application:
    """按月抵扣签约 from the app (seed §6.3.2, 我要签约): 本人办理 — the applicant is the
    member of ``account_no``, the signer (the account must be a borrower's, spouse's or
    co-borrower's of the loan and not signed yet). The documents follow the signer's role
    (须知 §3). Signed when the centre approves."""
    unit_of_work(uow)
    return _apply_offset(
        uow, LoanBusiness.OFFSET_SIGNING, application_id, contract_no, account_no, review_chain, channel
    )


def apply_for_offset_cancelling(
    uow: UnitOfWork,
    *,
    application_id: str,
    contract_no: str,
    account_no: str,
    review_chain: Sequence[str] = LOAN_REVIEW_CHAIN,
    channel: str = "app",
) -> Application:
    """取消签约 from the app (seed §6.3.2): 本人办理, for a signed account; cancelled when
    the centre approves."""
    unit_of_work(uow)
    return _apply_offset(
        uow, LoanBusiness.OFFSET_CANCELLING, application_id, contract_no, account_no, review_chain, channel
    )


def apply_for_settlement(
    uow: UnitOfWork,
    *,
    application_id: str,
    contract_no: str,
    account_no: str,
    from_hpf: Amount,
    on: date,
    policy: ServicingPolicy,
    certificate_no: str,
    draw_account_no: str | None = None,
    review_chain: Sequence[str] = LOAN_REVIEW_CHAIN,
    channel: str = "app",
) -> tuple[Application, SettlementQuote]:
    """提前结清 from the app (seed §6.3.3): the quote (待还款金额 = total − ``from_hpf``) and a
    DRAFT asking for 头像 and 身份证 (必传项). ``from_hpf`` (支取公积金还款金额) is drawn from
    ``draw_account_no`` (the ▼ selector: any borrower, spouse or co-borrower of the loan;
    default the applicant's ``account_no``) and must be within its balance now and again
    when the centre approves."""
    unit_of_work(uow)
    hpf = yuan(from_hpf, "from_hpf")
    drawn_no = account_no if draw_account_no is None else draw_account_no
    with uow:
        loan = uow.loans.get(contract_no)
        borrower = _borrower(loan, account_no)
        _borrower(loan, drawn_no, "draw_account_no")
        quote = settlement_quote(loan, on, policy, from_hpf=hpf)
        balance = uow.accounts.get(drawn_no).balance
        if hpf > balance:
            raise refusal(
                [Violation("insufficient_funds", f"{hpf} exceeds the balance {balance}", "from_hpf")]
            )
        app = _draft_loan_business(
            uow,
            application_id=application_id,
            business=LoanBusiness.SETTLEMENT,
            account_no=account_no,
            amount=quote.total,
            details={
                "contract_no": contract_no,
                "from_hpf": str(hpf),
                "draw_account_no": drawn_no,
                "certificate_no": certificate_no,
            },
            description=describe(LoanBusiness.SETTLEMENT, quote.total),
            role=borrower.role.value,
            review_chain=review_chain,
            channel=channel,
        )
        return app, quote


def _carry_out(
    uow: UnitOfWork, app: Application, on: date, policy: ServicingPolicy, key: str, card: _CardDebit | None
) -> tuple[str, ...]:
    """Re-check and carry out an approved loan business in the open unit of work: every
    rule is checked again on ``on`` (a refusal raises and nothing moves)."""
    details, contract_no = app.details, app.details["contract_no"]
    if app.kind is LoanBusiness.PREPAYMENT:
        plan = check_strategy(details["strategy"])
        return _prepay(uow, contract_no, app.amount, on, plan, policy, key, card)
    if app.kind is LoanBusiness.SETTLEMENT:
        hpf = Decimal(details["from_hpf"])
        issued: list[SettlementCertificate] = []
        return _settle(
            uow,
            contract_no,
            on,
            hpf,
            details["draw_account_no"],
            policy,
            key,
            details["certificate_no"],
            issued,
            card,
        )
    if app.kind is LoanBusiness.OFFSET_SIGNING:
        _sign(uow, contract_no, details["account_no"], on)
        return ()
    if app.kind is LoanBusiness.OFFSET_CANCELLING:
        _cancel(uow, contract_no, details["account_no"])
        return ()
    raise refusal([Violation("unknown_business", f"{app.kind.chinese} has no executor", "kind")])


@attrs.frozen
class ApprovedLoanBusiness(Application):
    """What :func:`approve_loan_business` returns: the application as stored (an
    :class:`~hpf_core.withdrawals.Application`, field for field) and, once a 提前结清 is
    carried out, its 贷款结清证明 (``None`` otherwise; D-049)."""

    certificate: SettlementCertificate | None = attrs.field(default=None, kw_only=True)
    """贷款结清证明 of a completed settlement."""

    @property
    def application(self) -> Application:
        """The plain stored record (without the certificate)."""
        return Application(**_fields(self))


def _fields(app: Application) -> dict[str, Any]:
    return {f.alias or f.name: getattr(app, f.name) for f in attrs.fields(Application) if f.init}


def _certificate(uow: UnitOfWork, app: Application) -> SettlementCertificate | None:
    """The 贷款结清证明 of a completed settlement, from the closed loan (so a replay
    returns the same certificate the first call did)."""
    if app.kind is not LoanBusiness.SETTLEMENT or app.status is not ApplicationStatus.COMPLETED:
        return None
    loan = uow.loans.get(app.details["contract_no"])
    if loan.settled_on is None:  # pragma: no cover - a completed settlement closed the loan
        return None
    main = next((b.name for b in loan.contract.borrowers if b.role is SignerRole.BORROWER), "")
    return SettlementCertificate(
        app.details["certificate_no"],
        loan.contract.contract_no,
        main,
        loan.contract.principal,
        loan.contract.disbursed_on,
        loan.settled_on,
        loan.repaid_principal,
        loan.repaid_interest,
    )


def approve_loan_business(
    uow: UnitOfWork,
    *,
    application_id: str,
    node: str,
    reviewer: str,
    at: datetime,
    on: date,
    policy: ServicingPolicy,
    opinion: str = "",
    bank: BankDebit | None = None,
) -> ApprovedLoanBusiness:
    """审批 of a loan business (D-046). At a node before the last it moves on; at the last
    node it is approved and carried out in the same unit of work, re-checked on ``on``
    (the fund's balance, the centre's rules, the agreement's state): the money moves once,
    under the idempotency key ``business:<application id>``, and the application is
    已办结 with a 办结 step. A refused re-check refuses the approval: nothing moves and the
    application stays where it was (the reviewer may return it). Calling again for a
    completed application returns it unchanged.

    With ``bank`` (the wired app supplies its :class:`~hpf_core.ports.BankDebit`), the
    银行扣划金额 of a prepayment and the 待还款金额 of a settlement are debited from the
    loan's 还款卡号 under ``business:<application id>/card/<steps so far>`` when the business
    is carried out (a retry asks under the same id); a declined debit refuses the approval
    (``card_declined``) and moves nothing: the reviewer returns it, and the next attempt
    asks under a new id.
    Without it the money is taken as collected (as at the counter). A completed
    settlement's result carries its 贷款结清证明 (``certificate``; D-049)."""
    unit_of_work(uow)
    with uow:
        app = uow.applications.get(application_id)
        if not isinstance(app.kind, LoanBusiness):
            raise refusal(
                [
                    Violation(
                        "not_a_loan_business", "a withdrawal is approved with approve_application", "kind"
                    )
                ]
            )
        if app.status is ApplicationStatus.COMPLETED:
            return ApprovedLoanBusiness(**_fields(app), certificate=_certificate(uow, app))
        approved = approve(app, node, reviewer, at, opinion)
        if approved.status is ApplicationStatus.APPROVED:
            key = f"business:{application_id}"
            # one debit id an attempt: a retry of this approval asks again under the same
            # id (never twice); after a decline, a return and resubmission, a new one
            card = None if bank is None else _CardDebit(bank, f"{key}/card/{len(approved.history)}")
            params = {"application_id": application_id, "on": on}
            _once(
                uow,
                key,
                "approve_loan_business",
                params,
                lambda: _carry_out(uow, approved, on, policy, key, card),
            )
            approved = mark_done(approved, key, at)
        uow.applications.save(approved)
        stored = uow.applications.get(application_id)
        certificate = _certificate(uow, stored)
        uow.commit()
        return ApprovedLoanBusiness(**_fields(stored), certificate=certificate)
