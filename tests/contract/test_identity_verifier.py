"""IdentityVerifier contract: an answer for every method; a refusal is a result, not an error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hpf_adapters.centers import MemoryVerifier
from hpf_core.centers import VerificationMethod
from hpf_core.ports import IdentityVerifier

ADAPTERS: list[Callable[[], IdentityVerifier]] = [lambda: MemoryVerifier({"refused": False})]


@pytest.fixture(params=ADAPTERS, ids=["memory"])
def verifier(request: pytest.FixtureRequest) -> IdentityVerifier:
    factory: Callable[[], IdentityVerifier] = request.param
    return factory()


class TestIdentityVerifier:
    @pytest.mark.parametrize("method", list(VerificationMethod))
    def test_a_pass_carries_the_method_and_a_reference(
        self, verifier: IdentityVerifier, method: VerificationMethod
    ) -> None:
        result = verifier.verify("m1", method)
        assert result.ok
        assert result.method is method
        assert result.reference

    def test_a_refusal_is_a_result(self, verifier: IdentityVerifier) -> None:
        result = verifier.verify("refused", VerificationMethod.FACE)
        assert not result.ok
