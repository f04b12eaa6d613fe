"""Apache httpd with mod_auth_openidc as a relying party of twostep, for the end-to-end tests.

:class:`ApacheRelyingParty` writes a whole configuration (its own ServerRoot, port, PidFile and
logs) into a temporary directory (removed by ``stop``) and runs ``apache2 -X`` (one process, in
the foreground) until ``stop``. It protects ``/protected/`` with ``AuthType openid-connect``
and serves ``/protected/index.shtml``, which prints the ``REMOTE_USER`` the module set (the
ID token's ``preferred_username``), the ``groups`` and ``amr`` claims. ``/loggedout.html`` is
public: the page that RP-initiated logout comes back to.

:func:`apache_config` is the configuration itself; docs/oidc.md shows the same directives.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
MOD_AUTH_OPENIDC = MODULES / "mod_auth_openidc.so"

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Intranet</title></head>
<body><main>
<h1>Intranet</h1>
<p>Signed in as <strong id="remote-user"><!--#echo var="REMOTE_USER" --></strong></p>
<p>Groups: <span id="groups"><!--#echo var="OIDC_CLAIM_groups" --></span></p>
<p>Signed in with: <span id="amr"><!--#echo var="OIDC_CLAIM_amr" --></span></p>
<p><a href="/protected/redirect_uri?logout=http%3A%2F%2F127.0.0.1%3A{port}%2Floggedout.html">
Sign out</a></p>
</main></body></html>
"""

LOGGED_OUT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Signed out</title></head>
<body><main><h1>You are signed out of the intranet</h1></main></body></html>
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def apache_config(
    *,
    root: Path,
    port: int,
    issuer: str,
    client_id: str,
    client_secret: str,
    passphrase: str,
    user: str = "nobody",
    group: str = "nogroup",
) -> str:
    """httpd.conf for a relying party on 127.0.0.1:``port`` of the provider at ``issuer``."""
    base = f"http://127.0.0.1:{port}"
    return f"""\
ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{root}/httpd.pid"
ErrorLog "{root}/error.log"
LogLevel warn auth_openidc:info
User {user}
Group {group}
LoadModule mpm_prefork_module {MODULES}/mod_mpm_prefork.so
LoadModule authn_core_module {MODULES}/mod_authn_core.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
LoadModule authz_user_module {MODULES}/mod_authz_user.so
LoadModule mime_module {MODULES}/mod_mime.so
LoadModule include_module {MODULES}/mod_include.so
LoadModule dir_module {MODULES}/mod_dir.so
LoadModule auth_openidc_module {MOD_AUTH_OPENIDC}
TypesConfig /etc/mime.types
DocumentRoot "{root}/htdocs"
DirectoryIndex index.shtml index.html
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{root}/htdocs">
    AllowOverride None
    Options +Includes
    AddType text/html .shtml
    AddOutputFilter INCLUDES .shtml
    Require all granted
</Directory>

# --- twostep as the OpenID Connect provider -------------------------------------------------
OIDCProviderMetadataURL {issuer}/.well-known/openid-configuration
OIDCClientID {client_id}
OIDCClientSecret {client_secret}
OIDCRedirectURI {base}/protected/redirect_uri
OIDCCryptoPassphrase {passphrase}
OIDCScope "openid profile email groups"
OIDCPKCEMethod S256
OIDCRemoteUserClaim preferred_username
OIDCPassClaimsAs environment
OIDCProviderTokenEndpointAuth client_secret_basic
OIDCCookieSameSite On
OIDCRedirectURLsAllowed ^{base}/
<Location /protected/>
    AuthType openid-connect
    Require valid-user
</Location>
"""


class ApacheRelyingParty:
    """``apache2 -X`` with its own configuration in ``root``; ``url`` once it answers."""

    def __init__(self, *, issuer: str, client_id: str, client_secret: str) -> None:
        # Its own directory right under /tmp: the process drops to "nobody" when started as
        # root, and pytest's temporary directories are private to root.
        self.root = Path(tempfile.mkdtemp(prefix="twostep-apache-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.redirect_uri = f"{self.url}/protected/redirect_uri"
        self.logged_out_url = f"{self.url}/loggedout.html"
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.proc: subprocess.Popen[bytes] | None = None

    def write(self) -> Path:
        htdocs = self.root / "htdocs"
        (htdocs / "protected").mkdir(parents=True, exist_ok=True)
        (htdocs / "protected" / "index.shtml").write_text(PAGE.format(port=self.port))
        (htdocs / "loggedout.html").write_text(LOGGED_OUT)
        conf = self.root / "httpd.conf"
        conf.write_text(
            apache_config(
                root=self.root,
                port=self.port,
                issuer=self.issuer,
                client_id=self.client_id,
                client_secret=self.client_secret,
                passphrase=secrets.token_urlsafe(32),
            )
        )
        # The single process drops to "nobody" when started as root: let it read its files.
        for path in [self.root, *self.root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        return conf

    def start(self, timeout: float = 30) -> ApacheRelyingParty:
        conf = self.write()
        check = subprocess.run(
            [APACHE, "-t", "-f", str(conf)], check=False, capture_output=True, text=True, timeout=30
        )
        if check.returncode != 0:
            raise RuntimeError(f"apache2 -t refused the configuration:\n{check.stderr}")
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/bin"), "LANG": "C"}
        self.proc = subprocess.Popen(
            [APACHE, "-X", "-f", str(conf)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"apache2 exited {self.proc.returncode}:\n{self.log()}")
            try:
                httpx.get(self.logged_out_url, timeout=2)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"apache2 did not answer:\n{self.log()}")

    def log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ApacheRelyingParty:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
