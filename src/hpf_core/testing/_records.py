"""Journals, receiving accounts, members with credentials, SMS codes and sessions
(issue #19, D-062): each drawn valid by construction, with what a test needs to check it.

Nothing here reads the clock: every instant is drawn (aware, UTC+8) and carried in the
record it belongs to.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta, timezone

import attrs
from hypothesis import strategies as st

from hpf_core.accounts import (
    DepositAccount,
    EntryDraft,
    EntryKind,
    JournalEntry,
    contribute,
    debit,
    reverse,
)
from hpf_core.accounts import Member as AccountMember
from hpf_core.errors import Refused
from hpf_core.members import (
    CodePolicy,
    CodePurpose,
    Credentials,
    InitialPasswordRule,
    IssuedCode,
    Session,
    SessionPolicy,
    initial_password,
    issue,
    new_credentials,
    open_session,
)
from hpf_core.money import amount_from_fen
from hpf_core.testing._basics import deposit_accounts, id_numbers, phones
from hpf_core.withdrawals import BIN_TABLE, BankCard

__all__ = [
    "CHINA",
    "CodeCase",
    "Journal",
    "MemberCase",
    "SessionCase",
    "TestHasher",
    "account_numbers",
    "bank_cards",
    "card_numbers",
    "instants",
    "issued_codes",
    "journals",
    "members",
    "sessions",
]

CHINA = timezone(timedelta(hours=8))
"""UTC+8, the zone every drawn instant is in."""


def instants(
    min_value: datetime = datetime(2020, 1, 1), max_value: datetime = datetime(2030, 12, 31)
) -> st.SearchStrategy[datetime]:
    """Aware instants in China's time zone, to the second (naive bounds, read as UTC+8)."""
    return st.datetimes(min_value, max_value).map(lambda t: t.replace(microsecond=0, tzinfo=CHINA))


# --------------------------------------------------------------------------- journals


@attrs.frozen
class Journal:
    """An account and the journal its postings made: ``opened`` is the account before any
    posting, ``account`` after them all, ``entries`` in order (credits, debits and
    reversals, each one ``hpf_core.accounts`` accepted)."""

    opened: DepositAccount
    account: DepositAccount
    entries: tuple[JournalEntry, ...]


def _entry(draft: EntryDraft, sequence: int) -> JournalEntry:
    return JournalEntry(
        f"J{sequence}",
        sequence,
        draft.account_no,
        draft.kind,
        draft.amount,
        draft.value_date,
        draft.key,
        draft.month,
        draft.interest_year,
        draft.reverses,
        draft.memo,
    )


@st.composite
def journals(draw: st.DrawFn, max_postings: int = 12) -> Journal:
    """A new account and up to ``max_postings`` postings: monthly remittances, withdrawals
    of at most the balance, and reversals of earlier entries, dated in order.

    >>> from hypothesis import given
    >>> from hpf_core.accounts import balance_of
    >>> @given(journals())
    ... def test_the_balance_is_the_sum_of_the_entries(journal: Journal) -> None:
    ...     assert journal.account.balance == balance_of(journal.entries) >= 0
    >>> test_the_balance_is_the_sum_of_the_entries()
    """
    account = draw(deposit_accounts())
    opened = account
    entries: list[JournalEntry] = []
    reversed_ids: set[str] = set()
    day = account.opened_on
    months = {(day.year, day.month)}
    for step in range(draw(st.integers(0, max_postings))):
        day += timedelta(days=draw(st.integers(0, 45)))
        action = draw(st.sampled_from(["remit", "remit", "withdraw", "reverse"]))
        key = f"K{step}"
        try:
            if action == "remit":
                month = date(day.year, day.month, 1)
                if (day.year, day.month) in months and entries:
                    continue
                months.add((day.year, day.month))
                amount = draw(st.integers(1, 1_000_000).map(amount_from_fen))
                account, draft = contribute(
                    account, kind=EntryKind.REMITTANCE, month=month, amount=amount, value_date=day, key=key
                )
            elif action == "withdraw":
                if account.balance <= 0:
                    continue
                fen = draw(st.integers(1, int(account.balance * 100)))
                account, draft = debit(
                    account, kind=EntryKind.WITHDRAWAL, amount=amount_from_fen(fen), value_date=day, key=key
                )
            else:
                open_ = [
                    e for e in entries if e.kind is not EntryKind.REVERSAL and e.entry_id not in reversed_ids
                ]
                if not open_:
                    continue
                target = draw(st.sampled_from(open_))
                account, draft = reverse(account, target, already_reversed=False, value_date=day, key=key)
                reversed_ids.add(target.entry_id)
        except Refused:  # a reversal that would overdraw: the account is unchanged
            continue
        entries.append(_entry(draft, len(entries) + 1))
    return Journal(opened, account, tuple(entries))


# --------------------------------------------------------------------------- cards


def _luhn_digit(body: str) -> str:
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    """Bank card numbers hpf knows the bank of: a prefix of ``BIN_TABLE``, 16 or 19 digits,
    with a correct Luhn check digit (so no warning)."""
    prefix = draw(st.sampled_from(sorted(BIN_TABLE)))
    length = 16 if BIN_TABLE[prefix] == "招商银行" else 19
    middle = draw(st.integers(0, 10 ** (length - 7) - 1))
    body = f"{prefix}{middle:0{length - 7}d}"
    return body + _luhn_digit(body)


def account_numbers() -> st.SearchStrategy[str]:
    """Receiving bank account numbers that are not cards (10 to 30 digits, not all zeros,
    not starting with 62): the bank must then be named."""
    return st.integers(10, 30).flatmap(
        lambda n: st.integers(10 ** (n - 1), 10**n - 1).map(str).filter(lambda s: not s.startswith("62"))
    )


@st.composite
def bank_cards(draw: st.DrawFn, member_id: str | None = None) -> BankCard:
    """Receiving accounts (收款银行账号) of a member: a known card with its bank, or an
    account number with a bank named.

    >>> from hypothesis import given
    >>> from hpf_core.identity import mask_card_number
    >>> @given(bank_cards())
    ... def test_a_card_never_shows_its_number(card: BankCard) -> None:
    ...     assert card.number not in repr(card)
    >>> test_a_card_never_shows_its_number()
    """
    member = member_id if member_id is not None else f"M{draw(st.integers(1, 10**6))}"
    if draw(st.booleans()):
        number = draw(card_numbers())
        return BankCard(member, number, BIN_TABLE[number[:6]])
    return BankCard(member, draw(account_numbers()), draw(st.sampled_from(["中国银行", "农业银行开阳支行"])))


# --------------------------------------------------------------------------- members


class TestHasher:
    """A fast, unsalted, deterministic :class:`~hpf_core.ports.PasswordHasher` for tests
    only (SHA-256): never for real passwords."""

    __test__ = False  # not a pytest test class

    def hash(self, password: str) -> str:
        return "$test$" + hashlib.sha256(password.encode()).hexdigest()

    def verify(self, stored: str, password: str) -> bool:
        return hmac.compare_digest(stored, self.hash(password))

    def needs_rehash(self, stored: str) -> bool:
        return False


@attrs.frozen
class MemberCase:
    """A member, the initial password the centre's rule gives them, and their new
    credentials (hashed with ``hasher``)."""

    member: AccountMember
    password: str = attrs.field(repr=False)
    credentials: Credentials


@st.composite
def members(draw: st.DrawFn, hasher: TestHasher | None = None) -> MemberCase:
    """Members with a valid ID number and phone, and credentials on an initial password.

    >>> from hypothesis import given
    >>> from hpf_core.members import login
    >>> @given(members())
    ... def test_the_initial_password_logs_in(case: MemberCase) -> None:
    ...     at = datetime(2026, 1, 5, 9, 0, tzinfo=CHINA)
    ...     _, result = login(case.credentials, case.member.phone, case.password, "app", TestHasher(), at)
    ...     assert result.accepted
    >>> test_the_initial_password_logs_in()
    """
    number = draw(st.integers(1, 10**8))
    id_number = draw(id_numbers())
    phone = draw(phones())
    name = draw(st.sampled_from(["张三", "李四", "王五", "赵六"]))
    member = AccountMember(f"M{number}", name, id_number, phone)
    rule = draw(st.sampled_from([InitialPasswordRule.ID_LAST_8, InitialPasswordRule.ID_LAST_6]))
    credentials = new_credentials(member.member_id, phone, id_number, hasher or TestHasher(), rule=rule)
    return MemberCase(member, initial_password(id_number, rule), credentials)


# --------------------------------------------------------------------------- codes, sessions


@attrs.frozen
class CodeCase:
    """A code issued at ``issued.issued_at`` and an instant ``at`` to check it; ``live`` is
    whether the code still works then (before it expires, unused, attempts left)."""

    phone: str = attrs.field(repr=False)
    purpose: CodePurpose
    code: str = attrs.field(repr=False)
    issued: IssuedCode
    at: datetime
    policy: CodePolicy
    live: bool


@st.composite
def issued_codes(draw: st.DrawFn, policy: CodePolicy | None = None) -> CodeCase:
    """A verification code issued to a phone, and a later instant to check it (within the
    lifetime or past it).

    >>> from hypothesis import given, settings
    >>> from hpf_core.members import verify
    >>> @settings(max_examples=20)
    ... @given(issued_codes())
    ... def test_a_code_works_until_it_expires(case: CodeCase) -> None:
    ...     _, ok = verify(case.issued, case.phone, case.purpose, case.code, case.at, case.policy)
    ...     assert ok == case.live
    >>> test_a_code_works_until_it_expires()
    """
    policy = policy or CodePolicy()
    phone = draw(phones())
    purpose = draw(st.sampled_from(CodePurpose))
    code = "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=policy.length, max_size=policy.length))
    )
    salt = draw(st.binary(min_size=16, max_size=16))
    at = draw(instants())
    issued, _ = issue(phone, purpose, code, salt, at, policy, None)
    seconds = draw(st.integers(0, policy.ttl_minutes * 60 * 2))
    later = at + timedelta(seconds=seconds)
    return CodeCase(phone, purpose, code, issued, later, policy, issued.is_live(later, policy))


@attrs.frozen
class SessionCase:
    """A session opened at ``session.created_at`` with ``token``, and a request at ``at``:
    ``refusal`` is the violation code ``touch`` must raise then (``session_expired``), or
    None when the session is still good."""

    token: str = attrs.field(repr=False)
    session: Session
    at: datetime
    policy: SessionPolicy
    refusal: str | None


@st.composite
def sessions(draw: st.DrawFn, policy: SessionPolicy | None = None) -> SessionCase:
    """A session and a first request after it, idle for less or more than the policy allows.

    >>> from hypothesis import given
    >>> from hpf_core.members import touch
    >>> @given(sessions())
    ... def test_an_idle_session_expires(case: SessionCase) -> None:
    ...     try:
    ...         touch(case.session, case.at, case.policy)
    ...     except Refused as refused:
    ...         assert refused.codes == (case.refusal,)
    ...     else:
    ...         assert case.refusal is None
    >>> test_an_idle_session_expires()
    """
    policy = policy or SessionPolicy()
    token = hashlib.sha256(b"%d" % draw(st.integers(0, 2**32))).hexdigest()  # random-looking, 64 hex
    opened = draw(instants())
    session = open_session(f"M{draw(st.integers(1, 10**6))}", token, opened)
    idle = draw(st.integers(0, policy.idle_minutes * 60 * 2))
    expired = idle >= policy.idle_minutes * 60 or idle >= policy.absolute_hours * 3600
    return SessionCase(
        token, session, opened + timedelta(seconds=idle), policy, "session_expired" if expired else None
    )
