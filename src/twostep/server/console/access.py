"""Who reaches the console, and the fresh confirmation before a change.

- :func:`admin_required` wraps every console view: an anonymous visitor is sent to sign in
  (and back afterwards), a signed-in user whose role is not an administrator role gets 403.
- :func:`confirm_mode` / :func:`confirm_admin`: every change made in the console needs the
  administrator to have proven it is them recently: with 2FA, a code verified in the last
  10 minutes (``usecases.verification.check_step_up``: the sign-in code counts); without 2FA, the
  password entered in the last 10 minutes. Forms show the field that is needed
  (``console/_confirm.html``) and the view calls :func:`confirm_admin` before acting.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Final

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from ..accounts.password_check import check_password_for_sign_in
from ..accounts.services import client_address
from ..clock import get_clock
from ..errors import SignInFailedError, StepUpRequiredError
from ..mfa.devices import is_enrolled
from ..mfa.verification import STEP_UP_WINDOW
from ..usecases.verification import check_step_up
from ..web import state

__all__ = ["CODE_FIELD", "PASSWORD_FIELD", "admin_required", "confirm_admin", "confirm_mode"]

CODE_FIELD: Final = "confirm_code"
PASSWORD_FIELD: Final = "confirm_password"  # noqa: S105 - a form field name


def admin_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.role.is_admin):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.console_admin_only = True  # type: ignore[attr-defined]
    return wrapper


def confirm_mode(request: HttpRequest) -> str | None:
    """None when the admin confirmed recently, else ``"code"`` or ``"password"``."""
    now = get_clock()()
    if is_enrolled(state.signed_in(request)):
        verified = state.verified_at(request)
        if verified is not None and now - STEP_UP_WINDOW <= verified <= now:
            return None
        return "code"
    auth_at = request.session.get(state.AUTH_AT)
    if isinstance(auth_at, int | float) and (
        0 <= now.timestamp() - auth_at <= STEP_UP_WINDOW.total_seconds()
    ):
        return None
    return "password"


def confirm_admin(request: HttpRequest) -> None:
    """Raise ``StepUpRequiredError`` (or the code/password error) unless the admin confirmed
    recently or typed a good code or password in this request."""
    mode = confirm_mode(request)
    if mode is None:
        return
    clock = get_clock()
    address = client_address(request)
    user = state.signed_in(request)
    if mode == "code":
        code = str(request.POST.get(CODE_FIELD, "")).strip()
        at = check_step_up(
            user,
            code=code or None,
            verified_at=state.verified_at(request),
            clock=clock,
            address=address,
        )
        request.session[state.VERIFIED_AT] = at.timestamp()
        return
    password = str(request.POST.get(PASSWORD_FIELD, ""))
    if not password:
        raise StepUpRequiredError("Enter your password to confirm it is you.")
    try:
        check_password_for_sign_in(
            user.username,
            password,
            clock=clock,
            address=address,
        )
    except SignInFailedError:
        raise SignInFailedError("That is not your password.") from None
    request.session[state.AUTH_AT] = clock().timestamp()
