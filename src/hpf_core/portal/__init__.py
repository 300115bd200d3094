"""The member app's back end (12329 APP 后台, issue #13, D-052): one service per seed flow
a member performs, over the ports, with no I/O and no clock (``at`` is an argument).

Every service in a session takes the session TOKEN and resolves it with
:func:`hpf_core.members.services.authenticate` (idle and absolute expiry, the
credentials' ``secret_version``, the forced change of an initial password), then works
only on what that member owns: their deposit account, the loans they sign (borrower,
spouse or co-borrower), their bank cards and their applications. Another member's
identifier is refused exactly like one that does not exist: the same
``UnknownRecord`` with the same text (:data:`NOT_FOUND`), before anything is read or
changed. Each service that changes something appends its audit event
(``hpf_core.ports.AuditEvent``: the member id as actor, a stable action code, the record
by id, never personal data) in the same unit of work as the change.

The public pages (新闻动态, 服务网点, 房贷计算器, 利率, 服务热线, 隐私声明) need no
session. ``hpf_adapters.wiring`` binds the ports, the centre's rules and its
:class:`CentreInfo` (``App.portal``), so a channel calls e.g.
``app.portal.deposit_account(token, "A1", at)``.
"""

from hpf_core.portal._access import NOT_FOUND, CentreInfo, not_found
from hpf_core.portal._business import (
    CHINA,
    apply_for_offset_cancelling,
    apply_for_offset_signing,
    apply_for_prepayment,
    apply_for_settlement,
    apply_for_withdrawal,
    approval_records,
    bind_card,
    end_application,
    loan_repayment_facts,
    my_applications,
    my_todos,
    resubmit_application,
    submit_application,
    upload_document,
)
from hpf_core.portal._security import (
    change_password,
    confirm_phone_change,
    login,
    login_with_identity,
    logout,
    logout_everywhere,
    request_phone_change,
    reset_password,
    send_reset_code,
    send_unlock_code,
    unlock,
    verify_password,
)
from hpf_core.portal._views import (
    calculator,
    combined_calculator,
    deposit_account,
    deposit_details,
    hotline,
    loan_account,
    my_cards,
    nearest_outlets,
    news,
    outlets,
    overdue,
    personal_centre,
    privacy,
    rate_in_force,
    rate_table,
    repayment_details_of,
    repayment_plan_of,
)

__all__ = [
    "CHINA",
    "NOT_FOUND",
    "CentreInfo",
    "apply_for_offset_cancelling",
    "apply_for_offset_signing",
    "apply_for_prepayment",
    "apply_for_settlement",
    "apply_for_withdrawal",
    "approval_records",
    "bind_card",
    "calculator",
    "change_password",
    "combined_calculator",
    "confirm_phone_change",
    "deposit_account",
    "deposit_details",
    "end_application",
    "hotline",
    "loan_account",
    "loan_repayment_facts",
    "login",
    "login_with_identity",
    "logout",
    "logout_everywhere",
    "my_applications",
    "my_cards",
    "my_todos",
    "nearest_outlets",
    "news",
    "not_found",
    "outlets",
    "overdue",
    "personal_centre",
    "privacy",
    "rate_in_force",
    "rate_table",
    "repayment_details_of",
    "repayment_plan_of",
    "request_phone_change",
    "reset_password",
    "resubmit_application",
    "send_reset_code",
    "send_unlock_code",
    "submit_application",
    "unlock",
    "upload_document",
    "verify_password",
]
