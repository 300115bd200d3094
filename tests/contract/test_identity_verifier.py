"""IdentityVerifier contract: an answer for every method; a refusal is a result, not an error;
``identify`` vouches for an ID number once per evidence (D-048)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hpf_adapters.centers import MemoryVerifier
from hpf_core.centers import VerificationMethod
from hpf_core.ports import IdentityVerifier

SEED_ID = "371524199011063028"
ALIPAY_USER = "2088102150477652"


def memory() -> IdentityVerifier:
    verifier = MemoryVerifier({"refused": False})
    verifier.vouch(VerificationMethod.ALIPAY, "auth-code-1", SEED_ID, number=ALIPAY_USER)
    verifier.vouch(VerificationMethod.FACE, "certify-1", SEED_ID)
    verifier.vouch(VerificationMethod.FACE, "certify-refused", SEED_ID, ok=False)
    return verifier


ADAPTERS: list[Callable[[], IdentityVerifier]] = [memory]
"""Each gives a verifier on which ``auth-code-1`` (Alipay) and ``certify-1`` (face) vouch for
SEED_ID (Alipay as ALIPAY_USER) and ``certify-refused`` is a face check that did not pass."""


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

    def test_identify_vouches_for_the_id_number_and_the_third_partys_number(
        self, verifier: IdentityVerifier
    ) -> None:
        alipay = verifier.identify(VerificationMethod.ALIPAY, "auth-code-1")
        assert (alipay.ok, alipay.method, alipay.id_number, alipay.number) == (
            True,
            VerificationMethod.ALIPAY,
            SEED_ID,
            ALIPAY_USER,
        )
        assert alipay.reference
        face = verifier.identify(VerificationMethod.FACE, "certify-1")
        assert (face.ok, face.id_number, face.number) == (True, SEED_ID, SEED_ID)

    def test_evidence_is_good_once(self, verifier: IdentityVerifier) -> None:
        assert verifier.identify(VerificationMethod.FACE, "certify-1").ok
        assert not verifier.identify(VerificationMethod.FACE, "certify-1").ok

    @pytest.mark.parametrize(
        ("method", "evidence"),
        [
            (VerificationMethod.FACE, "certify-refused"),
            (VerificationMethod.FACE, "never-issued"),
            (VerificationMethod.FACE, "auth-code-1"),  # another method's evidence
        ],
    )
    def test_a_refused_or_unknown_evidence_is_a_result_vouching_for_no_one(
        self, verifier: IdentityVerifier, method: VerificationMethod, evidence: str
    ) -> None:
        result = verifier.identify(method, evidence)
        assert not result.ok
        assert result.id_number == ""
        assert result.number == ""
