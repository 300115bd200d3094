"""Withdrawals (提取): kinds, centre policies, eligibility (``assess``), applications and
their approval workflow, bank cards. The use cases are in :mod:`hpf_core.withdrawals.services`.

>>> WithdrawalKind.RETIREMENT.chinese, WithdrawalKind.RETIREMENT.closes_account
('离、退休提取', True)
"""

from hpf_core.withdrawals._application import (
    APPLY_NODE,
    BUSINESS_NAME,
    DEFAULT_REVIEW_CHAIN,
    DEFAULT_REVIEW_NODE,
    END_NODE,
    PAY_NODE,
    STARTER_NODE,
    Application,
    ApplicationStatus,
    HistoryRow,
    Step,
    StepAction,
    WorkItem,
    check_one_in_flight,
    describe,
    draft,
    in_flight,
    process_history,
    started_by,
    todos,
    work_item,
)
from hpf_core.withdrawals._assess import assess
from hpf_core.withdrawals._cards import (
    BIN_TABLE,
    BankCard,
    add_card,
    bank_of,
    cards_of,
    choose_card,
)
from hpf_core.withdrawals._documents import missing_documents, remove_files, revise, upload
from hpf_core.withdrawals._payment import mark_paid
from hpf_core.withdrawals._policy import parse_withdrawal_policy
from hpf_core.withdrawals._review import approve, end, resubmit, return_to_applicant, start_review, submit
from hpf_core.withdrawals._rules import (
    WithdrawalPolicy,
    WithdrawalRule,
    count_key,
    flag_key,
    money_key,
    share_key,
)
from hpf_core.withdrawals._types import (
    Assessment,
    DocumentRequirement,
    PastWithdrawal,
    WithdrawalFacts,
    WithdrawalKind,
    WithdrawalNotice,
    known_kinds,
)
from hpf_core.withdrawals.kinds import KINDS, KindModule, register_kind, unregister_kind

__all__ = [
    "APPLY_NODE",
    "BIN_TABLE",
    "BUSINESS_NAME",
    "DEFAULT_REVIEW_CHAIN",
    "DEFAULT_REVIEW_NODE",
    "END_NODE",
    "KINDS",
    "PAY_NODE",
    "STARTER_NODE",
    "Application",
    "ApplicationStatus",
    "Assessment",
    "BankCard",
    "DocumentRequirement",
    "HistoryRow",
    "KindModule",
    "PastWithdrawal",
    "Step",
    "StepAction",
    "WithdrawalFacts",
    "WithdrawalKind",
    "WithdrawalNotice",
    "WithdrawalPolicy",
    "WithdrawalRule",
    "WorkItem",
    "add_card",
    "approve",
    "assess",
    "bank_of",
    "cards_of",
    "check_one_in_flight",
    "choose_card",
    "count_key",
    "describe",
    "draft",
    "end",
    "flag_key",
    "in_flight",
    "known_kinds",
    "mark_paid",
    "missing_documents",
    "money_key",
    "parse_withdrawal_policy",
    "process_history",
    "register_kind",
    "remove_files",
    "resubmit",
    "return_to_applicant",
    "revise",
    "share_key",
    "start_review",
    "started_by",
    "submit",
    "todos",
    "unregister_kind",
    "upload",
    "work_item",
]
