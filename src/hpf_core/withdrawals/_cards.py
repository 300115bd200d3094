"""Receiving accounts (收款银行账号) a member is paid to: list, add (添加新银行卡), choose.

The number is a bank account number, not always a card (D-046): 10 to 30 digits
(:func:`~hpf_core.withdrawals.validate_account_number`, ``InvalidCardNumber`` otherwise),
shown masked (first 6 and last 4 digits at most). A card-like number failing Luhn is a
warning (:attr:`BankCard.warnings`), not a refusal. The bank name (收款银行) comes from the
number's card prefix when a bank directory (``directory``) or the small :data:`BIN_TABLE`
knows it; else the member gives the name, as the seed's 添加新银行卡 screen asks. Adding an
account needs a recent password or SMS check (``verified_at`` within ``within`` before
``at``): adding a card is how money could be diverted.

>>> from datetime import datetime, timezone
>>> at = datetime(2018, 5, 29, 11, 0, tzinfo=timezone.utc)
>>> cards = add_card((), "M1", "6222 0212 3456 7890 128", verified_at=at, at=at)
>>> cards[0].bank, cards[0].masked
('中国工商银行', '622202*********0128')
>>> add_card(cards, "M1", "6222021234567890128", verified_at=at, at=at)
Traceback (most recent call last):
...
hpf_core.errors.Refused: number: 622202*********0128 is already one of the cards
>>> add_card(cards, "M1", "201800525001", verified_at=at, at=at)
Traceback (most recent call last):
...
hpf_core.errors.Refused: bank: the bank of 20180***5001 is not known from its number: give 收款银行
>>> add_card(cards, "M1", "201800525001", bank="中国工商银行贵阳开阳支行", verified_at=at, at=at)[-1].masked
'20180***5001'
>>> add_card(cards, "M1", "201800525001", bank="中国银行", verified_at=None, at=at)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
hpf_core.errors.Refused: verified_at: adding a receiving account needs a password or SMS check within 10...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

import attrs

from hpf_core._inputs import instance, items
from hpf_core.dates import require_aware
from hpf_core.errors import InputError, InputTypeError, Violation, refusal
from hpf_core.identity import mask_card_number
from hpf_core.withdrawals._banks import BankDirectory, account_warnings, validate_account_number

# Each row is confirmed by two public BIN lists that agree: hexindai/bcbc ``data/bin.csv``
# (with ``data/name.csv`` for the bank's name) and sirencode/BankBin
# ``app/src/main/java/com/example/diablo/bankbin/banks/<Bank>.java``. Only the two banks the
# seed's screens show (中国工商银行, 中国建设银行) and the bank of the card sample used across
# hpf's docs (6225768888888888, docs/domain.md §9.2) are listed: anything else needs a given name.
BIN_TABLE: Mapping[str, str] = MappingProxyType(
    {
        "622200": "中国工商银行",  # bcbc: 622200,ICBC,DC,19; BankBin: GongshangBank.java
        "622202": "中国工商银行",  # bcbc: 622202,ICBC,DC,19; BankBin: GongshangBank.java
        "621700": "中国建设银行",  # bcbc: 621700,CCB,DC,19;  BankBin: JianSheBank.java
        "622700": "中国建设银行",  # bcbc: 622700,CCB,DC,19;  BankBin: JianSheBank.java
        "622576": "招商银行",  # bcbc: 622576,CMB,CC,16;  BankBin: ZhaoShangBank.java
    }
)
"""Card prefix (BIN, 发卡行识别码) → bank name (收款银行). Longest prefix wins."""


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InputTypeError(field, f"must be a str, not {type(value).__name__}", value)
    if not value.strip():
        raise InputError(field, "must not be blank", value)
    return value.strip()


def _member(value: object) -> str:
    return _text(value, "member_id")


def _bank(value: object) -> str:
    return _text(value, "bank")


@attrs.frozen
class BankCard:
    """A member's receiving account (收款银行账号; a card or another bank account): the
    number is checked (10 to 30 digits) and normalised on creation and left out of the
    repr; :attr:`masked` is what screens show, :attr:`warnings` what to tell the member."""

    member_id: str = attrs.field(converter=_member)
    number: str = attrs.field(converter=validate_account_number, repr=False)
    bank: str = attrs.field(converter=_bank)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Warning codes: ``luhn_failed`` for a card-like number failing Luhn; else none."""
        return account_warnings(self.number)

    @property
    def masked(self) -> str:
        """收款银行账号 for display: first 6 and last 4 digits (``622202*********0128``)."""
        return mask_card_number(self.number)


def bank_of(number: str, directory: BankDirectory | None = None) -> str | None:
    """The bank ``directory`` (else :data:`BIN_TABLE`) gives for a number's card prefix,
    or None when it is not listed.

    >>> bank_of("6217 0012 3456 7890 122")
    '中国建设银行'
    >>> bank_of("4111111111111111") is None
    True
    """
    digits = validate_account_number(number)
    if directory is not None:
        if not isinstance(directory, BankDirectory):
            raise InputTypeError("directory", "must be a BankDirectory", directory)
        found = directory.bank_of(digits)
        return None if found is None else found.name
    for length in range(len(digits), 0, -1):
        name = BIN_TABLE.get(digits[:length])
        if name is not None:
            return name
    return None


def cards_of(cards: Iterable[BankCard], member_id: str) -> tuple[BankCard, ...]:
    """The member's cards, in the order they were added."""
    cards = items(cards, BankCard, "cards")
    instance(member_id, str, "member_id")
    return tuple(card for card in cards if card.member_id == member_id)


DEFAULT_CHECK_WINDOW = timedelta(minutes=10)
"""How recent the password or SMS check before adding a receiving account must be."""


def _recent(verified_at: datetime | None, at: datetime, within: timedelta) -> list[Violation]:
    require_aware(at, "at")
    if not isinstance(within, timedelta) or within <= timedelta(0):
        raise InputError("within", "must be a positive timedelta", within)
    if verified_at is not None:
        require_aware(verified_at, "verified_at")
        if at - within <= verified_at <= at:
            return []
    minutes = int(within.total_seconds() // 60)
    return [
        Violation(
            "reauth_required",
            f"adding a receiving account needs a password or SMS check within {minutes} minutes",
            "verified_at",
        )
    ]


def add_card(
    cards: Iterable[BankCard],
    member_id: str,
    number: str,
    bank: str | None = None,
    *,
    verified_at: datetime | None,
    at: datetime,
    within: timedelta = DEFAULT_CHECK_WINDOW,
    directory: BankDirectory | None = None,
) -> tuple[BankCard, ...]:
    """``cards`` with the member's new receiving account appended; a refusal raises
    :func:`~hpf_core.errors.refusal` of its ``Violation``.

    ``verified_at`` is when the member last passed a password or SMS check (None: never in
    this session); it must fall within ``within`` before ``at`` (``reauth_required``). A
    number that is not 10 to 30 digits raises ``InvalidCardNumber`` (a card failing Luhn
    is kept, with a warning: :attr:`BankCard.warnings`). One the member already has is
    refused (``card_exists``). ``bank`` (收款银行) is used when given (it may name the
    branch, as the seed's screens do); else the directory's (or :data:`BIN_TABLE`'s) name
    for its card prefix; else ``bank_required``.
    """
    member_id = _member(member_id)
    digits = validate_account_number(number)
    if bank is not None and not isinstance(bank, str):
        raise InputTypeError("bank", f"must be a str, not {type(bank).__name__}", bank)
    problems = _recent(verified_at, at, within)
    if problems:
        raise refusal(problems)
    held = tuple(cards)
    if any(card.number == digits for card in cards_of(held, member_id)):
        raise refusal(
            Violation("card_exists", f"{mask_card_number(digits)} is already one of the cards", "number")
        )
    name = bank.strip() if bank is not None and bank.strip() else bank_of(digits, directory)
    if name is None:
        raise refusal(
            Violation(
                "bank_required",
                f"the bank of {mask_card_number(digits)} is not known from its number: give 收款银行",
                "bank",
            )
        )
    return (*held, BankCard(member_id, digits, name))


def choose_card(cards: Iterable[BankCard], member_id: str, number: str) -> BankCard:
    """The member's card with ``number`` (收款银行账号 for an application); refused
    (``unknown_card``) when it is not one of theirs.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2018, 5, 29, 11, 0, tzinfo=timezone.utc)
    >>> cards = add_card((), "M1", "6225768888888888", verified_at=at, at=at)
    >>> choose_card(cards, "M1", "6225 7688 8888 8888").bank
    '招商银行'
    >>> choose_card(cards, "M2", "6225768888888888")
    Traceback (most recent call last):
    ...
    hpf_core.errors.Refused: number: 622576******8888 is not one of the member's cards: add it first
    """
    digits = validate_account_number(number)
    for card in cards_of(cards, member_id):
        if card.number == digits:
            return card
    raise refusal(
        Violation(
            "unknown_card",
            f"{mask_card_number(digits)} is not one of the member's cards: add it first",
            "number",
        )
    )
