"""The repricing's arithmetic for the batch benchmark's floor (D-080), in plain Python on a
loan's stored text: what a bare script beside the database does, since SQLite and MariaDB
cannot compute the equal instalment exactly (it needs (1 + r)^n in exact rationals, integers
of over a thousand digits; SQLite has no decimal type, MariaDB's holds 65 digits). The same
floor runs on PostgreSQL, so that the three databases' columns compare (D-080).

One loan's record is read as JSON, its remaining rows recomputed in integer fen by the
ledger convention (docs/domain.md: interest = balance x rate / 12 rounded half up; the equal
instalment the exact annuity rounded once; the last row takes the rest) and the text
written back as the repository writes it (canonical JSON: sorted keys, no spaces). Only
what the benchmark's loans need is covered: a first repricing of a loan (no repricing dated
after this one) under a policy that keeps the period under way at its old rate
(``split_repricing_period = false``); :func:`repriced` refuses anything else. The rule's
date and the new rate are looked up once per distinct contract (:class:`Lookups`), as the
remittance's floor takes its amounts computed beforehand. The benchmark checks the text
written against hpf's, byte for byte (:func:`batch.same_loans`); so the arithmetic here is
written anew rather than calling ``hpf_core``'s (``annuity_fen``, ``ledger_kernel``,
``add_months``): the check compares two computations, not one with itself.
"""

from __future__ import annotations

import calendar
import json
from datetime import date
from decimal import Decimal
from typing import Any

from hpf_adapters.batch import Repricing
from hpf_core.loans import hpf_loan_rate, repricing_date


def plus_months(anchor: date, months: int) -> date:
    """``anchor`` plus ``months`` calendar months, clamped to the month's last day."""
    year, month = divmod(anchor.month - 1 + months, 12)
    year, month = anchor.year + year, month + 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def fen_of(text: str) -> int:
    """A stored amount (``"200000.00"``) in fen."""
    return int(Decimal(text).scaleb(2))


def monthly(rate: str) -> tuple[int, int]:
    """An annual rate's text (``"0.026"``) as the monthly rate ``num / den``, exactly."""
    whole, _, digits = rate.partition(".")
    return int(whole + digits), 12 * 10 ** len(digits)


def annuity(owed: int, num: int, den: int, months: int) -> int:
    """The equal instalment in fen: owed x r(1+r)^n / ((1+r)^n - 1), exact, rounded half up."""
    if num == 0:
        return (2 * owed + months) // (2 * months)
    growth, base = (den + num) ** months, den**months
    top: int = owed * num * growth
    bottom: int = den * (growth - base)
    return (2 * top + bottom) // (2 * bottom)


def rows(owed: int, num: int, den: int, months: int, equal_principal: bool) -> list[list[int]]:
    """The payment, principal, interest and balance columns of ``months`` rows from ``owed``."""
    amount = (2 * owed + months) // (2 * months) if equal_principal else annuity(owed, num, den, months)
    pays, parts, interests, balances = [], [], [], []
    balance = owed
    for k in range(months):
        interest = (2 * balance * num + den) // (2 * den)
        part = balance if k == months - 1 else min(amount if equal_principal else amount - interest, balance)
        balance -= part
        pays.append(interest + part)
        parts.append(part)
        interests.append(interest)
        balances.append(balance)
    return [pays, parts, interests, balances]


class Lookups:
    """The repricing date and new rate of each distinct contract, computed on first sight by
    the rule of the job (``hpf_core``'s own functions: the rule is data, not arithmetic)."""

    def __init__(self, job: Repricing) -> None:
        if job.servicing.split_repricing_period:
            raise ValueError("the floor covers only split_repricing_period = false")
        self.job = job
        self.found: dict[tuple[str, int, str], tuple[date | None, str]] = {}

    def __call__(self, contract: dict[str, Any]) -> tuple[date | None, str]:
        key = (contract["disbursed_on"], contract["term_months"], contract["home"])
        found = self.found.get(key)
        if found is None:
            job = self.job
            when = repricing_date(job.change_effective, date.fromisoformat(key[0]), key[1], rule=job.rule)
            rate = hpf_loan_rate(job.change_effective, key[1], home=key[2])
            found = self.found[key] = (when, str(rate))
        return found


def repriced(body: str, version: int, lookups: Lookups) -> str | None:
    """The loan's new text after the job's repricing (stored version ``version + 1``), or
    None if the job leaves it alone (settled, already repriced for this change, not reached
    by the job's day)."""
    loan = json.loads(body)
    change = lookups.job.change_effective.isoformat()
    if loan["settled_on"] is not None or change in loan["rate_changes"]:
        return None
    when, rate = lookups(loan["contract"])
    if when is None or when > lookups.job.on:
        return None
    effective = when.isoformat()
    if any(day >= effective for day, _ in loan["rates"]):
        raise ValueError("the floor covers only a repricing dated after the loan's others")
    schedule = loan["schedule"]
    columns = [schedule[name] for name in ("payment_fen", "principal_fen", "interest_fen", "balance_fen")]
    count, first = len(columns[0]), date.fromisoformat(schedule["first_due"])
    index = max(0, (when.year - first.year) * 12 + when.month - first.month)
    if index < count and plus_months(first, index) < when:
        index += 1
    loan["rates"] = [*loan["rates"], [effective, rate]]
    loan["rate_changes"] = [*loan["rate_changes"], change]
    last_due = loan["last_due"]
    in_force = [value for day, value in loan["rates"] if day <= last_due]
    loan["annual_rate"] = in_force[-1] if in_force else loan["contract"]["annual_rate"]
    if index < count:
        start = plus_months(first, index - 1).isoformat() if index else last_due
        num, den = monthly(rate)
        equal_principal = schedule["method"] == "equal-principal"
        if effective <= start:  # a whole period at the new rate: from this row on
            keep = index
            owed = columns[3][index - 1] if index else fen_of(schedule["principal"])
        else:  # the period under way keeps its rate and instalment: from the next row on
            keep = index + 1
            owed = columns[3][index]
        tail = rows(owed, num, den, count - keep, equal_principal) if count > keep else [[]] * 4
        for name, column, new in zip(
            ("payment_fen", "principal_fen", "interest_fen", "balance_fen"), columns, tail, strict=True
        ):
            schedule[name] = column[:keep] + new
        schedule["annual_rate"] = rate
    loan["version"] = version + 1
    return json.dumps(loan, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
