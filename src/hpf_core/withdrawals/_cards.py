"""Bank cards (收款银行卡) a member is paid to: list, add (添加新银行卡), choose.

A card number is checked with Luhn (:func:`hpf_core.identity.validate_card_number`,
``InvalidCardNumber`` otherwise) and shown masked, first 6 and last 4 digits. The bank
name (收款银行) comes from the card's BIN (卡号前缀) when :data:`BIN_TABLE` knows it; the
table is deliberately tiny, so for any other card the member gives the name, as the seed's
添加新银行卡 screen asks (收款银行账号, 收款银行).

>>> cards = add_card((), "M1", "6222 0212 3456 7890 128")
>>> cards[0].bank, cards[0].masked
('中国工商银行', '622202*********0128')
>>> add_card(cards, "M1", "6222021234567890128")
Traceback (most recent call last):
...
hpf_core.errors.Refused: number: 622202*********0128 is already one of the cards
>>> add_card(cards, "M1", "4111111111111111")
Traceback (most recent call last):
...
hpf_core.errors.Refused: bank: the bank of 411111******1111 is not known from its number: give 收款银行
>>> add_card(cards, "M1", "4111111111111111", bank="中国银行")[-1].bank
'中国银行'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from hpf_core.errors import InputError, InputTypeError, Violation, refusal
from hpf_core.identity import mask_card_number, validate_card_number

# Each row is confirmed by two public BIN lists that agree: hexindai/bcbc ``data/bin.csv``
# (with ``data/name.csv`` for the bank's name) and sirencode/BankBin
# ``app/src/main/java/com/example/diablo/bankbin/banks/<Bank>.java``. Only the two banks the
# seed's screens show (中国工商银行, 中国建设银行) and the bank of the card sample used across
# hpf's docs (6225768888888888, DOMAIN.md §9.2) are listed: anything else needs a given name.
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
    """A member's bank card (银行卡): the number is Luhn-checked and normalised on
    creation and left out of the repr; :attr:`masked` is what screens show."""

    member_id: str = attrs.field(converter=_member)
    number: str = attrs.field(converter=validate_card_number, repr=False)
    bank: str = attrs.field(converter=_bank)

    @property
    def masked(self) -> str:
        """收款银行账号 for display: first 6 and last 4 digits (``622202*********0128``)."""
        return mask_card_number(self.number)


def bank_of(number: str) -> str | None:
    """The bank :data:`BIN_TABLE` gives for a card number, or None when it is not listed.

    >>> bank_of("6217 0012 3456 7890 122")
    '中国建设银行'
    >>> bank_of("4111111111111111") is None
    True
    """
    digits = validate_card_number(number)
    for length in range(len(digits), 0, -1):
        name = BIN_TABLE.get(digits[:length])
        if name is not None:
            return name
    return None


def cards_of(cards: Iterable[BankCard], member_id: str) -> tuple[BankCard, ...]:
    """The member's cards, in the order they were added."""
    return tuple(card for card in cards if card.member_id == member_id)


def add_card(
    cards: Iterable[BankCard], member_id: str, number: str, bank: str | None = None
) -> tuple[BankCard, ...]:
    """``cards`` with the member's new card appended; a refusal raises
    :func:`~hpf_core.errors.refusal` of its ``Violation``.

    A number failing Luhn raises ``InvalidCardNumber``. A card the member already has is
    refused (``card_exists``). ``bank`` (收款银行) is used when given (it may name the
    branch, as the seed's screens do); else the BIN table's name; else ``bank_required``.
    """
    member_id = _member(member_id)
    digits = validate_card_number(number)
    if bank is not None and not isinstance(bank, str):
        raise InputTypeError("bank", f"must be a str, not {type(bank).__name__}", bank)
    held = tuple(cards)
    if any(card.number == digits for card in cards_of(held, member_id)):
        raise refusal(
            Violation("card_exists", f"{mask_card_number(digits)} is already one of the cards", "number")
        )
    name = bank.strip() if bank is not None and bank.strip() else bank_of(digits)
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

    >>> cards = add_card((), "M1", "6225768888888888")
    >>> choose_card(cards, "M1", "6225 7688 8888 8888").bank
    '招商银行'
    >>> choose_card(cards, "M2", "6225768888888888")
    Traceback (most recent call last):
    ...
    hpf_core.errors.Refused: number: 622576******8888 is not one of the member's cards: add it first
    """
    digits = validate_card_number(number)
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
