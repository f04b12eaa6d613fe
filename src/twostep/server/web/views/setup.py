"""Setting up two-step verification: the QR code page, then the recovery codes, shown once."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from ...accounts.models import User
from ...accounts.services import client_address
from ...clock import Clock, get_clock
from ...errors import (
    AlreadyEnrolledError,
    CodeRejectedError,
    EnrolmentExpiredError,
    LockedOutError,
    ServiceError,
    SetupDeadlinePassedError,
)
from ...mfa.devices import is_enrolled
from ...mfa.enrolment import Enrolment, diagnose_setup_code
from ...mfa.recovery import format_recovery_code
from ...policy.services import decide
from ...policy.wording import postpone_reminder
from ...usecases.enrolment import confirm_enrolment
from ...usecases.signin import NextStep, postpone_setup, recheck
from ...usecases.signin import setup as setup_step
from .. import state
from ..forms import CodeForm

RECENT_PASSWORD = timedelta(minutes=10)


def _enrolment(request: HttpRequest, user: User, clock: Clock, address: str | None) -> Enrolment:
    """This session's pending setup, or a new one."""
    data = request.session.get(state.ENROLMENT)
    known = data.get("id") if isinstance(data, dict) and data.get("user") == user.pk else None
    enrolment = setup_step(user, known, clock=clock, address=address)
    request.session[state.ENROLMENT] = {"user": user.pk, "id": str(enrolment.id)}
    return enrolment


def _drift_hint(seconds: int) -> str:
    direction = "ahead of" if seconds > 0 else "behind"
    amount = abs(seconds)
    size = f"{round(amount / 60)} minutes" if amount >= 90 else f"{amount} seconds"
    return (
        f"Your device's clock seems to be about {size} {direction} the real time. Set your "
        "phone's date and time to update automatically, then enter the new code."
    )


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    clock = get_clock()
    address = client_address(request)
    signing_in = not request.user.is_authenticated
    if signing_in:
        pending = state.pending_user(request, "setup", clock, address)
        if pending is None:
            messages.error(
                request, "Your sign-in expired. Sign in again to set up two-step verification."
            )
            return redirect("web:signin")
        user = pending
        try:
            step = recheck(user, clock=clock, address=address)
        except (SetupDeadlinePassedError, LockedOutError) as exc:
            request.session.pop(state.PENDING, None)
            return render(
                request,
                "web/refused.html",
                {"title": "You cannot sign in right now", "message": exc.message},
                status=403,
            )
        if step == NextStep.DONE:  # no longer required (an admin changed the policy)
            return state.complete_login(request, user, "password", clock, address)
        if step == NextStep.CODE:
            request.session.pop(state.PENDING, None)
            messages.info(request, "Two-step verification is already set up. Sign in again.")
            return redirect("web:signin")
    else:
        user = state.signed_in(request)
        if is_enrolled(user):
            messages.info(request, "Two-step verification is already on.")
            return redirect("web:account")
        auth_at = request.session.get(state.AUTH_AT)
        if not isinstance(auth_at, int | float) or (
            clock().timestamp() - auth_at > RECENT_PASSWORD.total_seconds()
        ):
            return redirect(f"{reverse('web:confirm_password')}?next={reverse('web:setup')}")

    decision = decide(user, clock=clock)
    form = CodeForm(request.POST or None)
    hint = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "confirm")
        if action == "later" and signing_in:
            try:
                postpone_setup(user, clock=clock, address=address)
            except ServiceError as exc:
                messages.error(request, exc.message)
                return redirect("web:setup")
            request.session.pop(state.ENROLMENT, None)
            messages.info(request, postpone_reminder(decision))
            return state.complete_login(request, user, "postponed", clock, address)
        if action == "restart":
            request.session.pop(state.ENROLMENT, None)
            return redirect("web:setup")
        if form.is_valid():
            data = request.session.get(state.ENROLMENT)
            enrolment_id = (
                data.get("id") if isinstance(data, dict) and data.get("user") == user.pk else None
            )
            typed = form.cleaned_data["code"]
            try:
                codes = confirm_enrolment(user, enrolment_id, typed, clock=clock, address=address)
            except EnrolmentExpiredError as exc:
                request.session.pop(state.ENROLMENT, None)
                messages.error(request, exc.message)
                return redirect("web:setup")
            except AlreadyEnrolledError as exc:
                messages.info(request, exc.message)
                return redirect("web:account" if not signing_in else "web:signin")
            except CodeRejectedError as exc:
                form.add_error("code", exc.message)
                drift = diagnose_setup_code(user, enrolment_id, typed, clock=clock)
                hint = _drift_hint(drift.seconds) if drift else ""
            except ServiceError as exc:
                form.add_error("code", exc.message)
            else:
                request.session.pop(state.ENROLMENT, None)
                state.stash_codes(request, user, codes, "enabled")
                if signing_in:
                    return state.complete_login(
                        request,
                        user,
                        "setup",
                        clock,
                        address,
                        next_url=reverse("web:enabled"),
                        continue_after=True,
                    )
                state.refresh_session_hash(request, user)
                request.session[state.VERIFIED_AT] = clock().timestamp()
                return redirect("web:enabled")
        status = 400
    enrolment = _enrolment(request, user, clock, address)
    return render(
        request,
        "web/setup.html",
        {
            "form": form,
            "enrolment": enrolment,
            "qr": mark_safe(enrolment.qr_svg()),  # noqa: S308 - made by segno from our own URI
            "hint": hint,
            "signing_in": signing_in,
            "decision": decision,
            "setup_user": user,
        },
        status=status,
    )


@login_required
def enabled(request: HttpRequest) -> HttpResponse:
    """The recovery codes, once (after setup or after making new ones)."""
    user = state.signed_in(request)
    popped = state.pop_codes(request, user)
    if popped is None:
        return render(request, "web/codes_gone.html")
    codes, purpose = popped
    shown = [format_recovery_code(c) for c in codes]
    site = request.get_host()
    text = (
        f"Recovery codes for {user.username} at {site}\n"
        "Each code signs you in once if you cannot use your authenticator app.\n\n"
        + "\n".join(shown)
        + "\n"
    )
    return render(
        request,
        "web/enabled.html",
        {
            "codes": shown,
            "purpose": purpose,
            "download": "data:text/plain;charset=utf-8," + quote(text),
            "filename": f"twostep-recovery-codes-{user.username}.txt",
            "continue_url": state.pop_continue(request, reverse("web:account")),
        },
    )
