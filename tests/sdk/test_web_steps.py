"""twostep.sdk.web, the steps the Flask extension and the Django app share: where a user may
be sent next (never another site), when a second factor in the session counts, and how long
the session keeps twostep's "not required" (TWOSTEP_REQUIRE = "policy")."""

from __future__ import annotations

import pytest

from twostep.sdk import Client, TransportError
from twostep.sdk.web import (
    POLICY_RECHECK,
    REQUIRE_MODES,
    AppUser,
    key_groups,
    local_target,
    passed,
    passed_state,
    policy_admits,
    require_mode,
)

ALICE = AppUser("1", email="alice@example.com")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/ok\r\nLocation: https://evil.example/",
        "/tab\there",
        "",
        None,
    ],
)
def test_next_is_never_another_site(target: str | None) -> None:
    assert local_target(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/", "/account?tab=keys", "/a/b#c", "/%2F%2Fstill-a-path"])
def test_a_path_on_this_site_is_kept(target: str) -> None:
    assert local_target(target, "/home") == target


def test_a_second_factor_counts_for_its_user_and_while_fresh() -> None:
    state = passed_state(ALICE, now=1000.0)
    assert passed(state, ALICE, now=1000.0, max_age=60)
    assert passed(state, ALICE, now=1060.0, max_age=60)
    assert not passed(state, ALICE, now=1061.0, max_age=60)
    assert passed(state, ALICE, now=10**9, max_age=None)
    # Another user signed in on the same session: not theirs.
    assert not passed(state, AppUser("2"), now=1000.0, max_age=None)
    # Nothing, something else, or a time in the future: not passed.
    assert not passed(None, ALICE, now=1000.0, max_age=None)
    assert not passed({"user": "1", "at": "1000"}, ALICE, now=1000.0, max_age=None)
    assert not passed({"user": "1", "at": 2000}, ALICE, now=1000.0, max_age=None)


def test_the_key_is_shown_in_groups_of_four() -> None:
    assert key_groups("JBSWY3DPEHPK3PXPJBSW") == "JBSW Y3DP EHPK 3PXP JBSW"


def test_policy_s_not_required_is_kept_a_while_then_asked_again() -> None:
    # twostep unreachable: an answer from the session needs no call, a stale one does.
    with Client("http://127.0.0.1:9/", "tsk_" + "x" * 40, deadline=2) as down:
        record = passed_state(ALICE, now=1000.0)
        assert policy_admits(down, ALICE, record, now=1000.0 + POLICY_RECHECK) is record
        for stale in (
            record,  # too old now
            passed_state(AppUser("2"), now=1000.0),  # another user's
            "not a record",
        ):
            with pytest.raises(TransportError):
                policy_admits(down, ALICE, stale, now=1001.0 + POLICY_RECHECK)


def test_the_require_setting_is_checked() -> None:
    assert require_mode(None) == "always"
    assert [require_mode(v) for v in REQUIRE_MODES] == ["always", "policy"]
    with pytest.raises(ValueError, match="one of always, policy: 'Policy'"):
        require_mode("Policy")
