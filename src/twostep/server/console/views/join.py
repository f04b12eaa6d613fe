"""Accepting an invitation: the invitee confirms the email address and chooses a password.

The one console page for people who are not signed in (the link in the invitation mail is the
credential). A link that does not work is 404 whoever opens it; a working link opened while
signed in is 403 with a page that says to sign out first (the invitation is for another
account).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ...accounts.invitations import find_invitation
from ...accounts.services import client_address
from ...clock import get_clock
from ...errors import InvalidUserDataError, ServiceError
from ...usecases.users import accept_invitation
from ..forms import JoinForm


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    clock = get_clock()
    invitation = find_invitation(token, clock=clock)
    if invitation is None:
        return render(
            request,
            "console/join_invalid.html",
            {"title": "This invitation link does not work"},
            status=404,
        )
    if request.user.is_authenticated:
        return render(request, "console/join_signed_in.html", status=403)
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accept_invitation(
                token, form.cleaned_data["password"], clock=clock, address=client_address(request)
            )
        except InvalidUserDataError as exc:
            form.add_error("password", exc.message)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"Your password is set, {user.name}. Sign in with {user.username}."
            )
            return redirect("web:signin")
    return render(
        request,
        "console/join.html",
        {"form": form, "invitee": invitation.user},
        status=400 if request.method == "POST" else 200,
    )
