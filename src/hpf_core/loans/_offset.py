"""Monthly offset (按月抵扣 / 按月委托提取还贷): signing, and the month's plan.

A loan's borrower (借款人), spouse (配偶) and co-borrowers (共同借款人) may each sign the
offset agreement (按月抵扣签约, seed manual §6.3.2). Each month the instalment (月还款额) is
then taken from the signers' HPF accounts in that order — 在签约的借款人、配偶、共同借款人的
个人公积金账户依次扣划 (notice 2.1) — and whatever they cannot cover from the borrower's
repayment bank card (notice 2.2). Everything here is pure: the loan service loads the
agreement and the accounts, calls these functions and posts what they return.

>>> from datetime import date
>>> from hpf_core.accounts._status import AccountState, AccountStatus, FreezeFlag
>>> me = OffsetSigner(SignerRole.BORROWER, "29", "王芳")
>>> wife = OffsetSigner(SignerRole.SPOUSE, "17", "李娜")
>>> signed = sign_offset(None, contract_no="38", signer=me, borrowers=[me, wife], on=date(2018, 5, 8))
>>> [s.role.chinese for s in signed.signers]
['借款人']
>>> normal = AccountState(AccountStatus.NORMAL)
>>> frozen = AccountState(AccountStatus.FROZEN, FreezeFlag.CREDITS_ONLY, before_freeze=AccountStatus.NORMAL)
>>> plan = plan_monthly_offset(
...     "4270.16",
...     [
...         OffsetSource("17", SignerRole.SPOUSE, frozen, Decimal("49801.94")),
...         OffsetSource("29", SignerRole.BORROWER, normal, Decimal("2530.00")),
...     ],
... )
>>> [(t.account_no, t.amount) for t in plan.takes]
[('29', Decimal('2530.00'))]
>>> [(s.account_no, s.violation.code) for s in plan.skipped]
[('17', 'frozen')]
>>> plan.from_card
Decimal('1740.16')

What the notice says and where it lives:

- 1.1 only the loan's borrowers may sign: :func:`sign_offset` (``not_a_borrower``).
- 1.2 本人办理 (in person, no proxy) and 3.x the documents: the signing service and the
  document upload (档案上传), not this module.
- 2.1 the order: :class:`SignerRole` ``order``, kept by :func:`sign_offset` and
  :func:`plan_monthly_offset`.
- 2.2 the shortfall from the bank card: :attr:`OffsetPlan.from_card`.
- 2.6 此笔贷款结清后，该协议自动解约: the agreement belongs to the loan. There is no
  function for it on purpose: the loan service deletes the agreement in the same unit of
  work that settles the loan (结清), so a settled loan never has an agreement and the
  monthly run never plans one.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import attrs

from hpf_core._inputs import instance, items
from hpf_core.accounts._status import AccountState, AccountStatus
from hpf_core.dates import check_date
from hpf_core.errors import InputError, InvalidAmount, InvalidDate, Violation, refusal
from hpf_core.identity import masked_repr
from hpf_core.money import Amount, amount_from_fen, fen, yuan

NOTICE_TITLE = "按月抵扣签约须知"
"""The title of the notice the 按月抵扣签约 screen links to (《按月抵扣签约须知》)."""

SIGNING_NOTICE = "\n".join(
    (
        "1、办理条件：",
        "1.1、在公积金中心缴存，且在公积金中心办理贷款的职工（借款人、配偶、共同借款人）。",
        "1.2、此项业务必须由本人办理，他人不得代办。",
        "2、办理须知：",
        "2.1、办理此项业务后，每月从签约人（借款人、配偶、共同借款人）个人公积金账户中"
        "扣划借款人每月月还款额用于偿还贷款。"
        "扣划顺序在签约的借款人、配偶、共同借款人的个人公积金账户依次扣划。",
        "2.2、当签约人公积金账户余额不足以偿还当月月还款额时，不足的部分从借款人偿还贷款的银行卡中扣划。",
        "2.3、如借款人手机号码变更或偿还贷款的银行卡号变更，需要及时到本中心业务窗口进行变更。",
        "2.4、办理此项业务后，借款人可随时到中心业务窗口办理提前还本或提前结清业务。",
        "2.5、公积金中心未来将开通短信提醒服务，请签约职工密切关注自己的个人账户，避免造成个人贷款逾期。",
        "2.6、此笔贷款结清后，该协议自动解约。",
        "3、所需材料：",
        "3.1、借款人办理的，需提供本人身份证原件。",
        "3.2、配偶办理的，需提供借款人与配偶双方身份证原件及结婚证原件。",
        "3.3、共同还款人办理需提供借款人与共同还款人身份证原件。",
    )
)
"""The text of 《按月抵扣签约须知》 (seed manual §6.3.2), one numbered clause a line.

Cleaned of the screenshot's line breaks, with full-width punctuation; the wording is the
centre's, including 3.3's 共同还款人 where the other clauses say 共同借款人.
The screen's button 我知道了 is not part of the text.
"""


class SignerRole(enum.Enum):
    """与主借款人关系: who a signer is on the loan, in the order the offset takes from them."""

    BORROWER = "borrower"
    """借款人 (主借款人): the main borrower, taken from first."""

    SPOUSE = "spouse"
    """配偶: the borrower's spouse, taken from second."""

    CO_BORROWER = "co-borrower"
    """共同借款人: a co-borrower, taken from last."""

    @property
    def chinese(self) -> str:
        """The name the 按月抵扣签约 screen shows under 与主借款人关系."""
        return _ROLE_CHINESE[self]

    @property
    def order(self) -> int:
        """Position in the deduction order (notice 2.1): 0 borrower, 1 spouse, 2 co-borrower."""
        return _ROLE_ORDER[self]


_ROLE_CHINESE = {
    SignerRole.BORROWER: "借款人",
    SignerRole.SPOUSE: "配偶",
    SignerRole.CO_BORROWER: "共同借款人",
}
_ROLE_ORDER = {SignerRole.BORROWER: 0, SignerRole.SPOUSE: 1, SignerRole.CO_BORROWER: 2}


@attrs.frozen
class OffsetSigner:
    """A person on the loan who may sign (签约人): role, HPF account number (个人账号), name."""

    role: SignerRole
    account_no: str = attrs.field(repr=masked_repr)
    name: str


@attrs.frozen
class OffsetAgreement:
    """The offset agreement of one loan (按月抵扣协议).

    ``signers`` are in deduction order: by role (borrower, spouse, co-borrowers), and in
    signing order within a role. ``signed_on`` is the day the first signer signed; later
    signers join the same agreement. The agreement ends when its last signer cancels, and
    when the loan is settled (notice 2.6: the loan service deletes it with the loan).
    """

    contract_no: str
    signers: tuple[OffsetSigner, ...]
    signed_on: date


def _by_role(item: OffsetSigner | OffsetSource) -> int:
    """Sort key for the deduction order; ``sorted`` is stable, so ties keep their order."""
    return item.role.order


def is_signed(agreement: OffsetAgreement | None, account_no: str) -> bool:
    """是否按月委托提取: whether this account has signed the loan's agreement.

    The screen shows 是 (then offers 取消签约) or 否 (then offers 我要签约).

    >>> is_signed(None, "29")
    False
    """
    if agreement is not None:
        instance(agreement, OffsetAgreement, "agreement")
    instance(account_no, str, "account_no")
    return agreement is not None and any(s.account_no == account_no for s in agreement.signers)


def sign_offset(
    agreement: OffsetAgreement | None,
    *,
    contract_no: str,
    signer: OffsetSigner,
    borrowers: Sequence[OffsetSigner],
    on: date,
) -> OffsetAgreement:
    """The loan's agreement with ``signer`` added (我要签约); a refusal raises
    ``refusal(...)`` (D-035) carrying the ``Violation``.

    ``agreement`` is the loan's current agreement (``None`` if nobody has signed);
    ``borrowers`` are the people the loan names (借款人、配偶、共同借款人). The signer is
    identified by account number and must be one of them (notice 1.1, ``not_a_borrower``);
    the loan's own record of that person is what is stored, so a caller cannot sign
    someone in under another role. Each account signs once (``already_signed``). An
    agreement for another contract is refused (``other_contract``). A signing day before
    the agreement's ``signed_on`` is bad input (``InvalidDate``).

    >>> me = OffsetSigner(SignerRole.BORROWER, "29", "王芳")
    >>> co = OffsetSigner(SignerRole.CO_BORROWER, "41", "张伟")
    >>> wife = OffsetSigner(SignerRole.SPOUSE, "17", "李娜")
    >>> loan = [me, wife, co]
    >>> a = sign_offset(None, contract_no="38", signer=co, borrowers=loan, on=date(2018, 5, 8))
    >>> a = sign_offset(a, contract_no="38", signer=me, borrowers=loan, on=date(2018, 5, 9))
    >>> [s.role.chinese for s in a.signers], a.signed_on
    (['借款人', '共同借款人'], datetime.date(2018, 5, 8))
    >>> sign_offset(a, contract_no="38", signer=me, borrowers=loan, on=date(2018, 5, 9))
    Traceback (most recent call last):
    ...
    hpf_core.errors.Refused: account_no: account 29 has already signed
    """
    on = check_date(on, "on")
    if agreement is not None:
        instance(agreement, OffsetAgreement, "agreement")
    instance(contract_no, str, "contract_no")
    instance(signer, OffsetSigner, "signer")
    borrowers = items(borrowers, OffsetSigner, "borrowers")
    if agreement is not None and agreement.contract_no != contract_no:
        raise refusal(
            Violation(
                "other_contract",
                f"the agreement is for contract {agreement.contract_no}, not {contract_no}",
                "contract_no",
            )
        )
    record = next((b for b in borrowers if b.account_no == signer.account_no), None)
    if record is None:
        raise refusal(
            Violation(
                "not_a_borrower",
                f"account {signer.account_no} is not a borrower, spouse or co-borrower of loan {contract_no}",
                "account_no",
            )
        )
    if agreement is None:
        return OffsetAgreement(contract_no, (record,), on)
    if is_signed(agreement, record.account_no):
        raise refusal(
            Violation("already_signed", f"account {record.account_no} has already signed", "account_no")
        )
    if on < agreement.signed_on:
        raise InvalidDate("on", f"must not be before the agreement was signed ({agreement.signed_on})", on)
    return attrs.evolve(agreement, signers=tuple(sorted((*agreement.signers, record), key=_by_role)))


def cancel_offset(agreement: OffsetAgreement | None, *, account_no: str) -> OffsetAgreement | None:
    """The agreement without ``account_no`` (取消签约), ``None`` when nobody is left.

    The other signers keep their place and order. An account that has not signed is
    refused (``refusal(...)`` with ``not_signed``, D-035).

    >>> me = OffsetSigner(SignerRole.BORROWER, "29", "王芳")
    >>> a = OffsetAgreement("38", (me,), date(2018, 5, 8))
    >>> cancel_offset(a, account_no="29") is None
    True
    >>> cancel_offset(a, account_no="17")
    Traceback (most recent call last):
    ...
    hpf_core.errors.Refused: account_no: account 17 has not signed the offset agreement
    """
    if agreement is not None:
        instance(agreement, OffsetAgreement, "agreement")
    instance(account_no, str, "account_no")
    if agreement is None or not is_signed(agreement, account_no):
        raise refusal(
            Violation("not_signed", f"account {account_no} has not signed the offset agreement", "account_no")
        )
    rest = tuple(s for s in agreement.signers if s.account_no != account_no)
    return attrs.evolve(agreement, signers=rest) if rest else None


@attrs.frozen
class OffsetSource:
    """What the monthly run sees of one signer's deposit account: its status and balance."""

    account_no: str = attrs.field(repr=masked_repr)
    role: SignerRole
    state: AccountState
    balance: Decimal


@attrs.frozen
class OffsetTake:
    """An amount taken from one signer's HPF account (扣划金额)."""

    account_no: str = attrs.field(repr=masked_repr)
    role: SignerRole
    amount: Decimal


@attrs.frozen
class OffsetSkip:
    """A signer reached but not taken from this month, and why."""

    account_no: str = attrs.field(repr=masked_repr)
    role: SignerRole
    violation: Violation


@attrs.frozen
class OffsetPlan:
    """One month's offset: the takes in deduction order, the signers skipped, and what
    the bank card pays (``from_card``). ``sum(takes) + from_card == instalment``."""

    takes: tuple[OffsetTake, ...]
    skipped: tuple[OffsetSkip, ...]
    from_card: Decimal
    instalment: Decimal

    @property
    def from_hpf(self) -> Decimal:
        """What the HPF accounts pay in all (公积金抵扣合计)."""
        return amount_from_fen(sum(fen(t.amount) for t in self.takes))


def _why_skipped(state: AccountState) -> Violation | None:
    status = state.status
    if status is AccountStatus.FROZEN:
        return Violation("frozen", "the account is frozen (冻结): nothing is taken from it", "status")
    if status is AccountStatus.SEALED:
        return Violation("sealed", "the account is sealed (封存): nothing is taken from it", "status")
    if status.closed:
        return Violation("closed", f"the account is closed ({status.chinese})", "status")
    if status is AccountStatus.OTHER:
        return Violation("other_status", "status 99 (其他) needs the centre's manual handling", "status")
    return None


def plan_monthly_offset(instalment: Amount, sources: Sequence[OffsetSource]) -> OffsetPlan:
    """Split the month's instalment (月还款额) between the signers' accounts and the card.

    The sources are visited in deduction order — borrower, spouse, co-borrowers, in the
    order given within a role (notice 2.1) — whatever order they come in, and only while
    part of the instalment is still due. Each one reached is either taken from or skipped:

    - an account that is not normal is skipped with a ``Violation``: ``frozen`` (any
      freeze — 只收不付, 不收不付 and 部分冻结 alike: the monthly run never decides how
      much of a frozen account is free, so the card pays that share), ``sealed``
      (封存), ``closed`` (销户) or ``other_status`` (99 其他). This follows the centres'
      rule that repayment withdrawals need a normal account (docs/domain.md §5.2);
    - a normal account with a balance of 0.00 is skipped with ``no_balance``;
    - otherwise it pays the lesser of its balance and what is still due.

    Accounts after the instalment is covered are not reached and appear in neither list.
    What is still due after the last source comes from the card (notice 2.2), so
    ``sum(takes) + from_card == instalment`` exactly, no take is above its balance or
    0.00, and the card pays only when every usable signer has paid its whole balance.

    ``instalment`` must be a fen-exact amount above 0 and each balance fen-exact and not
    negative (``InvalidAmount``); an account listed twice is an ``InputError``.

    >>> from hpf_core.accounts._status import AccountState, AccountStatus
    >>> normal = AccountState(AccountStatus.NORMAL)
    >>> empty = OffsetSource("29", SignerRole.BORROWER, normal, Decimal("0.00"))
    >>> plan = plan_monthly_offset("1000.00", [empty])
    >>> plan.skipped[0].violation.code, plan.from_card
    ('no_balance', Decimal('1000.00'))
    """
    due = yuan(instalment, "instalment")
    if due <= 0:
        raise InvalidAmount("instalment", "must be greater than 0", instalment)
    balances: dict[str, int] = {}
    for source in sources:
        if source.account_no in balances:
            raise InputError("sources", f"account {source.account_no} is listed twice", source.account_no)
        balance = yuan(source.balance, "balance")
        if balance < 0:
            raise InvalidAmount(
                "balance", f"of account {source.account_no} must not be negative", source.balance
            )
        balances[source.account_no] = fen(balance)

    remaining = fen(due)
    takes: list[OffsetTake] = []
    skipped: list[OffsetSkip] = []
    for source in sorted(sources, key=_by_role):
        if remaining == 0:
            break
        why = _why_skipped(source.state)
        if why is None and balances[source.account_no] == 0:
            why = Violation("no_balance", "the account's balance is 0.00", "balance")
        if why is not None:
            skipped.append(OffsetSkip(source.account_no, source.role, why))
            continue
        take = min(remaining, balances[source.account_no])
        takes.append(OffsetTake(source.account_no, source.role, amount_from_fen(take)))
        remaining -= take
    return OffsetPlan(tuple(takes), tuple(skipped), amount_from_fen(remaining), due)
