"""Seeding and oracles for the batch tests (issue #16, D-059): random accounts added in one
unit of work to the SQL store and, identically, to a memory store, where the services
themselves (``remit_month`` per employer, ``settle_annual_interest``) give each account's
expected result."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from types import ModuleType
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from hpf_adapters.batch import LoanDeduction
from hpf_adapters.memory import MemoryStore
from hpf_adapters.sql import Keyring, SqlStore, engine_for, upgrade
from hpf_core.accounts import DepositAccount, Employer, EntryDraft, FreezeFlag, Member, services
from hpf_core.loans import Borrower, LoanAccount, SignerRole, open_loan
from hpf_core.loans import services as loan_services

RATES = ((date(2016, 2, 21), Decimal("0.015")),)
"""The unified deposit rate in force since 21 February 2016 (1.5 %)."""


def id_number(n: int) -> str:
    """A valid resident ID number (GB 11643 check digit), different for each ``n``."""
    born = date(1960, 1, 1).toordinal() + n
    body = f"110105{date.fromordinal(born):%Y%m%d}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def random_accounts(seed: int, count: int, employers: int = 7) -> list[DepositAccount]:
    """``count`` new accounts with random bases (fen-exact, 1,000-40,000) and ratios
    (5 %-12 %, whole or half percents), spread over ``employers`` employers."""
    rng = random.Random(seed)
    found = []
    for n in range(count):
        base = Decimal(rng.randint(100_000, 4_000_000)).scaleb(-2)
        ratios = [Decimal(rng.choice(range(10, 25))).scaleb(-2) / 2 for _ in range(2)]
        employer = f"E{rng.randrange(employers):02d}"
        found.append(
            DepositAccount(
                f"A{n:07d}",
                Member(f"M{n:07d}", "职工", id_number(n)),
                Employer(employer, "单位"),
                date(2025, 1, 2),
                base,
                ratios[0],
                ratios[1],
                first_month=date(2025, 1, 1),
            )
        )
    return found


def add_all(uow: object, accounts: list[DepositAccount]) -> None:
    """Add every account in one unit of work."""
    with uow as unit:  # type: ignore[attr-defined]
        for account in accounts:
            unit.accounts.add(account)
        unit.commit()


def seed_at(
    url: str, secret: bytes, accounts: Sequence[DepositAccount], entries: Sequence[EntryDraft] = ()
) -> None:
    """``accounts`` (and their journal ``entries``) at ``url``, upgraded first, sealed with
    ``secret``, in one unit of work."""
    upgrade(url)
    store = SqlStore(url, Keyring.from_secret(secret))
    try:
        with store.unit_of_work() as uow:
            for account in accounts:
                uow.accounts.add(account)
            if entries:
                uow.journal.append_many(entries)
            uow.commit()
    finally:
        store.dispose()


def employers(accounts: list[DepositAccount]) -> Iterator[str]:
    """The employers' numbers, sorted."""
    yield from sorted({a.employer.employer_no for a in accounts})


def memory_twin(accounts: list[DepositAccount]) -> MemoryStore:
    """A memory store holding the same accounts."""
    store = MemoryStore()
    add_all(store.unit_of_work(), accounts)
    return store


def remit_with_services(
    store: MemoryStore, accounts: list[DepositAccount], month: date, value_date: date
) -> None:
    """The oracle: ``remit_month`` for each employer."""
    for employer in employers(accounts):
        services.remit_month(
            store.unit_of_work(), employer_no=employer, month=month, value_date=value_date,
            key=f"remit/{employer}/{month:%Y-%m}", rounding="half-up-yuan",
        )  # fmt: skip


def settle_with_services(store: MemoryStore, year: int, on: date) -> None:
    """The oracle: ``settle_annual_interest`` over the store."""
    services.settle_annual_interest(
        store.unit_of_work(), year=year, rates=RATES, basis="actual/360", key=f"interest/{year}", on=on
    )


def vary(uows: list[object], accounts: list[DepositAccount], seed: int) -> None:
    """The same random history on each store: some accounts sealed, some receiving a
    transfer-in on a random day of the interest year."""
    rng = random.Random(seed)
    sealed = rng.sample(accounts, max(1, len(accounts) // 15))
    open_ = [a for a in accounts if a not in sealed]
    moved = rng.sample(open_, max(1, len(open_) // 6))
    plans = [
        (a.account_no, Decimal(rng.randint(1, 5_000_000)).scaleb(-2), rng.randint(0, 360)) for a in moved
    ]
    for new_uow in uows:
        for account in sealed:
            services.seal(new_uow(), account_no=account.account_no)  # type: ignore[operator]
        for number, amount, day in plans:
            services.receive_transfer(
                new_uow(), account_no=number, amount=amount,  # type: ignore[operator]
                value_date=date.fromordinal(date(2025, 7, 20).toordinal() + day), key=f"in/{number}",
            )  # fmt: skip


def random_loans(seed: int, count: int) -> list[LoanAccount]:
    """``count`` loans with random principals, rates, terms, methods and disbursement days."""
    rng = random.Random(seed)
    return [
        open_loan(
            contract_no=f"HT{n:06d}",
            borrowers=(Borrower(SignerRole.BORROWER, "张三", f"P{n:06d}"),),
            principal=Decimal(rng.randint(10_000_000, 120_000_000)).scaleb(-2),
            disbursed_on=date(2024, rng.randint(1, 12), rng.randint(1, 28)),
            term_months=rng.choice((60, 120, 240, 360)),
            method=rng.choice(("equal-installment", "equal-principal")),
            annual_rate=rng.choice(("0.026", "0.031", "0.0285")),
        )
        for n in range(count)
    ]


@attrs.frozen
class RuleBank:
    """A :class:`hpf_core.ports.BankDebit` that answers by rule and keeps nothing: it
    declines the cards of the ``declined`` contracts and takes the rest — the same answer
    for a debit id in every process and every time it is asked (the port's contract), as a
    bank reached by several batch workers must give."""

    declined: frozenset[str] = frozenset()

    def debit(self, *, debit_id: str, contract_no: str, amount: Decimal, card_number: str = "") -> bool:
        return contract_no not in self.declined


@attrs.frozen
class OffsetWorld:
    """Accounts with random balances (some empty, some sealed, some frozen) and loans
    on them, some with an offset agreement signed by the borrower (and the spouse), and
    the card of some declined."""

    accounts: list[DepositAccount]
    loans: list[LoanAccount]
    deposits: list[tuple[str, Decimal]]
    sealed: list[str]
    frozen: list[str]
    signed: list[tuple[str, str]]
    bank: RuleBank

    def build(self, store: MemoryStore | SqlStore) -> None:
        """The same history on ``store`` (a memory or SQL store): accounts added, money
        received, some sealed or frozen, loans disbursed, agreements signed."""
        add_all(store.unit_of_work(), self.accounts)
        for number, amount in self.deposits:
            services.receive_transfer(
                store.unit_of_work(), account_no=number, amount=amount,
                value_date=date(2025, 1, 5), key=f"in/{number}",
            )  # fmt: skip
        for loan in self.loans:
            loan_services.disburse(store.unit_of_work(), loan)
        for contract, number in self.signed:
            loan_services.sign_monthly_offset(
                store.unit_of_work(), contract_no=contract, account_no=number,
                on=date(2025, 1, 10),
            )  # fmt: skip
        for number in self.sealed:
            services.seal(store.unit_of_work(), account_no=number)
        for number in self.frozen:
            services.freeze(
                store.unit_of_work(),
                account_no=number,
                flag=FreezeFlag.CREDITS_ONLY,
            )


def offset_world(seed: int, count: int) -> OffsetWorld:
    """``count`` loans on ``2 * count`` accounts: loan ``n`` names account ``2n`` as
    borrower and ``2n + 1`` as spouse; about 4 in 5 are signed by the borrower, a third of
    those by the spouse too; balances from 0 to 60,000 yuan; a few accounts sealed or
    frozen; one card in five declined."""
    rng = random.Random(seed)
    accounts = random_accounts(seed, 2 * count)
    deposits = [
        (a.account_no, Decimal(rng.randint(1, 6_000_000)).scaleb(-2)) for a in accounts if rng.random() < 0.85
    ]
    numbers = [a.account_no for a in accounts]
    sealed = rng.sample(numbers, max(1, count // 12))
    frozen = rng.sample([n for n in numbers if n not in sealed], max(1, count // 15))
    loans = []
    signed: list[tuple[str, str]] = []
    for n in range(count):
        contract = f"HT{n:06d}"
        loans.append(
            open_loan(
                contract_no=contract,
                borrowers=(
                    Borrower(SignerRole.BORROWER, "张三", numbers[2 * n]),
                    Borrower(SignerRole.SPOUSE, "李四", numbers[2 * n + 1]),
                ),
                principal=Decimal(rng.randint(10_000_000, 120_000_000)).scaleb(-2),
                disbursed_on=date(2024, rng.randint(9, 12), rng.randint(1, 28)),
                term_months=rng.choice((60, 120, 240, 360)),
                method=rng.choice(("equal-installment", "equal-principal")),
                annual_rate=rng.choice(("0.026", "0.031", "0.0285")),
            )
        )
        if rng.random() < 0.8:
            signed.append((contract, numbers[2 * n]))
            if rng.random() < 0.35:
                signed.append((contract, numbers[2 * n + 1]))
    declined = frozenset(rng.sample([loan.contract.contract_no for loan in loans], max(1, count // 5)))
    return OffsetWorld(accounts, loans, deposits, sealed, frozen, signed, RuleBank(declined))


def collect_with_services(store: MemoryStore, job: LoanDeduction, loans: list[LoanAccount]) -> None:
    """The oracle of the loan deduction: ``collect_instalment`` of every loan, in contract
    order, under the key the batch uses (the job's bank, or one that declines every card)."""
    bank = job.bank or RuleBank(frozenset(loan.contract.contract_no for loan in loans))
    for loan in sorted(loans, key=lambda x: x.contract.contract_no):
        loan_services.collect_instalment(
            store.unit_of_work(), contract_no=loan.contract.contract_no, on=job.on,
            policy=job.servicing, key=job.key(loan), bank=bank,
        )  # fmt: skip


Rows = list[tuple[object, ...]]


def read_all(url: str, *queries: str) -> tuple[Rows, ...]:
    """The rows each of ``queries`` gives at ``url``, as tuples, on one connection."""
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return tuple([tuple(row) for row in connection.exec_driver_sql(sql)] for sql in queries)
    finally:
        engine.dispose()


SPACED = sa.text(
    """UPDATE accounts SET body = replace(body, '"balance":"', '"balance": "') WHERE account_no = :n"""
)


def space_balance_key(url: str, account_no: str) -> None:
    """Put a space after the balance key of ``account_no``'s record at ``url``: a record
    still valid JSON, but not in the codec's text (an SQL path that edits the text must
    leave it to the core or read it as JSON)."""
    engine = engine_for(url)
    try:
        with engine.begin() as connection:
            assert connection.execute(SPACED, {"n": account_no}).rowcount == 1
    finally:
        engine.dispose()


def rows(url: str) -> tuple[Rows, Rows, Rows]:
    """The accounts, the journal (without its sequence numbers) and the chunks at ``url``."""
    accounts, journal, chunks = read_all(
        url,
        "SELECT * FROM accounts ORDER BY account_no",
        "SELECT account_no, kind, amount_fen, value_date, idem_key, month, interest_year,"
        " reverses, memo FROM journal ORDER BY idem_key, account_no",
        "SELECT chunk, accounts, posted, amount_fen, skipped, refused FROM batch_chunks ORDER BY chunk",
    )
    return accounts, journal, chunks


@contextmanager
def schema_copy(url: str, tables: tuple[str, ...]) -> Iterator[str]:
    """The URL of a second PostgreSQL schema beside the one ``url`` names, at the head
    revision, holding a copy of ``tables`` (so the sealed text is the same in both; a copied
    journal's sequence moved past its rows); dropped afterwards."""
    server, _, options = url.partition("?")
    schema = options.rpartition("%3D")[2]
    copy = f"{schema}_core"
    admin = engine_for(server)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {copy}")
    try:
        copied = f"{server}?options=-csearch_path%3D{copy}"
        upgrade(copied)
        with admin.begin() as connection:
            for table in tables:
                connection.exec_driver_sql(f"INSERT INTO {copy}.{table} SELECT * FROM {schema}.{table}")
            if "journal" in tables:
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{copy}.journal', 'seq'),"
                    f" (SELECT max(seq) FROM {copy}.journal))"
                )
        yield copied
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {copy} CASCADE")
        admin.dispose()


def returns_of_post_in_sql(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str = "post_in_sql"
) -> list[Any]:
    """What ``module.post_in_sql`` (an SQL path: ``_set_remittance``, ``_set_interest``,
    ``_set_deduction``; or the function ``name`` of it) returned for each chunk (or call),
    as the runs that follow go; it still runs."""
    returned: list[Any] = []
    post_in_sql = getattr(module, name)

    def recorded(*args: object, **kwargs: object) -> Any:
        done = post_in_sql(*args, **kwargs)
        returned.append(done)
        return done

    monkeypatch.setattr(module, name, recorded)
    return returned
