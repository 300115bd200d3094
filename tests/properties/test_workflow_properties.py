"""A stateful Hypothesis test of the withdrawal workflow (issue #5; RELIABILITY.md P15).

Random sequences of drafts, uploads, submissions, reviews, returns, resubmissions,
approvals, payments and ends — by the applicant, by reviewers, at the right node or the
wrong one, on time or dated too early — run over several members, kinds and review
chains. After every step: each application is paid at most once, only after an approval
step, never once ended; its history only grew (the old history is a prefix of the new);
a refused transition changed nothing; reviewers are never the applicant; a member has at
most one application of a kind in flight.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import hypothesis
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from hpf_core.errors import InvalidTransition, Refused, Violation
from hpf_core.withdrawals import (
    DEFAULT_REVIEW_NODE,
    Application,
    ApplicationStatus,
    DocumentRequirement,
    StepAction,
    WithdrawalKind,
    approve,
    draft,
    end,
    in_flight,
    mark_paid,
    remove_files,
    resubmit,
    return_to_applicant,
    revise,
    start_review,
    submit,
    upload,
)

S = ApplicationStatus
A = StepAction
CST = timezone(timedelta(hours=8))
START = datetime(2024, 7, 1, 9, 0, tzinfo=CST)
CARD = "6222021234567890128"
MEMBERS = ("M1", "M2")
KINDS = (WithdrawalKind.RETIREMENT, WithdrawalKind.RENT)
CHAINS = ((DEFAULT_REVIEW_NODE,), ("提取业务初审岗", "提取业务复审岗"))
ALL_NODES = tuple(sorted({node for chain in CHAINS for node in chain}))
REQUIRED, OPTIONAL = "身份证", "申请表"
REQUIREMENTS = (DocumentRequirement(REQUIRED, True, 2), DocumentRequirement(OPTIONAL, False, 3))
CATEGORIES = (REQUIRED, OPTIONAL, "结婚证")
ACTORS = (*MEMBERS, "S1", "S2")

# The status each step leaves behind.
AFTER = {
    A.APPLY: S.SUBMITTED,
    A.START_REVIEW: S.UNDER_REVIEW,
    A.RETURN: S.RETURNED,
    A.RESUBMIT: S.SUBMITTED,
    A.FORWARD: S.UNDER_REVIEW,
    A.APPROVE: S.APPROVED,
    A.PAY: S.PAID,
    A.END: S.ENDED,
}
REVIEWER_ACTIONS = {A.START_REVIEW, A.RETURN, A.FORWARD, A.APPROVE}
# Steps each event appends when it is accepted.
APPENDS = {
    "upload": 0,
    "remove_files": 0,
    "revise": 0,
    "submit": 2,
    "start_review": 1,
    "return": 1,
    "resubmit": 1,
    "approve": 1,
    "pay": 1,
    "end": 1,
}
# The statuses that allow each event (the table in the docstring of hpf_core.withdrawals._application).
ALLOWED = {
    "upload": {S.DRAFT, S.RETURNED},
    "remove_files": {S.DRAFT, S.RETURNED},
    "revise": {S.DRAFT, S.RETURNED},
    "submit": {S.DRAFT},
    "start_review": {S.SUBMITTED},
    "return": {S.SUBMITTED, S.UNDER_REVIEW},
    "resubmit": {S.RETURNED},
    "approve": {S.SUBMITTED, S.UNDER_REVIEW},
    "pay": {S.APPROVED},
    "end": {S.DRAFT, S.RETURNED},
}
TIMED = {"submit", "start_review", "return", "resubmit", "approve", "pay", "end"}
APPLICANT_ONLY = {"submit", "resubmit", "end"}
BY_REVIEWER = {"start_review", "return", "approve"}


Outcome = Application | tuple[Violation, ...]
"""What one step gave: the application after it, or the violations its refusal carried."""


def attempt(call: Callable[[], Application]) -> Outcome:
    """Run one workflow function; a refusal (D-035: raised) becomes its violations."""
    try:
        return call()
    except Refused as refused:
        return refused.violations


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.apps: dict[str, Application] = {}
        self.clock = START
        self.count = 0
        self.refs = 0

    def _draft(self, member: str, kind: WithdrawalKind, chain: tuple[str, ...]) -> None:
        self.count += 1
        app_id = f"A{self.count}"
        busy = in_flight(self.apps.values(), member, kind)
        result = attempt(
            lambda: draft(
                app_id,
                member,
                kind,
                "1000.00",
                CARD,
                REQUIREMENTS,
                review_chain=chain,
                others=self.apps.values(),
            )
        )
        if busy:
            assert isinstance(result, tuple)
            assert [v.code for v in result] == ["already_in_flight"]
        else:
            assert isinstance(result, Application)
            assert (result.status, result.history) == (S.DRAFT, ())
            self.apps[app_id] = result

    @initialize()
    def first_draft(self) -> None:
        self._draft(MEMBERS[0], KINDS[0], CHAINS[0])

    @rule(member=st.sampled_from(MEMBERS), kind=st.sampled_from(KINDS), chain=st.sampled_from(CHAINS))
    def draft_one(self, member: str, kind: WithdrawalKind, chain: tuple[str, ...]) -> None:
        self._draft(member, kind, chain)

    def _run(
        self,
        app: Application,
        event: str,
        actor: str,
        node: str,
        at: datetime,
        opinion: str = "",
        category: str = REQUIRED,
        files: int = 1,
    ) -> Outcome:
        """Apply one event to ``app``, check what it must and must not do, keep the result."""
        snapshot = copy.deepcopy(app)
        self.refs += 1
        calls: dict[str, Callable[[], Application]] = {
            "upload": lambda: upload(app, category, files),
            "remove_files": lambda: remove_files(app, category, files),
            "revise": lambda: revise(app, amount=f"{500 + files}.00"),
            "submit": lambda: submit(app, actor, at, others=self.apps.values()),
            "start_review": lambda: start_review(app, node, actor, at),
            "return": lambda: return_to_applicant(app, node, actor, opinion, at),
            "resubmit": lambda: resubmit(app, actor, at),
            "approve": lambda: approve(app, node, actor, at),
            "pay": lambda: mark_paid(app, f"PAY-{self.refs}", at),
            "end": lambda: end(app, actor, at),
        }
        result = attempt(calls[event])

        must_refuse = set()
        if app.status not in ALLOWED[event]:
            must_refuse.add("invalid_transition")
        if event in TIMED and app.history and at < app.history[-1].at:
            must_refuse.add("before_last_step")
        if event in APPLICANT_ONLY and actor != app.member_id:
            must_refuse.add("not_applicant")
        if event in BY_REVIEWER and app.status in ALLOWED[event]:
            if actor == app.member_id:
                must_refuse.add("four_eyes")
            if node != app.current_node:
                must_refuse.add("wrong_node")
        if event == "return" and not opinion:
            must_refuse.add("opinion_required")

        if isinstance(result, Application):
            assert not must_refuse, (event, must_refuse)
            # history only grows: the old history is a prefix of the new one
            assert result.history[: len(app.history)] == app.history
            assert len(result.history) == len(app.history) + APPENDS[event]
            assert result.application_id == app.application_id
            self.apps[app.application_id] = result
            self.clock = max(self.clock, at)
            hypothesis.event(f"{event} accepted → {result.status.value}")
        else:
            codes = {v.code for v in result}
            assert result, "a refusal names at least one reason"
            assert must_refuse <= codes, (event, must_refuse, codes)
        # pure: the application handed in is untouched either way
        assert app == snapshot
        return result

    def _pick(self, pick: int, *, live: bool = False) -> Application:
        """An application by index; with ``live``, one in flight when there is one."""
        apps = [self.apps[i] for i in sorted(self.apps)]
        if live and any(a.in_flight for a in apps):
            apps = [a for a in apps if a.in_flight]
        return apps[pick % len(apps)]

    @rule(
        pick=st.integers(0, 1000),
        event=st.sampled_from(sorted(APPENDS)),
        actor=st.sampled_from(ACTORS),
        node=st.sampled_from((None, *ALL_NODES)),
        minutes=st.integers(-30, 240),
        opinion=st.sampled_from(("", "材料不全，请补充")),
        category=st.sampled_from(CATEGORIES),
        files=st.integers(1, 3),
    )
    def act(
        self,
        pick: int,
        event: str,
        actor: str,
        node: str | None,
        minutes: int,
        opinion: str,
        category: str,
        files: int,
    ) -> None:
        """Any event, by anyone, at any node, at any time: accepted only when it may be."""
        app = self._pick(pick)
        node = (app.current_node or app.review_chain[0]) if node is None else node
        at = self.clock + timedelta(minutes=minutes)
        self._run(app, event, actor, node, at, opinion, category, files)

    @rule(
        pick=st.integers(0, 1000),
        move=st.sampled_from(("forward", "back", "aside")),
        reviewer=st.sampled_from(("S1", "S2")),
        minutes=st.integers(0, 240),
    )
    def advance(self, pick: int, move: str, reviewer: str, minutes: int) -> None:
        """A well-behaved next step for an application in flight, so runs reach approval,
        returns, resubmissions and payment."""
        app = self._pick(pick, live=True)
        at = self.clock + timedelta(minutes=minutes)
        member, node = app.member_id, app.current_node
        plans = {
            S.DRAFT: {"forward": ("submit", member), "back": ("submit", member), "aside": ("end", member)},
            S.SUBMITTED: {
                "forward": ("approve", reviewer),
                "back": ("return", reviewer),
                "aside": ("start_review", reviewer),
            },
            S.UNDER_REVIEW: {
                "forward": ("approve", reviewer),
                "back": ("return", reviewer),
                "aside": ("approve", reviewer),
            },
            S.RETURNED: {
                "forward": ("resubmit", member),
                "back": ("resubmit", member),
                "aside": ("end", member),
            },
            S.APPROVED: dict.fromkeys(("forward", "back", "aside"), ("pay", "")),
        }
        if app.status not in plans:
            return
        plan = plans[app.status][move]
        if plan[0] in ("submit", "resubmit") and not app.documents.get(REQUIRED):
            plan = ("upload", member)
        event, actor = plan
        result = self._run(app, event, actor, node, at, "请补充材料")
        assert isinstance(result, Application), (event, result)

    @invariant()
    def paid_at_most_once_and_only_after_approval(self) -> None:
        for app in self.apps.values():
            actions = [step.action for step in app.history]
            assert actions.count(A.PAY) <= 1
            if A.PAY in actions:
                assert A.APPROVE in actions[: actions.index(A.PAY)]
                assert app.status is S.PAID
                assert app.payment_ref is not None
            assert (app.payment_ref is not None) == (app.status is S.PAID)

    @invariant()
    def ended_applications_never_pay(self) -> None:
        for app in self.apps.values():
            if app.status is S.ENDED:
                assert A.PAY not in [step.action for step in app.history]
                assert app.history[-1].action is A.END
                with pytest.raises(InvalidTransition):
                    mark_paid(app, "PAY-LATE", self.clock + timedelta(days=1))

    @invariant()
    def the_status_is_the_one_the_last_step_left(self) -> None:
        for app in self.apps.values():
            expected = AFTER[app.history[-1].action] if app.history else S.DRAFT
            assert app.status is expected

    @invariant()
    def steps_are_in_time_order_and_reviewers_are_never_the_applicant(self) -> None:
        for app in self.apps.values():
            times = [step.at for step in app.history]
            assert times == sorted(times)
            for step in app.history:
                if step.action in REVIEWER_ACTIONS:
                    assert step.actor != app.member_id

    @invariant()
    def one_application_of_a_kind_in_flight_per_member(self) -> None:
        for member in MEMBERS:
            for kind in KINDS:
                assert len(in_flight(self.apps.values(), member, kind)) <= 1


WorkflowMachine.TestCase.settings = settings(stateful_step_count=40, deadline=None)
TestWorkflowMachine = WorkflowMachine.TestCase
