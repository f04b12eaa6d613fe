"""The OpenID Connect provider against a real `twostep serve` on PostgreSQL, driven by authlib's
client (a relying party's library nobody here wrote) and an HTTP "browser" on the sign-in pages.

One server for the module (the flows share it, each with its own client or user), so the whole
file costs one start-up.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session as OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from .support import (
    CSRF_RE,
    KEY_RE,
    PASSWORD,
    TWOSTEP,
    ServerProcess,
    base_env,
    enrol_owner_over_http,
    oathtool,
    postgres_database,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

REDIRECT = "http://127.0.0.1:9/callback"  # never reached: the test reads the Location header
SCOPE = "openid profile email groups offline_access"

MAKE_CLIENT = """
import json, sys, django
django.setup()
from twostep.server.applications.models import Application
from twostep.server.clock import get_clock
from twostep.server.oidc.clients import create_client
spec = json.loads(sys.stdin.read())
app = Application.objects.create(name=spec["name"], created_at=get_clock()())
made = create_client(app, redirect_uris=[spec["redirect"]], public=spec["public"],
                     first_party=spec["first_party"], algorithm=spec["algorithm"],
                     post_logout_redirect_uris=[spec["redirect"]], clock=get_clock())
print(json.dumps({"client_id": made.client_id, "client_secret": made.client_secret}))
"""


@dataclass
class Provider:
    server: ServerProcess
    env: dict[str, str]
    clock_file: Path
    owner_key: str
    config: dict[str, Any]
    opened: list[Any]  # HTTP clients, closed with the server

    def client(
        self,
        name: str,
        *,
        public: bool = False,
        first_party: bool = False,
        algorithm: str = "RS256",
    ) -> tuple[str, str | None]:
        out = subprocess.run(
            [sys.executable, "-c", MAKE_CLIENT],
            input=json.dumps(
                {
                    "name": name,
                    "redirect": REDIRECT,
                    "public": public,
                    "first_party": first_party,
                    "algorithm": algorithm,
                }
            ),
            env={**self.env, "DJANGO_SETTINGS_MODULE": "twostep.server.settings"},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        made = json.loads(out.stdout.strip().splitlines()[-1])
        return made["client_id"], made["client_secret"]

    def offset(self) -> float:
        text = self.clock_file.read_text().strip() if self.clock_file.exists() else ""
        return float(text or 0)

    def code_now(self) -> str:
        """A new code: the server's clock moves on 30 seconds first (each code works once)."""
        self.clock_file.write_text(str(self.offset() + 30))
        return oathtool(self.owner_key, time.time() + self.offset())

    def jwks(self) -> Any:
        return KeySet.import_key_set(httpx.get(self.config["jwks_uri"]).json())


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    data = tmp_path_factory.mktemp("oidc")
    clock_file = data / "clock_offset"
    clock_file.write_text("0")
    with postgres_database("oidc_test") as url:
        env = base_env(data, TWOSTEP_DATABASE_URL=url, TWOSTEP_FAKE_CLOCK_FILE=str(clock_file))
        with ServerProcess(env) as server:
            key = enrol_owner_over_http(server)
            subprocess.run(
                [
                    str(TWOSTEP),
                    "createuser",
                    "alice",
                    "--email",
                    "alice@example.com",
                    "--password-stdin",
                ],
                input=PASSWORD + "\n",
                env=env,
                check=True,
                capture_output=True,
                text=True,
                timeout=60,
            )
            config = httpx.get(server.url + ".well-known/openid-configuration").json()
            provider = Provider(server, env, clock_file, key, config, [])
            try:
                yield provider
            finally:
                for client in provider.opened:
                    client.close()


class Browser:
    """The user's browser: cookies, forms with their CSRF token, redirects read one by one."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.http = httpx.Client(base_url=provider.server.url, timeout=30)
        provider.opened.append(self.http)
        self.visited: list[str] = []

    def _form(self, url: str, data: dict[str, str]) -> httpx.Response:
        page = self.http.get(url)
        match = CSRF_RE.search(page.text)
        assert match, f"no form at {url}: {page.status_code} {page.text[:300]}"
        return self.http.post(url, data={"csrfmiddlewaretoken": match.group(1), **data})

    def follow(
        self, url: str, *, username: str = "owner", consent: bool = True, set_up: bool = False
    ) -> httpx.Response:
        """Open ``url`` and do what a user does until the provider sends the browser away."""
        response = self.http.get(url)
        for _ in range(12):
            location = response.headers.get("location", "")
            self.visited.append(location)
            if (
                response.status_code == 200
                and "Allow" in response.text
                and 'value="allow"' in response.text
            ):
                response = self._form(str(response.url), {"action": "allow" if consent else "deny"})
                continue
            if response.status_code not in (301, 302, 303):
                return response
            if location.startswith(REDIRECT):
                return response
            if location.startswith("/signin/?"):
                response = self._form(location, {"identifier": username, "password": PASSWORD})
            elif location.startswith(("/signin/code/", "/oidc/code/")):
                response = self._form(location, {"code": self.provider.code_now()})
            elif location.startswith("/two-step/setup/") and set_up:
                page = self.http.get(location)
                self.key = "".join(KEY_RE.findall(page.text))
                self.provider.clock_file.write_text(str(self.provider.offset() + 30))
                code = oathtool(self.key, time.time() + self.provider.offset())
                response = self._form(location, {"code": code})
            elif location.startswith("/two-step/setup/"):
                response = self._form(location, {"action": "later"})
            elif location.startswith("/two-step/enabled/"):
                page = self.http.get(location)
                found = re.search(r'href="([^"]+)">I have saved them', page.text)
                assert found, _alert(page.text)
                self.visited.append(location)
                response = self.http.get(html.unescape(found.group(1)))
            else:
                response = self.http.get(location)
        raise AssertionError(f"too many steps, last {response.status_code} {response.headers}")


def authlib_client(
    provider: Provider,
    client_id: str,
    secret: str | None,
    *,
    scope: str = SCOPE,
    pkce: bool = True,
) -> OAuth2Client:
    session = OAuth2Client(
        client_id,
        secret,
        scope=scope,
        redirect_uri=REDIRECT,
        code_challenge_method="S256" if pkce else None,
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
    )
    provider.opened.append(session)
    return session


def sign_in(
    provider: Provider,
    rp: OAuth2Client,
    browser: Browser,
    *,
    user: str = "owner",
    **params: str,
) -> tuple[dict[str, str], str, str]:
    """The code flow up to the redirect: (its query, the verifier, the nonce)."""
    verifier = generate_token(48)
    nonce = generate_token(16)
    url, state = rp.create_authorization_url(
        provider.config["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **params
    )
    response = browser.follow(url, username=user)
    location = response.headers.get("location", "")
    assert location.startswith(REDIRECT), (response.status_code, _alert(response.text))
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query.get("state") == state
    assert query.get("iss") == provider.config["issuer"]  # RFC 9207
    return query, verifier, nonce


def exchange(provider: Provider, rp: OAuth2Client, query: dict[str, str], verifier: str) -> Any:
    return rp.fetch_token(
        provider.config["token_endpoint"],
        grant_type="authorization_code",
        code=query["code"],
        code_verifier=verifier,
    )


def id_claims(provider: Provider, token: str, client_id: str, nonce: str | None = None) -> Any:
    """The ID token's claims, its signature checked with the published JWKS (joserfc)."""
    decoded = jwt.decode(token, provider.jwks(), algorithms=["RS256", "ES256"])
    registry = jwt.JWTClaimsRegistry(
        leeway=5,
        iss={"essential": True, "value": provider.config["issuer"]},
        aud={"essential": True, "value": client_id},
        **({"nonce": {"essential": True, "value": nonce}} if nonce else {}),
    )
    registry.validate(decoded.claims)
    return decoded.claims


def test_discovery_names_the_issuer_and_our_choices(provider: Provider) -> None:
    config = provider.config
    assert config["issuer"] == provider.server.url.rstrip("/")
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert set(config["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}
    assert {"openid", "profile", "email", "groups", "offline_access"} <= set(
        config["scopes_supported"]
    )
    keys = httpx.get(config["jwks_uri"]).json()["keys"]
    assert {k["alg"] for k in keys} == {"RS256", "ES256"}
    assert all("d" not in k for k in keys)  # public parts only


def test_code_flow_with_pkce_refresh_rotation_userinfo_and_revocation(provider: Provider) -> None:
    client_id, secret = provider.client("Grafana")
    rp = authlib_client(provider, client_id, secret)
    browser = Browser(provider)
    query, verifier, nonce = sign_in(provider, rp, browser)
    token = exchange(provider, rp, query, verifier)
    claims = id_claims(provider, token["id_token"], client_id, nonce)
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["acr"] == "urn:twostep:acr:2fa"
    assert claims["sub"] != "owner"
    assert len(claims["sub"]) == 32
    assert claims["preferred_username"] == "owner"
    assert claims["email"] == "owner@example.com"
    assert abs(claims["auth_time"] - (time.time() + provider.offset())) < 120

    info = rp.get(provider.config["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"]
    assert info["email"] == "owner@example.com"
    assert info["groups"] == []

    # Rotation: a new refresh token each time, the old one spent.
    first_refresh = token["refresh_token"]
    renewed = rp.refresh_token(provider.config["token_endpoint"], refresh_token=first_refresh)
    assert renewed["refresh_token"] != first_refresh
    assert renewed["access_token"] != token["access_token"]
    again = id_claims(provider, renewed["id_token"], client_id)
    assert again["sub"] == claims["sub"]
    assert again["amr"] == ["pwd", "otp"]  # the sign-in it came from

    # RFC 7009: a revoked access token no longer opens userinfo.
    response = rp.revoke_token(
        provider.config["revocation_endpoint"],
        token=renewed["access_token"],
        token_type_hint="access_token",
    )
    assert response.status_code == 200
    assert rp.get(provider.config["userinfo_endpoint"]).status_code == 401

    # A consent is asked once per application: the next sign-in goes straight back.
    query2, verifier2, _ = sign_in(provider, rp, browser)
    assert exchange(provider, rp, query2, verifier2)["access_token"]


def test_replayed_refresh_token_revokes_the_grant(provider: Provider) -> None:
    client_id, secret = provider.client("Nextcloud", first_party=True)
    rp = authlib_client(provider, client_id, secret)
    query, verifier, _ = sign_in(provider, rp, Browser(provider))
    token = exchange(provider, rp, query, verifier)
    old = token["refresh_token"]
    new = rp.refresh_token(provider.config["token_endpoint"], refresh_token=old)
    with pytest.raises(OAuthError) as replay:
        rp.refresh_token(provider.config["token_endpoint"], refresh_token=old)
    assert replay.value.error == "invalid_grant"
    # The whole family went: the newer refresh token and its access token too.
    with pytest.raises(OAuthError) as after:
        rp.refresh_token(provider.config["token_endpoint"], refresh_token=new["refresh_token"])
    assert after.value.error == "invalid_grant"
    status = httpx.get(
        provider.config["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {new['access_token']}"},
    ).status_code
    assert status == 401


def test_reused_code_fails_and_revokes_its_tokens(provider: Provider) -> None:
    client_id, secret = provider.client("GitLab", first_party=True)
    rp = authlib_client(provider, client_id, secret)
    query, verifier, _ = sign_in(provider, rp, Browser(provider))
    token = exchange(provider, rp, query, verifier)
    with pytest.raises(OAuthError) as reuse:
        exchange(provider, rp, query, verifier)
    assert reuse.value.error == "invalid_grant"
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert httpx.get(provider.config["userinfo_endpoint"], headers=bearer).status_code == 401
    with pytest.raises(OAuthError):
        rp.refresh_token(provider.config["token_endpoint"], refresh_token=token["refresh_token"])


def test_pkce_and_client_authentication_errors(provider: Provider) -> None:
    client_id, secret = provider.client("Wiki", first_party=True)
    rp = authlib_client(provider, client_id, secret)
    browser = Browser(provider)
    # A wrong verifier: invalid_grant (RFC 7636 §4.6).
    query, _verifier, _ = sign_in(provider, rp, browser)
    with pytest.raises(OAuthError) as wrong:
        exchange(provider, rp, query, generate_token(48))
    assert wrong.value.error == "invalid_grant"
    # A missing verifier for a code made with a challenge: invalid_grant too.
    query, _verifier, _ = sign_in(provider, rp, browser)
    response = httpx.post(
        provider.config["token_endpoint"],
        data={"grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT},
        auth=(client_id, secret or ""),
    )
    assert response.status_code == 400
    assert response.json()["error"] in {"invalid_request", "invalid_grant"}
    # A wrong client secret: invalid_client, 401 (RFC 6749 §5.2).
    query, verifier, _ = sign_in(provider, rp, browser)
    impostor = authlib_client(provider, client_id, "not-the-secret")
    with pytest.raises(OAuthError) as bad_secret:
        exchange(provider, impostor, query, verifier)
    assert bad_secret.value.error == "invalid_client"


def test_public_client_must_send_pkce(provider: Provider) -> None:
    client_id, _none = provider.client("SPA", public=True, first_party=True)
    browser = Browser(provider)
    browser.follow(  # sign in once
        OAuth2Client(
            client_id, None, scope="openid", redirect_uri=REDIRECT
        ).create_authorization_url(
            provider.config["authorization_endpoint"], code_verifier=generate_token(48)
        )[0]
    )
    no_pkce = authlib_client(provider, client_id, None, scope="openid", pkce=False)
    url, state = no_pkce.create_authorization_url(provider.config["authorization_endpoint"])
    response = browser.http.get(url)
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query.get("error") == ["invalid_request"], response.headers["location"]
    assert query["state"] == [state]


def test_requests_that_must_not_redirect(provider: Provider) -> None:
    client_id, _secret = provider.client("Strict")
    authorize = provider.config["authorization_endpoint"]
    unknown = httpx.get(
        authorize,
        params={
            "client_id": "nobody",
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "openid",
        },
    )
    assert unknown.status_code == 400
    assert "location" not in unknown.headers
    elsewhere = httpx.get(
        authorize,
        params={
            "client_id": client_id,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": "https://attacker.example/cb",
        },
    )
    assert elsewhere.status_code == 400
    assert "location" not in elsewhere.headers
    assert "attacker.example" not in elsewhere.text


def test_prompt_none_without_a_session_is_login_required(provider: Provider) -> None:
    client_id, secret = provider.client("Silent")
    rp = authlib_client(provider, client_id, secret)
    url, state = rp.create_authorization_url(
        provider.config["authorization_endpoint"], code_verifier=generate_token(48), prompt="none"
    )
    response = httpx.get(url)
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert response.headers["location"].startswith(REDIRECT)
    assert query["error"] == ["login_required"]
    assert query["state"] == [state]
    assert query["iss"] == [provider.config["issuer"]]


def test_two_factors_asked_give_two_factors_or_an_error(provider: Provider) -> None:
    client_id, secret = provider.client("Payroll", first_party=True)
    rp = authlib_client(provider, client_id, secret)
    # alice has no authenticator: never a one-factor token when two are asked.
    browser = Browser(provider)
    url, state = rp.create_authorization_url(
        provider.config["authorization_endpoint"],
        code_verifier=generate_token(48),
        acr_values="urn:twostep:acr:2fa",
    )
    response = browser.follow(url, username="alice")
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["error"] == ["unmet_authentication_requirements"]
    assert query["state"] == [state]
    assert "code" not in query
    # Without acr_values alice gets in, and the token says one factor.
    query2, verifier, _ = sign_in(provider, rp, browser, user="alice")
    claims = id_claims(provider, exchange(provider, rp, query2, verifier)["id_token"], client_id)
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "urn:twostep:acr:1fa"


def test_expired_code_is_refused(provider: Provider) -> None:
    client_id, secret = provider.client("Slow", first_party=True)
    rp = authlib_client(provider, client_id, secret)
    query, verifier, _ = sign_in(provider, rp, Browser(provider))
    provider.clock_file.write_text(str(provider.offset() + 120))
    with pytest.raises(OAuthError) as expired:
        exchange(provider, rp, query, verifier)
    assert expired.value.error == "invalid_grant"


def test_key_rotation_keeps_old_tokens_verifiable_and_es256(provider: Provider) -> None:
    client_id, secret = provider.client("Vault", first_party=True, algorithm="ES256")
    rp = authlib_client(provider, client_id, secret)
    browser = Browser(provider)
    query, verifier, _ = sign_in(provider, rp, browser)
    before = exchange(provider, rp, query, verifier)
    old_header = json.loads(_b64(before["id_token"].split(".")[0]))
    assert old_header["alg"] == "ES256"

    subprocess.run(
        [str(TWOSTEP), "oidc", "rotate-key"],
        env=provider.env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    report = json.loads(
        subprocess.run(
            [str(TWOSTEP), "oidc", "keys", "--json"],
            env=provider.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    )
    waiting = [k for k in report if k["state"] == "next" and k["algorithm"] == "ES256"]
    assert len(waiting) == 1
    published = {k["kid"] for k in httpx.get(provider.config["jwks_uri"]).json()["keys"]}
    assert waiting[0]["kid"] in published  # published before it signs
    renewed = rp.refresh_token(
        provider.config["token_endpoint"], refresh_token=before["refresh_token"]
    )
    assert json.loads(_b64(renewed["id_token"].split(".")[0]))["kid"] == old_header["kid"]

    # 16 minutes on: the new key signs, the old one still verifies the tokens it signed.
    provider.clock_file.write_text(str(provider.offset() + 16 * 60))
    query, verifier, _ = sign_in(provider, rp, browser)
    after = exchange(provider, rp, query, verifier)
    assert json.loads(_b64(after["id_token"].split(".")[0]))["kid"] == waiting[0]["kid"]
    assert id_claims(provider, after["id_token"], client_id)["sub"]
    old = jwt.decode(before["id_token"], provider.jwks(), algorithms=["ES256"])
    assert old.claims["aud"] == client_id


def test_prompt_login_asks_again_and_logout_ends_both_sessions(provider: Provider) -> None:
    client_id, secret = provider.client("Intranet", first_party=True)
    rp = authlib_client(provider, client_id, secret)
    browser = Browser(provider)
    query, verifier, _ = sign_in(provider, rp, browser)
    first = id_claims(provider, exchange(provider, rp, query, verifier)["id_token"], client_id)
    # Signed in: the next sign-in goes straight back, without the sign-in pages...
    browser.visited.clear()
    query, verifier, _ = sign_in(provider, rp, browser)
    assert not any(v.startswith("/signin/") for v in browser.visited)
    exchange(provider, rp, query, verifier)
    # ...unless the application asks prompt=login: password and code again.
    browser.visited.clear()
    query, verifier, _ = sign_in(provider, rp, browser, prompt="login")
    assert any(v.startswith("/signin/?") for v in browser.visited)
    assert any(v.startswith("/signin/code/") for v in browser.visited)
    token = exchange(provider, rp, query, verifier)
    again = id_claims(provider, token["id_token"], client_id)
    assert again["auth_time"] > first["auth_time"]
    assert browser.http.get("/account/").status_code == 200

    # RP-initiated logout with the ID token: back to the application, twostep signed out.
    response = browser.http.get(
        provider.config["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": REDIRECT,
            "state": "bye",
        },
    )
    assert response.status_code == 302, _alert(response.text)
    assert response.headers["location"] == REDIRECT + "?state=bye"
    assert browser.http.get("/account/").headers["location"].startswith("/signin/")
    # A post-logout URI that is not registered is refused, not followed.
    refused = httpx.get(
        provider.config["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "https://evil.example/",
        },
    )
    assert refused.status_code == 400
    assert "location" not in refused.headers


def test_setting_up_2fa_during_an_applications_sign_in_comes_back(provider: Provider) -> None:
    subprocess.run(
        [str(TWOSTEP), "createuser", "dave", "--email", "dave@example.com", "--password-stdin"],
        input=PASSWORD + "\n",
        env=provider.env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    subprocess.run(  # everyone must set up 2FA (within a week): dave is asked at sign-in
        [str(TWOSTEP), "policy", "set", "--mode", "all", "--grace-days", "7"],
        env=provider.env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    client_id, secret = provider.client("Chat", first_party=True)
    rp = authlib_client(provider, client_id, secret)
    browser = Browser(provider)
    verifier, nonce = generate_token(48), generate_token(16)
    url, state = rp.create_authorization_url(
        provider.config["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    response = browser.follow(url, username="dave", set_up=True)
    assert "/two-step/enabled/" in browser.visited  # the recovery codes were shown
    location = response.headers.get("location", "")
    assert location.startswith(REDIRECT), (response.status_code, _alert(response.text))
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["state"] == state
    claims = id_claims(provider, exchange(provider, rp, query, verifier)["id_token"], client_id)
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["preferred_username"] == "dave"


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _alert(page: str) -> str:
    """What a page says went wrong (for assertion messages)."""
    found = re.findall(
        r'role="alert">(.*?)<|<code>(.*?)</code>|class="errorlist[^>]*>(.*?)</ul>', page, re.S
    )
    return " | ".join("".join(parts) for parts in found) or page[:300]
