"""Security headers on every response (Django's own middleware adds nosniff, Referrer-Policy,
COOP, HSTS behind HTTPS and X-Frame-Options); the session's idle and absolute limits; the
change-password page that a recovery code's unlock leads to and that cannot be skipped."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from ..accounts.services import client_address
from ..accounts.sessions import start_web_session, web_session_alive
from ..accounts.signin import IDLE_LIMIT, SESSION_LIMIT
from ..accounts.signin import TOUCH_EVERY as TOUCH_EVERY_DELTA

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


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/static/"):
            # Pages carry personal state (and sometimes recovery codes): never cache them.
            response.headers["Cache-Control"] = "no-store"
        return response


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
            if isinstance(seen, int | float) and now - seen > IDLE_LIMIT.total_seconds():
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
