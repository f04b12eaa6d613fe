"""The meta and verify-scope endpoints of ``/api/v1`` (ping, verify, status, enrolment, users
of an application) as :class:`~._core.Call` s, shared by both clients."""

from __future__ import annotations

import uuid
from typing import Any

from . import models as m
from ._core import Call
from ._ops import _ref


def ping() -> Call[m.Ping]:
    return Call("GET", "/ping", m.Ping.from_json)


def verify(
    code: str,
    *,
    username: str | None,
    email: str | None,
    external_id: str | None,
    client_address: str | None,
) -> Call[m.VerifyResult]:
    body: dict[str, Any] = {**_ref(username, email, external_id), "code": code}
    if client_address is not None:
        body["client_address"] = client_address
    return Call("POST", "/verify", m.VerifyResult.from_json, body=body)


def status(
    *, username: str | None, email: str | None, external_id: str | None
) -> Call[m.MfaStatus]:
    return Call("GET", "/status", m.MfaStatus.from_json, params=_ref(username, email, external_id))


def start_enrolment(
    *, username: str | None, email: str | None, external_id: str | None
) -> Call[m.Enrolment]:
    return Call(
        "POST", "/enrolments", m.Enrolment.from_json, body=_ref(username, email, external_id)
    )


def get_enrolment(enrolment_id: uuid.UUID | str) -> Call[m.Enrolment]:
    return Call("GET", f"/enrolments/{uuid.UUID(str(enrolment_id))}", m.Enrolment.from_json)


def confirm_enrolment(
    enrolment_id: uuid.UUID | str, code: str, *, client_address: str | None
) -> Call[m.EnrolmentConfirmation]:
    body: dict[str, Any] = {"code": code}
    if client_address is not None:
        body["client_address"] = client_address
    return Call(
        "POST",
        f"/enrolments/{uuid.UUID(str(enrolment_id))}/confirm",
        m.EnrolmentConfirmation.from_json,
        body=body,
    )


def create_app_user(
    external_id: str, *, username: str | None, email: str | None, display_name: str
) -> Call[m.User]:
    body: dict[str, Any] = {"external_id": external_id, "display_name": display_name}
    if username is not None:
        body["username"] = username
    if email is not None:
        body["email"] = email
    return Call("POST", "/users", m.User.from_json, body=body)
