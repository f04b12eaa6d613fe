"""Test files for Stratum / Authenticator Pro, FreeOTP (2.x backup, tokens.xml) and Proton
Authenticator, made the way those apps make them, with the primitives they use.

Written from the formats' published descriptions and the behaviour of the apps' own readers
(Aegis's importers were read to learn the layouts; none of their code or files is used here),
and never with twostep's readers or writers. Key derivation costs are the apps' own wherever the
app fixes them (Stratum's Argon2id, Proton's Argon2id, Authenticator Pro's legacy PBKDF2) and
lowered only where the file chooses them (FreeOTP's PBKDF2 iteration count).

``make_more_a.py`` writes the committed sample files in ``more_a/`` with these functions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import sqlite3
import struct
import tempfile
import uuid
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PASSWORD = "correct horse battery staple ✓"

# -- Stratum / Authenticator Pro ---------------------------------------------------------------
_STRATUM_TYPES = {"hotp": 1, "totp": 2, "steam": 4}
_STRATUM_ALGORITHMS = {"SHA1": 0, "SHA256": 1, "SHA512": 2}


def _short_id(data: bytes) -> str:
    """Stratum's ids: the first 8 hex digits of a SHA-1 (of a category name or icon data)."""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()[:8]


def stratum_doc(samples) -> dict[str, Any]:
    """The backup JSON. Custom icons are bitmaps (PNG here); SVG icons cannot be carried."""
    authenticators, categories, bindings, icons = [], {}, [], {}
    for rank, s in enumerate(samples):
        icon = None
        if s.icon is not None and s.icon[0] == "image/png":
            icon_id = _short_id(s.icon[1])
            icons[icon_id] = base64.b64encode(s.icon[1]).decode()
            icon = "@" + icon_id
        authenticators.append(
            {
                "Type": _STRATUM_TYPES[s.type],
                "Icon": icon,
                "Issuer": s.issuer,
                "Username": s.name,
                "Secret": s.secret,
                "Pin": None,
                "Algorithm": _STRATUM_ALGORITHMS[s.algorithm],
                "Digits": s.digits,
                "Period": s.period,
                "Counter": s.counter if s.type == "hotp" else 0,
                "CopyCount": 3,
                "Ranking": rank,
            }
        )
        for group in s.groups:
            category_id = _short_id(group.encode())
            categories.setdefault(category_id, group)
            bindings.append(
                {"CategoryId": category_id, "AuthenticatorSecret": s.secret, "Ranking": rank}
            )
    return {
        "Authenticators": authenticators,
        "Categories": [
            {"Id": cid, "Name": name, "Ranking": n}
            for n, (cid, name) in enumerate(categories.items())
        ],
        "AuthenticatorCategories": bindings,
        "CustomIcons": [{"Id": iid, "Data": data} for iid, data in icons.items()],
    }


def stratum_plain(samples) -> bytes:
    return json.dumps(stratum_doc(samples), ensure_ascii=False).encode("utf-8")


def stratum_encrypted(samples, password: str = PASSWORD) -> bytes:
    """``AUTHENTICATORPRO | salt | iv | AES-GCM(JSON)``, Argon2id 3 passes, 64 MiB, 4 lanes."""
    salt, iv = secrets.token_bytes(16), secrets.token_bytes(12)
    key = hash_secret_raw(
        password.encode(),
        salt,
        time_cost=3,
        memory_cost=65536,
        parallelism=4,
        hash_len=32,
        type=Type.ID,
    )
    return b"AUTHENTICATORPRO" + salt + iv + AESGCM(key).encrypt(iv, stratum_plain(samples), None)


def stratum_legacy(samples, password: str = PASSWORD) -> bytes:
    """``AuthenticatorPro | salt(20) | iv(16) | AES-CBC-PKCS7(JSON)``, PBKDF2-SHA1 64000."""
    salt, iv = secrets.token_bytes(20), secrets.token_bytes(16)
    key = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, 64000, 32)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(stratum_plain(samples)) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return b"AuthenticatorPro" + salt + iv + encryptor.update(padded) + encryptor.finalize()


_STRATUM_SCHEMA = """
CREATE TABLE "authenticator" ("type" integer, "icon" varchar, "issuer" varchar(32),
  "username" varchar(40), "secret" varchar primary key not null, "pin" varchar,
  "algorithm" integer, "digits" integer, "period" integer, "counter" integer,
  "copyCount" integer, "ranking" integer);
CREATE TABLE "category" ("id" varchar(8) primary key not null, "name" varchar(32),
  "ranking" integer);
CREATE TABLE "authenticatorcategory" ("categoryId" varchar, "authenticatorSecret" varchar,
  "ranking" integer);
CREATE TABLE "customicon" ("id" varchar primary key not null, "data" blob);
"""


def stratum_database(samples) -> bytes:
    """``authenticator.db3`` as the app leaves it: SQLite in WAL mode, every change checkpointed."""
    doc = stratum_doc(samples)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "authenticator.db3"
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(_STRATUM_SCHEMA)
        for a in doc["Authenticators"]:
            db.execute(
                "INSERT INTO authenticator VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    a["Type"],
                    a["Icon"],
                    a["Issuer"],
                    a["Username"],
                    a["Secret"],
                    a["Pin"],
                    a["Algorithm"],
                    a["Digits"],
                    a["Period"],
                    a["Counter"],
                    a["CopyCount"],
                    a["Ranking"],
                ),
            )
        for c in doc["Categories"]:
            db.execute("INSERT INTO category VALUES (?,?,?)", (c["Id"], c["Name"], c["Ranking"]))
        for b in doc["AuthenticatorCategories"]:
            db.execute(
                "INSERT INTO authenticatorcategory VALUES (?,?,?)",
                (b["CategoryId"], b["AuthenticatorSecret"], b["Ranking"]),
            )
        for i in doc["CustomIcons"]:
            db.execute(
                "INSERT INTO customicon VALUES (?,?)", (i["Id"], base64.b64decode(i["Data"]))
            )
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        return path.read_bytes()


# -- FreeOTP ----------------------------------------------------------------------------------
def _signed(data: bytes) -> list[int]:
    return [b - 256 if b > 127 else b for b in data]


def freeotp_token(s, *, v2: bool) -> dict[str, Any]:
    """A token's JSON. FreeOTP 1 stores counter - 1 (it increments before generating)."""
    token: dict[str, Any] = {
        "algo": s.algorithm,
        "counter": s.counter if v2 else max(s.counter - 1, 0),
        "digits": s.digits,
        "issuerExt": "Steam" if s.type == "steam" else s.issuer,
        "issuerInt": s.issuer,
        "label": s.name,
        "period": s.period,
        "type": "HOTP" if s.type == "hotp" else "TOTP",
    }
    if not v2:
        token["secret"] = _signed(s.raw)
    return token


def _android_escape(text: str) -> str:
    """Text content as Android's XmlSerializer writes it (quotes too)."""
    return escape(text, {'"': "&quot;"})


def freeotp_tokens_xml(samples) -> bytes:
    """SharedPreferences ``tokens.xml`` (FreeOTP 1 and FreeOTP+ write the same)."""
    return freeotp_xml_of([(f"{s.issuer}:{s.name}", freeotp_token(s, v2=False)) for s in samples])


def freeotp_xml_of(named_tokens: list[tuple[str, dict[str, Any]]]) -> bytes:
    """The XML for (name, token JSON) pairs; written in reverse, ``tokenOrder`` gives the order."""
    lines = ["<?xml version='1.0' encoding='utf-8' standalone='yes' ?>", "<map>"]
    for name, token in reversed(named_tokens):
        text = json.dumps(token, ensure_ascii=False, separators=(",", ":"))
        lines.append(f"    <string name={quoteattr(name)}>{_android_escape(text)}</string>")
    order = json.dumps([n for n, _ in named_tokens], ensure_ascii=False, separators=(",", ":"))
    lines.append(f'    <string name="tokenOrder">{_android_escape(order)}</string>')
    lines.append("</map>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _java_utf(text: str) -> bytes:
    """Java's modified UTF-8 (NUL as C0 80, characters above U+FFFF as surrogate pairs)."""
    out = bytearray()
    for unit in struct.unpack(f"<{len(text.encode('utf-16-le')) // 2}H", text.encode("utf-16-le")):
        if 0 < unit < 0x80:
            out.append(unit)
        elif unit < 0x800:
            out += bytes([0xC0 | unit >> 6, 0x80 | unit & 0x3F])
        else:
            out += bytes([0xE0 | unit >> 12, 0x80 | unit >> 6 & 0x3F, 0x80 | unit & 0x3F])
    return bytes(out)


def java_string_map(pairs: list[tuple[str, str]]) -> bytes:
    """``ObjectOutputStream.writeObject(HashMap<String, String>)``, byte for byte."""
    out = bytearray(b"\xac\xed\x00\x05")  # STREAM_MAGIC, STREAM_VERSION
    out += b"\x73\x72" + struct.pack(">H", 17) + b"java.util.HashMap"  # TC_OBJECT TC_CLASSDESC
    out += struct.pack(">q", 362498820763181265)  # HashMap's serialVersionUID
    out += b"\x03" + struct.pack(">H", 2)  # SC_WRITE_METHOD | SC_SERIALIZABLE, two fields
    out += b"F" + struct.pack(">H", 10) + b"loadFactor"
    out += b"I" + struct.pack(">H", 9) + b"threshold"
    out += b"\x78\x70"  # TC_ENDBLOCKDATA (no annotation), TC_NULL (no superclass)
    capacity = 16
    while capacity * 0.75 < len(pairs):
        capacity *= 2
    out += struct.pack(">fi", 0.75, int(capacity * 0.75))
    out += b"\x77\x08" + struct.pack(">ii", capacity, len(pairs))  # TC_BLOCKDATA
    for key, value in pairs:
        for text in (key, value):
            raw = _java_utf(text)
            out += b"\x74" + struct.pack(">H", len(raw)) + raw  # TC_STRING
    out += b"\x78"
    return bytes(out)


def shared_preferences_xml(pairs: list[tuple[str, str]]) -> bytes:
    """String preferences as Android writes ``shared_prefs/NAME.xml``."""
    lines = ["<?xml version='1.0' encoding='utf-8' standalone='yes' ?>", "<map>"]
    for name, text in pairs:
        lines.append(f"    <string name={quoteattr(name)}>{_android_escape(text)}</string>")
    lines.append("</map>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _gcm_parameters(nonce: bytes) -> bytes:
    """DER ``GCMParameters``: SEQUENCE { OCTET STRING nonce, INTEGER 16 }."""
    body = b"\x04" + bytes([len(nonce)]) + nonce + b"\x02\x01\x10"
    return b"\x30" + bytes([len(body)]) + body


def _sealed(key: bytes, plaintext: bytes, token: str) -> dict[str, Any]:
    nonce = secrets.token_bytes(12)
    return {
        "mCipher": "AES/GCM/NoPadding",
        "mCipherText": _signed(AESGCM(key).encrypt(nonce, plaintext, token.encode())),
        "mParameters": _signed(_gcm_parameters(nonce)),
        "mToken": token,
    }


def freeotp_backup(
    samples, password: str = PASSWORD, *, iterations: int = 1000, kdf: str = "SHA512"
) -> bytes:
    """FreeOTP 2's ``externalBackup.xml``. (The app uses 100000 iterations; the file says.)"""
    return java_string_map(freeotp_backup_pairs(samples, password, iterations=iterations, kdf=kdf))


def freeotp_backup_xml(samples, password: str = PASSWORD, *, iterations: int = 1000) -> bytes:
    """The app's own ``shared_prefs/tokenBackup.xml``: the same pairs as the backup file."""
    return shared_preferences_xml(freeotp_backup_pairs(samples, password, iterations=iterations))


def freeotp_backup_pairs(
    samples, password: str = PASSWORD, *, iterations: int = 1000, kdf: str = "SHA512"
) -> list[tuple[str, str]]:
    """The map's (key, value) pairs: ``<uuid>-token``, ``<uuid>`` per token, then masterKey."""
    master = secrets.token_bytes(32)
    salt = secrets.token_bytes(32)
    password_key = hashlib.pbkdf2_hmac(kdf.lower(), password.encode(), salt, iterations, 32)
    master_json = {
        "mAlgorithm": f"PBKDF2withHmac{kdf}",
        "mEncryptedKey": _sealed(password_key, master, "AES"),
        "mIterations": iterations,
        "mSalt": _signed(salt),
    }
    pairs = []
    for s in samples:
        token_id = str(uuid.uuid4())
        key = _sealed(master, s.raw, f"Hmac{s.algorithm}")
        pairs.append((f"{token_id}-token", json.dumps(freeotp_token(s, v2=True))))
        pairs.append((token_id, json.dumps({"key": json.dumps(key)})))
    pairs.append(("masterKey", json.dumps(master_json)))
    return pairs


# -- Proton Authenticator ---------------------------------------------------------------------
PROTON_AAD = b"proton.authenticator.export.v1"


def proton_entry(s) -> dict[str, Any]:
    if s.type == "steam":
        content = {"uri": "steam://" + base64.b64encode(s.raw).decode(), "entry_type": "Steam"}
    else:
        content = {"uri": s.uri(), "entry_type": "Totp"}
    content["name"] = s.name
    return {"id": str(uuid.uuid4()), "content": content, "note": s.note or None}


def proton_plain(samples) -> bytes:
    doc = {"version": 1, "entries": [proton_entry(s) for s in samples]}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def proton_encrypted(samples, password: str = PASSWORD) -> bytes:
    """Argon2id (2 passes, 19 MiB, 1 lane) + AES-256-GCM with Proton's associated data."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    key = hash_secret_raw(
        password.encode(),
        salt,
        time_cost=2,
        memory_cost=19 * 1024,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )
    sealed = nonce + AESGCM(key).encrypt(nonce, proton_plain(samples), PROTON_AAD)
    doc = {
        "version": 1,
        "salt": base64.b64encode(salt).decode(),
        "content": base64.b64encode(sealed).decode(),
    }
    return json.dumps(doc).encode()


def proton_samples(samples):
    """Proton Authenticator holds TOTP and Steam accounts only."""
    return tuple(s for s in samples if s.type in ("totp", "steam"))


def all_fixtures(samples) -> dict[str, list[tuple[str, bytes]]]:
    """One file of each kind, for the contract tests (``samples`` = the first few SAMPLES)."""
    return {
        "stratum": [
            ("plain", stratum_plain(samples)),
            ("encrypted", stratum_encrypted(samples)),
            ("legacy", stratum_legacy(samples)),
            ("db3", stratum_database(samples)),
        ],
        "freeotp": [
            ("backup", freeotp_backup(samples, iterations=10)),
            ("tokens-xml", freeotp_tokens_xml(samples)),
            ("backup-xml", freeotp_backup_xml(samples, iterations=10)),
        ],
        "proton": [
            ("plain", proton_plain(proton_samples(samples))),
            ("encrypted", proton_encrypted(proton_samples(samples))),
        ],
    }
