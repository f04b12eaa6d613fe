# app.py: twostep's Flask extension in a few lines. Run: `flask --app app run` in this folder
# with TWOSTEP_URL, TWOSTEP_API_KEY and FLASK_SECRET_KEY set (PLAIN_HTTP=1 over plain http).
import os

from flask import Flask, redirect, render_template_string, request, session, url_for
from flask_wtf.csrf import CSRFProtect
from twostep.sdk.flask import AppUser, Twostep, require_second_factor
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]
app.config.update(
    TWOSTEP_BASE_URL=os.environ["TWOSTEP_URL"],
    TWOSTEP_API_KEY=os.environ["TWOSTEP_API_KEY"],
    # "always": every user gives a code (or sets 2FA up first); "policy": twostep's policy
    # decides who must set it up (a user who has set it up always gives their code).
    TWOSTEP_REQUIRE=os.environ.get("TWOSTEP_REQUIRE", "always"),
    SESSION_COOKIE_SECURE=os.environ.get("PLAIN_HTTP") != "1",  # see docs/sdk-example.md
)
CSRFProtect(app)

# Your own users and password check (here: one user, in memory): id -> email, password hash.
USERS = {1: ("alice@example.com", generate_password_hash("correct horse battery staple"))}


def check_password(email: str, password: str) -> int | None:
    for user_id, (known, hashed) in USERS.items():
        if known == email and check_password_hash(hashed, password):
            return user_id
    return None


def signed_in_user() -> AppUser | None:
    """The user twostep asks a code of: your user id as text, and an email for their app."""
    user_id = session.get("user_id")
    return AppUser(str(user_id), email=USERS[user_id][0]) if user_id in USERS else None


Twostep(app, user_loader=signed_in_user)


@app.get("/")
@require_second_factor  # signed in, and a code given in this session
def home():
    return render_template_string("<h1>Hello, {{ email }}</h1>", email=signed_in_user().email)


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user_id = check_password(request.form["email"], request.form["password"])
        if user_id is not None:
            session.clear()  # a new session for the new sign-in
            session["user_id"] = user_id
            return redirect(url_for("home"))
    return render_template_string(LOGIN)


LOGIN = """<!doctype html><title>Sign in</title>
<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<label>Email <input name="email" type="email" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button>Next</button></form>"""
