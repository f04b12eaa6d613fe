"""Where a sign-in page's form may lead in the end: the ``form-action`` sources a page needs.

The pages' Content-Security-Policy says ``form-action 'self'``, and browsers apply it to every
redirect that follows a form's submission. Signing in for an application is such a chain: the
code form posts to ``/signin/code/``, which redirects to the authorize endpoint, which
redirects to the application's redirect URI on another origin; Chromium then refuses the last
step and the user stays on the code page. The consent form and the sign-out confirmation end
the same way. So a page whose form continues an OpenID Connect request may also post to the
origin of that request's redirect URI, and only when that URI is registered for the client.

- :func:`form_action_origins` (path, query, pending_next) -> the origins to allow beside
  ``'self'`` (none when the page continues no known client's request).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

from django.urls import NoReverseMatch, reverse

from .models import Client

__all__ = ["form_action_origins"]


def _origin(uri: str) -> str | None:
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _path(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _one(query: Mapping[str, Iterable[str]], key: str) -> str:
    values = list(query.get(key) or [])
    return values[0] if len(values) == 1 else ""


def _allowed(path: str, query: Mapping[str, Iterable[str]]) -> str | None:
    client_id = _one(query, "client_id")
    if path == _path("web:oidc_authorize"):
        uri = _one(query, "redirect_uri")
        client = Client.objects.filter(client_id=client_id).first() if client_id else None
        if client is not None and uri and client.redirect_uri_allowed(uri):
            return _origin(uri)
    if path == _path("web:oidc_logout"):
        uri = _one(query, "post_logout_redirect_uri")
        clients = Client.objects.filter(client_id=client_id) if client_id else Client.objects
        if uri and any(c.post_logout_redirect_uri_allowed(uri) for c in clients.all()[:50]):
            return _origin(uri)
    return None


def form_action_origins(
    path: str, query: Mapping[str, Iterable[str]], pending_next: str | None = None
) -> list[str]:
    """The origins beside ``'self'`` that the forms of the page at ``path`` (with ``query``)
    may end on: the registered redirect URI of the OpenID Connect request the page is part of
    (the page's own, its ``next``, or the sign-in's pending ``next``)."""
    candidates: list[tuple[str, Mapping[str, Iterable[str]]]] = [(path, query)]
    for text in (_one(query, "next"), pending_next or ""):
        if text.startswith("/") and not text.startswith("//"):
            parts = urlsplit(text)
            candidates.append((parts.path, parse_qs(parts.query)))
    found = [origin for p, q in candidates if (origin := _allowed(p, q)) is not None]
    return sorted(set(found))
