"""The page the verification mail's link opens: ``/sync/verify/<token>/``.

The token leaves the address bar first (kept in the session, then a redirect), so no Referer
header carries it; the page then asks for a click (a POST with CSRF protection) because mail
scanners fetch links, and a GET must not use up a one-time link.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..accounts.services import client_address
from ..clock import get_clock
from ..sync.errors import ExpiredError
from ..sync.registration import link_valid, verify_link

TOKEN_KEY = "ts_sync_verify"  # noqa: S105 - a session key
HIDDEN = "confirm"


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest, token: str) -> HttpResponse:
    clock = get_clock()
    if token != HIDDEN:
        request.session[TOKEN_KEY] = token
        return redirect("syncpages:verify", token=HIDDEN)
    kept = request.session.get(TOKEN_KEY)
    if request.method == "GET":
        if not link_valid(kept, clock=clock):
            request.session.pop(TOKEN_KEY, None)
            return render(
                request,
                "syncapi/verify_dead.html",
                {"message": ExpiredError.default_message},
                status=410,
            )
        return render(request, "syncapi/verify.html")
    try:
        verify_link(kept, clock=clock, address=client_address(request))
    except ExpiredError as exc:
        request.session.pop(TOKEN_KEY, None)
        return render(request, "syncapi/verify_dead.html", {"message": exc.message}, status=410)
    request.session.pop(TOKEN_KEY, None)
    return render(request, "syncapi/verified.html")
