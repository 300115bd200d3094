"""Deposit accounts (个人公积金账户) and their journal (账务流水).

Every balance change is an immutable :class:`JournalEntry` with a value date (起息日) and
an idempotency key; the balance is the sum of the entries, and a correction is a reversal
(冲正), never an edit. The functions here are pure: each takes an account and an
operation, and returns the account after it with the entry to append; a refused
operation raises ``refusal(violations)`` carrying every ``Violation`` found (D-035, D-038).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import attrs

from hpf_core.accounts._status import (
    AccountEvent,
    AccountState,
    AccountStatus,
    FreezeFlag,
    _transition,
    available_to_debit,
)
from hpf_core.dates import add_months, check_date
from hpf_core.errors import (
    InputTypeError,
    InvalidAmount,
    InvalidChoice,
    InvalidIdempotencyKey,
    Violation,
    refusal,
)
from hpf_core.identity import masked_repr
from hpf_core.money import yuan

MAX_KEY_LENGTH = 255


class EntryKind(enum.Enum):
    """The kinds of journal entry (业务类型)."""

    REMITTANCE = "remittance"
    """汇缴: the employer's monthly remittance."""
    BACK_PAY = "back-pay"
    """补缴: a missed month paid later."""
    INTEREST = "interest"
    """结息: interest settled (annually, or on closing)."""
    WITHDRAWAL = "withdrawal"
    """提取."""
    TRANSFER_IN = "transfer-in"
    """转入."""
    TRANSFER_OUT = "transfer-out"
    """转出."""
    LOAN_DEDUCTION = "loan-deduction"
    """还贷: a loan instalment taken from the balance."""
    REVERSAL = "reversal"
    """冲正: cancels one earlier entry."""

    @property
    def chinese(self) -> str:
        """The name statements show."""
        return _ENTRY_CHINESE[self]

    @property
    def is_credit(self) -> bool:
        """Money into the account (the reversal's sign depends on what it reverses)."""
        return self in (EntryKind.REMITTANCE, EntryKind.BACK_PAY, EntryKind.INTEREST, EntryKind.TRANSFER_IN)


_ENTRY_CHINESE = {
    EntryKind.REMITTANCE: "汇缴",
    EntryKind.BACK_PAY: "补缴",
    EntryKind.INTEREST: "结息",
    EntryKind.WITHDRAWAL: "提取",
    EntryKind.TRANSFER_IN: "转入",
    EntryKind.TRANSFER_OUT: "转出",
    EntryKind.LOAN_DEDUCTION: "还贷",
    EntryKind.REVERSAL: "冲正",
}


@attrs.frozen
class Member:
    """职工: the account holder. Its repr masks the ID number and phone (D-043)."""

    member_id: str
    name: str
    id_number: str = attrs.field(repr=masked_repr)
    phone: str | None = attrs.field(default=None, repr=masked_repr)


@attrs.frozen
class Employer:
    """单位: who remits for the member."""

    employer_no: str
    name: str


NORMAL = AccountState(AccountStatus.NORMAL)
"""The state of a newly opened account."""


@attrs.frozen
class DepositAccount:
    """A member's one HPF account (Art. 13: one account per employee).

    ``balance`` is kept with the account and always equals the sum of its journal
    entries; ``paid_months`` are the contribution months (first of the month) paid so far,
    ``paid_through`` (缴至年月) the latest of them; ``settled_years`` the interest years
    whose annual interest is in the journal.
    """

    account_no: str = attrs.field(repr=masked_repr)
    member: Member
    employer: Employer
    opened_on: date
    base: Decimal
    employee_ratio: Decimal
    employer_ratio: Decimal
    state: AccountState = attrs.field(factory=lambda: NORMAL)
    balance: Decimal = Decimal("0.00")
    first_month: date | None = None
    paid_months: frozenset[date] = frozenset()
    settled_years: frozenset[int] = frozenset()
    last_value_date: date | None = None
    """The latest value date in the journal: money out is never dated before it."""
    version: int = attrs.field(default=0, kw_only=True)
    """The stored version: a repository's ``save`` refuses a record whose version is not
    the stored one (``ConcurrentUpdate``) and stores it as ``version + 1``."""

    @property
    def status(self) -> AccountStatus:
        """个人账户状态."""
        return self.state.status

    @property
    def paid_through(self) -> date | None:
        """缴至年月: the latest month paid, or None before the first remittance."""
        return max(self.paid_months) if self.paid_months else None

    @property
    def gaps(self) -> tuple[date, ...]:
        """Months from 启缴年月 (or the first paid month) to ``paid_through`` that are not
        paid (欠缴)."""
        if not self.paid_months:
            return ()
        month, last, missing = min(self.paid_months), max(self.paid_months), []
        if self.first_month is not None:
            month = min(month, self.first_month)
        while month < last:
            if month not in self.paid_months:
                missing.append(month)
            month = add_months(month, 1)
        return tuple(missing)


@attrs.frozen
class EntryDraft:
    """An entry before the journal gives it an id and a sequence number."""

    account_no: str = attrs.field(repr=masked_repr)
    kind: EntryKind
    amount: Decimal
    """Signed: credits positive, debits negative."""
    value_date: date
    key: str
    month: date | None = None
    interest_year: int | None = None
    reverses: str | None = None
    memo: str = ""


@attrs.frozen
class JournalEntry:
    """One immutable journal line (流水)."""

    entry_id: str
    sequence: int
    account_no: str = attrs.field(repr=masked_repr)
    kind: EntryKind
    amount: Decimal
    value_date: date
    key: str
    month: date | None = None
    interest_year: int | None = None
    reverses: str | None = None
    memo: str = ""


def check_key(key: object, field: str = "key") -> str:
    """An idempotency key: 1-255 printable characters (RELIABILITY.md §4 row 28)."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidIdempotencyKey(field, f"must be 1 to {MAX_KEY_LENGTH} printable characters", key)
    return key


def month_of(day: date) -> date:
    """The first day of ``day``'s month: how contribution months are written."""
    return check_date(day, "month").replace(day=1)


def balance_of(entries: Iterable[JournalEntry]) -> Decimal:
    """The balance the entries add up to."""
    if isinstance(entries, str | bytes) or not isinstance(entries, Iterable):
        raise InputTypeError("entries", f"must be journal entries, not {type(entries).__name__}", entries)
    listed = tuple(entries)
    for entry in listed:
        if not isinstance(entry, JournalEntry):
            raise InputTypeError("entries", f"must hold JournalEntry, not {type(entry).__name__}", entry)
    return sum((e.amount for e in listed), Decimal("0.00"))


def _positive(amount: Decimal, field: str = "amount") -> Decimal:
    value = yuan(amount, field)
    if value <= 0:
        raise InvalidAmount(field, "must be greater than 0", amount)
    return value


PostingOutcome = tuple[DepositAccount, EntryDraft]
"""What a posting function returns: the account after it with the entry to append (a
refused posting raises instead)."""


def interest_year_of(day: date) -> int:
    """The interest year (1 July – 30 June, named by the year it starts) holding ``day``."""
    day = check_date(day, "day")
    return day.year if day.month >= 7 else day.year - 1


def _dating(account: DepositAccount, value_date: date, *, money_out: bool) -> list[Violation]:
    """Value-date rules shared by every posting: not before the account opened; not in
    an interest year already settled (its interest is final); and money going out is
    never dated before the latest posting (so no day's balance can turn negative)."""
    problems = []
    if value_date < account.opened_on:
        problems.append(
            Violation(
                "value_date_before_opening", "the value date is before the account opened", "value_date"
            )
        )
    if interest_year_of(value_date) in account.settled_years:
        problems.append(
            Violation(
                "value_date_in_settled_year",
                f"interest year {interest_year_of(value_date)} is settled: date the posting after it",
                "value_date",
            )
        )
    if money_out and account.last_value_date is not None and value_date < account.last_value_date:
        problems.append(
            Violation(
                "value_date_before_last_posting",
                f"money out cannot be dated before the latest posting ({account.last_value_date})",
                "value_date",
            )
        )
    return problems


def _latest(account: DepositAccount, value_date: date) -> date:
    last = account.last_value_date
    return value_date if last is None or value_date > last else last


def _kind(value: object, allowed: tuple[EntryKind, ...]) -> EntryKind:
    try:
        kind = value if isinstance(value, EntryKind) else EntryKind(value)
    except ValueError:
        kind = None
    if kind not in allowed:
        raise InvalidChoice("kind", f"must be one of {', '.join(k.value for k in allowed)}", value)
    return kind


def _account(account: object) -> DepositAccount:
    if not isinstance(account, DepositAccount):
        raise InputTypeError("account", f"must be a DepositAccount, not {type(account).__name__}", account)
    return account


def _allowed(account: DepositAccount, event: AccountEvent) -> tuple[Violation, ...]:
    result = _transition(account.state, event)
    return (result,) if isinstance(result, Violation) else ()


def contribute(
    account: DepositAccount,
    *,
    kind: EntryKind,
    month: date,
    amount: Decimal,
    value_date: date,
    key: str,
) -> PostingOutcome:
    """汇缴 (REMITTANCE) or 补缴 (BACK_PAY) of one contribution month.

    A remittance pays a month after ``paid_through`` and so advances it (months it skips
    become gaps); back-pay fills a gap (a month before ``paid_through`` not yet paid). The
    same month is never paid twice.
    """
    account = _account(account)
    check_key(key)
    check_date(value_date, "value_date")
    kind = _kind(kind, (EntryKind.REMITTANCE, EntryKind.BACK_PAY))
    paid = _positive(amount)
    month = month_of(month)
    problems = list(_allowed(account, AccountEvent.CONTRIBUTE))
    if month in account.paid_months:
        problems.append(Violation("month_paid", f"{month:%Y-%m} is already paid", "month"))
    elif kind is EntryKind.REMITTANCE:
        through = account.paid_through
        if through is not None and month < through:
            problems.append(
                Violation(
                    "month_before_paid_through",
                    f"{month:%Y-%m} is before 缴至年月 {through:%Y-%m}: use back-pay",
                    "month",
                )
            )
    else:
        through = account.paid_through
        if through is None or month > through:
            problems.append(
                Violation("not_a_gap", f"{month:%Y-%m} is not a gap before 缴至年月: remit it", "month")
            )
    if account.first_month is not None and month < account.first_month:
        problems.append(Violation("before_first_month", f"{month:%Y-%m} is before 启缴年月", "month"))
    if value_date < month:
        problems.append(
            Violation("value_date_before_month", f"paid before {month:%Y-%m} began", "value_date")
        )
    problems.extend(_dating(account, value_date, money_out=False))
    if problems:
        raise refusal(problems)
    updated = attrs.evolve(
        account,
        balance=account.balance + paid,
        paid_months=account.paid_months | {month},
        last_value_date=_latest(account, value_date),
    )
    return updated, EntryDraft(account.account_no, kind, paid, value_date, key, month=month)


def credit_interest(
    account: DepositAccount, *, year: int | None, amount: Decimal, value_date: date, key: str
) -> PostingOutcome:
    """结息: settled interest. ``year`` names the interest year for an annual settlement
    (settled at most once); ``None`` is closing interest (销户利息)."""
    account = _account(account)
    check_key(key)
    check_date(value_date, "value_date")
    interest = yuan(amount, "amount")
    if interest < 0:
        raise InvalidAmount("amount", "interest cannot be negative", amount)
    problems = list(_allowed(account, AccountEvent.SETTLE_INTEREST))
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise InputTypeError("year", f"must be an int or None, not {type(year).__name__}", year)
    if year is not None and year in account.settled_years:
        problems.append(Violation("year_settled", f"interest year {year} is already settled", "year"))
    else:
        problems.extend(_dating(account, value_date, money_out=False))
    if problems:
        raise refusal(problems)
    years = account.settled_years | {year} if year is not None else account.settled_years
    updated = attrs.evolve(
        account,
        balance=account.balance + interest,
        settled_years=years,
        last_value_date=_latest(account, value_date),
    )
    return updated, EntryDraft(
        account.account_no, EntryKind.INTEREST, interest, value_date, key, interest_year=year
    )


def transfer_in(account: DepositAccount, *, amount: Decimal, value_date: date, key: str) -> PostingOutcome:
    """转入: a balance moved here from another centre or account."""
    account = _account(account)
    check_key(key)
    check_date(value_date, "value_date")
    paid = _positive(amount)
    problems = [*_allowed(account, AccountEvent.CONTRIBUTE), *_dating(account, value_date, money_out=False)]
    if problems:
        raise refusal(problems)
    updated = attrs.evolve(
        account, balance=account.balance + paid, last_value_date=_latest(account, value_date)
    )
    return updated, EntryDraft(account.account_no, EntryKind.TRANSFER_IN, paid, value_date, key)


def debit(
    account: DepositAccount, *, kind: EntryKind, amount: Decimal, value_date: date, key: str
) -> PostingOutcome:
    """提取 / 还贷 / 转出: money out, never beyond what is available (balance less any
    frozen amount)."""
    account = _account(account)
    check_key(key)
    check_date(value_date, "value_date")
    kind = _kind(kind, (EntryKind.WITHDRAWAL, EntryKind.LOAN_DEDUCTION, EntryKind.TRANSFER_OUT))
    paid = _positive(amount)
    problems = list(_allowed(account, AccountEvent.DEBIT))
    available = available_to_debit(account.state, account.balance)
    if not problems and paid > available:
        problems.append(
            Violation("insufficient_funds", f"{paid} exceeds the {available} available", "amount")
        )
    problems.extend(_dating(account, value_date, money_out=True))
    if problems:
        raise refusal(problems)
    updated = attrs.evolve(
        account, balance=account.balance - paid, last_value_date=_latest(account, value_date)
    )
    return updated, EntryDraft(account.account_no, kind, -paid, value_date, key)


def reverse(
    account: DepositAccount, entry: JournalEntry, *, already_reversed: bool, value_date: date, key: str
) -> PostingOutcome:
    """冲正: cancel ``entry`` with an entry of the opposite amount. What the entry did to
    the account (a paid month, a settled year) is undone too. A reversal is never itself
    reversed, an entry is reversed at most once, and a reversal never takes the balance
    below zero (money already paid out cannot be un-credited)."""
    account = _account(account)
    if not isinstance(entry, JournalEntry):
        raise InputTypeError("entry", f"must be a JournalEntry, not {type(entry).__name__}", entry)
    check_key(key)
    check_date(value_date, "value_date")
    problems: list[Violation] = []
    if entry.account_no != account.account_no:
        problems.append(Violation("wrong_account", "the entry belongs to another account", "entry_id"))
    if entry.kind is EntryKind.REVERSAL:
        problems.append(Violation("reversal_of_reversal", "a reversal cannot be reversed", "entry_id"))
    if already_reversed:
        problems.append(Violation("already_reversed", f"{entry.entry_id} is already reversed", "entry_id"))
    if account.status.closed:
        problems.append(Violation("closed", "the account is closed", "status"))
    new_balance = account.balance - entry.amount
    if entry.amount > 0 and entry.amount > available_to_debit(account.state, account.balance):
        # un-crediting takes money out: never below zero, never into a frozen amount
        problems.append(
            Violation(
                "insufficient_funds", f"reversing {entry.amount} would take more than is available", "amount"
            )
        )
    elif entry.amount < 0 and account.state.freeze is FreezeFlag.NO_MOVEMENT:
        problems.append(Violation("frozen", "the account is frozen: no credits (不收不付)", "status"))
    problems.extend(_dating(account, value_date, money_out=entry.amount > 0))
    if problems:
        raise refusal(problems)
    months = account.paid_months - {entry.month} if entry.month is not None else account.paid_months
    years = (
        account.settled_years - {entry.interest_year}
        if entry.interest_year is not None
        else account.settled_years
    )
    updated = attrs.evolve(
        account,
        balance=new_balance,
        paid_months=months,
        settled_years=years,
        last_value_date=_latest(account, value_date),
    )
    draft = EntryDraft(
        account.account_no, EntryKind.REVERSAL, -entry.amount, value_date, key, reverses=entry.entry_id
    )
    return updated, draft


def change_state(
    account: DepositAccount, event: AccountEvent, *, frozen_amount: Decimal | None = None
) -> DepositAccount:
    """Seal, unseal, freeze, unfreeze or close: the account after the event. An event the
    account does not allow raises ``InvalidTransition`` (a ``Refused``).

    Closing requires a zero balance: the closing withdrawal or transfer takes it first.
    """
    account = _account(account)
    if not isinstance(event, AccountEvent):
        raise InputTypeError("event", f"must be an AccountEvent, not {type(event).__name__}", event)
    closing = (AccountEvent.CLOSE_MERGED, AccountEvent.CLOSE_TRANSFERRED, AccountEvent.CLOSE_WITHDRAWN)
    if event in closing and account.balance != 0:
        raise refusal(
            [
                Violation(
                    "balance_not_zero", f"the balance {account.balance} must be paid out first", "balance"
                )
            ]
        )
    amount = yuan(frozen_amount, "frozen_amount") if frozen_amount is not None else None
    result = _transition(account.state, event, frozen_amount=amount)
    if isinstance(result, Violation):
        raise refusal([result])
    return attrs.evolve(account, state=result)
