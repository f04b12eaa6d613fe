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
from .errors import ApiError, error_response

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


def _query_names(operation: Any) -> frozenset[str]:
    names: set[str] = set()
    for model in operation.models:
        if getattr(model, "__ninja_param_source__", None) == "query":
            names |= set(getattr(model, "__ninja_flatten_map__", None) or model.model_fields)
    return frozenset(names)


def _refuse_unknown_query(operation: Any) -> None:
    """422 for a query parameter the endpoint does not have: a misspelt filter
    (``?enroled=true``) must not silently list everyone. Runs after authentication."""
    allowed = _query_names(operation)
    view_func = operation.view_func

    @functools.wraps(view_func)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        unknown = sorted(set(request.GET) - allowed)
        if unknown:
            raise ApiError(
                "validation_error",
                f"The request does not match the API's schema: unknown query parameter "
                f"{unknown[0][:50]!r}",
                errors=[
                    {"loc": ["query", name[:50]], "msg": "unknown parameter", "type": "extra"}
                    for name in unknown[:20]
                ],
            )
        return view_func(request, *args, **kwargs)

    operation.view_func = checked


def _v1() -> tuple[list[URLPattern | URLResolver], str, str]:
    patterns, app, namespace = api.urls
    # The operations behind the patterns (django-ninja 1.x keeps them on its bound routers).
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                _refuse_unknown_query(operation)
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_errors(pattern.callback)
    return patterns, app, namespace


urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/docs/assets/<str:name>", docs_asset, name="docs-asset"),
    path("v1/", _v1()),
    re_path(r"^", not_found),
]
