"""Hostile and clumsy input: clear answers, never a 500; and the security headers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from server import actions as mfa
from twostep.server.clock import FakeClock

from .helpers import Member, csrf, post_form, sign_in

pytestmark = pytest.mark.django_db


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def at_code_step(web: Client, enrolled: Member) -> str:
    sign_in(web, enrolled)
    return csrf(web, "/signin/code/")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12a456", "Enter the 6-digit code"),
        ("12345678901", "Enter the 6-digit code"),
        ("", "This field is required."),
        ("x" * 65, "at most 64 characters"),
        ("١٢٣٤٥٦", "Enter the 6-digit code"),  # Arabic-Indic digits are not NFKC digits
        ("12 34 5", "Enter the 6-digit code"),
    ],
)
def test_code_field_rejects_non_codes_clearly(
    web: Client, enrolled: Member, clock: FakeClock, typed: str, message: str
) -> None:
    token = at_code_step(web, enrolled)
    response = web.post("/signin/code/", {"csrfmiddlewaretoken": token, "code": typed})
    assert response.status_code == 400
    assert message in text(response)
    assert mfa.lockout_status(enrolled.user, clock=clock).failures == 0


def test_full_width_digits_sign_in(web: Client, enrolled: Member, clock: FakeClock) -> None:
    token = at_code_step(web, enrolled)
    full_width = "".join(chr(0xFF10 + int(d)) for d in enrolled.code(clock))
    response = web.post("/signin/code/", {"csrfmiddlewaretoken": token, "code": full_width})
    assert response["Location"] == "/account/"


def test_overlong_fields_are_refused_without_hashing(web: Client, member: Member) -> None:
    token = csrf(web, "/signin/")
    for field, size in (("identifier", 255), ("password", 1025)):
        data = {"identifier": "alice", "password": "p" * 12, field: "a" * size}
        response = web.post("/signin/", {"csrfmiddlewaretoken": token, **data})
        assert response.status_code == 400
        assert "Ensure this value has at most" in text(response)


def test_huge_body_is_a_400_page(web: Client, member: Member) -> None:
    token = csrf(web, "/signin/")
    response = web.post(
        "/signin/",
        {"csrfmiddlewaretoken": token, "identifier": "alice", "password": "x" * 300_000},
    )
    assert response.status_code == 400
    assert "could not be read" in text(response)


@pytest.mark.parametrize(
    "body",
    [
        b"identifier=\xff\xfe\xfa&password=\xc3\x28abcdefgh",
        b"identifier=%FF%FE&password=%C3%28",
        b"\x00\x01\x02",
        b"identifier=alice&identifier=bob&password=x",
    ],
)
def test_non_utf8_bodies_get_a_clear_answer(web: Client, member: Member, body: bytes) -> None:
    token = csrf(web, "/signin/")
    response = web.post(
        "/signin/",
        body + b"&csrfmiddlewaretoken=" + token.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in web.session


def test_missing_csrf_token_is_a_403_page(web: Client, member: Member) -> None:
    web.get("/signin/")
    response = web.post("/signin/", {"identifier": "alice", "password": "whatever"})
    assert response.status_code == 403
    assert "This form has expired" in text(response)
    assert response["Content-Type"].startswith("text/html")


def test_forged_csrf_token_is_a_403_page(web: Client, member: Member) -> None:
    web.get("/signin/")
    response = web.post(
        "/signin/", {"csrfmiddlewaretoken": "x" * 64, "identifier": "alice", "password": "p"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "cookie",
    ["", "garbage", "a" * 4000, "../../etc/passwd", "\u00e9t\u00e9", "0" * 32],
)
def test_garbage_session_cookies_are_ignored(cookie: str, member: Member) -> None:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    for path in ("/", "/signin/", "/signin/code/", "/two-step/setup/", "/account/"):
        assert client.get(path).status_code in {200, 302}, path


def test_code_pages_without_a_pending_sign_in_redirect(web: Client, member: Member) -> None:
    for path in ("/signin/code/", "/signin/recovery/", "/two-step/setup/"):
        response = web.get(path, follow=True)
        assert response.redirect_chain[-1][0] == "/signin/"
        assert "expired" in text(response)


def test_wrong_methods_and_unknown_pages(web: Client, member: Member) -> None:
    assert web.put("/signin/").status_code == 403  # no CSRF token: refused first
    assert Client().put("/signin/").status_code == 405
    response = web.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in text(response)
    assert web.get("/account/sessions/sign-out-others/").status_code == 302  # sign-in first


def test_open_redirect_is_refused(web: Client, member: Member) -> None:
    token = csrf(web, "/signin/")
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = web.post(
            "/signin/",
            {
                "csrfmiddlewaretoken": token,
                "identifier": "alice",
                "password": member.password,
                "next": target,
            },
        )
        assert response["Location"] == "/account/"
        web.post("/signout/", {"csrfmiddlewaretoken": csrf(web, "/signout/")})
        token = csrf(web, "/signin/")


def test_security_headers_and_cookie_flags(web: Client, member: Member) -> None:
    response = web.get("/signin/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"
    assert "<script" not in text(response)  # no inline script anywhere
    assert ' style="' not in text(response)
    response = post_form(web, "/signin/", {"identifier": "alice", "password": member.password})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert web.cookies[settings.CSRF_COOKIE_NAME]["httponly"] is True


def test_https_deployment_sets_hsts_and_secure_cookies(tmp_path: object) -> None:
    """Settings for an https base URL, read in a fresh interpreter."""
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "TWOSTEP_BASE_URL": "https://2fa.example.com",
        "TWOSTEP_DATA_DIR": str(tmp_path),
        "TWOSTEP_SECRET_KEYS": "k" * 40,
    }
    script = (
        "import json; from twostep.server import settings as s; print(json.dumps([s.SECURE_HSTS_"
        "SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    hsts, session_secure, csrf_secure, name = json.loads(out.stdout)
    assert hsts >= 31_536_000
    assert session_secure is True
    assert csrf_secure is True
    assert name.startswith("__Host-")
