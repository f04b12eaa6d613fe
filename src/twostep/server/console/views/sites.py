"""Protected sites (forward authentication): the rules in order, a new rule, moving and
removing one, and the test that says which rule a URL hits and what a user gets there."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.services import find_user
from ...errors import ServiceError
from ...gateway.access import explain, parse_url
from ...gateway.sites import add_site, list_sites, move_site, remove_site
from ..access import admin_required
from ..forms import SiteForm, SiteMoveForm, SiteTestForm
from .common import acting, confirmed, page, post_action


def _test(request: HttpRequest) -> tuple[SiteTestForm, object]:
    form = SiteTestForm(request.GET if "url" in request.GET else None)
    if not form.is_valid():
        return form, None
    target = parse_url(form.cleaned_data["method"], form.cleaned_data["url"])
    if target is None:
        form.add_error("url", "Give an absolute http(s) URL, e.g. https://app.example.com/path.")
        return form, None
    name = form.cleaned_data["user"]
    user = find_user(name) if name else None
    if name and user is None:
        form.add_error("user", "There is no user with that username or email.")
        return form, None
    return form, {"found": explain(target, user), "user": user}


@admin_required
@require_http_methods(["GET", "POST"])
def sites(request: HttpRequest) -> HttpResponse:
    form = SiteForm(request.POST or None)
    confirm_error = ""
    if request.method == "POST" and form.is_valid():
        confirm_error = confirmed(request) or ""
        if not confirm_error:
            data = form.cleaned_data
            try:
                view = add_site(
                    data["domain"],
                    policy=data["policy"],
                    paths=data["paths"].splitlines(),
                    methods=data["methods"].split(),
                    groups=[g.name for g in data["groups"]],
                    roles=[r.key for r in data["roles"]],
                    position=data["position"],
                    **acting(request).kw,
                )
            except ServiceError as exc:
                field = getattr(exc, "field", None)
                form.add_error(field if field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Added rule #{view.number} for {view.domain}.")
                return redirect("console:sites")
    test_form, result = _test(request)
    return page(
        request,
        "sites.html",
        {
            "section": "sites",
            "form": form,
            "rows": list_sites(),
            "move_form": SiteMoveForm(),
            "test_form": test_form,
            "result": result,
            "confirm_error": confirm_error,
        },
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_POST
def site_remove(request: HttpRequest, pk: int) -> HttpResponse:
    def action() -> str:
        view = remove_site(pk, **acting(request).kw)
        return f"Removed rule #{view.number} ({view.domain})."

    return post_action(request, action, "console:sites")


@admin_required
@require_POST
def site_move(request: HttpRequest, pk: int) -> HttpResponse:
    form = SiteMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a position: 1 for first.")
        return redirect("console:sites")

    def action() -> str:
        view = move_site(pk, form.cleaned_data["position"], **acting(request).kw)
        return f"Rule for {view.domain} is now #{view.number}."

    return post_action(request, action, "console:sites")
