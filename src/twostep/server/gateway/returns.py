"""Where the sign-in may send the browser back to: twostep's own pages, or a protected site.

``may_return_to(url, *, secure) -> bool``: an absolute ``http(s)`` URL (only ``https`` when
twostep is served over HTTPS) whose host a rule names (``app.example.com``, or a host under
``*.example.com``) and lies under ``TWOSTEP_COOKIE_DOMAIN``. Without that setting the session
reaches no other host, so no other host is a place to return to (the proxy would only send the
browser back to sign in, in a loop). No user part, no backslash, no control character or space: what
browsers and this parser could read differently is refused, so ``next`` cannot be an open
redirect.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

from .rules import current, host_matches

__all__ = ["may_return_to"]


def may_return_to(url: object, *, secure: bool) -> bool:
    if not isinstance(url, str) or not url or len(url) > 4096:
        return False
    if "\\" in url or any(ord(c) <= 0x20 or c == "\x7f" for c in url):
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if parts.scheme not in ({"https"} if secure else {"http", "https"}):
        return False
    if not host or "@" in parts.netloc or parts.netloc.lower() != parts.netloc:
        # (upper case is allowed by browsers, but the proxies send lower case; keep it simple)
        return False
    domain = getattr(settings, "SESSION_COOKIE_DOMAIN", None)
    if not domain or (host != domain and not host.endswith("." + domain)):
        return False
    if not any(host_matches(rule.domain, host) for rule in current()):
        return False
    # Django's own check too, with exactly this host allowed.
    return url_has_allowed_host_and_scheme(url, allowed_hosts={parts.netloc}, require_https=secure)
