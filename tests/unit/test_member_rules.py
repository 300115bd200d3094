"""Member rules as centre data: [members.passwords], [members.login], [members.sessions] (issue #6)."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from hpf_adapters.policies import load_policy
from hpf_adapters.security import ScryptHasher
from hpf_core.errors import InvalidPolicy, Refused
from hpf_core.members import (
    KEYPAD_LOGIN_POLICY,
    ONLINE_LOGIN_POLICY,
    Charset,
    InitialPasswordRule,
    LoginPolicy,
    MemberRules,
    PasswordChannel,
    PasswordGroup,
    PasswordRules,
    SessionPolicy,
    change_password,
    login,
    new_credentials,
    open_session,
    parse_member_rules,
    touch,
)
from hpf_core.policy import parse_policy

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=CST)
ID = "11010519491231002X"


def rules_from(text: str) -> MemberRules:
    members: dict[str, Any] = tomllib.loads(text).get("members", {})
    return parse_member_rules(members)


def refusal(text: str) -> InvalidPolicy:
    with pytest.raises(InvalidPolicy) as caught:
        rules_from(text)
    return caught.value


class TestAltayFile:
    def test_the_seed_rules_are_read_from_the_policy_file(self) -> None:
        rules = load_policy("altay").members
        # NIST's minimum of 8, not the seed's 6 (D-045)
        assert rules.online_passwords == PasswordRules(8, 18, Charset.LETTERS_AND_DIGITS, refuse_common=True)
        assert rules.keypad_passwords == PasswordRules(6, 6, Charset.DIGITS, refuse_common=True)
        assert rules.initial_password is InitialPasswordRule.ID_LAST_8
        assert rules.online_login == LoginPolicy(max_failures=5, lock_minutes=30)
        assert rules.keypad_login == LoginPolicy(max_failures=3, per_day=True)
        assert rules.sessions == SessionPolicy(idle_minutes=15, absolute_hours=8)

    @pytest.mark.parametrize("code", ["beijing", "shanghai"])
    def test_a_silent_file_keeps_the_defaults(self, code: str) -> None:
        assert load_policy(code).members == MemberRules()

    def test_lookup_by_group_and_channel(self) -> None:
        rules = MemberRules(online_login=LoginPolicy(max_failures=2, lock_minutes=5))
        assert rules.password_rules(PasswordGroup.KEYPAD).charset is Charset.DIGITS
        assert rules.login_policy(PasswordChannel.WECHAT).max_failures == 2
        assert rules.login_policy(PasswordChannel.TOUCH_SCREEN) == KEYPAD_LOGIN_POLICY


class TestPartialTables:
    def test_a_partial_table_keeps_the_other_keys(self) -> None:
        rules = rules_from("[members.passwords.online]\nmin_length = 8\n")
        assert rules.online_passwords == PasswordRules(8, 18, Charset.LETTERS_AND_DIGITS, refuse_common=True)
        assert rules.online_login == ONLINE_LOGIN_POLICY

    def test_sessions_and_login_override_one_key(self) -> None:
        rules = rules_from(
            "[members.sessions]\nabsolute_hours = 2\n[members.login.keypad]\nmax_failures = 5\n"
        )
        assert rules.sessions == SessionPolicy(idle_minutes=15, absolute_hours=2)
        assert rules.keypad_login == LoginPolicy(max_failures=5, per_day=True)

    def test_the_whole_policy_carries_the_rules(self) -> None:
        base = (
            '[center]\ncode = "x"\nname = "X"\n[loans]\nmax_term_months = 360\nbalance_multiple = "15"\n'
            'capacity_ratio = "0.5"\nltv_first = "0.8"\nltv_second = "0.7"\ncap_first = "500000"\n'
            'cap_second = "400000"\nquota_unit = "1000"\n'
        )
        policy = parse_policy(base + '[members.passwords]\ninitial = "id-last-6"\n')
        assert policy.members.initial_password is InitialPasswordRule.ID_LAST_6
        assert policy.codes is None


class TestRefusals:
    @pytest.mark.parametrize(
        ("text", "field"),
        [
            ("[members.passwords.online]\nmin_lenght = 8\n", "members.passwords.online.min_lenght"),
            ("[members.login.online]\nmax_failure = 5\n", "members.login.online.max_failure"),
            ("[members.sessions]\nidle = 5\n", "members.sessions.idle"),
            ("[members.password]\ninitial = 'id-last-8'\n", "members.password"),
            ("[members.login.web]\nmax_failures = 5\n", "members.login.web"),
        ],
    )
    def test_unknown_keys_are_refused_by_full_name(self, text: str, field: str) -> None:
        error = refusal(text)
        assert error.field == field
        assert "is not a known key" in error.reason or "is not a known section" in error.reason

    @pytest.mark.parametrize(
        ("text", "field", "guess"),
        [
            (
                "[members.passwords.online]\nmin_lenght = 8\n",
                "members.passwords.online.min_lenght",
                "min_length",
            ),
            ("[members.login.online]\nmax_failure = 5\n", "members.login.online.max_failure", "max_failures"),
            ("[members.password]\ninitial = 'id-last-8'\n", "members.password", "passwords"),
            ("[members.sesions]\nidle_minutes = 5\n", "members.sesions", "sessions"),
        ],
    )
    def test_a_typo_is_refused_with_the_name_it_was_meant_to_be(
        self, text: str, field: str, guess: str
    ) -> None:
        error = refusal(text)
        assert error.field == field
        assert f"did you mean {guess!r}?" in error.reason

    @pytest.mark.parametrize(
        ("text", "field", "reason"),
        [
            (
                "[members.passwords.online]\nmin_length = '8'\n",
                "members.passwords.online.min_length",
                "integer",
            ),
            (
                "[members.passwords.online]\nmin_length = true\n",
                "members.passwords.online.min_length",
                "integer",
            ),
            (
                "[members.passwords.online]\nmin_length = 8.0\n",
                "members.passwords.online.min_length",
                "integer",
            ),
            (
                "[members.passwords.keypad]\nrefuse_common = 1\n",
                "members.passwords.keypad.refuse_common",
                "true or false",
            ),
            (
                "[members.passwords.online]\ncharset = 'letters'\n",
                "members.passwords.online.charset",
                "'digits'",
            ),
            ("[members.passwords]\ninitial = 'id-last-4'\n", "members.passwords.initial", "'id-last-8'"),
            (
                "[members.passwords.online]\nmin_length = 20\n",
                "members.passwords.online.max_length",
                "min_length",
            ),
            ("[members.login.online]\nmax_failures = 0\n", "members.login.online.max_failures", "1..100"),
            ("[members.login.online]\nmax_failures = 101\n", "members.login.online.max_failures", "1..100"),
            ("[members.login.online]\nlock_minutes = 0\n", "members.login.online.lock_minutes", "per_day"),
            ("[members.sessions]\nidle_minutes = 0\n", "members.sessions.idle_minutes", "1..1440"),
            ("[members.sessions]\nabsolute_hours = 1000\n", "members.sessions.absolute_hours", "1..720"),
            (
                "[members.sessions]\nidle_minutes = 120\nabsolute_hours = 1\n",
                "members.sessions.idle_minutes",
                "absolute",
            ),
            ("[members]\nsessions = 15\n", "members.sessions", "table"),
        ],
    )
    def test_bad_values_name_the_key(self, text: str, field: str, reason: str) -> None:
        error = refusal(text)
        assert error.field == field
        assert reason in error.reason

    def test_members_must_be_a_table(self) -> None:
        with pytest.raises(InvalidPolicy) as caught:
            parse_member_rules(["passwords"])
        assert caught.value.field == "members"


class TestRulesDriveBehaviour:
    """The parsed rules change what login, password change and sessions do."""

    def test_a_stricter_lockout_locks_after_two_failures(self) -> None:
        hasher = ScryptHasher(n=2**4)
        rules = rules_from("[members.login.online]\nmax_failures = 2\nlock_minutes = 60\n")
        creds = new_credentials("M1", "13800138000", ID, hasher)
        policy = rules.login_policy(PasswordChannel.APP)
        for _ in range(2):
            creds_after, result = login(creds, ID, "wrong-1", PasswordChannel.APP, hasher, NOW, policy)
            assert creds_after is not None
            assert not result.accepted
            creds = creds_after
        assert creds.lock_state(PasswordGroup.ONLINE).locked_until == NOW + timedelta(minutes=60)
        _, right = login(
            creds, ID, "1231002X", PasswordChannel.APP, hasher, NOW + timedelta(minutes=59), policy
        )
        assert not right.accepted
        _, later = login(
            creds, ID, "1231002X", PasswordChannel.APP, hasher, NOW + timedelta(minutes=60), policy
        )
        assert later.accepted

    def test_a_longer_minimum_refuses_a_seed_valid_password(self) -> None:
        hasher = ScryptHasher(n=2**4)
        rules = rules_from("[members.passwords.online]\nmin_length = 10\n")
        creds = new_credentials("M1", "13800138000", ID, hasher, rule=rules.initial_password)
        group = PasswordGroup.ONLINE
        with pytest.raises(Refused) as refused:
            change_password(
                creds, group, "1231002X", "gjj2024ab", "gjj2024ab", hasher, NOW, rules.password_rules(group)
            )
        assert refused.value.codes == ("password_too_short",)
        accepted = change_password(
            creds, group, "1231002X", "gjj2024abc", "gjj2024abc", hasher, NOW, rules.password_rules(group)
        )
        assert group not in accepted.must_change

    def test_the_initial_rule_from_the_file_sets_the_initial_password(self) -> None:
        hasher = ScryptHasher(n=2**4)
        rules = rules_from('[members.passwords]\ninitial = "id-last-6"\n')
        creds = new_credentials("M1", "13800138000", ID, hasher, rule=rules.initial_password)
        _, result = login(creds, ID, "310020", PasswordChannel.APP, hasher, NOW)
        assert result.accepted
        assert result.password_change_required

    def test_a_shorter_idle_timeout_ends_the_session_sooner(self) -> None:
        rules = rules_from("[members.sessions]\nidle_minutes = 5\n")
        session = open_session("M1", "q3Vb9-xZk2_TmN7wLp4HsYc", NOW)
        assert touch(session, NOW + timedelta(minutes=4), rules.sessions).last_seen_at == NOW + timedelta(
            minutes=4
        )
        with pytest.raises(Refused) as expired:
            touch(session, NOW + timedelta(minutes=6), rules.sessions)
        assert expired.value.codes == ("session_expired",)
        default = touch(session, NOW + timedelta(minutes=6))  # the default 15 idle minutes
        assert default.last_seen_at == NOW + timedelta(minutes=6)
