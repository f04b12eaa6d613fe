"""Test fixtures for the import/export tests, built from the published specs (formats.md).

Every foreign file here is made the way the app that owns the format makes it, with the same
primitives (scrypt + AES-GCM for Aegis, PBKDF2 + AES-GCM for 2FAS and andOTP, Argon2id +
secretstream for ente), and never with twostep's own writers: an importer that agrees only with
twostep's exporter would prove nothing. KDF costs are lowered wherever the format lets the file
choose them, so the tests stay fast.

Loaded by the test modules with :func:`load` (by path, so it works whatever pytest's import
mode is).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

PASSWORD = "correct horse battery staple ✓"
WRONG_PASSWORD = "correct horse battery stapler"


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG_ICON = _png()
SVG_ICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>'
)


@dataclass(frozen=True)
class Sample:
    """One account as the tests describe it, independent of any twostep type."""

    type: str
    issuer: str
    name: str
    secret: str  # Base32, unpadded, upper case
    algorithm: str = "SHA1"
    digits: int = 6
    period: int = 30
    counter: int = 0
    groups: tuple[str, ...] = ()
    note: str = ""
    favorite: bool = False
    icon: tuple[str, bytes] | None = None

    @property
    def raw(self) -> bytes:
        return base64.b32decode(self.secret + "=" * (-len(self.secret) % 8))

    @property
    def label(self) -> str:
        return f"{self.issuer}:{self.name}" if self.issuer else self.name

    def uri(self, *, extra: str = "", type_name: str | None = None) -> str:
        """An otpauth:// URI written the way Aegis/2FAS write them (every parameter present)."""
        kind = type_name or self.type
        label = f"{quote(self.issuer)}:{quote(self.name, safe='@')}"
        params = [f"secret={self.secret}", f"issuer={quote(self.issuer)}"]
        params += [f"algorithm={self.algorithm}", f"digits={self.digits}"]
        params.append(f"counter={self.counter}" if self.type == "hotp" else f"period={self.period}")
        return f"otpauth://{kind}/{label}?{'&'.join(params)}{extra}"


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "totp",
        "Deno",
        "Mason",
        "4SJHB4GSD43FZBAI7C2HLRJGPQ",
        groups=("Work",),
        note="primary laptop",
        favorite=True,
        icon=("image/png", PNG_ICON),
    ),
    Sample("totp", "SPDX", "James", "5OM4WOOGPLQEF6UGN3CPEOOLWU", "SHA256", 7, 20),
    Sample(
        "totp",
        "Airbnb",
        "Elijah",
        "7ELGJSGXNCCTV3O6LKJWYFV2RA",
        "SHA512",
        8,
        50,
        groups=("Work", "Travel"),
    ),
    Sample("hotp", "Issuu", "James", "YOOMIXWS5GN6RTBPUFFWKTW5M4", counter=1),
    Sample(
        "hotp",
        "Air Canada",
        "Benjamin",
        "KUVJJOM753IHTNDSZVCNKL7GII",
        "SHA256",
        7,
        counter=50,
        note="two\nlines",
    ),
    Sample(
        "hotp",
        "WWE",
        "Mason",
        "5VAML3X35THCEBVRLV24CGBKOY",
        "SHA512",
        8,
        counter=10300,
        favorite=True,
    ),
    Sample("steam", "Boeing", "Sophia", "JRZCL47CMXVOQMNPZR2F7J4RGI", digits=5, groups=("Games",)),
    Sample(
        "totp",
        "Zürich Bank",
        "ünï+tag@example.com",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        icon=("image/svg+xml", SVG_ICON),
        note="Ünïcode ✓",
    ),
)

#: The accounts Google Authenticator's format can carry (TOTP/HOTP, 6 or 8 digits, 30 s).
GOOGLE_SAMPLES = tuple(
    s
    for s in SAMPLES
    if s.type != "steam" and s.digits in (6, 8) and (s.type == "hotp" or s.period == 30)
)


@dataclass(frozen=True)
class Carried:
    """Which entry fields a format carries (the rest are expected empty after import)."""

    groups: str = "none"  # "none", "one" (first group only), "all"
    note: bool = False
    favorite: bool = False
    icon: bool = False
    names: dict[str, str] = field(default_factory=dict)


def expected(sample: Sample, carried: Carried) -> tuple[Any, ...]:
    """The comparable fields twostep should hold after importing ``sample`` from the format."""
    groups: tuple[str, ...] = ()
    if carried.groups == "all":
        groups = sample.groups
    elif carried.groups == "one":
        groups = sample.groups[:1]
    steam = sample.type == "steam"
    return (
        sample.type,
        sample.issuer,
        sample.name,
        sample.secret,
        "SHA1" if steam else sample.algorithm,
        5 if steam else sample.digits,
        30 if sample.type != "totp" else sample.period,
        sample.counter if sample.type == "hotp" else 0,
        groups,
        sample.note if carried.note else "",
        sample.favorite if carried.favorite else False,
        sample.icon if carried.icon else None,
    )


def fields(entry: Any) -> tuple[Any, ...]:
    """The same tuple for a twostep Entry."""
    a = entry.account
    return (
        a.type.value,
        a.issuer,
        a.name,
        a.secret.base32,
        a.algorithm.value,
        a.digits,
        a.period,
        a.counter,
        entry.groups,
        entry.note,
        entry.favorite,
        (entry.icon.mime, entry.icon.data) if entry.icon else None,
    )


# -- Aegis (formats.md §2.3) ------------------------------------------------------------------
def aegis_content(samples: tuple[Sample, ...] = SAMPLES, version: int = 3) -> dict[str, Any]:
    group_ids = {}
    for s in samples:
        for g in s.groups:
            group_ids.setdefault(g, str(uuid.uuid4()))
    entries = []
    for s in samples:
        info: dict[str, Any] = {"secret": s.secret, "algo": s.algorithm, "digits": s.digits}
        if s.type == "hotp":
            info["counter"] = s.counter
        else:
            info["period"] = s.period
        item: dict[str, Any] = {
            "type": s.type,
            "uuid": str(uuid.uuid4()),
            "name": s.name,
            "issuer": s.issuer,
            "icon": base64.b64encode(s.icon[1]).decode() if s.icon else None,
            "info": info,
        }
        if version >= 2:
            item["icon_mime"] = s.icon[0] if s.icon else None
            item["note"] = s.note
            item["favorite"] = s.favorite
        if version == 2:
            item["group"] = s.groups[0] if s.groups else None
        if version >= 3:
            item["icon_hash"] = hashlib.sha256(s.icon[1]).hexdigest() if s.icon else None
            item["groups"] = [group_ids[g] for g in s.groups]
        entries.append(item)
    content: dict[str, Any] = {"version": version, "entries": entries}
    if version >= 3:
        content["groups"] = [{"uuid": v, "name": k} for k, v in group_ids.items()]
    return content


def aegis_plain(content: dict[str, Any]) -> bytes:
    doc = {"version": 1, "header": {"slots": None, "params": None}, "db": content}
    return json.dumps(doc, indent=4).encode()


def aegis_encrypted(content: dict[str, Any], password: str = PASSWORD, *, n: int = 16) -> bytes:
    master = secrets.token_bytes(32)
    salt = secrets.token_bytes(32)
    key = Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(password.encode())
    slot_nonce = secrets.token_bytes(12)
    wrapped = AESGCM(key).encrypt(slot_nonce, master, None)
    biometric_nonce = secrets.token_bytes(12)
    biometric = AESGCM(secrets.token_bytes(32)).encrypt(biometric_nonce, master, None)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(master).encrypt(nonce, json.dumps(content).encode(), None)
    slots = [
        {  # a biometric slot first, as on a phone: must be skipped
            "type": 2,
            "uuid": str(uuid.uuid4()),
            "key": biometric[:-16].hex(),
            "key_params": {"nonce": biometric_nonce.hex(), "tag": biometric[-16:].hex()},
        },
        {
            "type": 1,
            "uuid": str(uuid.uuid4()),
            "key": wrapped[:-16].hex(),
            "key_params": {"nonce": slot_nonce.hex(), "tag": wrapped[-16:].hex()},
            "n": n,
            "r": 8,
            "p": 1,
            "salt": salt.hex(),
            "repaired": True,
            "is_backup": False,
        },
    ]
    doc = {
        "version": 1,
        "header": {"slots": slots, "params": {"nonce": nonce.hex(), "tag": sealed[-16:].hex()}},
        "db": base64.b64encode(sealed[:-16]).decode(),
    }
    return json.dumps(doc, indent=4).encode()


# -- 2FAS (formats.md §2.4) -------------------------------------------------------------------
TWOFAS_REFERENCE = "".join(
    secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(256)
)


def twofas_services(
    samples: tuple[Sample, ...] = SAMPLES, schema: int = 4
) -> tuple[list[Any], list[Any]]:
    groups: dict[str, str] = {}
    services = []
    for position, s in enumerate(samples):
        otp: dict[str, Any] = {"account": s.name, "issuer": s.issuer, "label": s.name}
        if schema >= 2:
            otp.update(
                link=s.uri(),
                digits=s.digits,
                algorithm=s.algorithm,
                tokenType=s.type.upper(),
                source="Link",
            )
            if s.type == "hotp":
                otp["counter"] = s.counter
            else:
                otp["period"] = s.period
        service: dict[str, Any] = {
            "name": s.issuer,
            "secret": s.secret,
            "updatedAt": 1702934567518,
            "otp": otp,
            "order": {"position": position},
            "icon": {
                "selected": "Label",
                "label": {"text": s.issuer[:2].upper(), "backgroundColor": "Default"},
            },
        }
        if s.groups:
            service["groupId"] = groups.setdefault(s.groups[0], str(uuid.uuid4()))
        services.append(service)
    group_list = [
        {"id": v, "name": k, "isExpanded": True, "updatedAt": 1} for k, v in groups.items()
    ]
    return services, group_list


def twofas_plain(samples: tuple[Sample, ...] = SAMPLES, schema: int = 4) -> bytes:
    services, groups = twofas_services(samples, schema)
    doc = {
        "services": services,
        "groups": groups,
        "updatedAt": 1702934732299,
        "schemaVersion": schema,
        "appVersionCode": 5000009,
        "appVersionName": "5.1.0",
        "appOrigin": "android",
    }
    return json.dumps(doc).encode()


def twofas_encrypted(
    samples: tuple[Sample, ...] = SAMPLES, password: str = PASSWORD, schema: int = 4
) -> bytes:
    services, groups = twofas_services(samples, schema)
    salt = secrets.token_bytes(256)
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 10_000, 32)

    def seal(plain: bytes) -> str:
        iv = secrets.token_bytes(12)
        sealed = AESGCM(key).encrypt(iv, plain, None)
        return ":".join(base64.b64encode(x).decode() for x in (sealed, salt, iv))

    doc = {
        "services": [],
        "groups": groups,
        "updatedAt": 1702934782660,
        "schemaVersion": schema,
        "appVersionCode": 5000009,
        "appVersionName": "5.1.0",
        "appOrigin": "android",
        "servicesEncrypted": seal(json.dumps(services).encode()),
        "reference": seal(TWOFAS_REFERENCE.encode()),
    }
    return json.dumps(doc).encode()


# -- andOTP (formats.md §2.5) -----------------------------------------------------------------
def andotp_items(samples: tuple[Sample, ...] = SAMPLES) -> list[dict[str, Any]]:
    items = []
    for s in samples:
        padded = s.secret + "=" * (-len(s.secret) % 8)
        item: dict[str, Any] = {
            "secret": padded,
            "issuer": s.issuer,
            "label": s.name,
            "digits": s.digits,
            "type": s.type.upper(),
            "algorithm": s.algorithm,
            "thumbnail": "Default",
            "last_used": 1594306016434,
            "used_frequency": 0,
            "tags": list(s.groups),
        }
        if s.type == "hotp":
            item["counter"] = s.counter
        else:
            item["period"] = s.period
        items.append(item)
    return items


def andotp_plain(samples: tuple[Sample, ...] = SAMPLES) -> bytes:
    return json.dumps(andotp_items(samples)).encode()


def andotp_encrypted(
    samples: tuple[Sample, ...] = SAMPLES, password: str = PASSWORD, *, iterations: int = 1000
) -> bytes:
    salt, iv = secrets.token_bytes(12), secrets.token_bytes(12)
    key = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, iterations, 32)
    sealed = AESGCM(key).encrypt(iv, andotp_plain(samples), None)
    return iterations.to_bytes(4, "big") + salt + iv + sealed


def andotp_encrypted_old(samples: tuple[Sample, ...] = SAMPLES, password: str = PASSWORD) -> bytes:
    key = hashlib.sha256(password.encode()).digest()
    iv = secrets.token_bytes(12)
    return iv + AESGCM(key).encrypt(iv, andotp_plain(samples), None)


# -- FreeOTP+ (formats.md §2.6) ---------------------------------------------------------------
def freeotp_plus(samples: tuple[Sample, ...] = SAMPLES) -> bytes:
    tokens = []
    for s in samples:
        token: dict[str, Any] = {
            "algo": s.algorithm,
            "counter": max(s.counter - 1, 0) if s.type == "hotp" else 0,
            "digits": s.digits,
            "issuerExt": "Steam" if s.type == "steam" else s.issuer,
            "issuerInt": s.issuer,
            "label": s.name,
            "period": s.period,
            "secret": [b - 256 if b > 127 else b for b in s.raw],
            "type": "TOTP" if s.type != "hotp" else "HOTP",
        }
        tokens.append(token)
    order = [f"{s.issuer}:{s.name}" for s in samples]
    return json.dumps({"tokenOrder": order, "tokens": tokens}).encode()


# -- Bitwarden --------------------------------------------------------------------------------
def _bitwarden_totp(s: Sample, style: str) -> str:
    if s.type == "steam":
        return f"steam://{s.secret}"
    if (
        style == "bare"
        and s.type == "totp"
        and s.algorithm == "SHA1"
        and s.digits == 6
        and s.period == 30
    ):
        return s.secret.lower()
    return s.uri()


def bitwarden_json(samples: tuple[Sample, ...] = SAMPLES, style: str = "uri") -> bytes:
    folders: dict[str, str] = {}
    items: list[dict[str, Any]] = [
        {  # a login without TOTP: not an account, left out
            "id": str(uuid.uuid4()),
            "folderId": None,
            "type": 1,
            "name": "No 2FA here",
            "notes": None,
            "favorite": False,
            "login": {"uris": None, "username": "x", "password": "pw", "totp": None},
        },
        {
            "id": str(uuid.uuid4()),
            "type": 2,
            "name": "A secure note",
            "notes": "text",
            "secureNote": {"type": 0},
        },
    ]
    for s in samples:
        folder = folders.setdefault(s.groups[0], str(uuid.uuid4())) if s.groups else None
        items.append(
            {
                "id": str(uuid.uuid4()),
                "organizationId": None,
                "folderId": folder,
                "type": 1,
                "reprompt": 0,
                "name": s.issuer,
                "notes": s.note or None,
                "favorite": s.favorite,
                "login": {
                    "uris": [{"match": None, "uri": "https://example.com"}],
                    "username": s.name,
                    "password": "hunter2",
                    "totp": _bitwarden_totp(s, style),
                },
                "collectionIds": None,
            }
        )
    doc = {
        "encrypted": False,
        "folders": [{"id": v, "name": k} for k, v in folders.items()],
        "items": items,
    }
    return json.dumps(doc, indent=2).encode()


def bitwarden_csv(samples: tuple[Sample, ...] = SAMPLES, style: str = "uri") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "folder",
            "favorite",
            "type",
            "name",
            "notes",
            "fields",
            "reprompt",
            "login_uri",
            "login_username",
            "login_password",
            "login_totp",
        ]
    )
    writer.writerow(["", "", "login", "No 2FA here", "", "", "0", "", "x", "pw", ""])
    for s in samples:
        writer.writerow(
            [
                s.groups[0] if s.groups else "",
                "1" if s.favorite else "",
                "login",
                s.issuer,
                s.note,
                "",
                "0",
                "https://example.com",
                s.name,
                "hunter2",
                _bitwarden_totp(s, style),
            ]
        )
    return out.getvalue().encode()


# -- URI lists and ente (formats.md §2.1, §2.6) -----------------------------------------------
def uri_list(samples: tuple[Sample, ...] = SAMPLES) -> bytes:
    return "".join(s.uri() + "\n" for s in samples).encode()


def ente_code_display(s: Sample, *, trashed: bool = False) -> str:
    display = {
        "pinned": s.favorite,
        "trashed": trashed,
        "lastUsedAt": 0,
        "tapCount": 0,
        "tags": list(s.groups),
        "note": s.note,
    }
    return "&codeDisplay=" + quote(json.dumps(display, separators=(",", ":")), safe="")


def ente_plain(samples: tuple[Sample, ...] = SAMPLES, *, trashed: tuple[Sample, ...] = ()) -> bytes:
    lines = [s.uri(extra=ente_code_display(s)) for s in samples]
    lines += [s.uri(extra=ente_code_display(s, trashed=True)) for s in trashed]
    return "\n".join(lines).encode()


def ente_encrypted(
    samples: tuple[Sample, ...] = SAMPLES,
    password: str = PASSWORD,
    *,
    ops: int = 1,
    mem: int = 8192,
    plaintext: bytes | None = None,
) -> bytes:
    import nacl.bindings as sodium
    import nacl.pwhash

    salt = secrets.token_bytes(16)
    key = nacl.pwhash.argon2id.kdf(32, password.encode(), salt, opslimit=ops, memlimit=mem)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    data = ente_plain(samples) if plaintext is None else plaintext
    sealed = sodium.crypto_secretstream_xchacha20poly1305_push(
        state, data, None, sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
    )
    doc = {
        "version": 1,
        "kdfParams": {"memLimit": mem, "opsLimit": ops, "salt": base64.b64encode(salt).decode()},
        "encryptedData": base64.b64encode(sealed).decode(),
        "encryptionNonce": base64.b64encode(header).decode(),
    }
    return json.dumps(doc).encode()


# -- Google Authenticator (formats.md §2.2): public vectors ----------------------------------
#: dim13/otpauth issue #13: one TOTP account "Example:alice@google.com", secret JBSWY3DPEHPK3PXP.
GA_DIM13 = (
    "otpauth-migration://offline?data="
    "CjEKCkhlbGxvId6tvu8SGEV4YW1wbGU6YWxpY2VAZ29vZ2xlLmNvbRoHRXhhbXBsZTAC"
)
#: The Aegis vector Deno/Mason (SHA1, 6, TOTP), batch id 1234, encoded in formats.md.
GA_DENO = (
    "otpauth-migration://offline?data="
    "CiUKEOSScPDSHzZchAj4tHXFJnwSBU1hc29uGgREZW5vIAEoATACEAEYASAAKNIJ"
)


def _qr_png(text: str) -> bytes:
    from twostep.otp import make_qr_png  # the OTP core's QR encoder (segno), not an exporter

    return make_qr_png(text, scale=3)


# -- every importable fixture, by format name ------------------------------------------------
def all_fixtures() -> dict[str, list[tuple[str, bytes]]]:
    """Representative files of each format (cheap to build), for the contract and fuzz tests."""
    few = SAMPLES[:3]
    fixtures = {
        "aegis": [
            ("plain", aegis_plain(aegis_content(few))),
            ("encrypted", aegis_encrypted(aegis_content(few))),
        ],
        "2fas": [("plain", twofas_plain(few)), ("encrypted", twofas_encrypted(few))],
        "andotp": [("plain", andotp_plain(few)), ("encrypted", andotp_encrypted(few))],
        "freeotp-plus": [("json", freeotp_plus(few))],
        "bitwarden": [("json", bitwarden_json(few)), ("csv", bitwarden_csv(few))],
        "ente": [("encrypted", ente_encrypted(few))],
        "google": [("uri", GA_DENO.encode()), ("png", _qr_png(GA_DENO))],
        "otpauth": [("plain", uri_list(few)), ("ente", ente_plain(few))],
    }
    fixtures.update(_more_b().all_fixtures())
    return fixtures


def _more_b() -> Any:
    """builders_more_b.py (Authy, Steam, WinAuth...), loaded by path like this module."""
    import importlib.util
    import sys
    from pathlib import Path

    name = "twostep_tests_formats_builders_more_b"
    if name not in sys.modules:
        path = Path(__file__).with_name("builders_more_b.py")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
