"""What every step of ``hpf demo`` shares: the wired app, the demo's member, its clock and
the output, and how a heading, a screen, a table and an SMS are shown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from hpf_adapters.cli import _render
from hpf_adapters.wiring import SHANGHAI, App
from hpf_core.identity import mask_phone
from hpf_core.members import MemberRules
from hpf_core.members import services as members
from hpf_core.policy import CenterPolicy

__all__ = ["SEED", "Demo", "DemoMember", "grouped"]


@attrs.frozen
class DemoMember:
    """The demo's member and her records. The seed shows every personal field masked, so the
    name, ID number and phones are EXAMPLE values (a valid 阿勒泰市 ID number); the figures
    are the seed's where it gives them (docs/decisions.md D-054)."""

    member_id: str = "M0001"
    name: str = "张三"
    id_number: str = "654301198506151230"
    phone: str = "13800138000"
    new_phone: str = "13900139000"
    account_no: str = "GR150101329001"
    employer_no: str = "150101329"  # seed §4.2 (2): 单位账号
    employer_name: str = "EXAMPLE 阿勒泰地区示例单位"
    opened_on: date = date(2015, 3, 2)  # seed §4.2 (2): 开户日期
    first_month: date = date(2015, 3, 1)  # seed §4.2 (2): 启缴年月 201503
    base: str = "5225.00"  # seed §4.2 (2): 个人缴存基数
    ratio: str = "0.12"  # seed §4.2 (2): 个人/单位缴存比例 12.00%
    balance: Decimal = Decimal("15827.45")  # seed §4.2 (2): 个人账户余额
    last_remitted: date = date(2018, 5, 1)  # EXAMPLE: 缴至年月 is hidden on the seed's screen
    contract_no: str = "HT2015021338"
    disbursed_on: date = date(2015, 2, 13)  # seed §4.2 (3): 贷款发放日期
    annual_rate: str = "0.0325"  # seed §4.2 (3): 贷款利率 3.2500%
    term_months: int = 180  # EXAMPLE: 15 years
    principal: str = "178854.13"
    """EXAMPLE: the amount that, at 3.25 % over 180 months with every instalment paid from
    2015-03-01, leaves the seed's 当前贷款余额 146,271.00 (§6.3.1) after the one due on the
    demo's day. (The seed's 184,000.00 loan of §4.2 is another member's, whose 2015 rates the
    demo does not replay.)"""
    loan_balance: Decimal = Decimal("146271.00")  # seed §6.3.1: 当前贷款余额
    card: str = "20180723001"  # seed §5.2.1.4: 收款银行账号 (中国工商银行)
    card_bank: str = "中国工商银行"  # seed §5.2.1.4: 收款银行
    password: str = "Hpf2018demo"  # EXAMPLE: the password chosen at the forced change
    password2: str = "Hpf2018zhang"  # EXAMPLE: the one chosen under 密码修改
    keypad_password: str = "402817"  # EXAMPLE: the new 12329 / touch-screen password
    code: str = "972746"  # seed §5.1.3 (2): the verification code on the screen


SEED = DemoMember()

DAY = date(2018, 6, 1)
"""The journey's day: a due date (约定还款日 1日), so the seed's prepayment and settlement
screens show 0.00 of interest as they do."""


def grouped(value: Decimal) -> str:
    """A yuan amount as the app shows it: 15,827.45."""
    return f"{value:,.2f}"


@attrs.define
class Demo:
    """The journey's state: the app, whether this run writes (``fresh``) or replays what a
    first run stored, the member's session token, the clock of the story and the output."""

    app: App
    fresh: bool
    member: DemoMember = SEED
    now: datetime = datetime(2018, 6, 1, 9, 30, tzinfo=SHANGHAI)
    token: str | None = attrs.field(default=None, repr=False)
    """The session token (the only copy); never shown."""
    lines: list[str] = attrs.Factory(list)
    sms_seen: int = 0

    @property
    def policy(self) -> CenterPolicy:
        return self.app.policy

    @property
    def rules(self) -> MemberRules:
        return self.app.policy.members or MemberRules()

    def tick(self, minutes: float = 1) -> datetime:
        """Move the story's clock on and return the new instant."""
        self.now += timedelta(minutes=minutes)
        return self.now

    def touch(self) -> None:
        """The member acts in the app: the session is used (and kept alive); a replay has none."""
        if self.fresh and self.token is not None:
            members.authenticate(self.app.unit_of_work, self.token, self.now, rules=self.rules)

    def heading(self, chinese: str, english: str, seed: str) -> None:
        title = f"{chinese} {english}"
        self.lines.extend(["", f"== {title} ({seed}) " + "=" * max(4, 60 - _render.display_width(title)), ""])

    def say(self, text: str = "") -> None:
        self.lines.extend(f"  {line}" if line else "" for line in text.split("\n"))

    def replayed(self, what: str) -> None:
        """A write step on a second run: nothing is written again."""
        self.say(f"(已办理 done by the first run on this file, not repeated: {what})")

    def screen(self, title: str, pairs: Sequence[tuple[str, str]]) -> None:
        """One app screen as label/value pairs, aligned."""
        width = max(_render.display_width(label) for label, _ in pairs)
        self.say(f"[{title}]")
        for label, value in pairs:
            self.say(f"  {_render.pad(label, width, right=False)}  {value}")

    def table(
        self, headers: Sequence[Sequence[str]], rows: Sequence[Sequence[str]], numeric: Sequence[bool]
    ) -> None:
        self.say(_render.table(headers, rows, numeric=numeric))

    def show_sms(self) -> None:
        """Every SMS the gateway sent since the last call, as the member's phone shows it."""
        sent = sent_messages(self.app)
        for message in sent[self.sms_seen :]:
            self.say(f"SMS -> {mask_phone(message.phone)}: {message.text}")
        self.sms_seen = len(sent)

    def relay(self) -> None:
        """The outbox relay runs (``hpf notify run``): the notices queued by the steps so far
        are delivered through the SMS gateway and shown as the phone receives them."""
        report = self.app.relay()
        if report.sent:
            self.say(f"(发件箱转发 the outbox relay delivers {len(report.sent)} notice(s))")
        self.show_sms()


def sent_messages(app: App) -> tuple[Any, ...]:
    """The texts the demo's memory gateway kept (none for another gateway, D-055)."""
    return tuple(getattr(app.sms, "sent_messages", ()))
