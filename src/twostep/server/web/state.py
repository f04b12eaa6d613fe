"""What the pages keep in the session between steps, and how long it stays valid.

Keys (JSON, server-side session; the cookie holds only the random session id):

``ts_pending``     ``{"user", "stage": "code"|"setup", "since", "epoch", "next"}`` password
                   accepted, second step pending: 5 minutes for the code, 10 for setup
``ts_enrolment``   ``{"user", "id"}`` the pending setup this session started (only this
                   session can see or confirm it)
``ts_auth_at``     when the password was last checked (Unix seconds)
``ts_signed_in_at`` when the sign-in completed: the session ends 12 hours later
``ts_last_seen``   the last request (updated at most once a minute): 30 minutes idle ends it
``ts_session``     the id of the session's row in the user's list of sessions
                   (``accounts.sessions``): the session ends once the row is gone
``ts_verified_at`` when a code was last verified in this session (step-up: 10 minutes)
``ts_method``      how the sign-in's second step was passed (``password`` when there was none,
                   ``totp``, ``recovery``, ``remembered``): forward authentication's
                   ``two_factor`` rules read it (``gateway.access.passed_code_step``)
``ts_amr``         how the sign-in was made, as OpenID Connect ``amr`` values
                   (``oidc.claims.amr_for``: ``["pwd", "otp"]`` after a code...)
``ts_auth_time``   when the user last authenticated (the sign-in, or a later code asked by
                   an application): the ID token's ``auth_time``
``ts_continue``    where a sign-in was going when a page came first: the recovery codes after
                   setup, or the new password a recovery code that lifted a lockout asks
                   (that page's "continue": back to an application, for example)
``ts_codes``       recovery codes to show once, AES-GCM sealed to this session and user, so
                   the session table never holds them in clear

Outside the session, the cookie ``twostep_device`` (HttpOnly, SameSite=Lax, Secure behind
HTTPS, 180 days) holds the device token of the last account that completed a sign-in in this
browser (``accounts.known_devices``): with it the browser's wrong passwords are counted on
their own, so others' cannot lock it out.

And one cookie of its own: :data:`REMEMBER_COOKIE`, a remembered browser's signed proof
(``accounts.remembered``): HttpOnly, SameSite=Lax, Secure on https, until it expires.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import login, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from ..accounts.known_devices import DEVICE_COOKIE, DEVICE_LIFETIME
from ..accounts.models import User
from ..accounts.sessions import keep_web_session
from ..accounts.signin import PENDING_LIFETIME, SETUP_LIFETIME
from ..audit.services import Events, record
from ..clock import Clock
from ..crypto import DecryptionError
from ..gateway.returns import may_return_to
from ..mfa.keys import keyring
from ..oidc.claims import amr_for
from ..usecases.signin import finish_sign_in

PENDING = "ts_pending"
ENROLMENT = "ts_enrolment"
AUTH_AT = "ts_auth_at"
VERIFIED_AT = "ts_verified_at"
CODES = "ts_codes"
SIGNED_IN_AT = "ts_signed_in_at"
SESSION_ROW = "ts_session"
METHOD = "ts_method"
AMR = "ts_amr"
CONTINUE = "ts_continue"
AUTH_TIME = "ts_auth_time"
BACKEND = "twostep.server.accounts.backends.UserBackend"
#: Verification methods that are not a code: they leave no step-up time behind.
NOT_A_CODE = frozenset({"password", "remembered", "postponed"})


def remember_cookie_name() -> str:
    return "__Host-twostep-remember" if settings.SESSION_COOKIE_SECURE else "twostep_remember"


def remembered_cookie(request: HttpRequest) -> str | None:
    return request.COOKIES.get(remember_cookie_name())


def set_remembered_cookie(
    request: HttpRequest, response: HttpResponse, value: str, expires: datetime
) -> None:
    response.set_cookie(
        remember_cookie_name(),
        value,
        expires=expires,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        path="/",
    )


def clear_remembered_cookie(response: HttpResponse) -> None:
    response.delete_cookie(remember_cookie_name(), path="/", samesite="Lax")


def signed_in(request: HttpRequest) -> User:
    """The signed-in user of a view that only signed-in users reach (``login_required``)."""
    user = request.user
    assert isinstance(user, User), "a view for signed-in users only"
    return user


def safe_next(request: HttpRequest, candidate: Any, default: str = "/account/") -> str:
    """``candidate`` if it leads to twostep itself or to a protected site of forward
    authentication (``gateway.returns``), else ``default``: no open redirect."""
    if isinstance(candidate, str) and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    if may_return_to(candidate, secure=request.is_secure()):
        return str(candidate)
    return default


def leave_to(next_url: str) -> str:
    """Where a sign-in form's answer redirects for ``next_url`` (already checked by
    :func:`safe_next`): twostep's own pages directly; a protected site of forward authentication
    through the "Signed in" page (``web:signin_continue``), as the pages' CSP allows a form's
    redirects only to twostep itself (``form-action 'self'``)."""
    if urlsplit(next_url).netloc:
        return f"{reverse('web:signin_continue')}?{urlencode({'to': next_url})}"
    return next_url


def begin_pending(
    request: HttpRequest, user: User, stage: str, now: datetime, next_url: str
) -> None:
    request.session.cycle_key()  # a new session id at each step (ASVS 3.2.1)
    request.session[PENDING] = {
        "user": user.pk,
        "stage": stage,
        "since": now.timestamp(),
        "epoch": user.session_epoch,
        "next": next_url,
    }
    request.session[AUTH_AT] = now.timestamp()


def pending_user(
    request: HttpRequest, stage: str, clock: Clock, address: str | None
) -> User | None:
    """The user whose sign-in waits at ``stage``, or None (missing, other stage, expired)."""
    data = request.session.get(PENDING)
    if not isinstance(data, dict) or data.get("stage") != stage:
        return None
    lifetime = PENDING_LIFETIME if stage == "code" else SETUP_LIFETIME
    now = clock().timestamp()
    since = data.get("since")
    user_id = data.get("user")
    user = (
        User.objects.select_related("role").filter(pk=user_id, is_active=True).first()
        if isinstance(user_id, int)
        else None
    )
    if (
        not isinstance(since, int | float)
        or not since - 60 <= now <= since + lifetime.total_seconds()
        or user is None
        or user.session_epoch != data.get("epoch")
    ):
        request.session.pop(PENDING, None)
        record(Events.PENDING_EXPIRED, clock=clock, subject=user, address=address, stage=stage)
        return None
    return user


def pending_next(request: HttpRequest) -> str:
    data = request.session.get(PENDING) or {}
    return safe_next(request, data.get("next"))


def device_token(request: HttpRequest) -> str | None:
    """The device cookie this browser shows (checked by the sign-in, not here)."""
    return request.COOKIES.get(DEVICE_COOKIE)


def complete_login(
    request: HttpRequest,
    user: User,
    method: str,
    clock: Clock,
    address: str | None,
    *,
    next_url: str | None = None,
    continue_after: bool = False,
) -> HttpResponse:
    """Sign ``user`` in (new session id), record it, remember this browser (the device cookie),
    and go on: to the change-password page first when a recovery code lifted a lockout.
    ``continue_after``: ``next_url`` is a page on the way (the new recovery codes). Where the
    sign-in was going is kept for the "continue" of the page on the way, or of the
    change-password page (:func:`pop_continue`)."""
    going = pending_next(request)
    next_url = next_url or going
    request.session.pop(PENDING, None)
    keep = {key: request.session.get(key) for key in (CODES, ENROLMENT)}
    login(request, user, backend=BACKEND)
    now = clock().timestamp()
    request.session[AUTH_AT] = now  # (login() stamped SIGNED_IN_AT: see WebConfig.ready)
    request.session[METHOD] = method
    if method not in NOT_A_CODE:
        request.session[VERIFIED_AT] = now
    request.session[AMR] = amr_for(method)
    request.session[AUTH_TIME] = now
    for key, value in keep.items():
        if value is not None:
            request.session[key] = value
    done = finish_sign_in(user, method, clock=clock, address=address, device=device_token(request))
    if continue_after or done.password_change_required:
        request.session[CONTINUE] = going
    response = redirect(
        "web:change_password" if done.password_change_required else leave_to(next_url)
    )
    response.set_cookie(
        DEVICE_COOKIE,
        done.device_token,
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
    )
    return response


def pop_continue(request: HttpRequest, default: str) -> str:
    """Where to go after a page on the way (see ``complete_login``), else ``default``."""
    return safe_next(request, request.session.pop(CONTINUE, None), default)


def refresh_session_hash(request: HttpRequest, user: User) -> None:
    """Keep this session after the user's session epoch was raised (others are signed out)."""
    if request.user.is_authenticated and request.user.pk == user.pk:
        update_session_auth_hash(request, user)
        keep_web_session(request.session.get(SESSION_ROW), user)


def verified_at(request: HttpRequest) -> datetime | None:
    value = request.session.get(VERIFIED_AT)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return None


def _codes_aad(request: HttpRequest, user: User) -> bytes:
    return f"twostep:session-codes:{user.pk}:{user.session_epoch}".encode()


def stash_codes(request: HttpRequest, user: User, codes: list[str], purpose: str) -> None:
    payload = json.dumps({"codes": codes, "purpose": purpose}).encode()
    sealed, key_id = keyring().seal(payload, _codes_aad(request, user))
    request.session[CODES] = {"sealed": sealed.hex(), "key": key_id, "user": user.pk}


def pop_codes(request: HttpRequest, user: User) -> tuple[list[str], str] | None:
    data = request.session.pop(CODES, None)
    if not isinstance(data, dict) or data.get("user") != user.pk:
        return None
    try:
        raw = keyring().open(bytes.fromhex(data["sealed"]), data["key"], _codes_aad(request, user))
        payload = json.loads(raw)
    except (DecryptionError, KeyError, ValueError, TypeError):
        return None
    return list(payload["codes"]), str(payload["purpose"])
