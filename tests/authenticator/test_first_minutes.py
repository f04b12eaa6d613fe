"""The first five minutes of a new user, as the seeds tell them: install the app, set it up,
scan the QR code a website shows, read the 6-digit code, see the account listed, watch codes.

Everything goes through the real ``twostep-auth`` program with a real vault, except ``watch``,
which is driven by textual's pilot on the same vault and session.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from twostep.authenticator import services
from twostep.authenticator.tui import WatchApp, group_code
from twostep.otp import make_qr_png, parse_uri

from .conftest import Env

# What Zoom's "Scan the QR code" page would hold for a new user.
SETUP_URI = (
    "otpauth://totp/Zoom:jane.doe@example.com?secret=OBQXG43XN5ZGIMJSGM2DKNRXHA4TAMJS&issuer=Zoom"
)


@pytest.mark.slow
def test_first_five_minutes(env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 1. Where do I start? The help says.
    help_text = env.ok("--help").out
    assert "twostep-auth init" in help_text

    # 2. Create the vault (a script-friendly password on stdin; a person is asked twice).
    created = env.ok("init", "--password-stdin", input="a long passphrase\n")
    assert "Created the vault" in created.out
    assert 'eval "$(twostep-auth unlock)"' in created.out

    # 3. Unlock it for this shell.
    token = env.unlock("a long passphrase")
    monkeypatch.setenv("TWOSTEP_SESSION", token)  # as `eval` would, for the in-process watch

    # 4. The website shows a QR code; the user saved it as an image (or uses --screen).
    image = tmp_path / "zoom-setup.png"
    image.write_bytes(make_qr_png(SETUP_URI))
    added = env.ok("add", "--qr", str(image))
    assert added.out.strip() == "Added Zoom:jane.doe@example.com (TOTP, 6 digits, 30 s)."

    # 5. "Type in the number you see": the 6-digit code, the one Zoom expects now.
    account = parse_uri(SETUP_URI)
    result = env.ok("code", "zoom")
    code = result.out.strip()
    assert len(code) == 6
    assert code.isdigit()
    account.verify(code, at=time.time(), window=1)  # what the server side would check
    assert "Zoom:jane.doe@example.com:" in result.err
    assert "s left" in result.err

    # 6. The account is listed (and the secret is nowhere in the listing).
    listed = env.ok("list")
    assert "Zoom" in listed.out
    assert "jane.doe@example.com" in listed.out
    assert account.secret.base32 not in listed.out
    assert [e["issuer"] for e in json.loads(env.ok("list", "--json").out)] == ["Zoom"]

    # 7. The live view shows the same code, and Esc leaves it.
    at = time.time()

    async def watch() -> str:
        auth = services.open_vault()  # the session from `unlock`, like `twostep-auth watch`
        auth.clock = lambda: at
        app = WatchApp(auth)
        async with app.run_test(size=(90, 24)) as pilot:
            await pilot.pause()
            (entry,) = app.visible_entries()
            shown = app.cell(entry.id, "code")
            await pilot.press("escape")
        return shown

    assert asyncio.run(watch()) == group_code(account.generate(at))

    # 8. Done for the day.
    assert env.ok("lock").out.strip() == "unset TWOSTEP_SESSION"
    assert env.run("code", "zoom").code == 3
