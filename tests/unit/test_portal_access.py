"""Who may do what (issue #13, D-052): every member service of ``hpf_core.portal`` given
ANOTHER member's identifiers — an account number, a contract number, a bank card, an
application id — is refused exactly as an identifier that does not exist (the same error
class and the same text), and the store is the same afterwards, record for record.

The intruder is 赵一 (M-A, account A1, no loan); the victim is 李四 (M-B, account B1,
loan HT03, a card, a draft and a returned application). See ``portal_world.py``."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hpf_adapters.wiring import App
from hpf_core.errors import HpfError, InputTypeError, UnknownRecord
from hpf_core.portal import NOT_FOUND
from hpf_core.withdrawals import LoanRepaymentForm, WithdrawalFacts


def _world() -> ModuleType:
    path = Path(__file__).with_name("portal_world.py")
    spec = importlib.util.spec_from_file_location("portal_world", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["portal_world"] = module
    spec.loader.exec_module(module)
    return module


W = _world()
A, B, at, DAY = W.A, W.B, W.at, W.DAY
NOW = at(9, 30)
"""Every probe runs at this instant, as the last request before it did: touching a
session at the instant it was last seen changes nothing, so the store compares equal."""
UNKNOWN_CARD = "6228480402564890018"


class World:
    def __init__(self, url: str | None = None) -> None:
        self.app: App = W.the_world(W.an_app(url))
        policy = W.no_wait(self.app.policy)
        self.policy = policy
        portal = self.app.portal
        self.token_b = W.session(self.app, B, at(9, 20))
        portal.verify_password(self.token_b, W.NEW_PASSWORD, at(9, 20))
        portal.bind_card(self.token_b, W.CARD_B, at(9, 20))
        draft, _ = portal.apply_for_prepayment(
            self.token_b, "HT03", "10000", "keep-term", at(9, 21), policy=policy
        )
        portal.upload_document(self.token_b, draft.application_id, "申请单", "a.jpg", b"page", at(9, 21))
        self.draft = draft.application_id  # M-B-1
        signing = portal.apply_for_offset_signing(self.token_b, "HT03", at(9, 22))
        portal.upload_document(
            self.token_b, signing.application_id, "借款人身份证", "i.jpg", b"id", at(9, 22)
        )
        portal.submit_application(self.token_b, signing.application_id, at(9, 22))
        self.app.withdrawals.return_application(
            application_id=signing.application_id,
            node="贷款业务审核岗",
            reviewer="S1",
            opinion="不清晰",
            at=at(9, 23),
        )
        self.returned = signing.application_id  # M-B-2
        self.token_a = W.session(self.app, A, at(9, 24))
        portal.verify_password(self.token_a, W.NEW_PASSWORD, at(9, 24))
        portal.bind_card(self.token_a, W.CARD_A, at(9, 24))
        # the last request of each session at NOW, so that the probes' touches change nothing
        portal.my_cards(self.token_a, NOW)
        portal.my_cards(self.token_b, NOW)

    def snapshot(self) -> dict[str, Any]:
        """Every record the store holds, read through the ports."""
        members = ("M-A", "M-B", "M-C")
        with self.app.unit_of_work() as uow:
            accounts = {n: uow.accounts.get(n) for n in uow.accounts.numbers()}
            loans = {n: uow.loans.get(n) for n in uow.loans.numbers()}
            applications = {m: tuple(uow.applications.by_member(m)) for m in members}
            return {
                "accounts": accounts,
                "journal": {n: tuple(uow.journal.entries(n)) for n in accounts},
                "loans": loans,
                "loan_journal": {n: tuple(uow.loan_journal.entries(n)) for n in loans},
                "applications": applications,
                "documents": {
                    a.application_id: tuple(uow.documents.list(a.application_id))
                    for apps in applications.values()
                    for a in apps
                },
                "cards": {m: tuple(uow.cards.cards_of(m)) for m in members},
                "members": {m: uow.members.get(m) for m in members},
                "credentials": {m: uow.credentials.get(m) for m in members},
                "sessions": {m: tuple(uow.sessions.of_member(m)) for m in members},
                "outbox": tuple(uow.outbox.pending()),
                "audit": tuple(uow.audit.events()),
            }


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The world on the in-memory store and on an SQLite file (the same services, records
    decoded from rows)."""
    url = None if request.param == "memory" else str(tmp_path_factory.mktemp("portal") / "portal.db")
    built = World(url)
    yield built
    getattr(built.app.store, "dispose", lambda: None)()  # an SQL store closes its engine


Probe = Callable[[World, str], object]
"""A member service called with the intruder's session and one identifier."""


def _portal(w: World) -> Any:
    return w.app.portal


PROBES: dict[str, tuple[Probe, str, str]] = {
    # name: (call, another member's identifier, an unknown one)
    "deposit_account": (lambda w, x: _portal(w).deposit_account(w.token_a, x, NOW), "B1", "Z1"),
    "deposit_details": (
        lambda w, x: _portal(w).deposit_details(w.token_a, x, date(2018, 1, 1), DAY, NOW),
        "B1",
        "Z1",
    ),
    "loan_account": (lambda w, x: _portal(w).loan_account(w.token_a, x, NOW), "HT03", "HT99"),
    "repayment_details_of": (
        lambda w, x: _portal(w).repayment_details_of(w.token_a, x, DAY, date(2019, 5, 29), NOW),
        "HT03",
        "HT99",
    ),
    "repayment_plan_of": (
        lambda w, x: _portal(w).repayment_plan_of(w.token_a, x, DAY, date(2019, 5, 29), NOW),
        "HT03",
        "HT99",
    ),
    "overdue": (lambda w, x: _portal(w).overdue(w.token_a, x, DAY, date(2019, 5, 29), NOW), "HT03", "HT99"),
    "apply_for_withdrawal (account)": (
        lambda w, x: _portal(w).apply_for_withdrawal(
            w.token_a, x, "retirement", None, W.CARD_A, WithdrawalFacts(retired_on=date(2018, 5, 1)), NOW
        ),
        "B1",
        "Z1",
    ),
    "apply_for_withdrawal (card)": (
        lambda w, x: _portal(w).apply_for_withdrawal(
            w.token_a, "A1", "retirement", None, x, WithdrawalFacts(retired_on=date(2018, 5, 1)), NOW
        ),
        W.CARD_B,
        UNKNOWN_CARD,
    ),
    "apply_for_prepayment": (
        lambda w, x: _portal(w).apply_for_prepayment(w.token_a, x, "100", "keep-term", NOW, policy=w.policy),
        "HT03",
        "HT99",
    ),
    "apply_for_offset_signing": (
        lambda w, x: _portal(w).apply_for_offset_signing(w.token_a, x, NOW),
        "HT03",
        "HT99",
    ),
    "apply_for_offset_cancelling": (
        lambda w, x: _portal(w).apply_for_offset_cancelling(w.token_a, x, NOW),
        "HT03",
        "HT99",
    ),
    "apply_for_settlement": (
        lambda w, x: _portal(w).apply_for_settlement(w.token_a, x, "0", NOW, policy=w.policy),
        "HT03",
        "HT99",
    ),
    "upload_document": (
        lambda w, x: _portal(w).upload_document(w.token_a, x, "申请单", "x.jpg", b"intruder", NOW),
        "M-B-1",
        "M-Z-1",
    ),
    "submit_application": (lambda w, x: _portal(w).submit_application(w.token_a, x, NOW), "M-B-1", "M-Z-1"),
    "resubmit_application": (
        lambda w, x: _portal(w).resubmit_application(w.token_a, x, NOW),
        "M-B-2",
        "M-Z-1",
    ),
    "end_application": (lambda w, x: _portal(w).end_application(w.token_a, x, NOW), "M-B-1", "M-Z-1"),
    "approval_records": (lambda w, x: _portal(w).approval_records(w.token_a, x, NOW), "M-B-2", "M-Z-1"),
}


def _refusal(probe: Probe, w: World, identifier: str) -> HpfError:
    with pytest.raises(HpfError) as caught:
        probe(w, identifier)
    return caught.value


@pytest.mark.parametrize("name", sorted(PROBES))
def test_another_members_identifier_is_refused_like_an_unknown_one(world: World, name: str) -> None:
    probe, theirs, unknown = PROBES[name]
    before = world.snapshot()
    foreign = _refusal(probe, world, theirs)
    after = world.snapshot()
    absent = _refusal(probe, world, unknown)
    assert (type(foreign), str(foreign)) == (type(absent), str(absent))
    assert type(foreign) is UnknownRecord
    assert foreign.field in NOT_FOUND  # the identifier's field, named
    assert str(foreign) == f"{foreign.field}: {NOT_FOUND[foreign.field]}"
    assert after == before
    assert world.snapshot() == before


def test_every_service_taking_an_identifier_is_probed() -> None:
    from hpf_core import portal

    probed = {name.split(" ")[0] for name in PROBES}
    identifiers = {"account_no", "contract_no", "application_id", "card_number"}
    import inspect

    taking = {
        name
        for name in portal.__all__
        if inspect.isfunction(getattr(portal, name))
        and identifiers & set(inspect.signature(getattr(portal, name)).parameters)
    }
    assert taking == probed


def test_the_owner_gets_through_the_same_door(world: World) -> None:
    """The probes are not refused for another reason: the victim's own session passes."""
    portal = world.app.portal
    assert portal.deposit_account(world.token_b, "B1", NOW).account_no == "B1"
    assert portal.loan_account(world.token_b, "HT03", NOW).contract_no == "HT03"
    assert [r.node for r in portal.approval_records(world.token_b, "M-B-2", NOW)][-1] == "贷款业务审核岗"


def test_lists_show_only_the_callers_own(world: World) -> None:
    portal = world.app.portal
    assert [c.member_id for c in portal.my_cards(world.token_a, NOW)] == ["M-A"]
    assert portal.my_applications(world.token_a, NOW) == ()
    assert portal.my_todos(world.token_a, NOW) == ()
    assert [t.application_id for t in portal.my_todos(world.token_b, NOW)] == ["M-B-2"]
    assert portal.personal_centre(world.token_a, NOW).name == "赵一"


def test_a_loan_of_someone_else_is_read_from_the_form_like_an_unknown_one(world: World) -> None:
    """偿还购房贷款本息提取's facts: another member's centre loan is not looked up (its
    balance would leak); the form's 合同贷款金额 is the limit, as for an unknown contract."""

    def facts(contract_no: str) -> WithdrawalFacts:
        form = LoanRepaymentForm(
            withdrawer_type="main",
            borrower_name="赵一",
            borrower_id=A.id_number,
            contract_no=contract_no,
            contract_amount="50000.00",
            signed_on=DAY,
            location="阿勒泰市",
        )
        result: WithdrawalFacts = world.app.portal.loan_repayment_facts(world.token_a, form, NOW)
        return result

    before = world.snapshot()
    assert facts("HT03") == facts("HT99")
    assert world.snapshot() == before


def test_a_card_bound_by_another_member_stays_theirs(world: World) -> None:
    """B binding A's card number binds a card of B's own: A's cards are not touched."""
    app = W.the_world(W.an_app())
    token_a, token_b = W.session(app, A, at(9)), W.session(app, B, at(9))
    for token in (token_a, token_b):
        app.portal.verify_password(token, W.NEW_PASSWORD, at(9, 1))
        app.portal.bind_card(token, W.CARD_A, at(9, 1))
    assert [c.member_id for c in app.portal.my_cards(token_a, at(9, 2))] == ["M-A"]
    assert [c.member_id for c in app.portal.my_cards(token_b, at(9, 2))] == ["M-B"]


def test_a_wrong_type_of_identifier_is_a_typed_error(world: World) -> None:
    with pytest.raises(InputTypeError, match="account_no"):
        world.app.portal.deposit_account(world.token_a, 1, NOW)
    with pytest.raises(InputTypeError, match="token"):
        world.app.portal.my_cards(None, NOW)
