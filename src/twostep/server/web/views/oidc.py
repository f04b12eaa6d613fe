"""The OpenID Connect provider's endpoints (docs/oidc-design.md).

Discovery and JWKS are ours; token, userinfo and revocation are django-oauth-toolkit's views
with our validator (``oidc.validator``); authorize, the step-up code page and RP-initiated
logout are ours around the library. The authorize endpoint acts on ``oidc.authorize.decide``:
it sends a user who is not signed in through the sign-in pages (password, then code or setup,
with their throttling, enrolment period and lockout) and back here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.scopes import get_scopes_backend
from oauth2_provider.views import RevokeTokenView, TokenView, UserInfoView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauth2_provider.views.oidc import RPInitiatedLogoutView
from oauthlib.common import add_params_to_uri

from ...accounts.services import client_address
from ...audit.services import Events, record
from ...clock import get_clock
from ...errors import LockedOutError, ServiceError
from ...oidc import authorize as decisions
from ...oidc import claims, keys
from ...oidc.authorize import AuthorizeRequest, Outcome, SessionFacts
from ...oidc.events import OidcEvents
from ...oidc.models import ALGORITHMS, Client
from ...usecases.verification import check_step_up
from .. import state
from ..forms import CodeForm

__all__ = [
    "authorize",
    "discovery",
    "jwks",
    "logout_view",
    "revoke",
    "step_up",
    "token",
    "userinfo",
]

FRESH_AFTER = "ts_oidc_fresh_after"

token = TokenView.as_view()
userinfo = UserInfoView.as_view()
revoke = RevokeTokenView.as_view()


def _url(name: str) -> str:
    return str(settings.TWOSTEP_BASE_URL).rstrip("/") + reverse(name)


@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    scopes = [str(s) for s in get_scopes_backend().get_all_scopes()]
    response = JsonResponse(
        {
            "issuer": settings.TWOSTEP_BASE_URL,
            "authorization_endpoint": _url("web:oidc_authorize"),
            "token_endpoint": _url("web:oidc_token"),
            "userinfo_endpoint": _url("web:oidc_userinfo"),
            "jwks_uri": _url("web:oidc_jwks"),
            "end_session_endpoint": _url("web:oidc_logout"),
            "revocation_endpoint": _url("web:oidc_revoke"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [a for a, _ in ALGORITHMS],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": scopes,
            "claims_supported": [*claims.CLAIM_SCOPES, "auth_time", "nonce", "iss", "aud"],
            "acr_values_supported": [claims.ACR_ONE_FACTOR, claims.ACR_TWO_FACTORS],
            "prompt_values_supported": ["none", "login", "consent"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "authorization_response_iss_parameter_supported": True,
        }
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    response = JsonResponse({"keys": keys.published_jwks(clock=get_clock())})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={int(keys.JWKS_MAX_AGE.total_seconds())}"
    return response


def _error_page(
    request: HttpRequest, title: str, message: str, *, error: str = "", status: int = 400, **kw: Any
) -> HttpResponse:
    context = {"title": title, "message": message, "error": error, **kw}
    return render(request, "web/oidc_error.html", context, status=status)


def _oauth_error(
    request: HttpRequest, exc: OAuthToolkitError, client: Client | None
) -> HttpResponse:
    """A bad client or redirect URI is told here (never redirected to); any other error goes
    back to the client's (checked) redirect URI."""
    error = exc.oauthlib_error
    redirect_uri = getattr(exc, "redirect_uri", None) or error.redirect_uri
    if isinstance(exc, FatalClientError) or not redirect_uri:
        return _error_page(
            request,
            "This sign-in link does not work",
            "The application sent an invalid sign-in request "
            f"({error.description or error.error}). Tell the application's administrator.",
            error=error.error,
            status=400,
        )
    schemes = client.get_allowed_schemes() if client else ["https", "http"]
    response: HttpResponse = OAuth2ResponseRedirect(
        add_params_to_uri(redirect_uri, error.twotuples), schemes
    )
    return response


def _redirect_error(
    redirect_uri: str, state_value: str | None, error: str, client: Client
) -> HttpResponse:
    params = [("error", error)]
    if state_value:
        params.append(("state", state_value))
    params.append(("iss", str(settings.TWOSTEP_BASE_URL)))  # RFC 9207, as the library's answers
    response: HttpResponse = OAuth2ResponseRedirect(
        add_params_to_uri(redirect_uri, params), client.get_allowed_schemes()
    )
    return response


def _facts(request: HttpRequest) -> SessionFacts:
    if not request.user.is_authenticated:
        return SessionFacts(user=None)
    amr = request.session.get(state.AMR)
    auth_time = request.session.get(state.AUTH_TIME)
    fresh = request.session.get(FRESH_AFTER)
    return SessionFacts(
        user=state.signed_in(request),
        amr=[str(v) for v in amr] if isinstance(amr, list) else [],
        auth_time=float(auth_time) if isinstance(auth_time, int | float) else None,
        fresh_after=float(fresh) if isinstance(fresh, int | float) else None,
    )


def _sign_in(request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse('web:signin')}?{urlencode({'next': request.get_full_path()})}")


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    clock = get_clock()
    address = client_address(request)
    core = OAuthLibMixin.get_oauthlib_core()
    client = None
    try:
        scopes, credentials = core.validate_authorization_request(request)
        client = Client.objects.select_related("application").get(
            client_id=credentials["client_id"]
        )
    except OAuthToolkitError as exc:
        return _oauth_error(request, exc, client)
    query = request.GET
    facts = _facts(request)
    outcome = decisions.decide(
        client,
        AuthorizeRequest.parse(
            query.get("prompt"),
            query.get("max_age"),
            query.get("acr_values"),
            query.get("id_token_hint"),
        ),
        facts,
        scopes=scopes,
        clock=clock,
    )
    redirect_uri, state_value = credentials["redirect_uri"], credentials.get("state")
    if outcome == Outcome.ASK_CONSENT and request.method == "POST" and facts.user is not None:
        if request.POST.get("action") == "allow":
            decisions.give_consent(facts.user, client, scopes, clock=clock, address=address)
            outcome = Outcome.ISSUE
        else:
            decisions.deny(facts.user, client, clock=clock, address=address, reason="consent")
            return _redirect_error(redirect_uri, state_value, "access_denied", client)

    if outcome == Outcome.SIGN_IN:
        return _sign_in(request)
    if outcome == Outcome.SIGN_IN_AGAIN:
        record(
            Events.SIGNED_OUT, clock=clock, actor=facts.user, subject=facts.user, address=address
        )
        logout(request)
        request.session[FRESH_AFTER] = clock().timestamp()
        messages.info(request, f"{client.name} asks you to sign in again.")
        return _sign_in(request)
    if outcome == Outcome.STEP_UP:
        # The request rides along in ?next= (the page's CSP form-action reads it there).
        return redirect(
            f"{reverse('web:oidc_code')}?{urlencode({'next': request.get_full_path()})}"
        )
    if outcome in (Outcome.REFUSED, Outcome.NEEDS_SETUP):
        decisions.deny(facts.user, client, clock=clock, address=address, reason=outcome.value)
        if outcome == Outcome.REFUSED:
            message = (
                f"Your account may not use {client.name}. If you need it, ask your "
                "administrator to give you access."
            )
        else:
            message = (
                f"{client.name} requires two-step verification. Set it up on your account "
                "page, then open the application again."
            )
        return _error_page(
            request,
            f"You cannot use {client.name}",
            message,
            status=403,
            setup=outcome == Outcome.NEEDS_SETUP,
        )
    if outcome in decisions.ERRORS:
        decisions.deny(facts.user, client, clock=clock, address=address, reason=outcome.value)
        return _redirect_error(redirect_uri, state_value, outcome.value, client)
    if outcome == Outcome.ASK_CONSENT:
        described = get_scopes_backend().get_all_scopes()
        return render(
            request,
            "web/oidc_consent.html",
            {"application": client, "scopes": [described.get(s, s) for s in scopes]},
        )
    assert outcome == Outcome.ISSUE
    assert facts.user is not None
    request.session.pop(FRESH_AFTER, None)
    credentials.update(
        {
            "twostep_amr": facts.amr or ["pwd"],
            "twostep_auth_time": facts.auth_time,
            "twostep_address": address,
        }
    )
    try:
        uri, _headers, _body, _status = core.create_authorization_response(
            request, scopes, credentials, True
        )
    except OAuthToolkitError as exc:
        return _oauth_error(request, exc, client)
    response: HttpResponse = OAuth2ResponseRedirect(uri, client.get_allowed_schemes())
    return response


@require_http_methods(["GET", "POST"])
def step_up(request: HttpRequest) -> HttpResponse:
    """A code for an application that wants two factors from a user who signed in with the
    password only (a remembered browser, 2FA not required by the organisation)."""
    if not request.user.is_authenticated:
        return redirect("web:signin")
    user = state.signed_in(request)
    clock = get_clock()
    back = state.safe_next(request, request.GET.get("next"))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                check_step_up(
                    user,
                    code=form.cleaned_data["code"],
                    verified_at=None,
                    clock=clock,
                    address=client_address(request),
                )
            except LockedOutError as exc:
                messages.error(request, exc.message)
                return redirect("web:account")
            except ServiceError as exc:
                form.add_error("code", exc.message)
            else:
                now = clock().timestamp()
                amr = request.session.get(state.AMR)
                request.session[state.AMR] = claims.with_code(
                    [str(v) for v in amr] if isinstance(amr, list) else ["pwd"]
                )
                request.session[state.AUTH_TIME] = now
                request.session[state.VERIFIED_AT] = now
                return redirect(back)
    return render(request, "web/oidc_code.html", {"form": form}, status=status)


class _Logout(RPInitiatedLogoutView):  # type: ignore[misc]  # django-oauth-toolkit has no types
    """RP-initiated logout: ends the twostep session too (and says so in the audit log)."""

    template_name = "web/oidc_logout.html"

    def do_logout(
        self,
        application: Any = None,
        post_logout_redirect_uri: Any = None,
        state: Any = None,
        token_user: Any = None,
    ) -> HttpResponse:
        request = self.request
        user = request.user if request.user.is_authenticated else None
        if user is not None:
            clock = get_clock()
            address = client_address(request)
            record(Events.SIGNED_OUT, clock=clock, actor=user, subject=user, address=address)
            record(
                OidcEvents.LOGGED_OUT,
                clock=clock,
                actor=user,
                subject=user,
                address=address,
                application=application.name if application else None,
                client_id=application.client_id if application else None,
            )
        response: HttpResponse = super().do_logout(
            application, post_logout_redirect_uri, state, token_user
        )
        return response


logout_view = _Logout.as_view()
