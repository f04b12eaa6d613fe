"""Fixtures for the formats of issue 19, part b, built the way each app stores its accounts.

Every file is made from the published facts about the format (shared_prefs XML, SQLite tables,
Steam's maFile fields, WinAuth's URI parameters) with the primitives the app uses (PBKDF2 +
AES-CBC for Authy, SHA-256 + AES-CBC for TOTP Authenticator, SQLCipher 3 for Authenticator
Plus), never with twostep's readers or writers. The one file Python cannot make, a ZipCrypto
(password-protected) zip, was made once by ``python builders_more_b.py`` with Info-ZIP's
``zip -P`` and is committed as ``authplus_export.zip``; run the script again to remake it.

Run as a script it also writes every fixture into ``more_b/`` for people to look at.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HERE = Path(__file__).parent


def _builders() -> ModuleType:
    name = "twostep_tests_formats_builders"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / "builders.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


B = _builders()
Sample = B.Sample
PASSWORD = B.PASSWORD
EXPORT_ZIP = HERE / "authplus_export.zip"
#: The password of the committed ZipCrypto file: the tests' password, as UTF-8 bytes.
ZIP_PASSWORD = PASSWORD

# -- the accounts each format can hold ---------------------------------------------------------
#: TOTP, SHA1, 30 s; digits vary (Authy keeps them).
AUTHY_SAMPLES = (
    Sample("totp", "Deno", "Mason", "4SJHB4GSD43FZBAI7C2HLRJGPQ"),
    Sample(
        "totp", "Zürich Bank", "ünï+tag@example.com", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", digits=8
    ),
    Sample("totp", "Airbnb", "Elijah", "7ELGJSGXNCCTV3O6LKJWYFV2RA", digits=7),
)
#: TOTP Authenticator keeps digits and period (as text) and a favourite flag.
TOTPAUTH_SAMPLES = (
    Sample("totp", "Deno", "mason", "4SJHB4GSD43FZBAI7C2HLRJGPQ", favorite=True),
    Sample("totp", "SPDX", "james", "5OM4WOOGPLQEF6UGN3CPEOOLWU", digits=7, period=20),
    Sample(
        "totp", "Zürich Bank", "ünï@example.com", "7ELGJSGXNCCTV3O6LKJWYFV2RA", digits=8, period=50
    ),
)
BATTLENET_SECRET_HEX = "0b0d1bbcc5046102f0cc9eba904d7aae16038c28"
BATTLENET_SERIAL = "US-2211-2050-3346"
BATTLENET_SAMPLE = Sample(
    "totp",
    "Battle.net",
    BATTLENET_SERIAL,
    base64.b32encode(bytes.fromhex(BATTLENET_SECRET_HEX)).decode().rstrip("="),
    digits=8,
)
STEAM_SAMPLES = (
    Sample(
        "steam",
        "Steam",
        "sophia_gamer",
        "JRZCL47CMXVOQMNPZR2F7J4RGI",
        digits=5,
        note="Steam revocation code: R12345",
    ),
    Sample(
        "steam",
        "Steam",
        "second_acct",
        "KUVJJOM753IHTNDSZVCNKL7GII",
        digits=5,
        note="Steam revocation code: R67890",
    ),
)
DUO_SAMPLES = (
    Sample("totp", "", "Mason", "4SJHB4GSD43FZBAI7C2HLRJGPQ"),
    Sample("hotp", "", "Duo-Protected VPN", "YOOMIXWS5GN6RTBPUFFWKTW5M4", counter=3),
)
#: Microsoft: third-party TOTP (6 digits) and a personal Microsoft account (8 digits, Base64).
MICROSOFT_SAMPLES = (
    Sample("totp", "Deno", "Mason", "4SJHB4GSD43FZBAI7C2HLRJGPQ"),
    Sample("totp", "Microsoft", "james@outlook.com", "5OM4WOOGPLQEF6UGN3CPEOOLWUJBSWY3", digits=8),
    Sample("totp", "Zürich Bank", "ünï+tag@example.com", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
)
GOOGLE_SAMPLES = (
    Sample("totp", "Deno", "Mason", "4SJHB4GSD43FZBAI7C2HLRJGPQ"),
    Sample("hotp", "Issuu", "James", "YOOMIXWS5GN6RTBPUFFWKTW5M4", counter=10300),
    Sample("totp", "", "plain@example.com", "7ELGJSGXNCCTV3O6LKJWYFV2RA"),
)
#: WinAuth: TOTP with any algorithm/digits/period, HOTP, Battle.net (serial), Steam, icons.
WINAUTH_SAMPLES = (
    Sample("totp", "Deno", "Mason", "4SJHB4GSD43FZBAI7C2HLRJGPQ", icon=("image/png", B.PNG_ICON)),
    Sample("totp", "SPDX", "James", "5OM4WOOGPLQEF6UGN3CPEOOLWU", "SHA256", 7, 20),
    Sample("hotp", "Issuu", "James", "YOOMIXWS5GN6RTBPUFFWKTW5M4", counter=50),
    Sample("totp", "Battle.net", BATTLENET_SERIAL, BATTLENET_SAMPLE.secret, digits=8),
    Sample(
        "steam",
        "Steam",
        "sophia_gamer",
        "JRZCL47CMXVOQMNPZR2F7J4RGI",
        digits=5,
        note="Steam revocation code: R12345",
    ),
)
#: Authenticator Plus keeps Google Authenticator's schema: TOTP/HOTP, SHA1, 6 digits, 30 s.
AUTHPLUS_SAMPLES = GOOGLE_SAMPLES


# -- small helpers -----------------------------------------------------------------------------
def _prefs(values: list[tuple[str, str, Any]]) -> bytes:
    """An Android shared_prefs file as Android's XmlUtils writes it."""
    lines = ["<?xml version='1.0' encoding='utf-8' standalone='yes' ?>", "<map>"]
    for kind, name, value in values:
        if kind == "string":
            text = escape(value, {'"': "&quot;"})
            lines.append(f"    <string name={quoteattr(name)}>{text}</string>")
        else:
            lines.append(f'    <{kind} name={quoteattr(name)} value="{value}" />')
    lines.append("</map>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _cbc(key: bytes, plaintext: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def _sqlite_bytes(statements: list[tuple[str, tuple[Any, ...]]]) -> bytes:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "db")
        connection = sqlite3.connect(path)
        for sql, params in statements:
            connection.execute(sql, params)
        connection.commit()
        connection.close()
        return Path(path).read_bytes()


# -- Authy -------------------------------------------------------------------------------------
AUTHY_TIMESTAMP = 1608374963


def authy_tokens(samples=AUTHY_SAMPLES) -> list[dict[str, Any]]:
    return [
        {
            "accountType": "authenticator",
            "decryptedSecret": s.secret,
            "digits": s.digits,
            "logo": s.issuer,
            "originalIssuer": s.issuer,
            "originalName": f"{s.issuer}:{s.name}",
            "timestamp": AUTHY_TIMESTAMP + n,
            "upload_state": "notUploaded",
            "hidden": False,
            "id": str(AUTHY_TIMESTAMP + 100 + n),
            "isNew": False,
            "name": f"{s.issuer}: {s.name}",
        }
        for n, s in enumerate(samples)
    ]


def authy_plain(samples=AUTHY_SAMPLES) -> bytes:
    tokens = json.dumps(authy_tokens(samples), separators=(",", ":"), ensure_ascii=False)
    return _prefs(
        [
            ("int", "key_version", 121),
            ("string", "com.authy.storage.tokens.authenticator.key", tokens),
        ]
    )


def authy_encrypted(samples=AUTHY_SAMPLES, password: str = PASSWORD) -> bytes:
    tokens = authy_tokens(samples)
    for n, token in enumerate(tokens):
        salt = base64.b64encode(hashlib.sha256(f"salt{n}".encode()).digest()[:18]).decode()
        key = hashlib.pbkdf2_hmac("sha1", password.encode(), salt.encode(), 1000, 32)
        secret = token.pop("decryptedSecret")
        token["encryptedSecret"] = base64.b64encode(_cbc(key, secret.encode())).decode()
        token["salt"] = salt
        token["upload_state"] = "uploaded"
    text = json.dumps(tokens, separators=(",", ":"), ensure_ascii=False)
    return _prefs(
        [
            ("int", "key_version", 121),
            ("string", "com.authy.storage.tokens.authenticator.key", text),
        ]
    )


def authy_own_tokens() -> bytes:
    """``com.authy.storage.tokens.authy.xml``: Authy's own 7-digit, 10-second tokens (hex seed)."""
    tokens = [
        {
            "secretSeed": "e49270f0d21f365c8408f8b475c5267c",
            "digits": 7,
            "name": "Twilio",
            "accountType": "authy",
            "timestamp": AUTHY_TIMESTAMP,
            "id": "42",
        }
    ]
    return _prefs([("string", "com.authy.storage.tokens.authy.key", json.dumps(tokens))])


# -- TOTP Authenticator ------------------------------------------------------------------------
def totpauth_items(samples=TOTPAUTH_SAMPLES) -> list[dict[str, Any]]:
    items = []
    for n, s in enumerate(samples):
        base = (16, 32, 64)[n % 3]
        key = {16: s.raw.hex().upper(), 32: s.secret, 64: base64.b64encode(s.raw).decode()}[base]
        items.append(
            {
                "accountHeaderLabel": "",
                "allowNotifications": False,
                "base": base,
                "digits": str(s.digits),
                "fileName": "",
                "iconLabel": "",
                "iconPath": "",
                "isFavorite": s.favorite,
                "isSelected": False,
                "isWidgetActive": False,
                "issuer": s.issuer,
                "key": key,
                "name": s.name,
                "period": str(s.period),
                "setIconFromDrawable": True,
                "source": 0,
                "timeRemaining": 0,
                "totpCode": "",
                "widgetId": 0,
            }
        )
    return items


def totpauth_prefs(samples=TOTPAUTH_SAMPLES) -> bytes:
    listed = json.dumps(totpauth_items(samples), separators=(",", ":"), ensure_ascii=False)
    return _prefs(
        [
            ("int", "RATE_US_COUNTER", 13),
            ("boolean", "SCREENSHOT_FLAG", "true"),
            ("string", "STATIC_TOTP_CODES_LIST", listed),
            ("string", "SORT_ACCOUNT_BY", "CUSTOM"),
        ]
    )


def totpauth_backup(samples=TOTPAUTH_SAMPLES, password: str = PASSWORD) -> bytes:
    listed = json.dumps(totpauth_items(samples), separators=(",", ":"), ensure_ascii=False)
    plain = json.dumps({listed: "1608293023"}, ensure_ascii=False).encode("utf-8")
    sealed = _cbc(hashlib.sha256(password.encode("utf-8")).digest(), plain)
    return base64.b64encode(sealed)


# -- Battle.net --------------------------------------------------------------------------------
_BNET_MASK = bytes.fromhex(
    "398e27fc50276a656065b0e525f4c06c04c61075286b8e7aeda59da9813b5dd6"
    "c80d2fb38068773fa59ba47c17ca6c6479015c1d5b8b8f6b9a"
)


def _mask(text: str) -> str:
    return bytes(a ^ b for a, b in zip(text.encode(), _BNET_MASK, strict=False)).hex()


def battlenet_bma() -> bytes:
    """The old Battle.net Authenticator: ``AUTH_STORE.HASH`` = masked secret hex + serial."""
    packed = BATTLENET_SECRET_HEX + BATTLENET_SERIAL.replace("-", "")
    return _prefs(
        [
            ("string", "com.blizzard.bma.AUTH_STORE.HASH", _mask(packed)),
            ("long", "com.blizzard.bma.AUTH_STORE.CLOCK_OFFSET", 15),
            ("long", "com.blizzard.bma.AUTH_STORE.LAST_MODIFIED", 1608374963000),
        ]
    )


def battlenet_app() -> bytes:
    """The Battle.net app (com.blizzard.messenger): secret and serial masked separately."""
    p = "com.blizzard.messenger."
    return _prefs(
        [
            ("string", p + "AUTHENTICATOR_CREDENTIALS_ENCRYPTION_TYPE", "MASK"),
            ("string", p + "AUTHENTICATOR_DEVICE_SECRET", _mask(BATTLENET_SECRET_HEX)),
            ("string", p + "AUTHENTICATOR_BGS_REGION_CODE", "US"),
            ("string", p + "AUTHENTICATOR_SERIAL", _mask(BATTLENET_SERIAL)),
            ("long", p + "AUTHENTICATOR_SERVER_TIME_DIFF", 15),
        ]
    )


# -- Steam -------------------------------------------------------------------------------------
def steam_account(s: Sample, n: int = 0) -> dict[str, Any]:
    return {
        "shared_secret": base64.b64encode(s.raw).decode(),
        "serial_number": str(12345678901234567890 + n),
        "revocation_code": s.note.rpartition(" ")[2],
        "uri": f"otpauth://totp/Steam:{s.name}?secret={s.secret}&issuer=Steam",
        "server_time": 1608374963,
        "account_name": s.name,
        "token_gid": "894820a474c9",
        "identity_secret": base64.b64encode(b"identity secret bytes").decode(),
        "secret_1": base64.b64encode(b"another secret").decode(),
        "status": 1,
        "device_id": f"android:{n:08d}-1111-2222-3333-444455556666",
        "fully_enrolled": True,
        "Session": {"SessionID": "abc", "SteamID": 76561197960287930 + n},
    }


def steam_mafile(s: Sample = STEAM_SAMPLES[0]) -> bytes:
    """Steam Desktop Authenticator's ``<steamid>.maFile`` (the old, single-account layout)."""
    return json.dumps(steam_account(s)).encode()


def steam_app(samples=STEAM_SAMPLES) -> bytes:
    """The Steam app's ``Steamguard-<steamid>`` file (the new layout, accounts by id)."""
    accounts = {str(76561197960287930 + n): steam_account(s, n) for n, s in enumerate(samples)}
    return json.dumps({"accounts": accounts}).encode()


# -- Duo ---------------------------------------------------------------------------------------
def duo_json(samples=DUO_SAMPLES, *, push_only: bool = False) -> bytes:
    items: list[dict[str, Any]] = []
    for n, s in enumerate(samples):
        generator: dict[str, Any] = {"otpSecret": s.secret}
        if s.type == "hotp":
            generator["counter"] = s.counter
        items.append(
            {
                "version": 1.0,
                "accountType": "OtpAccount",
                "name": s.name,
                "otpGenerator": generator,
                "logoUri": f"file:///data/user/0/com.duosecurity.duomobile/files/duokit/logos/{n}.png",
                "pkey": f"9a011a29-0496-4c0b-b53a-b9125eea14a{n}",
                "serviceTypeLabelIsCustom": True,
            }
        )
    if push_only:
        items.append(
            {
                "version": 1.0,
                "accountType": "DuoAccount",
                "name": "Work push",
                "pkey": "DIXXXXXXXXXXXXXXXXXX",
            }
        )
    return json.dumps(items, indent=2).encode()


# -- Microsoft Authenticator -------------------------------------------------------------------
_MS_COLUMNS = (
    "`_id` INTEGER PRIMARY KEY AUTOINCREMENT, `group_key` TEXT NOT NULL, `name` TEXT NOT NULL, "
    "`username` TEXT NOT NULL, `paws_url` TEXT NOT NULL, `oath_secret_key` TEXT NOT NULL, "
    "`oath_enabled` INTEGER NOT NULL, `cid` TEXT NOT NULL, `cached_pin` TEXT NOT NULL, "
    "`account_type` INTEGER NOT NULL, `account_capability` INTEGER NOT NULL, "
    "`ux_position` INTEGER NOT NULL, `is_totp_code_shown` INTEGER NOT NULL, "
    "`encrypted_oath_secret_key` TEXT NOT NULL, `identity_provider` TEXT NOT NULL"
)


def microsoft_db(samples=MICROSOFT_SAMPLES, *, work_account: bool = False) -> bytes:
    statements: list[tuple[str, tuple[Any, ...]]] = [
        ("CREATE TABLE android_metadata (locale TEXT)", ()),
        ("INSERT INTO android_metadata VALUES ('en_US')", ()),
        (f"CREATE TABLE `accounts` ({_MS_COLUMNS})", ()),
        ("CREATE TABLE room_master_table (id INTEGER PRIMARY KEY,identity_hash TEXT)", ()),
    ]
    insert = (
        "INSERT INTO accounts (group_key, name, username, paws_url, oath_secret_key, oath_enabled,"
        " cid, cached_pin, account_type, account_capability, ux_position, is_totp_code_shown,"
        " encrypted_oath_secret_key, identity_provider) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    rows = []
    for position, s in enumerate(samples, 1):
        msa = s.digits == 8
        secret = base64.b64encode(s.raw).decode() if msa else s.secret
        rows.append(
            (
                "0" * 32,
                s.issuer,
                s.name,
                "",
                secret,
                1,
                "",
                "",
                int(msa),
                1,
                position,
                1,
                "",
                s.issuer,
            )
        )
    if work_account:
        rows.append(
            (
                "0" * 32,
                "Contoso",
                "eve@contoso.com",
                "https://x",
                "",
                0,
                "",
                "",
                2,
                3,
                0,
                0,
                "",
                "AAD",
            )
        )
    rows.reverse()  # stored out of order: the app shows them by ux_position
    statements += [(insert, row) for row in rows]
    return _sqlite_bytes(statements)


# -- Google Authenticator's database -----------------------------------------------------------
_GA_TABLE = (
    "CREATE TABLE accounts (_id INTEGER PRIMARY KEY, email TEXT NOT NULL, secret TEXT NOT NULL,"
    " counter INTEGER DEFAULT 0, type INTEGER, provider INTEGER DEFAULT 0,"
    " issuer TEXT DEFAULT NULL, original_name TEXT DEFAULT NULL)"
)


def _ga_rows(samples) -> list[tuple[str, tuple[Any, ...]]]:
    return [
        (
            "INSERT INTO accounts (email, secret, counter, type, provider, issuer, original_name)"
            " VALUES (?,?,?,?,?,?,?)",
            (
                s.label,
                s.secret,
                s.counter,
                1 if s.type == "hotp" else 0,
                0,
                s.issuer or None,
                s.label,
            ),
        )
        for s in samples
    ]


def google_db(samples=GOOGLE_SAMPLES) -> bytes:
    return _sqlite_bytes(
        [
            ("CREATE TABLE android_metadata (locale TEXT)", ()),
            (_GA_TABLE, ()),
            (
                "CREATE TABLE auditlog_export (_id INTEGER PRIMARY KEY,timestamp DATETIME NOT NULL,"
                "timer INTEGER NOT NULL,migration_amount INTEGER NOT NULL)",
                (),
            ),
            *_ga_rows(samples),
        ]
    )


# -- Authenticator Plus ------------------------------------------------------------------------
def authplus_lines(samples=AUTHPLUS_SAMPLES) -> str:
    return "".join(s.uri() + "\n" for s in samples)


def authplus_export() -> bytes:
    """The committed ZipCrypto export (``Accounts.txt``), made by :func:`make_export_zip`."""
    return EXPORT_ZIP.read_bytes()


def make_export_zip(path: Path = EXPORT_ZIP) -> None:
    """Remake the export with Info-ZIP's ``zip -P`` (the same PKWARE encryption the app uses)."""
    with tempfile.TemporaryDirectory() as directory:
        Path(directory, "Accounts.txt").write_text(authplus_lines(), encoding="utf-8")
        Path(directory, "Accounts.html").write_text("<html><body>Accounts</body></html>\n")
        path.unlink(missing_ok=True)
        subprocess.run(
            [
                "zip",
                "-q",
                "-X",
                "-P",
                ZIP_PASSWORD,
                str(path.resolve()),
                "Accounts.txt",
                "Accounts.html",
            ],
            cwd=directory,
            check=True,
        )


def authplus_db(samples=AUTHPLUS_SAMPLES, password: str = PASSWORD) -> bytes:
    """``authplus.db``: SQLCipher 3 (as the app writes it) with Google Authenticator's table."""
    import sqlcipher3

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "authplus.db")
        connection = sqlcipher3.connect(path)
        quoted = password.replace("'", "''")
        connection.execute(f"PRAGMA key = '{quoted}'")
        connection.execute("PRAGMA cipher_compatibility = 3")
        connection.execute(_GA_TABLE)
        connection.execute("CREATE TABLE category (_id INTEGER PRIMARY KEY, name TEXT)")
        for sql, params in _ga_rows(samples):
            connection.execute(sql, params)
        connection.commit()
        connection.close()
        return Path(path).read_bytes()


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def authplus_backup_zip(
    samples=AUTHPLUS_SAMPLES, password: str = PASSWORD, *, database: bytes | None = None
) -> bytes:
    """The backup database, zipped (plain zip: the database is encrypted itself)."""
    return zip_of({"authplus.db": database or authplus_db(samples, password)})


# -- WinAuth -----------------------------------------------------------------------------------
def winauth_line(s: Sample) -> str:
    """A line as WinAuth's ``ToUrl`` writes it: secret and digits first, then its extras."""
    steam = s.type == "steam"
    kind = "hotp" if s.type == "hotp" else "totp"
    label = f"{quote(s.issuer)}:{quote(s.name, safe='@')}" if s.issuer else quote(s.name)
    line = f"otpauth://{kind}/{label}?secret={s.secret}&digits={5 if steam else s.digits}"
    if s.issuer:
        line += f"&issuer={quote(s.issuer)}"
    if s.algorithm != "SHA1":
        line += f"&algorithm={s.algorithm}"
    if s.issuer == "Battle.net":
        line += f"&serial={s.name.replace('-', '')}"
    elif steam:
        data = json.dumps(steam_account(s), separators=(",", ":"))
        line += f"&deviceid={quote('android:00000000-1111-2222-3333-444455556666', safe='')}"
        line += f"&data={quote(data, safe='')}"
    elif s.type == "hotp":
        line += f"&counter={s.counter}"
    if s.icon:
        icon32 = base64.b32encode(s.icon[1]).decode()
        line += f"&icon={quote('base64:' + icon32, safe='')}"
    elif not steam:
        line += "&icon=GoogleAuthenticator"
    if s.type != "hotp" and not steam and s.period != 30:
        line += f"&period={s.period}"
    return line


def winauth_txt(samples=WINAUTH_SAMPLES) -> bytes:
    return "".join(winauth_line(s) + "\r\n" for s in samples).encode("utf-8")


# -- every fixture, by format name -------------------------------------------------------------
def all_fixtures() -> dict[str, list[tuple[str, bytes]]]:
    return {
        "authy": [
            ("plain", authy_plain()),
            ("encrypted", authy_encrypted()),
            ("authy-tokens", authy_own_tokens()),
        ],
        "totp-auth": [("backup", totpauth_backup()), ("prefs", totpauth_prefs())],
        "battlenet": [("bma", battlenet_bma()), ("app", battlenet_app())],
        "steam": [("mafile", steam_mafile()), ("app", steam_app())],
        "duo": [("json", duo_json())],
        "microsoft": [("db", microsoft_db())],
        "google-db": [("db", google_db())],
        "authplus": [("export", authplus_export()), ("backup", authplus_backup_zip())],
        "winauth": [("txt", winauth_txt())],
    }


def main() -> None:
    make_export_zip()
    out = HERE / "more_b"
    out.mkdir(exist_ok=True)
    for name, files in all_fixtures().items():
        for kind, data in files:
            (out / f"{name}-{kind}.bin").write_bytes(data)
    print(f"wrote {EXPORT_ZIP.name} and the fixtures into {out}")


if __name__ == "__main__":
    main()
