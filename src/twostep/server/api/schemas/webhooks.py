"""Bodies of the admin API's webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from .common import _CLEAN, Body, Name100

# What subscriptions.check_url accepts, said in the document (stricter where a pattern cannot
# say more: the ports it names stop at 9999; TWOSTEP_WEBHOOKS_ALLOW_HTTP also takes http://
# to other hosts): https://, or http:// to this machine; no user, password or #fragment.
_URL_PATTERN = (
    r"^(https://[A-Za-z0-9.-]+|http://(localhost|127\.0\.0\.1|\[::1\]))"
    r"(:[1-9][0-9]{0,3})?([/?][!-\"$-~]*)?$"
)
WebhookUrl = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2000),
    _CLEAN,
    Field(json_schema_extra={"pattern": _URL_PATTERN}),
]
EventType = Literal[
    "mfa.enabled", "mfa.reset", "mfa.disabled", "user.locked", "mfa.recovery_code_used"
]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class WebhookIn(Body):
    application: Name100 = Field(description="the application's name (it must exist)")
    url: WebhookUrl = Field(
        description="https:// (http:// only to localhost, 127.0.0.1 or ::1 unless the server "
        "allows it); no user or password in it"
    )
    events: list[EventType] = Field(min_length=1, max_length=5)
    organisation_users: bool = Field(
        default=False,
        description="also the events of the organisation's users, who belong to no "
        "application (for an application whose key may enrol any user)",
    )


class WebhookOut(Schema):
    id: int
    application: str
    url: str
    events: list[str]
    organisation_users: bool
    created_at: datetime
    created_by: str | None


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="the signing secret: shown this once, never again")


class DeliveryOut(Schema):
    id: int
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = Field(description="pending deliveries: the next try")
    delivered_at: datetime | None
    response_code: int | None
    response_body: str = Field(description="the first 300 characters of the receiver's answer")
    error: str
