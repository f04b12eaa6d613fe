"""Helpers for the API tests (imported after the conftest set Django up)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from twostep.server.applications.keys import create_api_key
from twostep.server.clock import FakeClock


def make_key(scope: str, clock: FakeClock, *, actor: Any = None, **kw: Any) -> str:
    return create_api_key(name=f"{scope} test key", scope=scope, actor=actor, clock=clock, **kw)[1]


class ApiClient:
    """JSON in, response out; ``Authorization: Bearer <token>`` when a token is set."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        out.update(headers or {})
        return out

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        raw: str | bytes | None = None,
    ) -> Any:
        url = "/api/v1" + path
        call = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if method.upper() in {"GET", "HEAD"}:
            return call(url, params or {}, **kwargs)
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        if params:
            from urllib.parse import urlencode

            url += "?" + urlencode(params)
        return call(url, data, content_type="application/json", **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is our error shape with this status and code; returns the body."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body["message"]
    return body
