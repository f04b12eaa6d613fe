"""Two-step verification for a Flask app, with a twostep server (needs Flask; importing
:mod:`twostep.sdk` alone never loads this).

::

    from flask import Flask, session
    from twostep.sdk.flask import Twostep, require_second_factor

    app = Flask(__name__)
    app.config.update(TWOSTEP_BASE_URL="https://2fa.example.com",
                      TWOSTEP_API_KEY=os.environ["TWOSTEP_API_KEY"])
    Twostep(app, user_loader=lambda: session.get("user_id"))

    @app.get("/account")
    @require_second_factor
    def account(): ...

``user_loader`` returns the signed-in user's id (text, or an :class:`AppUser` with an email and
a name for the authenticator's label), or None when nobody is signed in. A view under
:func:`require_second_factor` then lets a user in only after they gave a code (or a recovery
code) in this session, less than ``TWOSTEP_MAX_AGE`` seconds ago (default 12 hours; None: for
the whole session). Others go to the code page, or to setup (QR code, first code, recovery
codes) if they have no second factor yet, then back where they were going. Nobody signed in:
the ``TWOSTEP_LOGIN_ENDPOINT`` view (default ``login``), else 401. The record of the second
factor is kept in the session: clear the session at sign-in and sign-out.

``TWOSTEP_REQUIRE`` says who must give a second factor: ``"always"`` (the default: every
signed-in user, who sets 2FA up first if they have none) or ``"policy"``: twostep's policy
decides; a user it does not require 2FA of and who has not set it up goes on without a code
(twostep is asked again every 5 minutes of a session), while a user who has set 2FA up
always gives their code.

The blueprint ``twostep`` (``TWOSTEP_URL_PREFIX``, default ``/twostep``) has the views
``twostep.code`` and ``twostep.setup``; override their templates with your own
``twostep/base.html``, ``code.html``, ``setup.html``, ``recovery_codes.html`` or
``unavailable.html``. Their forms carry a token of their own against cross-site requests, and
Flask-WTF's ``csrf_token()`` too when CSRFProtect is on. When twostep cannot be reached they
answer 503 with a page that says so: nobody passes the second step without it.
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from ..client import Client
from ..errors import TwostepError
from ..web import (
    DEFAULT_MAX_AGE,
    AppUser,
    check_code,
    confirm_setup,
    key_groups,
    local_target,
    needs_setup,
    passed,
    passed_state,
    policy_admits,
    require_mode,
    start_setup,
)

__all__ = [
    "AppUser",
    "Twostep",
    "blueprint",
    "current_user",
    "require_second_factor",
    "second_factor_passed",
]

log = logging.getLogger("twostep.sdk.flask")
F = TypeVar("F", bound=Callable[..., ResponseReturnValue])
UserLoader = Callable[[], "str | AppUser | None"]
PASSED = "twostep"  # the session's record of the second factor
SETUP = "twostep_setup"  # {"user": external id, "id": the pending enrolment}
NEXT = "twostep_next"
EXEMPT = "twostep_not_required"  # TWOSTEP_REQUIRE = "policy": twostep requires no 2FA now
FORM_TOKEN = "twostep_form"  # noqa: S105 (a field's name)

blueprint = Blueprint("twostep", __name__, template_folder="templates")


@dataclass
class _State:
    client: Client
    extension: Twostep
    max_age: float | None
    login_endpoint: str
    home: str
    require: str


class Twostep:
    """The extension: ``Twostep(app, user_loader=...)`` or ``init_app(app)`` later."""

    def __init__(
        self,
        app: Flask | None = None,
        *,
        user_loader: UserLoader | None = None,
        client: Client | None = None,
    ) -> None:
        self._user_loader = user_loader
        self._client = client
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read ``TWOSTEP_BASE_URL`` and ``TWOSTEP_API_KEY`` (and the optional settings above)
        from ``app.config`` and add the blueprint."""
        client = self._client
        if client is None:
            missing = [k for k in ("TWOSTEP_BASE_URL", "TWOSTEP_API_KEY") if not app.config.get(k)]
            if missing:
                raise RuntimeError(f"twostep.sdk.flask: set {' and '.join(missing)} in app.config")
            client = Client(app.config["TWOSTEP_BASE_URL"], app.config["TWOSTEP_API_KEY"])
        app.extensions["twostep"] = _State(
            client=client,
            extension=self,
            max_age=app.config.get("TWOSTEP_MAX_AGE", DEFAULT_MAX_AGE),
            login_endpoint=app.config.get("TWOSTEP_LOGIN_ENDPOINT", "login"),
            home=app.config.get("TWOSTEP_HOME", "/"),
            require=_require(app),
        )
        app.register_blueprint(
            blueprint, url_prefix=app.config.get("TWOSTEP_URL_PREFIX", "/twostep")
        )

    def user_loader(self, loader: UserLoader) -> UserLoader:
        """Set the function that names the signed-in user (as a decorator, too)."""
        self._user_loader = loader
        return loader

    @property
    def client(self) -> Client:
        """The current app's :class:`~twostep.sdk.Client` (for status, admin calls...)."""
        return _state().client


def _require(app: Flask) -> str:
    try:
        return require_mode(app.config.get("TWOSTEP_REQUIRE"))
    except ValueError as exc:
        raise RuntimeError(f"twostep.sdk.flask: {exc}") from None


def _state() -> _State:
    return cast(_State, current_app.extensions["twostep"])


def current_user() -> AppUser | None:
    """The signed-in user, as the user loader names them."""
    loader = _state().extension._user_loader
    value = loader() if loader is not None else None
    if value is None or isinstance(value, AppUser):
        return value
    return AppUser(str(value))


def second_factor_passed() -> bool:
    """Whether the signed-in user gave a fresh second factor in this session."""
    user = current_user()
    return user is not None and passed(
        session.get(PASSED), user, now=time.time(), max_age=_state().max_age
    )


def _to_login() -> ResponseReturnValue:
    endpoint = _state().login_endpoint
    if endpoint not in current_app.view_functions:
        abort(401)
    return redirect(url_for(endpoint))


def require_second_factor(view: F) -> F:
    """Let only a signed-in user with a fresh second factor into ``view``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        user = current_user()
        if user is None:
            return _to_login()
        if not second_factor_passed():
            try:
                if not _not_required(user):
                    return redirect(url_for("twostep.code", next=request.full_path.rstrip("?")))
            except TwostepError as exc:
                return _unavailable(exc)
        return view(*args, **kwargs)

    return cast(F, wrapper)


def _not_required(user: AppUser) -> bool:
    """With ``TWOSTEP_REQUIRE = "policy"``: twostep requires no second factor of ``user``."""
    state = _state()
    if state.require != "policy":
        return False
    record = policy_admits(state.client, user, session.get(EXEMPT), now=time.time())
    if record is None:
        session.pop(EXEMPT, None)
        return False
    if session.get(EXEMPT) != record:  # write the session only when it changes
        session[EXEMPT] = record
    return True


@blueprint.errorhandler(TwostepError)
def _unavailable(exc: TwostepError) -> ResponseReturnValue:
    log.warning("twostep unavailable: %s", exc)
    return render_template("twostep/unavailable.html"), 503


@blueprint.app_context_processor
def _form_token() -> dict[str, Callable[[], str]]:
    def token() -> str:
        if FORM_TOKEN not in session:
            session[FORM_TOKEN] = secrets.token_urlsafe(32)
        return cast(str, session[FORM_TOKEN])

    return {"twostep_form_token": token}


@blueprint.before_request
def _check_form() -> ResponseReturnValue | None:
    if request.method != "POST":
        return None
    sent, kept = request.form.get(FORM_TOKEN, ""), session.get(FORM_TOKEN, "")
    if not kept or not hmac.compare_digest(sent.encode(), str(kept).encode()):
        flash("The form expired. Try again.")
        return redirect(request.path)
    return None


def _next() -> str:
    return local_target(session.get(NEXT), _state().home)


@blueprint.route("/code", methods=["GET", "POST"])
def code() -> ResponseReturnValue:
    user = current_user()
    if user is None:
        return _to_login()
    if "next" in request.args:
        session[NEXT] = local_target(request.args["next"], _state().home)
    client = _state().client
    if request.method == "POST":
        outcome = check_code(client, user, request.form.get("code", ""), request.remote_addr)
        if outcome.valid:
            session[PASSED] = passed_state(user, time.time())
            if outcome.method == "recovery":
                flash(f"You used a recovery code; {outcome.recovery_codes_left} left.")
            target = _next()
            session.pop(NEXT, None)
            return redirect(target)
        if outcome.setup:
            return redirect(url_for("twostep.setup"))
        flash(outcome.message)
        return render_template("twostep/code.html"), 400
    if needs_setup(client, user):
        return redirect(url_for("twostep.setup"))
    return render_template("twostep/code.html")


@blueprint.route("/setup", methods=["GET", "POST"])
def setup() -> ResponseReturnValue:
    user = current_user()
    if user is None:
        return _to_login()
    client = _state().client
    pending = session.get(SETUP)
    enrolment_id = (
        pending.get("id")
        if isinstance(pending, dict) and pending.get("user") == user.external_id
        else None
    )
    if request.method == "POST" and enrolment_id:
        outcome = confirm_setup(
            client, enrolment_id, request.form.get("code", ""), request.remote_addr
        )
        if outcome.confirmation is not None:
            session.pop(SETUP, None)
            session[PASSED] = passed_state(user, time.time())
            return render_template(
                "twostep/recovery_codes.html",
                codes=outcome.confirmation.recovery_codes,
                next=_next(),
            )
        flash(outcome.message)
        if outcome.expired:
            enrolment_id = None
    enrolment = start_setup(client, user, enrolment_id)
    if enrolment is None:  # set up already
        session.pop(SETUP, None)
        return redirect(url_for("twostep.code"))
    session[SETUP] = {"user": user.external_id, "id": str(enrolment.enrolment_id)}
    return render_template(
        "twostep/setup.html",
        qr=enrolment.qr_png_base64,
        uri=enrolment.otpauth_uri,
        key=key_groups(enrolment.secret),
        account=enrolment.account_name,
    ), 400 if request.method == "POST" else 200
