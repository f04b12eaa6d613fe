"""The check that :func:`~.decorators.require_second_factor` and
:class:`~.middleware.SecondFactorMiddleware` share: who goes on, who goes to the login page
or to the code page."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from ..errors import TwostepError
from ..web import policy_admits
from .conf import EXEMPT, app_user, client, require, second_factor_passed

__all__ = ["check"]

log = logging.getLogger("twostep.sdk.django")


def check(request: HttpRequest) -> HttpResponse | None:
    """None when the request may go on: a signed-in user with a fresh second factor (or, with
    ``TWOSTEP_REQUIRE = "policy"``, one twostep requires none of); else where to go instead:
    the login page, the code page (and back), or a 503 page when twostep cannot answer."""
    user = app_user(request)
    if user is None:
        return redirect_to_login(request.get_full_path())
    if second_factor_passed(request):
        return None
    if require() == "policy":
        try:
            record = policy_admits(client(), user, request.session.get(EXEMPT), now=time.time())
        except TwostepError as exc:
            log.warning("twostep unavailable: %s", exc)
            return render(request, "twostep/unavailable.html", status=503)
        if record is not None:
            if request.session.get(EXEMPT) != record:  # save the session only when it changes
                request.session[EXEMPT] = record
            return None
        request.session.pop(EXEMPT, None)
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('twostep:code')}?{query}")
