"""Error pages: plain words, the right status, never a traceback or internals.

While the database is unavailable (``web.health.database_trouble``) the 500 handler answers
503 with ``Retry-After`` instead: a page, or the API's JSON error shape under ``/api/``.
"""

from __future__ import annotations

import sys
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from ..health import RETRY_AFTER, database_trouble
from ..pages_only import is_api


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    try:
        body: str = render_to_string(
            "web/error.html",
            {"title": title, "message": message, "status": status},
            request=request,
        )
    except Exception:  # a broken template must not turn a 4xx into a 500 loop
        body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
    response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        "This form has expired",
        "The page was open too long, or your browser blocked the cookie that protects this "
        "form. Go back, reload the page and try again. If it keeps happening, allow cookies "
        "for this site.",
    )


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(
        request,
        400,
        "Something in that request could not be read",
        "Go back, check what you typed and try again.",
    )


def forbidden(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 403, "Not allowed", "Your account cannot open this page.")


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 404, "Page not found", "There is no page at this address.")


def unavailable(request: HttpRequest) -> HttpResponse:
    """503: the database cannot be reached; the client may try again in ``RETRY_AFTER``."""
    message = "The service is unavailable for a moment. Try again in a minute."
    if is_api(request):
        response: HttpResponse = JsonResponse(
            {"code": "unavailable", "message": message}, status=503
        )
    else:
        response = _page(
            request,
            503,
            "Unavailable for a moment",
            "The service cannot reach its database right now. Nothing you did caused this; "
            "try again in a minute.",
        )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception: it is still the current one.
    if database_trouble(sys.exc_info()[1] or Exception()) == "unavailable":
        return unavailable(request)
    return _page(
        request,
        500,
        "Something went wrong on our side",
        "Nothing you did caused this. Try again in a moment; if it keeps happening, tell your "
        "administrator the time it happened.",
    )
