"""Bad inputs for amounts, rates, terms and dates (RELIABILITY.md §4): each raises its typed error.

One ``TestRowNN...`` class per row of the table that concerns money, rates, loan terms or
dates (rows 1-10, 13-15, 23, 25-27). Every refusal is checked for

* the exact error class (not only a parent), and the built-in it refines
  (``ValueError`` for bad values, ``TypeError`` for wrong types),
* its stable ``code``,
* the ``field`` it names, and a message that starts with that field,
* nothing being returned: the functions are pure, so a refused call has no other effect.

Rows about contribution ratios, ID numbers, cards, phones, funds, idempotency and OTPs belong
to other modules and are tested with them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, cast

import pytest

import hpf_core.errors as errors_module
from hpf_core.dates import check_value_date, parse_date, require_aware
from hpf_core.errors import (
    AmountOverflow,
    ConcurrentUpdate,
    FourEyesViolation,
    HpfError,
    IdempotencyConflict,
    InputError,
    InputTypeError,
    InsufficientFunds,
    InvalidAmount,
    InvalidCardNumber,
    InvalidChoice,
    InvalidCode,
    InvalidContributionRatio,
    InvalidDate,
    InvalidIdempotencyKey,
    InvalidIdNumber,
    InvalidPhone,
    InvalidPolicy,
    InvalidPrepayment,
    InvalidRate,
    InvalidSessionToken,
    InvalidTerm,
    InvalidTransition,
    NaiveDatetimeError,
    NoRateKnown,
    PasswordTooLong,
    PaymentError,
    PaymentRejected,
    PaymentTimeout,
    Refused,
    SmsError,
    SmsRejected,
    SmsThrottled,
    SmsTimeout,
    UnknownRecord,
)
from hpf_core.loans import (
    MAX_MONTHS,
    PrepaymentStrategy,
    RepaymentMethod,
    amortize,
    amortize_many,
    hpf_loan_rate,
    prepay,
)
from hpf_core.money import MAX_AMOUNT, check_rate, percent, yuan

EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL
KEEP = PrepaymentStrategy.KEEP_TERM
SHORTEN = PrepaymentStrategy.SHORTEN_TERM
ON_RATE_DAY = date(2025, 6, 1)

# The stable codes APIs and logs rely on: changing one is a breaking change.
EXPECTED_CODES: dict[type[HpfError], str] = {
    HpfError: "hpf_error",
    InputError: "invalid_input",
    InputTypeError: "invalid_type",
    InvalidAmount: "invalid_amount",
    AmountOverflow: "amount_overflow",
    InvalidRate: "invalid_rate",
    InvalidTerm: "invalid_term",
    InvalidDate: "invalid_date",
    NaiveDatetimeError: "naive_datetime",
    InvalidPrepayment: "invalid_prepayment",
    InvalidChoice: "invalid_choice",
    InvalidPolicy: "invalid_policy",
    NoRateKnown: "no_rate_known",
    InvalidContributionRatio: "invalid_contribution_ratio",
    InvalidIdempotencyKey: "invalid_idempotency_key",
    IdempotencyConflict: "idempotency_conflict",
    UnknownRecord: "unknown_record",
    Refused: "refused",
    InsufficientFunds: "insufficient_funds",
    InvalidTransition: "invalid_transition",
    InvalidIdNumber: "invalid_id_number",
    InvalidPhone: "invalid_phone",
    InvalidCardNumber: "invalid_card_number",
    PaymentError: "payment_error",
    PaymentTimeout: "payment_timeout",
    PaymentRejected: "payment_rejected",
    SmsError: "sms_error",
    SmsThrottled: "sms_throttled",
    SmsTimeout: "sms_timeout",
    SmsRejected: "sms_rejected",
    FourEyesViolation: "four_eyes",
    ConcurrentUpdate: "concurrent_update",
    InvalidCode: "invalid_code",
    InvalidSessionToken: "invalid_session_token",
    PasswordTooLong: "password_too_long",
}

# The tree drawn in the errors.py docstring: each class and its direct hpf parent.
DOCUMENTED_PARENT: dict[type[HpfError], type[HpfError] | None] = {
    HpfError: None,
    InputError: HpfError,
    InputTypeError: HpfError,
    InvalidAmount: InputError,
    AmountOverflow: InvalidAmount,
    InvalidRate: InputError,
    InvalidTerm: InputError,
    InvalidDate: InputError,
    NaiveDatetimeError: InputError,
    InvalidPrepayment: InputError,
    InvalidChoice: InputError,
    InvalidPolicy: InputError,
    NoRateKnown: HpfError,
    InvalidContributionRatio: InvalidRate,
    InvalidIdempotencyKey: InputError,
    IdempotencyConflict: InputError,
    UnknownRecord: HpfError,
    Refused: HpfError,
    InsufficientFunds: Refused,
    InvalidTransition: Refused,
    InvalidIdNumber: InputError,
    InvalidPhone: InputError,
    InvalidCardNumber: InputError,
    PaymentError: HpfError,
    PaymentTimeout: PaymentError,
    PaymentRejected: PaymentError,
    SmsError: HpfError,
    SmsThrottled: SmsError,
    SmsTimeout: SmsError,
    SmsRejected: SmsError,
    FourEyesViolation: Refused,
    ConcurrentUpdate: HpfError,
    InvalidCode: InputError,
    InvalidSessionToken: InputError,
    PasswordTooLong: InputError,
}


def smuggle(value: object) -> Any:
    """Hide a deliberately wrong value from the type checker, as an untyped caller would."""
    return cast(Any, value)


def expect_refusal(
    call: Callable[[], object], error: type[HpfError], builtin: type[Exception], field: str
) -> HpfError:
    """Run ``call``; it must raise exactly ``error`` naming ``field`` and return nothing."""
    returned: list[object] = []
    with pytest.raises(error) as info:
        returned.append(call())
    assert returned == [], "a refused call returned a value"
    exc = info.value
    assert type(exc) is error, f"expected exactly {error.__name__}, got {type(exc).__name__}: {exc}"
    assert isinstance(exc, builtin), f"{type(exc).__name__} is not a {builtin.__name__}"
    assert exc.code == EXPECTED_CODES[error]
    assert exc.field == field
    assert str(exc).startswith(f"{field}: "), f"message does not name the field {field!r}: {exc}"
    return exc


Call = Callable[[], object]


# --------------------------------------------------------------------------- row 1


class TestRow01FloatAmount:
    """Row 1: a float amount (100.1) is a TypeError; floats convert silently otherwise."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: yuan(smuggle(100.1)), "amount", id="row_01_yuan"),
            pytest.param(lambda: yuan(smuggle(100.0)), "amount", id="row_01_yuan_whole_float"),
            pytest.param(
                lambda: amortize(smuggle(100.1), "0.031", 12, EI), "principal", id="row_01_principal"
            ),
            pytest.param(
                lambda: prepay("1000", "0.031", 12, smuggle(100.1), KEEP), "amount", id="row_01_prepay"
            ),
            pytest.param(
                lambda: prepay(smuggle(1000.0), "0.031", 12, 100, KEEP), "balance", id="row_01_balance"
            ),
            pytest.param(
                lambda: prepay("1000", "0.031", 12, 100, SHORTEN, current_payment=smuggle(90.5)),
                "current_payment",
                id="row_01_current_payment",
            ),
            pytest.param(
                lambda: amortize_many([1000, smuggle(100.1)], "0.031", 12, EI),
                "principals[1]",
                id="row_01_batch_principal",
            ),
        ],
    )
    def test_row_01_a_float_amount_is_a_type_error(self, call: Call, field: str) -> None:
        expect_refusal(call, InputTypeError, TypeError, field)

    def test_row_01_a_refused_batch_leaves_its_input_list_as_it_was(self) -> None:
        principals: list[Any] = [Decimal("1000.00"), 100.1, "2000"]
        snapshot = list(principals)
        expect_refusal(
            lambda: amortize_many(principals, "0.031", 12, EI), InputTypeError, TypeError, "principals[1]"
        )
        assert principals == snapshot


# --------------------------------------------------------------------------- row 2


class TestRow02NotANumber:
    """Row 2: NaN and signalling NaN are InvalidAmount (NaN == NaN is False, ordering raises)."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: yuan(Decimal("NaN")), "amount", id="row_02_nan"),
            pytest.param(lambda: yuan(Decimal("sNaN")), "amount", id="row_02_snan"),
            pytest.param(lambda: yuan(Decimal("-NaN")), "amount", id="row_02_negative_nan"),
            pytest.param(lambda: yuan("NaN"), "amount", id="row_02_nan_string"),
            pytest.param(
                lambda: amortize(Decimal("NaN"), "0.031", 12, EI), "principal", id="row_02_principal"
            ),
            pytest.param(
                lambda: prepay("1000", "0.031", 12, Decimal("sNaN"), KEEP), "amount", id="row_02_prepay"
            ),
            pytest.param(
                lambda: amortize_many([Decimal("sNaN")], "0.031", 12, EI), "principals[0]", id="row_02_batch"
            ),
        ],
    )
    def test_row_02_nan_is_an_invalid_amount(self, call: Call, field: str) -> None:
        expect_refusal(call, InvalidAmount, ValueError, field)


# --------------------------------------------------------------------------- row 3


class TestRow03Infinity:
    """Row 3: plus or minus infinity is InvalidAmount."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: yuan(Decimal("Infinity")), "amount", id="row_03_infinity"),
            pytest.param(lambda: yuan(Decimal("-Infinity")), "amount", id="row_03_minus_infinity"),
            pytest.param(lambda: yuan("Infinity"), "amount", id="row_03_infinity_string"),
            pytest.param(lambda: yuan("inf"), "amount", id="row_03_inf_string"),
            pytest.param(
                lambda: amortize(Decimal("Infinity"), "0.031", 12, EI), "principal", id="row_03_principal"
            ),
            pytest.param(
                lambda: prepay("1000", "0.031", 12, Decimal("-Infinity"), KEEP), "amount", id="row_03_prepay"
            ),
        ],
    )
    def test_row_03_an_infinite_amount_is_invalid(self, call: Call, field: str) -> None:
        expect_refusal(call, InvalidAmount, ValueError, field)


# --------------------------------------------------------------------------- row 4


class TestRow04BoolAmount:
    """Row 4: True/False are ints in Python, but never money: TypeError."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: yuan(True), "amount", id="row_04_true"),
            pytest.param(lambda: yuan(False), "amount", id="row_04_false"),
            pytest.param(lambda: amortize(True, "0.031", 12, EI), "principal", id="row_04_principal"),
            pytest.param(lambda: prepay("1000", "0.031", 12, False, KEEP), "amount", id="row_04_prepay"),
            pytest.param(lambda: amortize_many([True], "0.031", 12, EI), "principals[0]", id="row_04_batch"),
        ],
    )
    def test_row_04_a_bool_amount_is_a_type_error(self, call: Call, field: str) -> None:
        expect_refusal(call, InputTypeError, TypeError, field)


# --------------------------------------------------------------------------- row 5


class TestRow05NegativeAmount:
    """Row 5: a negative loan amount or payment (-0.01) is InvalidAmount: direction is explicit."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: amortize("-0.01", "0.031", 12, EI), "principal", id="row_05_principal"),
            pytest.param(lambda: prepay("1000", "0.031", 12, "-0.01", KEEP), "amount", id="row_05_prepay"),
            pytest.param(lambda: prepay("-0.01", "0.031", 12, 0, KEEP), "balance", id="row_05_balance"),
            pytest.param(
                lambda: prepay("1000", "0.031", 12, 100, SHORTEN, current_payment="-0.01"),
                "current_payment",
                id="row_05_current_payment",
            ),
            pytest.param(
                lambda: amortize_many(["-0.01"], "0.031", 12, EI), "principals[0]", id="row_05_batch"
            ),
        ],
    )
    def test_row_05_a_negative_amount_is_invalid(self, call: Call, field: str) -> None:
        expect_refusal(call, InvalidAmount, ValueError, field)


# --------------------------------------------------------------------------- row 6


class TestRow06ZeroAmount:
    """Row 6: a zero loan, balance or payment is InvalidAmount; a zero prepayment is a no-op."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: amortize(0, "0.031", 12, EI), "principal", id="row_06_principal"),
            pytest.param(
                lambda: amortize("0.00", "0.031", 12, EP), "principal", id="row_06_principal_string"
            ),
            pytest.param(lambda: prepay(0, "0.031", 12, 0, KEEP), "balance", id="row_06_balance"),
            pytest.param(
                lambda: prepay("1000", "0.031", 12, 100, SHORTEN, current_payment="0.00"),
                "current_payment",
                id="row_06_current_payment",
            ),
            pytest.param(
                lambda: amortize_many([1000, 0], "0.031", 12, EI), "principals[1]", id="row_06_batch"
            ),
        ],
    )
    def test_row_06_a_zero_amount_is_invalid(self, call: Call, field: str) -> None:
        expect_refusal(call, InvalidAmount, ValueError, field)

    @pytest.mark.parametrize("method", [EI, EP], ids=["equal_installment", "equal_principal"])
    @pytest.mark.parametrize("strategy", [KEEP, SHORTEN], ids=["keep_term", "shorten_term"])
    @pytest.mark.parametrize(
        "zero", [0, "0", "0.00", Decimal("0.00")], ids=["int", "str", "str_fen", "decimal"]
    )
    def test_row_06_a_zero_prepayment_is_allowed_and_changes_nothing(
        self, method: RepaymentMethod, strategy: PrepaymentStrategy, zero: int | str | Decimal
    ) -> None:
        before = amortize("979468.01", "0.031", 348, method)
        result = prepay(
            "979468.01", "0.031", 348, zero, strategy, method=method, current_payment=before.payment
        )
        assert result.schedule == before
        assert result.amount == Decimal("0.00")
        assert result.new_balance == Decimal("979468.01")
        assert result.new_payment == before.payment
        assert result.remaining_months == 348
        assert result.interest_saved == Decimal("0.00")
        assert not result.settled


# --------------------------------------------------------------------------- row 7


class TestRow07MoreThanTwoDecimals:
    """Row 7: more than two decimal places (1.005) is InvalidAmount, never rounded silently."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: yuan("1.005"), "amount", id="row_07_string"),
            pytest.param(lambda: yuan(Decimal("1.005")), "amount", id="row_07_decimal"),
            pytest.param(lambda: yuan("0.001"), "amount", id="row_07_tenth_of_a_fen"),
            pytest.param(lambda: yuan(Decimal("1E-100")), "amount", id="row_07_tiny"),
            pytest.param(lambda: amortize("250000.001", "0.031", 12, EI), "principal", id="row_07_principal"),
            pytest.param(lambda: prepay("1000", "0.031", 12, "0.005", KEEP), "amount", id="row_07_prepay"),
            pytest.param(
                lambda: amortize_many(["1000", "1000.005"], "0.031", 12, EI),
                "principals[1]",
                id="row_07_batch",
            ),
        ],
    )
    def test_row_07_more_than_two_decimals_is_invalid(self, call: Call, field: str) -> None:
        exc = expect_refusal(call, InvalidAmount, ValueError, field)
        assert "two decimal places" in exc.reason

    def test_row_07_trailing_zeros_beyond_the_fen_are_not_rounding(self) -> None:
        assert yuan("1.000") == Decimal("1.00")
        assert str(yuan("1.000")) == "1.00"


# --------------------------------------------------------------------------- row 8


class TestRow08NegativeZero:
    """Row 8: -0.00 is normalised to 0.00; a negative zero is never returned."""

    @pytest.mark.parametrize(
        "value",
        [Decimal("-0.00"), Decimal("-0"), Decimal("-0E+5"), "-0.00", "-0", -0],
        ids=["decimal_fen", "decimal", "decimal_exponent", "string_fen", "string", "int"],
    )
    def test_row_08_negative_zero_becomes_zero_fen(self, value: Decimal | str | int) -> None:
        result = yuan(value)
        assert result == Decimal("0.00")
        assert not result.is_signed()
        assert str(result) == "0.00"

    def test_row_08_a_negative_zero_loan_principal_is_refused(self) -> None:
        expect_refusal(
            lambda: amortize(Decimal("-0.00"), "0.031", 12, EI), InvalidAmount, ValueError, "principal"
        )

    def test_row_08_a_negative_zero_prepayment_is_a_zero_one(self) -> None:
        before = amortize("1000.00", "0.031", 12, EI)
        result = prepay("1000.00", "0.031", 12, Decimal("-0.00"), KEEP)
        assert not result.amount.is_signed()
        assert result.amount == Decimal("0.00")
        assert result.schedule == before

    @pytest.mark.parametrize(
        "value", ["-0", "-0.000", Decimal("-0.0")], ids=["string", "string_places", "decimal"]
    )
    def test_row_08_a_negative_zero_rate_is_an_unsigned_zero(self, value: str | Decimal) -> None:
        assert not check_rate(value).is_signed()
        assert not percent(value).is_signed()


# --------------------------------------------------------------------------- row 9


NON_CANONICAL = [
    pytest.param("1e3", id="row_09_exponent"),
    pytest.param("1E3", id="row_09_exponent_upper"),
    pytest.param(" 100 ", id="row_09_spaces"),
    pytest.param("100 ", id="row_09_trailing_space"),
    pytest.param("100,00", id="row_09_decimal_comma"),
    pytest.param("1,000.00", id="row_09_thousands_separator"),
    pytest.param("1_000", id="row_09_underscore"),
    pytest.param("¥100", id="row_09_yen_sign"),
    pytest.param("100元", id="row_09_yuan_suffix"),
    pytest.param("１００", id="row_09_full_width_digits"),
    pytest.param("٣", id="row_09_arabic_indic_digit"),
    pytest.param("+100", id="row_09_plus_sign"),
    pytest.param("", id="row_09_empty"),
]


class TestRow09NonCanonicalString:
    """Row 9: strings that are not plain ASCII decimals are InvalidAmount."""

    @pytest.mark.parametrize("text", NON_CANONICAL)
    def test_row_09_yuan_refuses_a_non_canonical_string(self, text: str) -> None:
        exc = expect_refusal(lambda: yuan(text), InvalidAmount, ValueError, "amount")
        assert exc.value == text

    @pytest.mark.parametrize("text", NON_CANONICAL)
    def test_row_09_a_loan_refuses_a_non_canonical_principal(self, text: str) -> None:
        expect_refusal(lambda: amortize(text, "0.031", 12, EI), InvalidAmount, ValueError, "principal")

    @pytest.mark.parametrize("text", NON_CANONICAL)
    def test_row_09_a_prepayment_refuses_a_non_canonical_amount(self, text: str) -> None:
        expect_refusal(lambda: prepay("1000", "0.031", 12, text, KEEP), InvalidAmount, ValueError, "amount")


# --------------------------------------------------------------------------- row 10


class TestRow10AmountOverflow:
    """Row 10: an amount beyond the ledger maximum 9,999,999,999.99 is AmountOverflow."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: yuan("10000000000.00"), "amount", id="row_10_one_fen_over"),
            pytest.param(lambda: yuan(10**10), "amount", id="row_10_int"),
            pytest.param(lambda: yuan("-10000000000.00"), "amount", id="row_10_negative"),
            pytest.param(lambda: yuan(Decimal("1E+30")), "amount", id="row_10_exponent"),
            pytest.param(lambda: yuan(Decimal("1E+100")), "amount", id="row_10_beyond_decimal_precision"),
            pytest.param(lambda: yuan(Decimal("-1E+100")), "amount", id="row_10_negative_beyond_precision"),
            pytest.param(lambda: yuan(10**100), "amount", id="row_10_huge_int"),
            pytest.param(lambda: yuan("1" + "0" * 80), "amount", id="row_10_huge_string"),
            pytest.param(
                lambda: amortize("10000000000.00", "0.031", 12, EI), "principal", id="row_10_principal"
            ),
            pytest.param(
                lambda: amortize(Decimal("1E+100"), "0.031", 12, EI), "principal", id="row_10_huge_principal"
            ),
            pytest.param(lambda: prepay(10**10, "0.031", 12, 0, KEEP), "balance", id="row_10_balance"),
            pytest.param(
                lambda: prepay("1000", "0.031", 12, 10**60, KEEP), "amount", id="row_10_huge_prepay"
            ),
            pytest.param(
                lambda: amortize_many([1000, 10**10], "0.031", 12, EI), "principals[1]", id="row_10_batch"
            ),
        ],
    )
    def test_row_10_an_amount_above_the_ledger_maximum_overflows(self, call: Call, field: str) -> None:
        exc = expect_refusal(call, AmountOverflow, ValueError, field)
        assert isinstance(exc, InvalidAmount)

    def test_row_10_the_ledger_maximum_itself_is_accepted(self) -> None:
        assert yuan("9999999999.99") == MAX_AMOUNT
        assert yuan("-9999999999.99") == -MAX_AMOUNT


# --------------------------------------------------------------------------- row 13


class TestRow13ImpossibleDate:
    """Row 13: a date that does not exist (2024-02-30, 2023-02-29) is InvalidDate."""

    @pytest.mark.parametrize(
        "text",
        [
            pytest.param("2024-02-30", id="row_13_february_30"),
            pytest.param("2023-02-29", id="row_13_february_29_common_year"),
            pytest.param("1900-02-29", id="row_13_february_29_century"),
            pytest.param("2024-04-31", id="row_13_april_31"),
            pytest.param("2024-13-01", id="row_13_month_13"),
            pytest.param("2024-00-10", id="row_13_month_0"),
            pytest.param("2024-01-00", id="row_13_day_0"),
            pytest.param("0000-01-01", id="row_13_year_0"),
        ],
    )
    def test_row_13_an_impossible_date_is_invalid(self, text: str) -> None:
        exc = expect_refusal(lambda: parse_date(text), InvalidDate, ValueError, "date")
        assert exc.value == text

    @pytest.mark.parametrize(
        "text",
        ["2024-2-3", "20240203", "2024/02/03", " 2024-02-03", "2024-02-03T00:00", "２０２４-０２-０３"],
        ids=["unpadded", "compact", "slashes", "leading_space", "with_time", "full_width"],
    )
    def test_row_13_a_date_not_written_yyyy_mm_dd_is_invalid(self, text: str) -> None:
        expect_refusal(lambda: parse_date(text), InvalidDate, ValueError, "date")

    def test_row_13_the_error_names_the_field_it_was_parsed_for(self) -> None:
        expect_refusal(lambda: parse_date("2023-02-29", "disbursed"), InvalidDate, ValueError, "disbursed")

    def test_row_13_a_leap_day_in_a_leap_year_is_accepted(self) -> None:
        assert parse_date("2024-02-29") == date(2024, 2, 29)
        assert parse_date("2000-02-29") == date(2000, 2, 29)


# --------------------------------------------------------------------------- row 14


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset: the datetime is still naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


class TestRow14NaiveDatetime:
    """Row 14: a timestamp without a time zone is NaiveDatetimeError."""

    @pytest.mark.parametrize(
        "moment",
        [datetime(2025, 5, 8, 9, 30), datetime(2025, 5, 8, 9, 30, tzinfo=_NoOffset())],
        ids=["row_14_no_tzinfo", "row_14_tzinfo_without_offset"],
    )
    def test_row_14_a_naive_timestamp_is_refused(self, moment: datetime) -> None:
        expect_refusal(lambda: require_aware(moment), NaiveDatetimeError, ValueError, "timestamp")

    def test_row_14_the_error_names_the_field(self) -> None:
        expect_refusal(
            lambda: require_aware(datetime(2025, 5, 8), "posted_at"),
            NaiveDatetimeError,
            ValueError,
            "posted_at",
        )

    def test_row_14_an_aware_timestamp_is_accepted(self) -> None:
        shanghai = timezone(timedelta(hours=8), "Asia/Shanghai")
        moment = datetime(2025, 5, 8, 9, 30, tzinfo=shanghai)
        assert require_aware(moment) is moment


# --------------------------------------------------------------------------- row 15


class TestRow15ValueDateOutOfRange:
    """Row 15: a value date in the future or before opening/disbursement is InvalidDate."""

    def test_row_15_a_value_date_in_the_future_is_invalid(self) -> None:
        expect_refusal(
            lambda: check_value_date(date(2026, 1, 11), today=date(2026, 1, 10)),
            InvalidDate,
            ValueError,
            "value_date",
        )

    def test_row_15_a_value_date_before_the_opening_is_invalid(self) -> None:
        expect_refusal(
            lambda: check_value_date(
                date(2025, 12, 31), not_before=date(2026, 1, 1), today=date(2026, 1, 10)
            ),
            InvalidDate,
            ValueError,
            "value_date",
        )

    def test_row_15_the_error_names_the_field_given(self) -> None:
        expect_refusal(
            lambda: check_value_date(date(2025, 1, 1), not_before=date(2025, 3, 1), field="repaid_on"),
            InvalidDate,
            ValueError,
            "repaid_on",
        )

    def test_row_15_the_first_and_last_allowed_days_are_accepted(self) -> None:
        opened, today = date(2026, 1, 1), date(2026, 1, 10)
        assert check_value_date(opened, not_before=opened, today=today) == opened
        assert check_value_date(today, not_before=opened, today=today) == today


# --------------------------------------------------------------------------- row 23


class TestRow23InvalidRate:
    """Row 23: a rate < 0, >= 100%, or a percent (3.1) passed as a fraction is InvalidRate."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: check_rate("3.1"), "annual_rate", id="row_23_percent_as_fraction"),
            pytest.param(lambda: check_rate(Decimal("3.1")), "annual_rate", id="row_23_percent_decimal"),
            pytest.param(lambda: check_rate(3), "annual_rate", id="row_23_percent_int"),
            pytest.param(lambda: check_rate("1"), "annual_rate", id="row_23_one_hundred_percent"),
            pytest.param(lambda: check_rate("1.5"), "annual_rate", id="row_23_above_one"),
            pytest.param(lambda: check_rate("-0.01"), "annual_rate", id="row_23_negative"),
            pytest.param(lambda: check_rate(Decimal("-0.0001")), "annual_rate", id="row_23_negative_decimal"),
            pytest.param(lambda: check_rate(Decimal("NaN")), "annual_rate", id="row_23_nan"),
            pytest.param(lambda: check_rate(Decimal("Infinity")), "annual_rate", id="row_23_infinity"),
            pytest.param(lambda: check_rate("3.1%"), "annual_rate", id="row_23_percent_sign"),
            pytest.param(lambda: check_rate("3.1e-2"), "annual_rate", id="row_23_exponent"),
            pytest.param(lambda: percent("100"), "rate", id="row_23_percent_100"),
            pytest.param(lambda: percent("150"), "rate", id="row_23_percent_150"),
            pytest.param(lambda: percent("-0.5"), "rate", id="row_23_percent_negative"),
            pytest.param(lambda: amortize(1000, "3.1", 12, EI), "annual_rate", id="row_23_amortize"),
            pytest.param(
                lambda: amortize(1000, "-0.031", 12, EP), "annual_rate", id="row_23_amortize_negative"
            ),
            pytest.param(lambda: prepay("1000", "3.25", 12, 100, KEEP), "annual_rate", id="row_23_prepay"),
            pytest.param(
                lambda: amortize_many([1000, 2000], ["0.031", "3.1"], 12, EI),
                "annual_rates[1]",
                id="row_23_batch",
            ),
        ],
    )
    def test_row_23_a_rate_out_of_range_is_invalid(self, call: Call, field: str) -> None:
        expect_refusal(call, InvalidRate, ValueError, field)

    def test_row_23_a_percent_passed_as_a_fraction_points_to_percent(self) -> None:
        exc = expect_refusal(lambda: check_rate("3.1"), InvalidRate, ValueError, "annual_rate")
        assert "percent('3.1')" in exc.reason

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            pytest.param(lambda: check_rate(smuggle(0.031)), "annual_rate", id="row_23_float_rate"),
            pytest.param(lambda: percent(smuggle(3.1)), "rate", id="row_23_float_percent"),
            pytest.param(lambda: check_rate(smuggle(True)), "annual_rate", id="row_23_bool_rate"),
            pytest.param(
                lambda: amortize(1000, smuggle(0.031), 12, EI), "annual_rate", id="row_23_float_amortize"
            ),
        ],
    )
    def test_row_23_a_float_or_bool_rate_is_a_type_error(self, call: Call, field: str) -> None:
        expect_refusal(call, InputTypeError, TypeError, field)

    def test_row_23_the_edges_of_the_range_are_accepted(self) -> None:
        assert check_rate("0") == 0
        assert check_rate("0.9999") == Decimal("0.9999")
        assert percent("99.99") == Decimal("0.9999")


# --------------------------------------------------------------------------- row 25


BAD_TERMS = [
    pytest.param(0, id="row_25_zero"),
    pytest.param(-1, id="row_25_negative"),
    pytest.param(12.5, id="row_25_fractional_float"),
    pytest.param(360.0, id="row_25_whole_float"),
    pytest.param(Decimal("360"), id="row_25_decimal"),
    pytest.param(True, id="row_25_bool_true"),
    pytest.param(False, id="row_25_bool_false"),
    pytest.param("360", id="row_25_string"),
    pytest.param(None, id="row_25_none"),
    pytest.param(MAX_MONTHS + 1, id="row_25_above_cap"),
    pytest.param(10**9, id="row_25_far_above_cap"),
]


class TestRow25InvalidTerm:
    """Row 25: a term of 0, negative, fractional, not an int, or above the cap is InvalidTerm."""

    @pytest.mark.parametrize("months", BAD_TERMS)
    def test_row_25_amortize_refuses_the_term(self, months: object) -> None:
        expect_refusal(
            lambda: amortize(1000, "0.031", smuggle(months), EI), InvalidTerm, ValueError, "months"
        )

    @pytest.mark.parametrize("months", BAD_TERMS)
    def test_row_25_prepay_refuses_the_remaining_term(self, months: object) -> None:
        expect_refusal(
            lambda: prepay("1000", "0.031", smuggle(months), 100, KEEP),
            InvalidTerm,
            ValueError,
            "remaining_months",
        )

    @pytest.mark.parametrize("months", BAD_TERMS)
    def test_row_25_amortize_many_refuses_the_term(self, months: object) -> None:
        expect_refusal(
            lambda: amortize_many([1000, 2000], "0.031", [12, smuggle(months)], EI),
            InvalidTerm,
            ValueError,
            "months[1]",
        )

    @pytest.mark.parametrize("months", BAD_TERMS)
    def test_row_25_the_rate_table_refuses_the_term(self, months: object) -> None:
        expect_refusal(
            lambda: hpf_loan_rate(ON_RATE_DAY, smuggle(months)), InvalidTerm, ValueError, "term_months"
        )

    def test_row_25_one_month_and_the_cap_are_accepted(self) -> None:
        assert len(amortize(1000, "0.031", 1, EI)) == 1
        assert len(amortize(1000, "0.031", MAX_MONTHS, EI)) == MAX_MONTHS


# --------------------------------------------------------------------------- row 26


class TestRow26NonPositivePrincipal:
    """Row 26: a loan principal <= 0 is InvalidAmount."""

    @pytest.mark.parametrize(
        "principal",
        [0, -1, "0", "0.00", "-0.00", Decimal("-0.00"), "-0.01", Decimal("-250000")],
        ids=[
            "zero",
            "minus_one",
            "zero_string",
            "zero_fen",
            "negative_zero_string",
            "negative_zero",
            "minus_fen",
            "big",
        ],
    )
    @pytest.mark.parametrize("method", [EI, EP], ids=["equal_installment", "equal_principal"])
    def test_row_26_a_principal_of_zero_or_less_is_invalid(
        self, principal: int | str | Decimal, method: RepaymentMethod
    ) -> None:
        exc = expect_refusal(
            lambda: amortize(principal, "0.031", 12, method), InvalidAmount, ValueError, "principal"
        )
        assert "greater than 0" in exc.reason

    def test_row_26_a_batch_names_the_loan_with_the_bad_principal(self) -> None:
        expect_refusal(
            lambda: amortize_many([1000, 2000, "-5"], "0.031", 12, EI),
            InvalidAmount,
            ValueError,
            "principals[2]",
        )

    def test_row_26_a_prepayment_on_a_settled_balance_is_invalid(self) -> None:
        expect_refusal(lambda: prepay("0.00", "0.031", 12, 0, KEEP), InvalidAmount, ValueError, "balance")


# --------------------------------------------------------------------------- row 27


class TestRow27InvalidPrepayment:
    """Row 27: a prepayment above the outstanding principal, or before disbursement."""

    def test_row_27_a_prepayment_above_the_balance_is_invalid(self) -> None:
        exc = expect_refusal(
            lambda: prepay("1000.00", "0.031", 12, "1000.01", KEEP), InvalidPrepayment, ValueError, "amount"
        )
        assert "exceeds the outstanding balance" in exc.reason

    def test_row_27_a_shorten_term_prepayment_above_the_balance_is_invalid(self) -> None:
        expect_refusal(
            lambda: prepay("1000.00", "0.031", 12, 2000, SHORTEN, current_payment="90"),
            InvalidPrepayment,
            ValueError,
            "amount",
        )

    def test_row_27_a_prepayment_before_disbursement_is_invalid(self) -> None:
        exc = expect_refusal(
            lambda: prepay(
                "1000", "0.031", 12, 100, KEEP, on=date(2025, 2, 28), disbursed_on=date(2025, 3, 1)
            ),
            InvalidPrepayment,
            ValueError,
            "on",
        )
        assert "2025-03-01" in exc.reason

    @pytest.mark.parametrize(
        ("on", "disbursed"),
        [(date(2025, 3, 1), None), (None, date(2025, 3, 1))],
        ids=["on_without_disbursed", "disbursed_without_on"],
    )
    def test_row_27_timing_needs_both_dates(self, on: date | None, disbursed: date | None) -> None:
        expect_refusal(
            lambda: prepay("1000", "0.031", 12, 100, KEEP, on=on, disbursed_on=disbursed),
            InvalidPrepayment,
            ValueError,
            "on",
        )

    def test_row_27_the_whole_balance_on_the_disbursement_day_settles_the_loan(self) -> None:
        day = date(2025, 3, 1)
        result = prepay("1000.00", "0.031", 12, "1000.00", KEEP, on=day, disbursed_on=day)
        assert result.settled
        assert result.new_balance == Decimal("0.00")
        assert len(result.schedule) == 0


# --------------------------------------------------------------------------- the tree


EXPORTED_ERRORS: list[Any] = [
    getattr(errors_module, name)
    for name in errors_module.__all__
    if isinstance(getattr(errors_module, name), type) and name != "Violation"
]


class TestErrorTree:
    """The error tree drawn in errors.py holds: one root, distinct stable codes, built-in parents."""

    @pytest.mark.parametrize("error", EXPORTED_ERRORS, ids=lambda cls: cls.__name__)
    def test_every_exported_error_is_an_hpf_error(self, error: object) -> None:
        assert isinstance(error, type)
        assert issubclass(error, HpfError)

    def test_every_error_has_its_own_code(self) -> None:
        codes = [cls.code for cls in EXPORTED_ERRORS]
        assert len(set(codes)) == len(codes), f"duplicate codes: {sorted(codes)}"
        for cls in EXPORTED_ERRORS:
            assert "code" in vars(cls), f"{cls.__name__} inherits its code instead of defining one"

    def test_the_codes_are_the_documented_stable_ones(self) -> None:
        assert {cls: cls.code for cls in EXPORTED_ERRORS} == EXPECTED_CODES

    @pytest.mark.parametrize("error", EXPORTED_ERRORS, ids=lambda cls: cls.__name__)
    def test_every_error_sits_where_the_docstring_draws_it(self, error: type[HpfError]) -> None:
        parent = DOCUMENTED_PARENT[error]
        hpf_bases = [base for base in error.__bases__ if issubclass(base, HpfError)]
        assert hpf_bases == ([] if parent is None else [parent])

    @pytest.mark.parametrize(
        ("error", "builtin"),
        [
            (InputError, ValueError),
            (InvalidAmount, ValueError),
            (AmountOverflow, ValueError),
            (InvalidRate, ValueError),
            (InvalidTerm, ValueError),
            (InvalidDate, ValueError),
            (NaiveDatetimeError, ValueError),
            (InvalidPrepayment, ValueError),
            (InvalidChoice, ValueError),
            (InvalidPolicy, ValueError),
            (InputTypeError, TypeError),
            (NoRateKnown, LookupError),
            (UnknownRecord, LookupError),
            (InvalidContributionRatio, ValueError),
            (IdempotencyConflict, ValueError),
        ],
        ids=lambda value: value.__name__,
    )
    def test_every_error_also_refines_its_builtin(
        self, error: type[HpfError], builtin: type[Exception]
    ) -> None:
        assert issubclass(error, builtin)

    def test_type_errors_are_not_value_errors(self) -> None:
        assert not issubclass(InputTypeError, ValueError)
        assert not issubclass(InputError, TypeError)

    def test_the_message_names_the_field_and_the_value(self) -> None:
        exc = InvalidTerm("months", "must be between 1 and 480 months", 481)
        assert str(exc) == "months: must be between 1 and 480 months (got 481)"
        assert (exc.field, exc.reason, exc.value) == ("months", "must be between 1 and 480 months", 481)

    def test_the_message_without_a_value_names_the_field(self) -> None:
        exc = InvalidPrepayment("current_payment", "is required for SHORTEN_TERM")
        assert str(exc) == "current_payment: is required for SHORTEN_TERM"
        assert exc.value is None
