"""Where the sign-in may send the browser back to: twostep's own pages, or a protected site.

``may_return_to(url, *, secure) -> bool``: an absolute ``http(s)`` URL (only ``https`` when
twostep is served over HTTPS) whose host a rule names (``app.example.com``, or a host under
``*.example.com``) and lies under ``TWOSTEP_COOKIE_DOMAIN``. Without that setting the session
reaches no other host, so no other host is a place to return to (the proxy would only send the
browser back to sign in, in a loop). No user part, no backslash, no control character or space: what
browsers and this parser could read differently is refused, so ``next`` cannot be an open
redirect.

``out_of_reach(cookie_domain) -> list[str]`` says, in words, which ``one_factor`` and
``two_factor`` rules name hosts the session cookie does not reach (``twostep check``): their
users would be sent to sign in, and back, without end.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

from .models import ONE_FACTOR, TWO_FACTOR
from .rules import current, host_matches

__all__ = ["may_return_to", "out_of_reach"]


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
    if not domain or not _under(host, domain):
        return False
    if not any(host_matches(rule.domain, host) for rule in current()):
        return False
    # Django's own check too, with exactly this host allowed.
    return url_has_allowed_host_and_scheme(url, allowed_hosts={parts.netloc}, require_https=secure)


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def out_of_reach(cookie_domain: str | None) -> list[str]:
    """The rules that need a sign-in whose hosts ``cookie_domain`` (``TWOSTEP_COOKIE_DOMAIN``)
    does not cover, each said in words."""
    domain = (cookie_domain or "").strip().lower().strip(".")
    found = []
    for rule in current():
        if rule.policy not in {ONE_FACTOR, TWO_FACTOR}:
            continue  # bypass and deny never send anyone to sign in
        host = rule.domain[2:] if rule.domain.startswith("*.") else rule.domain
        if not domain:
            found.append(
                f"protected-site rule #{rule.number} ({rule.domain}, {rule.policy}) needs a "
                "sign-in, but TWOSTEP_COOKIE_DOMAIN is not set: the session reaches no other "
                "host, so its users would be sent to sign in again and again"
            )
        elif not _under(host, domain):
            found.append(
                f"protected-site rule #{rule.number} ({rule.domain}, {rule.policy}) is outside "
                f"TWOSTEP_COOKIE_DOMAIN ({domain}): the session cookie does not reach it, so "
                "its users cannot sign in (move twostep under a common parent domain, or "
                "remove the rule)"
            )
    return found
