"""Paying a withdrawal application (支付): the last step of the workflow. The money itself
moves in :func:`hpf_core.withdrawals.services.pay_application`."""

from __future__ import annotations

from datetime import datetime

import attrs

from hpf_core.errors import InputError, refusal
from hpf_core.withdrawals._application import (
    PAY_NODE,
    Application,
    ApplicationStatus,
    Step,
    StepAction,
    _step,
    _timing,
    _wrong_status,
)

__all__ = ["mark_paid"]

_MAX_REFERENCE_LENGTH = 255


def mark_paid(app: Application, payment_ref: str, at: datetime) -> Application:
    """支付: an approved application is paid, once. ``payment_ref`` is the payment's
    reference (1-255 printable characters), kept on the application and its step."""
    if (
        not isinstance(payment_ref, str)
        or not payment_ref.strip()
        or len(payment_ref) > _MAX_REFERENCE_LENGTH
        or not payment_ref.isprintable()
    ):
        raise InputError(
            "payment_ref", f"must be 1 to {_MAX_REFERENCE_LENGTH} printable characters", payment_ref
        )
    problems = _timing(app, at)
    if app.status is not ApplicationStatus.APPROVED:
        problems.append(_wrong_status(app, "paid"))
    if problems:
        raise refusal(problems)
    paid = _step(
        app,
        Step(PAY_NODE, "", "", at, StepAction.PAY, reference=payment_ref),
        status=ApplicationStatus.PAID,
        current_node=PAY_NODE,
    )
    return attrs.evolve(paid, payment_ref=payment_ref)
