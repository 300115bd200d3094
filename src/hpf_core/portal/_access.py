"""Who is asking and what they own (package-private): the session behind a token, the
member's records, a unit of work the existing services join, and the one "not found"
every foreign or unknown identifier gets (D-052)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Self

import attrs

from hpf_core._inputs import instance
from hpf_core.centers import Center, NewsItem, Outlet
from hpf_core.dates import require_aware
from hpf_core.errors import InvalidChoice, UnknownRecord
from hpf_core.members import services as member_services
from hpf_core.ports import AuditEvent

if TYPE_CHECKING:
    from hpf_core.accounts import DepositAccount
    from hpf_core.loans import LoanAccount
    from hpf_core.members import MemberRules, Session
    from hpf_core.ports import (
        AccountRepository,
        ApplicationRepository,
        AuditLog,
        CardRepository,
        CredentialRepository,
        DocumentStore,
        IdempotencyStore,
        JournalRepository,
        LoanJournal,
        LoanRepository,
        MemberRecord,
        MemberRepository,
        NotificationOutbox,
        SessionRepository,
        UnitOfWork,
    )
    from hpf_core.withdrawals import Application, BankCard

NewUnitOfWork = Callable[[], "UnitOfWork"]
"""Makes a new unit of work over one store (``App.unit_of_work``)."""

NOT_FOUND = {
    "account_no": "没有找到该公积金账户",
    "contract_no": "没有找到该贷款合同",
    "application_id": "没有找到该业务",
    "card_number": "没有找到该银行卡",
}
"""The one text per identifier for a record that does not exist OR is not the caller's:
the two are indistinguishable (no leak of existence)."""


def not_found(field: str) -> UnknownRecord:
    """The error for an identifier the caller may not see, the same whether it exists:
    ``field`` is one of :data:`NOT_FOUND`'s keys (``InvalidChoice`` otherwise)."""
    if not isinstance(field, str) or field not in NOT_FOUND:
        raise InvalidChoice("field", f"must be one of {', '.join(NOT_FOUND)}", field)
    return UnknownRecord(field, NOT_FOUND[field])


@attrs.frozen
class CentreInfo:
    """What a centre publishes to everyone (no session needed): the centre (热线, 隐私声明,
    网站), its news (新闻动态) and its service outlets (服务网点). ``center`` is None for a
    centre whose data is not shipped; the services that need it then refuse."""

    center: Center | None
    news: tuple[NewsItem, ...] = ()
    outlets: tuple[Outlet, ...] = ()


class Joined:
    """A unit of work that joins an open one: the existing services run in it unchanged,
    but its ``with`` block, ``commit`` and ``rollback`` leave the transaction to the
    caller, who appends the audit event and commits once — so the change and its audit
    line are one unit of work."""

    def __init__(self, outer: UnitOfWork) -> None:
        self._outer = outer

    @property
    def accounts(self) -> AccountRepository:
        return self._outer.accounts

    @property
    def journal(self) -> JournalRepository:
        return self._outer.journal

    @property
    def loans(self) -> LoanRepository:
        return self._outer.loans

    @property
    def loan_journal(self) -> LoanJournal:
        return self._outer.loan_journal

    @property
    def applications(self) -> ApplicationRepository:
        return self._outer.applications

    @property
    def cards(self) -> CardRepository:
        return self._outer.cards

    @property
    def keys(self) -> IdempotencyStore:
        return self._outer.keys

    @property
    def members(self) -> MemberRepository:
        return self._outer.members

    @property
    def credentials(self) -> CredentialRepository:
        return self._outer.credentials

    @property
    def sessions(self) -> SessionRepository:
        return self._outer.sessions

    @property
    def outbox(self) -> NotificationOutbox:
        return self._outer.outbox

    @property
    def documents(self) -> DocumentStore:
        return self._outer.documents

    @property
    def audit(self) -> AuditLog:
        return self._outer.audit

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        """Left to the outer unit of work."""

    def rollback(self) -> None:
        """Left to the outer unit of work (an exception reaches it and rolls back)."""


@attrs.frozen
class Caller:
    """The member behind a live session, and their record (None: a member with
    credentials but no record owns nothing)."""

    session: Session
    record: MemberRecord | None

    @property
    def member_id(self) -> str:
        return self.session.member_id


def caller(new_uow: NewUnitOfWork, token: object, at: datetime, rules: MemberRules) -> Caller:
    """Authenticate ``token`` at ``at`` (idle and absolute expiry, ``secret_version``, the
    forced password change) and load the member's record."""
    require_aware(at, "at")
    session = member_services.authenticate(new_uow, instance(token, str, "token"), at, rules=rules)
    with new_uow() as uow:
        return Caller(session, _record(uow, session.member_id))


def _record(uow: UnitOfWork, member_id: str) -> MemberRecord | None:
    try:
        return uow.members.get(member_id)
    except LookupError:
        return None


def audit(uow: UnitOfWork, who: Caller, action: str, record: str, at: datetime, detail: str = "") -> None:
    """Append the member's audit event in the open unit of work."""
    uow.audit.append(AuditEvent(who.member_id, action, at, record, detail))


def own_account(uow: UnitOfWork, who: Caller, account_no: object) -> DepositAccount:
    """The member's deposit account ``account_no``; :func:`not_found` otherwise."""
    account_no = instance(account_no, str, "account_no")
    if who.record is None or who.record.account_no != account_no:
        raise not_found("account_no")
    try:
        account = uow.accounts.get(account_no)
    except LookupError:
        raise not_found("account_no") from None
    if account.member.member_id != who.member_id:
        raise not_found("account_no")
    return account


def my_account_no(who: Caller) -> str:
    """The member's own account number; :func:`not_found` when they have none."""
    if who.record is None or who.record.account_no is None:
        raise not_found("account_no")
    return who.record.account_no


def own_loan(uow: UnitOfWork, who: Caller, contract_no: object) -> LoanAccount:
    """A loan the member signs (borrower, spouse or co-borrower: their account is one of
    the contract's, or the contract is on their record); :func:`not_found` otherwise."""
    contract_no = instance(contract_no, str, "contract_no")
    if who.record is None:
        raise not_found("contract_no")
    try:
        loan = uow.loans.get(contract_no)
    except LookupError:
        raise not_found("contract_no") from None
    mine = who.record.account_no
    signs = mine is not None and any(b.account_no == mine for b in loan.contract.borrowers)
    if not signs and contract_no not in who.record.loan_contracts:
        raise not_found("contract_no")
    return loan


def own_application(uow: UnitOfWork, who: Caller, application_id: object) -> Application:
    """The member's application; :func:`not_found` otherwise."""
    application_id = instance(application_id, str, "application_id")
    try:
        application = uow.applications.get(application_id)
    except LookupError:
        raise not_found("application_id") from None
    if application.member_id != who.member_id:
        raise not_found("application_id")
    return application


def own_card(uow: UnitOfWork, who: Caller, number: object) -> BankCard:
    """The member's bank card with ``number`` (spaces allowed); :func:`not_found` otherwise."""
    digits = "".join(instance(number, str, "card_number").split())
    for card in uow.cards.cards_of(who.member_id):
        if card.number == digits:
            return card
    raise not_found("card_number")


def next_application_id(uow: UnitOfWork, who: Caller) -> str:
    """A new application id in the member's own namespace (``<member id>-<n>``): a member
    never chooses an id, so none can collide with, or probe for, another member's."""
    taken = {a.application_id for a in uow.applications.by_member(who.member_id)}
    number = len(taken) + 1
    while f"{who.member_id}-{number}" in taken:
        number += 1
    return f"{who.member_id}-{number}"
