"""Where webhook deliveries may go (SSRF): each resolved address is checked, and the request
is pinned to the address checked. Host names are resolved by a stand-in for DNS here (the
machine has none); literal addresses go through the system's resolver."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import httpx
import pytest

from server.receiver import Receiver, running
from twostep.server.webhooks.addresses import RefusedAddress, pin, refusal


def dns(*answers: str) -> Any:
    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers
        ]

    return resolve


def nxdomain(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:192.168.0.1", "private"),
        ("239.1.2.3", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-public"),
        ("fd12::1", "private"),
    ],
)
def test_non_public_addresses_are_refused(address: str, why: str) -> None:
    found = refusal(ipaddress.ip_address(address))
    assert found is not None
    assert why in found


def test_public_addresses_and_named_loopback_pass() -> None:
    assert refusal(ipaddress.ip_address("93.184.216.34")) is None
    assert refusal(ipaddress.ip_address("2606:4700::1111")) is None
    assert refusal(ipaddress.ip_address("127.0.0.1"), named_local=True) is None
    assert refusal(ipaddress.ip_address("10.0.0.1"), named_local=True) is not None


def test_a_name_with_any_private_address_is_refused(settings: Any) -> None:
    with pytest.raises(RefusedAddress, match=r"hooks.example resolves to 10.0.0.7: .* private"):
        pin("https://hooks.example/x", resolve=dns("93.184.216.34", "10.0.0.7"))
    with pytest.raises(RefusedAddress, match="loopback"):
        pin("https://hooks.example/x", resolve=dns("127.0.0.1"))
    with pytest.raises(RefusedAddress, match="does not resolve"):
        pin("https://nowhere.invalid/x", resolve=nxdomain)
    settings.TWOSTEP_WEBHOOKS_ALLOW_PRIVATE = True
    assert pin("https://hooks.example/x", resolve=dns("10.0.0.7")).url == "https://10.0.0.7/x"


def test_the_request_is_pinned_to_the_address_checked() -> None:
    pinned = pin("https://hooks.example:8443/in?a=1", resolve=dns("93.184.216.34"))
    assert pinned.url == "https://93.184.216.34:8443/in?a=1"
    assert (pinned.host, pinned.server_name) == ("hooks.example:8443", "hooks.example")
    six = pin("https://hooks.example/in", resolve=dns("2606:4700::1111"))
    assert six.url == "https://[2606:4700::1111]/in"
    plain = pin("http://localhost:9/x")
    assert plain.server_name is None
    assert plain.host == "localhost:9"
    assert plain.url in {"http://127.0.0.1:9/x", "http://[::1]:9/x"}


def test_a_pinned_request_reaches_the_address_with_the_name_as_host(settings: Any) -> None:
    settings.TWOSTEP_WEBHOOKS_ALLOW_PRIVATE = True  # the "public" name resolves to this machine
    for receiver in running(Receiver()):
        port = int(receiver.url.split(":")[2].split("/")[0])
        pinned = pin(f"http://hooks.example:{port}/hooks", resolve=dns("127.0.0.1"))
        answer = httpx.post(pinned.url, content=b"{}", headers={"Host": pinned.host})
        assert answer.status_code == 200
        assert receiver.requests[0].headers["Host"] == f"hooks.example:{port}"
