"""The dashboard, the users list with its bulk actions, and adding or inviting a user."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.directory import add_to_group
from ...accounts.models import MEMBER, Invitation, Role, User
from ...errors import InvalidUserDataError, ServiceError
from ...policy.queries import counts, filter_users, status_q, users
from ...policy.services import decide_many, get_org_policy
from ...usecases.requirements import require_many
from ...usecases.users import add_user
from ...web.forms import add_service_errors
from ..access import admin_required
from ..forms import BulkForm, FilterForm, NewUserForm
from .common import acting, confirmed, describe, invite_link_page, page, plural

PER_PAGE: Final = 50
MAX_SELECTED: Final = 100  # a page shows 50; the server accepts 200 form fields
PENDING_SCAN: Final = 2000  # pending users whose deadlines the dashboard sorts


@admin_required
def dashboard(request: HttpRequest) -> HttpResponse:
    clock = acting(request).clock
    now = clock()
    numbers = counts(now=now)
    pending = list(
        users()
        .filter(status_q("pending", now=now))
        .select_related("role")
        .order_by("username")[:PENDING_SCAN]
    )
    decisions = decide_many(pending, clock=lambda: now)
    dated = sorted(
        (u for u in pending if decisions[u.pk].deadline is not None),
        key=lambda u: (decisions[u.pk].deadline, u.username),
    )
    at_next_sign_in = [u for u in pending if decisions[u.pk].deadline is None]
    locked = list(
        users().filter(status_q("locked", now=now)).select_related("role").order_by("username")[:20]
    )
    locked_decisions = decide_many(locked, clock=lambda: now)
    return page(
        request,
        "dashboard.html",
        {
            "section": "dashboard",
            "n": numbers,
            "policy": get_org_policy(),
            "upcoming": [(u, decisions[u.pk], describe(decisions[u.pk])) for u in dated[:20]],
            "upcoming_more": max(0, len(dated) - 20),
            "due_next_sign_in": len(at_next_sign_in),
            "next_sign_in": at_next_sign_in[:20],
            "scan_capped": len(pending) == PENDING_SCAN,
            "locked": [(u, describe(locked_decisions[u.pk])) for u in locked],
        },
    )


def _page_rows(users_page: Any, now: datetime) -> list[dict[str, Any]]:
    people = list(users_page)
    decisions = decide_many(people, clock=lambda: now)
    invited = set(
        Invitation.objects.filter(
            user__in=[u.pk for u in people], accepted_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    return [
        {
            "user": u,
            "decision": decisions[u.pk],
            "status": describe(decisions[u.pk]),
            "invited": u.pk in invited,
        }
        for u in people
    ]


@admin_required
def users_list(request: HttpRequest) -> HttpResponse:
    now = acting(request).clock()
    form = FilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = (
        filter_users(
            search=data.get("q") or "",
            role=data.get("role"),
            group=data.get("group"),
            status=data.get("status") or "",
            now=now,
        )
        .select_related("role")
        .prefetch_related("groups")
        .order_by("username")
    )
    paginator = Paginator(qs, PER_PAGE)
    users_page = paginator.get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return page(
        request,
        "users.html",
        {
            "section": "users",
            "form": form,
            "bulk": BulkForm(auto_id="bulk_%s"),
            "page": users_page,
            "rows": _page_rows(users_page, now),
            "query": urlencode(query),
            "here": request.get_full_path(),
            "filtered": bool(query),
        },
    )


def _back_to_list(request: HttpRequest) -> str:
    back = request.POST.get("next", "")
    if isinstance(back, str) and back.startswith("/console/users/") and "//" not in back:
        return back
    return "/console/users/"


@admin_required
@require_POST
def users_bulk(request: HttpRequest) -> HttpResponse:
    back = _back_to_list(request)
    ids = [int(v) for v in request.POST.getlist("user") if v.isdigit()][: MAX_SELECTED + 1]
    if not ids:
        messages.error(request, "Select at least one user first.")
        return redirect(back)
    if len(ids) > MAX_SELECTED:
        messages.error(request, f"Select at most {MAX_SELECTED} users at a time.")
        return redirect(back)
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for problem in errors:
                messages.error(request, str(problem))
        return redirect(back)
    error = confirmed(request)
    if error:
        messages.error(request, error)
        return redirect(back)
    act = acting(request)
    chosen = list(User.objects.filter(pk__in=ids).select_related("role").order_by("username"))
    if form.cleaned_data["action"] == "require":
        days = form.cleaned_data["days"]
        mailed = require_many(chosen, days=days, **act.kw)
        messages.success(
            request,
            f"Two-step verification is now required for {plural(len(chosen), 'user')} "
            + ("at their next sign-in" if days == 0 else f"with {plural(days, 'day')} to set it up")
            + f"; {plural(mailed, 'mail')} sent.",
        )
    else:
        group = form.cleaned_data["group"]
        added = add_to_group(chosen, group, **act.kw)
        messages.success(
            request,
            f"Added {plural(added, 'user')} to {group.name}"
            + (f" ({len(chosen) - added} already in it)." if added < len(chosen) else "."),
        )
    return redirect(back)


@admin_required
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    member = Role.objects.filter(key=MEMBER).first()
    form = NewUserForm(request.POST or None, initial={"role": member.pk if member else None})
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        error = confirmed(request)
        if error:
            confirm_error = error
        else:
            act = acting(request)
            data = form.cleaned_data
            invite = data["how"] == "invite"
            try:
                added = add_user(
                    username=data["username"],
                    email=data["email"] or None,
                    password=data["password"],
                    display_name=data["display_name"],
                    role=data["role"],
                    groups=data["groups"],
                    invite_user=invite,
                    require_days=data["enrolment_days"] if data["require_mfa"] else None,
                    **act.kw,
                )
            except InvalidUserDataError as exc:
                add_service_errors(form, exc)
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                user = added.user
                if added.link is not None:
                    return invite_link_page(request, user, added.link)
                if invite:
                    messages.success(request, f"Invitation sent to {user.email}.")
                else:
                    messages.success(request, f"Created {user.username}.")
                return redirect("console:user", pk=user.pk)
    return page(
        request,
        "user_new.html",
        {"section": "new", "form": form, "confirm_error": confirm_error},
        status=400 if request.method == "POST" else 200,
    )
