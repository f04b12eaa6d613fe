"""Groups and roles: list, create, edit, delete; a group's members."""

from __future__ import annotations

from typing import Final

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.directory import (
    add_to_group,
    create_group,
    create_role,
    remove_from_group,
    update_group,
    update_role,
)
from ...accounts.models import Group, Role, User
from ...accounts.services import find_user
from ...errors import InvalidUserDataError, ServiceError
from ...policy.services import get_org_policy
from ...usecases.directory import delete_group, delete_role
from ..access import admin_required
from ..forms import GroupForm, MemberForm, RoleForm
from .common import acting, confirmed, page, post_action

MEMBERS_PER_PAGE: Final = 50


def _form_error(form: GroupForm | RoleForm | MemberForm, exc: ServiceError) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, exc.message)


# -- groups ------------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def groups(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None)
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        confirm_error = confirmed(request) or ""
        if not confirm_error:
            try:
                group = create_group(
                    form.cleaned_data["name"],
                    form.cleaned_data["description"],
                    **acting(request).kw,
                )
            except ServiceError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"Created the group {group.name}.")
                return redirect("console:group", pk=group.pk)
    policy_groups = set(get_org_policy().groups.values_list("pk", flat=True))
    rows = Group.objects.annotate(members=Count("users")).order_by("name")
    return page(
        request,
        "groups.html",
        {
            "section": "groups",
            "form": form,
            "rows": rows,
            "policy_groups": policy_groups,
            "confirm_error": confirm_error,
        },
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def group_page(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(Group, pk=pk)
    form = GroupForm(
        request.POST or None, initial={"name": group.name, "description": group.description}
    )
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        confirm_error = confirmed(request) or ""
        if not confirm_error:
            try:
                changed = update_group(
                    group,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    **acting(request).kw,
                )
            except ServiceError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "Saved." if changed else "Nothing changed.")
                return redirect("console:group", pk=group.pk)
    members = Paginator(
        User.objects.filter(groups=group).select_related("role").order_by("username"),
        MEMBERS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return page(
        request,
        "group.html",
        {
            "section": "groups",
            "group": group,
            "form": form,
            "member_form": MemberForm(),
            "members": members,
            "in_policy": get_org_policy().groups.filter(pk=group.pk).exists(),
            "confirm_error": confirm_error,
        },
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_POST
def group_add_member(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(Group, pk=pk)
    form = MemberForm(request.POST)

    def add() -> str:
        user = find_user(form.cleaned_data["identifier"]) if form.is_valid() else None
        if user is None:
            raise InvalidUserDataError("identifier", "No user has that username or email.")
        if add_to_group([user], group, **acting(request).kw):
            return f"Added {user.username} to {group.name}."
        return f"{user.username} is already in {group.name}."

    return post_action(request, add, reverse("console:group", args=[group.pk]))


@admin_required
@require_POST
def group_remove_member(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    group = get_object_or_404(Group, pk=pk)
    user = get_object_or_404(User, pk=user_pk)

    def remove() -> str:
        remove_from_group(user, group, **acting(request).kw)
        return f"Removed {user.username} from {group.name}."

    return post_action(request, remove, reverse("console:group", args=[group.pk]))


@admin_required
@require_POST
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(Group, pk=pk)
    error = confirmed(request)
    if error is None:
        try:
            delete_group(group, **acting(request).kw)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, f"Deleted the group {group.name}.")
            return redirect("console:groups")
    messages.error(request, error)
    return redirect("console:group", pk=group.pk)


# -- roles ---------------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def roles(request: HttpRequest) -> HttpResponse:
    form = RoleForm(request.POST or None)
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        confirm_error = confirmed(request) or ""
        if not confirm_error:
            try:
                role = create_role(
                    form.cleaned_data["name"],
                    form.cleaned_data["description"],
                    is_admin=form.cleaned_data["is_admin"],
                    **acting(request).kw,
                )
            except ServiceError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"Created the role {role.name}.")
                return redirect("console:roles")
    policy_roles = set(get_org_policy().roles.values_list("pk", flat=True))
    rows = Role.objects.annotate(members=Count("users")).order_by("-is_admin", "name")
    return page(
        request,
        "roles.html",
        {
            "section": "roles",
            "form": form,
            "rows": rows,
            "policy_roles": policy_roles,
            "confirm_error": confirm_error,
        },
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def role_page(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role, pk=pk)
    form = RoleForm(
        request.POST or None,
        initial={"name": role.name, "description": role.description, "is_admin": role.is_admin},
    )
    if role.builtin:
        form.fields["name"].disabled = True
        form.fields["is_admin"].disabled = True
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        confirm_error = confirmed(request) or ""
        if not confirm_error:
            try:
                changed = update_role(
                    role,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    is_admin=form.cleaned_data["is_admin"],
                    **acting(request).kw,
                )
            except ServiceError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "Saved." if changed else "Nothing changed.")
                return redirect("console:roles")
    return page(
        request,
        "role.html",
        {
            "section": "roles",
            "role": role,
            "form": form,
            "members": role.users.count(),
            "confirm_error": confirm_error,
        },
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_POST
def role_delete(request: HttpRequest, pk: int) -> HttpResponse:
    role = get_object_or_404(Role, pk=pk)

    def delete() -> str:
        delete_role(role, **acting(request).kw)
        return f"Deleted the role {role.name}."

    error = confirmed(request)
    if error is None:
        try:
            done = delete()
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, done)
            return redirect("console:roles")
    messages.error(request, error)
    return redirect("console:role", pk=role.pk)


__all__ = [
    "group_add_member",
    "group_delete",
    "group_page",
    "group_remove_member",
    "groups",
    "role_delete",
    "role_page",
    "roles",
]
