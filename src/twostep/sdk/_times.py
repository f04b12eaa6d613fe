"""The API's times (ISO 8601, ``Z`` or an offset) as aware ``datetime`` objects, for the result
models."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _dt(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _req_dt(value: Any) -> datetime:
    result = _dt(value)
    if result is None:
        raise ValueError("missing time")
    return result
