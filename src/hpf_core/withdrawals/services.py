"""Withdrawal services (提取业务): apply, upload, submit, review, resubmit, end, pay.

Upload, submit, return, resubmit, end, 我的业务 and 流程信息查询 serve every application,
withdrawals and loan business alike (D-046); a loan business is applied for and approved
in :mod:`hpf_core.loans.services`.

Payment is exactly once, even when the payment channel times out and the call is
retried (RELIABILITY.md P1, P10):

1. In one unit of work the account is debited (a WITHDRAWAL journal entry; for a closing
   kind, closing interest is credited first and the whole balance debited), under the
   idempotency key ``pay:<application id>``.
2. The channel is asked to pay, with the payment id ``WD-<application id>``: a channel
   pays each id at most once, so a retry after a timeout cannot pay twice.
3. In a second unit of work the application is marked paid (and a closing kind's account
   closed as 提取销户). Running ``pay_application`` again after a crash or a timeout
   replays step 1 from its key, gets the first receipt in step 2, and finishes step 3.

A refusal by the channel (``PaymentRejected``) is raised as it is: the money stays
debited and held for the application (never paid twice, never lost), and the centre
corrects the card with the bank or reverses the entry (``reverse_entry``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

import attrs

from hpf_core._inputs import instance, items, unit_of_work
from hpf_core._support import apply_outcome
from hpf_core.accounts._interest import DayBasis, check_basis, closing_interest, interest_year
from hpf_core.accounts._ledger import (
    EntryKind,
    JournalEntry,
    change_state,
    credit_interest,
    debit,
)
from hpf_core.accounts._status import AccountEvent
from hpf_core.dates import china_day
from hpf_core.errors import Violation, refusal
from hpf_core.idempotency import once
from hpf_core.money import Amount, Rate, check_rate, yuan
from hpf_core.policy import CenterPolicy
from hpf_core.ports import PaymentChannel, PaymentReceipt, UnitOfWork
from hpf_core.withdrawals import (
    DEFAULT_CHECK_WINDOW,
    Application,
    ApplicationStatus,
    Assessment,
    BankCard,
    BankDirectory,
    HistoryRow,
    LoanBusiness,
    LoanRepaymentForm,
    PastWithdrawal,
    StepAction,
    WithdrawalFacts,
    WithdrawalKind,
    add_card,
    approve,
    assess,
    choose_card,
    draft,
    end,
    loan_repayment_facts,
    mark_paid,
    process_history,
    resubmit,
    return_to_applicant,
    started_by,
    submit,
    todos,
    upload,
)

_ZERO = Decimal("0.00")

__all__ = [
    "Payment",
    "add_bank_card",
    "apply",
    "approve_application",
    "end_application",
    "history",
    "loan_repayment_facts_for",
    "my_applications",
    "my_todos",
    "paid_withdrawals",
    "pay_application",
    "resubmit_application",
    "return_application",
    "submit_application",
    "upload_documents",
]


def add_bank_card(
    uow: UnitOfWork,
    *,
    member_id: str,
    number: str,
    bank: str | None = None,
    verified_at: datetime | None,
    at: datetime,
    within: timedelta = DEFAULT_CHECK_WINDOW,
    directory: BankDirectory | None = None,
) -> BankCard:
    """添加新银行卡: a receiving account (10 to 30 digits; a card failing Luhn is kept with a
    warning), after a password or SMS check at ``verified_at`` within ``within`` before
    ``at``; the bank from ``directory`` (else the BIN table) unless given."""
    unit_of_work(uow)
    with uow:
        cards = tuple(uow.cards.cards_of(member_id))
        result = add_card(
            cards, member_id, number, bank, verified_at=verified_at, at=at, within=within, directory=directory
        )
        uow.cards.replace(member_id, [c for c in result if c.member_id == member_id])
        uow.commit()
        return result[-1]


def apply(
    uow: UnitOfWork,
    *,
    application_id: str,
    account_no: str,
    kind: WithdrawalKind | str,
    amount: Amount | None,
    card_number: str,
    facts: WithdrawalFacts,
    policy: CenterPolicy,
    on: date,
) -> tuple[Application, Assessment]:
    """我要提取: assess the withdrawal (every reason it may not be made is refused at
    once), check the amount against 可提取金额 (a closing kind takes exactly 提取金额合计;
    ``amount=None`` takes the maximum), choose the member's card, and draft the
    application with the documents the kind needs. ``policy`` is the centre's: its
    ``withdrawals`` rules and its ``interest`` day basis are used."""
    unit_of_work(uow)
    instance(policy, CenterPolicy, "policy")
    instance(facts, WithdrawalFacts, "facts")
    with uow:
        account = uow.accounts.get(account_no)
        member_id = account.member.member_id
        basis = policy.interest.day_basis if policy.interest is not None else None
        others = uow.applications.by_member(member_id)
        facts = attrs.evolve(facts, previous=(*facts.previous, *paid_withdrawals(others)))
        assessment = assess(kind, account, facts, policy.withdrawals, on, day_basis=basis)
        if not assessment.eligible:
            raise refusal(assessment.violations)
        wanted = assessment.max_amount if amount is None else yuan(amount, "amount")
        if assessment.closes_account and wanted != assessment.max_amount:
            raise refusal(
                [Violation("closing_amount", f"a closing withdrawal takes {assessment.max_amount}", "amount")]
            )
        if wanted > assessment.max_amount:
            raise refusal([Violation("above_max", f"可提取金额 is {assessment.max_amount}", "amount")])
        card = choose_card(uow.cards.cards_of(member_id), member_id, card_number)
        application = draft(
            application_id,
            member_id,
            assessment.kind,
            wanted,
            card.number,
            assessment.documents,
            others=others,
        )
        uow.applications.add(application)
        uow.commit()
        return application, assessment


def paid_withdrawals(applications: Iterable[Application]) -> tuple[PastWithdrawal, ...]:
    """The withdrawals among ``applications`` that were paid (提取记录 this store keeps):
    kind, the date in China of the payment step, amount. :func:`apply` adds them to the
    ``previous`` the caller states, so a frequency limit or a yearly cap counts every
    withdrawal paid here whether or not the caller lists it; ``facts.previous`` is for
    withdrawals made outside this store (another system, before a migration)."""
    found: list[PastWithdrawal] = []
    for app in items(applications, Application, "applications"):
        if app.status is not ApplicationStatus.PAID or not isinstance(app.kind, WithdrawalKind):
            continue
        paid = [step.at for step in app.history if step.action is StepAction.PAY]
        if paid:
            found.append(PastWithdrawal(kind=app.kind, on=china_day(paid[-1], "history"), amount=app.amount))
    return tuple(found)


def loan_repayment_facts_for(
    uow: UnitOfWork, form: LoanRepaymentForm, *, base: WithdrawalFacts | None = None
) -> WithdrawalFacts:
    """The facts of a 偿还购房贷款本息提取 from its screen (:class:`LoanRepaymentForm`): when
    借款合同编号 is one of the centre's own loans, the limit is what its record says is still
    owed (principal outstanding, billed or not, plus interest billed and unpaid) and the instalments
    repaid are counted from it; otherwise the contract entered (合同贷款金额) is the limit."""
    unit_of_work(uow)
    instance(form, LoanRepaymentForm, "form")
    with uow:
        if form.contract_no not in uow.loans.numbers():
            return loan_repayment_facts(form, base=base)
        loan = uow.loans.get(form.contract_no)
        owed = loan.balance if loan.settled_on is None else _ZERO
        billed = sum((b.interest_due for b in loan.bills), _ZERO)
        repaid = loan.next_period - 1 - len(loan.bills)
        return loan_repayment_facts(
            form, centre_loan_owed=max(owed + billed, _ZERO), instalments_repaid=repaid, base=base
        )


def _change(uow: UnitOfWork, application_id: str, step: Callable[[Application], Application]) -> Application:
    with uow:
        application = uow.applications.get(application_id)
        uow.applications.save(step(application))
        stored = uow.applications.get(application_id)  # with the version the store gave it
        uow.commit()
        return stored


def upload_documents(uow: UnitOfWork, *, application_id: str, category: str, files: int = 1) -> Application:
    """上传档案: files of one category (up to that category's maximum)."""
    unit_of_work(uow)
    return _change(uow, application_id, lambda app: upload(app, category, files))


def submit_application(uow: UnitOfWork, *, application_id: str, actor: str, at: datetime) -> Application:
    """提交中心审批: needs every required document category; one in flight per kind."""
    unit_of_work(uow)
    with uow:
        application = uow.applications.get(application_id)
        others = uow.applications.by_member(application.member_id)
        uow.applications.save(submit(application, actor, at, others=others))
        stored = uow.applications.get(application_id)
        uow.commit()
        return stored


def return_application(
    uow: UnitOfWork, *, application_id: str, node: str, reviewer: str, opinion: str, at: datetime
) -> Application:
    """退回: back to the applicant with the reviewer's opinion (审批意见)."""
    unit_of_work(uow)
    return _change(uow, application_id, lambda app: return_to_applicant(app, node, reviewer, opinion, at))


def resubmit_application(uow: UnitOfWork, *, application_id: str, actor: str, at: datetime) -> Application:
    """修改重新上传: the applicant sends a returned application again."""
    unit_of_work(uow)
    return _change(uow, application_id, lambda app: resubmit(app, actor, at))


def _withdrawal_only(app: Application) -> Application:
    if isinstance(app.kind, LoanBusiness):
        raise refusal(
            [
                Violation(
                    "loan_business",
                    f"{app.kind.chinese} is approved with hpf_core.loans.services.approve_loan_business, "
                    "which carries it out",
                    "application_id",
                )
            ]
        )
    return app


def approve_application(
    uow: UnitOfWork, *, application_id: str, node: str, reviewer: str, at: datetime, opinion: str = ""
) -> Application:
    """审批通过 at ``node``; the reviewer is never the applicant (``FourEyesViolation``). A
    loan business is refused here (``loan_business``): its approval carries it out, in
    :func:`hpf_core.loans.services.approve_loan_business`."""
    unit_of_work(uow)
    return _change(
        uow, application_id, lambda app: approve(_withdrawal_only(app), node, reviewer, at, opinion)
    )


def end_application(uow: UnitOfWork, *, application_id: str, actor: str, at: datetime) -> Application:
    """结束流程: the applicant ends a draft or returned application; it never pays."""
    unit_of_work(uow)
    return _change(uow, application_id, lambda app: end(app, actor, at))


def my_todos(uow: UnitOfWork, member_id: str) -> tuple[Application, ...]:
    """待办事项: applications returned to the member, withdrawals and loan business alike."""
    unit_of_work(uow)
    with uow:
        return todos(uow.applications.by_member(member_id), member_id)


def my_applications(uow: UnitOfWork, member_id: str) -> tuple[Application, ...]:
    """我发起的: every business the member started (提取业务 and 贷款业务), newest first."""
    unit_of_work(uow)
    with uow:
        return started_by(uow.applications.by_member(member_id), member_id)


def history(uow: UnitOfWork, application_id: str) -> tuple[HistoryRow, ...]:
    """流程信息查询: 节点名称 / 审批意见 / 办理时间."""
    unit_of_work(uow)
    with uow:
        return process_history(uow.applications.get(application_id))


def _debit_for(
    uow: UnitOfWork,
    application: Application,
    account_no: str,
    on: date,
    rate: Rate,
    basis: DayBasis,
    key: str,
) -> tuple[str, ...]:
    """Step 1: the journal entries that take the money out (and closing interest in)."""
    account = uow.accounts.get(account_no)
    ids: list[str] = []
    if application.kind.closes_account:
        start, _ = interest_year(on)
        entries = uow.journal.entries(account_no)
        opening = sum((e.amount for e in entries if e.value_date < start), _ZERO)
        postings = [(e.value_date, e.amount) for e in entries if start <= e.value_date < on]
        interest = closing_interest(opening, postings, on, rate, basis=basis)
        if interest > 0:
            credited = credit_interest(
                account, year=None, amount=interest, value_date=on, key=f"{key}/interest"
            )
            ids.append(apply_outcome(uow, credited).entry_id)
            account = uow.accounts.get(account_no)
        amount = account.balance
        if amount != application.amount:
            # never pay what was not approved: the balance or its interest moved since
            raise refusal(
                [
                    Violation(
                        "amount_changed",
                        f"the closing amount on {on} is {amount}, not the {application.amount} approved: "
                        "pay on the day assessed, or apply again",
                        "on",
                    )
                ]
            )
    else:
        amount = application.amount
    ids.append(
        apply_outcome(
            uow, debit(account, kind=EntryKind.WITHDRAWAL, amount=amount, value_date=on, key=f"{key}/out")
        ).entry_id
    )
    return tuple(ids)


@attrs.frozen
class Payment:
    """What paying an application did."""

    application: Application
    receipt: PaymentReceipt
    entries: tuple[JournalEntry, ...]


def _paid_out(entries: tuple[JournalEntry, ...]) -> Decimal:
    """What a payment's journal entries took from the account: the sum of its withdrawals."""
    return -sum((e.amount for e in entries if e.kind is EntryKind.WITHDRAWAL), _ZERO)


def _pay(
    uow: UnitOfWork,
    channel: PaymentChannel,
    application_id: str,
    on: date,
    at: datetime,
    rate: Rate,
    basis: DayBasis,
    *,
    account_of: Callable[[UnitOfWork, Application], str],
    debited: Callable[[UnitOfWork, Application, Decimal], None] | None = None,
    paid: Callable[[UnitOfWork, Application, Decimal, PaymentReceipt], None] | None = None,
) -> Payment:
    """The exactly-once payment of an approved withdrawal, shared by :func:`pay_application`
    and ``hpf_core.backoffice.pay``: ``account_of`` checks the caller's rules and names the
    account to debit (in the first unit of work); the account is debited once under the key
    ``pay:<application id>`` (``debited`` runs in that unit of work, with the amount); the
    channel is paid with the payment id ``WD-<application id>``; then the application is
    marked 已支付 (a closing kind's account closed) and ``paid`` runs in that unit of work."""
    key = f"pay:{application_id}"
    with uow:
        application = uow.applications.get(application_id)
        account_no = account_of(uow, application)
        if application.status is not ApplicationStatus.PAID:
            if application.status is not ApplicationStatus.APPROVED:
                raise refusal(
                    [Violation("invalid_transition", f"{application.status.value} cannot be paid", "status")]
                )

            def debit() -> tuple[str, ...]:
                ids = _debit_for(uow, application, account_no, on, rate, basis, key)
                if debited is not None:
                    debited(uow, application, _paid_out(tuple(uow.journal.get(i) for i in ids)))
                return ids

            ids = once(
                uow,
                key,
                "pay_application",
                {"application_id": application_id, "account_no": account_no, "on": on},
                debit,
            )
        else:
            stored = uow.keys.get(key)
            ids = stored.result if stored is not None else ()
        entries = tuple(uow.journal.get(i) for i in ids)
    paid_out = _paid_out(entries)
    receipt = channel.transfer(
        payment_id=f"WD-{application_id}",
        card_number=application.card_number,
        amount=paid_out,
        memo=application.description,
    )
    with uow:
        current = uow.applications.get(application_id)
        if current.status is not ApplicationStatus.PAID:
            uow.applications.save(mark_paid(current, receipt.reference, at))
            if current.kind.closes_account:
                uow.accounts.save(change_state(uow.accounts.get(account_no), AccountEvent.CLOSE_WITHDRAWN))
            if paid is not None:
                paid(uow, uow.applications.get(application_id), paid_out, receipt)
            uow.commit()
        return Payment(uow.applications.get(application_id), receipt, entries)


def pay_application(
    uow: UnitOfWork,
    channel: PaymentChannel,
    *,
    application_id: str,
    account_no: str,
    on: date,
    at: datetime,
    deposit_rate: Rate,
    day_basis: DayBasis | str,
) -> Payment:
    """Pay an approved application exactly once (see the module docstring). Safe to call
    again after a ``PaymentTimeout`` or a crash: it finishes what the first call began."""
    unit_of_work(uow)
    rate, basis = check_rate(deposit_rate, "deposit_rate"), check_basis(day_basis, "day_basis")

    def applicants_account(uow: UnitOfWork, application: Application) -> str:
        _withdrawal_only(application)
        if uow.accounts.get(account_no).member.member_id != application.member_id:
            raise refusal(
                [Violation("not_the_applicants_account", "the account is not the applicant's", "account_no")]
            )
        return account_no

    return _pay(uow, channel, application_id, on, at, rate, basis, account_of=applicants_account)
