"""The back office (中心后台): staff principals, the review workflow, the jobs that tell
members, and the audit log read back (D-053).

Every service takes a unit of work first and the acting :class:`Staff` as ``staff``; the
staff's role decides what it may do (:data:`PERMISSIONS`: a reviewer takes up, reviews and
returns; an approver takes up, returns and gives the final approval; an administrator
pays, ends and runs the jobs), and the four-eyes rule is checked on the principals: the
applicant, the staff who reviewed at an earlier node and the counter handler never
approve, and the approver never pays. Each step appends its audit event (the staff id as
actor, a stable action code, the record by id, no personal data) and enqueues the
member's notice (:mod:`hpf_core.notices`) in the same unit of work as the change: both
exist if and only if it commits. A refused step raises ``Refused`` and writes nothing.

Action codes: ``application.taken_up``, ``application.reviewed``, ``application.returned``,
``application.approved``, ``application.ended``, ``loan.prepaid``, ``loan.settled``,
``offset.signed``, ``offset.cancelled``, ``payment.debited``, ``payment.sent``,
``interest.settled``, ``loan.overdue``.
"""

from __future__ import annotations

from hpf_core.backoffice._jobs import NewlyOverdue, mark_overdue, settle_interest
from hpf_core.backoffice._staff import PERMISSIONS, Staff, StaffRole, may, require
from hpf_core.backoffice._trail import audit_trail
from hpf_core.backoffice._workflow import (
    approve,
    end_application,
    pay,
    return_application,
    review,
    take_up,
)

__all__ = [
    "PERMISSIONS",
    "NewlyOverdue",
    "Staff",
    "StaffRole",
    "approve",
    "audit_trail",
    "end_application",
    "mark_overdue",
    "may",
    "pay",
    "require",
    "return_application",
    "review",
    "settle_interest",
    "take_up",
]
