"""业务办理 from the app (D-052): bank cards, every withdrawal kind and the four loan
businesses, their documents, submit / resubmit / end, and 我的业务 — each a member
service over the existing withdrawal and loan services, which run unchanged inside the
portal's unit of work (:class:`~hpf_core.portal._access.Joined`) so that the change and
its audit event commit together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from hpf_core._inputs import instance
from hpf_core.dates import CHINA, china_day, require_aware
from hpf_core.errors import ConcurrentUpdate, InputError
from hpf_core.loans import PrepaymentQuote, PrepaymentStrategy, ServicingPolicy, SettlementQuote
from hpf_core.loans import business as loan_business
from hpf_core.members import MemberRules
from hpf_core.money import Amount, yuan
from hpf_core.policy import CenterPolicy
from hpf_core.portal._access import (
    Caller,
    Joined,
    NewUnitOfWork,
    audit,
    caller,
    my_account_no,
    next_application_id,
    own_account,
    own_application,
    own_card,
    own_loan,
)
from hpf_core.ports import StoredDocument, UnitOfWork, content_hash
from hpf_core.withdrawals import (
    Application,
    Assessment,
    BankCard,
    BankDirectory,
    HistoryRow,
    LoanRepaymentForm,
    WithdrawalFacts,
    WithdrawalKind,
)
from hpf_core.withdrawals import loan_repayment_facts as facts_from_form
from hpf_core.withdrawals import services as withdrawal_services

__all__ = [
    "CHINA",
    "apply_for_offset_cancelling",
    "apply_for_offset_signing",
    "apply_for_prepayment",
    "apply_for_settlement",
    "apply_for_withdrawal",
    "approval_records",
    "bind_card",
    "end_application",
    "loan_repayment_facts",
    "my_applications",
    "my_todos",
    "resubmit_application",
    "submit_application",
    "upload_document",
]

T = TypeVar("T")


def _on(at: datetime) -> date:
    """The business date of a request's instant ``at``: its date in China."""
    return china_day(at)


ATTEMPTS = 5
"""How many times a change runs when its unit of work meets a lock conflict
(``ConcurrentUpdate``: the unit rolled back, nothing was written) before the conflict
reaches the caller."""


def _in_one_unit(new_uow: NewUnitOfWork, work: Callable[[UnitOfWork], T]) -> T:
    """``work`` in one unit of work, committed once at the end (it appends its audit event);
    run again from the start on a lock conflict, which wrote nothing."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with new_uow() as uow:
                result = work(uow)
                uow.commit()
                return result
        except ConcurrentUpdate:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _servicing(policy: CenterPolicy) -> ServicingPolicy:
    return instance(policy, CenterPolicy, "policy").loans.servicing


def bind_card(
    new_uow: NewUnitOfWork,
    token: str,
    number: str,
    at: datetime,
    *,
    rules: MemberRules,
    bank: str | None = None,
    directory: BankDirectory | None = None,
) -> BankCard:
    """添加新银行卡: the member's password must have been verified in this session
    (:func:`~hpf_core.portal.verify_password`) within the check window; audited
    ``card.bound`` (the card's last four digits only)."""
    who = caller(new_uow, token, at, rules)

    def work(uow: UnitOfWork) -> BankCard:
        card = withdrawal_services.add_bank_card(
            Joined(uow),
            member_id=who.member_id,
            number=number,
            bank=bank,
            verified_at=who.session.password_verified_at,
            at=at,
            directory=directory,
        )
        audit(uow, who, "card.bound", f"cards/{who.member_id}", at, f"ending {card.number[-4:]}")
        return card

    return _in_one_unit(new_uow, work)


def _drafted(uow: UnitOfWork, who: Caller, app: Application, at: datetime) -> Application:
    kind = app.kind.value if hasattr(app.kind, "value") else str(app.kind)
    audit(uow, who, "application.drafted", f"application/{app.application_id}", at, str(kind))
    return app


def apply_for_withdrawal(
    new_uow: NewUnitOfWork,
    token: str,
    account_no: str,
    kind: WithdrawalKind | str,
    amount: Amount | None,
    card_number: str,
    facts: WithdrawalFacts,
    at: datetime,
    *,
    rules: MemberRules,
    policy: CenterPolicy,
) -> tuple[Application, Assessment]:
    """我要提取 (seed §5.2.1), any kind: assessed on ``at``'s date in China, paid to one of
    the member's own cards; a DRAFT (its id ``<member id>-<n>``) listing the documents
    to upload. Audited ``application.drafted``."""
    on = _on(at)
    instance(policy, CenterPolicy, "policy")
    who = caller(new_uow, token, at, rules)

    def work(uow: UnitOfWork) -> tuple[Application, Assessment]:
        own_account(uow, who, account_no)
        card = own_card(uow, who, card_number)
        app, assessment = withdrawal_services.apply(
            Joined(uow),
            application_id=next_application_id(uow, who),
            account_no=account_no,
            kind=kind,
            amount=amount,
            card_number=card.number,
            facts=facts,
            policy=policy,
            on=on,
        )
        return _drafted(uow, who, app, at), assessment

    return _in_one_unit(new_uow, work)


def loan_repayment_facts(
    new_uow: NewUnitOfWork,
    token: str,
    form: LoanRepaymentForm,
    at: datetime,
    *,
    rules: MemberRules,
    base: WithdrawalFacts | None = None,
) -> WithdrawalFacts:
    """The facts of a 偿还购房贷款本息提取 (seed §5.2.1.5): a centre loan the member signs is
    read from its record; any other contract number — unknown, or a loan of someone
    else's — is taken as the form states it (no leak of another member's loan)."""
    instance(form, LoanRepaymentForm, "form")
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        try:
            own_loan(uow, who, form.contract_no)
            mine = True
        except LookupError:
            mine = False
        if mine:
            return withdrawal_services.loan_repayment_facts_for(Joined(uow), form, base=base)
    return facts_from_form(form, base=base)


def apply_for_prepayment(
    new_uow: NewUnitOfWork,
    token: str,
    contract_no: str,
    amount: Amount,
    strategy: PrepaymentStrategy | str,
    at: datetime,
    *,
    rules: MemberRules,
    policy: CenterPolicy,
) -> tuple[Application, PrepaymentQuote]:
    """提前还本 (seed §6.3.1) of a loan the member signs, 本人办理 with their own account:
    the quote and a DRAFT; nothing moves until the centre approves."""
    on = _on(at)
    servicing = _servicing(policy)
    who = caller(new_uow, token, at, rules)

    def work(uow: UnitOfWork) -> tuple[Application, PrepaymentQuote]:
        own_loan(uow, who, contract_no)
        app, quote = loan_business.apply_for_prepayment(
            Joined(uow),
            application_id=next_application_id(uow, who),
            contract_no=contract_no,
            account_no=my_account_no(who),
            amount=amount,
            strategy=strategy,
            on=on,
            policy=servicing,
        )
        return _drafted(uow, who, app, at), quote

    return _in_one_unit(new_uow, work)


def _offset(
    new_uow: NewUnitOfWork, token: str, contract_no: str, at: datetime, rules: MemberRules, signing: bool
) -> Application:
    who = caller(new_uow, token, at, rules)
    service = loan_business.apply_for_offset_signing if signing else loan_business.apply_for_offset_cancelling

    def work(uow: UnitOfWork) -> Application:
        own_loan(uow, who, contract_no)
        app = service(
            Joined(uow),
            application_id=next_application_id(uow, who),
            contract_no=contract_no,
            account_no=my_account_no(who),
        )
        return _drafted(uow, who, app, at)

    return _in_one_unit(new_uow, work)


def apply_for_offset_signing(
    new_uow: NewUnitOfWork, token: str, contract_no: str, at: datetime, *, rules: MemberRules
) -> Application:
    """按月抵扣签约 (seed §6.3.2, 我要签约) for the member's own account on a loan they sign."""
    require_aware(at, "at")
    return _offset(new_uow, token, contract_no, at, rules, signing=True)


def apply_for_offset_cancelling(
    new_uow: NewUnitOfWork, token: str, contract_no: str, at: datetime, *, rules: MemberRules
) -> Application:
    """取消签约 (seed §6.3.2) of the member's own signed account."""
    require_aware(at, "at")
    return _offset(new_uow, token, contract_no, at, rules, signing=False)


def apply_for_settlement(
    new_uow: NewUnitOfWork,
    token: str,
    contract_no: str,
    from_hpf: Amount,
    at: datetime,
    *,
    rules: MemberRules,
    policy: CenterPolicy,
    draw_account_no: str | None = None,
) -> tuple[Application, SettlementQuote]:
    """提前结清 (seed §6.3.3) of a loan the member signs: ``from_hpf`` drawn from the
    member's account or ``draw_account_no`` (another signer's of THIS loan); the
    贷款结清证明 number is ``JQ-<application id>``."""
    on = _on(at)
    servicing = _servicing(policy)
    hpf = yuan(from_hpf, "from_hpf")
    who = caller(new_uow, token, at, rules)

    def work(uow: UnitOfWork) -> tuple[Application, SettlementQuote]:
        own_loan(uow, who, contract_no)
        application_id = next_application_id(uow, who)
        app, quote = loan_business.apply_for_settlement(
            Joined(uow),
            application_id=application_id,
            contract_no=contract_no,
            account_no=my_account_no(who),
            from_hpf=hpf,
            on=on,
            policy=servicing,
            certificate_no=f"JQ-{application_id}",
            draw_account_no=draw_account_no,
        )
        return _drafted(uow, who, app, at), quote

    return _in_one_unit(new_uow, work)


def upload_document(
    new_uow: NewUnitOfWork,
    token: str,
    application_id: str,
    category: str,
    filename: str,
    content: bytes,
    at: datetime,
    *,
    rules: MemberRules,
) -> tuple[Application, StoredDocument]:
    """上传档案: one file into a category of the member's application, stored (named by
    its hash) and counted in one unit of work, audited ``application.document.uploaded``.
    The same bytes again in the same category are a retried upload: stored and counted
    once."""
    instance(category, str, "category")
    instance(filename, str, "filename")
    if not isinstance(content, bytes) or not content:
        raise InputError("content", "must be non-empty bytes")
    digest = content_hash(content)
    who = caller(new_uow, token, at, rules)

    def work(uow: UnitOfWork) -> tuple[Application, StoredDocument]:
        app = own_application(uow, who, application_id)
        same = [d for d in uow.documents.list(application_id, category) if d.sha256 == digest]
        if same:
            return app, same[0]
        document = uow.documents.put(application_id, category, filename, content, at)
        app = withdrawal_services.upload_documents(
            Joined(uow), application_id=application_id, category=category, files=1
        )
        record = f"application/{application_id}"
        # the digest's first 16 hex digits in groups of 4: a bare run could hold 11 decimal
        # digits, which an audit line refuses as personal data (1 upload in ~100 did)
        shown = "-".join(digest[i : i + 4] for i in range(0, 16, 4))
        audit(uow, who, "application.document.uploaded", record, at, f"{document.document_id} sha256:{shown}")
        return app, document

    return _in_one_unit(new_uow, work)


def _step(
    new_uow: NewUnitOfWork,
    token: str,
    application_id: str,
    at: datetime,
    rules: MemberRules,
    action: str,
    service: Callable[..., Application],
) -> Application:
    require_aware(at, "at")
    who = caller(new_uow, token, at, rules)

    def work(uow: UnitOfWork) -> Application:
        own_application(uow, who, application_id)
        app = service(Joined(uow), application_id=application_id, actor=who.member_id, at=at)
        audit(uow, who, action, f"application/{application_id}", at, app.status.value)
        return app

    return _in_one_unit(new_uow, work)


def submit_application(
    new_uow: NewUnitOfWork, token: str, application_id: str, at: datetime, *, rules: MemberRules
) -> Application:
    """提交中心审批: every required category uploaded; audited ``application.submitted``."""
    return _step(
        new_uow,
        token,
        application_id,
        at,
        rules,
        "application.submitted",
        withdrawal_services.submit_application,
    )


def resubmit_application(
    new_uow: NewUnitOfWork, token: str, application_id: str, at: datetime, *, rules: MemberRules
) -> Application:
    """修改重新上传 (seed §5.2.2 (5)): a returned application sent again; audited
    ``application.resubmitted``."""
    return _step(
        new_uow,
        token,
        application_id,
        at,
        rules,
        "application.resubmitted",
        withdrawal_services.resubmit_application,
    )


def end_application(
    new_uow: NewUnitOfWork, token: str, application_id: str, at: datetime, *, rules: MemberRules
) -> Application:
    """结束流程 (seed §5.2.2 (5)): a draft or returned application ends; audited
    ``application.ended``."""
    return _step(
        new_uow, token, application_id, at, rules, "application.ended", withdrawal_services.end_application
    )


def my_todos(
    new_uow: NewUnitOfWork, token: str, at: datetime, *, rules: MemberRules
) -> tuple[Application, ...]:
    """我的业务 · 待办事项: the member's applications the centre returned."""
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        return withdrawal_services.my_todos(Joined(uow), who.member_id)


def my_applications(
    new_uow: NewUnitOfWork, token: str, at: datetime, *, rules: MemberRules
) -> tuple[Application, ...]:
    """我的业务 · 我发起的: every business the member started, newest first."""
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        return withdrawal_services.my_applications(Joined(uow), who.member_id)


def approval_records(
    new_uow: NewUnitOfWork, token: str, application_id: str, at: datetime, *, rules: MemberRules
) -> tuple[HistoryRow, ...]:
    """流程信息查询 / 审批记录 (查看, 查看退回原因) of the member's application."""
    who = caller(new_uow, token, at, rules)
    with new_uow() as uow:
        own_application(uow, who, application_id)
        return withdrawal_services.history(Joined(uow), application_id)
