"""Withdrawal eligibility (提取资格) and the withdrawable amount (可提取金额): ``assess``.

``assess(kind, account, facts, policy, on)`` is pure: the same inputs always give the
same :class:`~hpf_core.withdrawals.Assessment`, nothing is read or written, and no clock
is consulted. It returns every reason a withdrawal is refused, not only the first.

- A partial withdrawal (房租, 物业管理费, 偿还购房贷款本息, 购房, 重大疾病) may take
  ``min(balance − frozen amount − reserve, the kind's cap, what is left of a yearly cap)``,
  rounded down to the centre's unit and never below 0.
- A closing withdrawal (离退休, 终止劳动关系, 出境定居, 死亡, 完全丧失劳动能力) takes the
  whole balance plus the closing interest (销户利息) and closes the account: 提取金额合计.

The seed centre's 离、退休提取 screen (manual §5.2.1.1): 个人账户余额 5,925.21, 销户利息
81.97, 提取金额合计 6,007.18 on 2018-05-29. The seed centre counts actual days / 360
(5,925.21 x 1.5% x 332 / 360 = 81.965 → 81.97).

>>> from hpf_core.accounts import DayBasis
>>> from hpf_core.withdrawals._samples import sample_account, sample_policy
>>> retired = WithdrawalFacts(retired_on=date(2018, 5, 1), day_basis=DayBasis.ACTUAL_360)
>>> a = assess(WithdrawalKind.RETIREMENT, sample_account("5925.21"), retired,
...            sample_policy(WithdrawalKind.RETIREMENT), date(2018, 5, 29))
>>> a.eligible, a.closing_interest, a.max_amount, a.closes_account
(True, Decimal('81.97'), Decimal('6007.18'), True)
>>> [v.code for v in assess("retirement", sample_account("5925.21"), WithdrawalFacts(),
...                          sample_policy(WithdrawalKind.RETIREMENT), date(2018, 5, 29)).violations]
['not_retired']
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal

from hpf_core.accounts import (
    AccountStatus,
    DayBasis,
    DepositAccount,
    FreezeFlag,
    accrue_interest_segments,
    available_to_debit,
    check_basis,
    closing_interest,
    deposit_rate_changes,
    interest_year,
)
from hpf_core.dates import add_months, check_date
from hpf_core.errors import InputTypeError, InvalidChoice, InvalidPolicy, Violation
from hpf_core.identity import validate_id_number
from hpf_core.money import FEN
from hpf_core.withdrawals._rules import WithdrawalPolicy, WithdrawalRule
from hpf_core.withdrawals._types import Assessment, WithdrawalFacts, WithdrawalKind, check_kind
from hpf_core.withdrawals.kinds import KINDS

__all__ = ["assess"]

_ZERO = Decimal("0.00")
# Amount arithmetic never depends on the caller's ambient decimal context.
_CTX = Context(prec=60, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- facts


# --------------------------------------------------------------------------- checks


def _status_violations(
    kind: WithdrawalKind, account: DepositAccount, rule: WithdrawalRule
) -> tuple[Violation, ...]:
    state = account.state
    status = state.status
    if status.closed:
        return (Violation("account_closed", f"the account is closed ({status.chinese})", "status"),)
    if status is AccountStatus.OTHER:
        return (
            Violation(
                "account_other_status", "status 99 (其他) needs the centre's manual handling", "status"
            ),
        )
    if status is AccountStatus.FROZEN:
        if state.freeze is not FreezeFlag.PARTIAL:
            flag = "只收不付" if state.freeze is FreezeFlag.CREDITS_ONLY else "不收不付"
            return (Violation("account_frozen", f"the account is frozen ({flag})", "status"),)
        if kind.closes_account:
            message = (
                f"a closing withdrawal needs the whole balance; {state.frozen_amount} is frozen (部分冻结)"
            )
            return (Violation("account_frozen", message, "status"),)
        if rule.must_be_normal:
            message = f"{kind.chinese} needs an account free of any freeze; {state.frozen_amount} is frozen"
            return (Violation("account_frozen", message, "status"),)
    if status is AccountStatus.SEALED and rule.must_be_normal:
        message = f"{kind.chinese} needs a normal (正常) account; this one is sealed (封存)"
        return (Violation("account_sealed", message, "status"),)
    return ()


def _open_violations(kind: WithdrawalKind, policy: WithdrawalPolicy) -> tuple[Violation, ...]:
    if policy.is_open(kind):
        return ()
    return (Violation("kind_not_open", f"this centre does not offer {kind.chinese}", "kind"),)


def _common_violations(
    kind: WithdrawalKind, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> list[Violation]:
    found: list[Violation] = []
    if kind.closes_account and facts.has_outstanding_hpf_loan and policy.loan_blocks_closing_on(on):
        message = f"an outstanding HPF loan must be settled before {kind.chinese} (the centre's rule)"
        found.append(Violation("hpf_loan_outstanding", message, "has_outstanding_hpf_loan"))
    months = policy.rule(kind).frequency_months
    earlier = [p.on for p in facts.previous if p.kind is kind]
    if months is not None and earlier:
        allowed_from = add_months(max(earlier), months)
        if on < allowed_from:
            message = (
                f"{kind.chinese} is allowed once in {months} month(s); the last was on {max(earlier)}, "
                f"the next may be on or after {allowed_from}"
            )
            found.append(Violation("too_soon", message, "previous"))
    return found


# --------------------------------------------------------------------------- amounts


def _floor(amount: Decimal, unit: Decimal) -> Decimal:
    """Round down to a multiple of ``unit`` (never below 0), whatever the ambient context."""
    if amount <= 0:
        return _ZERO
    units = _CTX.divide(amount, unit).to_integral_value(rounding=ROUND_FLOOR, context=_CTX)
    return _CTX.multiply(units, unit).quantize(FEN, context=_CTX)


def _partial_amount(
    kind: WithdrawalKind, account: DepositAccount, facts: WithdrawalFacts, policy: WithdrawalPolicy, on: date
) -> tuple[Decimal, list[str]]:
    available = available_to_debit(account.state, account.balance)
    limits = [(available - policy.reserve, f"balance less frozen amount and reserve {policy.reserve}")]
    cap = KINDS[kind].cap(account, facts, policy, on)
    if cap is not None:
        limits.append((cap, f"{kind.chinese}'s own limit"))
    yearly = policy.rule(kind).cap_per_year
    if yearly is not None:
        used = sum((p.amount for p in facts.previous if p.kind is kind and p.on.year == on.year), _ZERO)
        limits.append((yearly - used, f"what is left of the yearly cap {yearly} ({used} used in {on.year})"))
    least = min(limit for limit, _ in limits)
    binding = [f"{label}: {max(limit, _ZERO)}" for limit, label in limits if limit == least]
    return _floor(least, policy.amount_unit), binding


def _closing_interest(
    account: DepositAccount, facts: WithdrawalFacts, basis: DayBasis | None, on: date
) -> Decimal:
    chosen = facts.day_basis or basis
    if chosen is None:
        raise InvalidPolicy(
            "interest.day_basis", "is missing: closing interest (销户利息) needs the centre's day basis"
        )
    opening = account.balance - sum((amount for _, amount in facts.interest_postings), _ZERO)
    if facts.deposit_rate is not None:
        return closing_interest(opening, facts.interest_postings, on, facts.deposit_rate, basis=chosen)
    first, _ = interest_year(on)
    if on == first:
        return closing_interest(opening, facts.interest_postings, on, "0", basis=chosen)
    last = on - timedelta(days=1)
    rates = deposit_rate_changes(first, last)
    return accrue_interest_segments(opening, facts.interest_postings, first, last, rates, basis=chosen).total


# --------------------------------------------------------------------------- assess


def assess(
    kind: WithdrawalKind | str,
    account: DepositAccount,
    facts: WithdrawalFacts,
    policy: WithdrawalPolicy | None,
    on: date,
    *,
    day_basis: DayBasis | str | None = None,
) -> Assessment:
    """Whether ``account`` may make a ``kind`` withdrawal on ``on``, every reason it may not,
    how much it may take and which documents to upload.

    ``policy`` is the centre's :class:`WithdrawalPolicy` (``CenterPolicy.withdrawals``;
    None when the centre has no ``[withdrawals]`` section) and ``day_basis`` its
    ``[interest] day_basis`` (``CenterPolicy.interest.day_basis``), which closing interest
    uses unless ``facts.day_basis`` overrides it; with neither a closing kind raises
    ``InvalidPolicy``.
    Reasons, in order: the centre's rules for every kind (not open here; account closed,
    frozen, or sealed where the kind needs 正常; an outstanding HPF loan blocking a closing
    kind; too soon after the last withdrawal of the kind), then the kind's own conditions
    (``kinds.<kind>.check``), then ``nothing_to_withdraw`` when a partial withdrawal's
    可提取金额 is 0 on an account that may pay out.

    ``max_amount`` (可提取金额): for a partial kind, the least of the balance less the frozen
    amount and the reserve, the kind's cap (``kinds.<kind>.cap``) and what is left of a
    yearly cap, rounded down to the centre's ``amount_unit``; for a closing kind the whole
    balance plus ``closing_interest`` (提取金额合计). An ineligible assessment pays nothing:
    its ``max_amount`` and ``closing_interest`` are 0.00. A centre with no ``[withdrawals]``
    section refuses every kind (``no_withdrawal_policy``).
    """
    which = check_kind(kind)
    if which not in KINDS:
        raise InvalidChoice("kind", "is not a registered withdrawal kind", kind)
    day = check_date(on, "on")
    basis = None if day_basis is None else check_basis(day_basis, "day_basis")
    if policy is not None and not isinstance(policy, WithdrawalPolicy):
        raise InputTypeError("policy", f"must be a WithdrawalPolicy, not {type(policy).__name__}", policy)
    if not isinstance(account, DepositAccount):
        raise InputTypeError("account", f"must be a DepositAccount, not {type(account).__name__}", account)
    if not isinstance(facts, WithdrawalFacts):
        raise InputTypeError("facts", f"must be a WithdrawalFacts, not {type(facts).__name__}", facts)
    # the member's ID must be real and born by the assessment day (D-043)
    validate_id_number(account.member.id_number, "account.member.id_number", today=day)
    rules = policy
    if rules is None:
        refusal = Violation(
            "no_withdrawal_policy", "this centre's policy has no [withdrawals] section", "policy"
        )
        return Assessment(which, False, (refusal,), _ZERO, which.closes_account, _ZERO, ())
    module = KINDS[which]
    rule = rules.rule(which)
    status = _status_violations(which, account, rule)
    violations = [
        *_open_violations(which, rules),
        *status,
        *_common_violations(which, facts, rules, day),
        *module.check(account, facts, rules, day),
    ]
    interest = _ZERO
    if which.closes_account:
        amount = _ZERO
        if not violations:
            interest = _closing_interest(account, facts, basis, day)
            amount = account.balance + interest
    else:
        amount, binding = _partial_amount(which, account, facts, rules, day)
        if amount == 0 and not status:
            message = f"可提取金额 is 0.00: {'; '.join(binding)}"
            violations.append(Violation("nothing_to_withdraw", message, "amount"))
        if violations:
            amount = _ZERO
    return Assessment(
        kind=which,
        eligible=not violations,
        violations=tuple(violations),
        max_amount=amount,
        closes_account=which.closes_account,
        closing_interest=interest,
        documents=rule.documents or module.DOCUMENTS,
    )
