"""The admin API's router and what its modules share: the statuses, who acts, ids."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from ....accounts.services import client_address
from ....clock import get_clock
from ...auth import AdminKey, acting_user
from ...errors import ApiError
from .. import error_responses as errors

__all__ = ["READ", "WRITE", "id_in_range", "router", "who"]

router = Router(tags=["admin"], auth=AdminKey())

READ = errors(401, 403, 404, 422)
WRITE = errors(400, 401, 403, 404, 409, 422)


def who(request: HttpRequest) -> dict[str, Any]:
    """The keyword arguments of a change: the administrator answerable for the key, the clock
    and the caller's address."""
    return {"actor": acting_user(request), "clock": get_clock(), "address": client_address(request)}


def id_in_range(value: int) -> int:
    if not 1 <= value <= 2**53:
        raise ApiError("not_found")
    return value
