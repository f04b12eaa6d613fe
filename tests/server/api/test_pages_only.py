"""The pages' middleware (sessions, CSRF, messages, static files) does not run for /api/,
and still runs for the pages."""

from __future__ import annotations

from django.test import Client

from server.helpers import Member, sign_in


def test_api_answers_carry_no_session_or_csrf_cookie(
    web: Client, member: Member, verify_key: str
) -> None:
    sign_in(web, member)  # a browser with a live session calls the API too
    session_cookie = web.cookies.get("twostep_session")
    assert session_cookie is not None
    response = web.get("/api/v1/ping", headers={"Authorization": f"Bearer {verify_key}"})
    assert response.status_code == 200
    assert response.cookies == {}  # neither the session nor a CSRF cookie is set or refreshed
    assert "Cookie" not in response.get("Vary", "")
    assert response["X-Content-Type-Options"] == "nosniff"  # the security headers still are


def test_pages_keep_sessions_and_csrf(member: Member) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/signin/")
    assert "twostep_csrf" in page.cookies
    refused = client.post("/signin/", {"identifier": "x", "password": "y"})
    assert refused.status_code == 403  # no CSRF token: refused, as before


def test_api_post_needs_no_csrf_token(verify_key: str, db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/verify",
        {"username": "nobody", "code": "123456"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {verify_key}"},
    )
    assert response.status_code == 404  # reached the API (unknown user), not a CSRF refusal
    assert response.json()["code"] == "user_not_found"
