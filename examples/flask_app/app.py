# app.py: run with `flask --app app run` in this folder (see docs/sdk-example.md).
import os
import time

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFProtect
from twostep.sdk import (
    AlreadyEnrolledError,
    ConflictError,
    EnrolmentExpiredError,
    InvalidCodeError,
    MalformedCodeError,
    NotEnrolledError,
    ServerError,
    ThrottledError,
    TransportError,
    UserNotFoundError,
)

from twofactor import twostep
from users import EmailTaken, User, check_password, create_user, get_user

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]
app.config.update(
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
    # The session cookie travels over https only. For a local run over plain http, set
    # PLAIN_HTTP=1: browsers may drop a Secure cookie sent over http (any address but
    # localhost; Safari even there), and no sign-in would stick. Never set it in production.
    SESSION_COOKIE_SECURE=os.environ.get("PLAIN_HTTP") != "1",
)
CSRFProtect(app)  # Flask-WTF: every form below carries csrf_token()

PENDING_SECONDS = 300  # the code must follow the password within 5 minutes


def ext_id(user: User) -> str:
    return str(user.id)  # twostep's name for the user: your id, which never changes


def start_fresh_session(**values: object) -> None:
    """A new session at each step (Flask's cookie session has no id to rotate: clear it)."""
    session.clear()
    session.update(values)


def pending(key: str) -> User | None:
    """The user who gave their password (``key``) less than 5 minutes ago."""
    user_id, since = session.get(key), session.get("since", 0)
    if user_id is None or time.time() - since > PENDING_SECONDS:
        session.clear()
        flash("Your sign-in expired. Enter your password again.")
        return None
    return get_user(user_id)


@app.errorhandler(TransportError)
@app.errorhandler(ServerError)
def twostep_unavailable(exc: Exception):
    # Fail closed: without twostep nobody gets past the password.
    return render_template("unavailable.html"), 503


@app.get("/")
def home():
    user = get_user(session["user_id"]) if "user_id" in session else None
    return render_template("home.html", user=user)


@app.route("/signup", methods=["GET", "POST"])
def signup():
    if request.method == "POST":
        try:
            user = create_user(
                request.form["email"], request.form["name"], request.form["password"]
            )
        except EmailTaken:
            flash("An account with this email exists already. Sign in instead.")
            return render_template("signup.html"), 409
        start_fresh_session(setup_user=user.id, since=time.time())
        return redirect(url_for("setup"))
    return render_template("signup.html")


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user = check_password(request.form["email"], request.form["password"])
        if user is None:
            flash("The email or password is not right.")
            return render_template("login.html"), 401
        try:
            enrolled = twostep.status(external_id=ext_id(user)).enrolled
        except UserNotFoundError:  # signed up while twostep was down
            enrolled = False
        if enrolled:
            start_fresh_session(pending_user=user.id, since=time.time())
            return redirect(url_for("code"))
        # Not set up yet: here every user must set it up (your policy).
        start_fresh_session(setup_user=user.id, since=time.time())
        return redirect(url_for("setup"))
    return render_template("login.html")


@app.route("/login/code", methods=["GET", "POST"])
def code():
    user = pending("pending_user")
    if user is None:
        return redirect(url_for("login"))
    if request.method == "POST":
        try:
            result = twostep.verify(
                request.form["code"],  # 6 digits, or a recovery code
                external_id=ext_id(user),
                client_address=request.remote_addr,  # the user's IP: throttled per network
            )
        except MalformedCodeError:
            flash("Enter the 6-digit code from your authenticator app, or a recovery code.")
        except ThrottledError as exc:
            flash(f"Too many attempts. Wait {exc.retry_after} seconds, then try again.")
        except NotEnrolledError:  # reset by an admin meanwhile
            start_fresh_session(setup_user=user.id, since=time.time())
            return redirect(url_for("setup"))
        else:
            if result.valid:
                start_fresh_session(user_id=user.id)
                if result.method == "recovery":
                    flash(f"You used a recovery code; {result.recovery_codes_left} left.")
                return redirect(url_for("home"))
            # Wrong, already used, or the account is locked: twostep answers the same
            # for all three on purpose. Ask status() if you want to tell "locked" apart.
            if twostep.status(external_id=ext_id(user)).locked_out:
                session.clear()
                flash("Too many wrong codes: your account is locked. Contact support.")
                return redirect(url_for("login"))
            flash(result.message or "That code was not accepted.")
        return render_template("code.html"), 400
    return render_template("code.html")


def start_enrolment(user: User):
    try:
        return twostep.start_enrolment(external_id=ext_id(user))
    except UserNotFoundError:  # first setup: make the user in twostep (no password there)
        try:
            twostep.create_app_user(ext_id(user), email=user.email, display_name=user.name)
        except ConflictError:  # twostep has a user with this email (another application's)
            twostep.create_app_user(ext_id(user), display_name=user.name)
        return twostep.start_enrolment(external_id=ext_id(user))


@app.route("/setup", methods=["GET", "POST"])
def setup():
    user = pending("setup_user")
    if user is None:
        return redirect(url_for("login"))
    if request.method == "POST":
        try:
            done = twostep.confirm_enrolment(
                session["enrolment_id"], request.form["code"], client_address=request.remote_addr
            )
        except (InvalidCodeError, MalformedCodeError):
            flash("That code did not match. Enter the code your app shows now.")
        except (EnrolmentExpiredError, KeyError):
            session.pop("enrolment_id", None)
            flash("The setup expired; scan the new QR code.")
        else:
            start_fresh_session(user_id=user.id)
            # Shown once: twostep keeps only hashes of these.
            return render_template("recovery_codes.html", codes=done.recovery_codes)
    try:
        enrolment = (
            twostep.get_enrolment(session["enrolment_id"])
            if "enrolment_id" in session
            else start_enrolment(user)
        )
    except EnrolmentExpiredError:
        enrolment = start_enrolment(user)
    except AlreadyEnrolledError:
        start_fresh_session(pending_user=user.id, since=time.time())
        return redirect(url_for("code"))
    session["enrolment_id"] = str(enrolment.enrolment_id)
    # The PNG as a data: URI keeps markup from another server out of your page.
    return render_template(
        "setup.html",
        qr=enrolment.qr_png_base64,
        uri=enrolment.otpauth_uri,
        key=" ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4)),
        account=enrolment.account_name,
    )


@app.post("/logout")
def logout():
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("home"))
