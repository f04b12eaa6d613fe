"""Forward authentication's endpoints: a reverse proxy asks, for every request to a protected
site, whether it may pass (docs/forward-auth.md). They parse the proxy's headers, call
``gateway.access.authorize`` and present its verdict; the pages' middleware (session, CSRF,
messages) does not run for ``/authz/`` (``web.pages_only``): the session cookie is read here.

- ``GET /authz/auth-request`` (nginx ``auth_request``): ``X-Original-URL`` and
  ``X-Original-Method``; 200, 401 (with ``Location``: the sign-in, for ``error_page 401``) or 403.
- ``GET /authz/forward-auth`` (Caddy ``forward_auth``, Traefik ``ForwardAuth``):
  ``X-Forwarded-Method/Proto/Host/Uri``; 200, 302 to the sign-in, or 403.

On 200: ``Remote-User``, ``Remote-Groups`` (comma-separated), ``Remote-Email``, ``Remote-Name``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from ...clock import get_clock
from ...gateway.access import (
    Outcome,
    SessionFacts,
    Target,
    Verdict,
    authorize,
    parse_parts,
    parse_url,
    passed_code_step,
)
from .. import state

_engine: Any = None


def _load_session(session_key: str) -> SessionFacts | None:
    """The facts of a signed-in session's data (None: no such session, or anonymous)."""
    global _engine  # noqa: PLW0603 - the session engine, imported once
    if _engine is None:
        _engine = import_module(settings.SESSION_ENGINE)
    data = _engine.SessionStore(session_key=session_key).load()
    user_id, row, since = (
        data.get(SESSION_KEY),
        data.get(state.SESSION_ROW),
        data.get(state.SIGNED_IN_AT),
    )
    if not isinstance(row, int) or not isinstance(since, int | float):
        return None
    try:
        user = int(user_id)
    except (TypeError, ValueError):
        return None
    return SessionFacts(user, row, float(since), passed_code_step(data.get(state.METHOD)))


def _verdict(target: Target | None, request: HttpRequest) -> Verdict | None:
    if target is None:
        return None
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    return authorize(target, session_key, _load_session, clock=get_clock())


def _text(status: int, text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


def _header(value: str) -> str:
    """A header's value: control characters (a line break would be refused) become spaces;
    characters outside Latin-1 are MIME-encoded by Django (RFC 2047)."""
    return "".join(" " if ord(c) < 0x20 or c == "\x7f" else c for c in value).strip()


def _allowed(verdict: Verdict) -> HttpResponse:
    response = _text(200, "ok")
    if verdict.passport is not None:
        response["Remote-User"] = _header(verdict.passport.username)
        response["Remote-Groups"] = _header(",".join(verdict.passport.groups))
        response["Remote-Email"] = _header(verdict.passport.email)
        response["Remote-Name"] = _header(verdict.passport.name)
    return response


def _signin_url(target: Target) -> str:
    return f"{settings.TWOSTEP_BASE_URL}{reverse('web:signin')}?next={quote(target.url, safe='')}"


def auth_request(request: HttpRequest) -> HttpResponse:
    target = parse_url(
        request.headers.get("X-Original-Method"), request.headers.get("X-Original-URL")
    )
    verdict = _verdict(target, request)
    if verdict is None or target is None:
        return _text(403, "The proxy sent no usable X-Original-URL.")
    if verdict.outcome == Outcome.ALLOW:
        return _allowed(verdict)
    if verdict.outcome == Outcome.SIGN_IN:
        response = _text(401, "Sign in first.")
        response["Location"] = _signin_url(target)
        return response
    return _text(403, "Forbidden.")


def forward_auth(request: HttpRequest) -> HttpResponse:
    target = parse_parts(
        request.headers.get("X-Forwarded-Method"),
        request.headers.get("X-Forwarded-Proto"),
        request.headers.get("X-Forwarded-Host"),
        request.headers.get("X-Forwarded-Uri"),
    )
    verdict = _verdict(target, request)
    if verdict is None or target is None:
        return _text(
            403,
            "The proxy sent no usable X-Forwarded-Host and X-Forwarded-Uri. X-Forwarded-* "
            "headers count only from a trusted proxy: is the proxy's address in "
            "TWOSTEP_TRUSTED_PROXIES?",
        )
    if verdict.outcome == Outcome.ALLOW:
        return _allowed(verdict)
    if verdict.outcome == Outcome.SIGN_IN:
        response = _text(302, "Sign in first.")
        response["Location"] = _signin_url(target)
        return response
    return _text(403, "Forbidden.")
