"""What every sync endpoint does around its one call: read the JSON body, authenticate the
device when the endpoint needs one, and turn the services' errors into the API's JSON errors
(``{"error", "message", ...}``, docs/sync.md)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from ..accounts.services import client_address
from ..clock import Clock, get_clock
from ..errors import ThrottledError
from ..sync.devices import authenticate
from ..sync.errors import SyncError
from ..sync.models import SyncDevice
from ..sync.vault import max_upload_body, too_large


class Call:
    """One request, parsed: its body (a dict), the device (if authenticated), clock, address."""

    def __init__(self, request: HttpRequest, body: dict[str, Any], device: SyncDevice | None):
        self.request = request
        self.body = body
        self._device = device
        self.clock: Clock = get_clock()
        self.address = client_address(request)

    @property
    def device(self) -> SyncDevice:
        assert self._device is not None
        return self._device


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    return value


def answer(status: int, data: dict[str, Any] | None = None) -> HttpResponse:
    if status == 204:
        return HttpResponse(status=204)
    return JsonResponse(_json(data or {}), status=status)


def error(status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    response = JsonResponse({"error": code, "message": message, **_json(extra)}, status=status)
    if "retry_after" in extra:
        response["Retry-After"] = str(extra["retry_after"])
    return response


def _read(request: HttpRequest, large: bool) -> bytes | None:
    """The body, or None when it is larger than this endpoint reads. Uploads (``large``) may
    be as large as the largest vault allowed; other bodies keep Django's bound."""
    if not large:
        try:
            return request.body
        except RequestDataTooBig:
            return None
    limit = max_upload_body()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    raw = request.read(limit + 1)  # the stream stops at Content-Length
    return None if len(raw) > limit else raw


def _body(request: HttpRequest, large: bool) -> dict[str, Any] | HttpResponse:
    if request.method in {"GET", "HEAD"}:
        return {}
    raw = _read(request, large)
    if raw is None and large:
        big = too_large()
        return error(big.status, big.code, big.message, **big.extra)
    if raw is None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return error(
            413,
            "too_large",
            f"The request is larger than this endpoint takes ({limit} bytes).",
            limit=limit,
        )
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return error(400, "invalid", "The request body is not JSON.", field="body")
    if not isinstance(data, dict):
        return error(400, "invalid", "The request body must be a JSON object.", field="body")
    return data


def endpoint(
    methods: tuple[str, ...], *, auth: str | None = None, large: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """``auth``: None (no device), ``"device"`` (a verified account's device) or ``"pending"``
    (a device whose account may still wait for its address to be confirmed). ``large``: the
    body may be a whole vault (``max_upload_body``)."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error(405, "method_not_allowed", f"Use {' or '.join(methods)}.")
                response["Allow"] = ", ".join(methods)
                return response
            body = _body(request, large)
            if isinstance(body, HttpResponse):
                return body
            try:
                device = None
                if auth is not None:
                    device = authenticate(
                        request.headers.get("Authorization"),
                        clock=get_clock(),
                        allow_pending=auth == "pending",
                    )
                return view(Call(request, body, device), *args, **kwargs)
            except ThrottledError as exc:
                return error(429, "throttled", exc.message, retry_after=exc.retry_after)
            except SyncError as exc:
                return error(exc.status, exc.code, exc.message, **exc.extra)

        return csrf_exempt(never_cache(run))

    return wrap
