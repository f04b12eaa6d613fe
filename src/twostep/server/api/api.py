"""The NinjaAPI of ``/api/v1/``: routers, error handlers, docs. See docs/api.md."""

from __future__ import annotations

from ninja import NinjaAPI

from . import errors
from .docs import LocalSwagger
from .routes.admin import router as admin_router
from .routes.signin import me_router
from .routes.signin import router as signin_router
from .routes.verify import ping_router
from .routes.verify import router as verify_router

DESCRIPTION = """\
The twostep REST API: the authentication service for other applications (API keys with the
`verify` scope), administration (`admin` scope), and sign-in for first-party clients.

Send the API key as `Authorization: Bearer tsk_...`. Errors are JSON
`{"code": "...", "message": "..."}` with a stable `code` (see docs/api.md); 429 answers carry
`Retry-After`.
"""

api = NinjaAPI(
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
