"""The API's endpoints, one router per audience: ``verify`` (relying parties), ``admin``,
``signin`` (first-party clients)."""

from __future__ import annotations

from typing import Any

from ..schemas import ErrorOut


def error_responses(*codes: int) -> dict[Any, Any]:
    """The ``response`` entries of the error statuses an endpoint can answer with."""
    return {frozenset(codes): ErrorOut}
