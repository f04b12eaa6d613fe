"""The audit log page (filter by user, event and time; CSV export) and the dashboard numbers."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.test import Client

from twostep.server.audit.services import record
from twostep.server.clock import FakeClock
from twostep.server.console.views.audit import known_events
from twostep.server.policy.services import require_user, set_org_policy

from ..helpers import Member, enrol, make_user
from .util import events, signed_in, text

pytestmark = pytest.mark.django_db


def rows(client: Client, query: str = "") -> list[dict[str, str]]:
    response = client.get("/console/audit/export.csv" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="twostep-audit-')
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def shown(client: Client, query: str) -> list[str]:
    """The event names in the table of the audit page."""
    body = client.get("/console/audit/" + query).content.decode()
    return re.findall(r"<td><code>([\w.]+)</code></td>", body)


def test_filter_by_user_event_and_time(owner: Member, maria: Member, clock: FakeClock) -> None:
    start = clock()
    clock.advance(days=2)
    require_user(maria.user, days=3, actor=None, clock=clock)
    console = signed_in(owner, clock)
    page = shown(console, "?user=maria")
    assert "policy.user_required" in page
    assert "account.created" in page
    assert "mfa.enabled" not in page  # olivia's
    assert shown(console, "?event=policy.user_required") == ["policy.user_required"]
    assert "1 event;" in text(console.get("/console/audit/?event=policy.user_required"))
    day = (start + timedelta(days=2)).date().isoformat()
    only_later = shown(console, f"?user=maria&since={day}")
    assert "policy.user_required" in only_later
    assert "account.created" not in only_later
    only_earlier = shown(console, f"?user=maria&until={start.date().isoformat()}")
    assert "account.created" in only_earlier
    assert "policy.user_required" not in only_earlier
    assert "policy.user_required" in known_events()
    assert "console.invited" in known_events()


def test_export_has_every_matching_event_and_is_audited(console: Client, clock: FakeClock) -> None:
    for i in range(130):  # more than a page
        record("signin.password_failed", clock=clock, known_user=False, n=i)
    exported = rows(console, "?event=signin.password_failed")
    assert len(exported) == 130
    assert exported[0]["event"] == "signin.password_failed"
    assert exported[0]["details"] == '{"known_user": false, "n": 129}'  # newest first
    export = events("console.audit_exported")[-1]
    assert (export.actor.username, export.details) == (
        "olivia",
        {"filters": {"event": "signin.password_failed"}},
    )


def test_export_cells_cannot_become_spreadsheet_formulas(console: Client, clock: FakeClock) -> None:
    record("console.profile_changed", clock=clock, actor=None, fields=["=HYPERLINK(1)"])
    found = next(r for r in rows(console) if r["event"] == "console.profile_changed")
    assert found["details"].startswith('{"fields"')
    record("=SUM(A1)", clock=clock)
    assert [r["event"] for r in rows(console) if "SUM" in r["event"]] == ["'=SUM(A1)"]


def test_dashboard_counts(owner: Member, clock: FakeClock) -> None:
    enrol(make_user(clock, "erin"), clock)
    late = make_user(clock, "lena")
    require_user(late.user, days=1, actor=None, clock=clock)
    clock.advance(days=2)
    soon = make_user(clock, "paul")
    require_user(soon.user, days=3, actor=None, clock=clock)
    make_user(clock, "otto")
    set_org_policy(mode="off", require_all_admins=True, actor=None, clock=clock)
    page = text(signed_in(owner, clock).get("/console/"))
    assert "3 required of 5 users" in page  # olivia (admin rule), lena, paul
    assert "2 set up 1 of the 3 required" in page  # erin, olivia
    assert "1 pending" in page
    assert "1 locked 1 not set up in time, 0 after wrong codes" in page
    assert "paul" in page
    assert "(3 days left)" in page
    assert "lena Locked: not set up in time" in page


def test_dashboard_names_the_users_due_at_their_next_sign_in(
    owner: Member, clock: FakeClock
) -> None:
    due = [make_user(clock, name) for name in ("nick", "nora")]
    for member in due:
        require_user(member.user, days=0, actor=None, clock=clock)
    html = signed_in(owner, clock).get("/console/").content.decode()
    links = ", ".join(f'<a href="/console/users/{m.user.pk}/">{m.user.username}</a>' for m in due)
    assert f"2 users must set it up at their next sign-in:\n  {links}." in html
