"""``twostep.sdk.webhooks.verify`` and the plain-Python check in docs/api.md (extracted from
the doc and run), against signatures made by the server's own signing code."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from twostep.sdk import TwostepError, WebhookVerificationError
from twostep.sdk.webhooks import WebhookEvent, sign, verify
from twostep.server.webhooks.signing import new_secret, signature_header

DOC = Path(__file__).parents[2] / "docs" / "api.md"
BODY = json.dumps(
    {
        "id": "evt_0123",
        "type": "mfa.reset",
        "created": "2026-11-23T12:00:00Z",
        "application": "Shop",
        "data": {"user": {"id": 4, "username": "alice", "external_id": "3"}},
    }
).encode()


def snippet(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- webhook-snippet: {name} -->\n```python\n(.*?)```", text, re.S)
    assert match, f"no {name} snippet in docs/api.md"
    return match.group(1)


def test_a_genuine_delivery_verifies() -> None:
    secret = new_secret()
    now = time.time()
    event = verify(BODY, signature_header(secret, int(now), BODY), secret)
    assert isinstance(event, WebhookEvent)
    assert (event.id, event.type, event.application) == ("evt_0123", "mfa.reset", "Shop")
    assert event.user_external_id == "3"
    assert event.created.tzinfo is not None
    # A str body (decoded by a framework) is the same bytes in UTF-8.
    assert verify(BODY.decode(), signature_header(secret, int(now), BODY), secret).id == "evt_0123"
    # The SDK's own sign() is the server's signature (for testing receivers).
    assert sign(BODY, secret, timestamp=int(now)) == signature_header(secret, int(now), BODY)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("tampered", "signature does not match"),
        ("wrong_secret", "signature does not match"),
        ("old", "seconds from now"),
        ("future", "seconds from now"),
        ("missing", "missing"),
        ("malformed", "not of the form"),
        ("not_an_event", "not a twostep event"),
    ],
)
def test_what_does_not_verify(case: str, message: str) -> None:
    secret = new_secret()
    now = 1_800_000_000
    body = BODY
    header: str | None = signature_header(secret, now, body)
    check_secret = secret
    if case == "tampered":
        body = BODY.replace(b'"3"', b'"4"')
    elif case == "wrong_secret":
        check_secret = new_secret()
    elif case == "old":
        header = signature_header(secret, now - 301, body)
    elif case == "future":
        header = signature_header(secret, now + 301, body)
    elif case == "missing":
        header = None
    elif case == "malformed":
        header = "v1=abc"
    elif case == "not_an_event":
        body = b"[1, 2]"
        header = signature_header(secret, now, body)
    with pytest.raises(WebhookVerificationError, match=message) as raised:
        verify(body, header, check_secret, now=now)
    assert isinstance(raised.value, TwostepError)
    assert isinstance(raised.value, ValueError)
    assert secret not in str(raised.value)
    assert check_secret not in str(raised.value)


def test_tolerance_and_several_signatures() -> None:
    old, new = new_secret(), new_secret()
    now = 1_800_000_000
    stale = signature_header(old, now - 600, BODY)
    assert verify(BODY, stale, old, tolerance=900, now=now).id == "evt_0123"
    # While a secret is replaced a header may carry several v1 values: any that matches.
    both = (
        signature_header(old, now, BODY) + ",v1=" + signature_header(new, now, BODY).split("v1=")[1]
    )
    assert verify(BODY, both, new, now=now).id == "evt_0123"
    assert verify(BODY, both, old, now=now).id == "evt_0123"
    with pytest.raises(WebhookVerificationError):
        verify(BODY, both, new_secret(), now=now)


def _sdk_handler(processed: set[str], ended: list[str | None]) -> Callable[..., int]:
    namespace: dict[str, Any] = {
        "already_processed": lambda event_id: event_id in processed or processed.add(event_id),
        "end_sessions_of": ended.append,
    }
    exec(compile(snippet("sdk"), str(DOC), "exec"), namespace)  # noqa: S102 - the doc's code
    handler: Callable[..., int] = namespace["handle_twostep_event"]
    return handler


def _stdlib_check() -> Callable[..., dict[str, Any]]:
    namespace: dict[str, Any] = {}
    exec(compile(snippet("stdlib"), str(DOC), "exec"), namespace)  # noqa: S102 - the doc's code
    check: Callable[..., dict[str, Any]] = namespace["verify_twostep_event"]
    return check


def test_the_docs_sdk_snippet_runs() -> None:
    processed: set[str] = set()
    ended: list[str | None] = []
    handle = _sdk_handler(processed, ended)
    secret = new_secret()
    header = signature_header(secret, int(time.time()), BODY)
    assert handle(BODY, header, secret) == 200
    assert ended == ["3"]
    assert handle(BODY, header, secret) == 200  # a repeat: processed once
    assert ended == ["3"]
    assert handle(BODY.replace(b"alice", b"mallory"), header, secret) == 400
    assert handle(BODY, header, new_secret()) == 400
    assert handle(BODY, signature_header(secret, int(time.time()) - 3600, BODY), secret) == 400


def test_the_docs_stdlib_snippet_runs() -> None:
    check = _stdlib_check()
    secret = new_secret()
    now = int(time.time())
    assert check(BODY, signature_header(secret, now, BODY), secret)["type"] == "mfa.reset"
    with pytest.raises(ValueError, match="wrong signature"):
        check(BODY.replace(b"alice", b"mallory"), signature_header(secret, now, BODY), secret)
    with pytest.raises(ValueError, match="wrong signature"):
        check(BODY, signature_header(secret, now, BODY), new_secret())
    with pytest.raises(ValueError, match="too old"):
        check(BODY, signature_header(secret, now - 301, BODY), secret)
    with pytest.raises(ValueError, match="malformed"):
        check(BODY, "t=1", secret)
    with pytest.raises(ValueError, match="wrong signature"):
        check(BODY, f"t={now},v1=é", secret)
