"""CodeSource contract: codes of exactly the policy's digits, ASCII; salts of 16+ bytes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hpf_adapters.sms import SecretsCodes
from hpf_core.ports import CodeSource

ADAPTERS: list[Callable[[], CodeSource]] = [SecretsCodes]


@pytest.fixture(params=ADAPTERS, ids=lambda f: f.__name__)
def codes(request: pytest.FixtureRequest) -> CodeSource:
    factory: Callable[[], CodeSource] = request.param
    return factory()


class TestCodeSource:
    def test_codes_are_six_ascii_digits_and_salts_are_fresh(self, codes: CodeSource) -> None:
        drawn = [codes.new_code() for _ in range(500)]
        assert all(len(c) == 6 and c.isascii() and c.isdigit() for c in drawn)
        assert len(set(drawn)) > 400  # 500 draws from a million: a repeat or two at most
        salts = {codes.new_salt() for _ in range(50)}
        assert len(salts) == 50
        assert all(len(s) >= 16 for s in salts)
