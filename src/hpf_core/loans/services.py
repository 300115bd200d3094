"""Loan services (贷款业务): the use cases of the seed's loan screens, in a unit of work.

Money that leaves a deposit account for a loan (按月抵扣, 支取公积金还款) is a
``LOAN_DEDUCTION`` journal entry of that account, posted in the same unit of work as the
loan's own journal entry, so the two ledgers never disagree. Every money-moving service
takes an idempotency key, as the deposit services do.

``prepay_loan``, ``sign_monthly_offset``, ``cancel_monthly_offset`` and ``settle_loan`` act
at once, as the centre's counter (柜台) does; from the app the same business goes through
the centre's approval, in :mod:`hpf_core.loans.business` (D-046).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

import attrs

from hpf_core._inputs import instance, unit_of_work
from hpf_core._support import apply_outcome as _apply
from hpf_core.accounts import ContributionRounding
from hpf_core.accounts._ledger import EntryKind, JournalEntry, debit
from hpf_core.errors import Violation, refusal
from hpf_core.idempotency import once as _once
from hpf_core.loans._cycle import accrue, amount_due
from hpf_core.loans._early import (
    SettlementCertificate,
    apply_prepayment,
    prepayment_quote,
    settle,
    settlement_quote,
)
from hpf_core.loans._loan_details import repayment_details_by_period
from hpf_core.loans._loan_records import LoanAccount, PaymentSource
from hpf_core.loans._loan_views import (
    LoanAccountInfo,
    LoanEntry,
    LoanEntryDraft,
    LoanEntryKind,
    RepaymentDetail,
    entry_for,
    loan_account_info,
)
from hpf_core.loans._offset import (
    OffsetPlan,
    OffsetSigner,
    OffsetSource,
    SignerRole,
    cancel_offset,
    plan_monthly_offset,
    sign_offset,
)
from hpf_core.loans._offset_screen import OffsetSigningView, offset_signing_view
from hpf_core.loans._prepay import PrepaymentStrategy, check_strategy
from hpf_core.loans._rates import RepricingRule, repricing_date
from hpf_core.loans._repayment import repay
from hpf_core.loans._repricing import reprice_loan
from hpf_core.loans._servicing_policy import ServicingPolicy
from hpf_core.money import Amount, Rate, check_rate, yuan
from hpf_core.ports import BankDebit, UnitOfWork

__all__ = [
    "Collection",
    "cancel_monthly_offset",
    "collect_instalment",
    "disburse",
    "loan_account_screen",
    "offset_signing_screen",
    "prepay_loan",
    "repayment_details_screen",
    "reprice_loans",
    "settle_loan",
    "sign_monthly_offset",
]


DEPOSIT, LOAN = "deposit:", "loan:"
"""How a collection's stored result tells deposit entries from loan entries."""


@attrs.frozen
class Collection:
    """What a monthly collection did: the offset plan (None without an agreement, and on
    a replay, where the entries tell what happened), the deposit-account deductions, and
    the loan journal lines."""

    plan: OffsetPlan | None
    deductions: tuple[JournalEntry, ...]
    entries: tuple[LoanEntry, ...]


def disburse(uow: UnitOfWork, loan: LoanAccount) -> LoanAccount:
    """贷款发放: store a loan opened with :func:`hpf_core.loans.open_loan`."""
    unit_of_work(uow)
    instance(loan, LoanAccount, "loan")
    with uow:
        uow.loans.add(loan)
        uow.commit()
    return loan


def _save(uow: UnitOfWork, loan: LoanAccount) -> LoanAccount:
    """Save ``loan`` and return the record as stored (with the version the repository gave
    it), so that a caller who changes it again saves the current version."""
    uow.loans.save(loan)
    return uow.loans.get(loan.contract.contract_no)


def _signer(loan: LoanAccount, account_no: str) -> OffsetSigner | None:
    return next(
        (
            OffsetSigner(b.role, b.account_no, b.name)
            for b in loan.contract.borrowers
            if b.account_no == account_no
        ),
        None,
    )


def _sign(uow: UnitOfWork, contract_no: str, account_no: str, on: date) -> LoanAccount:
    loan = uow.loans.get(contract_no)
    signer = _signer(loan, account_no)
    borrowers = [OffsetSigner(b.role, b.account_no, b.name) for b in loan.contract.borrowers]
    if signer is None:
        raise refusal([Violation("not_a_borrower", "the account is not a borrower's", "account_no")])
    result = sign_offset(loan.agreement, contract_no=contract_no, signer=signer, borrowers=borrowers, on=on)
    return _save(uow, attrs.evolve(loan, agreement=result))


def _cancel(uow: UnitOfWork, contract_no: str, account_no: str) -> LoanAccount:
    loan = uow.loans.get(contract_no)
    if loan.agreement is None:
        raise refusal([Violation("not_signed", "there is no agreement", "account_no")])
    result = cancel_offset(loan.agreement, account_no=account_no)
    return _save(uow, attrs.evolve(loan, agreement=result))


def sign_monthly_offset(uow: UnitOfWork, *, contract_no: str, account_no: str, on: date) -> LoanAccount:
    """按月抵扣签约 at the centre's counter, at once: a borrower, spouse or co-borrower signs
    for their HPF account. From the app it goes through the centre's approval
    (:func:`hpf_core.loans.business.apply_for_offset_signing`, D-046)."""
    unit_of_work(uow)
    with uow:
        stored = _sign(uow, contract_no, account_no, on)
        uow.commit()
        return stored


def cancel_monthly_offset(uow: UnitOfWork, *, contract_no: str, account_no: str) -> LoanAccount:
    """取消签约 for one signer at the counter, at once; cancelling the last one ends the
    agreement. From the app: :func:`hpf_core.loans.business.apply_for_offset_cancelling` (D-046)."""
    unit_of_work(uow)
    with uow:
        stored = _cancel(uow, contract_no, account_no)
        uow.commit()
        return stored


def _post(
    uow: UnitOfWork,
    loan: LoanAccount,
    amount: Decimal,
    on: date,
    policy: ServicingPolicy,
    source: PaymentSource,
    key: str,
) -> tuple[LoanAccount, LoanEntry]:
    updated, allocation = repay(loan, amount, on, policy, source=source)
    entry = uow.loan_journal.append(entry_for(updated, allocation, key=key, period=updated.next_period - 1))
    return updated, entry


def collect_instalment(
    uow: UnitOfWork,
    *,
    contract_no: str,
    on: date,
    policy: ServicingPolicy,
    key: str,
    bank: BankDebit,
) -> Collection:
    """The monthly collection: what is due on ``on`` is taken from the signers' HPF
    accounts in the agreement's order (按月抵扣), the rest from the repayment card:
    ``bank`` (a :class:`hpf_core.ports.BankDebit`) is asked to debit it from the loan's
    还款卡号 under the debit id ``{key}/card`` and says whether it did; a declined debit
    leaves the rest due, to become overdue. Each loan journal line is keyed
    ``{key}/{account}`` (an offset take, the key of its deposit entry) or ``{key}/card``,
    so 还款明细 can show the parts of a 期 (D-049)."""
    unit_of_work(uow)
    params = {"contract_no": contract_no, "on": on}
    plan_seen: list[OffsetPlan | None] = [None]

    def work() -> tuple[str, ...]:
        loan = accrue(uow.loans.get(contract_no), on, policy)
        due = amount_due(loan, on, policy)
        ids: list[str] = []
        if due <= 0:
            uow.loans.save(loan)
            return ()
        card = due
        if loan.agreement is not None:
            sources = [
                OffsetSource(s.account_no, s.role, account.state, account.balance)
                for s in loan.agreement.signers
                for account in [uow.accounts.get(s.account_no)]
            ]
            plan = plan_monthly_offset(due, sources)
            plan_seen[0] = plan
            for take in plan.takes:
                account = uow.accounts.get(take.account_no)
                outcome = debit(
                    account,
                    kind=EntryKind.LOAN_DEDUCTION,
                    amount=take.amount,
                    value_date=on,
                    key=f"{key}/{take.account_no}",
                )
                ids.append(DEPOSIT + _apply(uow, outcome).entry_id)
                # the loan line keeps the deposit entry's key: 还款明细 names the signer (D-049)
                loan, entry = _post(
                    uow, loan, take.amount, on, policy, PaymentSource.HPF, f"{key}/{take.account_no}"
                )
                ids.append(LOAN + entry.entry_id)
            card = plan.from_card
        if card > 0 and bank.debit(
            debit_id=f"{key}/card", contract_no=contract_no, amount=card, card_number=loan.card_number
        ):
            loan, entry = _post(uow, loan, card, on, policy, PaymentSource.BANK, f"{key}/card")
            ids.append(LOAN + entry.entry_id)
        uow.loans.save(loan)
        return tuple(ids)

    with uow:
        ids = _once(uow, key, "collect_instalment", params, work)
        deductions = tuple(uow.journal.get(i.removeprefix(DEPOSIT)) for i in ids if i.startswith(DEPOSIT))
        by_id = {e.entry_id: e for e in uow.loan_journal.entries(contract_no)}
        entries = tuple(by_id[i.removeprefix(LOAN)] for i in ids if i.startswith(LOAN))
        return Collection(plan_seen[0], deductions, entries)


def _prepay(
    uow: UnitOfWork,
    contract_no: str,
    amount: Amount,
    on: date,
    plan: PrepaymentStrategy,
    policy: ServicingPolicy,
    key: str,
    card: _CardDebit | None = None,
) -> tuple[str, ...]:
    loan = uow.loans.get(contract_no)
    quote = prepayment_quote(loan, amount, on, plan, policy)
    if card is not None:
        card.take(loan, quote.bank_debit)
    before = len(uow.loan_journal.entries(contract_no))
    updated, allocation = apply_prepayment(loan, quote, policy)
    ids: list[str] = []
    if allocation is not None:
        current = uow.loan_journal.append(entry_for(updated, allocation, key=key))
        ids.append(current.entry_id)
    draft = LoanEntryDraft(
        contract_no,
        LoanEntryKind.PREPAYMENT,
        on,
        quote.principal,
        quote.interest,
        Decimal("0.00"),
        PaymentSource.BANK,
        key,
        updated.balance,
    )
    line = uow.loan_journal.append(draft)
    ids.append(line.entry_id)
    assert len(uow.loan_journal.entries(contract_no)) == before + len(ids)
    uow.loans.save(updated)
    return tuple(ids)


@attrs.frozen
class _CardDebit:
    """银行扣划 of an early repayment from the loan's 还款卡号: ``bank`` is asked under
    ``debit_id`` (the same id answers the same way, so a retry after a lost reply never
    debits twice; a new attempt after a decline takes a new id; D-049)."""

    bank: BankDebit
    debit_id: str

    def take(self, loan: LoanAccount, amount: Decimal) -> None:
        """Debit ``amount`` (nothing when it is 0); a decline refuses (``card_declined``)
        and, raised inside the unit of work, moves nothing."""
        if amount <= 0:
            return
        number = loan.contract.contract_no
        if not self.bank.debit(
            debit_id=self.debit_id, contract_no=number, amount=amount, card_number=loan.card_number
        ):
            raise refusal(
                [
                    Violation(
                        "card_declined", "the bank declined the debit of the repayment card", "card_number"
                    )
                ]
            )


def prepay_loan(
    uow: UnitOfWork,
    *,
    contract_no: str,
    amount: Amount,
    on: date,
    strategy: PrepaymentStrategy | str,
    policy: ServicingPolicy,
    key: str,
) -> tuple[LoanEntry, ...]:
    """提前还本 at the centre's counter, at once (from the app:
    :func:`hpf_core.loans.business.apply_for_prepayment`,
    D-046): check and apply a prepayment paid from the bank card (show the member
    :func:`hpf_core.loans.prepayment_quote` first). What is due this month is paid first;
    the loan's rows are recalculated. Returns the loan journal lines posted."""
    unit_of_work(uow)
    plan = check_strategy(strategy)
    params = {"contract_no": contract_no, "amount": yuan(amount), "on": on, "strategy": plan.value}
    with uow:
        ids = _once(
            uow, key, "prepay_loan", params, lambda: _prepay(uow, contract_no, amount, on, plan, policy, key)
        )
        by_id = {e.entry_id: e for e in uow.loan_journal.entries(contract_no)}
        return tuple(by_id[i] for i in ids)


def _settle(
    uow: UnitOfWork,
    contract_no: str,
    on: date,
    hpf: Decimal,
    account_no: str | None,
    policy: ServicingPolicy,
    key: str,
    certificate_no: str,
    issued: list[SettlementCertificate],
    card: _CardDebit | None = None,
) -> tuple[str, ...]:
    """Settle in the open unit of work: ``hpf`` from the fund of ``account_no`` (a borrower's
    of the loan; None: the main borrower's), the bank card for the rest (debited through
    ``card`` when one is given)."""
    loan = uow.loans.get(contract_no)
    quote = settlement_quote(loan, on, policy, from_hpf=hpf)
    if card is not None:
        card.take(loan, quote.bank_debit)
    ids: list[str] = []
    if hpf > 0:
        drawn = next(
            (
                b
                for b in loan.contract.borrowers
                if (b.account_no == account_no if account_no is not None else b.role is SignerRole.BORROWER)
            ),
            None,
        )
        if drawn is None:
            raise refusal(
                [
                    Violation(
                        "no_borrower_account", "the account drawn is not a borrower's of the loan", "from_hpf"
                    )
                ]
            )
        outcome = debit(
            uow.accounts.get(drawn.account_no),
            kind=EntryKind.LOAN_DEDUCTION,
            amount=hpf,
            value_date=on,
            key=f"{key}/hpf",
        )
        ids.append(_apply(uow, outcome).entry_id)
    closed, certificate = settle(loan, quote, policy, certificate_no=certificate_no)
    line = LoanEntryDraft(
        contract_no,
        LoanEntryKind.SETTLEMENT,
        on,
        quote.principal,
        quote.interest,
        quote.penalty,
        PaymentSource.HPF if hpf == quote.total else PaymentSource.BANK,
        key,
        Decimal("0.00"),
    )
    ids.append(uow.loan_journal.append(line).entry_id)
    uow.loans.save(closed)
    issued.append(certificate)
    return tuple(ids)


def settle_loan(
    uow: UnitOfWork,
    *,
    contract_no: str,
    on: date,
    from_hpf: Amount,
    policy: ServicingPolicy,
    key: str,
    certificate_no: str,
) -> SettlementCertificate:
    """提前结清 at the centre's counter, at once (from the app:
    :func:`hpf_core.loans.business.apply_for_settlement`,
    D-046): the main borrower's HPF balance first (支取公积金还款, ``from_hpf``, at
    most what that account may pay), the bank card for the rest; the loan closes, the
    offset agreement ends, and a 贷款结清证明 is issued."""
    unit_of_work(uow)
    hpf = yuan(from_hpf, "from_hpf")
    params = {"contract_no": contract_no, "on": on, "from_hpf": hpf, "certificate_no": certificate_no}
    issued: list[SettlementCertificate] = []
    with uow:
        _once(
            uow,
            key,
            "settle_loan",
            params,
            lambda: _settle(uow, contract_no, on, hpf, None, policy, key, certificate_no, issued),
        )
        if issued:
            return issued[0]
        closed = uow.loans.get(contract_no)
        assert closed.settled_on is not None
        return SettlementCertificate(
            certificate_no,
            contract_no,
            next((b.name for b in closed.contract.borrowers if b.role is SignerRole.BORROWER), ""),
            closed.contract.principal,
            closed.contract.disbursed_on,
            closed.settled_on,
            closed.repaid_principal,
            closed.repaid_interest,
        )


def loan_account_screen(uow: UnitOfWork, *, contract_no: str) -> LoanAccountInfo:
    """贷款账户信息 (seed §4.2 (3)) with 借款人单位名称, the main borrower's employer read
    from their deposit account ('' when the main borrower has none in this store)."""
    unit_of_work(uow)
    with uow:
        loan = uow.loans.get(contract_no)
        main = next((b for b in loan.contract.borrowers if b.role is SignerRole.BORROWER), None)
        name = ""
        if main is not None and main.account_no in uow.accounts.numbers():
            name = uow.accounts.get(main.account_no).employer.name
        return loan_account_info(loan, employer_name=name)


def offset_signing_screen(
    uow: UnitOfWork,
    *,
    contract_no: str,
    account_no: str,
    rounding: ContributionRounding | str = ContributionRounding.HALF_UP_YUAN,
) -> OffsetSigningView:
    """按月抵扣签约 (seed §6.3.2) for the signer of ``account_no``: their account, the loan's
    应缴年月 and 是否按月委托提取 (D-049). ``rounding`` is the centre's contribution rounding
    (``CenterPolicy.contributions.rounding``), for 月缴存额."""
    unit_of_work(uow)
    with uow:
        loan = uow.loans.get(contract_no)
        return offset_signing_view(loan, uow.accounts.get(account_no), rounding=rounding)


def repayment_details_screen(
    uow: UnitOfWork, *, contract_no: str, start: date, end: date
) -> tuple[RepaymentDetail, ...]:
    """贷款还款明细 (seed §4.2 (4)) one row per 期, its parts on expansion (D-049)."""
    unit_of_work(uow)
    with uow:
        loan = uow.loans.get(contract_no)
        return repayment_details_by_period(loan, uow.loan_journal.entries(contract_no), start, end)


def reprice_loans(
    uow: UnitOfWork,
    *,
    change_effective: date,
    new_rate: Callable[[LoanAccount], Rate],
    rule: RepricingRule,
    policy: ServicingPolicy,
    on: date,
) -> Sequence[str]:
    """存量贷款利率调整: every open loan that the change reaches by ``on`` (per ``rule``)
    takes ``new_rate(loan)`` from its repricing date; each change is applied once a loan.
    Returns the contract numbers repriced."""
    unit_of_work(uow)
    done: list[str] = []
    with uow:
        for number in uow.loans.numbers():
            loan = uow.loans.get(number)
            if loan.settled_on is not None or change_effective in loan.rate_changes:
                continue
            contract = loan.contract
            when = repricing_date(change_effective, contract.disbursed_on, contract.term_months, rule=rule)
            if when is None or when > on:
                continue
            rate = check_rate(new_rate(loan), "new_rate")
            repriced = reprice_loan(loan, rate, when, policy)
            uow.loans.save(attrs.evolve(repriced, rate_changes=(*loan.rate_changes, change_effective)))
            done.append(number)
        uow.commit()
    return tuple(done)
