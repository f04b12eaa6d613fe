"""Sign-in for first-party clients (desktop and mobile apps): the pages' flow, as JSON.

Two-step verification applies to every way of signing in (unlike Zoom's desktop-client
exemption): the same :mod:`twostep.server.accounts.signin` steps, the same policy decision and
the same throttles (per account, per client network) as the pages.

1. ``POST /signin`` with the password. The answer's ``status`` says what comes next:
   ``signed_in`` (2FA not required and not set up: an ``access_token``), ``code_required``
   or ``setup_required`` (a ``signin_token`` valid 5 minutes for the code, 10 for setup).
2. ``POST /signin/code`` with the token and a code (or a recovery code) -> ``signed_in``.
   Or, for setup: ``POST /signin/setup`` (the QR code), ``POST /signin/setup/confirm`` (the
   first code -> ``signed_in`` with the recovery codes, once), or ``POST /signin/setup/postpone``
   while the enrolment period allows "Remind me later".
3. The access token (12 hours, and 30 minutes without a request, as the pages) goes in
   ``Authorization: Bearer`` for ``GET /me`` and ``POST /signout``; it dies with the user's
   sessions (reset, password change, sign out everywhere) or deactivation.

These endpoints take no API key: a key shipped inside an app is not a secret, and a verify key
could enrol any user. The user's own password and code are the credentials, and the throttles
hold whoever asks. A sign-in token is used up by the step that completes the sign-in.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from ...accounts.client_tokens import (
    begin_sign_in,
    end_sign_in,
    issue_access_token,
    load_sign_in,
    revoke_access_token,
    set_sign_in_enrolment,
)
from ...accounts.models import SignInState, User
from ...accounts.services import client_address
from ...accounts.sessions import end_session, list_sessions
from ...clock import get_clock
from ...errors import AlreadyEnrolledError, EnrolmentExpiredError
from ...mfa.recovery import format_recovery_code
from ...policy.services import Decision, decide
from ...usecases.enrolment import confirm_enrolment
from ...usecases.signin import (
    NextStep,
    enter_code,
    finish_sign_in,
    postpone_setup,
    recheck,
    setup,
    start_sign_in,
)
from ..auth import AccessTokenAuth
from ..errors import ApiError
from ..present import enrolment_out, mfa_status_out, user_brief
from ..schemas import (
    EnrolmentOut,
    MeOut,
    SessionOut,
    SignInCodeIn,
    SignInIn,
    SignInOut,
    SignInTokenIn,
)
from . import error_responses as errors

router = Router(tags=["signin"], auth=None)
me_router = Router(tags=["signin"], auth=AccessTokenAuth())

STEP = errors(400, 401, 403, 404, 409, 422, 429)


def _signed_in(
    request: HttpRequest,
    user: User,
    method: str,
    *,
    address: str | None,
    device: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    clock = get_clock()
    agent = request.headers.get("User-Agent", "")
    token, text = issue_access_token(user, method, clock=clock, address=address, user_agent=agent)
    done = finish_sign_in(user, method, clock=clock, address=address, device=device)
    return {
        "device_token": done.device_token,
        "password_change_required": done.password_change_required,
        "status": "signed_in",
        "access_token": text,
        "token_type": "Bearer",
        "expires_at": token.expires_at,
        "user": user_brief(user),
        "method": method,
        **extra,
    }


def _pending(
    state: SignInState, text: str, decision: Decision, *, recovery_only: bool = False
) -> dict[str, Any]:
    return {
        "recovery_code_only": recovery_only,
        "status": "code_required" if state.stage == SignInState.CODE else "setup_required",
        "signin_token": text,
        "expires_at": state.expires_at,
        "user": user_brief(state.user),
        "can_postpone": decision.can_postpone,
        "days_left": decision.days_left,
        "deadline": decision.deadline,
    }


def _state(text: str, stage: str, address: str | None) -> SignInState:
    state = load_sign_in(text, clock=get_clock(), address=address)
    if state.stage != stage:
        raise ApiError(
            "signin_expired",
            f"This sign-in is not waiting for {'a code' if stage == 'code' else 'setup'}. "
            "Sign in again with the password.",
        )
    return state


def _finish(state: SignInState) -> None:
    if not end_sign_in(state):  # a concurrent request completed it first
        raise ApiError("signin_expired", "This sign-in was already completed.")


@router.post(
    "/signin",
    response={200: SignInOut, **STEP},
    summary="Sign in with username or email and password (step 1)",
    operation_id="sign_in",
)
def sign_in(request: HttpRequest, body: SignInIn) -> Any:
    """401 ``invalid_credentials`` (the same for an unknown name and a wrong password), 429
    ``throttled``, 403 ``setup_deadline_passed``. An account locked after too many wrong codes
    answers ``code_required`` with ``recovery_code_only``. ``device_token``: the one the last
    completed sign-in of this client gave (its wrong passwords are counted on their own)."""
    clock = get_clock()
    address = client_address(request)
    accepted = start_sign_in(
        body.identifier, body.password, clock=clock, address=address, device=body.device_token
    )
    user = accepted.user
    if accepted.next == NextStep.DONE:
        return _signed_in(request, user, "password", address=address, device=body.device_token)
    stage = SignInState.CODE if accepted.next == NextStep.CODE else SignInState.SETUP
    state, text = begin_sign_in(user, stage, clock=clock)
    return _pending(state, text, accepted.decision, recovery_only=accepted.recovery_only)


@router.post(
    "/signin/code",
    response={200: SignInOut, **STEP},
    summary="Give the code (or a recovery code) after the password (step 2)",
    operation_id="sign_in_code",
)
def sign_in_code(request: HttpRequest, body: SignInCodeIn) -> Any:
    """400 ``invalid_code`` (wrong or already used: try again with a new code while the
    sign-in token lasts), 422 ``malformed_code``, 429 ``throttled``, 403 ``locked_out`` (a
    one-time code while the account is locked: a recovery code with the same token still
    gets in, lifts the lock and answers ``password_change_required``), 401
    ``signin_expired``."""
    address = client_address(request)
    state = _state(body.signin_token, SignInState.CODE, address)
    user = state.user
    verification = enter_code(user, body.code, clock=get_clock(), address=address)
    _finish(state)
    return _signed_in(
        request,
        user,
        verification.method,
        address=address,
        recovery_codes_left=verification.recovery_codes_left,
    )


@router.post(
    "/signin/setup",
    response={200: EnrolmentOut, **STEP},
    summary="Set up two-step verification during sign-in: the QR code",
    operation_id="sign_in_setup",
)
def sign_in_setup(request: HttpRequest, body: SignInTokenIn) -> Any:
    clock = get_clock()
    address = client_address(request)
    state = _state(body.signin_token, SignInState.SETUP, address)
    user = state.user
    if recheck(user, clock=clock, address=address) == NextStep.CODE:
        end_sign_in(state)
        raise AlreadyEnrolledError("Two-step verification is already set up. Sign in again.")
    enrolment = setup(user, state.enrolment_id, clock=clock, address=address)
    if enrolment.id != state.enrolment_id:
        set_sign_in_enrolment(state, enrolment.id)
    return enrolment_out(enrolment, user)


@router.post(
    "/signin/setup/confirm",
    response={200: SignInOut, **STEP},
    summary="Confirm the setup with the first code: signed in, with the recovery codes (once)",
    operation_id="confirm_sign_in_setup",
)
def sign_in_setup_confirm(request: HttpRequest, body: SignInCodeIn) -> Any:
    clock = get_clock()
    address = client_address(request)
    state = _state(body.signin_token, SignInState.SETUP, address)
    user = state.user
    if state.enrolment_id is None:
        raise EnrolmentExpiredError("Start the setup first (POST /signin/setup).")
    codes = confirm_enrolment(user, state.enrolment_id, body.code, clock=clock, address=address)
    _finish(state)
    return _signed_in(
        request,
        user,
        "setup",
        address=address,
        recovery_codes=[format_recovery_code(code) for code in codes],
    )


@router.post(
    "/signin/setup/postpone",
    response={200: SignInOut, **STEP},
    summary='"Remind me later": sign in without setup while the enrolment period lasts',
    operation_id="postpone_sign_in_setup",
)
def sign_in_setup_postpone(request: HttpRequest, body: SignInTokenIn) -> Any:
    """409 ``postpone_not_allowed`` when setup is due now."""
    clock = get_clock()
    address = client_address(request)
    state = _state(body.signin_token, SignInState.SETUP, address)
    user = state.user
    step = recheck(user, clock=clock, address=address)
    if step == NextStep.CODE:
        end_sign_in(state)
        raise AlreadyEnrolledError("Two-step verification is already set up. Sign in again.")
    method = "password"
    if step == NextStep.SETUP:
        postpone_setup(user, clock=clock, address=address)
        method = "postponed"
    _finish(state)
    return _signed_in(request, user, method, address=address)


@me_router.get(
    "/me",
    response={200: MeOut, **errors(401)},
    summary="The signed-in user (access token)",
    operation_id="me",
)
def me(request: HttpRequest) -> Any:
    token = request.auth  # type: ignore[attr-defined]
    user = token.user
    return {
        "user": user_brief(user),
        "mfa": mfa_status_out(user, decide(user, clock=get_clock())),
        "signed_in_at": token.created_at,
        "expires_at": token.expires_at,
        "method": token.method,
        "password_change_required": user.must_change_password,
    }


@me_router.post(
    "/signout",
    response={204: None, **errors(401)},
    summary="End this access token",
    operation_id="sign_out",
)
def sign_out(request: HttpRequest) -> Any:
    revoke_access_token(request.auth, clock=get_clock(), address=client_address(request))  # type: ignore[attr-defined]
    return Status(204, None)


@me_router.get(
    "/me/sessions",
    response={200: list[SessionOut], **errors(401)},
    summary="The signed-in user's sessions: browsers and apps",
    operation_id="list_sessions",
)
def sessions(request: HttpRequest) -> Any:
    """Newest use first; ``current`` marks this access token's. Each ends 12 hours after the
    sign-in and after 30 minutes without a request."""
    token = request.auth  # type: ignore[attr-defined]
    return list_sessions(token.user, clock=get_clock(), current=f"api-{token.pk}")


@me_router.delete(
    "/me/sessions/{session_id}",
    response={204: None, **errors(401, 404)},
    summary="End one of the signed-in user's sessions",
    operation_id="end_session",
)
def end_one_session(request: HttpRequest, session_id: str) -> Any:
    """404 ``not_found`` when the user has no such session (ended already, or another user's).
    Ending this access token's own session is the same as ``POST /signout``."""
    token = request.auth  # type: ignore[attr-defined]
    if not end_session(token.user, session_id, clock=get_clock(), address=client_address(request)):
        raise ApiError("not_found", "There is no such session of yours.")
    return Status(204, None)
