"""FreeOTP's own files: the 2.x backup and the 1.x / FreeOTP+ ``tokens.xml``.

**FreeOTP 2.x backup** (``externalBackup.xml``; in spite of its name a Java-serialised
``HashMap<String, String>``, read by :mod:`._javaser`). ``masterKey`` holds the master key
encrypted under a password key: PBKDF2 (``mAlgorithm`` PBKDF2withHmacSHA1 or SHA512,
``mIterations``, ``mSalt``, 32 bytes), then AES-GCM with the nonce in ``mParameters`` (DER
GCMParameters) and ``mToken`` as associated data. Each token has two keys: ``<uuid>`` holds its
secret encrypted the same way under the master key, ``<uuid>-token`` its JSON description
(``issuerExt``, ``issuerInt``, ``label``, ``type``, ``algo``, ``digits``, ``period``,
``counter``; any of the last four may be missing or null). Counters are kept as they are.
The same keys in SharedPreferences XML (``shared_prefs/tokenBackup.xml``, what the app keeps
on the phone and in Android's cloud backup) are read the same way.

**FreeOTP 1.x and FreeOTP+ tokens.xml** (Android SharedPreferences XML, ``<map>`` of
``<string name="issuer:label">`` holding the token JSON, plus ``tokenOrder``, a JSON list of
those names): secrets are arrays of signed bytes and counters are one less than the next counter
(FreeOTP increments before generating), so 1 is added, as for FreeOTP+ JSON. Tokens are imported
in ``tokenOrder`` order, then any the order does not list.

A token whose ``issuerExt`` is "Steam" is a Steam account. The issuer is ``issuerInt`` when set,
else ``issuerExt``. Images, colours and the per-token lock are not kept.
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from typing import Any, Final

from twostep.authenticator.entry import Entry
from twostep.otp import Account, OtpType, Secret

from . import _crypto
from ._javaser import is_java_stream, read_string_map
from ._json import entry_int, entry_object, entry_str
from ._otp import parse_algorithm, parse_type
from .base import (
    EntryError,
    Format,
    ImportResult,
    Progress,
    collect_entries,
    ensure_detected,
    make_entry,
)
from .errors import DamagedFileError, PasswordRequiredError, UnsupportedFileError

__all__ = ["FORMAT", "detect", "is_encrypted", "read"]

TITLE: Final = "a FreeOTP backup or tokens.xml"
_KDFS: Final = {"PBKDF2withHmacSHA1": "sha1", "PBKDF2withHmacSHA512": "sha512"}
_GCM: Final = "AES/GCM/NoPadding"
_DTD: Final = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_FIRST_TOKEN: Final = re.compile(
    rb'\s*<string name="(tokenOrder">\[|masterKey">\{&quot;mAlgorithm&quot;|'
    rb'[^"]*">\{&quot;((algo|counter|digits|issuerExt)&quot;|key&quot;:&quot;\{))'
)
_TOKEN_KEYS: Final = frozenset({"issuerExt", "label", "type"})


# -- tokens.xml (FreeOTP 1.x, FreeOTP+) -------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _preferences(data: bytes) -> tuple[tuple[str, str], ...] | None:
    """The ``<string>`` preferences of a SharedPreferences file, or None if it is not one."""
    head = data[:4096].lstrip()
    if not head.startswith((b"<?xml", b"<map")) or _DTD.search(data):
        return None  # Android never writes a DTD; without one no entity can be declared
    try:
        # Safe here: a DTD was refused above, so no entity can be declared (and ElementTree
        # never fetches external ones); expat also bounds entity expansion.
        root = ET.fromstring(data)  # noqa: S314
    except (ET.ParseError, ValueError, LookupError):  # LookupError: an unknown encoding
        return None
    if root.tag != "map":
        return None
    return tuple(
        (child.get("name") or "", child.text or "") for child in root if child.tag == "string"
    )


def _token_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _is_token(value: Any) -> bool:
    return isinstance(value, dict) and "secret" in value and value.keys() >= _TOKEN_KEYS


def _looks_like_tokens_xml(data: bytes) -> bool:
    """The start of a SharedPreferences map holding FreeOTP tokens, even if cut short later:
    a ``<map>`` root and, in its first ``<string>``, ``tokenOrder`` or a token's JSON keys."""
    head = data[:8192]
    if _DTD.search(head):
        return False
    start = head.find(b"<map>")
    prolog = head[:start].strip()
    if start < 0 or (prolog and not prolog.startswith(b"<?xml")):
        return False
    return bool(_FIRST_TOKEN.match(head, start + len(b"<map>")))


def _is_master_key(name: str, text: str) -> bool:
    value = _token_json(text) if name == "masterKey" else None
    return isinstance(value, dict) and {"mAlgorithm", "mEncryptedKey"} <= value.keys()


def _is_token_order(name: str, text: str) -> bool:
    value = _token_json(text) if name == "tokenOrder" else None
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_tokens_xml(data: bytes) -> bool:
    prefs = _preferences(data)
    if prefs is None:
        return _looks_like_tokens_xml(data)
    return any(
        _is_token_order(name, text) or _is_master_key(name, text) or _is_token(_token_json(text))
        for name, text in prefs
    )


def _backup_xml_pairs(data: bytes) -> list[tuple[str, str]] | None:
    """FreeOTP 2's own ``tokenBackup.xml`` (what its backup file serialises): the same keys as
    SharedPreferences XML, recognised by its ``masterKey``."""
    prefs = _preferences(data)
    if prefs is None or not any(_is_master_key(name, text) for name, text in prefs):
        return None
    return list(prefs)


def _secret(value: Any, field: str = "secret") -> bytes:
    if not isinstance(value, list) or not value:
        raise EntryError(field, "is not a list of bytes")
    raw = bytearray()
    for byte in value:
        if type(byte) is not int or not -128 <= byte <= 255:
            raise EntryError(field, "is not a list of bytes")
        raw.append(byte & 0xFF)
    return bytes(raw)


def _account(token: Any, secret: bytes, *, counter_offset: int) -> Entry:
    token = entry_object(token)
    issuer_ext = entry_str(token, "issuerExt")
    kind = parse_type(token.get("type"))
    if issuer_ext.strip().lower() == "steam" and kind is OtpType.TOTP:
        kind = OtpType.STEAM
    counter = entry_int(token, "counter", 0)
    assert counter is not None
    account = Account(
        secret=Secret(secret),
        type=kind,
        issuer=entry_str(token, "issuerInt") or issuer_ext,
        name=entry_str(token, "label"),
        algorithm=parse_algorithm(token.get("algo")),
        digits=entry_int(token, "digits", 6),  # type: ignore[arg-type]
        period=entry_int(token, "period", 30),  # type: ignore[arg-type]
        counter=counter + counter_offset if kind is OtpType.HOTP else 0,
    )
    return make_entry(account)


def _label(token: Any) -> str:
    if not isinstance(token, dict):
        return ""
    issuer = token.get("issuerInt") or token.get("issuerExt") or ""
    name = token.get("label") or ""
    return f"{issuer}:{name}" if issuer else str(name)


def _read_tokens_xml(data: bytes, progress: Progress | None) -> ImportResult:
    prefs = _preferences(data)
    if prefs is None:
        raise DamagedFileError("the FreeOTP XML file is not valid XML (truncated or damaged?)")
    by_name = {name: text for name, text in prefs if name != "tokenOrder"}
    order_text = next((text for name, text in prefs if name == "tokenOrder"), "[]")
    order = _token_json(order_text)
    if not isinstance(order, list):
        raise DamagedFileError("tokenOrder is not a JSON list")
    names = [n for n in dict.fromkeys(n for n in order if isinstance(n, str)) if n in by_name]
    names += [n for n in by_name if n not in names]
    tokens = [_token_json(by_name[n]) for n in names]

    def build(token: Any) -> Entry:
        if token is None:
            raise EntryError("entry", "is not valid JSON")
        token = entry_object(token)
        return _account(token, _secret(token.get("secret")), counter_offset=1)

    entries, problems = collect_entries(tokens, build, label_of=_label, progress=progress)
    return ImportResult(tuple(entries), tuple(problems), total=len(tokens))


# -- FreeOTP 2.x backup -----------------------------------------------------------------------
def _gcm_nonce(der: bytes) -> bytes:
    """The nonce of DER ``GCMParameters ::= SEQUENCE { OCTET STRING nonce, INTEGER tagLen }``
    (or a bare OCTET STRING), as Java's ``AlgorithmParameters.getEncoded`` writes it."""
    if len(der) >= 2 and der[0] == 0x30 and der[1] == len(der) - 2 and der[1] < 0x80:
        der = der[2:]
    if len(der) < 2 or der[0] != 0x04 or der[1] >= 0x80 or len(der) < 2 + der[1]:
        raise DamagedFileError("the encryption parameters of the FreeOTP backup are damaged")
    return der[2 : 2 + der[1]]


def _open_sealed(sealed: Any, key: bytes, where: str) -> bytes:
    """Decrypt FreeOTP's ``EncryptedKey`` JSON (cipher, ciphertext, parameters, token)."""
    if not isinstance(sealed, dict) or sealed.get("mCipher") != _GCM:
        raise UnsupportedFileError(f"{where} is not encrypted with AES-GCM")
    token = sealed.get("mToken")
    if not isinstance(token, str):
        raise DamagedFileError(f"{where} has no mToken")
    try:
        ciphertext = _secret(sealed.get("mCipherText"), "mCipherText")
        nonce = _gcm_nonce(_secret(sealed.get("mParameters"), "mParameters"))
    except EntryError:
        raise DamagedFileError(f"{where} is damaged") from None
    return _crypto.aes_gcm_open(key, nonce, ciphertext, token.encode("utf-8"))


def _master_key(master: Any, password: str) -> bytes:
    if not isinstance(master, dict):
        raise DamagedFileError("masterKey is not a JSON object")
    algorithm = master.get("mAlgorithm")
    hash_name = _KDFS.get(algorithm) if isinstance(algorithm, str) else None
    if hash_name is None:
        raise UnsupportedFileError("the FreeOTP backup uses a key derivation twostep does not know")
    try:
        salt = _secret(master.get("mSalt"), "mSalt")
    except EntryError:
        raise DamagedFileError("masterKey.mSalt is damaged") from None
    iterations = master.get("mIterations")
    key = _crypto.pbkdf2(password, salt, iterations, hash_name)  # type: ignore[arg-type]
    opened = _open_sealed(master.get("mEncryptedKey"), key, "masterKey")
    if len(opened) != 32:
        raise UnsupportedFileError("the FreeOTP master key is not an AES-256 key")
    return opened


def _read_backup(
    pairs: list[tuple[str, str]], password: str | None, progress: Progress | None
) -> ImportResult:
    values = dict(pairs)
    master_text = values.get("masterKey")
    if master_text is None:
        raise DamagedFileError("the FreeOTP backup has no masterKey")
    if password is None:
        raise PasswordRequiredError("this FreeOTP backup is encrypted: a password is needed")
    master_key = _master_key(_token_json(master_text), password)
    uuids = [k for k, _ in pairs if k != "masterKey" and not k.endswith("-token")]
    # Every secret is opened first: an altered file fails as a whole, like a wrong password.
    secrets: dict[str, bytes | EntryError] = {}
    for number, uuid in enumerate(uuids, 1):
        wrapper = _token_json(values[uuid])
        if not isinstance(wrapper, dict) or not isinstance(wrapper.get("key"), str):
            secrets[uuid] = EntryError("secret", "is not an encrypted key")
            continue
        sealed = _token_json(wrapper["key"])
        secrets[uuid] = _open_sealed(sealed, master_key, f"the secret of token {number}")

    def build(uuid: str) -> Entry:
        secret = secrets[uuid]
        if isinstance(secret, EntryError):
            raise secret
        token = _token_json(values.get(f"{uuid}-token", ""))
        if token is None:
            raise EntryError("token", "missing or not valid JSON")
        return _account(token, secret, counter_offset=0)

    def label(uuid: str) -> str:
        return _label(_token_json(values.get(f"{uuid}-token", "")))

    entries, problems = collect_entries(uuids, build, label_of=label, progress=progress)
    return ImportResult(tuple(entries), tuple(problems), total=len(uuids))


# -- the format -------------------------------------------------------------------------------
def is_encrypted(data: bytes) -> bool:
    """A FreeOTP 2 backup that is whole (a damaged one is reported before any password)."""
    if is_java_stream(data):
        try:
            return any(key == "masterKey" for key, _ in read_string_map(data, "the file"))
        except DamagedFileError:
            return False
    return _backup_xml_pairs(data) is not None


def detect(data: bytes) -> bool:
    return is_java_stream(data) or _is_tokens_xml(data)


def read(
    data: bytes, password: str | None = None, *, progress: Progress | None = None
) -> ImportResult:
    ensure_detected(data, detect, TITLE)
    if is_java_stream(data):
        return _read_backup(read_string_map(data, "the FreeOTP backup"), password, progress)
    pairs = _backup_xml_pairs(data)
    if pairs is not None:
        return _read_backup(pairs, password, progress)
    return _read_tokens_xml(data, progress)


FORMAT: Final = Format(
    name="freeotp",
    title="FreeOTP",
    summary="FreeOTP 2 backup (externalBackup.xml, or its tokenBackup.xml), "
    "FreeOTP 1 / FreeOTP+ tokens.xml",
    suffix=".xml",
    detect=detect,
    read=read,
    is_encrypted=is_encrypted,
)
