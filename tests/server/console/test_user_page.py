"""JumpCloud's user details through the console: "Require two-step verification on sign-in"
with an enrolment period (0-365, default 7), Save user; past the period the user is locked out
of sign-in until an administrator extends it, resets 2FA or lifts the requirement. Also the
profile, role, groups, unlock after wrong codes, signing out, the audit trail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from server import actions as mfa
from twostep.server.accounts.directory import create_group
from twostep.server.accounts.models import Role
from twostep.server.attempts.throttle import CODE_LOCKOUT_FAILURES
from twostep.server.clock import FakeClock
from twostep.server.errors import CodeRejectedError, LockedOutError
from twostep.server.policy.services import Rule, Status, get_requirement, set_org_policy

from ..helpers import Member, enrol, make_user, post_form, sign_in
from .util import decision, events, follow, post, signed_in, text

pytestmark = pytest.mark.django_db


def user_form(member: Member, **changes: Any) -> dict[str, Any]:
    """The "Save user" form as the page fills it, with ``changes``."""
    user = member.user
    user.refresh_from_db()
    req = get_requirement(user)
    data: dict[str, Any] = {
        "display_name": user.display_name,
        "email": user.email or "",
        "role": user.role_id,
        "groups": list(user.groups.values_list("pk", flat=True)),
        "enrolment_days": str(req.enrolment_days if req.required else 7),
    }
    if user.is_active:
        data["is_active"] = "on"
    if req.required:
        data["require_mfa"] = "on"
    if req.admin_required:
        data["admin_required"] = "on"
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def save_user(client: Client, member: Member, **changes: Any) -> Any:
    path = f"/console/users/{member.user.pk}/"
    return post(client, path, user_form(member, **changes), page=path)


def refused(member: Member) -> str:
    client = Client()
    response = sign_in(client, member)
    assert response.status_code == 403, response.status_code
    return text(response)


def test_the_page_offers_the_jumpcloud_checkbox_with_7_days_by_default(
    console: Client, maria: Member
) -> None:
    response = console.get(f"/console/users/{maria.user.pk}/")
    page = response.content.decode()
    assert "Require two-step verification on sign-in" in page
    assert "User security &amp; permissions" in page
    assert '<option value="7" selected>7 days (default)</option>' in page
    assert '<option value="0">0 days: at the next sign-in</option>' in page
    # The common choices, and a number field for the rest (up to 365): not a 366-item list.
    picker = re.search(r'<select name="enrolment_days".*?</select>', page, re.S)
    assert picker
    assert re.findall(r'<option value="(\w+)"', picker.group(0)) == [
        *("0", "1", "3", "7", "14", "30", "90"),
        "other",
    ]
    assert '<label for="id_enrolment_days_other">Number of days (0 to 365)</label>' in page
    assert 'name="enrolment_days_other" id="id_enrolment_days_other" min="0" max="365"' in page
    assert "Save user" in page


def test_the_period_picker_takes_a_common_choice_or_any_number(
    console: Client, maria: Member, clock: FakeClock
) -> None:
    save_user(console, maria, require_mfa="on", enrolment_days="14")
    assert get_requirement(maria.user).enrolment_days == 14
    save_user(console, maria, require_mfa="on", enrolment_days="other", enrolment_days_other="45")
    assert get_requirement(maria.user).enrolment_days == 45
    page = console.get(f"/console/users/{maria.user.pk}/").content.decode()
    assert '<option value="other" selected>Another number of days</option>' in page
    assert 'id="id_enrolment_days_other" min="0" max="365" step="1"' in page
    assert 'size="5" value="45"' in page
    for other, words in (
        ("", "Type the number of days, or choose one from the list."),
        ("366", "Give a number of days from 0 to 365."),
        ("ten", "Give a number of days from 0 to 365."),
    ):
        response = save_user(
            console, maria, require_mfa="on", enrolment_days="other", enrolment_days_other=other
        )
        assert response.status_code == 400
        assert words in text(response)
    assert get_requirement(maria.user).enrolment_days == 45


def test_require_with_2_days_then_locked_then_extend(
    console: Client, owner: Member, maria: Member, clock: FakeClock, mails: list[Any]
) -> None:
    response = save_user(console, maria, require_mfa="on", enrolment_days="2")
    page = text(follow(console, response))
    assert "Saved maria: two-step verification required (2 days to set it up)." in page
    d = decision(maria, clock)
    assert (d.status, d.rules, d.days_left) == (Status.SETUP_BY_DEADLINE, (Rule.USER,), 2)
    assert mails[-1].to == ["maria@example.com"]
    assert "by 25 November 2026" in mails[-1].subject
    assert f"Set it up by {d.deadline:%-d %B %Y, %H:%M} UTC (2 days from now)" in mails[-1].body
    # The user may postpone until the deadline.
    client = Client()
    assert "Remind me later (2 days left)" in text(follow(client, sign_in(client, maria)))

    clock.advance(days=3)
    assert decision(maria, clock).locked
    assert "Ask an administrator to extend the period" in refused(maria)
    console = signed_in(owner, clock)  # days later: the admin signs in again
    listed = text(console.get("/console/users/?status=locked"))
    assert "maria" in listed
    assert "Locked: not set up in time" in listed
    # The admin's sign-in code is 11 minutes old: extending needs a fresh one.
    clock.advance(minutes=11)
    path = f"/console/users/{maria.user.pk}/extend/"
    page = text(follow(console, post(console, path, {"days": "7"})))
    assert "Enter a code from your authenticator app" in page
    assert decision(maria, clock).locked
    response = post(console, path, {"days": "7", "confirm_code": owner.code(clock)})
    page = text(follow(console, response))
    assert "maria can sign in and set up two-step verification: By 3 Dec 2026, 12:1" in page
    assert decision(maria, clock).status == Status.SETUP_BY_DEADLINE
    assert "(7 days from now)" in mails[-1].body
    # The user signs in and sets it up.
    client = Client()
    assert sign_in(client, maria)["Location"] == "/two-step/setup/"
    enrol(maria, clock)
    assert decision(maria, clock).status == Status.ENROLLED


def test_locked_user_out_by_reset(
    console: Client, owner: Member, maria: Member, clock: FakeClock, mails: list[Any]
) -> None:
    save_user(console, maria, require_mfa="on", enrolment_days="1")
    clock.advance(days=2)
    assert decision(maria, clock).locked
    console = signed_in(owner, clock)
    response = post(console, f"/console/users/{maria.user.pk}/reset/")
    assert mails[-1].subject == "Two-step verification was reset for your twostep account"
    assert response.status_code == 302
    d = decision(maria, clock)
    assert (d.locked, d.days_left) == (False, 1)  # the enrolment period starts again
    assert sign_in(Client(), maria)["Location"] == "/two-step/setup/"


def test_locked_user_out_by_lifting_the_requirement(
    console: Client, owner: Member, maria: Member, clock: FakeClock
) -> None:
    save_user(console, maria, require_mfa="on", enrolment_days="1")
    clock.advance(days=2)
    console = signed_in(owner, clock)
    response = post(console, f"/console/users/{maria.user.pk}/lift/")
    assert "Two-step verification is no longer required for maria." in text(
        follow(console, response)
    )
    assert decision(maria, clock).status == Status.NOT_REQUIRED
    assert sign_in(Client(), maria)["Location"] == "/account/"


def test_lifting_also_by_unchecking_the_box(
    console: Client, maria: Member, clock: FakeClock
) -> None:
    save_user(console, maria, require_mfa="on", enrolment_days="5")
    response = save_user(console, maria, require_mfa=None)
    assert "requirement lifted" in text(follow(console, response))
    assert not decision(maria, clock).required
    assert [e.subject.username for e in events("policy.user_requirement_lifted")] == ["maria"]


def test_lifting_says_when_another_rule_still_requires(
    console: Client, maria: Member, clock: FakeClock
) -> None:
    set_org_policy(mode="all", actor=None, clock=clock)
    save_user(console, maria, require_mfa="on", enrolment_days="5")
    response = post(console, f"/console/users/{maria.user.pk}/lift/")
    page = text(follow(console, response))
    assert "but two-step verification is still required: The organisation requires" in page
    assert decision(maria, clock).rules == (Rule.ORGANISATION,)


def test_resaving_does_not_restart_the_period(
    console: Client, owner: Member, maria: Member, clock: FakeClock
) -> None:
    save_user(console, maria, require_mfa="on", enrolment_days="2")
    clock.advance(days=1)
    console = signed_in(owner, clock)
    response = save_user(console, maria, display_name="Maria Q")
    assert "Saved maria: name." in text(follow(console, response))
    assert decision(maria, clock).days_left == 1
    # A different period starts it again, from now.
    save_user(console, maria, enrolment_days="10")
    assert decision(maria, clock).days_left == 10


def test_zero_days_means_at_the_next_sign_in_and_no_lock(
    console: Client, maria: Member, clock: FakeClock
) -> None:
    save_user(console, maria, require_mfa="on", enrolment_days="0")
    clock.advance(days=30)
    d = decision(maria, clock)
    assert (d.status, d.locked) == (Status.SETUP_NOW, False)
    client = Client()
    setup = follow(client, sign_in(client, maria))
    assert "Remind me later" not in text(setup)


def test_the_page_explains_why_it_is_required(
    console: Client, maria: Member, clock: FakeClock
) -> None:
    group = create_group("Engineering", actor=None, clock=clock)
    maria.user.groups.add(group, create_group("Sales", actor=None, clock=clock))
    set_org_policy(mode="groups", groups=[group], grace_days=3, actor=None, clock=clock)
    save_user(console, maria, require_mfa="on", enrolment_days="2")
    page = text(console.get(f"/console/users/{maria.user.pk}/"))
    # The group is named (not "a group the user is in"); one the rule does not cover is not.
    assert "The organisation requires it for the group Engineering, which the user is in." in page
    assert not any("Sales" in r for r in decision(maria, clock).reasons)
    assert (
        "An administrator requires two-step verification for this user (enrolment period 2 days)."
        in page
    )
    user_rule, org_rule = (
        r.deadline
        for r in sorted(decision(maria, clock).requirements, key=lambda r: r.rule != Rule.USER)
    )
    assert f"Deadline {user_rule:%-d %b %Y, %H:%M} UTC; locks sign-in after it." in page
    assert f"Deadline {org_rule:%-d %b %Y, %H:%M} UTC." in page
    assert f"By {user_rule:%-d %b %Y, %H:%M} UTC (2 days left)" in page  # the earliest deadline


def test_unlock_after_too_many_wrong_codes(
    console: Client, owner: Member, clock: FakeClock, mails: list[Any]
) -> None:
    bob = enrol(make_user(clock, "bob"), clock)
    for _ in range(CODE_LOCKOUT_FAILURES):
        clock.advance(minutes=6)  # past each growing delay
        with pytest.raises(CodeRejectedError):
            mfa.verify_code(
                bob.user, "000000" if bob.code(clock) != "000000" else "111111", clock=clock
            )
    with pytest.raises(LockedOutError):
        mfa.verify_code(bob.user, bob.code(clock), clock=clock)
    assert sign_in(Client(), bob)["Location"] == "/signin/recovery/"  # a recovery code only
    console = signed_in(owner, clock)
    page = text(console.get(f"/console/users/{bob.user.pk}/"))
    assert "Locked: wrong codes" in page
    assert "Locked after 20 wrong codes." in page
    response = post(console, f"/console/users/{bob.user.pk}/unlock/")
    assert "bob is unlocked and can enter codes again." in text(follow(console, response))
    client = Client()
    assert sign_in(client, bob)["Location"] == "/signin/code/"
    clock.advance(seconds=30)
    assert post_form(client, "/signin/code/", {"code": bob.code(clock)}).status_code == 302
    assert events("mfa.unlocked")[-1].actor.username == "olivia"


def test_sign_out_everywhere(console: Client, maria: Member, clock: FakeClock) -> None:
    client = signed_in(maria, clock)
    assert client.get("/account/").status_code == 200
    response = post(console, f"/console/users/{maria.user.pk}/sign-out/")
    assert "Every session of maria is signed out." in text(follow(console, response))
    assert client.get("/account/").status_code == 302
    assert console.get("/console/").status_code == 200


def test_profile_role_groups_and_the_audit_trail(
    console: Client, maria: Member, clock: FakeClock
) -> None:
    group = create_group("Support", actor=None, clock=clock)
    admin_role = Role.objects.get(key="admin")
    response = save_user(
        console,
        maria,
        display_name="Maria Quinn",
        email="MQ@Example.COM",
        role=str(admin_role.pk),
        groups=[group.pk],
    )
    page = text(follow(console, response))
    assert "Saved maria: name, email, role Admin, groups." in page
    maria.user.refresh_from_db()
    assert (maria.user.display_name, maria.user.email, maria.user.role.key) == (
        "Maria Quinn",
        "MQ@example.com",
        "admin",
    )
    assert not maria.user.email_verified
    assert list(maria.user.groups.all()) == [group]
    for name in ("console.profile_changed", "console.role_changed", "console.groups_changed"):
        assert name in page  # the audit trail on the same page
    assert events("console.role_changed")[0].details == {"before": "member", "after": "admin"}


def test_email_must_stay_unique(console: Client, maria: Member, clock: FakeClock) -> None:
    make_user(clock, "bob")
    response = save_user(console, maria, email="Bob@example.com")
    assert response.status_code == 400
    assert "Another account has that email address." in text(response)


def test_a_failed_save_changes_nothing(
    admin_console: Client, owner: Member, clock: FakeClock
) -> None:
    # An admin edits the owner: the name would be fine, the role change is refused: all or nothing.
    response = save_user(
        admin_console, owner, display_name="Renamed", role=str(Role.objects.get(key="member").pk)
    )
    assert response.status_code == 400
    assert "Only an owner can change the role of an owner's account." in text(response)
    owner.user.refresh_from_db()
    assert (owner.user.display_name, owner.user.role.key) == ("Olivia", "owner")
    assert not events("console.profile_changed")
