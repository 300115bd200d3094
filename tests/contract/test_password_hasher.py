"""PasswordHasher contract: salted, self-describing, constant-time verify, rehash signal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hpf_adapters.security import ScryptHasher
from hpf_core.ports import PasswordHasher

ADAPTERS: list[Callable[[], PasswordHasher]] = [lambda: ScryptHasher(n=2**10)]


@pytest.fixture(params=ADAPTERS, ids=["scrypt"])
def hasher(request: pytest.FixtureRequest) -> PasswordHasher:
    factory: Callable[[], PasswordHasher] = request.param
    return factory()


class TestPasswordHasher:
    def test_the_password_verifies_and_another_does_not(self, hasher: PasswordHasher) -> None:
        stored = hasher.hash("gjj2024")
        assert hasher.verify(stored, "gjj2024")
        assert not hasher.verify(stored, "gjj2025")
        assert "gjj2024" not in stored

    def test_two_hashes_of_one_password_differ_by_their_salt(self, hasher: PasswordHasher) -> None:
        assert hasher.hash("gjj2024") != hasher.hash("gjj2024")

    def test_a_malformed_stored_value_does_not_verify_and_asks_for_a_rehash(
        self, hasher: PasswordHasher
    ) -> None:
        for bad in ("", "plain", "$scrypt$n=1024$broken"):
            assert not hasher.verify(bad, "gjj2024")
            assert hasher.needs_rehash(bad)
        assert not hasher.needs_rehash(hasher.hash("gjj2024"))
