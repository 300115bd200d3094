"""The contract of ``hpf_core.ports.KindModule`` (the withdrawal-kind plug-in), run against every
registered kind module: the ten hpf ships and any a test or a centre registers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest

from hpf_core.errors import Violation
from hpf_core.ports import KindModule
from hpf_core.testing import sample_account, sample_policy
from hpf_core.withdrawals import (
    CLOSING_KEYS,
    KINDS,
    PARTIAL_KEYS,
    DocumentRequirement,
    WithdrawalFacts,
    WithdrawalKind,
    WithdrawalRule,
    policy_keys,
)

ON = date(2025, 9, 15)
MODULES = sorted(KINDS.items(), key=lambda item: item[0].value)


@pytest.mark.parametrize(("kind", "module"), MODULES, ids=[k.value for k, _ in MODULES])
class TestKindModuleContract:
    def test_it_declares_its_kind_facts_keys_documents_and_rule(
        self, kind: WithdrawalKind, module: KindModule
    ) -> None:
        assert module.KIND is kind
        fields = {f.name for f in attrs.fields(WithdrawalFacts)}
        assert all(f in fields or f.startswith("extra.") for f in module.FACTS)
        assert issubclass(module.Rule, WithdrawalRule)
        shared = CLOSING_KEYS if kind.closes_account else PARTIAL_KEYS
        assert shared <= module.POLICY_KEYS <= shared | set(policy_keys(module.Rule))
        assert all(isinstance(d, DocumentRequirement) for d in module.DOCUMENTS)

    def test_check_lists_reasons_as_data_and_cap_is_money_or_none(
        self, kind: WithdrawalKind, module: KindModule
    ) -> None:
        account, facts, policy = sample_account("5925.21"), WithdrawalFacts(), sample_policy(kind)
        reasons = module.check(account, facts, policy, ON)
        assert isinstance(reasons, tuple)
        assert all(isinstance(v, Violation) and v.code and v.field for v in reasons)
        cap = module.cap(account, facts, policy, ON)
        assert cap is None or (isinstance(cap, Decimal) and cap >= 0 and cap == cap.quantize(Decimal("0.01")))

    def test_check_and_cap_are_pure(self, kind: WithdrawalKind, module: KindModule) -> None:
        account, facts, policy = sample_account("5925.21"), WithdrawalFacts(), sample_policy(kind)
        first = (module.check(account, facts, policy, ON), module.cap(account, facts, policy, ON))
        again = (module.check(account, facts, policy, ON), module.cap(account, facts, policy, ON))
        assert first == again
        assert account == sample_account("5925.21")
        assert facts == WithdrawalFacts()
