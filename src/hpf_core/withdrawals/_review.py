"""The review steps of a withdrawal application (审批流程): submit (提交中心审批), take up
(受理), return (退回), resubmit (修改重新上传), approve (审批) and end (结束流程). Each
appends one :class:`~hpf_core.withdrawals.Step` or raises
:func:`~hpf_core.errors.refusal` of every reason it is refused.

The seed's walk (操作手册 §5.2.2): submit, then the review node returns it.

>>> from datetime import datetime, timedelta, timezone
>>> from hpf_core.withdrawals._application import draft, process_history
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
>>> approve(app, "管理部提取业务审核岗", "M1", datetime(2018, 5, 29, 12, 0, tzinfo=cst))
Traceback (most recent call last):
...
hpf_core.errors.FourEyesViolation: reviewer: the applicant may not review or approve their own application
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from hpf_core.errors import InputTypeError, Violation, refusal
from hpf_core.withdrawals._application import (
    APPLY_NODE,
    END_NODE,
    STARTER_NODE,
    Application,
    ApplicationStatus,
    Step,
    StepAction,
    _applicant_only,
    _in_flight_violations,
    _reviewer_checks,
    _step,
    _text,
    _timing,
    _wrong_status,
)
from hpf_core.withdrawals._documents import missing_violations

__all__ = ["approve", "end", "resubmit", "return_to_applicant", "start_review", "submit"]


def submit(app: Application, actor: str, at: datetime, *, others: Iterable[Application] = ()) -> Application:
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
    problems += missing_violations(app)
    problems += _in_flight_violations(others, app.member_id, app.kind, app.application_id)
    if problems:
        raise refusal(problems)
    started = Step(STARTER_NODE, actor, "", at, StepAction.START)
    applied = Step(APPLY_NODE, actor, "", at, StepAction.APPLY)
    return attrs.evolve(
        app,
        history=(*app.history, started, applied),
        status=ApplicationStatus.SUBMITTED,
        current_node=app.review_chain[0],
    )


_REVIEWABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)


def start_review(app: Application, node: str, reviewer: str, at: datetime) -> Application:
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
        raise refusal(problems)
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
) -> Application:
    """退回: back to the applicant with an opinion (审批意见, required); it waits in their
    待办事项 with 当前进度 the returning node."""
    node, reviewer, problems = _review(app, node, reviewer, opinion, at, "returned")
    if not opinion.strip():
        problems.append(Violation("opinion_required", "a return needs an opinion (审批意见)", "opinion"))
    if problems:
        raise refusal(problems)
    return _step(app, Step(node, reviewer, opinion, at, StepAction.RETURN), status=ApplicationStatus.RETURNED)


def resubmit(app: Application, actor: str, at: datetime) -> Application:
    """修改重新上传: the applicant hands a returned application in again; it starts the
    review chain from its first node. Required documents are checked again."""
    actor = _text(actor, "actor")
    problems = _timing(app, at)
    if app.status is not ApplicationStatus.RETURNED:
        problems.append(_wrong_status(app, "resubmitted"))
    problems += _applicant_only(app, actor, "resubmit")
    problems += missing_violations(app)
    if problems:
        raise refusal(problems)
    return _step(
        app,
        Step(APPLY_NODE, actor, "", at, StepAction.RESUBMIT),
        status=ApplicationStatus.SUBMITTED,
        current_node=app.review_chain[0],
    )


def approve(app: Application, node: str, reviewer: str, at: datetime, opinion: str = "") -> Application:
    """审批: at the last node of the chain the application is approved (已审批); at an
    earlier node it moves on to the next one. The reviewer is never the applicant
    (``four_eyes``).
    """
    node, reviewer, problems = _review(app, node, reviewer, opinion, at, "approved")
    if problems:
        raise refusal(problems)
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


def end(app: Application, actor: str, at: datetime) -> Application:
    """结束流程: the applicant ends a draft or a returned application; it can never be paid.
    The member may then apply again (seed §5.2.2: 可在我的提取里重新申请)."""
    actor = _text(actor, "actor")
    problems = _timing(app, at)
    if app.status not in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
        problems.append(_wrong_status(app, "ended"))
    problems += _applicant_only(app, actor, "end")
    if problems:
        raise refusal(problems)
    return _step(
        app,
        Step(END_NODE, actor, "", at, StepAction.END),
        status=ApplicationStatus.ENDED,
        current_node=END_NODE,
    )
