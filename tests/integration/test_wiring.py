"""The composition root: ``hpf_adapters.wiring`` is the only place adapters are chosen,
connects nothing at import, and hands out services bound to what it built."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from hpf_adapters.memory import MemoryStore, MemoryUnitOfWork
from hpf_adapters.payments import MemoryBank
from hpf_adapters.sms import MemorySms
from hpf_adapters.wiring import App, Config, Services, build
from hpf_core.accounts import Employer, Member
from hpf_core.errors import InputTypeError, InvalidChoice, InvalidCode, NaiveDatetimeError
from hpf_core.members import CodePurpose
from hpf_core.ports import PaymentChannel, UnitOfWork
from hpf_core.withdrawals import BankCard

SRC = Path(__file__).resolve().parents[2] / "src"
AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def an_app(*codes: str) -> App:
    return build(Config(centre="altay", clock=AT, codes="fixed", fixed_codes=codes, password_cost=2**10))


class TestBuild:
    def test_the_services_run_on_the_store_it_built(self) -> None:
        app = an_app()
        app.accounts.open_account(
            account_no="A1",
            member=Member("M1", "职工", "11010519491231002X"),
            employer=Employer("E1", "单位"),
            opened_on=date(2025, 1, 2),
            base="5000.00",
            employee_ratio="0.12",
            employer_ratio="0.12",
        )
        entry = app.accounts.receive_transfer(
            account_no="A1", amount="100", value_date=date(2025, 1, 3), key="t"
        )
        assert entry.amount == Decimal("100.00")
        with app.unit_of_work() as uow:
            assert uow.accounts.get("A1").balance == Decimal("100.00")
        # a withdrawals service whose own ``bank`` keyword is a str is not confused with the bank port
        card = app.withdrawals.add_bank_card(
            member_id="M1", number="6217001234567890122", verified_at=app.now(), at=app.now()
        )
        assert card.bank == "中国建设银行"

    def test_two_builds_share_nothing(self) -> None:
        first, second = an_app(), an_app()
        with first.unit_of_work() as uow:
            uow.cards.add(BankCard("M1", "6217001234567890122", "中国建设银行"))
            uow.commit()
        with second.unit_of_work() as uow:
            assert list(uow.cards.cards_of("M1")) == []
        assert first.code_store is not second.code_store
        assert first.sms is not second.sms

    def test_codes_go_through_the_apps_gateway_store_and_clock(self) -> None:
        app = an_app("042817")
        assert app.send_code("13800138000", "login") == "已发送,请查收"
        assert isinstance(app.sms, MemorySms)
        assert "042817" in app.sms.to("13800138000")[0]
        app.check_code("13800138000", CodePurpose.LOGIN, "042817")
        with pytest.raises(InvalidCode):
            app.check_code("13800138000", CodePurpose.LOGIN, "042817")  # used once

    def test_the_fixed_clock_and_the_date_in_china(self) -> None:
        late = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)  # 01:30 on the 6th in Beijing
        app = build(Config(centre="altay", clock=late))
        assert app.now() == late
        assert app.today() == date(2026, 1, 6)
        assert build(Config(centre="altay")).now().utcoffset() == timedelta(hours=8)

    def test_a_bad_choice_is_refused_naming_it(self) -> None:
        with pytest.raises(InvalidChoice) as caught:
            Config(centre="altay", store="postgres")  # type: ignore[arg-type]
        assert caught.value.field == "store"
        with pytest.raises(InvalidChoice) as caught:
            Config(centre="atlantis")
        assert caught.value.field == "centre"
        with pytest.raises(NaiveDatetimeError):
            Config(centre="altay", clock=datetime(2026, 1, 5, 9, 0))
        with pytest.raises(InputTypeError):
            build("altay")  # type: ignore[arg-type]


def pay(uow: UnitOfWork, channel: PaymentChannel, *, amount: str) -> tuple[object, object, str]:
    return uow, channel, amount


def collect(uow: UnitOfWork, *, contract_no: str, bank: PaymentChannel, memo: str = "") -> tuple[object, ...]:
    return uow, contract_no, bank, memo


def plain(x: int) -> int:
    return x + 1


class TestBinding:
    def module(self) -> ModuleType:
        fake = ModuleType("fake_services")
        fake.__all__ = ["collect", "pay", "plain"]  # type: ignore[attr-defined]
        fake.pay, fake.collect, fake.plain = pay, collect, plain  # type: ignore[attr-defined]
        return fake

    def test_a_unit_of_work_per_call_and_the_ports_by_annotation(self) -> None:
        store, bank = MemoryStore(), MemoryBank()
        services = Services(self.module(), store.unit_of_work, {"PaymentChannel": bank})
        first_uow, channel, amount = services.pay(amount="1.00")
        second_uow, _, _ = services.pay(amount="2.00")
        assert channel is bank
        assert amount == "1.00"
        assert isinstance(first_uow, MemoryUnitOfWork)
        assert first_uow is not second_uow
        # a keyword-only port is bound too, and a keyword the caller gives wins
        _, number, bound_bank, _ = services.collect(contract_no="HT1")
        assert (number, bound_bank) == ("HT1", bank)
        other = MemoryBank()
        assert services.collect(contract_no="HT1", bank=other)[2] is other
        assert services.plain(1) == 2  # nothing to bind: the function itself

    def test_only_public_services_are_reachable(self) -> None:
        services = Services(self.module(), MemoryStore().unit_of_work, {})
        with pytest.raises(AttributeError):
            services.module  # noqa: B018 - the attribute access is the test
        assert dir(services) == ["collect", "pay", "plain"]


class TestOnlyTheRootChoosesAdapters:
    def test_importing_the_root_builds_nothing_and_starts_no_thread(self) -> None:
        code = (
            "import threading, gc, hpf_adapters.wiring as w;"
            "from hpf_adapters.memory import MemoryStore;"
            "print(threading.active_count(), sum(isinstance(o, MemoryStore) for o in gc.get_objects()))"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert done.stdout.split() == ["1", "0"]

    @pytest.mark.parametrize(
        "path", sorted((SRC / "hpf_adapters" / "cli").rglob("*.py")), ids=lambda p: p.name
    )
    def test_the_cli_imports_no_adapter_but_the_root(self, path: Path) -> None:
        chosen = {"hpf_adapters.memory", "hpf_adapters.sms", "hpf_adapters.payments", "hpf_adapters.security"}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module not in chosen, (
                    f"{path.name} imports {node.module}; use hpf_adapters.wiring"
                )
