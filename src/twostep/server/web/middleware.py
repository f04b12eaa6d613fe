"""Security headers on every response (Django's own middleware adds nosniff, Referrer-Policy,
COOP, HSTS behind HTTPS and X-Frame-Options); the session's idle and absolute limits; the
change-password page that a recovery code's unlock leads to and that cannot be skipped."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .. import metrics
from ..accounts.services import client_address
from ..accounts.sessions import start_web_session, used_lately, web_session_alive
from ..accounts.signin import IDLE_LIMIT, SESSION_LIMIT
from ..accounts.signin import TOUCH_EVERY as TOUCH_EVERY_DELTA
from ..oidc.redirects import form_action_origins
from ..proxies import from_trusted_proxy
from .state import PENDING as PENDING_KEY

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
# The user portal shows the icons administrators chose for applications, from any https: host.
PORTAL_CSP = CSP.replace("img-src 'self' data:", "img-src 'self' data: https:")
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


class ForwardedHeadersMiddleware:
    """``X-Forwarded-*`` headers count only from a trusted proxy (``proxies.from_trusted_proxy``):
    from anyone else they are dropped before Django (``SECURE_PROXY_SSL_HEADER``) or the
    throttles (``client_address``) read them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not from_trusted_proxy(request.META):
            for name in FORWARDED_HEADERS:
                request.META.pop(name, None)
        return self.get_response(request)


class MetricsMiddleware:
    """Each request counted by its route pattern (never its path), method and status, and
    timed, while ``TWOSTEP_METRICS`` is on (``metrics.request``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = metrics.enabled()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None:
            route = "/" + str(match.route)
        elif request.path.startswith("/static/"):
            route = "/static/"
        else:
            route = "(unmatched)"
        metrics.request(
            route, request.method or "", response.status_code, time.perf_counter() - started
        )
        return response


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", _page_csp(request, response))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            # Pages carry personal state (and sometimes recovery codes): never cache them.
            response.headers["Cache-Control"] = "no-store"
        return response


def _page_csp(request: HttpRequest, response: HttpResponse) -> str:
    """The CSP, with ``form-action`` widened to the registered redirect URI's origin on a page
    whose forms continue an OpenID Connect request (``oidc.redirects``): browsers apply
    form-action to the redirects after a submission, the last of which leaves this site."""
    if not response.get("Content-Type", "").startswith("text/html") or request.path.startswith(
        ("/api/", "/static/")
    ):
        return CSP
    session = getattr(request, "session", None)
    pending = session.get(PENDING_KEY) if session is not None else None
    pending_next = pending.get("next") if isinstance(pending, dict) else None
    origins = form_action_origins(request.path, dict(request.GET.lists()), pending_next)
    if not origins:
        return CSP
    return CSP.replace("form-action 'self'", "form-action 'self' " + " ".join(origins))


TOUCH_EVERY = TOUCH_EVERY_DELTA.total_seconds()  # do not write the session on every request
LAST_SEEN = "ts_last_seen"
SESSION_ROW = "ts_session"  # the id of the session's row in the user's list of sessions


class SessionIdleMiddleware:
    """Sign a session out after 30 minutes without a request, 12 hours after sign-in however
    active it is, and once its owner ended it from their list of sessions (its row is gone).
    Runs after the authentication and message middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from ..clock import get_clock

            now = get_clock()().timestamp()
            seen = request.session.get(LAST_SEEN)
            since = request.session.get("ts_signed_in_at")
            idle = isinstance(seen, int | float) and now - seen > IDLE_LIMIT.total_seconds()
            if idle and used_lately(request.session.get(SESSION_ROW), user, clock=get_clock()):
                # used on protected sites meanwhile (forward authentication touches the row)
                idle, seen = False, None
            if idle:
                logout(request)
                messages.info(request, "You were signed out after 30 minutes without activity.")
            elif not isinstance(since, int | float) or now - since > SESSION_LIMIT.total_seconds():
                logout(request)
                messages.info(request, "Your session ended after 12 hours. Sign in again.")
            else:
                touch = not isinstance(seen, int | float) or now - seen > TOUCH_EVERY
                row = request.session.get(SESSION_ROW)
                if row is None:  # signed in before sessions were listed: list it from now on
                    request.session[SESSION_ROW] = row = start_web_session(
                        user,
                        clock=get_clock(),
                        user_agent=request.headers.get("User-Agent", ""),
                        address=client_address(request),
                    )
                if not web_session_alive(row, user, clock=get_clock(), touch=touch):
                    logout(request)
                    messages.info(request, "This session was ended. Sign in again.")
                elif touch:
                    request.session[LAST_SEEN] = now
        return self.get_response(request)


class PasswordChangeMiddleware:
    """While the signed-in user must choose a new password (a recovery code lifted a lockout:
    ``User.must_change_password``), every page but the change itself, the password
    confirmation it may ask for, and sign-out leads to the change-password page. Runs after
    ``SessionIdleMiddleware``."""

    ALLOWED = ("web:change_password", "web:confirm_password", "web:signout")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith("/static/")
            and request.path not in {reverse(name) for name in self.ALLOWED}
        ):
            return redirect("web:change_password")
        return self.get_response(request)
