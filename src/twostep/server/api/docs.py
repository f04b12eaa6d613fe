"""The browsable API documentation at ``/api/v1/docs``: Swagger UI from the files that
django-ninja ships (no CDN), with no inline script (our CSP is ``script-src 'self'``).

The page and its files carry their own Content-Security-Policy (the security middleware keeps a
header a view has set), as strict as the site's: no inline script or style, nothing from
another origin. Swagger UI 5 needs no exception (checked in Chromium by
tests/api/test_docs_browser.py); the settings travel as JSON in a non-executed
``<script type="application/json">`` read by django-ninja's ``swagger-ui-init.js``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from ninja.openapi.docs import DocsBase

from .errors import error_response

__all__ = ["DOCS_CSP", "LocalSwagger", "docs_asset"]

_STATIC: Final = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS: Final = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-init.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
DOCS_CSP: Final = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

_PAGE: Final = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{assets}favicon.png">
<link rel="stylesheet" href="{assets}swagger-ui.css">
</head>
<body>
<script type="application/json" id="swagger-settings">{settings}</script>
<div id="swagger-ui"></div>
<script src="{assets}swagger-ui-bundle.js"></script>
<script src="{assets}swagger-ui-init.js"></script>
</body>
</html>
"""


def _script_json(value: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class LocalSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "validatorUrl": None,  # the public validator would be a third-party request
            "persistAuthorization": False,
        }
        assets = reverse("api:docs-asset", kwargs={"name": "x"})[:-1]
        page = _PAGE.format(title="twostep API", assets=assets, settings=_script_json(settings))
        response = HttpResponse(page, content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = DOCS_CSP
        return response


def docs_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    """One of the Swagger UI files shipped with django-ninja (a fixed list, nothing else)."""
    content_type = ASSETS.get(name)
    if content_type is None or request.method not in {"GET", "HEAD"}:
        return error_response("not_found")
    response = FileResponse((_STATIC / name).open("rb"), content_type=content_type)
    response["Content-Security-Policy"] = DOCS_CSP
    return response
