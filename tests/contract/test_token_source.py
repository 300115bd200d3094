"""TokenSource contract: fresh tokens of at least 128 bits that hash_token accepts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hpf_adapters.security import SecretsTokens
from hpf_core.members import MIN_TOKEN_LENGTH, hash_token
from hpf_core.ports import TokenSource

ADAPTERS: list[Callable[[], TokenSource]] = [SecretsTokens]


@pytest.fixture(params=ADAPTERS, ids=lambda f: f.__name__)
def tokens(request: pytest.FixtureRequest) -> TokenSource:
    factory: Callable[[], TokenSource] = request.param
    return factory()


class TestTokenSource:
    def test_tokens_are_long_enough_distinct_and_hashable(self, tokens: TokenSource) -> None:
        drawn = [tokens.new_token() for _ in range(200)]
        assert len(set(drawn)) == 200
        assert all(len(t) >= MIN_TOKEN_LENGTH for t in drawn)
        assert len({hash_token(t) for t in drawn}) == 200
