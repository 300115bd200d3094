"""Withdrawal applications and their workflow (issue #5; seed §5.2.1 档案上传, §5.2.2 我的业务)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hpf_core.errors import (
    FourEyesViolation,
    InputError,
    InputTypeError,
    InvalidAmount,
    InvalidCardNumber,
    InvalidChoice,
    NaiveDatetimeError,
    Refused,
    Violation,
)
from hpf_core.withdrawals import (
    APPLY_NODE,
    DEFAULT_REVIEW_NODE,
    END_NODE,
    PAY_NODE,
    STARTER_NODE,
    Application,
    ApplicationStatus,
    BankCard,
    DocumentRequirement,
    StepAction,
    WithdrawalKind,
    approve,
    check_one_in_flight,
    describe,
    draft,
    end,
    in_flight,
    mark_paid,
    missing_documents,
    process_history,
    remove_files,
    resubmit,
    return_to_applicant,
    revise,
    start_review,
    started_by,
    submit,
    todos,
    upload,
    work_item,
)

CST = timezone(timedelta(hours=8))
START = datetime(2018, 5, 29, 11, 3, 10, tzinfo=CST)
"""开始时间 of the seed's application (§5.2.2)."""
CARD = "6222021234567890128"
OTHER_CARD = "6217001234567890122"
MEMBER = "M1"
REVIEWER = "S1"
SECOND_REVIEWER = "S2"
NODE = DEFAULT_REVIEW_NODE

# Test data: the seed shows these categories (§5.2.1) but marks them 非必传项; here one is
# required so the check has something to refuse.
PROOF = "退休证或离退休文件"
FORM = "提取申请审批表"
REQUIREMENTS = (
    DocumentRequirement(PROOF, required=True),
    DocumentRequirement(FORM, required=False, max_files=2),
)
S = ApplicationStatus


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def ok(result: Application) -> Application:
    assert isinstance(result, Application), result
    return result


def codes(act: Callable[[], object]) -> list[str]:
    """The codes of the refusal ``act`` raises (it must raise one)."""
    with pytest.raises(Refused) as info:
        act()
    return [v.code for v in info.value.violations]


def new(
    application_id: str = "A1",
    member_id: str = MEMBER,
    kind: WithdrawalKind = WithdrawalKind.RETIREMENT,
    amount: str = "6007.18",
    chain: tuple[str, ...] = (NODE,),
) -> Application:
    return ok(draft(application_id, member_id, kind, amount, CARD, REQUIREMENTS, review_chain=chain))


def submitted(
    application_id: str = "A1",
    member_id: str = MEMBER,
    kind: WithdrawalKind = WithdrawalKind.RETIREMENT,
    chain: tuple[str, ...] = (NODE,),
    when: datetime = START,
) -> Application:
    app = ok(upload(new(application_id, member_id, kind, chain=chain), PROOF, 1))
    return ok(submit(app, member_id, when))


def returned() -> Application:
    return ok(return_to_applicant(submitted(), NODE, REVIEWER, "退休证照片不清晰", at(34)))


def approved() -> Application:
    return ok(approve(submitted(), NODE, REVIEWER, at(30)))


def paid() -> Application:
    return ok(mark_paid(approved(), "PAY-0001", at(60)))


def ended() -> Application:
    return ok(end(returned(), MEMBER, at(40)))


class TestDrafting:
    def test_a_draft_describes_itself_as_the_seeds_business_list_does(self) -> None:
        app = new()
        assert app.status is S.DRAFT
        assert app.description == "离、退休提取6,007.18元。"
        assert app.channel == "app"
        assert app.amount == Decimal("6007.18")
        assert app.history == ()
        assert app.started_at is None

    def test_the_card_number_is_kept_whole_but_shown_masked(self) -> None:
        app = new()
        assert app.card_number == CARD
        assert app.masked_card == "622202*********0128"
        assert CARD not in repr(app)

    def test_the_description_follows_the_kind_and_amount(self) -> None:
        assert describe(WithdrawalKind.LABOR_TERMINATION, "262.60") == "终止劳动关系提取262.60元。"

    @pytest.mark.parametrize(
        ("amount", "error"),
        [("0", InvalidAmount), ("-5", InvalidAmount), ("1.005", InvalidAmount), (1.5, InputTypeError)],
    )
    def test_an_amount_that_is_not_positive_fen_exact_money_raises(
        self, amount: object, error: type[Exception]
    ) -> None:
        with pytest.raises(error):
            draft("A1", MEMBER, WithdrawalKind.RETIREMENT, amount, CARD, REQUIREMENTS)  # type: ignore[arg-type]

    def test_an_account_number_of_the_wrong_length_raises(self) -> None:
        with pytest.raises(InvalidCardNumber):
            draft("A1", MEMBER, WithdrawalKind.RETIREMENT, "100", "123456789", REQUIREMENTS)

    def test_a_kind_that_is_not_a_withdrawal_kind_raises(self) -> None:
        with pytest.raises(InvalidChoice):
            draft("A1", MEMBER, "retirement", "100", CARD, REQUIREMENTS)  # type: ignore[arg-type]

    def test_blank_identifiers_raise(self) -> None:
        with pytest.raises(InputError, match="member_id"):
            draft("A1", " ", WithdrawalKind.RETIREMENT, "100", CARD, REQUIREMENTS)

    @pytest.mark.parametrize(
        "chain",
        [(), ("审核岗", "审核岗"), ("",), (APPLY_NODE,), (PAY_NODE,)],
        ids=["empty", "twice", "blank", "reserved-apply", "reserved-pay"],
    )
    def test_a_malformed_review_chain_raises(self, chain: tuple[str, ...]) -> None:
        with pytest.raises(InputError, match="review_chain"):
            draft("A1", MEMBER, WithdrawalKind.RETIREMENT, "100", CARD, REQUIREMENTS, review_chain=chain)

    def test_requirements_naming_a_category_twice_raise(self) -> None:
        twice = (DocumentRequirement(PROOF, True), DocumentRequirement(PROOF, False))
        with pytest.raises(InputError, match="requirements"):
            draft("A1", MEMBER, WithdrawalKind.RETIREMENT, "100", CARD, twice)

    def test_a_draft_can_change_its_amount_and_card_before_submission(self) -> None:
        cards = (BankCard(MEMBER, OTHER_CARD, "中国建设银行"),)
        app = ok(revise(new(), amount="3000", card_number=OTHER_CARD, cards=cards))
        assert app.amount == Decimal("3000.00")
        assert app.card_number == OTHER_CARD
        assert app.description == "离、退休提取3,000.00元。"

    def test_only_one_of_the_applicants_registered_accounts_can_be_chosen(self) -> None:
        # issue #11 item 2: a returned application cannot be revised to an arbitrary account
        someone_elses = (BankCard("M9", OTHER_CARD, "中国建设银行"),)
        for cards in ((), someone_elses):
            with pytest.raises(Refused) as info:
                revise(new(), card_number=OTHER_CARD, cards=cards)
            assert info.value.codes == ("unknown_card",)


class TestUploadingDocuments:
    def test_files_are_counted_by_category(self) -> None:
        app = ok(upload(ok(upload(new(), PROOF, 2)), PROOF, 2))
        assert dict(app.documents) == {PROOF: 4}

    def test_more_files_than_the_category_takes_are_refused(self) -> None:
        app = ok(upload(new(), FORM, 2))
        assert codes(lambda: upload(app, FORM, 1)) == ["too_many_files"]
        assert app.documents[FORM] == 2

    def test_a_category_the_application_does_not_ask_for_is_refused(self) -> None:
        assert codes(lambda: upload(new(), "结婚证", 1)) == ["unknown_category"]

    @pytest.mark.parametrize("files", [0, -1])
    def test_uploading_no_files_raises(self, files: int) -> None:
        with pytest.raises(InputError, match="files"):
            upload(new(), PROOF, files)

    def test_a_submitted_application_takes_no_files(self) -> None:
        assert codes(lambda: upload(submitted(), FORM, 1)) == ["invalid_transition"]

    def test_a_returned_application_takes_files_again(self) -> None:
        app = ok(upload(returned(), FORM, 1))
        assert app.documents[FORM] == 1

    def test_files_can_be_taken_out_to_be_replaced(self) -> None:
        app = ok(remove_files(ok(upload(new(), PROOF, 2)), PROOF, 1))
        assert dict(app.documents) == {PROOF: 1}
        assert dict(ok(remove_files(app, PROOF, 1)).documents) == {}
        assert codes(lambda: remove_files(app, PROOF, 2)) == ["not_enough_files"]


class TestSubmitting:
    def test_submission_records_the_seeds_first_two_rows(self) -> None:
        app = submitted()
        assert app.status is S.SUBMITTED
        assert app.current_node == NODE
        assert [(s.node, s.actor, s.opinion, s.at, s.action) for s in app.history] == [
            (STARTER_NODE, MEMBER, "", START, StepAction.START),
            (APPLY_NODE, MEMBER, "", START, StepAction.APPLY),
        ]
        assert app.started_at == START

    def test_a_missing_required_category_is_refused(self) -> None:
        app = new()
        assert codes(lambda: submit(app, MEMBER, START)) == ["documents_missing"]
        assert missing_documents(app) == (DocumentRequirement(PROOF, required=True),)

    def test_every_missing_category_is_named(self) -> None:
        two = (*REQUIREMENTS, DocumentRequirement("身份证", required=True))
        app = ok(draft("A1", MEMBER, WithdrawalKind.RETIREMENT, "100", CARD, two))
        with pytest.raises(Refused) as info:
            submit(app, MEMBER, START)
        assert [v.code for v in info.value.violations] == ["documents_missing", "documents_missing"]
        assert info.value.violations[0].message == f"{PROOF} (必传项) needs at least one file"
        assert "身份证" in info.value.violations[1].message
        assert [d.category for d in missing_documents(app)] == [PROOF, "身份证"]

    def test_optional_categories_may_stay_empty(self) -> None:
        assert FORM not in submitted().documents

    def test_only_the_applicant_submits(self) -> None:
        app = ok(upload(new(), PROOF, 1))
        assert codes(lambda: submit(app, "M2", START)) == ["not_applicant"]

    def test_a_submitted_application_cannot_be_submitted_again(self) -> None:
        assert codes(lambda: submit(submitted(), MEMBER, at(1))) == ["invalid_transition"]

    def test_every_reason_is_given_at_once(self) -> None:
        assert sorted(codes(lambda: submit(new(), "M2", START))) == ["documents_missing", "not_applicant"]

    def test_a_naive_timestamp_raises(self) -> None:
        app = ok(upload(new(), PROOF, 1))
        with pytest.raises(NaiveDatetimeError):
            submit(app, MEMBER, datetime(2018, 5, 29, 11, 3, 10))


class TestOneApplicationOfAKindInFlight:
    def test_a_second_draft_of_the_same_kind_is_refused(self) -> None:
        first = new("A1")
        assert codes(
            lambda: draft("A2", MEMBER, WithdrawalKind.RETIREMENT, "100", CARD, REQUIREMENTS, others=[first])
        ) == ["already_in_flight"]

    def test_submission_is_refused_while_another_of_the_kind_is_in_flight(self) -> None:
        first = submitted("A1")
        second = ok(upload(new("A2"), PROOF, 1))
        assert codes(lambda: submit(second, MEMBER, at(1), others=[first, second])) == ["already_in_flight"]

    def test_the_application_itself_does_not_count(self) -> None:
        app = ok(upload(new("A1"), PROOF, 1))
        assert isinstance(submit(app, MEMBER, START, others=[app]), Application)

    def test_another_kind_or_another_member_is_free(self) -> None:
        first = submitted("A1")
        check_one_in_flight([first], MEMBER, WithdrawalKind.RENT)  # does not raise
        check_one_in_flight([first], "M2", WithdrawalKind.RETIREMENT)
        assert codes(lambda: check_one_in_flight([first], MEMBER, WithdrawalKind.RETIREMENT)) == [
            "already_in_flight"
        ]
        check_one_in_flight([first], MEMBER, WithdrawalKind.RETIREMENT, excluding="A1")

    @pytest.mark.parametrize("make", [paid, ended], ids=["paid", "ended"])
    def test_a_paid_or_ended_application_frees_the_kind(self, make: Callable[[], Application]) -> None:
        done = make()
        assert in_flight([done], MEMBER, WithdrawalKind.RETIREMENT) == ()
        assert isinstance(
            draft("A2", MEMBER, WithdrawalKind.RETIREMENT, "100", CARD, REQUIREMENTS, others=[done]),
            Application,
        )

    @pytest.mark.parametrize("make", [new, submitted, returned, approved])
    def test_drafts_and_open_applications_are_in_flight(self, make: Callable[[], Application]) -> None:
        app = make()
        assert in_flight([app], MEMBER, WithdrawalKind.RETIREMENT) == (app,)


class TestReturnAndResubmit:
    def test_submit_return_resubmit_approve_pay(self) -> None:
        app = submitted()
        app = ok(start_review(app, NODE, REVIEWER, at(10)))
        assert app.status is S.UNDER_REVIEW
        app = ok(return_to_applicant(app, NODE, REVIEWER, "退休证照片不清晰", at(34)))
        assert (app.status, app.current_node) == (S.RETURNED, NODE)
        app = ok(remove_files(app, PROOF, 1))
        app = ok(upload(app, PROOF, 1))
        app = ok(resubmit(app, MEMBER, at(50)))
        assert (app.status, app.current_node) == (S.SUBMITTED, NODE)
        app = ok(approve(app, NODE, SECOND_REVIEWER, at(70), "同意"))
        assert app.status is S.APPROVED
        app = ok(mark_paid(app, "PAY-0001", at(90)))
        assert app.status is S.PAID
        assert app.payment_ref == "PAY-0001"
        assert [s.action for s in app.history] == [
            StepAction.START,
            StepAction.APPLY,
            StepAction.START_REVIEW,
            StepAction.RETURN,
            StepAction.RESUBMIT,
            StepAction.APPROVE,
            StepAction.PAY,
        ]
        assert app.history[-1].reference == "PAY-0001"

    def test_submit_return_end(self) -> None:
        app = ok(end(returned(), MEMBER, at(40)))
        assert app.status is S.ENDED
        assert app.history[-1].node == END_NODE
        assert app.history[-1].action is StepAction.END
        assert codes(lambda: mark_paid(app, "PAY-1", at(41))) == ["invalid_transition"]
        assert codes(lambda: resubmit(app, MEMBER, at(41))) == ["invalid_transition"]

    def test_a_return_needs_an_opinion(self) -> None:
        assert codes(lambda: return_to_applicant(submitted(), NODE, REVIEWER, "  ", at(5))) == [
            "opinion_required"
        ]

    def test_only_the_applicant_resubmits_or_ends(self) -> None:
        app = returned()
        assert codes(lambda: resubmit(app, "M2", at(40))) == ["not_applicant"]
        assert codes(lambda: end(app, REVIEWER, at(40))) == ["not_applicant"]

    def test_resubmission_checks_the_required_documents_again(self) -> None:
        app = ok(remove_files(returned(), PROOF, 1))
        assert codes(lambda: resubmit(app, MEMBER, at(40))) == ["documents_missing"]

    def test_only_a_returned_application_is_resubmitted(self) -> None:
        assert codes(lambda: resubmit(submitted(), MEMBER, at(5))) == ["invalid_transition"]

    def test_the_applicant_may_end_a_draft(self) -> None:
        app = ok(end(new(), MEMBER, START))
        assert app.status is S.ENDED
        assert app.started_at is None

    def test_the_applicant_cannot_end_an_application_under_review(self) -> None:
        assert codes(lambda: end(submitted(), MEMBER, at(5))) == ["invalid_transition"]

    def test_a_resubmission_starts_the_chain_again_from_its_first_node(self) -> None:
        chain = ("提取业务初审岗", "提取业务复审岗")
        app = ok(approve(submitted(chain=chain), chain[0], REVIEWER, at(5)))
        app = ok(return_to_applicant(app, chain[1], SECOND_REVIEWER, "金额有误", at(10)))
        assert app.current_node == chain[1]
        app = ok(resubmit(app, MEMBER, at(20)))
        assert app.current_node == chain[0]


class TestApproval:
    @pytest.mark.parametrize(
        "act",
        [
            lambda app: approve(app, NODE, MEMBER, at(5)),
            lambda app: return_to_applicant(app, NODE, MEMBER, "自己退回", at(5)),
            lambda app: start_review(app, NODE, MEMBER, at(5)),
        ],
        ids=["approve", "return", "start-review"],
    )
    def test_the_applicant_never_reviews_their_own_application(
        self, act: Callable[[Application], Application]
    ) -> None:
        app = submitted()
        with pytest.raises(FourEyesViolation) as info:
            act(app)
        assert info.value.violations == (
            Violation(
                "four_eyes", "the applicant may not review or approve their own application", "reviewer"
            ),
        )

    def test_a_reviewer_acts_only_at_the_node_the_application_is_at(self) -> None:
        assert codes(lambda: approve(submitted(), "财务部复核岗", REVIEWER, at(5))) == ["wrong_node"]

    def test_an_earlier_node_passes_the_application_to_the_next(self) -> None:
        chain = ("提取业务初审岗", "提取业务复审岗")
        app = ok(approve(submitted(chain=chain), chain[0], REVIEWER, at(5)))
        assert (app.status, app.current_node) == (S.UNDER_REVIEW, chain[1])
        assert app.history[-1].action is StepAction.FORWARD
        assert codes(lambda: mark_paid(app, "PAY-1", at(6))) == ["invalid_transition"]
        app = ok(approve(app, chain[1], SECOND_REVIEWER, at(10)))
        assert app.status is S.APPROVED
        assert app.history[-1].action is StepAction.APPROVE

    def test_review_is_taken_up_once_per_submission(self) -> None:
        app = ok(start_review(submitted(), NODE, REVIEWER, at(5)))
        assert codes(lambda: start_review(app, NODE, SECOND_REVIEWER, at(6))) == ["invalid_transition"]

    def test_approval_may_come_without_taking_the_application_up_first(self) -> None:
        assert approved().history[-1].node == NODE

    def test_an_approved_application_cannot_be_approved_returned_or_ended(self) -> None:
        app = approved()
        assert codes(lambda: approve(app, NODE, SECOND_REVIEWER, at(40))) == ["invalid_transition"]
        assert codes(lambda: return_to_applicant(app, NODE, SECOND_REVIEWER, "撤回", at(40))) == [
            "invalid_transition"
        ]
        assert codes(lambda: end(app, MEMBER, at(40))) == ["invalid_transition"]


class TestPayment:
    def test_paying_twice_is_refused(self) -> None:
        app = paid()
        assert codes(lambda: mark_paid(app, "PAY-0002", at(61))) == ["invalid_transition"]

    @pytest.mark.parametrize("make", [new, submitted, returned], ids=["draft", "submitted", "returned"])
    def test_paying_before_approval_is_refused(self, make: Callable[[], Application]) -> None:
        assert codes(lambda: mark_paid(make(), "PAY-0001", at(60))) == ["invalid_transition"]

    @pytest.mark.parametrize("reference", ["", "  ", "x" * 256, "PAY\n1"])
    def test_a_malformed_payment_reference_raises(self, reference: str) -> None:
        with pytest.raises(InputError, match="payment_ref"):
            mark_paid(approved(), reference, at(60))

    def test_the_payment_step_is_the_last_and_carries_the_reference(self) -> None:
        step = paid().history[-1]
        assert (step.node, step.action, step.reference) == (PAY_NODE, StepAction.PAY, "PAY-0001")


class TestTiming:
    def test_a_step_dated_before_the_latest_one_is_refused(self) -> None:
        assert codes(lambda: approve(submitted(), NODE, REVIEWER, at(-1))) == ["before_last_step"]

    def test_steps_at_the_same_moment_are_allowed(self) -> None:
        assert isinstance(approve(submitted(), NODE, REVIEWER, START), Application)

    def test_timestamps_in_any_zone_compare_as_instants(self) -> None:
        utc_later = (START + timedelta(minutes=1)).astimezone(UTC)
        assert isinstance(approve(submitted(), NODE, REVIEWER, utc_later), Application)


class TestRefusalsChangeNothing:
    @pytest.mark.parametrize("make", [new, submitted, returned, approved, paid, ended])
    def test_a_refused_transition_leaves_the_application_as_it_was(
        self, make: Callable[[], Application]
    ) -> None:
        app = make()
        snapshot = (app.status, app.history, dict(app.documents), app.current_node, app.payment_ref)
        attempts: list[Callable[[], Application]] = [
            lambda: approve(app, NODE, MEMBER, at(100)),
            lambda: mark_paid(app, "PAY-9", at(-100)),
            lambda: upload(app, "结婚证", 1),
            lambda: resubmit(app, "M9", at(100)),
        ]
        for attempt in attempts:
            with pytest.raises(Refused):
                attempt()
        assert (app.status, app.history, dict(app.documents), app.current_node, app.payment_ref) == snapshot


# What each status allows (the table in _application's docstring); every other event is
# refused with invalid_transition.
EVENTS: dict[str, Callable[[Application], Application]] = {
    "submit": lambda a: submit(a, MEMBER, at(200)),
    "start_review": lambda a: start_review(a, NODE, REVIEWER, at(200)),
    "return": lambda a: return_to_applicant(a, NODE, REVIEWER, "意见", at(200)),
    "resubmit": lambda a: resubmit(a, MEMBER, at(200)),
    "approve": lambda a: approve(a, NODE, REVIEWER, at(200)),
    "pay": lambda a: mark_paid(a, "PAY-X", at(200)),
    "end": lambda a: end(a, MEMBER, at(200)),
    "upload": lambda a: upload(a, FORM, 1),
}
TABLE = {
    "draft": {"submit", "end", "upload"},
    "submitted": {"start_review", "return", "approve"},
    "returned": {"resubmit", "end", "upload"},
    "approved": {"pay"},
    "paid": set(),
    "ended": set(),
}
MAKERS: dict[str, Callable[[], Application]] = {
    "draft": lambda: ok(upload(new(), PROOF, 1)),
    "submitted": submitted,
    "returned": returned,
    "approved": approved,
    "paid": paid,
    "ended": ended,
}


@pytest.mark.parametrize(("status", "event"), [(s, e) for s in TABLE for e in EVENTS], ids=str)
def test_every_status_allows_exactly_its_events(status: str, event: str) -> None:
    app = MAKERS[status]()
    if event in TABLE[status]:
        assert isinstance(EVENTS[event](app), Application)
    else:
        assert codes(lambda: EVENTS[event](app)) == ["invalid_transition"]


class TestQueries:
    def test_process_history_rows_match_the_seeds_node_names(self) -> None:
        rows = process_history(returned())
        assert [(r.node, r.opinion, r.handled) for r in rows] == [
            ("任务发起人", "", "2018-05-29 11:03:10"),
            ("申请", "", "2018-05-29 11:03:10"),
            ("管理部提取业务审核岗", "退休证照片不清晰", "2018-05-29 11:37:10"),
        ]

    def test_my_todos_are_the_applications_returned_to_me_newest_first(self) -> None:
        older = returned()
        later = submitted("A2", kind=WithdrawalKind.RENT, when=at(24 * 60))
        newer = ok(return_to_applicant(later, NODE, REVIEWER, "合同不全", at(25 * 60)))
        others = [submitted("A3", kind=WithdrawalKind.PROPERTY_FEE), approved(), new("A9", "M2")]
        assert todos([older, newer, *others], MEMBER) == (newer, older)
        assert todos([older, newer], "M2") == ()

    def test_what_i_started_lists_every_submitted_application_whatever_its_status(self) -> None:
        mine = [paid(), submitted("A2", kind=WithdrawalKind.RENT)]
        never_submitted = new("A3", kind=WithdrawalKind.PROPERTY_FEE)
        theirs = submitted("B1", "M2")
        listed = started_by([*mine, never_submitted, theirs], MEMBER)
        assert {a.application_id for a in listed} == {"A1", "A2"}

    def test_a_work_item_has_the_columns_of_my_business(self) -> None:
        item = work_item(returned(), "缴存人离休、退休提取")
        assert (item.channel, item.business, item.process, item.progress) == (
            "app",
            "提取业务",
            "缴存人离休、退休提取",
            "管理部提取业务审核岗",
        )
        assert item.started_at == START
        assert item.description == "离、退休提取6,007.18元。"
        assert item.status is S.RETURNED
        assert work_item(new()).process == "离、退休提取"
