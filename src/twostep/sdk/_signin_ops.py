"""The sign-in API's endpoints (sign-in steps, the signed-in user, sessions) as
:class:`~._core.Call` s, shared by both clients."""

from __future__ import annotations

from urllib.parse import quote

from . import models as m
from ._core import Call, nothing
from ._ops import _list


def sign_in(identifier: str, password: str, device_token: str | None = None) -> Call[m.SignInStep]:
    body = {"identifier": identifier, "password": password}
    if device_token:
        body["device_token"] = device_token
    return Call("POST", "/signin", m.SignInStep.from_json, body=body)


def sign_in_code(signin_token: str, code: str) -> Call[m.SignInStep]:
    body = {"signin_token": signin_token, "code": code}
    return Call("POST", "/signin/code", m.SignInStep.from_json, body=body)


def sign_in_setup(signin_token: str) -> Call[m.Enrolment]:
    return Call("POST", "/signin/setup", m.Enrolment.from_json, body={"signin_token": signin_token})


def confirm_sign_in_setup(signin_token: str, code: str) -> Call[m.SignInStep]:
    body = {"signin_token": signin_token, "code": code}
    return Call("POST", "/signin/setup/confirm", m.SignInStep.from_json, body=body)


def postpone_sign_in_setup(signin_token: str) -> Call[m.SignInStep]:
    return Call(
        "POST",
        "/signin/setup/postpone",
        m.SignInStep.from_json,
        body={"signin_token": signin_token},
    )


def me(access_token: str) -> Call[m.Me]:
    return Call("GET", "/me", m.Me.from_json, token=access_token)


def sign_out(access_token: str) -> Call[None]:
    return Call("POST", "/signout", nothing, token=access_token)


def list_sessions(access_token: str) -> Call[tuple[m.Session, ...]]:
    return Call("GET", "/me/sessions", _list(m.Session.from_json), token=access_token)


def end_session(access_token: str, session_id: str) -> Call[None]:
    return Call(
        "DELETE", f"/me/sessions/{quote(str(session_id), safe='')}", nothing, token=access_token
    )
