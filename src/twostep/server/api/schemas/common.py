"""What every body of the API is made of: bounded types, ``Body``, ``ErrorOut``.

Every string is bounded and refuses NUL characters and lone surrogates (which no database column
takes), every integer is bounded: bad input is a 422 ``validation_error``, never a 500.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

MAX_ID = 2**53  # fits every database's integer and JavaScript's safe integers


def _clean(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return text


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        raise ValueError("must be an IPv4 or IPv6 address") from None


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$")


def _moment(value: Any) -> datetime:
    """RFC 3339 date and time with a time zone (as JSON Schema's ``date-time``), nothing else."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be a date and time with a time zone, like 2026-11-23T12:00:00Z")
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError("must be a real date and time") from None


def _whole(value: Any) -> Any:
    """A JSON number with no fraction is a whole number (JSON Schema's ``integer``: ``7.0``
    is 7), as strict validation would otherwise refuse what the document allows."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _query_bool(value: Any) -> Any:
    if isinstance(value, str):
        if value not in {"true", "false"}:
            raise ValueError("must be true or false")
        return value == "true"
    return value


def _query_int(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"-?\d{1,20}", value):
        raise ValueError("must be a whole number")
    return value


_CLEAN = AfterValidator(_clean)

_WHOLE = BeforeValidator(_whole)

Id = Annotated[int, Field(ge=1, le=MAX_ID), _WHOLE]
Moment = Annotated[datetime, BeforeValidator(_moment)]
QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
# The bounds before the validator: after it, pydantic put them in the OpenAPI document as
# "ge"/"le" (no JSON Schema keywords) instead of "minimum"/"maximum", and clients (and
# schemathesis) sent offset=-1 or limit=208 believing them valid.
QueryId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_query_int)]
Limit = Annotated[int, Field(ge=1, le=200), BeforeValidator(_query_int)]
Offset = Annotated[int, Field(ge=0, le=10_000_000), BeforeValidator(_query_int)]
AuditLimit = Annotated[int, Field(ge=1, le=500), BeforeValidator(_query_int)]
RoleKey = Annotated[str, StringConstraints(min_length=1, max_length=64), _CLEAN]
ShortText = Annotated[str, StringConstraints(min_length=0, max_length=64), _CLEAN]
# A name is more than spaces (the server trims them): "\S" says so in the document.
_NOT_BLANK = Field(json_schema_extra={"pattern": r"\S"})
Name100 = Annotated[str, StringConstraints(min_length=1, max_length=100), _CLEAN, _NOT_BLANK]
Name150 = Annotated[str, StringConstraints(min_length=1, max_length=150), _CLEAN, _NOT_BLANK]
Search = Annotated[str, StringConstraints(min_length=0, max_length=100), _CLEAN]
Issuer = Annotated[str, StringConstraints(min_length=0, max_length=100), _CLEAN]
Description = Annotated[str, StringConstraints(min_length=0, max_length=300), _CLEAN]
DisplayName = Annotated[str, StringConstraints(min_length=0, max_length=150), _CLEAN]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024), _CLEAN]
#: A password being set: OpenAPI's ``format: password`` (forms hide it) and the policy's
#: minimum length; the rest of the policy (not common, not like the username, zxcvbn) is
#: checked by the server and described in docs/api.md.
NewPassword = Annotated[
    str,
    StringConstraints(min_length=10, max_length=1024),
    _CLEAN,
    Field(json_schema_extra={"format": "password"}),
]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=254), _CLEAN]
EmailOrEmpty = Annotated[
    str,
    StringConstraints(min_length=0, max_length=254),
    _CLEAN,
    Field(json_schema_extra={"anyOf": [{"maxLength": 0}, {"format": "email"}]}),
]
Days = Annotated[int, Field(ge=0, le=365), _WHOLE]
Username = Name150
#: A username being chosen: letters, digits and . + - _ (accounts.services.USERNAME_RE).
NewUsername = Annotated[
    str,
    StringConstraints(min_length=1, max_length=150),
    _CLEAN,
    Field(json_schema_extra={"pattern": r"^\s*[\w.+-]+\s*$"}),
]
# The document says what a valid address is, so that clients (and schemathesis) know "0" is
# not one before they send it.
Email = Annotated[
    str,
    StringConstraints(min_length=1, max_length=254),
    _CLEAN,
    Field(json_schema_extra={"format": "email"}),
]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=255), _CLEAN]
CodeText = ShortText
TokenText = Search
DeviceToken = Annotated[str, StringConstraints(min_length=0, max_length=512), _CLEAN]
Address = Annotated[
    str,
    StringConstraints(max_length=64),
    AfterValidator(_address),
    Field(json_schema_extra={"anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}),
]
Scope = Literal["verify", "admin"]
Method = Literal["totp", "recovery"]
MfaStatus = Literal["not_required", "enrolled", "setup_now", "setup_by_deadline", "locked"]


class Body(BaseModel):
    """A request body: JSON types are taken as they are (``0`` is not ``false``).

    A plain pydantic model, not a ninja ``Schema``: a body is parsed JSON, never a Django object,
    so it needs none of ``Schema``'s wrapping of its input for attribute access, which made
    validating ``VerifyIn`` four times slower (13.8 vs 3.2 us). The OpenAPI document is the
    same."""

    model_config = ConfigDict(strict=True)


class ErrorOut(Schema):
    """Every error: a stable ``code`` and a ``message`` to show."""

    code: str
    message: str
    field: str | None = None
    retry_after: int | None = None
    errors: list[dict[str, Any]] | None = None
