"""The JSON endpoints of ``/api/sync/v1/`` (docs/sync.md, "HTTP API")."""

from __future__ import annotations

from django.http import HttpResponse

from ..sync import devices, signin, vault
from ..sync.registration import verify_code
from ..usecases import sync as usecases
from .edge import Call, answer, endpoint


@endpoint(("POST",))
def prelogin(call: Call) -> HttpResponse:
    return answer(200, signin.prelogin(call.body.get("email")))


@endpoint(("POST",))
def register(call: Call) -> HttpResponse:
    b = call.body
    done = usecases.register(
        email=b.get("email"),
        auth_key=b.get("auth_key"),
        salt=b.get("salt"),
        kdf=b.get("kdf"),
        wrapped_key=b.get("wrapped_key"),
        recovery_auth_key=b.get("recovery_auth_key"),
        recovery_wrapped_key=b.get("recovery_wrapped_key"),
        device_name=b.get("device_name"),
        clock=call.clock,
        address=call.address,
    )
    return answer(
        202,
        {
            "device_token": done.device_token,
            "device_id": done.device.lookup,
            "verified": False,
            "expires_at": done.expires_at,
        },
    )


@endpoint(("GET", "DELETE"), auth="pending")
def account(call: Call) -> HttpResponse:
    """GET: also while the address waits to be confirmed (the client polls it). DELETE: the
    auth key again, then every row of the account goes (a pending one too)."""
    if call.request.method == "GET":
        return answer(200, vault.account_summary(call.device))
    signin.delete_account(
        call.device, auth_key=call.body.get("auth_key"), clock=call.clock, address=call.address
    )
    return answer(204)


@endpoint(("POST",), auth="pending")
def verify(call: Call) -> HttpResponse:
    verify_code(call.device, call.body.get("code"), clock=call.clock, address=call.address)
    return answer(200, {"verified": True})


@endpoint(("POST",), auth="pending")
def resend(call: Call) -> HttpResponse:
    done = usecases.resend_verification(call.device, clock=call.clock, address=call.address)
    return answer(202, {"expires_at": done.expires_at})


@endpoint(("POST",))
def login(call: Call) -> HttpResponse:
    b = call.body
    device, token = signin.login(
        b.get("email"),
        b.get("auth_key"),
        b.get("device_name"),
        clock=call.clock,
        address=call.address,
    )
    return answer(200, {"device_token": token, "device_id": device.lookup})


@endpoint(("GET", "PUT"), auth="device", large=True)
def vault_view(call: Call) -> HttpResponse:
    if call.request.method == "GET":
        return answer(200, vault.get_vault(call.device))
    done = vault.put_vault(
        call.device,
        call.body.get("base_version"),
        call.body.get("ciphertext"),
        clock=call.clock,
        address=call.address,
    )
    return answer(200, done)


@endpoint(("GET",), auth="device")
def devices_list(call: Call) -> HttpResponse:
    return answer(200, {"devices": devices.list_devices(call.device)})


@endpoint(("DELETE",), auth="device")
def device_revoke(call: Call, device_id: str) -> HttpResponse:
    devices.revoke(call.device, device_id, clock=call.clock, address=call.address)
    return answer(204)


@endpoint(("POST",), auth="device")
def password(call: Call) -> HttpResponse:
    b = call.body
    signin.change_password(
        call.device,
        auth_key=b.get("auth_key"),
        new_auth_key=b.get("new_auth_key"),
        salt=b.get("salt"),
        kdf=b.get("kdf"),
        wrapped_key=b.get("wrapped_key"),
        clock=call.clock,
        address=call.address,
    )
    return answer(200, {})


@endpoint(("POST",))
def recover(call: Call) -> HttpResponse:
    wrapped = signin.recovery_wrapped_key(
        call.body.get("email"),
        call.body.get("recovery_auth_key"),
        clock=call.clock,
        address=call.address,
    )
    return answer(200, {"recovery_wrapped_key": wrapped})


@endpoint(("POST",))
def recover_reset(call: Call) -> HttpResponse:
    b = call.body
    device, token = signin.recover(
        email=b.get("email"),
        recovery_auth_key=b.get("recovery_auth_key"),
        new_auth_key=b.get("new_auth_key"),
        salt=b.get("salt"),
        kdf=b.get("kdf"),
        wrapped_key=b.get("wrapped_key"),
        device_name=b.get("device_name"),
        revoke_other_devices=b.get("revoke_other_devices"),
        clock=call.clock,
        address=call.address,
    )
    return answer(200, {"device_token": token, "device_id": device.lookup})
