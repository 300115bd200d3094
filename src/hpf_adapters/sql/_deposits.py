"""SQL deposit accounts, journal, loans, loan journal, applications, cards and idempotency keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from hpf_adapters.sql import _tables as t
from hpf_adapters.sql._base import Repo, make_id, seq_of
from hpf_adapters.sql._codec import dumps, from_fen, loads, to_fen
from hpf_core.accounts import DepositAccount, EntryDraft, EntryKind, JournalEntry
from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord
from hpf_core.loans import LoanAccount, LoanEntry, LoanEntryDraft, LoanEntryKind, PaymentSource
from hpf_core.ports import StoredRequest
from hpf_core.withdrawals import Application, BankCard


class SqlAccounts(Repo):
    """:class:`hpf_core.ports.AccountRepository` on SQL: the balance (fen), status, employer
    and version are columns; the rest is the account's canonical JSON."""

    def _row(self, account: DepositAccount) -> dict[str, Any]:
        return {
            "member_id": account.member.member_id,
            "id_hash": self._ring.hash(account.member.id_number, "id_number"),
            "employer_no": account.employer.employer_no,
            "status": account.status.value,
            "balance_fen": to_fen(account.balance),
            "body": dumps(account, self._ring),
        }

    def _load(self, row: sa.Row[Any]) -> DepositAccount:
        return attrs.evolve(loads(row.body, DepositAccount, self._ring), version=row.version)

    def get(self, account_no: str) -> DepositAccount:
        query = sa.select(t.accounts.c.body, t.accounts.c.version).where(
            t.accounts.c.account_no == account_no
        )
        row = self._run(self._locked(query)).first()
        if row is None:
            raise UnknownRecord("account_no", "no such account", account_no)
        return self._load(row)

    def add(self, account: DepositAccount) -> DepositAccount:
        stored = attrs.evolve(account, version=0)
        row = self._row(stored)
        c = t.accounts.c
        if self._run(sa.select(c.account_no).where(c.account_no == account.account_no)).first():
            raise InputError("account_no", "an account with this number exists", account.account_no)
        if self._run(sa.select(c.account_no).where(c.id_hash == row["id_hash"])).first():
            raise InputError("member.id_number", "this member already has an account (Art. 13)")
        self._insert(t.accounts, account_no=account.account_no, version=0, **row)
        return stored

    def save(self, account: DepositAccount) -> DepositAccount:
        stored = attrs.evolve(account, version=account.version + 1)
        c = t.accounts.c
        self._compare_and_set(
            t.accounts, c.account_no == account.account_no, account.version, "account_no",
            account.account_no, **self._row(stored),
        )  # fmt: skip
        return stored

    def by_employer(self, employer_no: str) -> Sequence[DepositAccount]:
        c = t.accounts.c
        query = sa.select(c.body, c.version).where(c.employer_no == employer_no).order_by(c.account_no)
        return [self._load(row) for row in self._run(query)]

    def numbers(self) -> Sequence[str]:
        c = t.accounts.c
        return [row[0] for row in self._run(sa.select(c.account_no).order_by(c.account_no))]


def _entry(row: sa.Row[Any]) -> JournalEntry:
    return JournalEntry(
        make_id("E", row.seq),
        row.seq,
        row.account_no,
        EntryKind(row.kind),
        from_fen(row.amount_fen),
        row.value_date,
        row.idem_key,
        row.month,
        row.interest_year,
        row.reverses,
        row.memo,
    )


class SqlJournal(Repo):
    """:class:`hpf_core.ports.JournalRepository`: one row per entry, every field a column;
    ids ``E`` + the row's sequence number. A trigger refuses UPDATE and DELETE."""

    def append(self, draft: EntryDraft) -> JournalEntry:
        fen = to_fen(draft.amount)
        seq = self._insert(
            t.journal,
            account_no=draft.account_no,
            kind=draft.kind.value,
            amount_fen=fen,
            value_date=draft.value_date,
            idem_key=draft.key,
            month=draft.month,
            interest_year=draft.interest_year,
            reverses=draft.reverses,
            memo=draft.memo,
        )
        return JournalEntry(
            make_id("E", seq), seq, draft.account_no, draft.kind, from_fen(fen), draft.value_date,
            draft.key, draft.month, draft.interest_year, draft.reverses, draft.memo,
        )  # fmt: skip

    def get(self, entry_id: str) -> JournalEntry:
        seq = seq_of("E", entry_id)
        row = None if seq is None else self._run(sa.select(t.journal).where(t.journal.c.seq == seq)).first()
        if row is None:
            raise UnknownRecord("entry_id", "no such journal entry", entry_id)
        return _entry(row)

    def entries(self, account_no: str) -> Sequence[JournalEntry]:
        c = t.journal.c
        return [
            _entry(r)
            for r in self._run(sa.select(t.journal).where(c.account_no == account_no).order_by(c.seq))
        ]

    def reversal_of(self, entry_id: str) -> JournalEntry | None:
        c = t.journal.c
        row = self._run(sa.select(t.journal).where(c.reverses == entry_id).order_by(c.seq).limit(1)).first()
        return None if row is None else _entry(row)


class SqlLoans(Repo):
    """:class:`hpf_core.ports.LoanRepository`: balance (fen), settlement date and version are
    columns; the contract, schedule and bills the loan's canonical JSON."""

    def _row(self, loan: LoanAccount) -> dict[str, Any]:
        return {
            "balance_fen": to_fen(loan.balance),
            "settled_on": loan.settled_on,
            "body": dumps(loan, self._ring),
        }

    def get(self, contract_no: str) -> LoanAccount:
        c = t.loans.c
        row = self._run(
            self._locked(sa.select(c.body, c.version).where(c.contract_no == contract_no))
        ).first()
        if row is None:
            raise UnknownRecord("contract_no", "no such loan", contract_no)
        return attrs.evolve(loads(row.body, LoanAccount, self._ring), version=row.version)

    def add(self, loan: LoanAccount) -> LoanAccount:
        number = loan.contract.contract_no
        if self._run(sa.select(t.loans.c.contract_no).where(t.loans.c.contract_no == number)).first():
            raise InputError("contract_no", "a loan with this contract number exists", number)
        stored = attrs.evolve(loan, version=0)
        self._insert(t.loans, contract_no=number, version=0, **self._row(stored))
        return stored

    def save(self, loan: LoanAccount) -> LoanAccount:
        number = loan.contract.contract_no
        stored = attrs.evolve(loan, version=loan.version + 1)
        self._compare_and_set(
            t.loans, t.loans.c.contract_no == number, loan.version, "contract_no", number, **self._row(stored)
        )
        return stored

    def numbers(self) -> Sequence[str]:
        c = t.loans.c
        return [row[0] for row in self._run(sa.select(c.contract_no).order_by(c.contract_no))]


class SqlLoanJournal(Repo):
    """:class:`hpf_core.ports.LoanJournal`: every field a column; ids ``L`` + sequence."""

    def append(self, draft: LoanEntryDraft) -> LoanEntry:
        seq = self._insert(
            t.loan_journal,
            contract_no=draft.contract_no,
            kind=draft.kind.value,
            on_date=draft.on,
            principal_fen=to_fen(draft.principal),
            interest_fen=to_fen(draft.interest),
            penalty_fen=to_fen(draft.penalty),
            source=draft.source.value,
            idem_key=draft.key,
            balance_after_fen=to_fen(draft.balance_after),
            period=draft.period,
        )
        return draft.stored(make_id("L", seq))

    def entries(self, contract_no: str) -> Sequence[LoanEntry]:
        c = t.loan_journal.c
        rows = self._run(sa.select(t.loan_journal).where(c.contract_no == contract_no).order_by(c.seq))
        return [
            LoanEntryDraft(
                row.contract_no,
                LoanEntryKind(row.kind),
                row.on_date,
                from_fen(row.principal_fen),
                from_fen(row.interest_fen),
                from_fen(row.penalty_fen),
                PaymentSource(row.source),
                row.idem_key,
                from_fen(row.balance_after_fen),
                row.period,
            ).stored(make_id("L", row.seq))
            for row in rows
        ]


class SqlApplications(Repo):
    """:class:`hpf_core.ports.ApplicationRepository`: member, kind, status, amount (fen) and
    version are columns; the history and documents the application's canonical JSON."""

    def _row(self, application: Application) -> dict[str, Any]:
        return {
            "member_id": application.member_id,
            "kind": application.kind.value,
            "status": application.status.value,
            "amount_fen": to_fen(application.amount),
            "body": dumps(application, self._ring),
        }

    def _load(self, row: sa.Row[Any]) -> Application:
        return attrs.evolve(loads(row.body, Application, self._ring), version=row.version)

    def get(self, application_id: str) -> Application:
        c = t.applications.c
        query = sa.select(c.body, c.version).where(c.application_id == application_id)
        row = self._run(self._locked(query)).first()
        if row is None:
            raise UnknownRecord("application_id", "no such application", application_id)
        return self._load(row)

    def add(self, application: Application) -> Application:
        ident = application.application_id
        c = t.applications.c
        if self._run(sa.select(c.seq).where(c.application_id == ident)).first():
            raise InputError("application_id", "an application with this id exists", ident)
        stored = attrs.evolve(application, version=0)
        self._insert(t.applications, application_id=ident, version=0, **self._row(stored))
        return stored

    def save(self, application: Application) -> Application:
        ident = application.application_id
        stored = attrs.evolve(application, version=application.version + 1)
        self._compare_and_set(
            t.applications, t.applications.c.application_id == ident, application.version,
            "application_id", ident, **self._row(stored),
        )  # fmt: skip
        return stored

    def by_member(self, member_id: str) -> Sequence[Application]:
        c = t.applications.c
        return [
            self._load(r)
            for r in self._run(sa.select(c.body, c.version).where(c.member_id == member_id).order_by(c.seq))
        ]


class SqlCards(Repo):
    """:class:`hpf_core.ports.CardRepository`: one row per card, the number sealed and
    hashed; every change locks the member's row of ``card_owners`` first, so a ``replace``
    checked against ``expected`` cannot interleave with another change."""

    def _lock_owner(self, member_id: str) -> None:
        self._insert_if_absent(t.card_owners, member_id=member_id, changes=0)
        c = t.card_owners.c
        self._run(self._locked(sa.select(c.changes).where(c.member_id == member_id))).first()
        self._run(sa.update(t.card_owners).where(c.member_id == member_id).values(changes=c.changes + 1))

    def cards_of(self, member_id: str) -> Sequence[BankCard]:
        c = t.cards.c
        rows = self._run(sa.select(c.body).where(c.member_id == member_id).order_by(c.seq))
        return tuple(loads(row.body, BankCard, self._ring) for row in rows)

    def add(self, card: BankCard) -> None:
        self._lock_owner(card.member_id)
        digest = self._ring.hash(card.number, "number")
        c = t.cards.c
        if self._run(sa.select(c.seq).where(c.member_id == card.member_id, c.number_hash == digest)).first():
            raise InputError("number", "the member already has this card")
        self._insert(t.cards, member_id=card.member_id, number_hash=digest, body=dumps(card, self._ring))

    def remove(self, member_id: str, number: str) -> None:
        self._lock_owner(member_id)
        c = t.cards.c
        digest = self._ring.hash(number, "number")
        if (
            self._run(sa.delete(t.cards).where(c.member_id == member_id, c.number_hash == digest)).rowcount
            == 0
        ):
            raise UnknownRecord("number", "the member has no such card")

    def replace(
        self, member_id: str, cards: Sequence[BankCard], *, expected: Sequence[BankCard] | None = None
    ) -> None:
        self._lock_owner(member_id)
        if expected is not None and tuple(expected) != tuple(self.cards_of(member_id)):
            raise ConcurrentUpdate("cards", "the member's cards were changed by another request", member_id)
        self._run(sa.delete(t.cards).where(t.cards.c.member_id == member_id))
        for card in cards:
            digest = self._ring.hash(card.number, "number")
            self._insert(t.cards, member_id=member_id, number_hash=digest, body=dumps(card, self._ring))


class SqlIdempotency(Repo):
    """:class:`hpf_core.ports.IdempotencyStore`: one row per key."""

    def get(self, key: str) -> StoredRequest | None:
        c = t.idempotency_keys.c
        row = self._run(sa.select(c.body).where(c.idem_key == key)).first()
        return None if row is None else loads(row.body, StoredRequest, self._ring)

    def put(self, key: str, request: StoredRequest) -> None:
        """Insert the key. Another request that stored the same key first (it passed its
        ``get`` before this one committed) is a ``ConcurrentUpdate``: this unit of work
        wrote nothing that counts, and run again it finds the key and the first result."""
        body = dumps(request, self._ring)
        self._insert_once(
            t.idempotency_keys, "key", key, idem_key=key, operation=request.operation, body=body
        )
