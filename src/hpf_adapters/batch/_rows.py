"""The batch jobs' reads and writes of records a chunk at a time (issue #16, D-070).

A loan's record is its canonical JSON (:func:`hpf_adapters.sql._codec.dumps`): about
11 KB, most of it the schedule's fen columns; an account's about 600 bytes. The repository
looks the sealed fields up in its unit of work's keys (the same sealed text comes back,
D-051), computes an account's ID hash (an HMAC), and writes one ``UPDATE`` a loan; the
deduction's journal lines are one ``INSERT`` each. Here the same text is written for a
chunk at once:

- a loan or account is decoded by the codec from one JSON parse (a fen column, a field
  typed ``tuple[int, ...]``, is one ``tuple`` of the list there: D-074);
- a top-level field the job did not change (the same object as the one read: ``attrs.
  evolve`` keeps it) is written as it was read — its JSON value, sealed text included;
- a changed field is encoded by the codec (a fen column as one ``list``);
- the loans are written in one ``executemany`` compare-and-set (as the repository's
  ``save_many`` writes accounts), the journal lines in one ``executemany``;
- an account whose member and employer the job left as they were (every batch job) is
  written with its status, balance and record only: its member number, ID hash and
  employer columns are what they were; one whose member or employer changed goes through
  the repository's ``save_many``.

The text is the repository's (``tests/batch/test_batch_loans.py`` compares it with
:func:`~hpf_adapters.sql._codec.dumps` of the record it decodes to), so re-reading it
gives the record the job made
(``tests/batch/test_batch_loans.py`` compares every loan with the services')."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

import attrs
import sqlalchemy as sa

from hpf_adapters.sql import SqlUnitOfWork
from hpf_adapters.sql import _tables as t
from hpf_adapters.sql._codec import _CANONICAL, Sealer, _decode, _encode, to_fen
from hpf_core.accounts import DepositAccount
from hpf_core.loans import LoanAccount, LoanEntryDraft

_L = t.loans.c
_LOANS = (
    sa.select(_L.body, _L.version)
    .where(_L.contract_no.between(sa.bindparam("first"), sa.bindparam("last")))
    .order_by(_L.contract_no)
)
_A = t.accounts.c
_ACCOUNTS = (
    sa.select(_A.body, _A.version)
    .where(_A.account_no.between(sa.bindparam("first"), sa.bindparam("last")))
    .order_by(_A.account_no)
)
R = TypeVar("R", LoanAccount, DepositAccount)


_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    """The field names of ``cls``, as the codec writes them (every field, in order)."""
    found = _NAMES.get(cls)
    if found is None:
        found = _NAMES[cls] = tuple(f.name for f in attrs.fields(cls))
    return found


@attrs.frozen
class Read(Generic[R]):
    """A record as read: decoded, and its JSON value (the row's version in it)."""

    record: R
    value: dict[str, Any]


def decoded(rows: Iterable[Any], cls: type[R], ring: Sealer) -> list[Read[R]]:
    """The rows' ``(body, version)`` decoded as ``cls``, each with its JSON value."""
    found = []
    for row in rows:
        value = json.loads(row.body)
        value["version"] = row.version
        found.append(Read(_decode(value, cls, ring), value))
    return found


def read_loans(uow: SqlUnitOfWork, first: str, last: str) -> list[Read[LoanAccount]]:
    """The loans ``first``..``last`` (locked on the servers)."""
    query = _LOANS.with_for_update() if uow.locking else _LOANS
    return decoded(uow.connection().execute(query, {"first": first, "last": last}), LoanAccount, uow.sealer)


def read_accounts(uow: SqlUnitOfWork, first: str, last: str) -> list[Read[DepositAccount]]:
    """The accounts ``first``..``last`` (locked on the servers)."""
    query = _ACCOUNTS.with_for_update() if uow.locking else _ACCOUNTS
    rows = uow.connection().execute(query, {"first": first, "last": last})
    return decoded(rows, DepositAccount, uow.sealer)


def body(read: Read[R], record: R, ring: Sealer) -> str:
    """The canonical text of ``record`` (a new state of ``read.record``, its version
    set), its unchanged fields taken from the JSON read."""
    value: dict[str, Any] = {}
    was, old = read.record, read.value
    for name in _names(type(record)):
        new = getattr(record, name)
        if name != "version" and name in old and new is getattr(was, name):
            value[name] = old[name]
        else:
            value[name] = _encode(new, ring, name)
    return str(_CANONICAL.encode(value))


def save_accounts(uow: SqlUnitOfWork, changed: Sequence[tuple[Read[DepositAccount], DepositAccount]]) -> None:
    """Each ``(read, new state)`` saved as the repository's ``save_many`` would (version +
    1, compare-and-set on the version read), in one ``executemany``."""
    rows = []
    others = []
    for read, account in changed:
        if account.member is not read.record.member or account.employer is not read.record.employer:
            others.append(account)
            continue
        stored = attrs.evolve(account, version=read.record.version + 1)
        values = {
            "status": stored.status.value,
            "balance_fen": to_fen(stored.balance),
            "body": body(read, stored, uow.sealer),
        }
        rows.append((stored.account_no, read.record.version, values))
    uow.accounts._compare_and_set_many(t.accounts, "account_no", "account_no", rows)
    if others:
        uow.accounts.save_many(others)


def save_loans(uow: SqlUnitOfWork, changed: Sequence[tuple[Read[LoanAccount], LoanAccount]]) -> None:
    """Each ``(read, new state)`` saved as the repository's ``save`` would (version + 1,
    compare-and-set on the version read), in one ``executemany``."""
    rows = []
    for read, loan in changed:
        stored = attrs.evolve(loan, version=read.record.version + 1)
        values = {
            "balance_fen": to_fen(stored.balance),
            "settled_on": stored.settled_on,
            "body": body(read, stored, uow.sealer),
        }
        rows.append((stored.contract.contract_no, read.record.version, values))
    uow.loans._compare_and_set_many(t.loans, "contract_no", "contract_no", rows)


def append_lines(uow: SqlUnitOfWork, lines: Sequence[LoanEntryDraft]) -> None:
    """The loan journal lines, in order, in one ``executemany``."""
    if not lines:
        return
    uow.connection().execute(
        sa.insert(t.loan_journal),
        [
            {
                "contract_no": line.contract_no,
                "kind": line.kind.value,
                "on_date": line.on,
                "principal_fen": to_fen(line.principal),
                "interest_fen": to_fen(line.interest),
                "penalty_fen": to_fen(line.penalty),
                "source": line.source.value,
                "idem_key": line.key,
                "balance_after_fen": to_fen(line.balance_after),
                "period": line.period,
            }
            for line in lines
        ],
    )
