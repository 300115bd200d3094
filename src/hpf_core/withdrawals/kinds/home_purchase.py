"""购房提取 — buying a home (Art. 24(1) [S1]): a partial withdrawal.

The purchase is shown (price paid and the contract or invoice date, ``facts.purchase_price``
and ``facts.purchased_on``), within ``purchase_window_months`` of the purchase where the
centre sets one (one year in a secondary source [S36]); Shanghai refuses it while the
buyer has an outstanding HPF loan (``no_hpf_loan``, [S31]). The amount never exceeds the
price less what earlier purchase withdrawals since that purchase paid.

>>> from datetime import date
>>> from hpf_core.withdrawals._types import WithdrawalFacts
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> policy = sample_policy(KIND, purchase_window_months=12)
>>> facts = WithdrawalFacts(purchase_price="900000", purchased_on=date(2024, 1, 10))
>>> [v.code for v in check(sample_account("80000"), facts, policy, date(2025, 1, 11))]
['purchase_too_old']
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from hpf_core.accounts import DepositAccount
from hpf_core.dates import add_months
from hpf_core.errors import Violation
from hpf_core.withdrawals._rules import PARTIAL_KEYS, WithdrawalPolicy, WithdrawalRule, count_key, flag_key
from hpf_core.withdrawals._types import DocumentRequirement, WithdrawalFacts, WithdrawalKind
from hpf_core.withdrawals.kinds._common import withdrawn_since

__all__ = ["DOCUMENTS", "FACTS", "KIND", "POLICY_KEYS", "Rule", "cap", "check"]

KIND = WithdrawalKind.HOME_PURCHASE

FACTS = frozenset({"has_outstanding_hpf_loan", "previous", "purchase_price", "purchased_on"})
"""The :class:`~hpf_core.withdrawals.WithdrawalFacts` fields ``check`` and ``cap`` read."""


@attrs.frozen(kw_only=True)
class Rule(WithdrawalRule):
    """The kind's rules at one centre: the shared ones and its own."""

    purchase_window_months: int | None = attrs.field(default=None, metadata=count_key(low=1))
    """The application must come within this many months of the purchase."""
    no_hpf_loan: bool = attrs.field(default=False, metadata=flag_key())
    """Refused while the member has an outstanding HPF loan (公积金贷款未结清)."""


POLICY_KEYS = PARTIAL_KEYS | {"no_hpf_loan", "purchase_window_months"}
"""The keys its ``[withdrawals.<kind>]`` section takes."""

DOCUMENTS: tuple[DocumentRequirement, ...] = ()
"""The categories asked for when the centre's section lists none: none, each centre names its own."""


def check(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Violation, ...]:
    """``purchase_not_shown``, ``purchase_too_old`` and ``hpf_loan_outstanding``, as they apply."""
    rule = policy.rule(KIND, Rule)
    found: list[Violation] = []
    bought = facts.purchased_on
    if facts.purchase_price is None or bought is None or bought > on:
        message = (
            "the price paid and the contract or invoice date are needed (购房合同, 发票)"
            if (bought is None or bought <= on)
            else f"the purchase is dated {bought}, after {on}"
        )
        found.append(Violation("purchase_not_shown", message, "purchased_on"))
    elif rule.purchase_window_months is not None and on > add_months(bought, rule.purchase_window_months):
        message = (
            f"apply within {rule.purchase_window_months} months of the purchase on {bought} "
            f"(by {add_months(bought, rule.purchase_window_months)})"
        )
        found.append(Violation("purchase_too_old", message, "purchased_on"))
    if rule.no_hpf_loan and facts.has_outstanding_hpf_loan:
        message = "purchase withdrawal is refused while an HPF loan is outstanding"
        found.append(Violation("hpf_loan_outstanding", message, "has_outstanding_hpf_loan"))
    return tuple(found)


def cap(
    account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> Decimal | None:
    """The price paid less earlier purchase withdrawals since the purchase; None while not shown."""
    if facts.purchase_price is None or facts.purchased_on is None:
        return None
    return facts.purchase_price - withdrawn_since(facts, KIND, facts.purchased_on)
