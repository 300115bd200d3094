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
    │   └── InvalidPolicy                  a centre policy file that is malformed
    ├── InputTypeError (TypeError)         wrong Python type (float or bool for money, ...)
    └── NoRateKnown (LookupError)          no rate in the table for that date

>>> try:
...     raise InvalidAmount("principal", "must be greater than 0", "-5")
... except ValueError as exc:
...     print(exc.code, "|", exc)
invalid_amount | principal: must be greater than 0 (got '-5')
"""

from __future__ import annotations

__all__ = [
    "AmountOverflow",
    "HpfError",
    "InputError",
    "InputTypeError",
    "InvalidAmount",
    "InvalidChoice",
    "InvalidDate",
    "InvalidPolicy",
    "InvalidPrepayment",
    "InvalidRate",
    "InvalidTerm",
    "NaiveDatetimeError",
    "NoRateKnown",
]

_NOTHING = object()


class HpfError(Exception):
    """Base of every error hpf raises on purpose."""

    code = "hpf_error"

    def __init__(self, field: str, reason: str, value: object = _NOTHING) -> None:
        self.field = field
        self.reason = reason
        self.value = None if value is _NOTHING else value
        text = f"{field}: {reason}"
        if value is not _NOTHING:
            text += f" (got {value!r})"
        super().__init__(text)


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
