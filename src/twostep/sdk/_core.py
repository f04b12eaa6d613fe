"""What the sync and async clients share: the description of each call (:class:`Call`), the
retry rule, and reading answers and errors. No I/O here."""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from .errors import ApiError, ServerError, TransportError, error_for

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
RETRY_STATUSES = frozenset({429, 503})
USER_AGENT = "twostep-sdk/0.1 (python)"


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call: method, path under ``/api/v1``, query, JSON body, how to read the answer,
    and the token to send instead of the client's (access tokens of first-party clients)."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: dict[str, Any] | None = None
    body: Any = None
    token: str | None = None

    def request_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if self.params:
            kwargs["params"] = {k: _query_value(v) for k, v in self.params.items() if v is not None}
        if self.body is not None:
            kwargs["content"] = json.dumps(self.body).encode("utf-8")
            kwargs["headers"] = {"Content-Type": "application/json"}
        if self.token is not None:
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {self.token}"
        return kwargs


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.replace("+00:00", "Z")
    return value


@dataclass(frozen=True)
class RetryPolicy:
    """Retry 429 and 503 answers at most ``max_retries`` times, waiting what ``Retry-After``
    says (1 second when absent), but never more than ``max_wait`` seconds for one wait: a longer
    wait is raised at once as :class:`ThrottledError` (with ``retry_after``)."""

    max_retries: int = 2
    max_wait: float = 10.0

    def delay(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up and raise."""
        if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
            return None
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        wait = 1.0 if wait is None else wait
        return wait if wait <= self.max_wait else None


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def raise_for_error(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        retry_after = data.get("retry_after")
        if retry_after is None:
            header = retry_after_seconds(response.headers.get("Retry-After"))
            retry_after = math.ceil(header) if header is not None else None
        raise error_for(
            response.status_code,
            data["code"],
            str(data.get("message", "")),
            field=data.get("field"),
            retry_after=retry_after,
            errors=data.get("errors") if isinstance(data.get("errors"), list) else None,
        )
    status = response.status_code
    message = f"HTTP {status} from {response.request.url} without a twostep error body"
    if status >= 500:
        raise ServerError(status, f"http_{status}", message)
    raise error_for(status, f"http_{status}", message)


def read(call: Call[T], response: httpx.Response) -> T:
    raise_for_error(response)
    if response.status_code == 204 or not response.content:
        return call.parse(None)
    try:
        data = response.json()
    except ValueError as exc:
        raise TransportError(
            f"{call.method} {call.path}: the answer is not JSON ({response.status_code})"
        ) from exc
    try:
        return call.parse(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise TransportError(
            f"{call.method} {call.path}: unexpected answer ({type(exc).__name__}: {exc})"
        ) from exc


def transport_error(call: Call[Any], exc: httpx.HTTPError) -> TransportError:
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    error = TransportError(f"{call.method} {call.path} {kind}: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


def nothing(_: Any) -> None:
    return None


__all__ = [
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "ApiError",
    "Call",
    "RetryPolicy",
    "nothing",
    "raise_for_error",
    "read",
    "retry_after_seconds",
    "transport_error",
]
