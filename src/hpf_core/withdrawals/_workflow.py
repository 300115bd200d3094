"""Withdrawal applications (提取申请) and their approval workflow (审批流程).

An application is drafted (草稿), its documents are uploaded by category (档案上传,
必传项 / 非必传项, up to ``max_files`` each), and it is submitted to the centre (提交中心审批).
It then passes the review chain, one named node after another (by default the one node
管理部提取业务审核岗); the last node's approval approves it (已审批) and the payment marks it
paid (已支付). A reviewer may instead return it with an opinion (退回, 审批意见); the applicant
edits it and resubmits it (修改重新上传), or ends it (结束流程). What each status allows::

    DRAFT          submit → SUBMITTED;  end → ENDED;  upload / remove_files / revise edit it
    SUBMITTED      start_review → UNDER_REVIEW;  approve → the next node (UNDER_REVIEW) or,
                   at the last node, APPROVED;  return_to_applicant → RETURNED
    UNDER_REVIEW   approve (as above);  return_to_applicant → RETURNED
    RETURNED       resubmit → SUBMITTED at the first node;  end → ENDED;  edits allowed
    APPROVED       mark_paid → PAID
    PAID, ENDED    nothing: both are final

Every transition is a pure function ``(application, ..., actor, at) -> Application`` that
appends one immutable :class:`Step` (节点名称, 办理人, 审批意见, 办理时间) to the history, or
returns every :class:`~hpf_core.errors.Violation` that refuses it and changes nothing.
Timestamps are timezone-aware arguments; nothing here reads the clock.

The seed's walk (操作手册 §5.2.2): submit, then the review node returns it.

>>> from datetime import datetime, timedelta, timezone
>>> from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalKind
>>> cst = timezone(timedelta(hours=8))
>>> docs = (DocumentRequirement("退休证或离退休文件", required=False),)
>>> app = draft("A1", "M1", WithdrawalKind.RETIREMENT, "6007.18", "6225768888888888", docs)
>>> app.description
'离、退休提取6,007.18元。'
>>> app = submit(app, "M1", datetime(2018, 5, 29, 11, 3, 10, tzinfo=cst))
>>> app = return_to_applicant(
...     app, "管理部提取业务审核岗", "S7", "请补充退休证", datetime(2018, 5, 29, 11, 37, 53, tzinfo=cst))
>>> app.status.chinese, app.current_node
('已退回', '管理部提取业务审核岗')
>>> for row in process_history(app):
...     print(row.node, row.opinion or "-", row.handled)
任务发起人 - 2018-05-29 11:03:10
申请 - 2018-05-29 11:03:10
管理部提取业务审核岗 请补充退休证 2018-05-29 11:37:53
>>> app = resubmit(app, "M1", datetime(2018, 5, 29, 11, 50, tzinfo=cst))
>>> [v.code for v in approve(app, "管理部提取业务审核岗", "M1", datetime(2018, 5, 29, 12, 0, tzinfo=cst))]
['four_eyes']
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from hpf_core.dates import require_aware
from hpf_core.errors import InputError, InputTypeError, InvalidAmount, InvalidChoice, Violation
from hpf_core.identity import mask_card_number, validate_card_number
from hpf_core.money import Amount, yuan
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

BUSINESS_NAME = "提取业务"
"""业务名称 in 我的业务 (seed §5.2.2)."""

_MAX_REFERENCE_LENGTH = 255


class ApplicationStatus(enum.Enum):
    """申请状态: where an application stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under-review"
    RETURNED = "returned"
    APPROVED = "approved"
    PAID = "paid"
    ENDED = "ended"

    @property
    def chinese(self) -> str:
        """The status as screens show it."""
        return _STATUS_CHINESE[self]

    @property
    def in_flight(self) -> bool:
        """在途: neither ended nor paid (a draft counts: it holds the member's one slot)."""
        return self not in (ApplicationStatus.ENDED, ApplicationStatus.PAID)


_STATUS_CHINESE = {
    ApplicationStatus.DRAFT: "草稿",
    ApplicationStatus.SUBMITTED: "已提交",
    ApplicationStatus.UNDER_REVIEW: "审核中",
    ApplicationStatus.RETURNED: "已退回",
    ApplicationStatus.APPROVED: "已审批",
    ApplicationStatus.PAID: "已支付",
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


class _Counts(Mapping[str, int]):
    """An immutable, hashable mapping of document category to the number of files."""

    def __init__(self, counts: Mapping[str, int] | None = None) -> None:
        self._counts = dict(counts or {})

    def __getitem__(self, category: str) -> int:
        return self._counts[category]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def __hash__(self) -> int:
        return hash(frozenset(self._counts.items()))

    def __repr__(self) -> str:
        return repr(self._counts)


def _counts(value: Mapping[str, int] | None) -> Mapping[str, int]:
    return value if isinstance(value, _Counts) else _Counts(value)


@attrs.frozen
class Application:
    """One withdrawal application (提取申请).

    ``documents`` maps each document category (档案分类) to the number of files uploaded;
    ``requirements`` are the categories asked for when it was drafted (from the
    assessment); ``review_chain`` the nodes it passes; ``current_node`` the node it is at
    (当前进度); ``history`` every step so far, oldest first. The card number is left out
    of the repr: use :attr:`masked_card` to show it.
    """

    application_id: str
    member_id: str
    kind: WithdrawalKind
    amount: Decimal
    card_number: str = attrs.field(repr=False)
    requirements: tuple[DocumentRequirement, ...]
    review_chain: tuple[str, ...] = DEFAULT_REVIEW_CHAIN
    documents: Mapping[str, int] = attrs.field(factory=_Counts, converter=_counts)
    status: ApplicationStatus = ApplicationStatus.DRAFT
    history: tuple[Step, ...] = ()
    current_node: str = ""
    description: str = ""
    channel: str = "app"
    payment_ref: str | None = None
    version: int = attrs.field(default=0, kw_only=True)
    """The stored version: a repository's ``save`` refuses a record whose version is not
    the stored one (``ConcurrentUpdate``) and stores it as ``version + 1``."""

    @property
    def applicant(self) -> str:
        """The member who applies (申请人): never its approver."""
        return self.member_id

    @property
    def masked_card(self) -> str:
        """收款银行账号 for display: first 6 and last 4 digits."""
        return mask_card_number(self.card_number)

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


ApplicationOutcome = Application | tuple[Violation, ...]
"""What a transition returns: the application after it, or every reason it is refused."""


# ---------------------------------------------------------------------------------- inputs


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    if not value.strip():
        raise InputError(field, "must not be blank", value)
    return value


def _kind(value: object) -> WithdrawalKind:
    if not isinstance(value, WithdrawalKind):
        raise InvalidChoice("kind", "must be a WithdrawalKind", value)
    return value


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
    reserved = {STARTER_NODE, APPLY_NODE, PAY_NODE, END_NODE} & set(chain)
    if reserved:
        raise InputError("review_chain", f"uses a reserved node name: {', '.join(sorted(reserved))}")
    return chain


def _files(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError("files", f"must be an int, not {type(value).__name__}", value)
    if value < 1:
        raise InputError("files", "must be at least 1", value)
    return value


def describe(kind: WithdrawalKind, amount: Amount) -> str:
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


def missing_documents(app: Application) -> tuple[Violation, ...]:
    """One ``documents_missing`` violation per required category (必传项) with no file."""
    return tuple(
        Violation("documents_missing", f"{req.category} (必传项) needs at least one file", "documents")
        for req in app.requirements
        if req.required and app.documents.get(req.category, 0) < 1
    )


def _step(
    app: Application, step: Step, status: ApplicationStatus, current_node: str | None = None
) -> Application:
    node = app.current_node if current_node is None else current_node
    return attrs.evolve(app, history=(*app.history, step), status=status, current_node=node)


# ---------------------------------------------------------------------------- in flight


def in_flight(
    applications: Iterable[Application], member_id: str, kind: WithdrawalKind
) -> tuple[Application, ...]:
    """The member's applications of ``kind`` that are neither ended nor paid (在途)."""
    return tuple(
        a for a in applications if a.member_id == member_id and a.kind is kind and a.status.in_flight
    )


def check_one_in_flight(
    applications: Iterable[Application],
    member_id: str,
    kind: WithdrawalKind,
    *,
    excluding: str | None = None,
) -> tuple[Violation, ...]:
    """Refuse a second application of ``kind`` in flight for the member (one at a time).

    ``excluding`` is the id of the application being checked itself.
    """
    others = [a for a in in_flight(applications, member_id, kind) if a.application_id != excluding]
    return tuple(
        Violation(
            "already_in_flight",
            f"{kind.chinese} {other.application_id} is still {other.status.chinese}: finish or end it first",
            "kind",
        )
        for other in others[:1]
    )


# --------------------------------------------------------------------------- transitions


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
) -> ApplicationOutcome:
    """A new application in DRAFT (草稿), or ``already_in_flight`` if ``others`` holds one
    of the same kind for the member. Bad input (blank ids, an amount ≤ 0, a card failing
    Luhn, a malformed chain) raises. No step is recorded: the process starts at submit.
    """
    application_id = _text(application_id, "application_id")
    member_id = _text(member_id, "member_id")
    kind = _kind(kind)
    value = _positive(amount)
    number = validate_card_number(card_number)
    wanted = _requirements(requirements)
    chain = _chain(review_chain)
    channel = _text(channel, "channel")
    problems = check_one_in_flight(others, member_id, kind, excluding=application_id)
    if problems:
        return problems
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


def _editable(app: Application, verb: str) -> list[Violation]:
    if app.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
        return []
    return [_wrong_status(app, verb)]


def _requirement(app: Application, category: str) -> DocumentRequirement | None:
    for requirement in app.requirements:
        if requirement.category == category:
            return requirement
    return None


def upload(app: Application, category: str, files: int = 1) -> ApplicationOutcome:
    """Count ``files`` more files in ``category`` (档案上传), at most ``max_files`` in all.

    Only a draft or a returned application takes files; the category must be one the
    application asks for.

    >>> docs = (DocumentRequirement("申请人头像", required=True, max_files=4),)
    >>> app = draft("A1", "M1", WithdrawalKind.LABOR_TERMINATION, "262.60", "6225768888888888", docs)
    >>> upload(app, "申请人头像", 3).documents["申请人头像"]
    3
    >>> upload(upload(app, "申请人头像", 3), "申请人头像", 2)[0].code
    'too_many_files'
    """
    category = _text(category, "category")
    files = _files(files)
    problems = _editable(app, "edited")
    requirement = _requirement(app, category)
    total = app.documents.get(category, 0) + files
    if requirement is None:
        problems.append(Violation("unknown_category", f"{category} is not asked for", "category"))
    elif total > requirement.max_files:
        problems.append(
            Violation(
                "too_many_files",
                f"{category} takes at most {requirement.max_files} files ({total} given)",
                "files",
            )
        )
    if problems:
        return tuple(problems)
    return attrs.evolve(app, documents={**app.documents, category: total})


def remove_files(app: Application, category: str, files: int = 1) -> ApplicationOutcome:
    """Take ``files`` files out of ``category`` (to replace a file a reviewer refused)."""
    category = _text(category, "category")
    files = _files(files)
    problems = _editable(app, "edited")
    held = app.documents.get(category, 0)
    if files > held:
        problems.append(Violation("not_enough_files", f"{category} holds {held} files, not {files}", "files"))
    if problems:
        return tuple(problems)
    counts = {**app.documents, category: held - files}
    return attrs.evolve(app, documents={k: v for k, v in counts.items() if v})


def revise(
    app: Application, *, amount: Amount | None = None, card_number: str | None = None
) -> ApplicationOutcome:
    """Change the amount (and so the 描述) or the card of a draft or returned application."""
    problems = _editable(app, "edited")
    value = app.amount if amount is None else _positive(amount)
    number = app.card_number if card_number is None else validate_card_number(card_number)
    if problems:
        return tuple(problems)
    return attrs.evolve(app, amount=value, card_number=number, description=describe(app.kind, value))


def submit(
    app: Application, actor: str, at: datetime, *, others: Iterable[Application] = ()
) -> ApplicationOutcome:
    """提交中心审批: a draft goes to the first review node.

    Every required category (必传项) must hold a file; only the applicant submits; ``others``
    (the member's other applications) must hold none of the same kind in flight. Records
    the seed's two rows: 任务发起人 and 申请, both at ``at``.
    """
    actor = _text(actor, "actor")
    problems = _timing(app, at)
    if app.status is not ApplicationStatus.DRAFT:
        problems.append(_wrong_status(app, "submitted"))
    problems += _applicant_only(app, actor, "submit")
    problems += missing_documents(app)
    problems += check_one_in_flight(others, app.member_id, app.kind, excluding=app.application_id)
    if problems:
        return tuple(problems)
    started = Step(STARTER_NODE, actor, "", at, StepAction.START)
    applied = Step(APPLY_NODE, actor, "", at, StepAction.APPLY)
    return attrs.evolve(
        app,
        history=(*app.history, started, applied),
        status=ApplicationStatus.SUBMITTED,
        current_node=app.review_chain[0],
    )


_REVIEWABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)


def start_review(app: Application, node: str, reviewer: str, at: datetime) -> ApplicationOutcome:
    """受理: a reviewer takes up a submitted application at its current node (optional:
    a node may return or approve without it)."""
    node = _text(node, "node")
    reviewer = _text(reviewer, "reviewer")
    problems = _timing(app, at)
    if app.status is not ApplicationStatus.SUBMITTED:
        problems.append(_wrong_status(app, "taken up for review"))
    else:
        problems += _reviewer_checks(app, node, reviewer)
    if problems:
        return tuple(problems)
    return _step(
        app, Step(node, reviewer, "", at, StepAction.START_REVIEW), status=ApplicationStatus.UNDER_REVIEW
    )


def _review(
    app: Application, node: str, reviewer: str, opinion: object, at: datetime, verb: str
) -> tuple[str, str, list[Violation]]:
    """The checks every review action shares: the inputs, the time order, a reviewable
    status, the node and the four-eyes rule."""
    node = _text(node, "node")
    reviewer = _text(reviewer, "reviewer")
    if not isinstance(opinion, str):
        raise InputTypeError("opinion", f"must be a str, not {type(opinion).__name__}", opinion)
    problems = _timing(app, at)
    if app.status not in _REVIEWABLE:
        problems.append(_wrong_status(app, verb))
    else:
        problems += _reviewer_checks(app, node, reviewer)
    return node, reviewer, problems


def return_to_applicant(
    app: Application, node: str, reviewer: str, opinion: str, at: datetime
) -> ApplicationOutcome:
    """退回: back to the applicant with an opinion (审批意见, required); it waits in their
    待办事项 with 当前进度 the returning node."""
    node, reviewer, problems = _review(app, node, reviewer, opinion, at, "returned")
    if not opinion.strip():
        problems.append(Violation("opinion_required", "a return needs an opinion (审批意见)", "opinion"))
    if problems:
        return tuple(problems)
    return _step(app, Step(node, reviewer, opinion, at, StepAction.RETURN), status=ApplicationStatus.RETURNED)


def resubmit(app: Application, actor: str, at: datetime) -> ApplicationOutcome:
    """修改重新上传: the applicant hands a returned application in again; it starts the
    review chain from its first node. Required documents are checked again."""
    actor = _text(actor, "actor")
    problems = _timing(app, at)
    if app.status is not ApplicationStatus.RETURNED:
        problems.append(_wrong_status(app, "resubmitted"))
    problems += _applicant_only(app, actor, "resubmit")
    problems += missing_documents(app)
    if problems:
        return tuple(problems)
    return _step(
        app,
        Step(APPLY_NODE, actor, "", at, StepAction.RESUBMIT),
        status=ApplicationStatus.SUBMITTED,
        current_node=app.review_chain[0],
    )


def approve(
    app: Application, node: str, reviewer: str, at: datetime, opinion: str = ""
) -> ApplicationOutcome:
    """审批: at the last node of the chain the application is approved (已审批); at an
    earlier node it moves on to the next one. The reviewer is never the applicant
    (``four_eyes``).
    """
    node, reviewer, problems = _review(app, node, reviewer, opinion, at, "approved")
    if problems:
        return tuple(problems)
    position = app.review_chain.index(node)
    if position == len(app.review_chain) - 1:
        return _step(
            app, Step(node, reviewer, opinion, at, StepAction.APPROVE), status=ApplicationStatus.APPROVED
        )
    return _step(
        app,
        Step(node, reviewer, opinion, at, StepAction.FORWARD),
        status=ApplicationStatus.UNDER_REVIEW,
        current_node=app.review_chain[position + 1],
    )


def mark_paid(app: Application, payment_ref: str, at: datetime) -> ApplicationOutcome:
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
        return tuple(problems)
    paid = _step(
        app,
        Step(PAY_NODE, "", "", at, StepAction.PAY, reference=payment_ref),
        status=ApplicationStatus.PAID,
        current_node=PAY_NODE,
    )
    return attrs.evolve(paid, payment_ref=payment_ref)


def end(app: Application, actor: str, at: datetime) -> ApplicationOutcome:
    """结束流程: the applicant ends a draft or a returned application; it can never be paid.
    The member may then apply again (seed §5.2.2: 可在我的提取里重新申请)."""
    actor = _text(actor, "actor")
    problems = _timing(app, at)
    if app.status not in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
        problems.append(_wrong_status(app, "ended"))
    problems += _applicant_only(app, actor, "end")
    if problems:
        return tuple(problems)
    return _step(
        app,
        Step(END_NODE, actor, "", at, StepAction.END),
        status=ApplicationStatus.ENDED,
        current_node=END_NODE,
    )


# -------------------------------------------------------------------------------- queries


def _newest_first(applications: Iterable[Application]) -> tuple[Application, ...]:
    started = [a for a in applications if a.started_at is not None]
    return tuple(sorted(started, key=lambda a: (a.started_at, a.application_id), reverse=True))


def todos(applications: Iterable[Application], member_id: str) -> tuple[Application, ...]:
    """待办事项: the member's applications returned to them, newest first."""
    return _newest_first(
        a for a in applications if a.member_id == member_id and a.status is ApplicationStatus.RETURNED
    )


def started_by(applications: Iterable[Application], member_id: str) -> tuple[Application, ...]:
    """我发起的: every application the member has submitted (whatever its status now),
    newest first. Drafts never submitted are not listed."""
    return _newest_first(a for a in applications if a.member_id == member_id)


def process_history(app: Application) -> tuple[HistoryRow, ...]:
    """流程信息查询: one row per step, oldest first (节点名称, 审批意见, 办理时间)."""
    return tuple(HistoryRow(step.node, step.opinion, step.at) for step in app.history)


def work_item(app: Application, process: str | None = None) -> WorkItem:
    """The 我的业务 entry for ``app``; ``process`` (流程名称) defaults to the kind's name.

    >>> from hpf_core.withdrawals._types import WithdrawalKind
    >>> app = draft("A1", "M1", WithdrawalKind.RETIREMENT, "6007.18", "6225768888888888", ())
    >>> item = work_item(app, "缴存人离休、退休提取")
    >>> item.business, item.process, item.description
    ('提取业务', '缴存人离休、退休提取', '离、退休提取6,007.18元。')
    """
    return WorkItem(
        app.application_id,
        app.channel,
        BUSINESS_NAME,
        app.kind.chinese if process is None else process,
        app.current_node,
        app.started_at,
        app.description,
        app.status,
    )
