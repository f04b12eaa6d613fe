"""What the SDK's webhook methods return (see :mod:`.models` for the rest)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._times import _dt, _req_dt

__all__ = ["CreatedWebhookSubscription", "WebhookDelivery", "WebhookSubscription"]


@dataclass(frozen=True)
class WebhookSubscription:
    id: int
    application: str
    url: str
    events: tuple[str, ...]
    organisation_users: bool
    created_at: datetime
    created_by: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WebhookSubscription:
        return cls(**_fields(data))


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": int(data["id"]),
        "application": data["application"],
        "url": data["url"],
        "events": tuple(data.get("events") or ()),
        "organisation_users": bool(data.get("organisation_users", False)),
        "created_at": _req_dt(data["created_at"]),
        "created_by": data.get("created_by"),
    }


@dataclass(frozen=True)
class CreatedWebhookSubscription(WebhookSubscription):
    """A new subscription: ``secret`` (``whsec_...``) is shown by the server this once."""

    secret: str = field(default="", repr=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CreatedWebhookSubscription:
        return cls(**_fields(data), secret=data["secret"])


@dataclass(frozen=True)
class WebhookDelivery:
    id: int
    event_id: str
    event_type: str
    status: str  # pending, delivered, failed (gave up)
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    response_code: int | None
    response_body: str
    error: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WebhookDelivery:
        code = data.get("response_code")
        return cls(
            id=int(data["id"]),
            event_id=data["event_id"],
            event_type=data["event_type"],
            status=data["status"],
            attempts=int(data.get("attempts", 0)),
            created_at=_req_dt(data["created_at"]),
            last_attempt_at=_dt(data.get("last_attempt_at")),
            next_attempt_at=_dt(data.get("next_attempt_at")),
            delivered_at=_dt(data.get("delivered_at")),
            response_code=None if code is None else int(code),
            response_body=str(data.get("response_body", "")),
            error=str(data.get("error", "")),
        )
