"""The one error tree of hpf (错误类型).

Every bad input raises a subclass of :class:`HpfError` with a stable ``code`` (for APIs
and logs), the ``field`` it concerns, and a message that names that field. Input errors
also subclass the built-in they refine, so ``except ValueError`` keeps working::

    HpfError
    ├── InputError (ValueError)            bad value for a field
    │   ├── InvalidAmount                  money that is not a plain, finite, fen-exact decimal
    │   │   └── AmountOverflow             beyond the ledger maximum 9,999,999,999.99
    │   ├── InvalidRate                    a rate outside [0, 1) or not a plain decimal
    │   ├── InvalidTerm                    months not a whole number in range
    │   ├── InvalidDate                    impossible, out-of-range or mis-ordered date
    │   ├── NaiveDatetimeError             a timestamp without a time zone
    │   ├── InvalidPrepayment              prepayment amount or timing not allowed
    │   ├── InvalidChoice                  an option that is not one of the allowed values
    │   ├── InvalidPolicy                  a centre policy file that is malformed
    │   ├── InvalidContributionRatio       a deposit ratio outside the centre's bounds (InvalidRate)
    │   ├── InvalidIdNumber                a resident ID number failing GB 11643
    │   ├── InvalidPhone                   not an 11-digit mainland mobile number
    │   ├── InvalidCardNumber              a bank card of the wrong length or failing Luhn
    │   ├── InvalidCode                    a verification code that does not check out (generic)
    │   ├── InvalidSessionToken            a session token too short to be a CSPRNG token
    │   ├── PasswordTooLong                a password input beyond the maximum, before hashing
    │   ├── InvalidIdempotencyKey          empty, too long or not printable
    │   └── IdempotencyConflict            a known key sent again with different parameters
    ├── InputTypeError (TypeError)         wrong Python type (float or bool for money, ...)
    ├── NoRateKnown (LookupError)          no rate in the table for that date
    ├── UnknownRecord (LookupError)        no account / entry with that identifier
    ├── PaymentError                       a payment channel did not pay
    │   ├── PaymentTimeout                 no answer: it may or may not have paid; retry
    │   └── PaymentRejected                the channel said no, for good
    ├── SmsError                           an SMS provider did not take a text
    │   ├── SmsThrottled                   the provider's rate limit: retry later
    │   ├── SmsTimeout                     no definite answer: it may have been sent; retry later
    │   └── SmsRejected                    the provider said no, for good
    ├── ConcurrentUpdate                   a stale save: someone else changed the record first
    └── Refused                            a business rule said no; carries every Violation
        ├── InsufficientFunds              a debit beyond the available balance
        ├── InvalidTransition              an event the account's state does not allow
        └── FourEyesViolation              an applicant reviewing their own application

One refusal shape (decision D-035): a business rule that says no — in a pure function or
in a service — raises a :class:`Refused` built by :func:`refusal` from every
:class:`Violation` found. The class comes from one table, :data:`REFUSAL_CLASSES`, keyed
by the violations' stable codes. No public function returns a ``Violation`` in place of
its result; reports that list reasons (an eligibility assessment) keep them in a
``violations`` attribute of the same type.

>>> try:
...     raise InvalidAmount("principal", "must be greater than 0", "-5")
... except ValueError as exc:
...     print(exc.code, "|", exc)
invalid_amount | principal: must be greater than 0 (got '-5')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import attrs

__all__ = [
    "REFUSAL_CLASSES",
    "AmountOverflow",
    "ConcurrentUpdate",
    "FourEyesViolation",
    "HpfError",
    "IdempotencyConflict",
    "InputError",
    "InputTypeError",
    "InsufficientFunds",
    "InvalidAmount",
    "InvalidCardNumber",
    "InvalidChoice",
    "InvalidCode",
    "InvalidContributionRatio",
    "InvalidDate",
    "InvalidIdNumber",
    "InvalidIdempotencyKey",
    "InvalidPhone",
    "InvalidPolicy",
    "InvalidPrepayment",
    "InvalidRate",
    "InvalidSessionToken",
    "InvalidTerm",
    "InvalidTransition",
    "NaiveDatetimeError",
    "NoRateKnown",
    "PasswordTooLong",
    "PaymentError",
    "PaymentRejected",
    "PaymentTimeout",
    "Refused",
    "SmsError",
    "SmsRejected",
    "SmsThrottled",
    "SmsTimeout",
    "UnknownRecord",
    "Violation",
    "redact",
    "refusal",
]

_NOTHING = object()

# A run of 11 or more digits (single spaces or dashes between them allowed, an ID's final X
# included): a phone, card, account or ID number. No amount the ledger accepts has so many
# digits before its point (the maximum is 9,999,999,999.99), so masking costs nothing there.
_LONG_NUMBER = re.compile(r"(?<!\d)\d(?:[ -]?\d){10,}(?:[ -]?[Xx])?(?!\d)", re.ASCII)


def _mask_run(match: re.Match[str]) -> str:
    text = re.sub(r"[ -]", "", match[0])
    for prefix in ("0086", "86"):
        if len(text) == 11 + len(prefix) and text.startswith(prefix + "1"):
            text = text[len(prefix) :]
            break
    keep_start, keep_end = (3, 4) if len(text) <= 12 else (6, 4)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[-keep_end:]


def redact(text: str) -> str:
    """``text`` with every long number masked (decision D-043): a run of 11 or more digits
    (spaces or dashes between them allowed, an ID number's final ``X`` included) keeps its
    first 3 and last 4 digits up to 12 digits, its first 6 and last 4 from 13 on — the
    display masks of :mod:`hpf_core.identity`, wherever the run stands (even before a
    decimal point: a card typed as an amount). Every :class:`HpfError` message and
    ``value``, and every :class:`Violation` message, pass through it, so a phone, card
    or ID number never reaches a log in full.

    >>> redact("card 6225 7688 8888 8888 for 13800138000, ID 11010519491231002X, 5000.00")
    'card 622576******8888 for 138****8000, ID 110105********002X, 5000.00'
    """
    return _LONG_NUMBER.sub(_mask_run, text if isinstance(text, str) else str(text))


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    shown = str(value) if isinstance(value, int) and not isinstance(value, bool) else repr(value)
    masked = redact(shown)
    return value if masked == shown else masked


class HpfError(Exception):
    """Base of every error hpf raises on purpose. The message and ``value`` never hold a
    phone, card or ID number in full: they pass through :func:`redact` (D-043)."""

    code = "hpf_error"

    def __init__(self, field: str, reason: str, value: object = _NOTHING) -> None:
        self.field = field
        self.reason = redact(reason)
        self.value = None if value is _NOTHING else _redact_value(value)
        text = f"{field}: {self.reason}"
        if value is not _NOTHING:
            text += f" (got {self.value!r})"
        super().__init__(redact(text))


class InputError(HpfError, ValueError):
    """A value that cannot be accepted for its field."""

    code = "invalid_input"


class InputTypeError(HpfError, TypeError):
    """A value of the wrong Python type (for example a float where money is expected)."""

    code = "invalid_type"


class InvalidAmount(InputError):
    """Money (金额) that is not a finite decimal with at most two places, or out of range."""

    code = "invalid_amount"


class AmountOverflow(InvalidAmount):
    """An amount above the ledger maximum (9,999,999,999.99 yuan)."""

    code = "amount_overflow"


class InvalidRate(InputError):
    """A rate (利率) outside [0, 1) as a fraction, or not a plain decimal."""

    code = "invalid_rate"


class InvalidTerm(InputError):
    """A loan term (期限) that is not a whole number of months in range."""

    code = "invalid_term"


class InvalidDate(InputError):
    """An impossible date, or one outside the range the operation allows."""

    code = "invalid_date"


class NaiveDatetimeError(InputError):
    """A timestamp without a time zone."""

    code = "naive_datetime"


class InvalidPrepayment(InputError):
    """A prepayment (提前还款) the loan cannot take: above the balance, before disbursement, ..."""

    code = "invalid_prepayment"


class InvalidChoice(InputError):
    """A value that is not one of the allowed options (method, strategy, home order, ...)."""

    code = "invalid_choice"


class InvalidPolicy(InputError):
    """A centre policy (中心政策) document that is malformed or incomplete."""

    code = "invalid_policy"


class NoRateKnown(HpfError, LookupError):
    """No row of a rate table covers the date asked for."""

    code = "no_rate_known"


class InvalidContributionRatio(InvalidRate):
    """A deposit ratio (缴存比例) outside the centre's bounds (5%-12% unless a policy says otherwise)."""

    code = "invalid_contribution_ratio"


class InvalidIdempotencyKey(InputError):
    """An idempotency key (幂等键) that is empty, longer than 255 characters or not printable."""

    code = "invalid_idempotency_key"


class IdempotencyConflict(InputError):
    """A key already used for a request with different parameters; ``field`` names the first
    parameter that differs. The first request's effect stands; nothing else happens."""

    code = "idempotency_conflict"


class UnknownRecord(HpfError, LookupError):
    """No record with that identifier (an account number, an entry id, ...)."""

    code = "unknown_record"


@attrs.frozen
class Violation:
    """One reason a business rule refuses an operation: a stable ``code``, a readable
    ``message`` and the ``field`` it concerns. Pure functions return these as data."""

    code: str
    message: str = attrs.field(converter=redact)
    """Long numbers masked (:func:`redact`)."""
    field: str = ""


class Refused(HpfError):
    """A business rule refused an operation; ``violations`` holds every reason (never
    empty). Nothing changed. Build one with :func:`refusal`, which picks the class."""

    code = "refused"

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations) or (Violation("refused", "refused", "operation"),)
        first = self.violations[0]
        super().__init__(first.field or "operation", "; ".join(v.message for v in self.violations))

    @property
    def codes(self) -> tuple[str, ...]:
        """The violations' stable codes, in order."""
        return tuple(v.code for v in self.violations)


class ConcurrentUpdate(HpfError):
    """A ``save`` of a record whose stored version moved on since it was read (another
    request changed it first). Nothing was written; read the record again and retry, or
    refuse. ``field`` names the record kind, ``value`` its identifier."""

    code = "concurrent_update"


class InsufficientFunds(Refused):
    """A debit beyond what the account may pay (balance less any frozen amount)."""

    code = "insufficient_funds"


class InvalidTransition(Refused):
    """An event the account's status or the record's state does not allow."""

    code = "invalid_transition"


class InvalidIdNumber(InputError):
    """A resident ID number (公民身份号码) that fails GB 11643: length, digits, birth date
    or the ISO 7064 MOD 11-2 check character."""

    code = "invalid_id_number"


class InvalidPhone(InputError):
    """A mainland mobile number (手机号) that is not 11 digits starting 1[3-9]."""

    code = "invalid_phone"


class InvalidCardNumber(InputError):
    """A bank card number (银行卡号) of the wrong length or failing the Luhn check."""

    code = "invalid_card_number"


class PaymentError(HpfError):
    """A payment channel (bank) did not confirm a payment."""

    code = "payment_error"


class PaymentTimeout(PaymentError):
    """The channel did not answer in time: the payment may have happened. Retry with the
    same payment id; the channel pays each id at most once."""

    code = "payment_timeout"


class PaymentRejected(PaymentError):
    """The channel refused the payment (closed card, wrong name, ...): it did not happen."""

    code = "payment_rejected"


# --- SMS provider errors (issue #15, D-055)


class SmsError(HpfError):
    """An SMS provider (``hpf_core.ports.SmsGateway``) did not take a text. ``retryable``
    says whether sending the same text again later can succeed; ``provider_code`` is the
    provider's own code (``isv.BUSINESS_LIMIT_CONTROL``), ``""`` when there was none."""

    code = "sms_error"
    retryable = False

    def __init__(self, field: str, reason: str, value: object = _NOTHING, *, provider_code: str = "") -> None:
        super().__init__(field, reason, value)
        self.provider_code = provider_code


class SmsThrottled(SmsError):
    """The provider's rate limit (流控) refused the text for now: nothing was sent; send it
    again later (the outbox relay leaves it pending)."""

    code = "sms_throttled"
    retryable = True


class SmsTimeout(SmsError):
    """No definite answer from the provider (a timeout, a 5xx, its system error): the text
    may or may not have gone out. Send it again later, under the same idempotency key."""

    code = "sms_timeout"
    retryable = True


class SmsRejected(SmsError):
    """The provider refused the text for good (a template, sign name or credential it does
    not accept): sending it again cannot succeed until the configuration changes."""

    code = "sms_rejected"


# --- end SMS provider errors


class FourEyesViolation(Refused):
    """The applicant may not take up, return or approve their own application (maker-checker)."""

    code = "four_eyes"


class InvalidCode(InputError):
    """A verification code (验证码) that does not check out — wrong, expired, already used,
    for another purpose or phone, malformed, or past the attempt limit. The message is
    always the same; the code itself is never part of the error."""

    code = "invalid_code"
    message = "验证码错误或已失效"
    """The one message for every failure (RELIABILITY.md §4 rows 31-32)."""

    def __init__(self, field: str = "code") -> None:
        super().__init__(field, self.message)


class InvalidSessionToken(InputError):
    """A session token that is not 22-256 printable ASCII characters (too little entropy
    to be a CSPRNG token of 128 bits or more)."""

    code = "invalid_session_token"


class PasswordTooLong(InputError):
    """A password input longer than the maximum, refused before any hashing (RELIABILITY
    row 33: long-password denial of service)."""

    code = "password_too_long"


REFUSAL_CLASSES: dict[str, type[Refused]] = {
    "insufficient_funds": InsufficientFunds,
    "four_eyes": FourEyesViolation,
    **dict.fromkeys(
        (
            "closed",
            "sealed",
            "frozen",
            "already_frozen",
            "not_frozen",
            "already_sealed",
            "not_sealed",
            "other_status",
            "balance_not_zero",
            "invalid_transition",
            "settled",
        ),
        InvalidTransition,
    ),
}
"""The one table from a violation code to the :class:`Refused` subclass it calls for.
A code not listed here gives plain :class:`Refused`. When violations call for different
classes, the first in :data:`_PRECEDENCE` wins (money before people before state)."""

_PRECEDENCE: tuple[type[Refused], ...] = (InsufficientFunds, FourEyesViolation, InvalidTransition)


def refusal(violations: Sequence[Violation] | Violation) -> Refused:
    """The exception for a refusal, of the most specific class its violations call for.

    >>> err = refusal([Violation("closed", "the account is closed", "status")])
    >>> type(err).__name__, err.codes
    ('InvalidTransition', ('closed',))
    >>> type(refusal(Violation("not_a_borrower", "not a borrower", "signer"))).__name__
    'Refused'
    """
    found = (violations,) if isinstance(violations, Violation) else tuple(violations)
    classes = {REFUSAL_CLASSES.get(v.code, Refused) for v in found}
    for cls in _PRECEDENCE:
        if cls in classes:
            return cls(found)
    return Refused(found)
