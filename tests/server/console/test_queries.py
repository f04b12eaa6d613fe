"""The users page filters and the dashboard counts in SQL select exactly the users whose policy
decision (``decide_many``, the one place that decides) has that status: checked on a mixed
population, for every kind of organisation setting, at several moments."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from server import actions as mfa
from twostep.server.accounts.directory import create_group, create_role
from twostep.server.accounts.models import Group, Role, User
from twostep.server.attempts.models import Throttle
from twostep.server.attempts.throttle import CODE_LOCKOUT_FAILURES
from twostep.server.clock import FakeClock
from twostep.server.policy.queries import STATUSES, counts, filter_users
from twostep.server.policy.services import (
    Decision,
    Status,
    decide_many,
    require_user,
    set_admin_requirement,
    set_org_policy,
)

from ..helpers import Member, enrol

pytestmark = pytest.mark.django_db


def expected(status: str, d: Decision) -> bool:
    return {
        "enrolled": d.enrolled,
        "locked": d.locked or d.locked_out,
        "pending": d.required and not d.enrolled and not d.locked,
        "off": not d.required and not d.enrolled,
        "required": d.required,
    }[status]


def population(clock: FakeClock) -> tuple[list[Group], list[Role]]:
    rng = random.Random(20261123)
    groups = [create_group(name, actor=None, clock=clock) for name in ("Alpha", "Beta", "Gamma")]
    custom = create_role("Auditor", is_admin=True, actor=None, clock=clock)
    roles = [*Role.objects.filter(key__in=["member", "admin", "owner"]), custom]
    for i in range(48):
        clock.advance(hours=rng.choice([1, 7, 20]))
        role = roles[0] if i % 3 else rng.choice(roles)
        user = User.objects.create(
            username=f"u{i:02d}",
            email=f"u{i:02d}@example.com",
            role=role,
            date_joined=clock(),
            password="!",
        )
        user.groups.set(rng.sample(groups, rng.choice([0, 0, 1, 2])))
        roll = rng.random()
        if roll < 0.45:
            require_user(user, days=rng.choice([0, 1, 2, 7, 7, 30]), actor=None, clock=clock)
        if role.is_admin and rng.random() < 0.5:
            set_admin_requirement(user, True, actor=None, clock=clock)
        if rng.random() < 0.2:
            enrol(Member(user), clock)
        if rng.random() < 0.1:
            mfa.reset(user, actor=None, clock=clock)  # restarts the enrolment period
        if rng.random() < 0.1:
            Throttle.objects.create(
                scope=Throttle.CODE,
                key=str(user.pk),
                user=user,
                failures=CODE_LOCKOUT_FAILURES if rng.random() < 0.5 else 3,
                next_attempt_at=clock(),
                locked_at=clock() if rng.random() < 0.5 else None,
            )
    return groups, roles


def check_all(clock: FakeClock) -> None:
    now = clock()
    users = list(User.objects.all())
    decisions = decide_many(users, clock=clock)
    seen = set()
    for status in STATUSES:
        want = {u.username for u in users if expected(status, decisions[u.pk])}
        got = set(filter_users(status=status, now=now).values_list("username", flat=True))
        assert got == want, (status, sorted(got ^ want))
        seen.add(frozenset(want))
    n = counts(now=now)
    assert n.users == len(users)
    assert n.required == sum(d.required for d in decisions.values())
    assert n.enrolled == sum(d.enrolled for d in decisions.values())
    assert n.required_enrolled == sum(d.required and d.enrolled for d in decisions.values())
    assert n.locked_deadline == sum(d.locked for d in decisions.values())
    assert n.locked_codes == sum(d.locked_out for d in decisions.values())
    assert n.pending == sum(
        d.status in (Status.SETUP_NOW, Status.SETUP_BY_DEADLINE) for d in decisions.values()
    )


def test_filters_match_the_policy_decisions(clock: FakeClock, db: None) -> None:
    groups, roles = population(clock)
    settings = [
        {"mode": "off"},
        {"mode": "all", "grace_days": 3},
        {"mode": "roles", "roles": [roles[0], roles[3]]},
        {"mode": "groups", "groups": groups[:2], "grace_days": 1},
        {"mode": "groups", "groups": [groups[2]], "require_all_admins": False},
        {"mode": "all", "require_all_admins": False},
    ]
    statuses_seen: set[Status] = set()
    for setting in settings:
        set_org_policy(actor=None, clock=clock, **setting)
        for step in (timedelta(0), timedelta(hours=30), timedelta(days=3), timedelta(days=40)):
            moment = FakeClock(clock() + step)
            check_all(moment)
            users = list(User.objects.all())
            statuses_seen |= {d.status for d in decide_many(users, clock=moment).values()}
    assert statuses_seen == set(Status)  # the population covers every status
    assert any(d.locked_out for d in decide_many(list(User.objects.all()), clock=clock).values())


def test_search_role_and_group_filters_combine(clock: FakeClock, db: None) -> None:
    groups, roles = population(clock)
    qs = filter_users(search="u1", role=roles[0], group=groups[0], now=clock())
    want = {
        u.username
        for u in User.objects.filter(role=roles[0], groups=groups[0])
        if "u1" in u.username
    }
    assert set(qs.values_list("username", flat=True)) == want
    assert want


def test_locked_from_the_exact_deadline(clock: FakeClock, db: None) -> None:
    user = User.objects.create(
        username="edge", email="edge@example.com", role=Role.objects.get(key="member"), password="!"
    )
    require_user(user, days=2, actor=None, clock=clock)
    deadline = clock() + timedelta(days=2)
    for moment, locked in ((deadline - timedelta(seconds=1), False), (deadline, True)):
        assert decide_many([user], clock=FakeClock(moment))[user.pk].locked is locked
        found = filter_users(status="locked", now=moment).filter(pk=user.pk).exists()
        assert found is locked
        assert filter_users(status="pending", now=moment).filter(pk=user.pk).exists() is not locked
