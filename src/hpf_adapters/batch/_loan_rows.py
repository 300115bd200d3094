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
- a changed field is encoded by the codec, except that a fen column (a field typed
  ``tuple[int, ...]``) is written as the list it is, which is what the codec makes of it
  item by item; and a loan is decoded the same way, a fen column read as one ``tuple``
  (the codec's decoding of each item of such a column is the item itself);
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
from hpf_adapters.sql._codec import _CANONICAL, Sealer, _decode, _encode, _hints, to_fen
from hpf_core.loans import LoanAccount, LoanEntryDraft

_L = t.loans.c
_LOANS = (
    sa.select(_L.body, _L.version)
    .where(_L.contract_no.between(sa.bindparam("first"), sa.bindparam("last")))
    .order_by(_L.contract_no)
)


_INTS = tuple[int, ...]


@attrs.frozen
class _Field:
    """How one field of a record is read and written: ``ints`` (a fen column, taken as
    it is), ``record`` (an attrs record, field by field), or through the codec."""

    alias: str
    name: str
    how: str
    hint: Any
    optional: bool
    init: bool


_PLANS: dict[type, tuple[_Field, ...]] = {}


def _plan(cls: type) -> tuple[_Field, ...]:
    """The fields of ``cls`` as the codec reads and writes them (its hints, in order; it
    writes every field and reads those ``__init__`` takes)."""
    found = _PLANS.get(cls)
    if found is None:
        hints = _hints(cls)
        found = _PLANS[cls] = tuple(
            _Field(
                f.alias,
                f.name,
                "ints" if hints[f.name] == _INTS else "record" if attrs.has(hints[f.name]) else "codec",
                hints[f.name],
                f.default is not attrs.NOTHING,
                f.init,
            )
            for f in attrs.fields(cls)
        )
    return found


def _read(value: Any, cls: type, ring: Sealer) -> Any:
    """The codec's decoding of a record of ``cls``, a fen column as one ``tuple``."""
    given: dict[str, Any] = {}
    for f in _plan(cls):
        if not f.init or (f.optional and f.name not in value):
            continue  # a field added later: its default, as the codec does
        item = value[f.name]
        if item is None or f.how == "codec":
            given[f.alias] = _decode(item, f.hint, ring, f.name)
        elif f.how == "ints":
            given[f.alias] = tuple(item)
        else:
            given[f.alias] = _read(item, f.hint, ring)
    return cls(**given)


def _write(value: Any, ring: Sealer, field: str = "") -> Any:
    """The codec's encoding of ``value``, a fen column in one step."""
    if not attrs.has(type(value)):
        return _encode(value, ring, field)
    found = {}
    for f in _plan(type(value)):
        item = getattr(value, f.name)
        found[f.name] = list(item) if f.how == "ints" and type(item) is tuple else _write(item, ring, f.name)
    return found


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
        found.append(Read(_read(value, LoanAccount, uow.sealer), value))
    return found


def body(read: Read, loan: LoanAccount, ring: Sealer) -> str:
    """The canonical text of ``loan`` (a new state of ``read.loan``), its unchanged fields
    taken from the JSON read."""
    value: dict[str, Any] = {}
    for f in _plan(LoanAccount):
        new = getattr(loan, f.name)
        if f.name != "version" and f.name in read.value and new is getattr(read.loan, f.name):
            value[f.name] = read.value[f.name]
        else:
            value[f.name] = _write(new, ring, f.name)
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
