"""Withdrawal applications (提取申请): the records, their statuses, drafting one, the
one-in-flight rule and the 我的业务 queries. The approval workflow's steps are in
``_documents`` (档案上传, edits), ``_review`` (submit, review, return, resubmit, end) and
``_payment`` (支付); :mod:`hpf_core.withdrawals` gathers them. What each status allows::

    DRAFT          submit → SUBMITTED;  end → ENDED;  upload / remove_files / revise edit it
    SUBMITTED      start_review → UNDER_REVIEW;  approve → the next node (UNDER_REVIEW) or,
                   at the last node, APPROVED;  return_to_applicant → RETURNED
    UNDER_REVIEW   approve (as above);  return_to_applicant → RETURNED
    RETURNED       resubmit → SUBMITTED at the first node;  end → ENDED;  edits allowed
    APPROVED       mark_paid → PAID (a withdrawal);  mark_done → COMPLETED (a loan business,
                   carried out in the same unit of work as its approval)
    PAID, COMPLETED, ENDED    nothing: all three are final

An application is for a business type (D-046): a :class:`WithdrawalKind` (提取业务) or a
:class:`~hpf_core.withdrawals.LoanBusiness` (贷款业务); every step, rule and query below is
the same for both.

Every transition is a pure function ``(application, ..., actor, at) -> Application`` that
appends one immutable :class:`Step` (节点名称, 办理人, 审批意见, 办理时间) to the history, or
raises :func:`~hpf_core.errors.refusal` of every :class:`~hpf_core.errors.Violation` that
refuses it (D-035) and changes nothing. Timestamps are timezone-aware arguments; nothing
here reads the clock.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from hpf_core._frozen import FrozenMap
from hpf_core._inputs import instance, items
from hpf_core.dates import require_aware
from hpf_core.errors import InputError, InputTypeError, InvalidAmount, InvalidChoice, Violation, refusal
from hpf_core.identity import mask_card_number
from hpf_core.money import Amount, yuan
from hpf_core.withdrawals._banks import validate_account_number
from hpf_core.withdrawals._business import (
    WITHDRAWAL_BUSINESS_NAME,
    BusinessType,
    LoanBusiness,
    business_name,
    check_business,
)
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind

STARTER_NODE = "任务发起人"
"""The first row of 流程信息查询: who started the process (seed §5.2.2)."""

APPLY_NODE = "申请"
"""The applicant's node: the application handed in, or handed in again (seed §5.2.2)."""

DEFAULT_REVIEW_NODE = "管理部提取业务审核岗"
"""The review node the seed shows (当前进度 of a returned application, seed §5.2.2)."""

DEFAULT_REVIEW_CHAIN: tuple[str, ...] = (DEFAULT_REVIEW_NODE,)
"""The nodes an application passes when the centre configures nothing else."""

PAY_NODE = "支付"
"""The node of the payment step (not shown by the seed: hpf's name)."""

END_NODE = "结束流程"
"""The node of the step that ends an application (the seed's button, §5.2.2)."""

DONE_NODE = "办结"
"""The node of the step that records a loan business carried out (hpf's name)."""

BUSINESS_NAME = WITHDRAWAL_BUSINESS_NAME
"""业务名称 of a withdrawal in 我的业务 (seed §5.2.2); :func:`business_name` gives any
application's."""


class ApplicationStatus(enum.Enum):
    """申请状态: where an application stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under-review"
    RETURNED = "returned"
    APPROVED = "approved"
    PAID = "paid"
    COMPLETED = "completed"
    ENDED = "ended"

    @property
    def chinese(self) -> str:
        """The status as screens show it."""
        return _STATUS_CHINESE[self]

    @property
    def in_flight(self) -> bool:
        """在途: neither ended, paid nor completed (a draft counts: it holds the member's one
        slot)."""
        return self not in (ApplicationStatus.ENDED, ApplicationStatus.PAID, ApplicationStatus.COMPLETED)


_STATUS_CHINESE = {
    ApplicationStatus.DRAFT: "草稿",
    ApplicationStatus.SUBMITTED: "已提交",
    ApplicationStatus.UNDER_REVIEW: "审核中",
    ApplicationStatus.RETURNED: "已退回",
    ApplicationStatus.APPROVED: "已审批",
    ApplicationStatus.PAID: "已支付",
    ApplicationStatus.COMPLETED: "已办结",
    ApplicationStatus.ENDED: "已结束",
}


class StepAction(enum.Enum):
    """What one step of the history did."""

    START = "start"
    """任务发起: the applicant starts the process (node 任务发起人)."""
    APPLY = "apply"
    """申请: the application handed to the centre (node 申请)."""
    START_REVIEW = "start-review"
    """受理: a reviewer takes the application up at its current node."""
    RETURN = "return"
    """退回: returned to the applicant with an opinion."""
    RESUBMIT = "resubmit"
    """重新提交: handed in again after a return (node 申请)."""
    FORWARD = "forward"
    """审核通过: approved at a node that is not the last; the next node reviews it."""
    APPROVE = "approve"
    """审批通过: approved at the last node of the chain."""
    PAY = "pay"
    """支付: the money was paid to the member's card."""
    COMPLETE = "complete"
    """办结: a loan business was carried out on approval (its money moved)."""
    END = "end"
    """结束流程: ended by the applicant."""

    @property
    def chinese(self) -> str:
        """The action's Chinese name."""
        return _ACTION_CHINESE[self]


_ACTION_CHINESE = {
    StepAction.START: "任务发起",
    StepAction.APPLY: "申请",
    StepAction.START_REVIEW: "受理",
    StepAction.RETURN: "退回",
    StepAction.RESUBMIT: "重新提交",
    StepAction.FORWARD: "审核通过",
    StepAction.APPROVE: "审批通过",
    StepAction.PAY: "支付",
    StepAction.COMPLETE: "办结",
    StepAction.END: "结束流程",
}


@attrs.frozen
class Step:
    """One immutable record of the process: 节点名称 ``node``, 办理人 ``actor``, 审批意见
    ``opinion``, 办理时间 ``at`` (timezone-aware) and the ``action`` taken. A payment step
    carries the payment's ``reference``."""

    node: str
    actor: str
    opinion: str
    at: datetime
    action: StepAction
    reference: str = ""


def _counts(value: Mapping[str, int] | None) -> Mapping[str, int]:
    return value if isinstance(value, FrozenMap) else FrozenMap(value)


def _details(value: Mapping[str, str] | None) -> Mapping[str, str]:
    if isinstance(value, FrozenMap):
        return value
    items = dict(value or {})
    for name, text in items.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise InputTypeError("details", "must map str to str", name)
    return FrozenMap(items)


@attrs.frozen
class Application:
    """One application to the centre (申请): a withdrawal (提取申请) or a loan business.

    ``documents`` maps each document category (档案分类) to the number of files uploaded;
    ``requirements`` are the categories asked for when it was drafted (from the
    assessment); ``review_chain`` the nodes it passes; ``current_node`` the node it is at
    (当前进度); ``history`` every step so far, oldest first. The card number is left out
    of the repr: use :attr:`masked_card` to show it. A loan business has no 收款银行账号
    (``card_number`` is ``""``) and keeps what it needs to be carried out in ``details``
    (the contract number, the acting signer's account, the strategy, ...), strings only.
    """

    application_id: str
    member_id: str
    kind: BusinessType
    amount: Decimal
    card_number: str = attrs.field(repr=False)
    requirements: tuple[DocumentRequirement, ...]
    review_chain: tuple[str, ...] = DEFAULT_REVIEW_CHAIN
    documents: Mapping[str, int] = attrs.field(factory=FrozenMap, converter=_counts)
    status: ApplicationStatus = ApplicationStatus.DRAFT
    history: tuple[Step, ...] = ()
    current_node: str = ""
    description: str = ""
    channel: str = "app"
    payment_ref: str | None = None
    details: Mapping[str, str] = attrs.field(factory=dict, converter=_details, kw_only=True)
    """What a loan business needs to be carried out (strings, set when drafted)."""
    version: int = attrs.field(default=0, kw_only=True)
    """The stored version: a repository's ``save`` refuses a record whose version is not
    the stored one (``ConcurrentUpdate``) and stores it as ``version + 1``."""

    @property
    def applicant(self) -> str:
        """The member who applies (申请人): never its approver."""
        return self.member_id

    @property
    def business(self) -> str:
        """业务名称: 提取业务 or 贷款业务."""
        return business_name(self.kind)

    @property
    def masked_card(self) -> str:
        """收款银行账号 for display: first 6 and last 4 digits ("" when there is none)."""
        return mask_card_number(self.card_number) if self.card_number else ""

    @property
    def started_at(self) -> datetime | None:
        """开始时间: when the process was started (None for a draft never submitted)."""
        for step in self.history:
            if step.action is StepAction.START:
                return step.at
        return None

    @property
    def in_flight(self) -> bool:
        """在途: neither ended nor paid."""
        return self.status.in_flight


@attrs.frozen
class HistoryRow:
    """One row of 流程信息查询: 节点名称, 审批意见, 办理时间."""

    node: str
    opinion: str
    at: datetime

    @property
    def handled(self) -> str:
        """办理时间 as the seed shows it (``2018-05-29 11:03:10``, in the timestamp's zone)."""
        return self.at.strftime("%Y-%m-%d %H:%M:%S")


@attrs.frozen
class WorkItem:
    """One entry of 我的业务 (待办事项 / 我发起的), with the columns the seed shows."""

    application_id: str
    channel: str
    """服务渠道."""
    business: str
    """业务名称."""
    process: str
    """流程名称."""
    progress: str
    """当前进度."""
    started_at: datetime | None
    """开始时间."""
    description: str
    """描述."""
    status: ApplicationStatus


# ---------------------------------------------------------------------------------- inputs


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    if not value.strip():
        raise InputError(field, "must not be blank", value)
    return value


def _kind(value: object) -> BusinessType:
    return check_business(value, "kind")


def _positive(value: Amount, field: str = "amount") -> Decimal:
    amount = yuan(value, field)
    if amount <= 0:
        raise InvalidAmount(field, "must be greater than 0", value)
    return amount


def _requirements(values: Iterable[DocumentRequirement]) -> tuple[DocumentRequirement, ...]:
    result = tuple(values)
    seen: set[str] = set()
    for requirement in result:
        if not isinstance(requirement, DocumentRequirement):
            raise InputTypeError("requirements", "must hold DocumentRequirement values", requirement)
        _text(requirement.category, "requirements")
        if isinstance(requirement.max_files, bool) or not isinstance(requirement.max_files, int):
            raise InputTypeError("requirements", "max_files must be an int", requirement.max_files)
        if requirement.max_files < 1:
            raise InputError("requirements", f"{requirement.category}: max_files must be at least 1")
        if requirement.category in seen:
            raise InputError("requirements", "lists a category twice", requirement.category)
        seen.add(requirement.category)
    return result


def _chain(values: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        raise InputTypeError("review_chain", "must be a sequence of node names, not one str", values)
    chain = tuple(_text(node, "review_chain") for node in values)
    if not chain:
        raise InputError("review_chain", "must name at least one review node")
    if len(set(chain)) != len(chain):
        raise InputError("review_chain", "names a node twice", chain)
    reserved = {STARTER_NODE, APPLY_NODE, PAY_NODE, END_NODE, DONE_NODE} & set(chain)
    if reserved:
        raise InputError("review_chain", f"uses a reserved node name: {', '.join(sorted(reserved))}")
    return chain


def _files(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError("files", f"must be an int, not {type(value).__name__}", value)
    if value < 1:
        raise InputError("files", "must be at least 1", value)
    return value


def describe(kind: BusinessType, amount: Amount) -> str:
    """描述 as 我的业务 shows it.

    >>> describe(WithdrawalKind.RETIREMENT, "6007.18")
    '离、退休提取6,007.18元。'
    """
    return f"{_kind(kind).chinese}{yuan(amount):,}元。"


# ------------------------------------------------------------------------------ refusals


def _wrong_status(app: Application, verb: str) -> Violation:
    return Violation(
        "invalid_transition",
        f"an application that is {app.status.chinese} ({app.status.value}) cannot be {verb}",
        "status",
    )


def _timing(app: Application, at: datetime) -> list[Violation]:
    require_aware(at, "at")
    if app.history and at < app.history[-1].at:
        return [
            Violation(
                "before_last_step",
                f"the step is dated before the latest one ({app.history[-1].at.isoformat()})",
                "at",
            )
        ]
    return []


def _applicant_only(app: Application, actor: str, verb: str) -> list[Violation]:
    if actor != app.member_id:
        return [Violation("not_applicant", f"only the applicant may {verb} the application", "actor")]
    return []


def _reviewer_checks(app: Application, node: str, reviewer: str) -> list[Violation]:
    problems = []
    if node != app.current_node:
        problems.append(
            Violation("wrong_node", f"the application is at {app.current_node}, not at {node}", "node")
        )
    if reviewer == app.member_id:
        problems.append(
            Violation(
                "four_eyes", "the applicant may not review or approve their own application", "reviewer"
            )
        )
    return problems


def _step(
    app: Application, step: Step, status: ApplicationStatus, current_node: str | None = None
) -> Application:
    node = app.current_node if current_node is None else current_node
    return attrs.evolve(app, history=(*app.history, step), status=status, current_node=node)


def _editable(app: Application, verb: str) -> list[Violation]:
    if app.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
        return []
    return [_wrong_status(app, verb)]


def _requirement(app: Application, category: str) -> DocumentRequirement | None:
    for requirement in app.requirements:
        if requirement.category == category:
            return requirement
    return None


# ---------------------------------------------------------------------------- in flight


def in_flight(
    applications: Iterable[Application], member_id: str, kind: BusinessType
) -> tuple[Application, ...]:
    """The member's applications of ``kind`` that are neither ended nor paid (在途)."""
    applications = items(applications, Application, "applications")
    instance(member_id, str, "member_id")
    return tuple(
        a for a in applications if a.member_id == member_id and a.kind is kind and a.status.in_flight
    )


def check_one_in_flight(
    applications: Iterable[Application],
    member_id: str,
    kind: BusinessType,
    *,
    excluding: str | None = None,
) -> None:
    """Refuse (``already_in_flight``) a second application of ``kind`` in flight for the
    member (one at a time); return None when there is none.

    ``excluding`` is the id of the application being checked itself.
    """
    applications = items(applications, Application, "applications")
    instance(member_id, str, "member_id")
    problems = _in_flight_violations(applications, member_id, kind, excluding)
    if problems:
        raise refusal(problems)


def _in_flight_violations(
    applications: Iterable[Application], member_id: str, kind: BusinessType, excluding: str | None
) -> tuple[Violation, ...]:
    others = [a for a in in_flight(applications, member_id, kind) if a.application_id != excluding]
    return tuple(
        Violation(
            "already_in_flight",
            f"{kind.chinese} {other.application_id} is still {other.status.chinese}: finish or end it first",
            "kind",
        )
        for other in others[:1]
    )


# --------------------------------------------------------------------------- drafting


def draft(
    application_id: str,
    member_id: str,
    kind: WithdrawalKind,
    amount: Amount,
    card_number: str,
    requirements: Iterable[DocumentRequirement],
    *,
    review_chain: Sequence[str] = DEFAULT_REVIEW_CHAIN,
    channel: str = "app",
    others: Iterable[Application] = (),
) -> Application:
    """A new application in DRAFT (草稿); refused (``already_in_flight``) if ``others`` holds
    one of the same kind for the member. Bad input (blank ids, an amount ≤ 0, an account
    number that is not 10 to 30 digits, a malformed chain) raises. The services draft with
    one of the member's registered accounts only (:func:`choose_card`). No step is
    recorded: the process starts at submit.
    """
    application_id = _text(application_id, "application_id")
    member_id = _text(member_id, "member_id")
    if not isinstance(kind, WithdrawalKind):
        raise InvalidChoice("kind", "must be a WithdrawalKind (a loan business: draft_business)", kind)
    value = _positive(amount)
    number = validate_account_number(card_number, "card_number")
    wanted = _requirements(requirements)
    chain = _chain(review_chain)
    channel = _text(channel, "channel")
    check_one_in_flight(others, member_id, kind, excluding=application_id)
    return Application(
        application_id,
        member_id,
        kind,
        value,
        number,
        wanted,
        review_chain=chain,
        description=describe(kind, value),
        channel=channel,
    )


def draft_business(
    application_id: str,
    member_id: str,
    business: LoanBusiness,
    amount: Amount,
    requirements: Iterable[DocumentRequirement],
    *,
    details: Mapping[str, str],
    description: str,
    review_chain: Sequence[str],
    channel: str = "app",
    others: Iterable[Application] = (),
) -> Application:
    """A new loan-business application in DRAFT: the same record, documents and workflow as
    a withdrawal, with no card. ``amount`` is the money the business moves (0 for the
    offset agreement); ``details`` what its executor reads when the centre approves.
    Refused (``already_in_flight``) if ``others`` holds one of the same business for the
    member.

    >>> app = draft_business("B1", "M1", LoanBusiness.SETTLEMENT, "136271.00", (),
    ...     details={"contract_no": "HT1"}, description="提前结清136,271.00元。",
    ...     review_chain=("贷款业务审核岗",))
    >>> app.business, app.masked_card, app.details["contract_no"]
    ('贷款业务', '', 'HT1')
    """
    application_id = _text(application_id, "application_id")
    member_id = _text(member_id, "member_id")
    if not isinstance(business, LoanBusiness):
        raise InvalidChoice("business", "must be a LoanBusiness", business)
    value = yuan(amount, "amount")
    if value < 0:
        raise InvalidAmount("amount", "must not be negative", amount)
    wanted = _requirements(requirements)
    chain = _chain(review_chain)
    channel = _text(channel, "channel")
    description = _text(description, "description")
    check_one_in_flight(others, member_id, business, excluding=application_id)
    return Application(
        application_id,
        member_id,
        business,
        value,
        "",
        wanted,
        review_chain=chain,
        description=description,
        channel=channel,
        details=details,
    )


# -------------------------------------------------------------------------------- queries


def _newest_first(applications: Iterable[Application]) -> tuple[Application, ...]:
    started = [a for a in applications if a.started_at is not None]
    return tuple(sorted(started, key=lambda a: (a.started_at, a.application_id), reverse=True))


def todos(applications: Iterable[Application], member_id: str) -> tuple[Application, ...]:
    """待办事项: the member's applications returned to them, newest first."""
    applications = items(applications, Application, "applications")
    instance(member_id, str, "member_id")
    return _newest_first(
        a for a in applications if a.member_id == member_id and a.status is ApplicationStatus.RETURNED
    )


def started_by(applications: Iterable[Application], member_id: str) -> tuple[Application, ...]:
    """我发起的: every application the member has submitted (whatever its status now),
    newest first. Drafts never submitted are not listed."""
    applications = items(applications, Application, "applications")
    instance(member_id, str, "member_id")
    return _newest_first(a for a in applications if a.member_id == member_id)


def process_history(app: Application) -> tuple[HistoryRow, ...]:
    """流程信息查询: one row per step, oldest first (节点名称, 审批意见, 办理时间)."""
    instance(app, Application, "app")
    return tuple(HistoryRow(step.node, step.opinion, step.at) for step in app.history)


def work_item(app: Application, process: str | None = None) -> WorkItem:
    """The 我的业务 entry for ``app``; ``process`` (流程名称) defaults to the kind's name and
    业务名称 is the business type's (提取业务 or 贷款业务).

    >>> app = draft("A1", "M1", WithdrawalKind.RETIREMENT, "6007.18", "6225768888888888", ())
    >>> item = work_item(app, "缴存人离休、退休提取")
    >>> item.business, item.process, item.description
    ('提取业务', '缴存人离休、退休提取', '离、退休提取6,007.18元。')
    """
    instance(app, Application, "app")
    return WorkItem(
        app.application_id,
        app.channel,
        business_name(app.kind),
        app.kind.chinese if process is None else process,
        app.current_node,
        app.started_at,
        app.description,
        app.status,
    )
