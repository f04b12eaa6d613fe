"""``@require_second_factor`` for Django views (without
:class:`~.middleware.SecondFactorMiddleware`), and ``@second_factor_exempt`` for the views the
middleware must leave alone."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse

from .gate import check

__all__ = ["require_second_factor", "second_factor_exempt"]

V = TypeVar("V", bound=Callable[..., HttpResponse])


def require_second_factor(view: V) -> V:
    """Let only a signed-in user with a fresh second factor into ``view``: others go to the
    login page, or to the code page (or setup) and back."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return check(request) or view(request, *args, **kwargs)

    return cast(V, wrapper)


def second_factor_exempt(view: V) -> V:
    """A view that :class:`~.middleware.SecondFactorMiddleware` lets every signed-in user into
    (a health check, a page a user without a second factor must reach)."""
    view.twostep_exempt = True  # type: ignore[attr-defined]
    return view
