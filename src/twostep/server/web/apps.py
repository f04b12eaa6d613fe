from typing import Any

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "twostep.server.web"
    label = "web"
    verbose_name = "The pages"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        user_logged_in.connect(_stamp_session, dispatch_uid="twostep.web.stamp_session")
        user_logged_out.connect(_forget_session, dispatch_uid="twostep.web.forget_session")


def _stamp_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Every way into a session (the pages, the console, tests' force_login) starts the 12-hour
    and 30-minute clocks of :class:`~twostep.server.web.middleware.SessionIdleMiddleware`, and
    the row that lists the session among the user's (``accounts.sessions``)."""
    if request is None or not hasattr(request, "session"):
        return
    from ..accounts.services import client_address
    from ..accounts.sessions import start_web_session
    from ..clock import get_clock

    clock = get_clock()
    now = clock().timestamp()
    request.session["ts_signed_in_at"] = now
    request.session["ts_last_seen"] = now
    request.session["ts_session"] = start_web_session(
        user,
        clock=clock,
        user_agent=request.headers.get("User-Agent", ""),
        address=client_address(request),
    )


def _forget_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A session that signs out (or is signed out: idle, 12 hours) leaves the user's list."""
    if request is None or not hasattr(request, "session") or user is None:
        return
    from ..accounts.sessions import forget_web_session

    forget_web_session(request.session.get("ts_session"), user)
