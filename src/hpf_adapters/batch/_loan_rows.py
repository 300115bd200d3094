"""The loan jobs' reads and writes a chunk at a time (issue #16, D-070).

A loan's record is its canonical JSON (:func:`hpf_adapters.sql._codec.dumps`): about
11 KB, most of it the schedule's fen columns. The repository encodes every item of those
columns through the codec's generic walk, seals the card number and the signers' personal
fields anew, and writes one ``UPDATE`` a loan; the deduction's journal lines are one
``INSERT`` each. Here the same text is written for a chunk at once:

- a top-level field the job did not change (the same object as the one read: ``attrs.
  evolve`` keeps it) is written as it was read — its JSON value, sealed text included, so
  nothing unchanged is sealed again (sealing draws a new nonce: the text differs, the
  record does not);
- a changed field is encoded by the codec, except that a tuple of plain ints (a fen
  column) is written as the list it is, which is what the codec makes of it item by item;
- the loans are written in one ``executemany`` compare-and-set (the repository's
  ``save_many`` for accounts does the same), the journal lines in one ``executemany``.

The text is the canonical one: re-reading it gives the record the job made
(``tests/batch/test_batch_loans.py`` compares every loan with the services')."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from hpf_adapters.sql import SqlUnitOfWork
from hpf_adapters.sql import _tables as t
from hpf_adapters.sql._codec import _CANONICAL, Sealer, _encode, loads, to_fen
from hpf_core.loans import LoanAccount, LoanEntryDraft

_NAMES = tuple(f.name for f in attrs.fields(LoanAccount))
_L = t.loans.c
_LOANS = (
    sa.select(_L.body, _L.version)
    .where(_L.contract_no.between(sa.bindparam("first"), sa.bindparam("last")))
    .order_by(_L.contract_no)
)


@attrs.frozen
class Read:
    """A loan as read: the record and its JSON value (the row's version in it)."""

    loan: LoanAccount
    value: dict[str, Any]


def read_loans(uow: SqlUnitOfWork, first: str, last: str) -> list[Read]:
    """The loans ``first``..``last`` (locked on the servers), decoded, with their JSON."""
    query = _LOANS.with_for_update() if uow.locking else _LOANS
    found = []
    for row in uow.connection().execute(query, {"first": first, "last": last}):
        value = json.loads(row.body)
        value["version"] = row.version
        found.append(Read(loads(row.body, LoanAccount, uow.sealer, version=row.version), value))
    return found


def _fast(value: Any, ring: Sealer, field: str) -> Any:
    """The codec's encoding of ``value``, a fen column (a tuple of ints) in one step and a
    record's fields through this same function."""
    if type(value) is tuple and all(type(v) is int for v in value):
        return list(value)
    if attrs.has(type(value)):
        return {f.name: _fast(getattr(value, f.name), ring, f.name) for f in attrs.fields(type(value))}
    return _encode(value, ring, field)


def body(read: Read, loan: LoanAccount, ring: Sealer) -> str:
    """The canonical text of ``loan`` (a new state of ``read.loan``), its unchanged fields
    taken from the JSON read."""
    value: dict[str, Any] = {}
    for name in _NAMES:
        new = getattr(loan, name)
        if name != "version" and name in read.value and new is getattr(read.loan, name):
            value[name] = read.value[name]
        else:
            value[name] = _fast(new, ring, name)
    return str(_CANONICAL.encode(value))


def save_loans(uow: SqlUnitOfWork, changed: Sequence[tuple[Read, LoanAccount]]) -> None:
    """Each ``(read, new state)`` saved as the repository's ``save`` would (version + 1,
    compare-and-set on the version read), in one ``executemany``."""
    rows = []
    for read, loan in changed:
        stored = attrs.evolve(loan, version=read.loan.version + 1)
        values = {
            "balance_fen": to_fen(stored.balance),
            "settled_on": stored.settled_on,
            "body": body(read, stored, uow.sealer),
        }
        rows.append((stored.contract.contract_no, read.loan.version, values))
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
