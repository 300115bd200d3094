"""Monthly contributions (月缴存额): base x ratio, rounded per side by the centre's mode.

The regulation (住房公积金管理条例, 2019 text, Arts. 16-18) computes each side on its
own: the employee part (个人月缴存额) is base (缴存基数) x employee ratio (个人缴存比例),
the employer part (单位月缴存额) is base x employer ratio (单位缴存比例). Each part is
rounded by the centre's deposit precision (缴存精度) and the total (月缴存额合计) is
their sum; the combined ratio is never rounded (docs/domain.md §2.2).

Shanghai FY2025 (docs/domain.md §11 TV9), 7% + 7%, half up to the yuan:

>>> monthly_contribution(37302, "0.07", "0.07")
Contribution(employee=Decimal('2611.00'), employer=Decimal('2611.00'), total=Decimal('5222.00'))
>>> monthly_contribution(2690, "0.07", "0.07").total
Decimal('376.00')

The eight modes of HAFMIS's 缴存精度 (``PaymentAccuracy.java``), on 188.31:

>>> [str(round_contribution(Decimal("188.31"), m)) for m in ContributionRounding]
['188.00', '188.00', '189.00', '188.40', '188.30', '188.30', '189.00', '188.31']
"""

from __future__ import annotations

import enum
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal
from typing import Any, Literal, TypeAlias

import attrs

from hpf_core._choice import choice
from hpf_core._inputs import instance
from hpf_core._tables import check_document, known_table, no_float, shown
from hpf_core.dates import add_months, check_date
from hpf_core.errors import (
    AmountOverflow,
    HpfError,
    InvalidAmount,
    InvalidChoice,
    InvalidContributionRatio,
    InvalidDate,
    InvalidPolicy,
    InvalidRate,
)
from hpf_core.money import FEN, MAX_AMOUNT, Amount, Rate, check_rate, to_decimal, yuan

__all__ = [
    "DEFAULT_RATIO_MAX",
    "DEFAULT_RATIO_MIN",
    "Clamp",
    "Contribution",
    "ContributionPolicy",
    "ContributionResult",
    "ContributionRounding",
    "NewMemberKind",
    "check_rounding",
    "contribution_for",
    "first_contribution_month",
    "initial_base",
    "monthly_contribution",
    "parse_contribution_policy",
    "round_contribution",
]

# Rounding never depends on the caller's ambient decimal context. Sixty digits hold any
# base (at most 14 digits) times any rate (at most 10 places) exactly.
_CTX = Context(prec=60, rounding=ROUND_HALF_UP)
_YUAN = Decimal(1)
_JIAO = Decimal("0.1")

DEFAULT_RATIO_MIN = Decimal("0.05")
"""The national floor of each side's ratio: 5% (Art. 18)."""

DEFAULT_RATIO_MAX = Decimal("0.12")
"""The ceiling centres apply in practice: 12% (2016 rectification; docs/domain.md §2.1)."""


# --------------------------------------------------------------------------- rounding


class ContributionRounding(enum.Enum):
    """Deposit precision (缴存精度): how a side's exact base x ratio becomes an amount.

    The eight modes and their order are those of HAFMIS (``BusiConst.PAYMENTACCURACY_*``,
    codes 1-8, see :attr:`hafmis_code`). The exact semantics follow HAFMIS's
    implementations (``org.xpup.hafmis.syscommon.arithmetic.*DAO``), computed here exactly
    in ``Decimal`` instead of in ``double``. The three "见…进…" modes look only at the
    digits they name: anything below them is dropped before rounding up.
    """

    HALF_UP_YUAN = "half-up-yuan"
    """四舍五入到元 (code 1): half up to the yuan. 188.50 → 189; 188.49 → 188."""

    TRUNCATE_YUAN = "truncate-yuan"
    """舍元以下 (code 2): drop everything below the yuan. 188.99 → 188."""

    JIAO_UP_YUAN = "jiao-up-yuan"
    """见角进元 (code 3): a non-zero jiao (角) rounds up to the next yuan; fen alone are
    dropped. 188.10 → 189; 188.09 → 188."""

    FEN_UP_JIAO = "fen-up-jiao"
    """见分进角 (code 4): a non-zero fen (分) rounds up to the next jiao. 188.31 → 188.40;
    188.30 → 188.30."""

    HALF_UP_JIAO = "half-up-jiao"
    """四舍五入到角 (code 5): half up to the jiao. 188.35 → 188.40; 188.34 → 188.30."""

    TRUNCATE_JIAO = "truncate-jiao"
    """舍角以下 (code 6): drop everything below the jiao (the jiao is kept). 188.39 → 188.30."""

    UP_YUAN = "up-yuan"
    """见角分进元 (code 7): any jiao or fen rounds up to the next yuan. 188.01 → 189."""

    HALF_UP_FEN = "half-up-fen"
    """四舍五入到分 (code 8): half up to the fen. 188.305 → 188.31."""

    @property
    def chinese(self) -> str:
        """The name HAFMIS and centre screens show (四舍五入到元, 见角进元, ...)."""
        return _RULES[self][0]

    @property
    def hafmis_code(self) -> int:
        """The mode's number in HAFMIS (``BusiConst.PAYMENTACCURACY_*``, 1-8)."""
        return _RULES[self][1]

    @property
    def step(self) -> Decimal:
        """The unit results are multiples of: 1, 0.1 or 0.01 yuan."""
        return _RULES[self][3]


_Kind = Literal["half-up", "truncate", "up"]

# mode -> (Chinese name, HAFMIS code, kind, step, digit looked at by an "up" mode)
_RULES: dict[ContributionRounding, tuple[str, int, _Kind, Decimal, Decimal]] = {
    ContributionRounding.HALF_UP_YUAN: ("四舍五入到元", 1, "half-up", _YUAN, FEN),
    ContributionRounding.TRUNCATE_YUAN: ("舍元以下", 2, "truncate", _YUAN, FEN),
    ContributionRounding.JIAO_UP_YUAN: ("见角进元", 3, "up", _YUAN, _JIAO),
    ContributionRounding.FEN_UP_JIAO: ("见分进角", 4, "up", _JIAO, FEN),
    ContributionRounding.HALF_UP_JIAO: ("四舍五入到角", 5, "half-up", _JIAO, FEN),
    ContributionRounding.TRUNCATE_JIAO: ("舍角以下", 6, "truncate", _JIAO, FEN),
    ContributionRounding.UP_YUAN: ("见角分进元", 7, "up", _YUAN, FEN),
    ContributionRounding.HALF_UP_FEN: ("四舍五入到分", 8, "half-up", FEN, FEN),
}


def check_rounding(value: object, field: str = "rounding") -> ContributionRounding:
    """A :class:`ContributionRounding`, or its value string (``"half-up-yuan"``).

    >>> check_rounding("up-yuan").chinese
    '见角分进元'
    """
    return choice(ContributionRounding, value, field)


def _exact_amount(value: Amount, field: str) -> Decimal:
    """A finite, non-negative amount with any number of places (an exact base x ratio)."""
    number = to_decimal(value, field, InvalidAmount)
    if number > MAX_AMOUNT:
        raise AmountOverflow(field, f"exceeds the ledger maximum {MAX_AMOUNT:,}", value)
    if number < 0:
        raise InvalidAmount(field, "must not be negative", value)
    return number.copy_abs()  # -0 becomes 0: no negative zero reaches a ledger


def round_contribution(amount: Amount, mode: ContributionRounding | str) -> Decimal:
    """Round one side's exact amount (base x ratio) by a deposit precision mode.

    ``amount`` may carry any number of decimal places (it is the exact product); it must
    be finite and not negative. The result is always quantized to the fen, and never above
    the ledger maximum (``AmountOverflow`` when rounding up would pass it).

    - half-up modes: half up (四舍五入) to the mode's step;
    - truncating modes (舍…以下): down to the step;
    - "见X进Y" modes: drop the digits below X, then round up to the step Y. So 见角进元
      ignores the fen (188.09 → 188) and 见角分进元 ignores anything below the fen
      (188.009 → 188), exactly as HAFMIS's adding of 0.4 / 0.04 before rounding does.

    >>> round_contribution(Decimal("2611.14"), ContributionRounding.HALF_UP_YUAN)
    Decimal('2611.00')
    >>> round_contribution(Decimal("188.05"), "jiao-up-yuan")
    Decimal('188.00')
    >>> round_contribution(Decimal("188.30"), "jiao-up-yuan")
    Decimal('189.00')
    """
    exact = _exact_amount(amount, "amount")
    _, _, kind, step, looked_at = _RULES[check_rounding(mode)]
    if kind == "half-up":
        result = exact.quantize(step, rounding=ROUND_HALF_UP, context=_CTX)
    elif kind == "truncate":
        result = exact.quantize(step, rounding=ROUND_FLOOR, context=_CTX)
    else:
        seen = exact.quantize(looked_at, rounding=ROUND_FLOOR, context=_CTX)
        result = seen.quantize(step, rounding=ROUND_CEILING, context=_CTX)
    if result > MAX_AMOUNT:
        raise AmountOverflow("amount", f"rounds to more than the ledger maximum {MAX_AMOUNT:,}", amount)
    return result.quantize(FEN, context=_CTX)


# --------------------------------------------------------------------------- the formula


@attrs.frozen
class Contribution:
    """One month's deposit (月缴存额): the two sides and their sum.

    ``total`` is always ``employee + employer`` (each side rounded on its own).
    """

    employee: Decimal
    """个人月缴存额, withheld from pay (代扣)."""
    employer: Decimal
    """单位月缴存额."""
    total: Decimal
    """月缴存额合计."""

    def __attrs_post_init__(self) -> None:
        if self.total != self.employee + self.employer:
            raise InvalidAmount("total", "must equal employee + employer", self.total)


def _check_base(value: Amount, field: str = "base") -> Decimal:
    base = yuan(value, field)
    if base < 0:
        raise InvalidAmount(field, "must not be negative", value)
    return base


def monthly_contribution(
    base: Amount,
    employee_ratio: Rate,
    employer_ratio: Rate,
    *,
    rounding: ContributionRounding | str = ContributionRounding.HALF_UP_YUAN,
) -> Contribution:
    """The month's deposit for a base (缴存基数) and the two ratios (缴存比例).

    Each side is ``round_contribution(base x ratio, rounding)`` on its own and the total
    is their sum. The base is fen-exact money, not negative; each ratio is a fraction in
    [0, 1) (``InvalidRate`` otherwise); a total beyond the ledger maximum is an
    ``AmountOverflow``. The centre's 5%-12% ratio bounds and base floor and cap are
    policy: :func:`contribution_for` applies them.

    Rounding the combined 14% instead would give 377, not 376, here (188.30 x 2 = 376.60):

    >>> monthly_contribution(2690, "0.07", "0.07")
    Contribution(employee=Decimal('188.00'), employer=Decimal('188.00'), total=Decimal('376.00'))
    >>> monthly_contribution("8000", "0.05", "0.12", rounding=ContributionRounding.HALF_UP_FEN).total
    Decimal('1360.00')
    """
    amount = _check_base(base)
    mode = check_rounding(rounding)
    employee_rate = check_rate(employee_ratio, "employee_ratio")
    employer_rate = check_rate(employer_ratio, "employer_ratio")
    employee = round_contribution(_CTX.multiply(amount, employee_rate), mode)
    employer = round_contribution(_CTX.multiply(amount, employer_rate), mode)
    total = employee + employer
    if total > MAX_AMOUNT:
        raise AmountOverflow("total", f"exceeds the ledger maximum {MAX_AMOUNT:,}", str(total))
    return Contribution(employee, employer, total)


# --------------------------------------------------------------------------- centre policy


def _base_min(value: Amount) -> Decimal:
    return _check_base(value, "base_min")


def _base_max(value: Amount) -> Decimal:
    return _check_base(value, "base_max")


def _ratio_min(value: Rate) -> Decimal:
    return check_rate(value, "ratio_min")


def _ratio_max(value: Rate) -> Decimal:
    return check_rate(value, "ratio_max")


def _rounding(value: ContributionRounding | str) -> ContributionRounding:
    return check_rounding(value)


def _percent_text(rate: Decimal) -> str:
    return f"{format((rate * 100).normalize(), 'f')}%"


@attrs.frozen(kw_only=True)
class ContributionPolicy:
    """A centre's deposit rules (缴存政策) for one contribution year.

    ``base_min`` (缴存基数下限, usually the local minimum wage) and ``base_max``
    (缴存基数上限, at most 3 x the city's average monthly wage) bound the base; each
    side's ratio must lie in [``ratio_min``, ``ratio_max``] (5%-12% unless the centre
    approves otherwise, e.g. a lower ratio for an employer in difficulty, Art. 20).
    ``source`` says where the figures come from.

    >>> shanghai = ContributionPolicy(base_min=2690, base_max=37302, source="SHGJJ FY2025")
    >>> shanghai.ratio_min, shanghai.ratio_max, shanghai.rounding.chinese
    (Decimal('0.05'), Decimal('0.12'), '四舍五入到元')
    """

    base_min: Decimal = attrs.field(converter=_base_min)
    base_max: Decimal = attrs.field(converter=_base_max)
    ratio_min: Decimal = attrs.field(default=DEFAULT_RATIO_MIN, converter=_ratio_min)
    ratio_max: Decimal = attrs.field(default=DEFAULT_RATIO_MAX, converter=_ratio_max)
    rounding: ContributionRounding = attrs.field(
        default=ContributionRounding.HALF_UP_YUAN, converter=_rounding
    )
    source: str

    def __attrs_post_init__(self) -> None:
        if self.base_max <= 0:
            raise InvalidAmount("base_max", "must be greater than 0", self.base_max)
        if self.base_min > self.base_max:
            raise InvalidAmount("base_max", f"must not be below base_min {self.base_min}", self.base_max)
        if self.ratio_min > self.ratio_max:
            raise InvalidRate("ratio_max", f"must not be below ratio_min {self.ratio_min}", self.ratio_max)


Clamp: TypeAlias = Literal["floor", "ceiling"]
"""Which bound replaced the base: the floor (下限) or the ceiling (上限)."""


@attrs.frozen
class ContributionResult:
    """A contribution under a centre policy, with the base it was computed on.

    ``base_given`` is the base asked for; ``base_used`` is it clamped to the policy's
    bounds; ``clamped`` says which bound applied (``None`` when the base was within them,
    bounds included).
    """

    contribution: Contribution
    base_given: Decimal
    base_used: Decimal
    clamped: Clamp | None

    @property
    def employee(self) -> Decimal:
        """个人月缴存额."""
        return self.contribution.employee

    @property
    def employer(self) -> Decimal:
        """单位月缴存额."""
        return self.contribution.employer

    @property
    def total(self) -> Decimal:
        """月缴存额合计."""
        return self.contribution.total


def _check_ratio(policy: ContributionPolicy, value: Rate, field: str) -> Decimal:
    ratio = check_rate(value, field)
    if not policy.ratio_min <= ratio <= policy.ratio_max:
        low, high = _percent_text(policy.ratio_min), _percent_text(policy.ratio_max)
        raise InvalidContributionRatio(
            field, f"must be between {low} and {high} under this centre's policy ({policy.source})", value
        )
    return ratio


def contribution_for(
    policy: ContributionPolicy, *, base: Amount, employee_ratio: Rate, employer_ratio: Rate
) -> ContributionResult:
    """The month's deposit under a centre's policy.

    The base is clamped to [``base_min``, ``base_max``] (and the result says so); a ratio
    outside [``ratio_min``, ``ratio_max``] raises ``InvalidContributionRatio`` (an
    ``InvalidRate``) naming ``employee_ratio`` or ``employer_ratio``.

    >>> shanghai = ContributionPolicy(base_min=2690, base_max=37302, source="SHGJJ FY2025")
    >>> r = contribution_for(shanghai, base=50000, employee_ratio="0.07", employer_ratio="0.07")
    >>> r.base_used, r.clamped, r.total
    (Decimal('37302.00'), 'ceiling', Decimal('5222.00'))
    >>> contribution_for(shanghai, base=8000, employee_ratio="0.04", employer_ratio="0.07")
    Traceback (most recent call last):
    ...
    hpf_core.errors.InvalidContributionRatio: employee_ratio: must be between 5% and 12% under this centre's policy (SHGJJ FY2025) (got '0.04')
    """  # noqa: E501 - a doctest's expected output is one line
    instance(policy, ContributionPolicy, "policy")
    given = _check_base(base)
    employee_rate = _check_ratio(policy, employee_ratio, "employee_ratio")
    employer_rate = _check_ratio(policy, employer_ratio, "employer_ratio")
    clamped: Clamp | None = None
    used = given
    if given < policy.base_min:
        used, clamped = policy.base_min, "floor"
    elif given > policy.base_max:
        used, clamped = policy.base_max, "ceiling"
    contribution = monthly_contribution(used, employee_rate, employer_rate, rounding=policy.rounding)
    return ContributionResult(contribution, given, used, clamped)


_POLICY_KEYS = frozenset({"base_min", "base_max", "ratio_min", "ratio_max", "rounding", "source"})


def parse_contribution_policy(table: dict[str, Any]) -> ContributionPolicy:
    """A :class:`ContributionPolicy` from a policy file's ``[contributions]`` table.

    Decimals are quoted strings (``"0.05"``) or integers, never TOML floats; ``rounding``
    is a :class:`ContributionRounding` value and, like ``source``, ``base_min`` and
    ``base_max``, must be present (a centre's rounding is never assumed); ``ratio_min``
    and ``ratio_max`` default to 5% and 12%. Unknown keys are refused, so a typo cannot
    silently fall back to a default. Any problem raises ``InvalidPolicy`` naming the key
    (``contributions.base_max``).

    >>> import tomllib
    >>> text = '''
    ... [contributions]
    ... base_min = "2690"
    ... base_max = "37302"
    ... rounding = "half-up-yuan"
    ... source = "SHGJJ FY2025 notice"
    ... '''
    >>> policy = parse_contribution_policy(tomllib.loads(text)["contributions"])
    >>> policy.base_max, policy.ratio_max, policy.rounding
    (Decimal('37302.00'), Decimal('0.12'), <ContributionRounding.HALF_UP_YUAN: 'half-up-yuan'>)
    """
    path = "contributions"
    table = known_table(table, path, _POLICY_KEYS)
    check_document(table, path)
    for key in ("base_min", "base_max", "rounding", "source"):
        if key not in table:
            raise InvalidPolicy(f"{path}.{key}", "is missing")
    for key in ("base_min", "base_max", "ratio_min", "ratio_max"):
        no_float(table.get(key), f"{path}.{key}")
    rounding = table["rounding"]
    if not isinstance(rounding, str):
        raise InvalidPolicy(f"{path}.rounding", "must be a string", shown(rounding))
    source = table["source"]
    if not isinstance(source, str) or not source.strip():
        raise InvalidPolicy(f"{path}.source", "must be a non-empty string", shown(source))
    ratios = {key: table[key] for key in ("ratio_min", "ratio_max") if key in table}
    try:
        return ContributionPolicy(
            base_min=table["base_min"], base_max=table["base_max"], rounding=rounding, source=source, **ratios
        )
    except HpfError as exc:
        raise InvalidPolicy(f"{path}.{exc.field}", exc.reason, shown(exc.value)) from exc


# --------------------------------------------------------------------------- new members


class NewMemberKind(enum.Enum):
    """How an employee comes to start contributing at an employer (Art. 17)."""

    NEW_EMPLOYEE = "new-employee"
    """新参加工作: a first job."""

    TRANSFERRED_IN = "transferred-in"
    """新调入: joins from another employer."""

    @property
    def chinese(self) -> str:
        """新参加工作 or 新调入."""
        return "新参加工作" if self is NewMemberKind.NEW_EMPLOYEE else "新调入"


def _check_kind(value: object, field: str = "kind") -> NewMemberKind:
    if isinstance(value, NewMemberKind):
        return value
    if isinstance(value, str):
        try:
            return NewMemberKind(value)
        except ValueError:
            pass
    allowed = ", ".join(k.value for k in NewMemberKind)
    raise InvalidChoice(field, f"must be one of {allowed}", value)


def first_contribution_month(
    kind: NewMemberKind | str, start_date: date, *, first_payday: date | None = None
) -> date:
    """The first contribution month (启缴年月), as the first day of that month.

    Art. 17 (2019 text) reads: a new employee (新参加工作) "从参加工作的第二个月开始缴存"
    — from the second month of work, read here as the calendar month after the month
    work starts (a start on 31 January still gives February). A transferred-in employee
    (新调入) "从调入单位发放工资之日起缴存" — from the day the new employer first pays
    wages: the month of ``first_payday`` when given (it may not precede ``start_date``),
    otherwise the month the employee joins, on the usual assumption that the first wage
    is paid in the month of joining. ``first_payday`` is refused for a new employee,
    whose start does not depend on it. Local rules (and the 2026 amendment, whose text
    was not retrieved) may differ.

    >>> first_contribution_month(NewMemberKind.NEW_EMPLOYEE, date(2025, 12, 15))
    datetime.date(2026, 1, 1)
    >>> first_contribution_month("transferred-in", date(2025, 12, 15), first_payday=date(2026, 1, 10))
    datetime.date(2026, 1, 1)
    """
    member = _check_kind(kind)
    start = check_date(start_date, "start_date")
    if member is NewMemberKind.NEW_EMPLOYEE:
        if first_payday is not None:
            raise InvalidDate(
                "first_payday",
                "applies only to a transferred-in employee (新调入); "
                "a new employee starts in the second month of work",
                first_payday.isoformat() if isinstance(first_payday, date) else first_payday,
            )
        return add_months(start.replace(day=1), 1)
    if first_payday is None:
        return start.replace(day=1)
    payday = check_date(first_payday, "first_payday")
    if payday < start:
        raise InvalidDate("first_payday", f"is before start_date {start.isoformat()}", payday.isoformat())
    return payday.replace(day=1)


def initial_base(kind: NewMemberKind | str, first_month_wage: Amount) -> Decimal:
    """The base (缴存基数) of a new member's first contribution year.

    Art. 17 uses "职工本人当月工资" for both kinds: the wage of the month contributions
    start (for a new employee, the second month of work). So the base is that wage,
    validated as money (fen-exact, not negative); the centre's floor and cap still apply
    (:func:`contribution_for`). Local variants, such as Shanghai's "2nd month's wage or
    the year-to-date average" for a first job, are the caller's to choose.

    >>> initial_base(NewMemberKind.NEW_EMPLOYEE, "9500")
    Decimal('9500.00')
    """
    _check_kind(kind)
    return _check_base(first_month_wage, "first_month_wage")
