"""Django's page middleware, skipped for the API.

``/api/`` authenticates every request by its bearer token and answers JSON: it has no use for
sessions, the signed-in user of a session, CSRF cookies, flash messages, static files or the
slash-appending redirects, and running them cost a tenth of a verification's time. Each class
here runs the named middleware for every other path and passes ``/api/`` requests straight on
(its hooks, such as CSRF's ``process_view``, do nothing for them either). Forward
authentication's ``/authz/`` is passed on the same way: it is asked on every request to every
protected site, and reads only the session cookie (``views.authz``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

API_PREFIX = "/api/"
#: Forward authentication's endpoints read the session cookie themselves (``views.authz``).
AUTHZ_PREFIX = "/authz/"
_HOOKS = ("process_view", "process_exception", "process_template_response")


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith((API_PREFIX, AUTHZ_PREFIX))


def pages_only(path: str) -> type:
    """A middleware class that runs the middleware at ``path`` for pages only (not ``/api/``,
    not ``/authz/``)."""
    wrapped = import_string(path)

    class PagesOnly:
        def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
            self.get_response = get_response
            self.inner = wrapped(get_response)
            for hook in _HOOKS:
                if hasattr(self.inner, hook):
                    setattr(self, hook, _for_pages(getattr(self.inner, hook)))

        def __call__(self, request: HttpRequest) -> HttpResponse:
            if is_api(request):
                return self.get_response(request)
            return self.inner(request)  # type: ignore[no-any-return]

    PagesOnly.__name__ = PagesOnly.__qualname__ = f"PagesOnly{wrapped.__name__}"
    PagesOnly.__doc__ = f"{path}, for every path but {API_PREFIX} and {AUTHZ_PREFIX}."
    return PagesOnly


def _for_pages(hook: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(request: HttpRequest, *args: Any) -> Any:
        return None if is_api(request) else hook(request, *args)

    return guarded


WhiteNoiseMiddleware = pages_only("whitenoise.middleware.WhiteNoiseMiddleware")
SessionMiddleware = pages_only("django.contrib.sessions.middleware.SessionMiddleware")
CommonMiddleware = pages_only("django.middleware.common.CommonMiddleware")
CsrfViewMiddleware = pages_only("django.middleware.csrf.CsrfViewMiddleware")
AuthenticationMiddleware = pages_only("django.contrib.auth.middleware.AuthenticationMiddleware")
MessageMiddleware = pages_only("django.contrib.messages.middleware.MessageMiddleware")
SessionIdleMiddleware = pages_only("twostep.server.web.middleware.SessionIdleMiddleware")
PasswordChangeMiddleware = pages_only("twostep.server.web.middleware.PasswordChangeMiddleware")
