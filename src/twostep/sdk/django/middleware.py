"""``SecondFactorMiddleware``: every view of a signed-in user needs a fresh second factor.

In settings, after ``AuthenticationMiddleware``::

    MIDDLEWARE = [
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "twostep.sdk.django.middleware.SecondFactorMiddleware",
    ]

A signed-in user who has not given a code in this session (or set 2FA up) goes to the code
page, or to setup, and back, as with ``@require_second_factor`` on every view. Left alone:
visitors who are not signed in (your own ``login_required`` decides for them), twostep's own
pages (the ``twostep:`` URLs), the URL names in ``TWOSTEP_EXEMPT_URL_NAMES`` (default
``["login", "logout"]``, django.contrib.auth's), the paths starting with one of
``TWOSTEP_EXEMPT_PATHS`` (default none) or with ``STATIC_URL`` or ``MEDIA_URL``, the
``LOGIN_URL`` page, and views marked ``@second_factor_exempt``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from .gate import check

__all__ = ["SecondFactorMiddleware"]

DEFAULT_EXEMPT_URL_NAMES = ("login", "logout")


def _exempt_paths() -> tuple[str, ...]:
    paths = [str(p) for p in getattr(settings, "TWOSTEP_EXEMPT_PATHS", ())]
    for name in ("STATIC_URL", "MEDIA_URL"):
        url = str(getattr(settings, name, None) or "")
        if url.startswith("/") and url != "/":  # a local prefix, never the whole site
            paths.append(url)
    return tuple(paths)


def _exempt(request: HttpRequest, view: Callable[..., Any]) -> bool:
    if getattr(view, "twostep_exempt", False):
        return True
    match = request.resolver_match
    if match is not None:
        names = getattr(settings, "TWOSTEP_EXEMPT_URL_NAMES", DEFAULT_EXEMPT_URL_NAMES)
        if "twostep" in match.app_names or match.view_name in names:
            return True
    if request.path == resolve_url(settings.LOGIN_URL):
        return True
    return request.path.startswith(_exempt_paths())


class SecondFactorMiddleware:
    """Asks a fresh second factor of a signed-in user on every view but the exempt ones."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not hasattr(request, "user"):
            raise ImproperlyConfigured(
                "twostep.sdk.django: put SecondFactorMiddleware after AuthenticationMiddleware"
            )
        if not request.user.is_authenticated or _exempt(request, view_func):
            return None
        return check(request)
