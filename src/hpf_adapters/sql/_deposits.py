"""SQL deposit accounts, journal, loans, loan journal, applications, cards and idempotency keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from hpf_adapters.sql import _set_remittance
from hpf_adapters.sql import _tables as t
from hpf_adapters.sql._base import Query, Repo, make_id, seq_of, translated
from hpf_adapters.sql._codec import dumps, from_fen, loads, to_fen
from hpf_core.accounts import (
    AccountStatus,
    ContributionRounding,
    DepositAccount,
    Employer,
    EntryDraft,
    EntryKind,
    JournalEntry,
    Member,
)
from hpf_core.errors import ConcurrentUpdate, InputError, UnknownRecord
from hpf_core.loans import LoanAccount, LoanEntry, LoanEntryDraft, LoanEntryKind, PaymentSource
from hpf_core.money import amounts_from_fen
from hpf_core.ports import StoredRequest
from hpf_core.withdrawals import Application, BankCard

_A = t.accounts.c
_ACCOUNT = Query(sa.select(_A.body, _A.version).where(_A.account_no == sa.bindparam("account_no")))
_ACCOUNT_NO = sa.select(_A.account_no).where(_A.account_no == sa.bindparam("account_no"))
_ACCOUNT_OF_ID = sa.select(_A.account_no).where(_A.id_hash == sa.bindparam("id_hash"))
_BY_EMPLOYER = (
    sa.select(_A.body, _A.version)
    .where(_A.employer_no == sa.bindparam("employer_no"))
    .order_by(_A.account_no)
)
_ACCOUNT_NUMBERS = sa.select(_A.account_no).order_by(_A.account_no)


class SqlAccounts(Repo):
    """:class:`hpf_core.ports.AccountRepository` on SQL: the balance (fen), status, employer
    and version are columns; the rest is the account's canonical JSON."""

    def __init__(self, session: Any) -> None:
        super().__init__(session)
        self._read: dict[tuple[str, int], tuple[Member, Employer, AccountStatus]] = {}
        """What this unit of work read of each (account, version): the fields the lookup
        columns come from, so a save that changed none of them writes only balance,
        version and body (D-071). Forgotten when the unit of work closes."""

    def forget(self) -> None:
        """Forget what :attr:`_read` remembers (the unit of work closed)."""
        self._read.clear()

    def _row(self, account: DepositAccount, read_as: int | None = None) -> dict[str, Any]:
        """The columns of ``account``; with ``read_as`` (the version it was read at), only
        the balance and body when the lookup columns cannot have changed since: member,
        employer and status as read at that version, which compare-and-set then proves is
        still the stored one."""
        read = None if read_as is None else self._read.get((account.account_no, read_as))
        if read is not None and read == (account.member, account.employer, account.status):
            return {"balance_fen": to_fen(account.balance), "body": dumps(account, self._ring)}
        return {
            "member_id": account.member.member_id,
            "id_hash": self._ring.hash(account.member.id_number, "id_number"),
            "employer_no": account.employer.employer_no,
            "status": account.status.value,
            "balance_fen": to_fen(account.balance),
            "body": dumps(account, self._ring),
        }

    def _load(self, row: tuple[Any, ...]) -> DepositAccount:
        body, version = row
        account = loads(body, DepositAccount, self._ring, version=version)
        self._read[(account.account_no, version)] = (account.member, account.employer, account.status)
        return account

    def get(self, account_no: str) -> DepositAccount:
        rows = self._fast(self._locked(_ACCOUNT), {"account_no": account_no}).rows
        if not rows:
            raise UnknownRecord("account_no", "no such account", account_no)
        return self._load(rows[0])

    def add(self, account: DepositAccount) -> DepositAccount:
        stored = attrs.evolve(account, version=0)
        row = self._row(stored)
        if self._run(_ACCOUNT_NO, {"account_no": account.account_no}).first():
            raise InputError("account_no", "an account with this number exists", account.account_no)
        if self._run(_ACCOUNT_OF_ID, {"id_hash": row["id_hash"]}).first():
            raise InputError("member.id_number", "this member already has an account (Art. 13)")
        self._insert(t.accounts, account_no=account.account_no, version=0, **row)
        return stored

    def save(self, account: DepositAccount) -> DepositAccount:
        stored = attrs.evolve(account, version=account.version + 1)
        row = self._row(stored, account.version)
        self._compare_and_set(
            t.accounts, "account_no", account.account_no, account.version, "account_no", row
        )
        return stored

    def save_many(self, accounts: Sequence[DepositAccount]) -> Sequence[DepositAccount]:
        """:meth:`save` of each account (distinct numbers), as one ``executemany`` (every
        row with the same columns: all of them if any row needs them)."""
        stored = [attrs.evolve(a, version=a.version + 1) for a in accounts]
        rows = [
            (a.account_no, a.version, self._row(s, a.version)) for a, s in zip(accounts, stored, strict=True)
        ]
        if len({len(values) for _, _, values in rows}) > 1:
            rows = [(a.account_no, a.version, self._row(s)) for a, s in zip(accounts, stored, strict=True)]
        self._compare_and_set_many(t.accounts, "account_no", "account_no", rows)
        return stored

    def by_employer(self, employer_no: str) -> Sequence[DepositAccount]:
        return [self._load(row) for row in self._fast(_BY_EMPLOYER, {"employer_no": employer_no}).rows]

    def remit_in_store(
        self, employer_no: str, *, month: date, value_date: date, rounding: ContributionRounding, key: str
    ) -> Sequence[JournalEntry] | None:
        """In SQL on SQLite and PostgreSQL when every account of the employer is one the
        batch job's SQL would post or one the remittance passes over
        (:func:`._set_remittance.remit_employer`, D-078); None otherwise."""
        with translated():
            rows = _set_remittance.remit_employer(
                self._session.connection(), employer_no=employer_no, month=month, value_date=value_date,
                rounding=rounding, prefix=f"{key}/",
            )  # fmt: skip
        if rows is None:
            return None
        kind = EntryKind.REMITTANCE
        amounts = amounts_from_fen([fen for _, _, fen in rows])
        return [
            JournalEntry(make_id("E", seq), seq, no, kind, amount, value_date, f"{key}/{no}", month)
            for (seq, no, _), amount in zip(rows, amounts, strict=True)
        ]

    def numbers(self) -> Sequence[str]:
        return [row[0] for row in self._run(_ACCOUNT_NUMBERS)]


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


_J = t.journal.c
_ENTRY = sa.select(t.journal).where(_J.seq == sa.bindparam("seq"))
_ENTRIES = sa.select(t.journal).where(_J.account_no == sa.bindparam("account_no")).order_by(_J.seq)
_REVERSAL = sa.select(t.journal).where(_J.reverses == sa.bindparam("entry_id")).order_by(_J.seq).limit(1)
_APPEND_MANY = sa.insert(t.journal).returning(_J.seq, sort_by_parameter_order=True)
_JOURNAL_COLUMNS = (
    "account_no", "kind", "amount_fen", "value_date", "idem_key", "month", "interest_year", "reverses",
    "memo",
)  # fmt: skip
_ARRAYS = (
    sa.func.unnest(
        *(sa.cast(sa.bindparam(f"all_{name}"), postgresql.ARRAY(_J[name].type)) for name in _JOURNAL_COLUMNS)
    )
    .table_valued(*_JOURNAL_COLUMNS, with_ordinality="position")
    .render_derived()
)
_APPEND_ARRAYS = (
    sa.insert(t.journal)
    .from_select(
        list(_JOURNAL_COLUMNS),
        sa.select(*(_ARRAYS.c[name] for name in _JOURNAL_COLUMNS)).order_by(_ARRAYS.c.position),
    )
    .returning(_J.seq)
)
"""PostgreSQL: ``INSERT INTO journal SELECT ... FROM unnest(<one array a column>) WITH
ORDINALITY ORDER BY position RETURNING seq`` — nine parameters for any number of rows (a
multi-row VALUES has nine a row, which psycopg parses anew each time: D-051). The rows are
inserted, and their sequence numbers drawn, in the arrays' order, so the returned numbers
sorted are the drafts' in order (what SQLAlchemy's own ordered RETURNING relies on)."""


def _journal_row(draft: EntryDraft, fen: int) -> dict[str, Any]:
    return {
        "account_no": draft.account_no,
        "kind": draft.kind.value,
        "amount_fen": fen,
        "value_date": draft.value_date,
        "idem_key": draft.key,
        "month": draft.month,
        "interest_year": draft.interest_year,
        "reverses": draft.reverses,
        "memo": draft.memo,
    }


def _stored(draft: EntryDraft, seq: int, fen: int) -> JournalEntry:
    return JournalEntry(
        make_id("E", seq), seq, draft.account_no, draft.kind, from_fen(fen), draft.value_date,
        draft.key, draft.month, draft.interest_year, draft.reverses, draft.memo,
    )  # fmt: skip


class SqlJournal(Repo):
    """:class:`hpf_core.ports.JournalRepository`: one row per entry, every field a column;
    ids ``E`` + the row's sequence number. A trigger refuses UPDATE and DELETE."""

    def append(self, draft: EntryDraft) -> JournalEntry:
        fen = to_fen(draft.amount)
        return _stored(draft, self._insert(t.journal, **_journal_row(draft, fen)), fen)

    def append_many(self, drafts: Sequence[EntryDraft]) -> Sequence[JournalEntry]:
        """:meth:`append` of each draft in order, as one multi-row ``INSERT ... RETURNING``
        (the sequence numbers in the drafts' order)."""
        if not drafts:
            return []
        fens = [to_fen(d.amount) for d in drafts]
        rows = [_journal_row(d, f) for d, f in zip(drafts, fens, strict=True)]
        if self._session.dialect == "postgresql":
            arrays = {f"all_{name}": [row[name] for row in rows] for name in _JOURNAL_COLUMNS}
            seqs = sorted(int(row[0]) for row in self._fast(_APPEND_ARRAYS, arrays).rows)
        else:
            seqs = self._insert_rows(_APPEND_MANY, rows)
        if len(seqs) != len(drafts):
            raise AssertionError("the journal returned a sequence number for each draft")  # pragma: no cover
        return [_stored(d, s, f) for d, s, f in zip(drafts, seqs, fens, strict=True)]

    def get(self, entry_id: str) -> JournalEntry:
        seq = seq_of("E", entry_id)
        row = None if seq is None else self._run(_ENTRY, {"seq": seq}).first()
        if row is None:
            raise UnknownRecord("entry_id", "no such journal entry", entry_id)
        return _entry(row)

    def entries(self, account_no: str) -> Sequence[JournalEntry]:
        return [_entry(r) for r in self._run(_ENTRIES, {"account_no": account_no})]

    def reversal_of(self, entry_id: str) -> JournalEntry | None:
        row = self._run(_REVERSAL, {"entry_id": entry_id}).first()
        return None if row is None else _entry(row)


_L = t.loans.c
_LOAN = Query(sa.select(_L.body, _L.version).where(_L.contract_no == sa.bindparam("contract_no")))
_LOAN_NO = sa.select(_L.contract_no).where(_L.contract_no == sa.bindparam("contract_no"))
_LOAN_NUMBERS = sa.select(_L.contract_no).order_by(_L.contract_no)


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
        row = self._run(self._locked(_LOAN), {"contract_no": contract_no}).first()
        if row is None:
            raise UnknownRecord("contract_no", "no such loan", contract_no)
        return loads(row.body, LoanAccount, self._ring, version=row.version)

    def add(self, loan: LoanAccount) -> LoanAccount:
        number = loan.contract.contract_no
        if self._run(_LOAN_NO, {"contract_no": number}).first():
            raise InputError("contract_no", "a loan with this contract number exists", number)
        stored = attrs.evolve(loan, version=0)
        self._insert(t.loans, contract_no=number, version=0, **self._row(stored))
        return stored

    def save(self, loan: LoanAccount) -> LoanAccount:
        number = loan.contract.contract_no
        stored = attrs.evolve(loan, version=loan.version + 1)
        self._compare_and_set(t.loans, "contract_no", number, loan.version, "contract_no", self._row(stored))
        return stored

    def numbers(self) -> Sequence[str]:
        return [row[0] for row in self._run(_LOAN_NUMBERS)]


_LJ = t.loan_journal.c
_LOAN_ENTRIES = (
    sa.select(t.loan_journal).where(_LJ.contract_no == sa.bindparam("contract_no")).order_by(_LJ.seq)
)


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
        rows = self._run(_LOAN_ENTRIES, {"contract_no": contract_no})
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


_P = t.applications.c
_APPLICATION = Query(
    sa.select(_P.body, _P.version).where(_P.application_id == sa.bindparam("application_id"))
)
_APPLICATION_SEQ = sa.select(_P.seq).where(_P.application_id == sa.bindparam("application_id"))
_BY_MEMBER = sa.select(_P.body, _P.version).where(_P.member_id == sa.bindparam("member_id")).order_by(_P.seq)


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
        return loads(row.body, Application, self._ring, version=row.version)

    def get(self, application_id: str) -> Application:
        row = self._run(self._locked(_APPLICATION), {"application_id": application_id}).first()
        if row is None:
            raise UnknownRecord("application_id", "no such application", application_id)
        return self._load(row)

    def add(self, application: Application) -> Application:
        ident = application.application_id
        if self._run(_APPLICATION_SEQ, {"application_id": ident}).first():
            raise InputError("application_id", "an application with this id exists", ident)
        stored = attrs.evolve(application, version=0)
        self._insert(t.applications, application_id=ident, version=0, **self._row(stored))
        return stored

    def save(self, application: Application) -> Application:
        ident = application.application_id
        stored = attrs.evolve(application, version=application.version + 1)
        self._compare_and_set(
            t.applications, "application_id", ident, application.version, "application_id", self._row(stored)
        )
        return stored

    def by_member(self, member_id: str) -> Sequence[Application]:
        return [self._load(r) for r in self._run(_BY_MEMBER, {"member_id": member_id})]


_O = t.card_owners.c
_C = t.cards.c
_OWNER = Query(sa.select(_O.changes).where(_O.member_id == sa.bindparam("member_id")))
_OWNER_CHANGED = (
    sa.update(t.card_owners).where(_O.member_id == sa.bindparam("owner")).values(changes=_O.changes + 1)
)
_CARDS = sa.select(_C.body).where(_C.member_id == sa.bindparam("member_id")).order_by(_C.seq)
_CARD = sa.select(_C.seq).where(
    _C.member_id == sa.bindparam("member_id"), _C.number_hash == sa.bindparam("digest")
)
_CARD_REMOVE = sa.delete(t.cards).where(
    _C.member_id == sa.bindparam("member_id"), _C.number_hash == sa.bindparam("digest")
)
_CARDS_REMOVE = sa.delete(t.cards).where(_C.member_id == sa.bindparam("member_id"))


class SqlCards(Repo):
    """:class:`hpf_core.ports.CardRepository`: one row per card, the number sealed and
    hashed; every change locks the member's row of ``card_owners`` first, so a ``replace``
    checked against ``expected`` cannot interleave with another change."""

    def _lock_owner(self, member_id: str) -> None:
        self._insert_if_absent(t.card_owners, member_id=member_id, changes=0)
        self._run(self._locked(_OWNER), {"member_id": member_id}).first()
        self._run(_OWNER_CHANGED, {"owner": member_id})

    def cards_of(self, member_id: str) -> Sequence[BankCard]:
        rows = self._run(_CARDS, {"member_id": member_id})
        return tuple(loads(row.body, BankCard, self._ring) for row in rows)

    def add(self, card: BankCard) -> None:
        self._lock_owner(card.member_id)
        digest = self._ring.hash(card.number, "number")
        if self._run(_CARD, {"member_id": card.member_id, "digest": digest}).first():
            raise InputError("number", "the member already has this card")
        self._insert(t.cards, member_id=card.member_id, number_hash=digest, body=dumps(card, self._ring))

    def remove(self, member_id: str, number: str) -> None:
        self._lock_owner(member_id)
        digest = self._ring.hash(number, "number")
        if self._run(_CARD_REMOVE, {"member_id": member_id, "digest": digest}).rowcount == 0:
            raise UnknownRecord("number", "the member has no such card")

    def replace(
        self, member_id: str, cards: Sequence[BankCard], *, expected: Sequence[BankCard] | None = None
    ) -> None:
        self._lock_owner(member_id)
        if expected is not None and tuple(expected) != tuple(self.cards_of(member_id)):
            raise ConcurrentUpdate("cards", "the member's cards were changed by another request", member_id)
        self._run(_CARDS_REMOVE, {"member_id": member_id})
        for card in cards:
            digest = self._ring.hash(card.number, "number")
            self._insert(t.cards, member_id=member_id, number_hash=digest, body=dumps(card, self._ring))


_K = t.idempotency_keys.c
_KEY = sa.select(_K.body).where(_K.idem_key == sa.bindparam("key"))


class SqlIdempotency(Repo):
    """:class:`hpf_core.ports.IdempotencyStore`: one row per key."""

    def get(self, key: str) -> StoredRequest | None:
        rows = self._fast(_KEY, {"key": key}).rows
        return loads(rows[0][0], StoredRequest, self._ring) if rows else None

    def put(self, key: str, request: StoredRequest) -> None:
        """Insert the key. Another request that stored the same key first (it passed its
        ``get`` before this one committed) is a ``ConcurrentUpdate``: this unit of work
        wrote nothing that counts, and run again it finds the key and the first result."""
        body = dumps(request, self._ring)
        self._insert_once(
            t.idempotency_keys, "key", key, idem_key=key, operation=request.operation, body=body
        )
