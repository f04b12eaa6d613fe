"""Forgot password: ask for a link, open it, choose a new password; then the code or setup
(the mail link never signs anyone in)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ...accounts.services import client_address
from ...clock import get_clock
from ...errors import (
    ActionRefusedError,
    InvalidUserDataError,
    LockedOutError,
    SetupDeadlinePassedError,
)
from ...usecases.password_reset import DEAD_LINK, ask_for_reset, reset_link_user, reset_password
from ...usecases.signin import NextStep
from .. import state
from ..forms import ForgotForm, NewPasswordForm

SENT = (
    "If an account has that email or username, a link to choose a new password is on its way "
    "to the account's email address. It works for an hour."
)
#: The session key that holds the link's token, so that it leaves the address bar (and no
#: Referer header carries it) before the form is shown: Django's PasswordResetConfirmView does
#: the same.
RESET_TOKEN = "ts_reset_token"  # noqa: S105 - a session key
SET_PASSWORD = "set-password"  # noqa: S105 - the URL's placeholder for the token


@require_http_methods(["GET", "POST"])
def forgot(request: HttpRequest) -> HttpResponse:
    form = ForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ask_for_reset(
            form.cleaned_data["identifier"], clock=get_clock(), address=client_address(request)
        )
        messages.info(request, SENT)  # the same answer for every address
        return redirect("web:signin")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/forgot.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def reset_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    clock = get_clock()
    address = client_address(request)
    if token != SET_PASSWORD:
        request.session[RESET_TOKEN] = token
        return redirect("web:reset_link", uidb64=uidb64, token=SET_PASSWORD)
    kept = request.session.get(RESET_TOKEN)
    if (
        request.method == "GET"
        and reset_link_user(uidb64, kept, clock=clock, address=address) is None
    ):
        request.session.pop(RESET_TOKEN, None)
        return render(
            request,
            "web/refused.html",
            {"title": "This link does not work", "message": DEAD_LINK, "forgot": True},
            status=400,
        )
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accepted = reset_password(
                uidb64, kept, form.cleaned_data["password"], clock=clock, address=address
            )
        except InvalidUserDataError as exc:
            form.add_error("password", exc.message)
        except ActionRefusedError as exc:
            request.session.pop(RESET_TOKEN, None)
            messages.error(request, exc.message)
            return redirect("web:forgot")
        except (LockedOutError, SetupDeadlinePassedError) as exc:
            request.session.pop(RESET_TOKEN, None)
            return render(
                request,
                "web/refused.html",
                {"title": "Your password is changed", "message": exc.message},
                status=403,
            )
        else:
            request.session.pop(RESET_TOKEN, None)
            if accepted.next == NextStep.DONE:
                messages.success(request, "Your password is changed. Sign in with it.")
                return redirect("web:signin")
            stage = "code" if accepted.next == NextStep.CODE else "setup"
            state.begin_pending(request, accepted.user, stage, clock(), "/account/")
            messages.success(
                request,
                "Your password is changed. "
                + (
                    "Now enter a code to sign in."
                    if stage == "code"
                    else "Now set up two-step verification."
                ),
            )
            return redirect("web:code" if stage == "code" else "web:setup")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/reset_password.html", {"form": form}, status=status)
