"""The account security page and its actions."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.password_check import check_password_for_sign_in
from ...accounts.remembered import device_id_of
from ...accounts.services import client_address
from ...accounts.sessions import end_session, list_sessions
from ...applications.access import usable_by
from ...clock import get_clock
from ...errors import InvalidUserDataError, ServiceError, SignInFailedError, StepUpRequiredError
from ...mfa.devices import device_for, lockout_status, recovery_codes_left
from ...mfa.verification import STEP_UP_WINDOW
from ...policy.services import decide
from ...usecases.applications import disconnect, grants_of
from ...usecases.enrolment import disable, regenerate_recovery_codes
from ...usecases.passwords import change_password
from ...usecases.sessions import sign_out_everywhere
from ...usecases.signin import forget_all_browsers, remember_days, remembered_browsers
from ...usecases.signin import forget_browser as forget_browser_of
from .. import state
from ..forms import NewPasswordForm, PasswordConfirmForm, StepUpForm
from ..middleware import PORTAL_CSP

RECENT_PASSWORD = timedelta(minutes=10)


def _recent_code(request: HttpRequest) -> bool:
    verified = state.verified_at(request)
    return verified is not None and get_clock()() - verified <= STEP_UP_WINDOW


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The page a user lands on: "My applications" (the applications they may open, and those
    connected to their account), then their account's security."""
    user = state.signed_in(request)
    clock = get_clock()
    response = render(
        request,
        "web/account.html",
        {
            "applications": usable_by(user),
            "grants": grants_of(user),
            "device": device_for(user),
            "decision": decide(user, clock=clock),
            "recovery_left": recovery_codes_left(user),
            "lockout": lockout_status(user, clock=clock),
            "sessions": list_sessions(user, clock=clock, current=_current(request)),
            "browsers": remembered_browsers(user, clock=clock),
            "this_browser": device_id_of(state.remembered_cookie(request)),
            "remember_days": remember_days(),
        },
    )
    response["Content-Security-Policy"] = PORTAL_CSP  # the applications' icons
    return response


@login_required
@require_POST
def disconnect_view(request: HttpRequest, application_id: int) -> HttpResponse:
    """End the user's own grant to an application: it asks again, its tokens stop working."""
    user = state.signed_in(request)
    if disconnect(user, application_id, clock=get_clock(), address=client_address(request)):
        messages.success(request, "Disconnected: the application must ask you again.")
    else:
        messages.error(request, "That application was not connected.")
    return redirect("web:account")


def _current(request: HttpRequest) -> str | None:
    row = request.session.get(state.SESSION_ROW)
    return f"web-{row}" if isinstance(row, int) else None


@login_required
@require_POST
def end_session_view(request: HttpRequest, session_id: str) -> HttpResponse:
    user = state.signed_in(request)
    if session_id == _current(request):
        messages.error(request, "To end this session, sign out.")
    elif end_session(user, session_id, clock=get_clock(), address=client_address(request)):
        messages.success(request, "That session is signed out.")
    else:
        messages.error(request, "That session had ended already.")
    return redirect("web:account")


@login_required
@require_POST
def forget_browser(request: HttpRequest) -> HttpResponse:
    """Forget one remembered browser (``device``) or all of them (``device=all``)."""
    user = state.signed_in(request)
    clock = get_clock()
    address = client_address(request)
    device = request.POST.get("device", "")
    this_browser = device_id_of(state.remembered_cookie(request))
    if device == "all":
        count = forget_all_browsers(user, clock=clock, address=address)
        messages.success(
            request, f"Forgot {count} browser{'s' if count != 1 else ''}: each asks for a code."
        )
    elif forget_browser_of(user, device[:64], clock=clock, address=address):
        messages.success(request, "Forgot that browser: it asks for a code at its next sign-in.")
    else:
        messages.info(request, "That browser was already forgotten.")
    response = redirect("web:account")
    if device in ("all", this_browser):
        state.clear_remembered_cookie(response)
    return response


def _step_up_action(request: HttpRequest, template: str, action: str) -> HttpResponse:
    """Turn off 2FA or make new recovery codes: both need a recent code (10 minutes)."""
    user = state.signed_in(request)
    clock = get_clock()
    address = client_address(request)
    if device_for(user) is None:
        messages.info(request, "Two-step verification is not on.")
        return redirect("web:account")
    form = StepUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"] or None
        try:
            if action == "disable":
                disable(
                    user,
                    code=code,
                    verified_at=state.verified_at(request),
                    clock=clock,
                    address=address,
                )
            else:
                codes = regenerate_recovery_codes(
                    user,
                    code=code,
                    verified_at=state.verified_at(request),
                    clock=clock,
                    address=address,
                )
        except StepUpRequiredError as exc:
            form.add_error("code", exc.message)
            status = 400
        except ServiceError as exc:
            form.add_error(None if _recent_code(request) else "code", exc.message)
            status = 400
        else:
            if code:
                request.session[state.VERIFIED_AT] = clock().timestamp()
            if action == "disable":
                state.refresh_session_hash(request, user)
                request.session.pop(state.VERIFIED_AT, None)
                messages.success(request, "Two-step verification is off.")
                return redirect("web:account")
            state.stash_codes(request, user, codes, "regenerated")
            return redirect("web:enabled")
    elif request.method == "POST":
        status = 400
    return render(request, template, {"form": form, "recent": _recent_code(request)}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def disable_view(request: HttpRequest) -> HttpResponse:
    return _step_up_action(request, "web/disable.html", "disable")


@login_required
@require_http_methods(["GET", "POST"])
def regenerate_view(request: HttpRequest) -> HttpResponse:
    return _step_up_action(request, "web/regenerate.html", "regenerate")


@login_required
@require_POST
def sign_out_others(request: HttpRequest) -> HttpResponse:
    user = state.signed_in(request)
    sign_out_everywhere(user, actor=user, clock=get_clock(), address=client_address(request))
    state.refresh_session_hash(request, user)
    messages.success(request, "Every other session of your account is signed out.")
    return redirect("web:account")


@login_required
@require_http_methods(["GET", "POST"])
def confirm_password(request: HttpRequest) -> HttpResponse:
    form = PasswordConfirmForm(request.POST or None)
    next_url = state.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            clock = get_clock()
            try:
                check_password_for_sign_in(
                    state.signed_in(request).username,
                    form.cleaned_data["password"],
                    clock=clock,
                    address=client_address(request),
                    device=state.device_token(request),
                )
            except SignInFailedError:
                form.add_error("password", "That is not your password.")
            except ServiceError as exc:
                form.add_error("password", exc.message)
            else:
                request.session[state.AUTH_AT] = clock().timestamp()
                return redirect(next_url)
    return render(
        request, "web/confirm_password.html", {"form": form, "next": next_url}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_password_view(request: HttpRequest) -> HttpResponse:
    """A new password; the only page (with sign-out) while ``must_change_password`` is set
    (``PasswordChangeMiddleware``). Asks for the current password again after 10 minutes."""
    user = state.signed_in(request)
    clock = get_clock()
    auth_at = request.session.get(state.AUTH_AT)
    if not isinstance(auth_at, int | float) or (
        clock().timestamp() - auth_at > RECENT_PASSWORD.total_seconds()
    ):
        here = reverse("web:change_password")
        return redirect(f"{reverse('web:confirm_password')}?next={here}")
    form = NewPasswordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                change_password(
                    user,
                    form.cleaned_data["password"],
                    clock=clock,
                    address=client_address(request),
                )
            except InvalidUserDataError as exc:
                form.add_error("password", exc.message)
            else:
                state.refresh_session_hash(request, user)
                messages.success(
                    request, "Your password is changed. Every other session is signed out."
                )
                # After a sign-in that had to change the password first: where it was going.
                return redirect(state.leave_to(state.pop_continue(request, reverse("web:account"))))
    return render(
        request,
        "web/change_password.html",
        {"form": form, "required": user.must_change_password},
        status=status,
    )
