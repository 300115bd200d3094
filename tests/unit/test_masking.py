"""Personal data never in full in an error or a repr (issue #10, D-043), the display masks'
bounds, and the identity checks that refuse impossible numbers (future birth dates, year
0001, region 000000, all-zero cards).

Masked forms are written out by hand: phone 3+4, ID 6+4, card 6+4 (GB/T 35273's display
restriction as the project applies it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_core import identity
from hpf_core.accounts import DepositAccount, Employer, Member
from hpf_core.accounts import services as svc
from hpf_core.errors import (
    HpfError,
    InvalidAmount,
    InvalidCardNumber,
    InvalidIdNumber,
    Violation,
    redact,
    refusal,
)
from hpf_core.testing import sample_policy
from hpf_core.withdrawals import WithdrawalFacts, WithdrawalKind, assess

PHONE = "13800138000"
ID = "11010519491231002X"  # docs/domain.md §11 TV10
CARD = "6225768888888888"  # Luhn-valid (the guide's sample card)

# What the grep looks for: an unmasked 11-digit mobile number, an 18-character ID number,
# a run of 12 or more digits (a card or account number).
_UNMASKED = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{17}[\dXx](?!\d)|\d{12,}")


def _id_with(first17: str) -> str:
    """An ID number whose check character is right (ISO 7064 MOD 11-2, written out here),
    so that only the part under test can be wrong."""
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def _leaks(text: str) -> list[str]:
    return _UNMASKED.findall(text)


class TestErrorsMaskPersonalData:
    @pytest.mark.parametrize(
        ("call", "shown"),
        [
            (lambda: identity.validate_phone("1380013800"), "'1380013800'"),  # 10 digits: not a number kind
            (lambda: identity.validate_phone("12800138000"), "'128****8000'"),
            (lambda: identity.validate_phone("+86 128 0013 8000"), "'+128****8000'"),
            (lambda: identity.validate_id_number("110105194912310021"), "'110105********0021'"),
            (lambda: identity.validate_id_number("11010519491231002"), "'110105*******1002'"),
            (lambda: identity.validate_card_number("6225768888888889"), "'622576******8889'"),
            (lambda: identity.validate_card_number("6225 7688 8888 8889"), "'622576******8889'"),
        ],
    )
    def test_validators_mask_the_value_and_the_message(self, call: Callable[[], object], shown: str) -> None:
        with pytest.raises(HpfError) as caught:
            call()
        assert str(caught.value).endswith(f"(got {shown})")
        assert repr(caught.value.value) == shown
        assert not _leaks(str(caught.value))
        assert not _leaks(repr(caught.value.value))

    def test_any_error_masks_numbers_in_reason_and_value(self) -> None:
        err = InvalidAmount("amount", f"card {CARD} for {PHONE}", Decimal(PHONE))
        assert err.reason == "card 622576******8888 for 138****8000"
        assert err.value == "Decimal('138****8000')"
        assert str(err) == "amount: card 622576******8888 for 138****8000 (got \"Decimal('138****8000')\")"

    def test_ledger_amounts_and_dates_are_left_alone(self) -> None:
        err = InvalidAmount("amount", "9999999999.99 is the maximum on 2025-01-15", Decimal("9999999999.99"))
        assert err.value == Decimal("9999999999.99")
        assert err.reason == "9999999999.99 is the maximum on 2025-01-15"

    def test_a_card_typed_as_an_amount_is_masked(self) -> None:
        err = InvalidAmount("amount", "has more than two decimal places", f"{CARD}.001")
        assert err.value == "622576******8888.001"

    def test_violation_messages_are_masked(self) -> None:
        v = Violation("card", f"card {CARD} is not the member's", "card_number")
        assert v.message == "card 622576******8888 is not the member's"
        assert str(refusal([v])) == "card_number: card 622576******8888 is not the member's"

    def test_redact_keeps_3_4_and_6_4(self) -> None:
        assert redact("15 digits 110105491231002") == "15 digits 110105*****1002"
        assert redact("12 digits 622576888888") == "12 digits 622*****8888"
        assert redact("0086 13800138000") == "138****8000"


class TestReprMasks:
    def test_member_repr(self) -> None:
        text = repr(Member("M1", "张三", ID, PHONE))
        assert (
            text == "Member(member_id='M1', name='张三', id_number='110105********002X', phone='138****8000')"
        )

    def test_account_repr_holds_the_masked_member(self) -> None:
        account = DepositAccount(
            "A1", Member("M1", "张三", ID, PHONE), Employer("E1", "单位"), date(2020, 1, 2),
            Decimal("5000.00"), Decimal("0.12"), Decimal("0.12"),
        )  # fmt: skip
        assert not _leaks(repr(account))
        assert "110105********002X" in repr(account)


class TestMaskBounds:
    @pytest.mark.parametrize(("start", "end"), [(-1, -1), (-5, 4), (6, -3), (99, 99), (7, 5), (18, 0)])
    def test_card_never_shows_more_than_6_4(self, start: int, end: int) -> None:
        masked = identity.mask_card_number(CARD, start, end)
        shown = [c for c in masked if c != "*"]
        assert len(shown) <= 10
        assert masked.count("*") >= 6
        assert masked[:6].rstrip("*") == CARD[: len(masked[:6].rstrip("*"))]

    @pytest.mark.parametrize(("start", "end"), [(-1, 0), (99, 99), (3, 8), (11, 0)])
    def test_phone_never_shows_more_than_3_4(self, start: int, end: int) -> None:
        assert identity.mask_phone(PHONE, start, end).count("*") >= 4

    @pytest.mark.parametrize(("start", "end"), [(-2, -2), (99, 99), (18, 0), (0, 18)])
    def test_id_never_shows_more_than_6_4(self, start: int, end: int) -> None:
        assert identity.mask_id_number(ID, start, end).count("*") >= 8

    def test_negative_keep_in_plain_mask_is_zero(self) -> None:
        # old code: text[:-2] showed all but two characters
        assert identity.mask("abcdefgh", -2, -2) == "********"

    def test_13_digit_card(self) -> None:
        assert identity.mask_card_number("6225768888888") == "622576***8888"

    def test_short_number_keeps_at_least_3_hidden(self) -> None:
        assert identity.mask_card_number("622576888888") == "62257***8888"
        assert identity.mask_phone("1380013") == "13***13"


class TestImpossibleNumbers:
    def test_birth_after_today_is_refused(self) -> None:
        with pytest.raises(InvalidIdNumber, match="future"):
            identity.validate_id_number(ID, today=date(1949, 12, 30))
        assert identity.validate_id_number(ID, today=date(1949, 12, 31)) == ID

    def test_year_0001_is_refused(self) -> None:
        number = _id_with("11010500010101001")
        with pytest.raises(InvalidIdNumber, match="birth year"):
            identity.validate_id_number(number)

    def test_region_000000_is_refused(self) -> None:
        number = _id_with("00000019491231002")
        with pytest.raises(InvalidIdNumber, match="region"):
            identity.validate_id_number(number)

    @pytest.mark.parametrize("card", ["0000000000000", "0000000000000000", "0000000000000000000"])
    def test_all_zero_cards_are_refused(self, card: str) -> None:
        with pytest.raises(InvalidCardNumber):
            identity.validate_card_number(card)

    def test_open_account_refuses_a_member_born_after_opening(self) -> None:
        store = MemoryStore()
        born_2020 = _id_with("11010520200601123")
        with pytest.raises(InvalidIdNumber) as caught:
            svc.open_account(
                MemoryUnitOfWork(store), account_no="A1", member=Member("M1", "张三", born_2020),
                employer=Employer("E1", "单位"), opened_on=date(2015, 3, 2), base="5000",
                employee_ratio="0.12", employer_ratio="0.12",
            )  # fmt: skip
        assert caught.value.field == "member.id_number"
        assert tuple(MemoryUnitOfWork(store).accounts.numbers()) == ()
        assert not _leaks(str(caught.value))

    def test_assess_refuses_a_member_born_after_the_day(self) -> None:
        born_2020 = _id_with("11010520200601123")
        account = DepositAccount(
            "A1", Member("M1", "张三", born_2020), Employer("E1", "单位"), date(2015, 3, 2),
            Decimal("5000.00"), Decimal("0.12"), Decimal("0.12"), balance=Decimal("100.00"),
        )  # fmt: skip
        with pytest.raises(InvalidIdNumber):
            assess(
                WithdrawalKind.RETIREMENT, account, WithdrawalFacts(),
                sample_policy(WithdrawalKind.RETIREMENT), date(2019, 1, 1),
            )  # fmt: skip


def _broad_sample() -> list[str]:
    """Every message, value and repr a broad sample of public calls produces with personal
    data in bad inputs."""
    seen: list[str] = []
    bad_ids = [ID[:-1] + "1", ID[:17], "000000" + ID[6:], _id_with("11010500010101001"), ID + "9"]
    bad_phones = ["12800138000", "+86 128 0013 8000", PHONE + "1", "0086" + PHONE[:-1]]
    bad_cards = [CARD[:-1] + "9", "0000000000000000", CARD + "1234", "6225-7688-8888-8889"]
    calls: list[Callable[[], Any]] = []
    calls += [partial(identity.validate_id_number, v, today=date(1900, 1, 1)) for v in [*bad_ids, ID]]
    calls += [partial(identity.validate_phone, v) for v in bad_phones]
    calls += [partial(identity.validate_card_number, v) for v in bad_cards]
    calls += [partial(identity.upgrade_id_number, v) for v in bad_ids]
    calls += [partial(identity.id_birth_date, v) for v in bad_ids]
    member = Member("M1", "张三", ID, PHONE)
    employer = Employer("150101329", "单位")
    store = MemoryStore()

    def open_with(**changes: Any) -> Any:
        fields: dict[str, Any] = {
            "account_no": PHONE, "member": member, "employer": employer, "opened_on": date(2015, 3, 2),
            "base": "5000", "employee_ratio": "0.12", "employer_ratio": "0.12",
        }  # fmt: skip
        fields.update(changes)
        return svc.open_account(MemoryUnitOfWork(store), **fields)

    day = date(2016, 1, 1)
    calls += [
        partial(open_with, member=Member("M1", "张三", ID[:-1] + "1", PHONE)),
        partial(open_with, member=Member("M1", "张三", ID, "12800138000")),
        partial(open_with, opened_on="2015-03-02"),
        partial(open_with, base=CARD + ".001"),
        open_with,
        open_with,  # the account exists
        partial(svc.withdraw, MemoryUnitOfWork(store), account_no=PHONE, amount=CARD, value_date=day, key=ID),
        partial(svc.withdraw, MemoryUnitOfWork(store), account_no=CARD, amount="1", value_date=day, key="k"),
        partial(
            svc.remit_month, MemoryUnitOfWork(store), employer_no=ID, month=day, value_date=day, key="k",
            rounding="half-up-yuan",
        ),
        partial(
            svc.receive_transfer, MemoryUnitOfWork(store), account_no=PHONE, amount="1",
            value_date=date(2015, 1, 1), key=CARD,
        ),
    ]  # fmt: skip
    for call in calls:
        try:
            result = call()
        except HpfError as exc:
            seen += [str(exc), repr(exc), repr(exc.value), exc.reason]
            seen += [v.message for v in getattr(exc, "violations", ())]
        else:
            seen.append(repr(result))
    seen.append(repr(member))
    return seen


def test_no_unmasked_number_in_a_broad_sample() -> None:
    seen = _broad_sample()
    assert len(seen) > 60
    leaks = [(text, _leaks(text)) for text in seen if _leaks(text)]
    assert leaks == []


def test_loan_and_member_records_mask_long_account_numbers_in_their_reprs() -> None:
    from hpf_core.loans import OffsetSigner, SignerRole
    from hpf_core.ports import MemberRecord

    account = "6217001234567890122"
    shown = repr(OffsetSigner(SignerRole.BORROWER, account, "王芳")) + repr(
        MemberRecord("M1", "13800138000", "11010519491231002X", account)
    )
    assert account not in shown
    assert "621700*********0122" in shown
