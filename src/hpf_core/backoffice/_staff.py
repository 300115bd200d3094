"""The staff principal (中心工作人员) and who may do what in the back office (D-053).

>>> staff = Staff("S7", StaffRole.REVIEWER)
>>> staff, staff.role.chinese
(Staff(staff_id='S7', role=<StaffRole.REVIEWER: 'reviewer'>), '审核岗')
>>> may(staff, "approve")
False
>>> require(staff, "approve")
Traceback (most recent call last):
...
hpf_core.errors.Refused: staff: 审核岗 may not approve (only 审批岗)
"""

from __future__ import annotations

import enum
import re

import attrs

from hpf_core.errors import InputError, InputTypeError, InvalidChoice, Violation, refusal

__all__ = ["PERMISSIONS", "Staff", "StaffRole", "may", "require"]


class StaffRole(enum.Enum):
    """What a member of the centre's staff does (岗位)."""

    REVIEWER = "reviewer"
    """审核岗: takes applications up, reviews them at the nodes before the last, returns them."""
    APPROVER = "approver"
    """审批岗: gives the final approval (the last node), or returns."""
    ADMINISTRATOR = "administrator"
    """管理岗: pays approved withdrawals, ends applications, runs the jobs (结息, 逾期)."""

    @property
    def chinese(self) -> str:
        """The role's Chinese name."""
        return _CHINESE[self]


_CHINESE = {
    StaffRole.REVIEWER: "审核岗",
    StaffRole.APPROVER: "审批岗",
    StaffRole.ADMINISTRATOR: "管理岗",
}

PERMISSIONS: dict[str, frozenset[StaffRole]] = {
    "take_up": frozenset({StaffRole.REVIEWER, StaffRole.APPROVER}),
    "review": frozenset({StaffRole.REVIEWER}),
    "return": frozenset({StaffRole.REVIEWER, StaffRole.APPROVER}),
    "approve": frozenset({StaffRole.APPROVER}),
    "end": frozenset({StaffRole.ADMINISTRATOR}),
    "pay": frozenset({StaffRole.ADMINISTRATOR}),
    "settle_interest": frozenset({StaffRole.ADMINISTRATOR}),
    "mark_overdue": frozenset({StaffRole.ADMINISTRATOR}),
}
"""Each back-office action and the roles that may take it."""

_STAFF_ID = re.compile(r"[A-Za-z0-9_.\-]{1,32}\Z", re.ASCII)


def _staff_id(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InputTypeError("staff_id", f"must be a str, not {type(value).__name__}", value)
    if not _STAFF_ID.match(value) or re.search(r"\d{11,}", value):
        raise InputError(
            "staff_id", "must be 1 to 32 letters, digits, '_', '.' or '-' (and no run of 11 digits)", value
        )


def _role(value: StaffRole | str) -> StaffRole:
    if isinstance(value, StaffRole):
        return value
    try:
        return StaffRole(value)
    except ValueError:
        raise InvalidChoice("role", "must be reviewer, approver or administrator", value) from None


@attrs.frozen
class Staff:
    """Who is acting in the back office: a staff id (工号: letters, digits, ``_.-``; it is
    what the audit log and the process history record) and a role (a :class:`StaffRole`
    or its value)."""

    staff_id: str = attrs.field(validator=_staff_id)
    role: StaffRole = attrs.field(converter=_role)


def may(staff: Staff, action: str) -> bool:
    """Whether ``staff``'s role may take ``action`` (a key of :data:`PERMISSIONS`)."""
    if not isinstance(staff, Staff):
        raise InputTypeError("staff", f"must be a Staff, not {type(staff).__name__}", staff)
    if not isinstance(action, str) or action not in PERMISSIONS:
        raise InvalidChoice("action", f"must be one of {', '.join(PERMISSIONS)}", action)
    return staff.role in PERMISSIONS[action]


def require(staff: Staff, action: str) -> Staff:
    """``staff`` if its role may take ``action``; else ``Refused`` (``role_not_allowed``)."""
    if not may(staff, action):
        allowed = "、".join(r.chinese for r in StaffRole if r in PERMISSIONS[action])
        raise refusal(
            [
                Violation(
                    "role_not_allowed", f"{staff.role.chinese} may not {action} (only {allowed})", "staff"
                )
            ]
        )
    return staff
