"""The code page and the setup page (QR code, first code, recovery codes shown once)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from ..errors import TwostepError
from ..web import (
    AppUser,
    check_code,
    confirm_setup,
    key_groups,
    local_target,
    needs_setup,
    passed_state,
    start_setup,
)
from .conf import NEXT, PASSED, SETUP, app_user, client

__all__ = ["code", "setup"]

log = logging.getLogger("twostep.sdk.django")
View = Callable[[HttpRequest, AppUser], HttpResponse]


def _home() -> str:
    return str(getattr(settings, "TWOSTEP_HOME", None) or settings.LOGIN_REDIRECT_URL)


def _next(request: HttpRequest) -> str:
    return local_target(request.session.get(NEXT), _home())


def _step(view: View) -> Callable[[HttpRequest], HttpResponse]:
    """A signed-in user only (else the login page); CSRF-checked; twostep unreachable (or
    answering 5xx, or refusing the key) is a 503 page: nobody passes without it."""

    @functools.wraps(view)
    @never_cache
    @csrf_protect
    def wrapper(request: HttpRequest) -> HttpResponse:
        user = app_user(request)
        if user is None:
            return redirect_to_login(request.get_full_path())
        if "next" in request.GET:
            request.session[NEXT] = local_target(request.GET["next"], _home())
        try:
            return view(request, user)
        except TwostepError as exc:
            log.warning("twostep unavailable: %s", exc)
            return render(request, "twostep/unavailable.html", status=503)

    return wrapper


def _passed(request: HttpRequest, user: AppUser) -> None:
    request.session.cycle_key()  # a new session id once the second factor is given
    request.session[PASSED] = passed_state(user, time.time())


@_step
def code(request: HttpRequest, user: AppUser) -> HttpResponse:
    twostep = client()
    if request.method == "POST":
        outcome = check_code(
            twostep, user, request.POST.get("code", ""), request.META.get("REMOTE_ADDR")
        )
        if outcome.valid:
            target = _next(request)
            request.session.pop(NEXT, None)
            _passed(request, user)
            if outcome.method == "recovery":
                left = f"You used a recovery code; {outcome.recovery_codes_left} left."
                messages.info(request, left, fail_silently=True)
            return HttpResponseRedirect(target)
        if outcome.setup:
            return HttpResponseRedirect(reverse("twostep:setup"))
        return render(request, "twostep/code.html", {"error": outcome.message}, status=400)
    if needs_setup(twostep, user):
        return HttpResponseRedirect(reverse("twostep:setup"))
    return render(request, "twostep/code.html")


@_step
def setup(request: HttpRequest, user: AppUser) -> HttpResponse:
    twostep = client()
    pending: Any = request.session.get(SETUP)
    enrolment_id = (
        pending.get("id")
        if isinstance(pending, dict) and pending.get("user") == user.external_id
        else None
    )
    error = ""
    if request.method == "POST" and enrolment_id:
        outcome = confirm_setup(
            twostep, enrolment_id, request.POST.get("code", ""), request.META.get("REMOTE_ADDR")
        )
        if outcome.confirmation is not None:
            target = _next(request)
            request.session.pop(SETUP, None)
            _passed(request, user)
            context = {"codes": outcome.confirmation.recovery_codes, "next": target}
            return render(request, "twostep/recovery_codes.html", context)
        error = outcome.message
        if outcome.expired:
            enrolment_id = None
    enrolment = start_setup(twostep, user, enrolment_id)
    if enrolment is None:  # set up already
        request.session.pop(SETUP, None)
        return HttpResponseRedirect(reverse("twostep:code"))
    request.session[SETUP] = {"user": user.external_id, "id": str(enrolment.enrolment_id)}
    context = {
        "qr": enrolment.qr_png_base64,
        "uri": enrolment.otpauth_uri,
        "key": key_groups(enrolment.secret),
        "account": enrolment.account_name,
        "error": error,
    }
    return render(request, "twostep/setup.html", context, status=400 if error else 200)
