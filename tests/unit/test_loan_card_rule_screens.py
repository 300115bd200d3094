"""Issue #11 items 6 and 7, the loan remainder (D-049): the 还款卡号 kept on the loan, the
centre's earliest-settlement rule, the 按月抵扣签约 screen's 应缴年月, 还款明细 one row per
期 with its parts, and the 贷款结清证明 returned by the approval. Figures are the seed's
(操作手册 §4.2, §6.3) or computed by hand in the comments."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.payments import MemoryBankDebit
from hpf_adapters.policies import load_policy
from hpf_adapters.sql import Keyring, SqlStore, metadata
from hpf_core.accounts import Employer, Member
from hpf_core.accounts import services as deposits
from hpf_core.errors import InputError, InputTypeError, Refused
from hpf_core.loans import (
    Borrower,
    LoanEntryKind,
    PaymentSource,
    ServicingPolicy,
    SignerRole,
    business,
    due_month,
    instalments_repaid,
    open_loan,
    prepayment_quote,
    repayment_details,
    repayment_details_by_period,
    settlement_quote,
)
from hpf_core.loans import services as loans
from hpf_core.withdrawals import ApplicationStatus
from hpf_core.withdrawals import services as workflow

D = Decimal
CST = timezone(timedelta(hours=8))
CARD = "6217000012345678901"  # a 19-digit debit card (621700: 中国建设银行's prefix)
MAIN = Borrower(SignerRole.BORROWER, "张三", "P1")
SPOUSE = Borrower(SignerRole.SPOUSE, "李四", "P2")
FREE = ServicingPolicy(prepay_min_months=0)


def loan_of(**kwargs: object) -> object:
    values: dict[str, object] = {
        "contract_no": "HT03",
        "borrowers": (MAIN, SPOUSE),
        "principal": "146271.00",
        "disbursed_on": date(2018, 5, 29),
        "term_months": 138,
        "method": "equal-installment",
        "annual_rate": "0.0325",
    }
    values.update(kwargs)
    return open_loan(**values)  # type: ignore[arg-type]


class TestRepaymentCard:
    def test_kept_on_the_loan_masked_in_its_repr_and_shown_on_the_prepayment_page(self) -> None:
        loan = open_loan(
            contract_no="HT03",
            borrowers=(MAIN,),
            principal="146271.00",
            disbursed_on=date(2018, 5, 29),
            term_months=138,
            method="equal-installment",
            annual_rate="0.0325",
            card_number="6217 0000 1234 5678 901",  # spaces as printed on the card
        )
        assert loan.card_number == CARD
        assert CARD not in repr(loan)
        quote = prepayment_quote(loan, "10000", date(2018, 5, 29), "keep-term", FREE)
        assert quote.card_number == CARD
        assert quote.masked_card == "621700*********8901"  # first 6, last 4 of 19 digits
        assert CARD not in repr(quote)

    def test_none_recorded_is_empty(self) -> None:
        loan = loan_of()
        assert loan.card_number == ""  # type: ignore[attr-defined]
        assert prepayment_quote(loan, "10000", date(2018, 5, 29), "keep-term", FREE).masked_card == ""  # type: ignore[arg-type]

    @pytest.mark.parametrize("bad", ["62170000", "6217abc012345678", "6" * 31])
    def test_a_bad_card_is_refused_naming_the_field(self, bad: str) -> None:
        with pytest.raises(InputError) as caught:
            loan_of(card_number=bad)
        assert caught.value.field == "card_number"
        assert bad not in str(caught.value)

    def test_a_card_that_is_not_text_is_a_type_error(self) -> None:
        with pytest.raises(InputTypeError) as caught:
            loan_of(card_number=6217000012345678901)
        assert caught.value.field == "card_number"

    def test_sealed_at_rest_and_old_rows_without_it_still_read(self, tmp_path: Path) -> None:
        url = str(tmp_path / "hpf.db")
        store = SqlStore(url, Keyring.from_secret(b"d-049 test key, not a real secret"))
        store.create_schema()
        loans.disburse(store.unit_of_work(), loan_of(card_number=CARD))  # type: ignore[arg-type]
        loaded = store.unit_of_work().loans.get("HT03")
        assert loaded.card_number == CARD
        table = metadata.tables["loans"]
        engine = sa.create_engine(f"sqlite:///{url}")
        with engine.begin() as connection:
            body = connection.execute(sa.select(table.c.body)).scalar_one()
            assert CARD not in body  # sealed (enc1:...)
            assert json.loads(body)["card_number"].startswith("enc1:")
            # a row written before the field existed
            old = json.loads(body)
            del old["card_number"]
            connection.execute(sa.update(table).values(body=json.dumps(old)))
        engine.dispose()
        before = store.unit_of_work().loans.get("HT03")
        assert before.card_number == ""
        assert before.balance == D("146271.00")


class TestEarliestSettlement:
    def altay(self) -> ServicingPolicy:
        return load_policy("altay").loans.servicing

    def test_altay_waits_a_year_from_disbursement(self) -> None:
        loan = loan_of(disbursed_on=date(2017, 6, 1))
        # 2018-05-29 is 11 whole months after 2017-06-01
        with pytest.raises(Refused) as caught:
            settlement_quote(loan, date(2018, 5, 29), self.altay())  # type: ignore[arg-type]
        assert caught.value.codes == ("settle_too_early",)
        assert "settle_min_months" in str(caught.value)
        # on 2018-06-01, twelve months: allowed (and nothing is owed for the day yet)
        quote = settlement_quote(loan, date(2018, 6, 1), self.altay())  # type: ignore[arg-type]
        assert quote.principal > 0

    def test_shanghai_waits_for_one_instalment_repaid(self) -> None:
        shanghai = load_policy("shanghai").loans.servicing
        store = MemoryStore()
        loan = loan_of(disbursed_on=date(2018, 4, 29), repayment_day=28)
        loans.disburse(MemoryUnitOfWork(store), loan)  # type: ignore[arg-type]
        with pytest.raises(Refused) as caught:
            settlement_quote(MemoryUnitOfWork(store).loans.get("HT03"), date(2018, 5, 20), shanghai)
        assert caught.value.codes == ("settle_too_few_instalments",)
        loans.collect_instalment(
            MemoryUnitOfWork(store),
            contract_no="HT03",
            on=date(2018, 5, 28),
            policy=shanghai,
            key="c1",
            bank=MemoryBankDebit(),
        )
        repaid = MemoryUnitOfWork(store).loans.get("HT03")
        assert instalments_repaid(repaid) == 1
        assert settlement_quote(repaid, date(2018, 5, 29), shanghai).principal == repaid.balance

    def test_the_parser_takes_the_rule_and_refuses_a_bad_value(self) -> None:
        from hpf_core.errors import InvalidPolicy
        from hpf_core.loans import parse_servicing_policy

        parsed = parse_servicing_policy({"settle_min_months": 12, "settle_min_instalments": 1})
        assert (parsed.settle_min_months, parsed.settle_min_instalments) == (12, 1)
        with pytest.raises(InvalidPolicy) as caught:
            parse_servicing_policy({"settle_min_months": -1})
        assert caught.value.field == "loans.servicing.settle_min_months"


@pytest.fixture
def store() -> MemoryStore:
    s = MemoryStore()
    for number, name, id_number, base in [
        ("P1", "张三", "11010519491231002X", "3500"),
        ("P2", "李四", "440524188001010014", "10992"),
    ]:
        deposits.open_account(
            MemoryUnitOfWork(s),
            account_no=number,
            member=Member(number, name, id_number),
            employer=Employer("150101329", "示例单位"),
            opened_on=date(2010, 1, 1),
            base=base,
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
    return s


def receive(store: MemoryStore, account_no: str, amount: str, on: date) -> None:
    deposits.receive_transfer(
        MemoryUnitOfWork(store),
        account_no=account_no,
        amount=amount,
        value_date=on,
        key=f"in-{account_no}-{on}",
    )


class TestOffsetScreen:
    def test_the_seed_screens(self, store: MemoryStore) -> None:
        receive(store, "P1", "2530.00", date(2018, 5, 1))
        receive(store, "P2", "49801.94", date(2018, 5, 1))
        loan = loan_of(disbursed_on=date(2018, 4, 29), repayment_day=28)  # first due 2018-05-28
        loans.disburse(MemoryUnitOfWork(store), loan)  # type: ignore[arg-type]
        loans.sign_monthly_offset(
            MemoryUnitOfWork(store), contract_no="HT03", account_no="P1", on=date(2018, 5, 1)
        )
        signed = loans.offset_signing_screen(MemoryUnitOfWork(store), contract_no="HT03", account_no="P1")
        # seed §6.3.2, first screen: 借款人, 2,530.00, 月缴存额 840.00 (3,500 x 12% twice), 201805, 是
        assert (signed.role.chinese, signed.name, signed.account_status) == ("借款人", "张三", "正常")
        assert (signed.balance, signed.monthly_deposit, signed.due_month) == (
            D("2530.00"),
            D("840.00"),
            "201805",
        )
        assert (signed.signed_text, signed.action) == ("是", "取消签约")
        assert signed.masked_id_number == "110105********002X"
        assert "11010519491231002X" not in repr(signed)
        # second screen: 49,801.94, 月缴存额 2,638.00 (10,992 x 12% = 1,319.04 -> 1,319 a side), 201805, 否
        other = loans.offset_signing_screen(MemoryUnitOfWork(store), contract_no="HT03", account_no="P2")
        assert (other.role.chinese, other.balance, other.monthly_deposit) == (
            "配偶",
            D("49801.94"),
            D("2638.00"),
        )
        assert (other.due_month, other.signed_text, other.action) == ("201805", "否", "我要签约")

    def test_the_due_month_moves_on_when_the_month_is_repaid_and_stays_while_it_is_owed(
        self, store: MemoryStore
    ) -> None:
        loan = loan_of(disbursed_on=date(2018, 4, 29), repayment_day=28)
        loans.disburse(MemoryUnitOfWork(store), loan)  # type: ignore[arg-type]
        declined = MemoryBankDebit(declined=frozenset({"HT03"}))
        loans.collect_instalment(
            MemoryUnitOfWork(store),
            contract_no="HT03",
            on=date(2018, 5, 28),
            policy=FREE,
            key="c1",
            bank=declined,
        )
        assert due_month(MemoryUnitOfWork(store).loans.get("HT03")) == "201805"  # still owed
        loans.collect_instalment(
            MemoryUnitOfWork(store),
            contract_no="HT03",
            on=date(2018, 5, 29),
            policy=FREE,
            key="c2",
            bank=MemoryBankDebit(),
        )
        assert due_month(MemoryUnitOfWork(store).loans.get("HT03")) == "201806"

    def test_another_members_account_is_refused(self, store: MemoryStore) -> None:
        loan = open_loan(
            contract_no="HT03",
            borrowers=(MAIN,),
            principal="146271.00",
            disbursed_on=date(2018, 4, 29),
            term_months=138,
            method="equal-installment",
            annual_rate="0.0325",
        )
        loans.disburse(MemoryUnitOfWork(store), loan)
        with pytest.raises(Refused) as caught:
            loans.offset_signing_screen(MemoryUnitOfWork(store), contract_no="HT03", account_no="P2")
        assert caught.value.codes == ("not_a_borrower",)


class TestRepaymentDetailsPerPeriod:
    """The seed's 201706期 row: ¥1,665.79 = 偿还本金 1,253.96 + 偿还利息 411.83, paid on
    2017-06-01. A loan of 152,058.88 at 3.25 % over 105 months has that first instalment:
    152,058.88 x 3.25 % / 12 = 411.826 -> 411.83 interest (D-046)."""

    def collect(self, store: MemoryStore, on: date, key: str, bank: MemoryBankDebit) -> None:
        loans.collect_instalment(
            MemoryUnitOfWork(store), contract_no="HT38", on=on, policy=FREE, key=key, bank=bank
        )

    def test_one_row_per_period_with_its_parts(self, store: MemoryStore) -> None:
        receive(store, "P2", "1000.00", date(2017, 5, 1))
        loan = open_loan(
            contract_no="HT38",
            borrowers=(MAIN, SPOUSE),
            principal="152058.88",
            disbursed_on=date(2017, 5, 1),
            term_months=105,
            method="equal-installment",
            annual_rate="0.0325",
            card_number=CARD,
        )
        assert loan.payment == D("1665.79")
        loans.disburse(MemoryUnitOfWork(store), loan)
        loans.sign_monthly_offset(
            MemoryUnitOfWork(store), contract_no="HT38", account_no="P2", on=date(2017, 5, 2)
        )
        bank = MemoryBankDebit()
        self.collect(store, date(2017, 6, 1), "c201706", bank)
        self.collect(store, date(2017, 7, 1), "c201707", bank)
        # the card taken from is the loan's 还款卡号
        assert bank.cards == {"c201706/card": CARD, "c201707/card": CARD}
        # 201706: 1,000.00 from the spouse's fund, 665.79 from the card
        assert bank.debits[0] == ("c201706/card", "HT38", D("665.79"))

        entries = MemoryUnitOfWork(store).loan_journal.entries("HT38")
        assert (
            len(repayment_details(entries, date(2017, 5, 29), date(2018, 5, 29))) == 3
        )  # a line per payment

        stored = MemoryUnitOfWork(store).loans.get("HT38")
        rows = repayment_details_by_period(stored, entries, date(2017, 5, 29), date(2018, 5, 29))
        assert [(r.label, r.amount, r.summary, r.on) for r in rows] == [
            ("201706期", D("1665.79"), "正常还款", date(2017, 6, 1)),
            ("201707期", D("1665.79"), "正常还款", date(2017, 7, 1)),
        ]
        june, july = rows
        assert (june.principal, june.interest) == (D("1253.96"), D("411.83"))
        assert june.balance_after == D("150804.92")  # 152,058.88 - 1,253.96
        assert (june.repaid_principal, june.repaid_interest) == (D("1253.96"), D("411.83"))
        # the parts: the fund pays interest first (411.83) then 588.17 principal; the card the rest
        assert [(p.label, p.source, p.account_no, p.amount, p.principal, p.interest) for p in june.parts] == [
            ("按月抵扣", PaymentSource.HPF, "P2", D("1000.00"), D("588.17"), D("411.83")),
            ("银行卡扣款", PaymentSource.BANK, "", D("665.79"), D("665.79"), D("0.00")),
        ]
        # 201707: 150,804.92 x 3.25 % / 12 = 408.43 interest, 1,257.36 principal, all from the card
        assert (july.principal, july.interest) == (D("1257.36"), D("408.43"))
        assert [(p.source, p.amount) for p in july.parts] == [(PaymentSource.BANK, D("1665.79"))]
        # running totals: 1,253.96 + 1,257.36 = 2,511.32; 411.83 + 408.43 = 820.26
        assert (july.repaid_principal, july.repaid_interest) == (D("2511.32"), D("820.26"))
        assert (stored.repaid_principal, stored.repaid_interest) == (D("2511.32"), D("820.26"))
        assert july.balance_after == D("149547.56")  # 150,804.92 - 1,257.36
        # the service shows the same rows
        assert (
            loans.repayment_details_screen(
                MemoryUnitOfWork(store), contract_no="HT38", start=date(2017, 5, 29), end=date(2018, 5, 29)
            )
            == rows
        )
        # a window that holds only July keeps the totals counted from the start
        only = repayment_details_by_period(stored, entries, date(2017, 6, 2), date(2017, 7, 31))
        assert [(r.label, r.repaid_principal) for r in only] == [("201707期", D("2511.32"))]

    def test_a_prepayment_is_a_row_of_its_own(self, store: MemoryStore) -> None:
        loan = loan_of()
        loans.disburse(MemoryUnitOfWork(store), loan)  # type: ignore[arg-type]
        loans.prepay_loan(
            MemoryUnitOfWork(store),
            contract_no="HT03",
            amount="10000",
            on=date(2018, 5, 29),
            strategy="keep-term",
            policy=FREE,
            key="k1",
        )
        stored = MemoryUnitOfWork(store).loans.get("HT03")
        rows = repayment_details_by_period(
            stored, MemoryUnitOfWork(store).loan_journal.entries("HT03"), date(2018, 5, 1), date(2018, 5, 31)
        )
        assert [(r.label, r.summary, r.amount, r.balance_after) for r in rows] == [
            ("201805期", LoanEntryKind.PREPAYMENT.chinese, D("10000.00"), D("136271.00"))
        ]


def at(hour: int) -> datetime:
    return datetime(2018, 5, 29, hour, tzinfo=CST)


class TestTheApprovalReturnsTheCertificate:
    def test_settlement_certificate_and_its_replay(self, store: MemoryStore) -> None:
        receive(store, "P1", "46760.77", date(2018, 5, 1))
        loans.disburse(MemoryUnitOfWork(store), loan_of(card_number=CARD))  # type: ignore[arg-type]
        _, quote = business.apply_for_settlement(
            MemoryUnitOfWork(store),
            application_id="B2",
            contract_no="HT03",
            account_no="P1",
            from_hpf="3000",
            on=date(2018, 5, 29),
            policy=FREE,
            certificate_no="JQ001",
        )
        assert (quote.total, quote.bank_debit) == (D("146271.00"), D("143271.00"))  # 146,271.00 - 3,000.00
        for category in ("头像", "身份证"):
            workflow.upload_documents(MemoryUnitOfWork(store), application_id="B2", category=category)
        workflow.submit_application(MemoryUnitOfWork(store), application_id="B2", actor="P1", at=at(9))
        first = business.approve_loan_business(
            MemoryUnitOfWork(store),
            application_id="B2",
            node="贷款业务审核岗",
            reviewer="S1",
            at=at(10),
            on=date(2018, 5, 29),
            policy=FREE,
        )
        assert first.certificate is None
        assert first.status is ApplicationStatus.UNDER_REVIEW
        bank = MemoryBankDebit()
        done = business.approve_loan_business(
            MemoryUnitOfWork(store),
            application_id="B2",
            node="贷款业务审批岗",
            reviewer="S2",
            at=at(11),
            on=date(2018, 5, 29),
            policy=FREE,
            bank=bank,
        )
        assert done.status is ApplicationStatus.COMPLETED
        assert done.certificate is not None
        cert = done.certificate
        assert (cert.certificate_no, cert.contract_no, cert.borrower) == ("JQ001", "HT03", "张三")
        assert (cert.principal, cert.settled_on, cert.total_principal_repaid, cert.total_interest_repaid) == (
            D("146271.00"),
            date(2018, 5, 29),
            D("146271.00"),
            D("0.00"),
        )
        # the bank part, 143,271.00, from the 还款卡号, once
        # the debit id names the attempt: the steps so far (started, submitted, approved x2)
        assert bank.debits == (("business:B2/card/4", "HT03", D("143271.00")),)
        assert bank.cards == {"business:B2/card/4": CARD}
        assert done.application == MemoryUnitOfWork(store).applications.get("B2")
        again = business.approve_loan_business(
            MemoryUnitOfWork(store),
            application_id="B2",
            node="贷款业务审批岗",
            reviewer="S2",
            at=at(12),
            on=date(2018, 5, 29),
            policy=FREE,
            bank=bank,
        )
        assert again == done
        assert len(bank.debits) == 1

    def test_a_declined_card_refuses_the_approval_and_moves_nothing(self, store: MemoryStore) -> None:
        loans.disburse(MemoryUnitOfWork(store), loan_of(card_number=CARD))  # type: ignore[arg-type]
        business.apply_for_prepayment(
            MemoryUnitOfWork(store),
            application_id="B1",
            contract_no="HT03",
            account_no="P1",
            amount="10000",
            strategy="keep-term",
            on=date(2018, 5, 29),
            policy=FREE,
            review_chain=("贷款业务审批岗",),
        )
        workflow.upload_documents(MemoryUnitOfWork(store), application_id="B1", category="申请单")
        workflow.submit_application(MemoryUnitOfWork(store), application_id="B1", actor="P1", at=at(9))
        before = MemoryUnitOfWork(store).applications.get("B1")
        with pytest.raises(Refused) as caught:
            business.approve_loan_business(
                MemoryUnitOfWork(store),
                application_id="B1",
                node="贷款业务审批岗",
                reviewer="S2",
                at=at(10),
                on=date(2018, 5, 29),
                policy=FREE,
                bank=MemoryBankDebit(declined=frozenset({"HT03"})),
            )
        assert caught.value.codes == ("card_declined",)
        assert MemoryUnitOfWork(store).applications.get("B1") == before
        assert MemoryUnitOfWork(store).loans.get("HT03").balance == D("146271.00")
        assert MemoryUnitOfWork(store).loan_journal.entries("HT03") == []
