"""Account status (个人账户状态) and what each status allows.

Status codes follow the national data standard field GRZHZT (JGJ/T 320-2014, docs/domain.md §3.1
[S28]); the freeze flag follows DJBZ: 只收不付 (credits only), 不收不付 (no credits, no
debits), or a partial freeze of an amount. ``apply_event`` is the one transition function;
an event the state does not allow raises ``InvalidTransition`` (a ``Refused``) carrying the
violation, never a new state (D-035, D-038).

>>> from hpf_core.errors import Refused
>>> state = AccountState(AccountStatus.NORMAL)
>>> sealed = apply_event(state, AccountEvent.SEAL)
>>> sealed.status.chinese
'封存'
>>> try:
...     apply_event(sealed, AccountEvent.CONTRIBUTE)
... except Refused as refused:
...     print(type(refused).__name__, refused.codes)
InvalidTransition ('sealed',)
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from hpf_core._inputs import finite_decimal, instance
from hpf_core.errors import Violation, refusal


class AccountStatus(enum.Enum):
    """个人账户状态 with the GRZHZT code as value."""

    NORMAL = "01"
    SEALED = "02"
    CLOSED_MERGED = "03"
    CLOSED_TRANSFERRED = "04"
    CLOSED_WITHDRAWN = "05"
    FROZEN = "06"
    OTHER = "99"

    @property
    def chinese(self) -> str:
        """The name centre screens show."""
        return _CHINESE[self]

    @property
    def closed(self) -> bool:
        """销户: the account is closed for good."""
        return self in _CLOSED


_CHINESE = {
    AccountStatus.NORMAL: "正常",
    AccountStatus.SEALED: "封存",
    AccountStatus.CLOSED_MERGED: "合并销户",
    AccountStatus.CLOSED_TRANSFERRED: "外部转出销户",
    AccountStatus.CLOSED_WITHDRAWN: "提取销户",
    AccountStatus.FROZEN: "冻结",
    AccountStatus.OTHER: "其他",
}
_CLOSED = frozenset(
    {AccountStatus.CLOSED_MERGED, AccountStatus.CLOSED_TRANSFERRED, AccountStatus.CLOSED_WITHDRAWN}
)


class FreezeFlag(enum.Enum):
    """冻结标志 (DJBZ) with its code as value."""

    NONE = "0"
    """无: not frozen."""
    CREDITS_ONLY = "1"
    """只收不付: money may come in, none may go out."""
    NO_MOVEMENT = "2"
    """不收不付: nothing comes in or goes out (settled interest excepted, see below)."""
    PARTIAL = "3"
    """部分冻结: a frozen amount must stay; the rest moves freely."""


class AccountEvent(enum.Enum):
    """What can happen to an account."""

    CONTRIBUTE = "contribute"
    """汇缴 / 补缴 / 转入: contributions and transfers in."""
    SETTLE_INTEREST = "settle-interest"
    """结息: interest credited at settlement."""
    DEBIT = "debit"
    """提取 / 还贷: money paid out of an open account."""
    SEAL = "seal"
    """封存: employment ended, contributions stop."""
    UNSEAL = "unseal"
    """启封: contributions resume."""
    FREEZE_CREDITS_ONLY = "freeze-credits-only"
    FREEZE_NO_MOVEMENT = "freeze-no-movement"
    FREEZE_PARTIAL = "freeze-partial"
    UNFREEZE = "unfreeze"
    CLOSE_MERGED = "close-merged"
    """合并销户: a duplicate account folded into the member's one account."""
    CLOSE_TRANSFERRED = "close-transferred"
    """外部转出销户: moved to another city's centre."""
    CLOSE_WITHDRAWN = "close-withdrawn"
    """提取销户: closed by a closing withdrawal (retirement, emigration, ...)."""


@attrs.frozen
class AccountState:
    """The status part of a deposit account.

    ``before_freeze`` remembers the status to return to on unfreezing; ``frozen_amount``
    is the amount that must stay under a partial freeze.
    """

    status: AccountStatus
    freeze: FreezeFlag = FreezeFlag.NONE
    frozen_amount: Decimal = Decimal("0.00")
    before_freeze: AccountStatus | None = None


_FREEZES = {
    AccountEvent.FREEZE_CREDITS_ONLY: FreezeFlag.CREDITS_ONLY,
    AccountEvent.FREEZE_NO_MOVEMENT: FreezeFlag.NO_MOVEMENT,
    AccountEvent.FREEZE_PARTIAL: FreezeFlag.PARTIAL,
}
_CLOSES = {
    AccountEvent.CLOSE_MERGED: AccountStatus.CLOSED_MERGED,
    AccountEvent.CLOSE_TRANSFERRED: AccountStatus.CLOSED_TRANSFERRED,
    AccountEvent.CLOSE_WITHDRAWN: AccountStatus.CLOSED_WITHDRAWN,
}
_MONEY = frozenset({AccountEvent.CONTRIBUTE, AccountEvent.SETTLE_INTEREST, AccountEvent.DEBIT})


def _no(code: str, message: str) -> Violation:
    return Violation(code, message, "status")


def apply_event(
    state: AccountState, event: AccountEvent, *, frozen_amount: Decimal | None = None
) -> AccountState:
    """The state after ``event``; an event the state does not allow raises the refusal
    (``InvalidTransition`` for a status code, plain ``Refused`` for ``frozen_amount``).

    Money events (CONTRIBUTE, SETTLE_INTEREST, DEBIT) leave the state as it is when they
    are allowed; the amount checks (balance, frozen amount) belong to the journal.
    Settled interest is always credited to an open account, frozen or sealed: the
    regulation makes deposits earn interest (Art. 21) and a freeze governs business
    postings, not the centre's own settlement.
    """
    instance(state, AccountState, "state")
    instance(event, AccountEvent, "event")
    result = _transition(state, event, frozen_amount=frozen_amount)
    if isinstance(result, Violation):
        raise refusal([result])
    return result


def _transition(
    state: AccountState, event: AccountEvent, *, frozen_amount: Decimal | None = None
) -> AccountState | Violation:
    """:func:`apply_event` without raising, for the journal functions that gather every
    reason before refusing (package-private: not exported)."""
    status = state.status
    if status.closed:
        return _no("closed", f"the account is closed ({status.chinese})")
    if status is AccountStatus.OTHER:
        return _no("other_status", "status 99 (其他) needs the centre's manual handling")
    if event in _MONEY:
        return _money_event(state, event)
    if status is AccountStatus.FROZEN:
        if event is AccountEvent.UNFREEZE:
            previous = state.before_freeze or AccountStatus.NORMAL
            return AccountState(previous)
        if event in _FREEZES:
            return _no("already_frozen", "the account is already frozen: unfreeze it first")
        return _no("frozen", f"a frozen account cannot {event.value}")
    if event is AccountEvent.UNFREEZE:
        return _no("not_frozen", "the account is not frozen")
    if event in _FREEZES:
        flag = _FREEZES[event]
        amount = Decimal("0.00")
        if flag is FreezeFlag.PARTIAL:
            if frozen_amount is None or frozen_amount <= 0:
                return Violation("frozen_amount", "a partial freeze needs an amount above 0", "frozen_amount")
            amount = frozen_amount
        return AccountState(AccountStatus.FROZEN, flag, amount, status)
    if event is AccountEvent.SEAL:
        if status is AccountStatus.SEALED:
            return _no("already_sealed", "the account is already sealed")
        return AccountState(AccountStatus.SEALED)
    if event is AccountEvent.UNSEAL:
        if status is not AccountStatus.SEALED:
            return _no("not_sealed", "the account is not sealed")
        return AccountState(AccountStatus.NORMAL)
    return AccountState(_CLOSES[event])  # from NORMAL or SEALED (docs/domain.md §3.2)


def _money_event(state: AccountState, event: AccountEvent) -> AccountState | Violation:
    status, flag = state.status, state.freeze
    if event is AccountEvent.SETTLE_INTEREST:
        return state
    if event is AccountEvent.CONTRIBUTE:
        if status is AccountStatus.SEALED:
            return _no("sealed", "a sealed account takes no contributions: unseal it first")
        if status is AccountStatus.FROZEN and flag is FreezeFlag.NO_MOVEMENT:
            return _no("frozen", "the account is frozen: no credits, no debits (不收不付)")
        return state
    # DEBIT
    if status is AccountStatus.FROZEN and flag in (FreezeFlag.CREDITS_ONLY, FreezeFlag.NO_MOVEMENT):
        return _no(
            "frozen",
            f"the account is frozen ({'只收不付' if flag is FreezeFlag.CREDITS_ONLY else '不收不付'})",
        )
    return state


def available_to_debit(state: AccountState, balance: Decimal) -> Decimal:
    """What may leave the account now: the balance less any frozen amount, never below 0.

    >>> partial = AccountState(AccountStatus.FROZEN, FreezeFlag.PARTIAL, Decimal("300.00"))
    >>> available_to_debit(partial, Decimal("1000.00"))
    Decimal('700.00')
    """
    instance(state, AccountState, "state")
    finite_decimal(balance, "balance")
    if state.status is AccountStatus.FROZEN:
        if state.freeze is FreezeFlag.PARTIAL:
            return max(balance - state.frozen_amount, Decimal("0.00"))
        return Decimal("0.00")
    if state.status.closed or state.status is AccountStatus.OTHER:
        return Decimal("0.00")
    return balance
