"""The sync API (docs/sync.md) through Django's test client: registration and the address's
confirmation, prelogin, login, the versioned vault, devices, password change, recovery,
deletion, the limits, the throttle and the audit log."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import Client

from twostep.server.attempts.models import Throttle
from twostep.server.audit.models import Event
from twostep.server.clock import FakeClock
from twostep.server.sync.models import SyncAccount, SyncDevice, SyncVault, SyncVerification

from ..helpers import CSRF_RE
from .conftest import Registered
from .support import Keys, b64, call, link_and_code, mail_text

pytestmark = pytest.mark.django_db


def register(api: Client, email: str, keys: Keys | None = None) -> tuple[int, Any]:
    return call(api, "POST", "register", (keys or Keys()).registration(email))


# -- registration and confirmation -------------------------------------------------------------


def test_register_mails_a_link_that_confirms_once(
    api: Client, clock: FakeClock, mailoutbox: list[Any]
) -> None:
    status, body = register(api, "Bea@Example.com")
    assert status == 202
    assert body["verified"] is False
    assert body["device_token"].startswith("tsy_")
    token = body["device_token"]
    assert call(api, "GET", "account", token=token)[1]["verified"] is False
    # Until the address is confirmed the device reads nothing.
    status, err = call(api, "GET", "vault", token=token)
    assert (status, err["error"]) == (403, "unverified")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["bea@example.com"]
    link, _code = link_and_code(mailoutbox[0])
    path = "/" + link.split("/", 3)[3]
    web = Client(enforce_csrf_checks=True)
    opened = web.get(path)
    assert opened.status_code == 302  # the token leaves the address bar
    page = web.get(opened["Location"])
    assert page.status_code == 200
    assert b"Confirm my address" in page.content
    # A GET (a mail scanner) does not use the link up.
    assert call(api, "GET", "account", token=token)[1]["verified"] is False
    csrf = CSRF_RE.search(page.content.decode())
    assert csrf is not None
    done = web.post(opened["Location"], {"csrfmiddlewaretoken": csrf.group(1)})
    assert done.status_code == 200
    assert b"Your address is confirmed" in done.content
    assert call(api, "GET", "account", token=token)[1]["verified"] is True
    assert call(api, "GET", "vault", token=token)[0] == 200

    # Works once: the same link again is dead.
    again = Client(enforce_csrf_checks=True)
    assert again.get(path).status_code == 302
    assert again.get(opened["Location"]).status_code == 410


def test_the_link_expires_after_an_hour(
    api: Client, clock: FakeClock, mailoutbox: list[Any]
) -> None:
    status, body = register(api, "cy@example.com")
    link, code = link_and_code(mailoutbox[0])
    path = "/" + link.split("/", 3)[3]
    clock.advance(seconds=3601)
    web = Client()
    confirm = web.get(path)["Location"]
    assert web.get(confirm).status_code == 410
    assert web.post(confirm).status_code == 410
    status, err = call(api, "POST", "verify", {"code": code}, token=body["device_token"])
    assert (status, err["error"]) == (410, "expired")
    assert not SyncAccount.objects.get().verified


def test_the_code_confirms_once_and_five_wrong_codes_void_it(
    api: Client, clock: FakeClock, mailoutbox: list[Any]
) -> None:
    _, body = register(api, "di@example.com")
    token = body["device_token"]
    _, code = link_and_code(mailoutbox[0])
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
    status, err = call(api, "POST", "verify", {"code": wrong}, token=token)
    assert (status, err["error"], err["attempts_left"]) == (400, "wrong_code", 4)
    # Lower case, without the dash: still the code.
    status, _ = call(api, "POST", "verify", {"code": code.replace("-", "").lower()}, token=token)
    assert status == 200
    assert SyncAccount.objects.get().verified

    _, body = register(api, "ed@example.com")
    token = body["device_token"]
    _, code = link_and_code(mailoutbox[-1])
    for left in (4, 3, 2, 1):
        assert call(api, "POST", "verify", {"code": wrong}, token=token)[1]["attempts_left"] == left
    assert call(api, "POST", "verify", {"code": wrong}, token=token)[0] == 410
    status, err = call(api, "POST", "verify", {"code": code}, token=token)
    assert (status, err["error"]) == (410, "expired")  # the right code, too late

    # A new mail brings a new code; the old link and code are dead.
    old_link, _ = link_and_code(mailoutbox[-1])
    assert call(api, "POST", "verify/resend", {}, token=token)[0] == 202
    new_link, new_code = link_and_code(mailoutbox[-1])
    assert new_link != old_link
    assert call(api, "POST", "verify", {"code": new_code}, token=token)[0] == 200


def test_registering_a_taken_address_answers_the_same_and_mails_the_owner(
    api: Client, account: Registered, mailoutbox: list[Any]
) -> None:
    status, body = register(api, account.email)
    assert status == 202
    assert set(body) == {"device_token", "device_id", "verified", "expires_at"}
    text = mail_text(mailoutbox[-1])
    assert "has\nan account there already" in text or "account there already" in text
    assert "/sync/verify/" not in text
    # The intruder's pending account can never be confirmed nor sign in.
    assert call(api, "GET", "account", token=body["device_token"])[1]["verified"] is False
    assert SyncAccount.objects.filter(verified=True).count() == 1


def test_sync_off_and_domains(api: Client, settings: Any, db: None) -> None:
    settings.TWOSTEP_SYNC = "off"
    status, err = register(api, "fay@example.com")
    assert (status, err["error"]) == (403, "sync_disabled")
    assert call(api, "POST", "prelogin", {"email": "fay@example.com"})[0] == 403
    settings.TWOSTEP_SYNC = "domains"
    settings.TWOSTEP_SYNC_DOMAINS = ("example.org",)
    status, err = register(api, "fay@example.com")
    assert (status, err["error"]) == (403, "domain_not_allowed")
    assert register(api, "fay@example.org")[0] == 202
    assert not SyncAccount.objects.filter(email="fay@example.com").exists()


def test_registration_is_throttled_per_address(api: Client, db: None) -> None:
    # reset_delay: the first 3 mails come at once, the 4th sets a minute's wait.
    for _ in range(4):
        assert register(api, "gil@example.com")[0] == 202
    status, err = register(api, "gil@example.com")
    assert status == 429
    assert err["error"] == "throttled"
    assert err["retry_after"] >= 1


def test_malformed_fields_are_named(api: Client, db: None) -> None:
    body = Keys().registration("hal@example.com")
    body["kdf"] = {"algorithm": "argon2id", "memory_kib": 1024, "iterations": 3, "parallelism": 1}
    status, err = call(api, "POST", "register", body)
    assert (status, err["error"], err["field"]) == (400, "invalid", "kdf")
    body = Keys().registration("hal@example.com")
    body["auth_key"] = "not base64!"
    assert call(api, "POST", "register", body)[1]["field"] == "auth_key"
    assert not SyncAccount.objects.exists()


# -- prelogin and login -------------------------------------------------------------------------


def test_prelogin_gives_a_fake_salt_of_the_same_shape_for_unknown_addresses(
    api: Client, account: Registered
) -> None:
    status, known = call(api, "POST", "prelogin", {"email": account.email})
    assert status == 200
    assert base64.b64decode(known["salt"]) == account.keys.salt
    _, unknown = call(api, "POST", "prelogin", {"email": "nobody@example.com"})
    _, again = call(api, "POST", "prelogin", {"email": "NOBODY@example.com"})
    _, other = call(api, "POST", "prelogin", {"email": "someone@example.com"})
    assert set(unknown) == set(known)
    assert unknown["kdf"] == known["kdf"]
    assert len(base64.b64decode(unknown["salt"], validate=True)) == 16
    assert unknown == again  # the same every time
    assert unknown["salt"] != other["salt"]


def test_login_refuses_a_wrong_key_without_saying_which_part(
    api: Client, account: Registered
) -> None:
    wrong = call(
        api,
        "POST",
        "login",
        {"email": account.email, "auth_key": Keys().auth_key, "device_name": "desk"},
    )
    unknown = call(
        api,
        "POST",
        "login",
        {"email": "zed@example.com", "auth_key": account.keys.auth_key, "device_name": "desk"},
    )
    assert wrong == unknown
    assert wrong[0] == 401
    assert wrong[1]["error"] == "invalid_credentials"
    status, body = call(
        api,
        "POST",
        "login",
        {"email": account.email, "auth_key": account.keys.auth_key, "device_name": "desk"},
    )
    assert status == 200
    assert body["device_token"].startswith("tsy_")
    assert call(api, "GET", "vault", token=body["device_token"])[0] == 200


def test_login_is_throttled(api: Client, account: Registered) -> None:
    guess = {"email": account.email, "auth_key": Keys().auth_key, "device_name": "x"}
    for _ in range(5):
        assert call(api, "POST", "login", guess)[0] == 401
    status, _err = call(api, "POST", "login", guess)
    assert status == 401  # the sixth guess is checked, then the waits begin
    response = api.post("/api/sync/v1/login", guess, content_type="application/json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    # Even the right key waits: the throttle comes before the check.
    right = dict(guess, auth_key=account.keys.auth_key)
    assert call(api, "POST", "login", right)[0] == 429


# -- the vault -----------------------------------------------------------------------------------


def test_versioned_writes(api: Client, account: Registered) -> None:
    status, vault = call(api, "GET", "vault", token=account.token)
    assert (status, vault["version"], vault["ciphertext"]) == (200, 0, None)
    assert vault["wrapped_key"]
    assert vault["recovery_wrapped_key"]
    first = account.keys.encrypt(b"one")
    status, done = call(
        api, "PUT", "vault", {"base_version": 0, "ciphertext": first}, account.token
    )
    assert (status, done["version"]) == (200, 1)
    status, err = call(
        api,
        "PUT",
        "vault",
        {"base_version": 0, "ciphertext": account.keys.encrypt(b"two")},
        account.token,
    )
    assert (status, err["error"], err["version"]) == (409, "version_conflict", 1)
    assert call(api, "GET", "vault", token=account.token)[1]["ciphertext"] == first
    status, done = call(
        api,
        "PUT",
        "vault",
        {"base_version": 1, "ciphertext": account.keys.encrypt(b"two")},
        account.token,
    )
    assert (status, done["version"]) == (200, 2)


def test_the_size_limit(api: Client, account: Registered, settings: Any) -> None:
    settings.TWOSTEP_SYNC_MAX_BYTES = 4096
    fits = account.keys.encrypt(bytes(4096 - 28))
    assert (
        call(api, "PUT", "vault", {"base_version": 0, "ciphertext": fits}, account.token)[0] == 200
    )
    big = account.keys.encrypt(bytes(4096))
    status, err = call(api, "PUT", "vault", {"base_version": 1, "ciphertext": big}, account.token)
    assert (status, err["error"], err["limit"]) == (413, "too_large", 4096)
    assert "4096 bytes" in err["message"]
    assert SyncVault.objects.get().version == 1
    # A body larger than an upload may be is not read at all: the same answer.
    huge = account.keys.encrypt(bytes(20_000))
    status, err = call(api, "PUT", "vault", {"base_version": 1, "ciphertext": huge}, account.token)
    assert (status, err["error"], err["limit"]) == (413, "too_large", 4096)


def test_a_vault_larger_than_other_requests_fits(api: Client, account: Registered) -> None:
    """The default limit (1 MiB) is above Django's bound for other bodies (256 KiB)."""
    big = account.keys.encrypt(bytes(1024 * 1024 - 28))
    status, done = call(api, "PUT", "vault", {"base_version": 0, "ciphertext": big}, account.token)
    assert (status, done["version"]) == (200, 1)
    assert SyncVault.objects.get().size == 1024 * 1024
    status, vault = call(api, "GET", "vault", token=account.token)
    assert vault["ciphertext"] == big
    # Other endpoints still refuse large bodies.
    filler = {"email": account.email, "padding": "x" * 300_000}
    status, err = call(api, "POST", "prelogin", filler)
    assert (status, err["error"]) == (413, "too_large")


# -- devices -------------------------------------------------------------------------------------


def test_a_revoked_device_is_refused_at_once(api: Client, account: Registered) -> None:
    _, second = call(
        api,
        "POST",
        "login",
        {"email": account.email, "auth_key": account.keys.auth_key, "device_name": "desk"},
    )
    assert call(api, "GET", "vault", token=second["device_token"])[0] == 200
    status, listed = call(api, "GET", "devices", token=account.token)
    assert status == 200
    assert [(d["name"], d["current"]) for d in listed["devices"]] == [
        ("laptop", True),
        ("desk", False),
    ]
    assert call(api, "DELETE", f"devices/{second['device_id']}", token=account.token)[0] == 204
    status, err = call(api, "GET", "vault", token=second["device_token"])
    assert (status, err["error"]) == (401, "unauthorized")
    assert call(api, "DELETE", f"devices/{second['device_id']}", token=account.token)[0] == 404
    # Another account's device cannot be revoked from here.
    other = Keys()
    assert register(api, "ivy@example.com", other)[0] == 202
    ivy = SyncDevice.objects.get(account__email="ivy@example.com")
    assert call(api, "DELETE", f"devices/{ivy.lookup}", token=account.token)[0] == 404
    assert SyncDevice.objects.filter(pk=ivy.pk).exists()


def test_device_tokens_are_stored_hashed(account: Registered) -> None:
    device = SyncDevice.objects.get()
    assert account.token not in device.token_digest
    assert account.token.split("_", 2)[2] not in str(SyncDevice.objects.values().get())


# -- password change, recovery, deletion ------------------------------------------------------


def _login(api: Client, email: str, auth_key: str) -> int:
    return call(api, "POST", "login", {"email": email, "auth_key": auth_key, "device_name": "d"})[0]


def test_password_change_replaces_hash_and_wrapped_key(api: Client, account: Registered) -> None:
    new = Keys(vault_key=account.keys.vault_key, recovery=account.keys.recovery)
    change = {
        "auth_key": account.keys.auth_key,
        "new_auth_key": new.auth_key,
        "salt": b64(new.salt),
        "kdf": {"algorithm": "argon2id", "memory_kib": 131072, "iterations": 4, "parallelism": 2},
        "wrapped_key": new.wrapped_key(),
    }
    wrong = dict(change, auth_key=Keys().auth_key)
    assert call(api, "POST", "password", wrong, account.token)[0] == 401
    assert _login(api, account.email, account.keys.auth_key) == 200
    assert call(api, "POST", "password", change, account.token)[0] == 200
    assert _login(api, account.email, account.keys.auth_key) == 401
    assert _login(api, account.email, new.auth_key) == 200
    _, vault = call(api, "GET", "vault", token=account.token)
    assert vault["wrapped_key"] == change["wrapped_key"]
    assert vault["kdf"]["memory_kib"] == 131072
    _, pre = call(api, "POST", "prelogin", {"email": account.email})
    assert pre["salt"] == b64(new.salt)


def test_recovery_sets_a_new_password(api: Client, account: Registered) -> None:
    bad = {"email": account.email, "recovery_auth_key": Keys().recovery_auth_key}
    assert call(api, "POST", "recover", bad)[1]["error"] == "invalid_credentials"
    status, got = call(
        api,
        "POST",
        "recover",
        {"email": account.email, "recovery_auth_key": account.keys.recovery_auth_key},
    )
    assert status == 200
    assert (
        got["recovery_wrapped_key"]
        == call(api, "GET", "vault", token=account.token)[1]["recovery_wrapped_key"]
    )
    new = Keys(vault_key=account.keys.vault_key)
    status, body = call(
        api,
        "POST",
        "recover/reset",
        {
            "email": account.email,
            "recovery_auth_key": account.keys.recovery_auth_key,
            "new_auth_key": new.auth_key,
            "salt": b64(new.salt),
            "kdf": {
                "algorithm": "argon2id",
                "memory_kib": 65536,
                "iterations": 3,
                "parallelism": 1,
            },
            "wrapped_key": new.wrapped_key(),
            "device_name": "new laptop",
            "revoke_other_devices": True,
        },
    )
    assert status == 200
    assert call(api, "GET", "vault", token=body["device_token"])[0] == 200
    assert call(api, "GET", "vault", token=account.token)[0] == 401  # revoked with the others
    assert _login(api, account.email, account.keys.auth_key) == 401
    assert _login(api, account.email, new.auth_key) == 200


def test_account_delete_leaves_no_row(api: Client, account: Registered) -> None:
    call(
        api,
        "PUT",
        "vault",
        {"base_version": 0, "ciphertext": account.keys.encrypt(b"x")},
        account.token,
    )
    assert _login(api, account.email, Keys().auth_key) == 401  # a throttle row for the address
    assert call(api, "DELETE", "account", {"auth_key": Keys().auth_key}, account.token)[0] == 401
    assert SyncAccount.objects.exists()
    assert (
        call(api, "DELETE", "account", {"auth_key": account.keys.auth_key}, account.token)[0] == 204
    )
    for model in (SyncAccount, SyncDevice, SyncVault, SyncVerification):
        assert not model.objects.exists(), model
    assert (
        not Throttle.objects.filter(key__startswith="sync:")
        .exclude(scope__startswith="reset")
        .exists()
    )
    assert call(api, "GET", "vault", token=account.token)[0] == 401
    # The audit log keeps that it happened, without the address.
    assert Event.objects.filter(event="sync.account_deleted").exists()
    assert not Event.objects.filter(details__icontains=account.email).exists()


def test_the_audit_log_names_no_address_key_or_token(api: Client, account: Registered) -> None:
    call(
        api,
        "PUT",
        "vault",
        {"base_version": 0, "ciphertext": account.keys.encrypt(b"x")},
        account.token,
    )
    _login(api, account.email, Keys().auth_key)
    events = set(Event.objects.values_list("event", flat=True))
    assert {
        "sync.registered",
        "sync.verified",
        "sync.vault_uploaded",
        "sync.signin_failed",
    } <= events
    text = str(list(Event.objects.values()))
    for secret in (
        account.email,
        account.keys.auth_key,
        account.token,
        account.keys.recovery_auth_key,
    ):
        assert secret not in text


def test_registration_is_throttled_per_network(api: Client, db: None) -> None:
    # reset_network_delay: 10 mails from one network at once, the 11th sets a wait.
    for index in range(11):
        assert register(api, f"n{index}@example.com")[0] == 202
    status, err = register(api, "n11@example.com")
    assert (status, err["error"]) == (429, "throttled")
    assert not SyncAccount.objects.filter(email="n11@example.com").exists()


def test_recovery_keys_are_throttled(api: Client, account: Registered) -> None:
    guess = {"email": account.email, "recovery_auth_key": Keys().recovery_auth_key}
    for _ in range(6):
        assert call(api, "POST", "recover", guess)[0] == 401
    status, err = call(api, "POST", "recover", guess)
    assert (status, err["error"]) == (429, "throttled")
    right = dict(guess, recovery_auth_key=account.keys.recovery_auth_key)
    assert call(api, "POST", "recover", right)[0] == 429


def test_other_tokens_are_not_device_tokens(api: Client, account: Registered) -> None:
    lookup, secret = account.token.split("_", 2)[1:]
    for token in (f"tsk_{lookup}_{secret}", f"tsa_{lookup}_{secret}", "garbage", ""):
        status, err = call(api, "GET", "vault", token=token or None)
        assert (status, err["error"]) == (401, "unauthorized")
    # A device token is no access token of the REST API either.
    assert (
        api.get("/api/v1/me", headers={"Authorization": f"Bearer {account.token}"}).status_code
        == 401
    )
