"""The members the portal tests use, set up through ``hpf_adapters.wiring`` as the centre's
counter would (开户, 汇入, 贷款发放, 登记): loaded by the portal tests with
``importlib`` (the suite runs in importlib mode).

- A 赵一 (M-A, account A1): the seed's retiree (操作手册 §5.2.1.1): 个人账户余额 5,925.21
  held from 2017-07-01, 提取 on 2018-05-29 with 销户利息 81.97, 提取金额合计 6,007.18.
- B 李四 (M-B, account B1) and C 王五 (M-C, account C1): borrower and spouse of loan HT03,
  the seed's loan business (§6.3): 146,271.00 at 3.25% over 138 months, disbursed on the
  day of the business; each account holds 46,760.77 (the 提前结清 screen's balance):
  45,104.77 transferred in and May 2018's deposit of 1,656.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import attrs

from hpf_adapters.wiring import App, Config, build
from hpf_core.accounts import Employer, Member
from hpf_core.loans import Borrower, SignerRole, open_loan
from hpf_core.members import InitialPasswordRule, PasswordChannel, PasswordGroup, new_credentials
from hpf_core.policy import CenterPolicy
from hpf_core.ports import MemberRecord

CST = timezone(timedelta(hours=8))
DAY = date(2018, 5, 29)
KEY = b"portal tests: 32 bytes or more of secret"
CODE = "042817"
NEW_PASSWORD = "gjj2018ok"
EMPLOYERS = {"A1": Employer("150101329", "示例单位"), "B1": Employer("150101330", "示例公司")}


@dataclass(frozen=True)
class Person:
    member_id: str
    name: str
    id_number: str
    phone: str
    account_no: str


A = Person("M-A", "赵一", "11010519491231002X", "13800138000", "A1")
B = Person("M-B", "李四", "440524188001010014", "13700137000", "B1")
C = Person("M-C", "王五", "11010219840406970X", "13600136000", "C1")
CARD_A, CARD_B = "6225768888888888", "6217001234567890122"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2018, 5, 29, hour, minute, tzinfo=CST)


def an_app(url: str | None = None) -> App:
    common = {"centre": "altay", "clock": at(9), "codes": "fixed", "fixed_codes": (CODE,) * 5}
    if url is None:
        return build(Config(**common, hasher="scrypt", password_cost=2**4))  # type: ignore[arg-type]
    return build(
        Config(**common, hasher="scrypt", password_cost=2**4, store="sql", url=url, key=KEY, migrate=True)  # type: ignore[arg-type]
    )


def no_wait(policy: CenterPolicy) -> CenterPolicy:
    """The centre's policy with the one-year wait before a prepayment or a settlement set to 0
    months: the seed's figures are taken on the day of disbursement (as
    tests/unit/test_loan_business.py); the waits themselves are tested in
    tests/integration/test_loan_business_journey.py."""
    servicing = attrs.evolve(policy.loans.servicing, prepay_min_months=0, settle_min_months=0)
    return attrs.evolve(policy, loans=attrs.evolve(policy.loans, servicing=servicing))


def enrol(app: App, person: Person, opened_on: date, amount: str, value_date: date) -> None:
    app.accounts.open_account(
        account_no=person.account_no,
        member=Member(person.member_id, person.name, person.id_number, person.phone),
        employer=EMPLOYERS.get(person.account_no, EMPLOYERS["B1"]),
        opened_on=opened_on,
        base="6900.00",
        employee_ratio="0.12",
        employer_ratio="0.12",
    )
    app.accounts.receive_transfer(
        account_no=person.account_no, amount=amount, value_date=value_date, key=f"in-{person.account_no}"
    )
    with app.unit_of_work() as uow:
        contracts = ("HT03",) if person is B else ()
        uow.members.add(
            MemberRecord(person.member_id, person.phone, person.id_number, person.account_no, contracts)
        )
        credentials = new_credentials(
            person.member_id,
            person.phone,
            person.id_number,
            app.hasher,
            keypad_rule=InitialPasswordRule.ID_LAST_6,
        )
        # the centre requires 支付宝授权 / 刷脸 on the first login (D-048): these members
        # passed it when the account was opened (test_portal_journey walks that login itself)
        passed = datetime.combine(opened_on, time(9), tzinfo=CST)
        uow.credentials.add(attrs.evolve(credentials, first_login_verified_at=passed))
        uow.commit()


def the_world(app: App) -> App:
    enrol(app, A, date(2010, 1, 4), "5925.21", date(2017, 7, 1))
    # 45,104.77 transferred in, then May 2018's deposit: 6,900.00 x 12% = 828.00 from each
    # side, 1,656.00 a month; 45,104.77 + 1,656.00 = 46,760.77
    enrol(app, B, date(2010, 1, 4), "45104.77", date(2018, 5, 2))
    enrol(app, C, date(2010, 1, 4), "45104.77", date(2018, 5, 2))
    app.accounts.remit_month(
        employer_no="150101330",
        month=date(2018, 5, 1),
        value_date=date(2018, 5, 10),
        key="remit-2018-05",
        rounding="half-up-yuan" if app.policy.contributions is None else app.policy.contributions.rounding,
    )
    loan = open_loan(
        contract_no="HT03",
        borrowers=(
            Borrower(SignerRole.BORROWER, B.name, B.account_no),
            Borrower(SignerRole.SPOUSE, C.name, C.account_no),
        ),
        principal="146271.00",
        disbursed_on=DAY,
        term_months=138,
        method="equal-installment",
        annual_rate="0.0325",
    )
    app.loans.disburse(loan)
    return app


def session(app: App, person: Person, when: datetime) -> str:
    """Log in on the initial password (ID last 8) and change it: a token for every service."""
    outcome = app.portal.login(person.phone, person.id_number[-8:], PasswordChannel.APP, when)
    assert outcome.result.accepted
    assert outcome.result.password_change_required
    token: str | None = outcome.token
    assert token is not None
    app.portal.change_password(
        token, PasswordGroup.ONLINE, person.id_number[-8:], NEW_PASSWORD, NEW_PASSWORD, when
    )
    return token


def balance(app: App, account_no: str) -> Decimal:
    with app.unit_of_work() as uow:
        return uow.accounts.get(account_no).balance


def audit_tail(app: App, since: int) -> list[tuple[str, str, str]]:
    with app.unit_of_work() as uow:
        return [(e.actor, e.action, e.record) for e in uow.audit.events()[since:]]


def audit_count(app: App) -> int:
    with app.unit_of_work() as uow:
        return len(uow.audit.events())
