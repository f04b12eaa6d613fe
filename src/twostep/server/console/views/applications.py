"""Applications that sign their users in through twostep: list and add, edit the rules, replace
the client secret, delete; their users' grants, revocable. Each action calls one use case of
:mod:`twostep.server.usecases.applications`; a new secret is shown in that response only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.models import User
from ...applications.models import Application
from ...errors import ServiceError
from ...usecases import applications as apps
from ..access import admin_required
from ..app_forms import ApplicationForm, initial_for
from .common import acting, confirmed, page, post_action


def _form_error(form: ApplicationForm, exc: ServiceError) -> None:
    errors = getattr(exc, "errors", None) or {getattr(exc, "field", None): exc.message}
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)


def _secret_page(
    request: HttpRequest, application: Application, secret: str | None
) -> HttpResponse:
    facts = apps.facts(application)
    return page(
        request,
        "application_secret.html",
        {
            "section": "applications",
            "app": facts,
            "secret": secret,
            "issuer": (settings.TWOSTEP_BASE_URL or request.build_absolute_uri("/")).rstrip("/"),
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def applications(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None)
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        confirm_error = confirmed(request) or ""
        if not confirm_error:
            try:
                created = apps.create_application(form.data_for_use_case(), **acting(request).kw)
            except ServiceError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, f"Added the application {created.application.name}.")
                return _secret_page(request, created.application, created.client_secret)
    rows = [apps.facts(application) for application in apps.list_applications()]
    return page(
        request,
        "applications.html",
        {"section": "applications", "rows": rows, "form": form, "confirm_error": confirm_error},
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def application_page(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk)
    facts = apps.facts(application)
    form = ApplicationForm(request.POST or None, creating=False, initial=initial_for(facts))
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        confirm_error = confirmed(request) or ""
        if not confirm_error:
            try:
                apps.update_application(application, form.data_for_use_case(), **acting(request).kw)
            except ServiceError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect("console:application", pk=application.pk)
    return page(
        request,
        "application.html",
        {
            "section": "applications",
            "app": facts,
            "form": form,
            "grants": apps.grants_for(application),
            "confirm_error": confirm_error,
        },
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_POST
def application_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk)
    error = confirmed(request)
    if error is None:
        try:
            secret = apps.rotate_secret(application, **acting(request).kw)
        except ServiceError as exc:
            error = exc.message
        else:
            return _secret_page(request, application, secret)
    messages.error(request, error)
    return redirect("console:application", pk=application.pk)


@admin_required
@require_POST
def application_delete(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk)
    name = application.name
    error = confirmed(request)
    if error is None:
        try:
            apps.delete_application(application, **acting(request).kw)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, f"Deleted the application {name}.")
            return redirect("console:applications")
    messages.error(request, error)
    return redirect("console:application", pk=application.pk)


@admin_required
@require_POST
def application_revoke(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk)
    user = get_object_or_404(User, pk=user_pk)

    def revoke() -> str:
        if apps.revoke_grant(application, user, **acting(request).kw):
            return f"Revoked {user.username}'s access tokens and consent for {application.name}."
        return f"{user.username} had no grant to {application.name}."

    return post_action(request, revoke, reverse("console:application", args=[application.pk]))
