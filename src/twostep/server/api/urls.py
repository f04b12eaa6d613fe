"""``/api/``: the v1 API (django-ninja), its docs' static files, and JSON for everything else.

Every answer under ``/api/`` is JSON in the error shape of :mod:`.errors` when it is not a
success: unknown paths (404 ``not_found``) and methods (405 ``method_not_allowed``, with
``Allow``) included.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, re_path

from .api import api
from .docs import docs_asset
from .errors import error_response

app_name = "api"


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return error_response("not_found")


def _json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response("not_found")
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = error_response("method_not_allowed")
            response["Allow"] = allowed
        return response

    for attr in ("csrf_exempt",):
        if hasattr(view, attr):
            setattr(wrapped, attr, getattr(view, attr))
    return wrapped


def _v1() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app, namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_errors(pattern.callback)
    return patterns, app, namespace


urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/docs/assets/<str:name>", docs_asset, name="docs-asset"),
    path("v1/", _v1()),
    re_path(r"^", not_found),
]
