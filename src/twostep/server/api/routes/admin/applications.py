"""Admin API: applications that sign their users in through twostep (OpenID Connect), their
client secrets, and their users' grants. Each operation calls one use case of
:mod:`twostep.server.usecases.applications`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Status

from ....accounts.models import User
from ....applications.models import Application
from ....usecases import applications as apps
from ...errors import ApiError
from ...schemas.applications import (
    ApplicationCreatedOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationPatchIn,
    GrantOut,
    SecretOut,
)
from .common import READ, WRITE, id_in_range, router, who


def _application(application_id: int) -> Application:
    found = Application.objects.filter(pk=id_in_range(application_id)).first()
    if found is None:
        raise ApiError("not_found", f"There is no application with id {application_id}.")
    return found


@router.get(
    "/applications",
    response={200: list[ApplicationOut], **READ},
    summary="Applications",
    operation_id="list_applications",
)
def list_applications(request: HttpRequest) -> Any:
    return [apps.facts(application) for application in apps.list_applications()]


@router.post(
    "/applications",
    response={201: ApplicationCreatedOut, **WRITE},
    summary="Add an application (its client secret is in this answer only)",
    operation_id="create_application",
)
def create_application(request: HttpRequest, body: ApplicationIn) -> Any:
    created = apps.create_application(body.model_dump(), **who(request))
    return Status(201, {**apps.facts(created.application), "client_secret": created.client_secret})


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, **READ},
    summary="An application",
    operation_id="get_application",
)
def get_application(request: HttpRequest, application_id: int) -> Any:
    return apps.facts(_application(application_id))


@router.patch(
    "/applications/{application_id}",
    response={200: ApplicationOut, **WRITE},
    summary="Change an application's rules or client",
    operation_id="update_application",
)
def update_application(request: HttpRequest, application_id: int, body: ApplicationPatchIn) -> Any:
    changed = apps.update_application(
        _application(application_id), body.model_dump(exclude_unset=True), **who(request)
    )
    return apps.facts(changed)


@router.post(
    "/applications/{application_id}/secret",
    response={200: SecretOut, **WRITE},
    summary="Replace the client secret (the old one stops working at once)",
    operation_id="rotate_application_secret",
)
def rotate_secret(request: HttpRequest, application_id: int) -> Any:
    application = _application(application_id)
    secret = apps.rotate_secret(application, **who(request))
    return {"client_id": apps.facts(application)["client_id"], "client_secret": secret}


@router.delete(
    "/applications/{application_id}",
    response={204: None, **WRITE},
    summary="Delete an application, its client, tokens and consents",
    operation_id="delete_application",
)
def delete_application(request: HttpRequest, application_id: int) -> Any:
    apps.delete_application(_application(application_id), **who(request))
    return Status(204, None)


@router.get(
    "/applications/{application_id}/grants",
    response={200: list[GrantOut], **READ},
    summary="The users connected to an application",
    operation_id="list_application_grants",
)
def list_grants(request: HttpRequest, application_id: int) -> Any:
    return [
        {
            "user_id": grant.user.pk,
            "username": grant.user.username,
            "scopes": list(grant.scopes),
            "granted_at": grant.granted_at,
            "last_used_at": grant.last_used_at,
        }
        for grant in apps.grants_for(_application(application_id))
    ]


@router.delete(
    "/applications/{application_id}/grants/{user_id}",
    response={204: None, **WRITE},
    summary="End a user's grant: consent forgotten, tokens revoked",
    operation_id="revoke_application_grant",
)
def revoke_grant(request: HttpRequest, application_id: int, user_id: int) -> Any:
    application = _application(application_id)
    user = User.objects.filter(pk=id_in_range(user_id)).first()
    if user is None or not apps.revoke_grant(application, user, **who(request)):
        raise ApiError("not_found", "That user has no grant to this application.")
    return Status(204, None)
