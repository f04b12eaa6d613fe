"""Prometheus metrics (``/metrics``) and the audit log's lines for the outcomes they count.

The one place counters live; the domain and the use cases call these functions, the views never
count. Each outcome is also one line on the ``twostep.audit`` logger (a JSON line with
``TWOSTEP_LOG_FORMAT=json``; quiet in the text format, where the audit table is the record).

- ``sign_in(outcome, *, user=None, address=None)``: the password step (``ok``, or the error's
  code: ``invalid_credentials``, ``throttled``...);
- ``verification(outcome, *, purpose, user=None, address=None)``: a code checked (``ok``,
  ``invalid_code``, ``reused``, ``throttled``, ``locked_out``...);
- ``throttled(lane)``: a request refused by a throttle lane; ``lockout()``: an account locked;
- ``request(route, method, status, seconds)``: one HTTP request (its route pattern, never its
  path: no token of a link reaches a label);
- ``may_read(authorization, address) -> bool``: whether a scraper may read the metrics
  (``TWOSTEP_METRICS`` on, and the bearer token compared in constant time, or the client
  address in ``TWOSTEP_METRICS_ALLOW``);
- ``exposition() -> (bytes, content type)``: the text format, summed over gunicorn's worker
  processes when ``PROMETHEUS_MULTIPROC_DIR`` is set (``twostep serve`` sets it);
- ``worker_exited(pid)``: gunicorn's ``child_exit`` (``twostep serve`` prepares the directory
  before anything imports prometheus-client, which reads the variable once).
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Final

from django.conf import settings

MULTIPROC_VARIABLE: Final = "PROMETHEUS_MULTIPROC_DIR"
# prometheus-client reads it once, on import: a directory that is not there (a command run with
# a server's environment) would make every counter fail; counts then stay in this process.
if os.environ.get(MULTIPROC_VARIABLE) and not os.path.isdir(os.environ[MULTIPROC_VARIABLE]):
    del os.environ[MULTIPROC_VARIABLE]

from prometheus_client import (  # noqa: E402 - after the check above
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from .proxies import is_in  # noqa: E402

__all__ = [
    "MULTIPROC_VARIABLE",
    "enabled",
    "exposition",
    "lockout",
    "may_read",
    "request",
    "sign_in",
    "throttled",
    "verification",
    "worker_exited",
]

audit_log = logging.getLogger("twostep.audit")

REQUESTS = Counter("twostep_http_requests", "HTTP requests answered", ["route", "method", "status"])
LATENCY = Histogram(
    "twostep_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SIGN_INS = Counter("twostep_sign_ins", "Password steps of a sign-in, by outcome", ["outcome"])
VERIFICATIONS = Counter(
    "twostep_verifications", "Codes checked, by purpose and outcome", ["purpose", "outcome"]
)
THROTTLED = Counter("twostep_throttled", "Attempts refused by a throttle lane", ["lane"])
LOCKOUTS = Counter("twostep_lockouts", "Accounts locked after too many wrong codes")


def _audit(event: str, outcome: str, user: Any, address: str | None, **extra: str) -> None:
    if audit_log.isEnabledFor(logging.INFO):
        audit_log.info(
            "%s %s",
            event,
            outcome,
            extra={
                "audit": {
                    "event": event,
                    "outcome": outcome,
                    "user": str(getattr(user, "username", "") or "") or None,
                    "address": address,
                    **extra,
                }
            },
        )


def sign_in(outcome: str, *, user: Any = None, address: str | None = None) -> None:
    SIGN_INS.labels(outcome).inc()
    _audit("signin.password", outcome, user, address)


def verification(
    outcome: str, *, purpose: str, user: Any = None, address: str | None = None
) -> None:
    VERIFICATIONS.labels(purpose, outcome).inc()
    _audit("mfa.verification", outcome, user, address, purpose=purpose)


def throttled(lane: str) -> None:
    THROTTLED.labels(lane).inc()


def lockout() -> None:
    LOCKOUTS.inc()


def request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route).observe(seconds)


def _config() -> Any:
    return settings.TWOSTEP_METRICS


def enabled() -> bool:
    return bool(_config().enabled)


def may_read(authorization: str | None, address: str | None) -> bool:
    config = _config()
    if not config.enabled:
        return False
    if config.token:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), config.token.encode()
        ):
            return True
    return is_in(address, config.allow)


def exposition() -> tuple[bytes, str]:
    if os.environ.get(MULTIPROC_VARIABLE):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """gunicorn's ``child_exit``: a dead worker's gauges no longer count."""
    if os.environ.get(MULTIPROC_VARIABLE):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
