"""First start, sign in (password, then code or recovery code), sign out."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ...accounts.models import User
from ...accounts.owner import create_owner, needs_owner, setup_token_valid
from ...accounts.services import client_address
from ...audit.services import Events, record
from ...clock import get_clock
from ...errors import (
    InvalidUserDataError,
    LockedOutError,
    MalformedCodeInputError,
    OwnerExistsError,
    ServiceError,
    SetupDeadlinePassedError,
    SetupLinkError,
)
from ...mfa.devices import recovery_codes_left
from ...usecases.signin import (
    NextStep,
    enter_code,
    remember_browser,
    remember_days,
    start_sign_in,
)
from .. import state
from ..forms import (
    CodeForm,
    OwnerForm,
    RecoveryForm,
    RememberCodeForm,
    SignInForm,
    add_service_errors,
)
from ..health import RETRY_AFTER, readiness

EXPIRED = (
    "Your sign-in expired (the code must follow the password within 5 minutes). Sign in again."
)
LOCKED = (
    "Your account no longer accepts codes from your authenticator app: too many wrong codes "
    "were entered. Enter one of your recovery codes to lift the lock (or ask an administrator)."
)
UNLOCKED = (
    "The lock is lifted. Whoever entered the wrong codes knew your password: choose a new one."
)


def home(request: HttpRequest) -> HttpResponse:
    if needs_owner():
        return redirect("web:welcome")
    if request.user.is_authenticated:
        return redirect("web:account")
    return redirect("web:signin")


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (it touches nothing else: a database outage must not get
    the process restarted)."""
    return HttpResponse("ok\n", content_type="text/plain")


def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database (and Redis, when configured) answers; 503 with the reasons."""
    problems = readiness()
    if not problems:
        return HttpResponse("ready\n", content_type="text/plain")
    response = HttpResponse(
        "not ready\n" + "".join(f"{p}\n" for p in problems), content_type="text/plain", status=503
    )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    """First start: who opens the setup link that ``twostep serve`` printed creates the owner
    account. Without the link the page explains where to find it (and creates nothing)."""
    if not needs_owner():
        return redirect("web:signin")
    # The link's token: from the form's hidden field, else from the link itself.
    token = request.POST.get("setup_token") or request.GET.get("token")
    if not setup_token_valid(token):
        refused = SetupLinkError.default_message if token else ""
        return render(
            request,
            "web/welcome.html",
            {"form": None, "link_refused": refused},
            status=403 if token else 200,
        )
    form = OwnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            create_owner(
                username=data["username"],
                email=data["email"],
                password=data["password"],
                display_name=data["display_name"],
                setup_token=token,
                clock=get_clock(),
                address=client_address(request),
            )
        except InvalidUserDataError as exc:
            add_service_errors(form, exc)
        except (OwnerExistsError, SetupLinkError) as exc:
            messages.info(request, exc.message)
            return redirect("web:signin" if isinstance(exc, OwnerExistsError) else "web:welcome")
        else:
            messages.success(request, "The owner account is ready. Sign in to continue.")
            return redirect("web:signin")
    return render(request, "web/welcome.html", {"form": form, "setup_token": token})


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if needs_owner():
        return redirect("web:welcome")
    if request.user.is_authenticated:
        return redirect(state.safe_next(request, request.GET.get("next")))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        clock = get_clock()
        address = client_address(request)
        next_url = state.safe_next(request, request.POST.get("next") or request.GET.get("next"))
        try:
            accepted = start_sign_in(
                form.cleaned_data["identifier"],
                form.cleaned_data["password"],
                clock=clock,
                address=address,
                device=state.device_token(request),
                remembered=state.remembered_cookie(request),
            )
        except SetupDeadlinePassedError as exc:
            return render(
                request,
                "web/refused.html",
                {"title": "You cannot sign in right now", "message": exc.message},
                status=403,
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            if accepted.next == NextStep.DONE:
                return state.complete_login(
                    request, accepted.user, accepted.method, clock, address, next_url=next_url
                )
            stage = "code" if accepted.next == NextStep.CODE else "setup"
            state.begin_pending(request, accepted.user, stage, clock(), next_url)
            if accepted.recovery_only:
                messages.warning(request, LOCKED)
                return redirect("web:recovery")
            return redirect("web:code" if stage == "code" else "web:setup")
    return render(
        request,
        "web/signin.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )


def signin_continue(request: HttpRequest) -> HttpResponse:
    """After a sign-in for a protected site (forward authentication): a page that goes on to
    it (``state.leave_to``); an address that is not a protected site's goes to the account."""
    url = state.safe_next(request, request.GET.get("to"))
    if not urlsplit(url).netloc:
        return redirect(url)
    return render(request, "web/continue.html", {"url": url, "host": urlsplit(url).hostname})


def _second_step(request: HttpRequest, recovery: bool) -> HttpResponse:
    clock = get_clock()
    address = client_address(request)
    user = state.pending_user(request, "code", clock, address)
    if user is None:
        messages.error(request, EXPIRED)
        return redirect("web:signin")
    days = 0 if recovery else remember_days()
    form: CodeForm | RecoveryForm
    if recovery:
        form = RecoveryForm(request.POST or None)
    elif days:
        form = RememberCodeForm(request.POST or None, days=days)
    else:
        form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                verification = enter_code(
                    user,
                    form.cleaned_data["code"],
                    kind="recovery" if recovery else "totp",
                    clock=clock,
                    address=address,
                )
            except LockedOutError:
                # Only a recovery code gets in now (and lifts the lock).
                messages.warning(request, LOCKED)
                return redirect("web:recovery")
            except MalformedCodeInputError as exc:
                form.add_error("code", exc.message)
            except ServiceError as exc:
                form.add_error("code", exc.message)
            else:
                if recovery:
                    left = verification.recovery_codes_left or 0
                    messages.warning(
                        request,
                        f"You signed in with a recovery code. {left} unused "
                        f"code{'s' if left != 1 else ''} left"
                        + (": make new ones on your account page." if left < 5 else "."),
                    )
                if verification.unlocked:
                    messages.warning(request, UNLOCKED)
                # A recovery code goes on where the sign-in was going (an application's
                # sign-in, for example), as a code does.
                response = state.complete_login(request, user, verification.method, clock, address)
                if form.cleaned_data.get("remember"):
                    _remember(request, response, user)
                return response
        status = 400
    template = "web/recovery.html" if recovery else "web/code.html"
    return render(
        request,
        template,
        {"form": form, "pending_user": user, "recovery_left": recovery_codes_left(user)},
        status=status,
    )


def _remember(request: HttpRequest, response: HttpResponse, user: User) -> None:
    try:
        value, expires = remember_browser(
            user,
            clock=get_clock(),
            address=client_address(request),
            label=request.headers.get("User-Agent", ""),
        )
    except ServiceError as exc:  # turned off since the page was shown
        messages.info(request, exc.message)
        return
    state.set_remembered_cookie(request, response, value, expires)


@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    return _second_step(request, recovery=False)


@require_http_methods(["GET", "POST"])
def recovery(request: HttpRequest) -> HttpResponse:
    return _second_step(request, recovery=True)


@require_http_methods(["GET", "POST"])
def signout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else None
        pending = request.session.get(state.PENDING)
        logout(request)  # flushes the session: the old id is deleted server-side
        if user is not None or pending:
            record(
                Events.SIGNED_OUT,
                clock=get_clock(),
                actor=user,
                subject=user,
                address=client_address(request),
            )
        messages.info(request, "You are signed out.")
        return redirect("web:signin")
    if not request.user.is_authenticated and not request.session.get(state.PENDING):
        return redirect("web:signin")
    return render(request, "web/signout.html")
