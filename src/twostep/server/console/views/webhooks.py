"""Webhooks: the applications' subscriptions, one subscription's delivery log, the test
button. The services decide (URL rules, events); the view shows the secret once."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ...applications.models import Application
from ...errors import ServiceError
from ...webhooks.events import EVENTS, send_test
from ...webhooks.models import Subscription
from ...webhooks.subscriptions import (
    create_subscription,
    delete_subscription,
    deliveries,
    get_subscription,
    list_subscriptions,
)
from ..access import admin_required
from ..forms import WebhookForm
from .common import acting, confirmed, page, post_action


def _form(request: HttpRequest) -> WebhookForm:
    names = list(Application.objects.order_by("name").values_list("name", flat=True))
    return WebhookForm(request.POST or None, applications=names, events=EVENTS)


@admin_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        confirm_error = confirmed(request) or ""
        if not confirm_error:
            try:
                sub, secret = create_subscription(
                    application=form.cleaned_data["application"],
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    organisation_users=form.cleaned_data["organisation_users"],
                    **acting(request).kw,
                )
            except ServiceError as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                # The secret is in this response only: never in a cookie or a flash message.
                return page(
                    request,
                    "webhook_secret.html",
                    {"section": "webhooks", "sub": sub, "secret": secret},
                )
    return page(
        request,
        "webhooks.html",
        {
            "section": "webhooks",
            "form": form,
            "rows": list_subscriptions(),
            "confirm_error": confirm_error,
        },
        status=400 if request.method == "POST" else 200,
    )


def _subscription(pk: int) -> Subscription:
    sub = get_subscription(pk)
    if sub is None:
        raise Http404
    return sub


@admin_required
def webhook_page(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _subscription(pk)
    return page(
        request,
        "webhook.html",
        {"section": "webhooks", "sub": sub, "deliveries": deliveries(sub, limit=100)},
    )


@admin_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _subscription(pk)

    def test() -> str:
        send_test(sub, clock=acting(request).clock)
        return "A webhook.test event is on its way: see its delivery below (reload)."

    return post_action(request, test, f"/console/webhooks/{sub.pk}/")


@admin_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _subscription(pk)
    error = confirmed(request)
    if error is None:
        delete_subscription(sub, **acting(request).kw)
        messages.success(request, f"Removed the webhook to {sub.url}.")
        return redirect("console:webhooks")
    messages.error(request, error)
    return redirect("console:webhook", pk=sub.pk)
