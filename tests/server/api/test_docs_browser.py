"""The API docs page in real Chromium: Swagger UI renders every operation from local files
under the strict Content-Security-Policy, with no violation and no request to another origin."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from server.support import ServerProcess, base_env

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LISTEN = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def test_docs_page_renders_under_the_csp() -> None:
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory(prefix="twostep-docs-") as data,
        ServerProcess(base_env(Path(data)), workers=1) as server,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.add_init_script(LISTEN)
            page.goto(server.url + "api/v1/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock").count()
            page.locator(".opblock-summary").first.click()
            page.get_by_text("Try it out").first.click()
            page.wait_for_selector(".execute", timeout=10_000)
            violations = page.evaluate("window.__violations")
        finally:
            browser.close()
    assert operations > 40
    assert violations == []
    origin = urlsplit(server.url).netloc
    assert {urlsplit(u).netloc for u in requests} == {origin}
