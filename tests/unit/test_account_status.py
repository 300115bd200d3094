"""Every (account state, event) pair and its outcome, as a table (docs/domain.md §3)."""

# ruff: noqa: E501 - the outcome table is kept one state per line so it reads as a table

from __future__ import annotations

from decimal import Decimal

import pytest

from hpf_core.accounts import (
    AccountEvent,
    AccountState,
    AccountStatus,
    FreezeFlag,
    apply_event,
    available_to_debit,
)
from hpf_core.errors import InvalidTransition, Refused

S = AccountStatus
E = AccountEvent
F = FreezeFlag

STATES = {
    "normal": AccountState(S.NORMAL),
    "sealed": AccountState(S.SEALED),
    "frozen-credits-only": AccountState(S.FROZEN, F.CREDITS_ONLY, Decimal("0.00"), S.NORMAL),
    "frozen-no-movement": AccountState(S.FROZEN, F.NO_MOVEMENT, Decimal("0.00"), S.SEALED),
    "frozen-partial": AccountState(S.FROZEN, F.PARTIAL, Decimal("300.00"), S.NORMAL),
    "closed-merged": AccountState(S.CLOSED_MERGED),
    "closed-transferred": AccountState(S.CLOSED_TRANSFERRED),
    "closed-withdrawn": AccountState(S.CLOSED_WITHDRAWN),
    "other": AccountState(S.OTHER),
}

# Outcome: "=" the state is unchanged (a money event allowed), a status name for the new
# status, or "!code" for the violation that refuses the event.
EVENTS = [
    E.CONTRIBUTE,
    E.SETTLE_INTEREST,
    E.DEBIT,
    E.SEAL,
    E.UNSEAL,
    E.FREEZE_CREDITS_ONLY,
    E.FREEZE_NO_MOVEMENT,
    E.FREEZE_PARTIAL,
    E.UNFREEZE,
    E.CLOSE_MERGED,
    E.CLOSE_TRANSFERRED,
    E.CLOSE_WITHDRAWN,
]
# fmt: off
TABLE: dict[str, list[str]] = {
    #                      CONTRIBUTE   INTEREST  DEBIT      SEAL              UNSEAL         FRZ-CREDITS        FRZ-NONE           FRZ-PARTIAL        UNFREEZE       CLOSE-MERGED       CLOSE-TRANSFER          CLOSE-WITHDRAWN
    "normal":              ["=",        "=",      "=",       "SEALED",         "!not_sealed", "FROZEN",          "FROZEN",          "FROZEN",          "!not_frozen", "CLOSED_MERGED",   "CLOSED_TRANSFERRED",   "CLOSED_WITHDRAWN"],
    "sealed":              ["!sealed",  "=",      "=",       "!already_sealed", "NORMAL",      "FROZEN",          "FROZEN",          "FROZEN",          "!not_frozen", "CLOSED_MERGED",   "CLOSED_TRANSFERRED",   "CLOSED_WITHDRAWN"],
    "frozen-credits-only": ["=",        "=",      "!frozen", "!frozen",        "!frozen",     "!already_frozen", "!already_frozen", "!already_frozen", "NORMAL",      "!frozen",         "!frozen",              "!frozen"],
    "frozen-no-movement":  ["!frozen",  "=",      "!frozen", "!frozen",        "!frozen",     "!already_frozen", "!already_frozen", "!already_frozen", "SEALED",      "!frozen",         "!frozen",              "!frozen"],
    "frozen-partial":      ["=",        "=",      "=",       "!frozen",        "!frozen",     "!already_frozen", "!already_frozen", "!already_frozen", "NORMAL",      "!frozen",         "!frozen",              "!frozen"],
    "closed-merged":       ["!closed"] * 12,
    "closed-transferred":  ["!closed"] * 12,
    "closed-withdrawn":    ["!closed"] * 12,
    "other":               ["!other_status"] * 12,
}
# fmt: on

CASES = [
    pytest.param(name, event, TABLE[name][i], id=f"{name}-{event.value}")
    for name in STATES
    for i, event in enumerate(EVENTS)
]


@pytest.mark.parametrize(("name", "event", "expected"), CASES)
def test_every_state_and_event_has_its_outcome(name: str, event: AccountEvent, expected: str) -> None:
    state = STATES[name]
    if expected.startswith("!"):
        with pytest.raises(InvalidTransition) as refused:
            apply_event(state, event, frozen_amount=Decimal("100.00"))
        assert refused.value.codes == (expected[1:],)
        return
    result = apply_event(state, event, frozen_amount=Decimal("100.00"))
    if expected == "=":
        assert result == state
    else:
        assert result.status is AccountStatus[expected]


def test_the_table_covers_every_status_and_event() -> None:
    assert {state.status for state in STATES.values()} == set(AccountStatus)
    assert set(EVENTS) == set(AccountEvent)
    assert all(len(row) == len(EVENTS) for row in TABLE.values())


class TestFreezing:
    def test_a_freeze_remembers_the_status_to_return_to(self) -> None:
        frozen = apply_event(AccountState(S.SEALED), E.FREEZE_CREDITS_ONLY)
        assert frozen == AccountState(S.FROZEN, F.CREDITS_ONLY, Decimal("0.00"), S.SEALED)
        assert apply_event(frozen, E.UNFREEZE) == AccountState(S.SEALED)

    def test_a_partial_freeze_needs_an_amount(self) -> None:
        with pytest.raises(Refused) as refused:
            apply_event(AccountState(S.NORMAL), E.FREEZE_PARTIAL)
        assert refused.value.codes == ("frozen_amount",)
        assert refused.value.violations[0].field == "frozen_amount"
        frozen = apply_event(AccountState(S.NORMAL), E.FREEZE_PARTIAL, frozen_amount=Decimal("300.00"))
        assert frozen == AccountState(S.FROZEN, F.PARTIAL, Decimal("300.00"), S.NORMAL)

    @pytest.mark.parametrize(
        ("name", "balance", "available"),
        [
            ("normal", "1000.00", "1000.00"),
            ("sealed", "1000.00", "1000.00"),
            ("frozen-partial", "1000.00", "700.00"),
            ("frozen-partial", "200.00", "0.00"),
            ("frozen-credits-only", "1000.00", "0.00"),
            ("frozen-no-movement", "1000.00", "0.00"),
            ("closed-withdrawn", "0.00", "0.00"),
        ],
    )
    def test_what_may_be_debited(self, name: str, balance: str, available: str) -> None:
        assert available_to_debit(STATES[name], Decimal(balance)) == Decimal(available)
