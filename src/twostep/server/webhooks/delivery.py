"""Sending the deliveries that are due: claimed one at a time, signed, POSTed, recorded.

Safe with several processes on one database (``twostep serve`` workers, ``twostep webhooks
deliver``): a delivery is claimed by one conditional UPDATE (``WHERE status = 'pending' AND
next_attempt_at <= now``, which moves ``next_attempt_at`` a lease ahead): on PostgreSQL a
second claimer waits for the first's row lock, then sees the moved time and gets 0 rows; on
SQLite writes are serialised. Only the claimer sends it. A worker that dies mid-attempt leaves
the delivery to be claimed again after the lease (``LEASE``): delivery is at least once, and
the event id lets the receiver drop a repeat.

Each attempt: ``POST`` the stored body with ``Twostep-Signature``, ``Twostep-Event``,
``Twostep-Event-Id``, ``Twostep-Delivery`` (attempts of one delivery share it); timeouts of 5 s to
connect and ``ATTEMPT_TIMEOUT`` s for each read, and the answer's body is read no longer than
that; redirects are not followed (a 3xx is a failure); any 2xx is
success. The host is resolved first and the request connects to the address checked
(:mod:`.addresses`: public addresses only, unless ``TWOSTEP_WEBHOOKS_ALLOW_PRIVATE=1``); a
refused address is a failed attempt whose log says why (``refused: ...``). A failure is tried
again after ``retry_delay(attempts)`` (1 min, 4 min, 16 min,
~1 h, ~4 h, then 6 h; each ±20 % at random), at most ``MAX_ATTEMPTS`` attempts, then the
delivery is ``failed``. The log keeps the status code and the first 300 characters of the
answer, with the secret and the signature cut out should the receiver echo them.

- ``deliver_due(*, clock, limit=100) -> DeliveryReport``;
- ``retry_delay(attempts, *, rand=random.random) -> timedelta``;
- ``prune(*, clock) -> int`` forgets the deliveries done (delivered or given up) more than
  ``KEEP`` ago (the workers run it every hour).
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import httpx
from django.db.models import F

from ..clock import Clock
from ..crypto import DecryptionError
from .addresses import RefusedAddress, pin
from .models import Delivery
from .signing import HEADER, signature, signature_header
from .subscriptions import secret_of

__all__ = [
    "ATTEMPT_TIMEOUT",
    "LEASE",
    "MAX_ATTEMPTS",
    "DeliveryReport",
    "deliver_due",
    "prune",
    "retry_delay",
]

log = logging.getLogger("twostep.webhooks")

MAX_ATTEMPTS: Final = 8
ATTEMPT_TIMEOUT: Final = 10.0
FIRST_DELAY: Final = 60.0
FACTOR: Final = 4
MAX_DELAY: Final = 6 * 3600.0
JITTER: Final = 0.2
#: How long the log keeps a delivery that is done.
KEEP: Final = timedelta(days=30)
#: How long a claim holds a delivery: longer than an attempt can take.
LEASE: Final = timedelta(seconds=120)
_ANSWER_BYTES: Final = 4096
_KEPT: Final = 300
_NOT_PRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker first

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed

    @property
    def found(self) -> int:
        """Due deliveries found: while a round finds some, there may be more."""
        return self.attempted + self.skipped


def retry_delay(attempts: int, *, rand: Callable[[], float] = random.random) -> timedelta:
    """The wait after the ``attempts``-th attempt failed (exponential, capped, jittered)."""
    base = min(FIRST_DELAY * FACTOR ** max(attempts - 1, 0), MAX_DELAY)
    return timedelta(seconds=base * (1 - JITTER + 2 * JITTER * rand()))


def _claim(pk: int, clock: Clock) -> Delivery | None:
    now = clock()
    won = Delivery.objects.filter(pk=pk, status=Delivery.PENDING, next_attempt_at__lte=now).update(
        attempts=F("attempts") + 1, next_attempt_at=now + LEASE, last_attempt_at=now
    )
    if won != 1:
        return None
    # None too when its subscription was removed meanwhile (the delivery went with it).
    return Delivery.objects.select_related("subscription__application").filter(pk=pk).first()


@dataclass(frozen=True)
class _Answer:
    code: int | None
    text: str
    error: str


def _kept(raw: bytes, *cut: str) -> str:
    text = raw.decode("utf-8", "replace")
    for secret in cut:
        text = text.replace(secret, "[redacted]")
    return _NOT_PRINTABLE.sub(" ", text)[:_KEPT]


def _client() -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(ATTEMPT_TIMEOUT, connect=5.0),
        follow_redirects=False,
        trust_env=False,  # no proxy or .netrc credentials from the environment
    )


def _post(delivery: Delivery, secret: str, clock: Clock, http: httpx.Client) -> _Answer:
    body = delivery.body.encode("utf-8")
    stamp = int(clock().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "twostep-webhooks",
        HEADER: signature_header(secret, stamp, body),
        "Twostep-Event": delivery.event_type,
        "Twostep-Event-Id": delivery.event_ref,
        "Twostep-Delivery": str(delivery.pk),
    }
    cut = (secret, signature(secret, stamp, body))
    try:
        pinned = pin(delivery.subscription.url)
    except RefusedAddress as exc:
        return _Answer(None, "", f"refused: {exc}"[:300])
    except Exception as exc:  # a URL httpx refuses
        return _Answer(None, "", type(exc).__name__)
    headers["Host"] = pinned.host
    extensions = {"sni_hostname": pinned.server_name} if pinned.server_name else {}
    deadline = time.monotonic() + ATTEMPT_TIMEOUT
    try:
        with http.stream(
            "POST", pinned.url, content=body, headers=headers, extensions=extensions
        ) as answer:
            raw = b""
            for chunk in answer.iter_bytes():
                raw += chunk
                if len(raw) >= _ANSWER_BYTES or time.monotonic() > deadline:
                    break
            return _Answer(answer.status_code, _kept(raw[:_ANSWER_BYTES], *cut), "")
    except Exception as exc:  # no connection, timeout, a URL httpx refuses...: a failure
        return _Answer(None, "", type(exc).__name__)


def _attempt(delivery: Delivery, clock: Clock, http: httpx.Client) -> str:
    try:
        secret = secret_of(delivery.subscription)
    except DecryptionError:
        answer = _Answer(None, "", "the signing secret cannot be decrypted (TWOSTEP_SECRET_KEYS)")
    else:
        answer = _post(delivery, secret, clock, http)
    now = clock()
    fields: dict[str, object] = {
        "response_code": answer.code,
        "response_body": answer.text,
        "error": answer.error,
    }
    if answer.code is not None and 200 <= answer.code < 300:
        outcome = Delivery.DELIVERED
        fields.update(status=outcome, delivered_at=now, error="")
    elif delivery.attempts >= MAX_ATTEMPTS:
        outcome = Delivery.FAILED
        fields.update(status=outcome)
    else:
        outcome = Delivery.PENDING
        fields.update(next_attempt_at=now + retry_delay(delivery.attempts))
    if answer.code is not None and not fields["error"] and outcome != Delivery.DELIVERED:
        fields["error"] = f"HTTP {answer.code}"
    # Only while the claim is ours (a later claimer's attempt count differs).
    Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts).update(**fields)
    if outcome != Delivery.DELIVERED:
        log.warning(
            "webhook delivery %s (%s) to subscription %s failed, attempt %s: %s",
            delivery.pk,
            delivery.event_type,
            delivery.subscription_id,
            delivery.attempts,
            fields["error"],
        )
    return outcome


def deliver_due(*, clock: Clock, limit: int = 100) -> DeliveryReport:
    """Send what is due now (at most ``limit``); the deliveries another worker claimed first
    are skipped."""
    report = DeliveryReport()
    due = list(
        Delivery.objects.filter(status=Delivery.PENDING, next_attempt_at__lte=clock())
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return report
    with _client() as http:
        for pk in due:
            delivery = _claim(pk, clock)
            if delivery is None:
                report.skipped += 1
                continue
            outcome = _attempt(delivery, clock, http)
            if outcome == Delivery.DELIVERED:
                report.delivered += 1
            elif outcome == Delivery.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
    return report


def prune(*, clock: Clock) -> int:
    done = Delivery.objects.exclude(status=Delivery.PENDING).filter(created_at__lt=clock() - KEEP)
    return int(done.delete()[0])
