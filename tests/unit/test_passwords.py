"""Password rules per channel (seed §7.4), the initial password, input limits, scrypt."""

from __future__ import annotations

from typing import Any

import pytest

from hpf_adapters.security import ScryptHasher, SecretsTokens
from hpf_core.errors import InputTypeError, InvalidIdNumber, InvalidPolicy, PasswordTooLong, Refused
from hpf_core.members import (
    COMMON_PASSWORDS,
    MAX_PASSWORD_INPUT_LENGTH,
    RECOMMENDED_RULES,
    SEED_KEYPAD_RULES,
    SEED_ONLINE_RULES,
    Charset,
    InitialPasswordRule,
    PasswordChannel,
    PasswordGroup,
    PasswordRules,
    check_password,
    initial_password,
)


def codes(rules: PasswordRules, password: str, **common: Any) -> list[str]:
    """The codes ``check_password`` refuses ``password`` with; [] when it accepts it (and
    then it hands the password back)."""
    try:
        accepted = check_password(rules, password, **common)
    except Refused as refused:
        return list(refused.codes)
    assert accepted == password
    return []


class TestOnlinePasswordRule:
    """APP / WeChat / web hall: 6-18 letters and digits (seed §7.4.1)."""

    @pytest.mark.parametrize("password", ["gjj202", "Zhang2024", "a1" * 9, "x9y8z7w6", "Abcdef1"])
    def test_letters_and_digits_of_6_to_18_are_accepted(self, password: str) -> None:
        assert codes(SEED_ONLINE_RULES, password) == []

    @pytest.mark.parametrize(
        ("password", "code"),
        [
            ("abcdef", "password_letters_and_digits"),
            ("gjjxyz", "password_letters_and_digits"),
            ("583920", "password_letters_and_digits"),
            ("abc 123", "password_letters_and_digits"),
            ("abc_123", "password_letters_and_digits"),
            ("abc１２３", "password_common"),  # NFKC: abc123 (D-045)
            ("abc＿１２３", "password_letters_and_digits"),
            ("gj2", "password_too_short"),
            ("a1" * 9 + "b", "password_too_long"),
        ],
    )
    def test_other_passwords_are_refused_with_a_reason(self, password: str, code: str) -> None:
        assert codes(SEED_ONLINE_RULES, password) == [code]

    @pytest.mark.parametrize("password", ["abc123", "a1b2c3", "password1", "Qwerty123", "1qaz2wsx"])
    def test_common_passwords_are_refused_even_when_well_formed(self, password: str) -> None:
        assert codes(SEED_ONLINE_RULES, password) == ["password_common"]

    def test_a_violation_never_quotes_the_password(self) -> None:
        with pytest.raises(Refused) as refused:
            check_password(SEED_ONLINE_RULES, "secret pass")
        assert "secret" not in str(refused.value)
        for v in refused.value.violations:
            assert "secret" not in v.message
            assert "secret" not in repr(v)

    def test_the_channels_share_one_online_password(self) -> None:
        for channel in (PasswordChannel.APP, PasswordChannel.WECHAT, PasswordChannel.WEB):
            assert channel.group is PasswordGroup.ONLINE


class TestKeypadPasswordRule:
    """12329 hotline / touch screen: exactly 6 digits (seed §7.4.2)."""

    @pytest.mark.parametrize("password", ["583920", "070415", "902746"])
    def test_six_digits_are_accepted(self, password: str) -> None:
        assert codes(SEED_KEYPAD_RULES, password) == []

    @pytest.mark.parametrize(
        ("password", "expected"),
        [
            ("58392", ["password_too_short"]),
            ("5839201", ["password_too_long"]),
            ("58a920", ["password_digits_only"]),
            ("５８３９２Ｏ", ["password_digits_only"]),  # NFKC: 58392O, a letter O
            ("１２３４５６", ["password_common"]),  # NFKC: 123456
            ("583 20", ["password_digits_only"]),
            ("123456", ["password_common"]),
            ("888888", ["password_common"]),
        ],
    )
    def test_anything_else_is_refused(self, password: str, expected: list[str]) -> None:
        assert codes(SEED_KEYPAD_RULES, password) == expected

    def test_the_hotline_and_touch_screen_share_the_keypad_password(self) -> None:
        assert PasswordChannel.HOTLINE.group is PasswordChannel.TOUCH_SCREEN.group is PasswordGroup.KEYPAD


class TestStricterPolicy:
    def test_the_recommended_rule_takes_long_passphrases_without_composition(self) -> None:
        assert codes(RECOMMENDED_RULES, "correct horse battery staple") == []
        assert codes(RECOMMENDED_RULES, "公积金是个好东西") == []

    def test_the_recommended_rule_refuses_short_and_common_passwords(self) -> None:
        assert codes(RECOMMENDED_RULES, "gjj2024") == ["password_too_short"]
        assert codes(RECOMMENDED_RULES, "12345678") == ["password_common"]
        assert codes(RECOMMENDED_RULES, "PASSWORD") == ["password_common"]

    def test_a_centre_may_load_a_longer_common_list(self) -> None:
        extra = COMMON_PASSWORDS | {"gjj2024"}
        assert codes(SEED_ONLINE_RULES, "gjj2024", common=extra) == ["password_common"]

    def test_refusing_common_passwords_can_be_switched_off(self) -> None:
        rules = PasswordRules(6, 18, Charset.LETTERS_AND_DIGITS, refuse_common=False)
        assert codes(rules, "abc123") == []

    @pytest.mark.parametrize(("low", "high"), [(0, 6), (8, 6), (6, MAX_PASSWORD_INPUT_LENGTH + 1)])
    def test_impossible_rules_are_refused(self, low: int, high: int) -> None:
        with pytest.raises(InvalidPolicy):
            PasswordRules(low, high, Charset.ANY)


class TestInputLimits:
    def test_a_huge_password_is_refused_before_hashing(self) -> None:
        with pytest.raises(PasswordTooLong) as caught:
            check_password(SEED_ONLINE_RULES, "a1" * 600_000)
        assert caught.value.code == "password_too_long"
        assert "a1a1" not in str(caught.value)
        with pytest.raises(PasswordTooLong):
            ScryptHasher(n=2**4).hash("x" * (MAX_PASSWORD_INPUT_LENGTH + 1))

    def test_a_non_string_password_is_a_type_error(self) -> None:
        with pytest.raises(InputTypeError):
            check_password(SEED_ONLINE_RULES, 123456)  # type: ignore[arg-type]


class TestInitialPassword:
    def test_the_seed_rule_is_the_last_8_characters_of_the_id_number(self) -> None:
        assert initial_password("11010519491231002x") == "1231002X"
        assert initial_password("440524188001010014") == "01010014"

    def test_the_6_digit_rule_reads_a_final_x_as_0(self) -> None:
        assert initial_password("11010519491231002X", InitialPasswordRule.ID_LAST_6) == "310020"

    def test_an_invalid_id_number_is_refused(self) -> None:
        with pytest.raises(InvalidIdNumber):
            initial_password("110105194912310021")


class TestScryptHasher:
    def test_the_reliability_parameters_hash_and_verify(self) -> None:
        hasher = ScryptHasher()
        stored = hasher.hash("gjj2024")
        assert stored.startswith("$scrypt$n=131072,r=8,p=1$")
        assert hasher.verify(stored, "gjj2024")
        assert not hasher.needs_rehash(stored)

    def test_each_hash_has_its_own_salt_and_hides_the_password(self) -> None:
        hasher = ScryptHasher(n=2**10)
        first, second = hasher.hash("gjj2024"), hasher.hash("gjj2024")
        assert first != second
        assert "gjj2024" not in first

    def test_a_wrong_password_or_a_malformed_hash_does_not_verify(self) -> None:
        hasher = ScryptHasher(n=2**10)
        stored = hasher.hash("gjj2024")
        assert not hasher.verify(stored, "gjj2025")
        for bad in ["", "gjj2024", "$scrypt$n=3,r=8,p=1$AAAA$AAAA", "$scrypt$n=1024,r=8,p=1$!!$AAAA"]:
            assert not hasher.verify(bad, "gjj2024")

    def test_rehash_is_needed_when_any_parameter_rises(self) -> None:
        stored = ScryptHasher(n=2**10).hash("gjj2024")
        assert not ScryptHasher(n=2**10).needs_rehash(stored)
        assert ScryptHasher(n=2**11).needs_rehash(stored)
        assert ScryptHasher(n=2**10, r=9).needs_rehash(stored)
        assert ScryptHasher(n=2**10, p=2).needs_rehash(stored)
        assert ScryptHasher(n=2**10).needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$x$y")

    def test_bad_parameters_are_refused(self) -> None:
        with pytest.raises(InvalidPolicy):
            ScryptHasher(n=1000)


class TestTokens:
    def test_tokens_carry_256_bits_and_do_not_repeat(self) -> None:
        tokens = {SecretsTokens().new_token() for _ in range(100)}
        assert len(tokens) == 100
        assert all(len(t) == 43 for t in tokens)
