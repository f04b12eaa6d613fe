"""Who must use two-step verification: each rule, their combinations, deadlines passing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from twostep.server.accounts.models import Group, Role
from twostep.server.clock import FakeClock
from twostep.server.errors import InvalidUserDataError
from twostep.server.policy.models import OrgPolicy
from twostep.server.policy.services import (
    Rule,
    Status,
    decide,
    decide_many,
    extend_enrolment,
    lift_requirement,
    require_user,
    set_admin_requirement,
    set_org_policy,
)

from .helpers import Member, enrol, make_user

pytestmark = pytest.mark.django_db


def test_a_member_is_not_required_by_default(member: Member, clock: FakeClock) -> None:
    decision = decide(member.user, clock=clock)
    assert not decision.required
    assert decision.status == Status.NOT_REQUIRED
    assert decision.rules == ()


def test_administrators_are_required_by_default(clock: FakeClock, db: None) -> None:
    admin = make_user(clock, "root", role="admin").user
    decision = decide(admin, clock=clock)
    assert decision.rules == (Rule.ADMINISTRATOR,)
    assert decision.status == Status.SETUP_NOW
    assert not decision.can_postpone
    assert not decision.locked


def test_admin_switch_off_and_per_admin_checkbox(clock: FakeClock, db: None) -> None:
    admin = make_user(clock, "root", role="admin").user
    set_org_policy(mode="off", require_all_admins=False, actor=None, clock=clock)
    assert not decide(admin, clock=clock).required
    set_admin_requirement(admin, True, actor=None, clock=clock)
    assert decide(admin, clock=clock).rules == (Rule.ADMINISTRATOR,)
    # The per-admin checkbox means nothing for a member.
    member = make_user(clock, "m").user
    set_admin_requirement(member, True, actor=None, clock=clock)
    assert not decide(member, clock=clock).required


def test_org_rule_for_all_with_grace_days(member: Member, clock: FakeClock) -> None:
    set_org_policy(mode="all", grace_days=3, actor=None, clock=clock)
    decision = decide(member.user, clock=clock)
    assert decision.rules == (Rule.ORGANISATION,)
    assert decision.status == Status.SETUP_BY_DEADLINE
    assert decision.days_left == 3
    assert decision.deadline == clock() + timedelta(days=3)
    clock.advance(days=2, hours=1)
    assert decide(member.user, clock=clock).days_left == 1
    clock.advance(days=1)
    # Past the grace period the organisation rule makes setup due now; it does not lock.
    late = decide(member.user, clock=clock)
    assert late.status == Status.SETUP_NOW
    assert not late.locked


def test_org_rule_with_no_grace_means_next_sign_in(member: Member, clock: FakeClock) -> None:
    set_org_policy(mode="all", grace_days=0, actor=None, clock=clock)
    assert decide(member.user, clock=clock).status == Status.SETUP_NOW


def test_org_rule_for_roles(clock: FakeClock, db: None) -> None:
    custom = Role.objects.create(key="support", name="Support")
    supporter = make_user(clock, "sam", role="support").user
    member = make_user(clock, "mia").user
    set_org_policy(mode="roles", roles=[custom], actor=None, clock=clock)
    assert decide(supporter, clock=clock).rules == (Rule.ORGANISATION,)
    assert not decide(member, clock=clock).required
    with pytest.raises(InvalidUserDataError):
        set_org_policy(mode="roles", roles=[], actor=None, clock=clock)


def test_org_rule_for_groups(clock: FakeClock, db: None) -> None:
    sales = Group.objects.create(name="Sales")
    seller = make_user(clock, "sid").user
    seller.groups.add(sales)
    other = make_user(clock, "otto").user
    set_org_policy(mode="groups", groups=[sales], actor=None, clock=clock)
    decisions = decide_many([seller, other], clock=clock)
    assert decisions[seller.pk].rules == (Rule.ORGANISATION,)
    assert not decisions[other.pk].required
    assert decide(seller, clock=clock) == decisions[seller.pk]


def test_grace_starts_when_the_user_joins_later(clock: FakeClock, db: None) -> None:
    set_org_policy(mode="all", grace_days=5, actor=None, clock=clock)
    clock.advance(days=4)
    newcomer = make_user(clock, "nora").user
    assert decide(newcomer, clock=clock).days_left == 5


def test_per_user_requirement_locks_when_the_period_runs_out(
    member: Member, clock: FakeClock
) -> None:
    require_user(member.user, days=2, actor=None, clock=clock)
    decision = decide(member.user, clock=clock)
    assert decision.rules == (Rule.USER,)
    assert decision.can_postpone
    assert decision.days_left == 2
    clock.advance(days=3)
    late = decide(member.user, clock=clock)
    assert late.locked
    assert late.status == Status.LOCKED
    assert not late.can_postpone


def test_each_way_out_of_the_lock(clock: FakeClock, db: None) -> None:
    users = [make_user(clock, name) for name in ("extend", "lift", "setup", "reset")]
    for m in users:
        require_user(m.user, days=1, actor=None, clock=clock)
    clock.advance(days=2)
    assert all(decide(m.user, clock=clock).locked for m in users)
    extend_enrolment(users[0].user, days=7, actor=None, clock=clock)
    assert decide(users[0].user, clock=clock).days_left == 7
    lift_requirement(users[1].user, actor=None, clock=clock)
    assert not decide(users[1].user, clock=clock).required
    # An admin reset restarts the enrolment period (usecases.enrolment.reset calls the policy).
    from twostep.server.usecases.enrolment import reset

    reset(users[3].user, actor=None, clock=clock)
    assert decide(users[3].user, clock=clock).days_left == 1
    # Enrolled users are never locked by the policy: they are asked for their code.
    enrol(users[2], clock)
    assert decide(users[2].user, clock=clock).status == Status.ENROLLED


def test_zero_day_period_means_set_up_at_next_sign_in(member: Member, clock: FakeClock) -> None:
    require_user(member.user, days=0, actor=None, clock=clock)
    clock.advance(days=30)
    decision = decide(member.user, clock=clock)
    assert decision.status == Status.SETUP_NOW
    assert not decision.locked


def test_rules_combine_earliest_deadline_and_strictest_state(clock: FakeClock, db: None) -> None:
    admin = make_user(clock, "ada", role="admin").user
    set_org_policy(mode="all", grace_days=10, require_all_admins=False, actor=None, clock=clock)
    require_user(admin, days=4, actor=None, clock=clock)
    decision = decide(admin, clock=clock)
    assert decision.rules == (Rule.ORGANISATION, Rule.USER)
    assert decision.days_left == 4
    assert decision.can_postpone
    set_admin_requirement(admin, True, actor=None, clock=clock)
    decision = decide(admin, clock=clock)
    assert decision.rules == (Rule.ORGANISATION, Rule.USER, Rule.ADMINISTRATOR)
    assert decision.status == Status.SETUP_NOW  # the admin rule allows no postponing
    clock.advance(days=5)
    assert decide(admin, clock=clock).status == Status.LOCKED


def test_enrolment_days_are_bounded(member: Member, clock: FakeClock) -> None:
    for days in (-1, 366):
        with pytest.raises(InvalidUserDataError):
            require_user(member.user, days=days, actor=None, clock=clock)
    require_user(member.user, days=365, actor=None, clock=clock)
    assert decide(member.user, clock=clock).days_left == 365


def test_rescoping_the_org_rule_restarts_its_grace(member: Member, clock: FakeClock) -> None:
    group = Group.objects.create(name="Ops")
    member.user.groups.add(group)
    set_org_policy(mode="all", grace_days=3, actor=None, clock=clock)
    clock.advance(days=2)
    set_org_policy(mode="all", grace_days=3, actor=None, clock=clock)  # unchanged scope
    assert decide(member.user, clock=clock).days_left == 1
    set_org_policy(mode="groups", groups=[group], grace_days=3, actor=None, clock=clock)
    assert decide(member.user, clock=clock).days_left == 3
    assert OrgPolicy.objects.get().applies_since == clock()


def test_extending_the_period_is_audited_apart_from_requiring(
    member: Member, clock: FakeClock
) -> None:
    from twostep.server.audit.models import Event

    require_user(member.user, days=2, actor=None, clock=clock)
    extend_enrolment(member.user, days=5, actor=None, clock=clock)
    events = list(
        Event.objects.filter(subject=member.user, event__startswith="policy.").order_by("pk")
    )
    assert [(e.event, e.details) for e in events] == [
        ("policy.user_required", {"days": 2}),
        ("policy.enrolment_extended", {"days": 5}),
    ]
