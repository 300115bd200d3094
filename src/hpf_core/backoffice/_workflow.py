"""The back-office steps of an application (审批后台), for every business type: take up
(受理), review (审核, a node before the last), return (退回), approve (审批, the last node),
end (终止) and pay (支付, a withdrawal). Each takes the :class:`Staff` acting, checks its
role, applies the pure workflow step, and in the SAME unit of work appends the audit
event and enqueues the member's notice — so both exist if and only if the step commits;
a refused step raises ``Refused`` and changes nothing (D-053).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from hpf_core._inputs import instance, unit_of_work
from hpf_core.accounts._interest import DayBasis, check_basis
from hpf_core.backoffice._staff import Staff, require
from hpf_core.backoffice._trail import audit, notify, ref
from hpf_core.dates import check_date, require_aware
from hpf_core.errors import InputError, InputTypeError, Violation, refusal
from hpf_core.idempotency import once
from hpf_core.loans._servicing_policy import ServicingPolicy
from hpf_core.loans.business import _carry_out
from hpf_core.loans.services import _CardDebit
from hpf_core.money import Rate, check_rate
from hpf_core.notices import (
    application_approved,
    application_ended,
    application_paid,
    application_returned,
    offset_cancelled,
    offset_signed,
)
from hpf_core.ports import BankDebit, PaymentChannel, PaymentReceipt, UnitOfWork
from hpf_core.withdrawals import (
    END_NODE,
    Application,
    ApplicationStatus,
    LoanBusiness,
    Step,
    StepAction,
    mark_done,
    return_to_applicant,
    start_review,
)
from hpf_core.withdrawals import (
    approve as approve_step,
)
from hpf_core.withdrawals._application import _step
from hpf_core.withdrawals.services import Payment, _pay

__all__ = ["approve", "end_application", "pay", "return_application", "review", "take_up"]

_ROUND_START = (StepAction.APPLY, StepAction.RESUBMIT)
_LOAN_ACTIONS = {
    LoanBusiness.PREPAYMENT: "loan.prepaid",
    LoanBusiness.SETTLEMENT: "loan.settled",
    LoanBusiness.OFFSET_SIGNING: "offset.signed",
    LoanBusiness.OFFSET_CANCELLING: "offset.cancelled",
}


def _staff(staff: object, action: str) -> Staff:
    return require(instance(staff, Staff, "staff"), action)


def _reason(value: object, field: str = "reason") -> str:
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    if not value.strip():
        raise InputError(field, "must not be blank")
    return value


def _this_round(app: Application) -> tuple[Step, ...]:
    """The steps since the application was last handed in (申请 or 重新提交)."""
    starts = [i for i, step in enumerate(app.history) if step.action in _ROUND_START]
    return app.history[starts[-1] + 1 :] if starts else ()


def _four_eyes(app: Application, staff: Staff) -> list[Violation]:
    """Nobody handles two nodes of one round, and the member's counter handler
    (``details["handler"]``) never reviews or approves their application."""
    earlier = {
        s.actor
        for s in _this_round(app)
        if s.action in (StepAction.START_REVIEW, StepAction.FORWARD) and s.node != app.current_node
    }
    problems = []
    if staff.staff_id in earlier:
        problems.append(
            Violation(
                "four_eyes", "the same staff may not handle two review nodes of one application", "staff"
            )
        )
    if app.details.get("handler") == staff.staff_id:
        problems.append(
            Violation(
                "four_eyes", "the staff who took the application in may not review or approve it", "staff"
            )
        )
    return problems


def _last_node(app: Application) -> bool:
    return app.current_node == app.review_chain[-1]


def _save(uow: UnitOfWork, app: Application) -> Application:
    uow.applications.save(app)
    return uow.applications.get(app.application_id)


def take_up(uow: UnitOfWork, *, staff: Staff, application_id: str, at: datetime) -> Application:
    """受理: a reviewer or approver takes a submitted application up at its current node.
    Audit ``application.taken_up``; no notice."""
    unit_of_work(uow)
    staff = _staff(staff, "take_up")
    with uow:
        app = uow.applications.get(application_id)
        problems = _four_eyes(app, staff)
        if problems:
            raise refusal(problems)
        stored = _save(uow, start_review(app, app.current_node, staff.staff_id, at))
        audit(
            uow, staff.staff_id, "application.taken_up", at, ref("application", application_id), app.member_id
        )
        uow.commit()
        return stored


def review(
    uow: UnitOfWork, *, staff: Staff, application_id: str, at: datetime, opinion: str = ""
) -> Application:
    """审核通过 at a node before the last (a reviewer): the next node reviews it. The last
    node is the approver's (:func:`approve`): refused there (``final_node``). Audit
    ``application.reviewed``; no notice."""
    unit_of_work(uow)
    staff = _staff(staff, "review")
    with uow:
        app = uow.applications.get(application_id)
        problems = _four_eyes(app, staff)
        if app.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW) and _last_node(app):
            problems.append(
                Violation(
                    "final_node", f"{app.current_node} is the last node: an approver approves it", "staff"
                )
            )
        if problems:
            raise refusal(problems)
        stored = _save(uow, approve_step(app, app.current_node, staff.staff_id, at, opinion))
        audit(
            uow,
            staff.staff_id,
            "application.reviewed",
            at,
            ref("application", application_id),
            app.member_id,
            node=app.current_node,
        )
        uow.commit()
        return stored


def return_application(
    uow: UnitOfWork, *, staff: Staff, application_id: str, reason: str, at: datetime
) -> Application:
    """退回 with a reason (审批意见) at the application's current node (a reviewer or an
    approver). Audit ``application.returned``; the member is told why
    (:func:`hpf_core.notices.application_returned`)."""
    unit_of_work(uow)
    staff = _staff(staff, "return")
    reason = _reason(reason)
    with uow:
        app = uow.applications.get(application_id)
        stored = _save(uow, return_to_applicant(app, app.current_node, staff.staff_id, reason, at))
        audit(
            uow, staff.staff_id, "application.returned", at, ref("application", application_id), app.member_id
        )
        notify(uow, app.member_id, application_returned(app, reason), at)
        uow.commit()
        return stored


def approve(
    uow: UnitOfWork,
    *,
    staff: Staff,
    application_id: str,
    at: datetime,
    on: date | None = None,
    servicing: ServicingPolicy | None = None,
    opinion: str = "",
    bank: BankDebit | None = None,
) -> Application:
    """审批通过 at the last node (an approver; not the applicant, not who reviewed it at an
    earlier node of this round, not its counter handler: ``four_eyes``). A node before the
    last is a reviewer's (``not_final_node``).

    A withdrawal becomes 已审批 (to be paid: :func:`pay`). A loan business is carried out
    in the same unit of work, on ``on`` (default ``at``'s date) under the centre's
    ``servicing`` rules (required for it; with ``bank``, the wired app's ``BankDebit``, the
    loan's 还款卡号 is debited as :func:`hpf_core.loans.business.approve_loan_business` does),
    exactly once under the key
    ``business:<application id>`` — the key of
    :func:`hpf_core.loans.business.approve_loan_business`, so the two never both carry it
    out — and becomes 已办结. Audit ``application.approved`` (and for a loan business the
    movement: ``loan.prepaid``, ``loan.settled``, ``offset.signed``, ``offset.cancelled``);
    one notice: approved, or for the offset signed / cancelled."""
    unit_of_work(uow)
    staff = _staff(staff, "approve")
    require_aware(at, "at")
    day = at.date() if on is None else check_date(on, "on")
    with uow:
        app = uow.applications.get(application_id)
        problems = _four_eyes(app, staff)
        if app.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW) and not _last_node(
            app
        ):
            problems.append(
                Violation(
                    "not_final_node",
                    f"{app.current_node} is not the last node: a reviewer reviews it",
                    "staff",
                )
            )
        if problems:
            raise refusal(problems)
        approved = approve_step(app, app.current_node, staff.staff_id, at, opinion)
        record = ref("application", application_id)
        if not isinstance(app.kind, LoanBusiness):
            stored = _save(uow, approved)
            audit(uow, staff.staff_id, "application.approved", at, record, app.member_id, amount=app.amount)
            notify(uow, app.member_id, application_approved(stored), at)
            uow.commit()
            return stored
        business = app.kind
        if servicing is None:
            raise InputError("servicing", "a loan business needs the centre's servicing policy")
        policy = instance(servicing, ServicingPolicy, "servicing")
        key = f"business:{application_id}"

        def finish(ids: tuple[str, ...]) -> None:
            done = _save(uow, mark_done(approved, key, at))
            audit(uow, staff.staff_id, "application.approved", at, record, app.member_id, amount=app.amount)
            contract = app.details["contract_no"]
            audit(
                uow,
                staff.staff_id,
                _LOAN_ACTIONS[business],
                at,
                ref("loan", contract),
                app.member_id,
                application=application_id,
                amount=app.amount,
                entries=len(ids),
            )
            if app.kind is LoanBusiness.OFFSET_SIGNING:
                text = offset_signed(contract, app.details["account_no"], day)
            elif app.kind is LoanBusiness.OFFSET_CANCELLING:
                text = offset_cancelled(contract, app.details["account_no"], day)
            else:
                text = application_approved(done)
            notify(uow, app.member_id, text, at)

        def work() -> tuple[str, ...]:
            # the loan's 还款卡号 debited as approve_loan_business does (D-049), one id an attempt
            card = None if bank is None else _CardDebit(bank, f"{key}/card/{len(approved.history)}")
            ids = _carry_out(uow, approved, day, policy, key, card)
            finish(ids)
            return ids

        ids = once(uow, key, "approve_loan_business", {"application_id": application_id, "on": day}, work)
        current = uow.applications.get(application_id)
        if current.status is not ApplicationStatus.COMPLETED:
            # carried out by an earlier call whose application save never committed
            approved = approve_step(current, current.current_node, staff.staff_id, at, opinion)
            finish(ids)
            uow.commit()
        return uow.applications.get(application_id)


def end_application(
    uow: UnitOfWork, *, staff: Staff, application_id: str, reason: str, at: datetime
) -> Application:
    """终止: the centre ends an application handed in (submitted, under review or returned)
    that it will not carry out (an administrator, with a reason); it can never be paid.
    Audit ``application.ended``; the member is told why."""
    unit_of_work(uow)
    staff = _staff(staff, "end")
    reason = _reason(reason)
    require_aware(at, "at")
    with uow:
        app = uow.applications.get(application_id)
        endable = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.RETURNED)
        problems = []
        if app.status not in endable:
            problems.append(
                Violation(
                    "invalid_transition", f"{app.status.chinese} cannot be ended by the centre", "status"
                )
            )
        elif app.history and at < app.history[-1].at:
            problems.append(Violation("before_last_step", "at is before the application's last step", "at"))
        if problems:
            raise refusal(problems)
        step = Step(END_NODE, staff.staff_id, reason, at, StepAction.END)
        stored = _save(uow, _step(app, step, status=ApplicationStatus.ENDED, current_node=END_NODE))
        audit(uow, staff.staff_id, "application.ended", at, ref("application", application_id), app.member_id)
        notify(uow, app.member_id, application_ended(app, reason), at)
        uow.commit()
        return stored


def _account_of(uow: UnitOfWork, member_id: str) -> str:
    try:
        number = uow.members.get(member_id).account_no
    except LookupError:
        number = None
    if number is not None:
        return number
    for candidate in uow.accounts.numbers():
        if uow.accounts.get(candidate).member.member_id == member_id:
            return candidate
    raise refusal([Violation("no_account", "the applicant has no deposit account", "application_id")])


def pay(
    uow: UnitOfWork,
    channel: PaymentChannel,
    *,
    staff: Staff,
    application_id: str,
    on: date,
    at: datetime,
    deposit_rate: Rate,
    day_basis: DayBasis | str,
) -> Payment:
    """支付 an approved withdrawal exactly once (an administrator who did not approve it:
    ``four_eyes``), as :func:`hpf_core.withdrawals.services.pay_application` does — the
    account debited under the key ``pay:<application id>`` (audit ``payment.debited`` in
    that unit of work), the channel paid with the payment id ``WD-<application id>``,
    then in a second unit of work the application marked 已支付 with audit ``payment.sent``
    and the member's notice. Safe to call again after a ``PaymentTimeout`` or a crash;
    after ``PaymentRejected`` nothing is marked or sent."""
    unit_of_work(uow)
    if not callable(getattr(channel, "transfer", None)):
        raise InputTypeError("channel", "must be a PaymentChannel", type(channel).__name__)
    staff = _staff(staff, "pay")
    rate, basis = check_rate(deposit_rate, "deposit_rate"), check_basis(day_basis, "day_basis")
    check_date(on, "on")
    require_aware(at, "at")
    record = ref("application", application_id)

    def account_of(uow: UnitOfWork, application: Application) -> str:
        if isinstance(application.kind, LoanBusiness):
            raise refusal(
                [
                    Violation(
                        "not_a_withdrawal", f"{application.kind.chinese} is carried out, not paid", "kind"
                    )
                ]
            )
        approvers = {s.actor for s in application.history if s.action is StepAction.APPROVE}
        if staff.staff_id in approvers:
            raise refusal([Violation("four_eyes", "the approver may not also pay the application", "staff")])
        return _account_of(uow, application.member_id)

    def debited(uow: UnitOfWork, application: Application, amount: Decimal) -> None:
        audit(uow, staff.staff_id, "payment.debited", at, record, application.member_id, amount=amount)

    def paid(uow: UnitOfWork, application: Application, amount: Decimal, receipt: PaymentReceipt) -> None:
        audit(
            uow,
            staff.staff_id,
            "payment.sent",
            at,
            record,
            application.member_id,
            amount=amount,
            reference=receipt.reference,
        )
        notify(uow, application.member_id, application_paid(application, amount, on), at)

    return _pay(
        uow, channel, application_id, on, at, rate, basis, account_of=account_of, debited=debited, paid=paid
    )
