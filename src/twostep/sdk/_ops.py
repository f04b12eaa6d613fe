"""What every endpoint description of ``/api/v1`` uses: :data:`UNSET` and the helpers that build
request bodies and parse lists.

The endpoints themselves are :class:`~._core.Call` s, one module per group, shared by both
clients: :mod:`._verify_ops`, :mod:`._user_ops`, :mod:`._directory_ops`, :mod:`._admin_ops`,
:mod:`._signin_ops` and :mod:`._webhook_ops`."""

from __future__ import annotations

import enum
from typing import Any


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset.UNSET
"""Marks an argument of an update as not given (``None`` clears a field where allowed)."""


def _ref(username: str | None, email: str | None, external_id: str | None) -> dict[str, str]:
    given = {
        k: v
        for k, v in (("username", username), ("email", email), ("external_id", external_id))
        if v is not None
    }
    if len(given) != 1:
        raise ValueError("give exactly one of username, email or external_id")
    return given


def _given(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not UNSET}


def _list(parse: Any) -> Any:
    return lambda data: tuple(parse(item) for item in data)
