"""Webhook deliveries on one PostgreSQL database shared by several delivering processes:
every event reaches the receiver exactly once.

First 40 threads, each with its own connection, claim the same delivery at the same moment:
one wins. Then two `twostep webhooks deliver --once` processes send the same 60 due
deliveries to a real receiver at once: each event arrives once, and the two reports add up."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from .receiver import Receiver, running
from .support import TWOSTEP, base_env, postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(300)]
EVENTS = 60

SEED = """
import sys, uuid, django
django.setup()
from twostep.server.applications.members import application_named
from twostep.server.clock import system_clock
from twostep.server.webhooks.events import payload
from twostep.server.webhooks.models import Delivery
from twostep.server.webhooks.subscriptions import create_subscription
app = application_named("Shop", clock=system_clock)
sub, secret = create_subscription(
    application=app, url=sys.argv[1], events=["mfa.reset"], actor=None, clock=system_clock
)
now = system_clock()
rows = []
for n in range(int(sys.argv[2])):
    event = uuid.uuid4()
    body = payload(event_id=event, event_type="mfa.reset", created=now, application="Shop",
                   user={"id": n, "username": f"u{n}", "external_id": str(n)})
    rows.append(Delivery(subscription=sub, event_id=event, event_type="mfa.reset", body=body,
                         next_attempt_at=now, created_at=now))
Delivery.objects.bulk_create(rows)
print(secret)
"""

CLAIM_RACE = """
import threading, django
django.setup()
from django.db import connection
from twostep.server.clock import system_clock
from twostep.server.webhooks import delivery
from twostep.server.webhooks.models import Delivery
pk = Delivery.objects.order_by("id").values_list("pk", flat=True).first()
barrier = threading.Barrier(40)
wins = []
def claim():
    barrier.wait()
    wins.append(delivery._claim(pk, system_clock) is not None)
    connection.close()
threads = [threading.Thread(target=claim) for _ in range(40)]
for t in threads: t.start()
for t in threads: t.join()
row = Delivery.objects.get(pk=pk)
print(sum(wins), len(wins), row.attempts)
# Give it back for the processes' race below.
Delivery.objects.filter(pk=pk).update(attempts=0, next_attempt_at=system_clock())
"""


def _python(env: dict[str, str], code: str, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**env, "DJANGO_SETTINGS_MODULE": "twostep.server.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_racing_workers_on_postgres_deliver_each_event_once(tmp_path: Path) -> None:
    with postgres_database("webhooks_race") as url:
        env = base_env(tmp_path, TWOSTEP_DATABASE_URL=url)
        migrate = subprocess.run(
            [str(TWOSTEP), "migrate"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr
        for receiver in running(Receiver(delay=0.01)):
            _python(env, SEED, receiver.url, str(EVENTS))
            assert _python(env, CLAIM_RACE).split() == ["1", "40", "1"]

            command = [str(TWOSTEP), "webhooks", "deliver", "--once", "--json"]
            workers = [
                subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)
            ]
            reports = []
            for worker in workers:
                out, err = worker.communicate(timeout=120)
                assert worker.returncode == 0, err.decode()
                reports.append(json.loads(out))
            got = receiver.wait_for(EVENTS)
            ids = Counter(r.headers["Twostep-Event-Id"] for r in got)
            assert len(ids) == EVENTS
            assert max(ids.values()) == 1, ids.most_common(3)
            assert len(got) == EVENTS
            assert sum(r["delivered"] for r in reports) == EVENTS
            assert all(r["retrying"] == r["failed"] == 0 for r in reports)
