"""Shared by the console's views: rendering, the acting context, decisions in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ...accounts.services import client_address
from ...clock import Clock, get_clock
from ...errors import ServiceError
from ...policy.wording import StatusView, describe, plural
from ..access import confirm_admin, confirm_mode


@dataclass(frozen=True)
class Acting:
    """Who acts, when and from where: what every service call needs."""

    actor: Any
    clock: Clock
    address: str | None

    @property
    def kw(self) -> dict[str, Any]:
        return {"actor": self.actor, "clock": self.clock, "address": self.address}


def acting(request: HttpRequest) -> Acting:
    return Acting(request.user, get_clock(), client_address(request))


def page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    full = {"confirm": confirm_mode(request), **(context or {})}
    return render(request, f"console/{template}", full, status=status)


def confirmed(request: HttpRequest) -> str | None:
    """Check the admin's fresh code or password; the error message, or None when fine."""
    try:
        confirm_admin(request)
    except ServiceError as exc:
        return exc.message
    return None


def post_action(request: HttpRequest, action: Callable[[], str | None], back: str) -> HttpResponse:
    """Confirm, run ``action`` (returns the success message), flash the outcome, go ``back``."""
    error = confirmed(request)
    if error is None:
        try:
            done = action()
        except ServiceError as exc:
            error = exc.message
        else:
            if done:
                messages.success(request, done)
    if error:
        messages.error(request, error)
    return redirect(back)


def invite_link_page(request: HttpRequest, user: Any, link: str) -> HttpResponse:
    """The mail failed: show the link to the admin once, in this response only (never in a
    cookie or a flash message)."""
    return page(request, "invite_link.html", {"section": "users", "subject": user, "link": link})


__all__ = [
    "Acting",
    "StatusView",
    "acting",
    "confirmed",
    "describe",
    "invite_link_page",
    "page",
    "plural",
    "post_action",
]
