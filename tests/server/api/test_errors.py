"""One error shape for everything under /api/, the OpenAPI document and the docs page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from twostep.server.api.errors import CODES, ApiError

from .support import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def test_body_that_is_not_json_is_400(rp: ApiClient) -> None:
    assert_error(rp.post("/verify", raw="{not json"), 400, "bad_request")
    assert_error(rp.post("/verify", raw=b"\xff\xfe"), 400, "bad_request")


def test_body_of_the_wrong_type_is_422(rp: ApiClient) -> None:
    assert_error(rp.post("/verify", raw="[1, 2]"), 422, "validation_error")
    assert_error(rp.post("/verify", raw="null"), 422, "validation_error")
    assert_error(rp.post("/verify", raw='"text"'), 422, "validation_error")


def test_validation_errors_say_where(rp: ApiClient) -> None:
    body = assert_error(rp.post("/verify", {"username": "bob"}), 422, "validation_error")
    assert body["errors"][0]["loc"] == ["body", "body", "code"]
    assert "code" in body["message"]


def test_unknown_paths_and_methods(rp: ApiClient) -> None:
    assert_error(rp.get("/nothing/here"), 404, "not_found")
    assert_error(Client().get("/api/v2/verify"), 404, "not_found")
    assert_error(Client().get("/api/v1/"), 404, "not_found")
    response = rp.delete("/verify")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_too_large_body_is_413(rp: ApiClient) -> None:
    big = '{"username": "bob", "code": "' + "1" * 300_000 + '"}'
    assert_error(rp.post("/verify", raw=big), 413, "too_large")


def test_every_code_has_one_status() -> None:
    assert all(400 <= status <= 599 for status in CODES.values())
    assert ApiError("conflict").status == 409
    with pytest.raises(ValueError, match="unknown API error code"):
        ApiError("no_such_code")


def test_every_code_is_documented() -> None:
    from pathlib import Path

    import twostep.server.api.errors as errors_module

    table = errors_module.__doc__ or ""
    docs = (Path(__file__).parents[3] / "docs" / "api.md").read_text(encoding="utf-8")
    for code in CODES:
        assert re.search(rf"^{code}\s+{CODES[code]}\b", table, re.M), code
        assert f"`{code}`" in docs, code


def test_openapi_document(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/verify", "/api/v1/status", "/api/v1/admin/users", "/api/v1/signin"} <= set(
        doc["paths"]
    )
    verify = doc["paths"]["/api/v1/verify"]["post"]
    assert verify["security"] == [{"VerifyKey": []}]
    assert {"200", "401", "403", "429"} <= set(verify["responses"])
    assert doc["components"]["securitySchemes"]["VerifyKey"] == {"type": "http", "scheme": "bearer"}
    assert "security" not in doc["paths"]["/api/v1/signin"]["post"]
    ids = [op["operationId"] for path in doc["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))


def test_docs_page_uses_local_files_and_no_inline_script(db: None) -> None:
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    assert "http://" not in html
    assert "https://" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attributes, content in scripts:
        assert 'src="/api/v1/docs/assets/' in attributes or 'type="application/json"' in attributes
        if "src=" in attributes:
            assert not content.strip()
    csp = page["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-eval" not in csp
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        asset = Client().get(src)
        assert asset.status_code == 200, src
        b"".join(asset.streaming_content)
        asset.close()
    assert_error(Client().get("/api/v1/docs/assets/..%2F..%2Fsettings.py"), 404, "not_found")
    assert_error(Client().get("/api/v1/docs/assets/redoc.standalone.js"), 404, "not_found")


def test_unknown_query_parameters_are_refused(
    admin: ApiClient, rp: ApiClient, anon: ApiClient
) -> None:
    body = assert_error(admin.get("/admin/users", enroled="true"), 422, "validation_error")
    assert body["errors"] == [
        {"loc": ["query", "enroled"], "msg": "unknown parameter", "type": "extra"}
    ]
    assert_error(rp.get("/ping", x="1"), 422, "validation_error")
    assert_error(anon.get("/ping", x="1"), 401, "not_authenticated")  # who first, then what
    assert admin.get("/admin/users", enrolled="true").status_code == 200
