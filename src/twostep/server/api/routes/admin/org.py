"""Admin API: the organisation's policy, the audit log, API keys."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status

from ....accounts.models import Role
from ....applications.keys import create_api_key, get_api_key, list_api_keys, revoke_api_key
from ....audit.models import Event
from ....errors import NoSuchReferenceError
from ....policy.services import get_org_policy
from ....usecases.requirements import set_org_policy
from ....usecases.users import groups_by_id
from ...errors import ApiError
from ...present import api_key_out
from ...schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    AuditFilter,
    AuditPage,
    PolicyIn,
    PolicyOut,
)
from .common import READ, WRITE, id_in_range, router, who

# -- policy --------------------------------------------------------------------------------------


def _policy_out() -> dict[str, Any]:
    policy = get_org_policy()
    return {
        "mode": policy.mode,
        "roles": sorted(policy.roles.values_list("key", flat=True)),
        "groups": sorted(policy.groups.values_list("pk", flat=True)),
        "grace_days": policy.grace_days,
        "require_all_admins": policy.require_all_admins,
        "applies_since": policy.applies_since,
        "updated_at": policy.updated_at,
    }


@router.get(
    "/policy",
    response={200: PolicyOut, **READ},
    summary="The organisation's two-step verification policy",
    operation_id="get_policy",
)
def get_policy(request: HttpRequest) -> Any:
    return _policy_out()


@router.put(
    "/policy",
    response={200: PolicyOut, **WRITE},
    summary="Set the organisation's two-step verification policy",
    operation_id="set_policy",
)
def put_policy(request: HttpRequest, body: PolicyIn) -> Any:
    roles = list(Role.objects.filter(key__in=set(body.roles)))
    if len(roles) != len(set(body.roles)):
        raise NoSuchReferenceError("roles", "One of the roles does not exist.")
    groups = groups_by_id(body.groups)
    set_org_policy(
        mode=body.mode,
        roles=roles,
        groups=groups,
        grace_days=body.grace_days,
        require_all_admins=body.require_all_admins,
        **who(request),
    )
    return _policy_out()


# -- audit log -----------------------------------------------------------------------------------


@router.get(
    "/audit",
    response={200: AuditPage, **READ},
    summary="The audit log, newest first (page on with before_id)",
    operation_id="list_audit_events",
)
def audit(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    qs = Event.objects.all()
    if filters.event:
        if filters.event.endswith("."):
            qs = qs.filter(event__startswith=filters.event)
        else:
            qs = qs.filter(event=filters.event)
    if filters.user:
        qs = qs.filter(subject_id=filters.user)
    if filters.actor:
        qs = qs.filter(actor_id=filters.actor)
    if filters.since:
        qs = qs.filter(at__gte=filters.since)
    if filters.until:
        qs = qs.filter(at__lt=filters.until)
    if filters.before_id:
        qs = qs.filter(id__lt=filters.before_id)
    rows = list(qs.order_by("-id")[: filters.limit])
    return {
        "items": [
            {
                "id": e.pk,
                "at": e.at,
                "event": e.event,
                "actor_id": e.actor_id,
                "actor": e.actor_label,
                "subject_id": e.subject_id,
                "subject": e.subject_label,
                "address": e.address,
                "details": e.details if isinstance(e.details, dict) else {"value": e.details},
            }
            for e in rows
        ],
        "next_before_id": rows[-1].pk if len(rows) == filters.limit else None,
    }


# -- API keys ------------------------------------------------------------------------------------


def _key(key_id: int) -> Any:
    key = get_api_key(id_in_range(key_id))
    if key is None:
        raise ApiError("not_found", f"There is no API key with id {key_id}.")
    return key


@router.get(
    "/api-keys",
    response={200: list[ApiKeyOut], **READ},
    summary="API keys (never the keys themselves)",
    operation_id="list_api_keys",
)
def list_keys(request: HttpRequest) -> Any:
    return [api_key_out(k) for k in list_api_keys()]


@router.post(
    "/api-keys",
    response={201: ApiKeyCreatedOut, **WRITE},
    summary="Create an API key: the key is in this answer only",
    operation_id="create_api_key",
)
def create_key(request: HttpRequest, body: ApiKeyIn) -> Any:
    key, text = create_api_key(
        name=body.name,
        scope=body.scope,
        allow_create_users=body.allow_create_users,
        application=body.application,
        issuer=body.issuer,
        may_enrol_any_user=body.may_enrol_any_user,
        **who(request),
    )
    return Status(201, api_key_out(key, text))


@router.get(
    "/api-keys/{key_id}",
    response={200: ApiKeyOut, **READ},
    summary="An API key",
    operation_id="get_api_key",
)
def get_key(request: HttpRequest, key_id: int) -> Any:
    return api_key_out(_key(key_id))


@router.delete(
    "/api-keys/{key_id}",
    response={200: ApiKeyOut, **WRITE},
    summary="Revoke an API key (at once, in every process)",
    operation_id="revoke_api_key",
)
def revoke_key(request: HttpRequest, key_id: int) -> Any:
    key = _key(key_id)
    revoke_api_key(key, **who(request))
    return api_key_out(key)
