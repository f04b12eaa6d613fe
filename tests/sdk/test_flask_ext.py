"""twostep.sdk.flask, through examples/flask_ext (a few lines of configuration), with Flask's
test client against a real `twostep serve`: the decorator sends a signed-in user to setup (QR
code, first code, recovery codes) or to the code page, and back where they were going; a wrong
code, a replayed code and a form without its token are refused; a recovery code works; the
next page is never another site; twostep down is a 503 page."""

from __future__ import annotations

import html
import importlib.util
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.support import oathtool
from twostep.sdk import Client
from twostep.sdk.flask import Twostep
from twostep.sdk.web import AppUser, start_setup

from .conftest import Server, unique
from .examples_support import EXAMPLES, verify_key

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"


def field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert match, f"no {name} in the page"
    return match.group(1)


def load_example(monkeypatch: pytest.MonkeyPatch, url: str, key: str) -> ModuleType:
    monkeypatch.setenv("TWOSTEP_URL", url)
    monkeypatch.setenv("TWOSTEP_API_KEY", key)
    monkeypatch.setenv("FLASK_SECRET_KEY", "test-" + unique("k"))
    monkeypatch.setenv("PLAIN_HTTP", "1")
    path = EXAMPLES / "flask_ext" / "app.py"
    spec = importlib.util.spec_from_file_location("flask_ext_example", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def example(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    module = load_example(monkeypatch, server.url, verify_key(server.env, unique("Flask ext ")))
    yield module
    module.app.extensions["twostep"].client.close()


def sign_in(client: FlaskClient, password: str = PASSWORD) -> str:
    page = client.get("/login").text
    answer = client.post(
        "/login",
        data={
            "csrf_token": field(page, "csrf_token"),
            "email": "alice@example.com",
            "password": password,
        },
    )
    return answer.headers.get("Location", "")


def submit(client: FlaskClient, path: str, code: str) -> tuple[int, str, str]:
    page = client.get(path).text
    answer = client.post(
        path,
        data={
            "twostep_form": field(page, "twostep_form"),
            "csrf_token": field(page, "csrf_token"),
            "code": code,
        },
    )
    return answer.status_code, answer.headers.get("Location", ""), answer.text


def test_setup_then_codes_through_the_extension(example: ModuleType) -> None:
    client = example.app.test_client()
    assert client.get("/").headers["Location"] == "/login"  # nobody signed in
    assert sign_in(client, "wrong password") == ""
    assert sign_in(client) == "/"
    assert client.get("/").headers["Location"] == "/twostep/code?next=/"
    # No second factor yet: the code page sends the user to setup.
    assert client.get("/twostep/code?next=/").headers["Location"] == "/twostep/setup"
    page = client.get("/twostep/setup").text
    assert 'alt="QR code for alice@example.com"' in page
    assert "data:image/png;base64," in page
    key = re.search(r'<code class="key">([A-Z2-7 ]+)</code>', page)
    assert key
    secret = key.group(1).replace(" ", "")
    # A form without the extension's own token is refused before twostep is asked (the
    # example's Flask-WTF token alone is not enough).
    answer = client.post(
        "/twostep/setup",
        data={"csrf_token": field(page, "csrf_token"), "code": oathtool(secret, time.time())},
    )
    assert (answer.status_code, answer.headers["Location"]) == (302, "/twostep/setup")
    status, _, page = submit(client, "/twostep/setup", "000000")
    assert status == 400
    assert "That code did not match" in page
    status, _, page = submit(client, "/twostep/setup", oathtool(secret, time.time()))
    assert status == 200, page
    recovery = re.findall(r"<li><code>([^<]+)</code></li>", page)
    assert len(recovery) == 10
    assert '<a href="/">Continue</a>' in page
    assert client.get("/").text == "<h1>Hello, alice@example.com</h1>"

    # A new session: the code page (set up now), and back to where the user was going, but
    # never to another site.
    client = example.app.test_client()
    sign_in(client)
    client.get("/twostep/code?next=//evil.example/")
    status, location, page = submit(client, "/twostep/code", "000000")
    assert status == 400
    assert "That code was not accepted" in html.unescape(page)
    code = oathtool(secret, time.time() + 30)  # the next time step: a new code
    status, location, _ = submit(client, "/twostep/code", code)
    assert (status, location) == (302, "/")
    assert client.get("/").status_code == 200

    # The same code again, in another session: refused. A recovery code: accepted.
    client = example.app.test_client()
    sign_in(client)
    status, _, page = submit(client, "/twostep/code?next=/", code)
    assert status == 400
    assert "That code was not accepted" in html.unescape(page)
    status, location, _ = submit(client, "/twostep/code", recovery[0])
    assert (status, location) == (302, "/")
    with client.session_transaction() as session:
        assert ("message", "You used a recovery code; 9 left.") in session["_flashes"]
    assert client.get("/").status_code == 200


def test_with_the_policy_setting_twostep_decides_who_sets_2fa_up(
    server: Server, admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWOSTEP_REQUIRE", "policy")
    key = verify_key(server.env, unique("Flask policy "))
    module = load_example(monkeypatch, server.url, key)
    rp = Client(server.url, key)
    try:
        # Not required by twostep's policy, no 2FA: in without a code (made in twostep).
        client = module.app.test_client()
        sign_in(client)
        assert client.get("/").text == "<h1>Hello, alice@example.com</h1>"
        status = rp.status(external_id="1")
        assert (status.enrolled, status.required) == (False, False)
        # Required now: a new session goes to the code page, then to setup.
        admin.require_user(status.user.id, days=0)
        client = module.app.test_client()
        sign_in(client)
        assert client.get("/").headers["Location"] == "/twostep/code?next=/"
        assert client.get("/twostep/code?next=/").headers["Location"] == "/twostep/setup"
        page = client.get("/twostep/setup").text
        key_text = re.search(r'<code class="key">([A-Z2-7 ]+)</code>', page)
        assert key_text
        secret = key_text.group(1).replace(" ", "")
        status_code, _, page = submit(client, "/twostep/setup", oathtool(secret, time.time()))
        assert status_code == 200, page
        assert client.get("/").status_code == 200
        # No longer required, but set up: the code is asked all the same.
        admin.lift_requirement(status.user.id)
        assert rp.status(external_id="1").required is False
        client = module.app.test_client()
        sign_in(client)
        assert client.get("/").headers["Location"] == "/twostep/code?next=/"
    finally:
        rp.close()
        module.app.extensions["twostep"].client.close()


def test_a_wrong_require_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWOSTEP_REQUIRE", "sometimes")
    with pytest.raises(RuntimeError, match="TWOSTEP_REQUIRE must be one of always, policy"):
        load_example(monkeypatch, "http://127.0.0.1:9/", "tsk_" + "x" * 40)


@pytest.mark.parametrize("require", ["always", "policy"])
def test_twostep_down_is_a_503_page(monkeypatch: pytest.MonkeyPatch, require: str) -> None:
    monkeypatch.setenv("TWOSTEP_REQUIRE", require)
    module = load_example(monkeypatch, "http://127.0.0.1:9/", "tsk_" + "x" * 40)
    client = module.app.test_client()
    sign_in(client)
    answer = client.get("/twostep/code")
    assert answer.status_code == 503
    assert "Sign-in is unavailable for a moment" in answer.text
    # The protected page: "policy" asks twostep there, and nobody passes without it.
    answer = client.get("/")
    if require == "policy":
        assert answer.status_code == 503
        assert "Sign-in is unavailable for a moment" in answer.text
    else:
        assert answer.headers["Location"] == "/twostep/code?next=/"


def test_an_app_s_own_templates_override_the_extension_s(tmp_path: Path) -> None:
    (tmp_path / "twostep").mkdir()
    (tmp_path / "twostep" / "unavailable.html").write_text("<h1>Our own page</h1>")
    app = Flask(__name__, template_folder=str(tmp_path))
    app.secret_key = "test-" + unique("k")
    app.config.update(TWOSTEP_BASE_URL="http://127.0.0.1:9/", TWOSTEP_API_KEY="tsk_" + "x" * 40)
    Twostep(app, user_loader=lambda: "7")
    answer = app.test_client().get("/twostep/code")
    assert (answer.status_code, answer.text) == (503, "<h1>Our own page</h1>")


def test_importing_the_sdk_loads_no_web_framework() -> None:
    code = "import sys, twostep.sdk; print(sorted({'flask', 'django'} & set(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_a_user_whose_email_twostep_has_is_made_without_it(server: Server) -> None:
    email = unique("taken") + "@example.com"
    with Client(server.url, server.admin_key) as admin:
        admin.create_user(unique("other"), email=email)  # another application's user
    with Client(server.url, verify_key(server.env, unique("Shop "))) as rp:
        enrolment = start_setup(rp, AppUser("42", email=email), None)
        assert enrolment is not None
        assert enrolment.account_name != email
        assert rp.status(external_id="42").user.email is None
