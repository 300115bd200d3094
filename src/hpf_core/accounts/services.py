"""Deposit account services (缴存业务): the use cases, run inside a unit of work.

Each service is ``(uow, command fields..., dates) -> result``. It reads through the ports,
decides with the pure functions of :mod:`hpf_core.accounts`, appends journal entries and
commits — or raises and changes nothing. Money-moving services take an idempotency key:
the same key with the same parameters returns the first result and changes nothing; the
same key with different parameters raises ``IdempotencyConflict`` naming the first field
that differs. A refused request is not remembered, so it may be retried with its key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from hpf_core._inputs import unit_of_work
from hpf_core._support import apply_outcome as _apply
from hpf_core.accounts._contribution import (
    ContributionPolicy,
    ContributionRounding,
    check_rounding,
    contribution_for,
    monthly_contribution,
)
from hpf_core.accounts._interest import DayBasis, accrue_interest_segments, check_basis, interest_year
from hpf_core.accounts._ledger import (
    DepositAccount,
    Employer,
    EntryDraft,
    EntryKind,
    JournalEntry,
    Member,
    change_state,
    contribute,
    credit_interest,
    debit,
    month_of,
    reverse,
    transfer_in,
)
from hpf_core.accounts._status import AccountEvent, AccountStatus, FreezeFlag, apply_event
from hpf_core.dates import check_date
from hpf_core.errors import (
    InputError,
    InputTypeError,
    InvalidAmount,
    InvalidChoice,
    InvalidDate,
    Refused,
    UnknownRecord,
    Violation,
    refusal,
)
from hpf_core.idempotency import once as _once
from hpf_core.identity import validate_id_number, validate_phone
from hpf_core.money import check_rate, yuan
from hpf_core.ports import UnitOfWork

__all__ = [
    "back_pay",
    "freeze",
    "open_account",
    "receive_transfer",
    "remit_month",
    "reverse_entry",
    "seal",
    "settle_annual_interest",
    "transfer_out",
    "unfreeze",
    "unseal",
    "withdraw",
]


def _posted(
    uow: UnitOfWork,
    key: str,
    operation: str,
    params: Mapping[str, object],
    work: Callable[[], list[JournalEntry]],
) -> tuple[JournalEntry, ...]:
    """Run ``work`` once per key (:func:`hpf_core.idempotency.once`) inside ``uow`` and
    return the entries it appended. The first time, they are the ones the journal handed
    back in this unit of work (no second transaction to read them again); a replay reads
    the stored ids in the same transaction."""
    written: list[JournalEntry] = []

    def ids() -> tuple[str, ...]:
        written.extend(work())
        return tuple(entry.entry_id for entry in written)

    with uow:
        found = _once(uow, key, operation, params, ids)
        if written:
            return tuple(written)
        return tuple(uow.journal.get(i) for i in found)


def _uow(uow: object) -> UnitOfWork:
    return unit_of_work(uow)  # type: ignore[return-value]


def _name(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    if not value.strip() or not value.isprintable():
        raise InputError(field, "must be a non-empty printable identifier", value)
    return value


def _year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError("year", f"must be an int, not {type(value).__name__}", value)
    if not 1991 <= value <= 9998:
        raise InvalidDate("year", "must be an interest year from 1991 (the first HPF year) on", value)
    return value


def _rates(rates: object) -> tuple[tuple[date, Decimal], ...]:
    if isinstance(rates, str | bytes) or not isinstance(rates, Sequence):
        raise InputTypeError(
            "rates", f"must be a sequence of (date, rate), not {type(rates).__name__}", rates
        )
    checked = []
    for row in rates:
        if not isinstance(row, tuple | list) or len(row) != 2:
            raise InputTypeError("rates", "each row must be a (date, rate) pair", row)
        checked.append((check_date(row[0], "rates"), check_rate(row[1], "rates")))
    return tuple(checked)


def open_account(
    uow: UnitOfWork,
    *,
    account_no: str,
    member: Member,
    employer: Employer,
    opened_on: date,
    base: Decimal | int | str,
    employee_ratio: Decimal | str,
    employer_ratio: Decimal | str,
    first_month: date | None = None,
    policy: ContributionPolicy | None = None,
) -> DepositAccount:
    """开户: a new account in status 正常. A member has one account (Art. 13). The base
    must be above 0; with a centre's ``policy`` the ratios must lie in its bounds
    (``InvalidContributionRatio``) and the base is clamped to its limits. The member's ID
    number must be valid with a birth date not after ``opened_on``, and the phone (when
    given) a mainland mobile number."""
    uow = _uow(uow)
    _name(account_no, "account_no")
    opened_on = check_date(opened_on, "opened_on")
    if not isinstance(member, Member):
        raise InputTypeError("member", f"must be a Member, not {type(member).__name__}", member)
    if not isinstance(employer, Employer):
        raise InputTypeError("employer", f"must be an Employer, not {type(employer).__name__}", employer)
    validate_id_number(member.id_number, "member.id_number", today=opened_on)
    if member.phone is not None:
        validate_phone(member.phone, "member.phone")
    if first_month is not None:
        first_month = month_of(check_date(first_month, "first_month"))
    if policy is not None and not isinstance(policy, ContributionPolicy):
        raise InputTypeError("policy", f"must be a ContributionPolicy, not {type(policy).__name__}", policy)
    amount = yuan(base, "base")
    if amount <= 0:
        raise InvalidAmount("base", "must be greater than 0", base)
    ratios = check_rate(employee_ratio, "employee_ratio"), check_rate(employer_ratio, "employer_ratio")
    if policy is not None:
        amount = contribution_for(
            policy, base=amount, employee_ratio=ratios[0], employer_ratio=ratios[1]
        ).base_used
    account = DepositAccount(
        account_no,
        member,
        employer,
        opened_on,
        amount,
        ratios[0],
        ratios[1],
        first_month=first_month,
    )
    with uow:
        uow.accounts.add(account)
        uow.commit()
    return account


def remit_month(
    uow: UnitOfWork,
    *,
    employer_no: str,
    month: date,
    value_date: date,
    key: str,
    rounding: ContributionRounding | str,
) -> tuple[JournalEntry, ...]:
    """汇缴: an employer's remittance for one month, as one batch — every contributing
    account (not sealed, not closed) is credited its monthly deposit, or none is. An
    employer with no account here is an ``UnknownRecord``. The store is asked first
    (``AccountRepository.remit_in_store``): one that can vouch for every account posts it
    itself, with the same effects (D-078)."""
    uow = _uow(uow)
    _name(employer_no, "employer_no")
    month = month_of(check_date(month, "month"))
    check_date(value_date, "value_date")
    rounding = check_rounding(rounding)
    params = {
        "employer_no": employer_no,
        "month": month_of(month),
        "value_date": value_date,
        "rounding": rounding,
    }

    def work() -> list[JournalEntry]:
        # the store may post it itself when it can vouch for every account (D-078)
        posted = uow.accounts.remit_in_store(
            employer_no, month=month, value_date=value_date, rounding=rounding, key=key
        )
        if posted is not None:
            return list(posted)
        outcomes: list[tuple[DepositAccount, EntryDraft]] = []
        problems: list[Violation] = []
        accounts = uow.accounts.by_employer(employer_no)
        if not accounts:
            raise UnknownRecord("employer_no", "no account is opened for this employer", employer_no)
        for account in accounts:
            if account.status.closed or account.status is AccountStatus.SEALED:
                continue
            amount = monthly_contribution(
                account.base, account.employee_ratio, account.employer_ratio, rounding=rounding
            ).total
            try:
                outcome = contribute(
                    account,
                    kind=EntryKind.REMITTANCE,
                    month=month,
                    amount=amount,
                    value_date=value_date,
                    key=f"{key}/{account.account_no}",
                )
            except Refused as refused:
                problems.extend(
                    Violation(v.code, f"{account.account_no}: {v.message}", v.field)
                    for v in refused.violations
                )
                continue
            outcomes.append(outcome)
        if problems:
            raise refusal(problems)
        # one batch each: the accounts by compare-and-set, then their entries in order
        uow.accounts.save_many([account for account, _ in outcomes])
        return list(uow.journal.append_many([draft for _, draft in outcomes]))

    return _posted(uow, key, "remit_month", params, work)


def back_pay(
    uow: UnitOfWork, *, account_no: str, month: date, amount: Decimal | int | str, value_date: date, key: str
) -> JournalEntry:
    """补缴: pay a missed month (a gap before 缴至年月)."""
    uow = _uow(uow)
    _name(account_no, "account_no")
    month = month_of(check_date(month, "month"))
    check_date(value_date, "value_date")
    params = {
        "account_no": account_no,
        "month": month_of(month),
        "amount": yuan(amount),
        "value_date": value_date,
    }

    def work() -> list[JournalEntry]:
        account = uow.accounts.get(account_no)
        outcome = contribute(
            account, kind=EntryKind.BACK_PAY, month=month, amount=yuan(amount), value_date=value_date, key=key
        )
        return [_apply(uow, outcome)]

    return _posted(uow, key, "back_pay", params, work)[0]


def receive_transfer(
    uow: UnitOfWork, *, account_no: str, amount: Decimal | int | str, value_date: date, key: str
) -> JournalEntry:
    """转入: a balance moved in from another centre (异地转移接续) or account."""
    uow = _uow(uow)
    _name(account_no, "account_no")
    check_date(value_date, "value_date")
    params = {"account_no": account_no, "amount": yuan(amount), "value_date": value_date}

    def work() -> list[JournalEntry]:
        account = uow.accounts.get(account_no)
        outcome = transfer_in(account, amount=yuan(amount), value_date=value_date, key=key)
        return [_apply(uow, outcome)]

    return _posted(uow, key, "receive_transfer", params, work)[0]


def withdraw(
    uow: UnitOfWork,
    *,
    account_no: str,
    amount: Decimal | int | str,
    value_date: date,
    key: str,
    kind: EntryKind | str = EntryKind.WITHDRAWAL,
) -> JournalEntry:
    """提取 / 还贷: pay money out; never beyond the balance less any frozen amount."""
    uow = _uow(uow)
    _name(account_no, "account_no")
    check_date(value_date, "value_date")
    kind = EntryKind(kind) if isinstance(kind, str) and kind in {k.value for k in EntryKind} else kind
    if not isinstance(kind, EntryKind):
        raise InvalidChoice("kind", "must be withdrawal or loan-deduction", kind)
    params = {"account_no": account_no, "amount": yuan(amount), "value_date": value_date, "kind": kind.value}

    def work() -> list[JournalEntry]:
        account = uow.accounts.get(account_no)
        outcome = debit(account, kind=kind, amount=yuan(amount), value_date=value_date, key=key)
        return [_apply(uow, outcome)]

    return _posted(uow, key, "withdraw", params, work)[0]


def reverse_entry(uow: UnitOfWork, *, entry_id: str, value_date: date, key: str) -> JournalEntry:
    """冲正: cancel an entry with its opposite; the original stays in the journal."""
    uow = _uow(uow)
    _name(entry_id, "entry_id")
    check_date(value_date, "value_date")
    params = {"entry_id": entry_id, "value_date": value_date}

    def work() -> list[JournalEntry]:
        entry = uow.journal.get(entry_id)
        account = uow.accounts.get(entry.account_no)
        done = uow.journal.reversal_of(entry_id) is not None
        outcome = reverse(account, entry, already_reversed=done, value_date=value_date, key=key)
        return [_apply(uow, outcome)]

    return _posted(uow, key, "reverse_entry", params, work)[0]


def _interest_inputs(
    entries: Sequence[JournalEntry], start: date, end: date
) -> tuple[Decimal, list[tuple[date, Decimal]]]:
    opening = sum((e.amount for e in entries if e.value_date < start), Decimal("0.00"))
    postings = [(e.value_date, e.amount) for e in entries if start <= e.value_date <= end]
    return opening, postings


def _settle_year(
    uow: UnitOfWork, year: int, rates: Sequence[tuple[date, Decimal]], basis: DayBasis, key: str, on: date
) -> list[JournalEntry]:
    """The work of :func:`settle_annual_interest` in the open unit of work (checked inputs):
    the interest entries it posts (also run by ``hpf_core.backoffice.settle_interest``)."""
    if on < date(year + 1, 6, 30):
        raise refusal(
            Violation(
                "year_not_ended",
                f"interest year {year} runs to {year + 1}-06-30: not to be settled on {on.isoformat()}",
                "year",
            )
        )
    start, end = interest_year(date(year, 7, 1))
    posted: list[JournalEntry] = []
    for number in uow.accounts.numbers():
        account = uow.accounts.get(number)
        if account.status.closed or account.status is AccountStatus.OTHER or year in account.settled_years:
            continue
        opening, postings = _interest_inputs(uow.journal.entries(number), start, end)
        breakdown = accrue_interest_segments(opening, postings, start, end, rates, basis=basis)
        if breakdown.total == 0:
            continue
        outcome = credit_interest(
            account,
            year=year,
            amount=breakdown.total,
            value_date=end + timedelta(days=1),
            key=f"{key}/{number}",
        )
        posted.append(_apply(uow, outcome))
    return posted


def settle_annual_interest(
    uow: UnitOfWork,
    *,
    year: int,
    rates: Sequence[tuple[date, Decimal]],
    basis: DayBasis | str,
    key: str,
    on: date,
) -> tuple[JournalEntry, ...]:
    """年度结息: settle interest year ``year`` (1 July ``year`` – 30 June ``year + 1``) for
    every open account not yet settled for it, crediting the interest with value date
    1 July ``year + 1`` (it earns interest in the next year). An account's year is settled
    at most once, so rerunning after a partial run completes the rest. Accounts that
    earned nothing get no entry; an account in status 99 (其他), which refuses every
    event, is left for the centre to handle rather than stopping the batch.

    ``on`` is the day the settlement is posted: a year that has not ended by then (its
    last day, 30 June ``year + 1``, after ``on``) is refused (``year_not_ended``)."""
    uow = _uow(uow)
    year = _year(year)
    on = check_date(on, "on")
    rates = _rates(rates)
    basis = check_basis(basis)
    params = {"year": year, "rates": tuple(rates), "basis": basis.value, "on": on}

    def work() -> list[JournalEntry]:
        return _settle_year(uow, year, rates, basis, key, on)

    return _posted(uow, key, "settle_annual_interest", params, work)


def transfer_out(
    uow: UnitOfWork,
    *,
    account_no: str,
    on: date,
    rates: Sequence[tuple[date, Decimal]],
    basis: DayBasis | str,
    key: str,
) -> tuple[JournalEntry, ...]:
    """外部转出销户: credit closing interest (销户利息: from 1 July to the day before ``on``),
    move the whole balance out, and close the account as 外部转出销户."""
    uow = _uow(uow)
    _name(account_no, "account_no")
    on = check_date(on, "on")
    rates = _rates(rates)
    basis = check_basis(basis)
    params = {"account_no": account_no, "on": on, "rates": tuple(rates), "basis": basis.value}

    def work() -> list[JournalEntry]:
        account = uow.accounts.get(account_no)
        apply_event(account.state, AccountEvent.CLOSE_TRANSFERRED)  # refuses before any posting
        start, _ = interest_year(on)
        end = on - timedelta(days=1)
        posted: list[JournalEntry] = []
        if end >= start:
            opening, postings = _interest_inputs(uow.journal.entries(account_no), start, end)
            interest = accrue_interest_segments(opening, postings, start, end, rates, basis=basis).total
            if interest > 0:
                outcome = credit_interest(
                    account, year=None, amount=interest, value_date=on, key=f"{key}/interest"
                )
                posted.append(_apply(uow, outcome))
                account = uow.accounts.get(account_no)
        if account.balance > 0:
            outcome = debit(
                account, kind=EntryKind.TRANSFER_OUT, amount=account.balance, value_date=on, key=f"{key}/out"
            )
            posted.append(_apply(uow, outcome))
            account = uow.accounts.get(account_no)
        uow.accounts.save(change_state(account, AccountEvent.CLOSE_TRANSFERRED))
        return posted

    return _posted(uow, key, "transfer_out", params, work)


def _state_change(
    uow: UnitOfWork, account_no: str, event: AccountEvent, frozen_amount: Decimal | None = None
) -> DepositAccount:
    uow = _uow(uow)
    _name(account_no, "account_no")
    with uow:
        account = uow.accounts.get(account_no)
        uow.accounts.save(change_state(account, event, frozen_amount=frozen_amount))
        stored = uow.accounts.get(account_no)  # the stored version (D-035: save bumps it)
        uow.commit()
        return stored


def seal(uow: UnitOfWork, *, account_no: str) -> DepositAccount:
    """封存: employment ended; contributions stop, interest goes on."""
    return _state_change(uow, account_no, AccountEvent.SEAL)


def unseal(uow: UnitOfWork, *, account_no: str) -> DepositAccount:
    """启封: contributions resume."""
    return _state_change(uow, account_no, AccountEvent.UNSEAL)


def freeze(
    uow: UnitOfWork, *, account_no: str, flag: FreezeFlag, amount: Decimal | int | str | None = None
) -> DepositAccount:
    """冻结: 只收不付, 不收不付, or a partial freeze of ``amount``."""
    event = {
        FreezeFlag.CREDITS_ONLY: AccountEvent.FREEZE_CREDITS_ONLY,
        FreezeFlag.NO_MOVEMENT: AccountEvent.FREEZE_NO_MOVEMENT,
        FreezeFlag.PARTIAL: AccountEvent.FREEZE_PARTIAL,
    }.get(flag)
    if event is None:
        raise InvalidChoice("flag", "must be CREDITS_ONLY, NO_MOVEMENT or PARTIAL", flag)
    return _state_change(uow, account_no, event, yuan(amount, "amount") if amount is not None else None)


def unfreeze(uow: UnitOfWork, *, account_no: str) -> DepositAccount:
    """解冻: back to the status before the freeze."""
    return _state_change(uow, account_no, AccountEvent.UNFREEZE)
