"""Organisation-wide settings: the Security page (Zoom's "Sign in with two-step verification"
and "Reset two-step verification for a user") and the Administrators page (JumpCloud)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.models import User
from ...accounts.organisation import organisation_name
from ...accounts.remembered import remember_days, set_remember_days
from ...accounts.services import find_user
from ...errors import InvalidUserDataError, ServiceError
from ...policy.models import OrgPolicy
from ...policy.queries import counts
from ...policy.services import decide_many, get_org_policy
from ...usecases.organisation import rename_organisation
from ...usecases.requirements import save_admin_requirements, set_org_policy
from ...web.forms import add_service_errors
from ..access import admin_required
from ..forms import OrganisationForm, PolicyForm, RememberForm, ResetForm
from .common import acting, confirmed, describe, page, plural, post_action
from .user import reset_user


def _policy_initial(policy: OrgPolicy) -> dict[str, Any]:
    return {
        "enabled": policy.mode != OrgPolicy.OFF,
        "scope": policy.mode if policy.mode != OrgPolicy.OFF else OrgPolicy.ALL,
        "roles": list(policy.roles.values_list("pk", flat=True)),
        "groups": list(policy.groups.values_list("pk", flat=True)),
        "grace_days": policy.grace_days,
    }


def _security_page(
    request: HttpRequest,
    form: PolicyForm,
    reset_form: ResetForm,
    *,
    status: int = 200,
    confirm_error: str = "",
) -> HttpResponse:
    return page(
        request,
        "security.html",
        {
            "section": "security",
            "form": form,
            "reset_form": reset_form,
            "org_form": OrganisationForm(initial={"name": organisation_name()}),
            "policy": get_org_policy(),
            "n": counts(now=acting(request).clock()),
            "remember_form": RememberForm(initial={"remember_days": remember_days()}),
            "confirm_error": confirm_error,
        },
        status=status,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    policy = get_org_policy()
    if request.method != "POST":
        return _security_page(request, PolicyForm(initial=_policy_initial(policy)), ResetForm())
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return _security_page(request, form, ResetForm(), status=400)
    error = confirmed(request)
    if error:
        return _security_page(request, form, ResetForm(), status=400, confirm_error=error)
    act = acting(request)
    data = form.cleaned_data
    try:
        set_org_policy(
            mode=form.mode(),
            roles=data["roles"],
            groups=data["groups"],
            grace_days=data["grace_days"],
            **act.kw,
        )
    except InvalidUserDataError as exc:
        add_service_errors(form, exc)
        return _security_page(request, form, ResetForm(), status=400)
    n = counts(now=act.clock())
    if form.mode() == OrgPolicy.OFF:
        messages.success(
            request, "Saved: the organisation no longer requires two-step verification."
        )
    else:
        waiting = n.required - n.required_enrolled
        messages.success(
            request,
            f"Saved: two-step verification is required for {plural(n.required, 'user')}; "
            f"{waiting} of them {'has' if waiting == 1 else 'have'} not set it up yet and will "
            + (
                "be asked at their next sign-in."
                if data["grace_days"] == 0
                else f"have {plural(data['grace_days'], 'day')} to do it."
            ),
        )
    return redirect("console:security")


@admin_required
@require_POST
def security_name(request: HttpRequest) -> HttpResponse:
    """The organisation's name (the issuer in authenticator apps)."""
    form = OrganisationForm(request.POST)

    def rename() -> str:
        name = form.cleaned_data["name"] if form.is_valid() else request.POST.get("name", "")
        new = rename_organisation(str(name), **acting(request).kw)
        return f"Saved: the organisation is now called {new}."

    return post_action(request, rename, "/console/security/#organisation")


@admin_required
@require_POST
def security_reset(request: HttpRequest) -> HttpResponse:
    form = ResetForm(request.POST)

    def reset() -> str:
        if not form.is_valid():
            raise InvalidUserDataError("identifier", "Enter the username or email of the user.")
        user = find_user(form.cleaned_data["identifier"])
        if user is None:
            raise InvalidUserDataError(
                "identifier", "No user has that username or email. Check the spelling."
            )
        return reset_user(user, acting(request))

    return post_action(request, reset, "/console/security/#reset")


@admin_required
@require_POST
def security_remember(request: HttpRequest) -> HttpResponse:
    form = RememberForm(request.POST)

    def save() -> str:
        if not form.is_valid():
            raise InvalidUserDataError("remember_days", "Choose off or 1 to 30 days.")
        days = form.cleaned_data["remember_days"]
        set_remember_days(days, **acting(request).kw)
        if days == 0:
            return "Saved: every sign-in asks for the code."
        return f"Saved: users may remember a browser for {plural(days, 'day')}."

    return post_action(request, save, "/console/security/#remember")


@admin_required
@require_http_methods(["GET", "POST"])
def administrators(request: HttpRequest) -> HttpResponse:
    act = acting(request)
    policy = get_org_policy()
    admins = list(
        User.objects.filter(role__is_admin=True)
        .select_related("role", "mfa_requirement")
        .order_by("username")
    )
    confirm_error = ""
    failed = False
    if request.method == "POST":
        confirm_error = confirmed(request) or ""
        failed = bool(confirm_error)
        if not confirm_error:
            try:
                changed = _save_admins(request, admins)
            except ServiceError as exc:
                messages.error(request, exc.message)
                failed = True
            else:
                messages.success(
                    request, f"Saved: {', '.join(changed)}." if changed else "Nothing changed."
                )
                return redirect("console:administrators")
    decisions = decide_many(admins, clock=act.clock)
    rows = []
    for user in admins:
        req = getattr(user, "mfa_requirement", None)
        rows.append(
            {
                "user": user,
                "required": bool(req and req.admin_required),
                "status": describe(decisions[user.pk]),
            }
        )
    return page(
        request,
        "administrators.html",
        {
            "section": "administrators",
            "policy": policy,
            "rows": rows,
            "confirm_error": confirm_error,
        },
        status=400 if failed else 200,
    )


def _save_admins(request: HttpRequest, admins: list[User]) -> list[str]:
    wanted = {int(v) for v in request.POST.getlist("admin_required") if v.isdigit()}
    return save_admin_requirements(
        admins,
        all_admins=request.POST.get("require_all_admins") == "on",
        wanted=wanted,
        **acting(request).kw,
    )


@admin_required
@require_POST
def confirm(request: HttpRequest) -> HttpResponse:
    """Enter a code (or password) once; the page's buttons then work for 10 minutes."""
    back = request.POST.get("next", "")
    if not (isinstance(back, str) and back.startswith("/console/") and "//" not in back):
        back = "/console/"
    error = confirmed(request)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Confirmed: you can make changes for the next 10 minutes.")
    return redirect(back)
