"""贷款还款明细 one row per 期 (seed §4.2 (4), issue #11 item 7, D-049).

The seed's screen lists ``201706期 ¥1,665.79`` and opens each row on its ▼. A month's
instalment may be paid in parts — an offset take from each signer's fund (按月抵扣) and
the bank debit of the 还款卡号 for the rest — each part one loan journal line. The row of
a 期 adds its lines up (the full amount), keeps them as :attr:`RepaymentDetail.parts`,
and shows the running totals (已还本金合计 / 已还利息合计) as they stand after its last
line. A prepayment or settlement line is a row of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from hpf_core._inputs import instance, items
from hpf_core.dates import add_months, check_date
from hpf_core.loans._loan_records import ZERO, LoanAccount, PaymentSource
from hpf_core.loans._loan_views import LoanEntry, LoanEntryKind, RepaymentDetail, RepaymentPart
from hpf_core.money import money_context

_INSTALMENT = (LoanEntryKind.REPAYMENT, LoanEntryKind.OVERDUE_REPAYMENT)


def _signer(entry: LoanEntry, accounts: frozenset[str]) -> str:
    """The signer's account an offset line came from: its key ends ``/<account>`` (the
    collection keys it so, ``services.collect_instalment``); '' otherwise."""
    if entry.source is not PaymentSource.HPF or "/" not in entry.key:
        return ""
    tail = entry.key.rsplit("/", 1)[1]
    return tail if tail in accounts else ""


def _part(entry: LoanEntry, accounts: frozenset[str]) -> RepaymentPart:
    return RepaymentPart(
        entry.source, _signer(entry, accounts), entry.on, entry.principal, entry.interest, entry.penalty
    )


def repayment_details_by_period(
    loan: LoanAccount, entries: Iterable[LoanEntry], start: date, end: date
) -> tuple[RepaymentDetail, ...]:
    """贷款还款明细 of ``loan`` with one row per 期 whose last payment falls between
    ``start`` and ``end`` (inclusive): the full amount paid for the instalment, whatever
    mix of offset takes and bank debit paid it (the parts in ``parts``, oldest first), the
    本金余额 after its last line, and the running totals counting every line up to it, so
    the last row's totals equal the loan's cumulative repaid figures. Rows are ordered by
    their last payment; a prepayment or settlement is a row of its own. The 期 label is
    the instalment's due month (``201706期``)."""
    instance(loan, LoanAccount, "loan")
    lines = sorted(items(entries, LoanEntry, "entries"), key=lambda e: (e.on, e.entry_id))
    check_date(start, "start")
    check_date(end, "end")
    accounts = frozenset(b.account_no for b in loan.contract.borrowers)
    groups: dict[object, list[int]] = {}
    for index, entry in enumerate(lines):
        if entry.contract_no != loan.contract.contract_no:
            continue
        group: object = (
            ("period", entry.period) if entry.kind in _INSTALMENT and entry.period is not None else index
        )
        groups.setdefault(group, []).append(index)
    totals: list[tuple[Decimal, Decimal]] = []
    principal = interest = ZERO
    for entry in lines:
        with money_context():
            principal += entry.principal
            interest += entry.interest
        totals.append((principal, interest))
    rows: list[tuple[int, RepaymentDetail]] = []
    for group, members in groups.items():
        last = lines[members[-1]]
        if not start <= last.on <= end:
            continue
        parts = tuple(_part(lines[i], accounts) for i in members)
        with money_context():
            paid = (
                sum((p.principal for p in parts), ZERO),
                sum((p.interest for p in parts), ZERO),
                sum((p.penalty for p in parts), ZERO),
            )
        if isinstance(group, tuple) and last.period is not None:
            month = add_months(loan.contract.first_due, last.period - 1)
            overdue = any(lines[i].kind is LoanEntryKind.OVERDUE_REPAYMENT for i in members)
            summary = (LoanEntryKind.OVERDUE_REPAYMENT if overdue else LoanEntryKind.REPAYMENT).chinese
        else:
            month, summary = last.on, last.kind.chinese
        with money_context():
            amount = paid[0] + paid[1] + paid[2]
        rows.append(
            (
                members[-1],
                RepaymentDetail(
                    f"{month:%Y%m}期",
                    amount,
                    summary,
                    last.on,
                    last.balance_after,
                    paid[0],
                    paid[1],
                    paid[2],
                    totals[members[-1]][0],
                    totals[members[-1]][1],
                    parts,
                ),
            )
        )
    return tuple(row for _, row in sorted(rows, key=lambda pair: pair[0]))
