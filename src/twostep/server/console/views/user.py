"""One user's page (JumpCloud's user details): profile, role, groups, the 2FA requirement with
its enrolment period, and the ways out of a lockout (extend, reset, unlock, lift)."""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.directory import delete_user
from ...accounts.models import Invitation, User
from ...accounts.remembered import devices_of
from ...audit.services import events_for
from ...errors import InvalidUserDataError, ServiceError
from ...mfa import devices
from ...policy.services import decide, get_requirement
from ...usecases import enrolment, requirements
from ...usecases.sessions import sign_out_everywhere
from ...usecases.users import invite, save_user
from ...web import state
from ...web.forms import add_service_errors
from ..access import admin_required
from ..forms import DaysForm, UserForm
from ..widgets import DEFAULT_DAYS
from .common import (
    Acting,
    acting,
    confirmed,
    describe,
    invite_link_page,
    page,
    post_action,
)

TRAIL: Final = 30


def _user(pk: int) -> User:
    return get_object_or_404(User.objects.select_related("role"), pk=pk)


def _initial(user: User) -> dict[str, Any]:
    req = get_requirement(user)
    return {
        "display_name": user.display_name,
        "email": user.email or "",
        "is_active": user.is_active,
        "role": user.role_id,
        "groups": list(user.groups.values_list("pk", flat=True)),
        "require_mfa": req.required,
        "enrolment_days": req.enrolment_days if req.required else DEFAULT_DAYS,
        "admin_required": req.admin_required,
    }


def _render(
    request: HttpRequest, user: User, form: UserForm, *, status: int = 200, confirm_error: str = ""
) -> HttpResponse:
    act = acting(request)
    decision = decide(user, clock=act.clock)
    invitation = Invitation.objects.filter(user=user, accepted_at__isnull=True).first()
    return page(
        request,
        "user.html",
        {
            "section": "users",
            "subject": user,
            "form": form,
            "decision": decision,
            "status": describe(decision),
            "requirement": get_requirement(user),
            "device": devices.device_for(user),
            "recovery_left": devices.recovery_codes_left(user),
            "lockout": devices.lockout_status(user, clock=act.clock),
            "invitation": invitation,
            "trail": list(events_for(user)[:TRAIL]),
            "days_form": DaysForm(initial={"days": DEFAULT_DAYS}),
            "confirm_error": confirm_error,
            "is_self": user.pk == request.user.pk,
            "browsers": devices_of(user, clock=act.clock),
        },
        status=status,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def user_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)
    if request.method != "POST":
        return _render(request, user, UserForm(initial=_initial(user)))
    form = UserForm(request.POST)
    if not form.is_valid():
        return _render(request, user, form, status=400)
    error = confirmed(request)
    if error:
        return _render(request, user, form, status=400, confirm_error=error)
    act = acting(request)
    try:
        changed = save_user(user, form.cleaned_data, **act.kw)
    except InvalidUserDataError as exc:
        user = _user(pk)
        add_service_errors(form, exc)
        return _render(request, user, form, status=400)
    except ServiceError as exc:
        user = _user(pk)
        form.add_error(None, exc.message)
        return _render(request, user, form, status=400)
    if user.pk == request.user.pk:
        state.refresh_session_hash(request, user)
    messages.success(
        request,
        f"Saved {user.username}: {', '.join(changed)}." if changed else "Nothing changed.",
    )
    return redirect("console:user", pk=user.pk)


def _here(user: User) -> str:
    return reverse("console:user", args=[user.pk])


@admin_required
@require_POST
def user_extend(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)
    form = DaysForm(request.POST)

    def extend() -> str:
        if not form.is_valid():
            raise InvalidUserDataError("days", "Choose a number of days from 0 to 365.")
        act = acting(request)
        days = form.cleaned_data["days"]
        requirements.extend(user, days=days, **act.kw)
        decision = decide(user, clock=act.clock)
        until = describe(decision).detail
        return f"{user.username} can sign in and set up two-step verification: {until}."

    return post_action(request, extend, _here(user))


@admin_required
@require_POST
def user_lift(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)

    def lift() -> str:
        act = acting(request)
        requirements.lift(user, **act.kw)
        still = decide(user, clock=act.clock)
        if still.required:
            return (
                f"The requirement for {user.username} is lifted, but two-step verification is "
                f"still required: {' '.join(still.reasons)}"
            )
        return f"Two-step verification is no longer required for {user.username}."

    return post_action(request, lift, _here(user))


def reset_user(user: User, act: Acting) -> str:
    enrolment.reset(user, **act.kw)
    return (
        f"Two-step verification was reset for {user.username}. They set it up again at their "
        "next sign-in."
    )


@admin_required
@require_POST
def user_reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)
    return post_action(request, lambda: reset_user(user, acting(request)), _here(user))


@admin_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)

    def unlock() -> str:
        if enrolment.unlock(user, **acting(request).kw):
            return f"{user.username} is unlocked and can enter codes again."
        return f"{user.username} was not locked after wrong codes."

    return post_action(request, unlock, _here(user))


@admin_required
@require_POST
def user_sign_out(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)

    def sign_out() -> str:
        sign_out_everywhere(user, **acting(request).kw)
        if user.pk == request.user.pk:
            state.refresh_session_hash(request, user)
            return "Your other sessions are signed out."
        return f"Every session of {user.username} is signed out."

    return post_action(request, sign_out, _here(user))


@admin_required
@require_POST
def user_invite(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)
    error = confirmed(request)
    if error is None:
        try:
            link, mailed = invite(user, **acting(request).kw)
        except ServiceError as exc:
            error = exc.message
        else:
            if not mailed:
                return invite_link_page(request, user, link)
            messages.success(
                request, f"A new invitation was sent to {user.email}; the old link no longer works."
            )
    if error:
        messages.error(request, error)
    return redirect(_here(user))


@admin_required
@require_http_methods(["GET", "POST"])
def user_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(pk)
    if request.method == "POST":
        error = confirmed(request)
        if error is None:
            try:
                delete_user(user, **acting(request).kw)
            except ServiceError as exc:
                error = exc.message
            else:
                messages.success(request, f"Deleted {user.username}.")
                return redirect("console:users")
        messages.error(request, error)
    return page(
        request,
        "user_delete.html",
        {"section": "users", "subject": user},
        status=400 if request.method == "POST" else 200,
    )


__all__ = [
    "reset_user",
    "user_delete",
    "user_extend",
    "user_invite",
    "user_lift",
    "user_page",
    "user_reset",
    "user_sign_out",
    "user_unlock",
]
