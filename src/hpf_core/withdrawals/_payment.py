"""The last step of the workflow: paying a withdrawal application (支付), whose money moves
in :func:`hpf_core.withdrawals.services.pay_application`, or recording a loan business
carried out on approval (办结), whose money moves in
:func:`hpf_core.loans.services.approve_loan_business`."""

from __future__ import annotations

from datetime import datetime

import attrs

from hpf_core.errors import InputError, Violation, refusal
from hpf_core.withdrawals._application import (
    DONE_NODE,
    PAY_NODE,
    Application,
    ApplicationStatus,
    Step,
    StepAction,
    _step,
    _timing,
    _wrong_status,
)
from hpf_core.withdrawals._business import LoanBusiness

__all__ = ["mark_done", "mark_paid"]

_MAX_REFERENCE_LENGTH = 255


def _reference(payment_ref: object) -> str:
    if (
        not isinstance(payment_ref, str)
        or not payment_ref.strip()
        or len(payment_ref) > _MAX_REFERENCE_LENGTH
        or not payment_ref.isprintable()
    ):
        raise InputError(
            "payment_ref", f"must be 1 to {_MAX_REFERENCE_LENGTH} printable characters", payment_ref
        )
    assert isinstance(payment_ref, str)
    return payment_ref


def mark_paid(app: Application, payment_ref: str, at: datetime) -> Application:
    """支付: an approved withdrawal is paid, once. ``payment_ref`` is the payment's
    reference (1-255 printable characters), kept on the application and its step. A loan
    business is never paid (``not_a_withdrawal``): it is carried out (:func:`mark_done`)."""
    payment_ref = _reference(payment_ref)
    problems = _timing(app, at)
    if app.status is not ApplicationStatus.APPROVED:
        problems.append(_wrong_status(app, "paid"))
    if isinstance(app.kind, LoanBusiness):
        problems.append(Violation("not_a_withdrawal", f"{app.kind.chinese} is carried out, not paid", "kind"))
    if problems:
        raise refusal(problems)
    paid = _step(
        app,
        Step(PAY_NODE, "", "", at, StepAction.PAY, reference=payment_ref),
        status=ApplicationStatus.PAID,
        current_node=PAY_NODE,
    )
    return attrs.evolve(paid, payment_ref=payment_ref)


def mark_done(app: Application, reference: str, at: datetime) -> Application:
    """办结: an approved loan business was carried out (its money moved in the same unit of
    work), once. ``reference`` names what it did (the idempotency key of the money moved),
    kept on the application (``payment_ref``) and its step. A withdrawal is paid, not
    done (``not_a_loan_business``)."""
    reference = _reference(reference)
    problems = _timing(app, at)
    if app.status is not ApplicationStatus.APPROVED:
        problems.append(_wrong_status(app, "carried out"))
    if not isinstance(app.kind, LoanBusiness):
        problems.append(Violation("not_a_loan_business", "a withdrawal is paid, not carried out", "kind"))
    if problems:
        raise refusal(problems)
    done = _step(
        app,
        Step(DONE_NODE, "", "", at, StepAction.COMPLETE, reference=reference),
        status=ApplicationStatus.COMPLETED,
        current_node=DONE_NODE,
    )
    return attrs.evolve(done, payment_ref=reference)
