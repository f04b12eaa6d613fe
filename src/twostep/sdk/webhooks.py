"""Checking webhook deliveries: :func:`verify` (docs/api.md, "Webhooks").

::

    from twostep.sdk.webhooks import verify
    from twostep.sdk import WebhookVerificationError

    @app.post("/twostep-events")
    def twostep_events():
        try:
            event = verify(request.get_data(), request.headers.get("Twostep-Signature"),
                           os.environ["TWOSTEP_WEBHOOK_SECRET"])
        except WebhookVerificationError:
            return "", 400
        if event.type == "mfa.reset":
            end_sessions_of(event.user_external_id)
        return "", 204

Pass the body exactly as received (bytes), before any JSON parsing. Deliveries are at least
once: keep the ``event.id`` of recent events and drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import WebhookVerificationError

__all__ = ["SIGNATURE_HEADER", "WebhookEvent", "sign", "verify"]

SIGNATURE_HEADER = "Twostep-Signature"


@dataclass(frozen=True)
class WebhookEvent:
    """A verified event. ``data`` holds ``user`` (``id``, ``username``, ``external_id``;
    None for ``webhook.test``) and the event's own fields (``reason`` for ``user.locked``,
    ``recovery_codes_left`` for ``mfa.recovery_code_used``...)."""

    id: str
    type: str
    created: datetime
    application: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def user_external_id(self) -> str | None:
        user = self.data.get("user") or {}
        value = user.get("external_id")
        return None if value is None else str(value)


def _mac(secret: str, timestamp: str, payload: bytes) -> str:
    signed = timestamp.encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """A ``Twostep-Signature`` value for ``payload`` (for testing a receiver)."""
    stamp = str(int(time.time() if timestamp is None else timestamp))
    return f"t={stamp},v1={_mac(secret, stamp, payload)}"


def _parse(header: str) -> tuple[str, list[str]]:
    stamp = ""
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and not stamp:
            stamp = value
        elif name == "v1":
            signatures.append(value)
    if not stamp.isdigit() or len(stamp) > 12 or not signatures:
        raise WebhookVerificationError(
            f"the {SIGNATURE_HEADER} header is not of the form t=<time>,v1=<signature>"
        )
    return stamp, signatures


def verify(
    payload: bytes | str,
    header: str | None,
    secret: str,
    tolerance: float = 300,
    *,
    now: float | None = None,
) -> WebhookEvent:
    """Check a delivery and return its event; raises :class:`WebhookVerificationError`.

    ``payload`` is the request body as received, ``header`` the ``Twostep-Signature``
    header, ``secret`` the subscription's ``whsec_...`` secret, ``tolerance`` the most
    seconds the signature's time may differ from ``now`` (default: this machine's clock) in
    either direction. Every ``v1`` signature is compared in constant time (a header may carry
    several while a secret is being replaced)."""
    if not secret:
        raise ValueError("give the webhook secret (whsec_...)")
    body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    if not header:
        raise WebhookVerificationError(f"the {SIGNATURE_HEADER} header is missing")
    stamp, signatures = _parse(str(header))
    expected = _mac(secret.strip(), stamp, body)
    matched = False
    for candidate in signatures:
        given = candidate.encode("ascii", "replace")
        matched |= hmac.compare_digest(expected.encode("ascii"), given)
    if not matched:
        raise WebhookVerificationError("the signature does not match the body and the secret")
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance:
        raise WebhookVerificationError(
            f"the signature's timestamp is more than {tolerance:g} seconds from now (a replay?)"
        )
    try:
        data = json.loads(body)
        return WebhookEvent(
            id=str(data["id"]),
            type=str(data["type"]),
            created=datetime.fromisoformat(str(data["created"]).replace("Z", "+00:00")),
            application=str(data.get("application", "")),
            data=dict(data.get("data") or {}),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise WebhookVerificationError("the body is not a twostep event") from exc
