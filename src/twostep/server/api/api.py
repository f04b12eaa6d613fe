"""The NinjaAPI of ``/api/v1/``: routers, error handlers, docs. See docs/api.md."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from . import errors
from .docs import LocalSwagger
from .routes.admin import router as admin_router
from .routes.signin import me_router
from .routes.signin import router as signin_router
from .routes.verify import ping_router
from .routes.verify import router as verify_router
from .schemas.verify import EXACTLY_ONE_USER_REF

_USER_REF = ("username", "email", "external_id")

DESCRIPTION = """\
The twostep REST API: the authentication service for other applications (API keys with the
`verify` scope), administration (`admin` scope), and sign-in for first-party clients.

Send the API key as `Authorization: Bearer tsk_...`. Errors are JSON
`{"code": "...", "message": "..."}` with a stable `code` (see docs/api.md); 429 answers carry
`Retry-After`.
"""


class TwostepApi(NinjaAPI):
    """The NinjaAPI whose document says what the code checks: a user named in a query string
    (``GET /status``) is one object parameter, serialised as ``?username=...`` as before, with
    "exactly one of username, email or external_id" in its schema (three optional parameters
    could not say it, and clients sent none or two believing them valid)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict) and "parameters" in operation:
                    operation["parameters"] = _user_ref_as_one(operation["parameters"])
        return document


def _user_ref_as_one(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    named = {p["name"]: p for p in parameters if p.get("in") == "query"}
    if not all(name in named for name in _USER_REF):
        return parameters
    properties = {}
    for name in _USER_REF:
        schema = dict(named[name]["schema"])
        # "username: null" cannot be said in a query string: the string form only
        properties[name] = next(
            (s for s in schema.get("anyOf", []) if s.get("type") == "string"), schema
        )
    user = {
        "in": "query",
        "name": "user",
        "required": True,
        "style": "form",
        "explode": True,
        "description": "exactly one of username, email or external_id",
        "schema": {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
            **EXACTLY_ONE_USER_REF,
        },
    }
    rest = [p for p in parameters if not (p.get("in") == "query" and p["name"] in _USER_REF)]
    return [user, *rest]


api = TwostepApi(
    title="twostep API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api:api-v1",
    docs=LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("", ping_router)
api.add_router("", verify_router)
api.add_router("/admin", admin_router)
api.add_router("", signin_router)
api.add_router("", me_router)
