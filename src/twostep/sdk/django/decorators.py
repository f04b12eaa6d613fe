"""``@require_second_factor`` for Django views."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .conf import second_factor_passed

__all__ = ["require_second_factor"]

V = TypeVar("V", bound=Callable[..., HttpResponse])


def require_second_factor(view: V) -> V:
    """Let only a signed-in user with a fresh second factor into ``view``: others go to the
    login page, or to the code page (or setup) and back."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not second_factor_passed(request):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('twostep:code')}?{query}")
        return view(request, *args, **kwargs)

    return cast(V, wrapper)
