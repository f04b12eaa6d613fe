"""``otpauth://`` Key URIs: lenient parsing, strict building.

Parsing accepts what real apps emit (see ``shared/reference/formats.md`` §2.1): any case in the
scheme, type and algorithm; lower-case, padded, spaced or dashed base32; ``%3A`` or ``:`` between
issuer and account, with spaces after it; ``+`` as a space in the query; an unencoded ``#`` in the
label (kept as a literal character, as ente does); unknown parameters (kept, in order, in
``Account.extra``); KeePassXC's ``encoder=steam``. When both the label prefix and the ``issuer``
parameter are present the parameter wins (ente, FreeOTP, pass-otp); the account name is the text
after the issuer and its colon (the first literal colon: an issuer's own ``:`` is ``%3A``). A
known parameter repeated with the same value is accepted; with another value it is refused (apps
disagree on which one counts, so a URI could mean two accounts).

Building is strict: issuer both as label prefix and ``issuer`` parameter, unpadded upper-case
base32, every component percent-encoded, and ``parse_uri(build_uri(a)) == a`` for every account.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote, unquote_to_bytes

from .account import KNOWN_PARAMETERS, Account, Algorithm, OtpType
from .errors import InvalidParameterError, InvalidSecretError, InvalidURIError
from .hotp import MAX_COUNTER
from .secret import Secret

__all__ = ["MAX_URI_LENGTH", "build_uri", "parse_uri"]

#: Longest URI accepted. Real ones are a few hundred characters; this leaves room for icons.
MAX_URI_LENGTH: Final = 8192
_LABEL_SAFE: Final = "@"  # readable e-mail addresses in labels; everything else is encoded


def _decode(text: str, field: str) -> str:
    try:
        return unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidURIError(field, "percent escapes are not valid UTF-8") from None


def _whole_number(text: str, field: str, lowest: int, highest: int) -> int:
    text = text.strip()
    if not text or len(text) > 20 or not (text.isascii() and text.isdigit()):
        raise InvalidURIError(field, "must be a whole number")
    value = int(text)
    if not lowest <= value <= highest:
        raise InvalidURIError(field, f"must be from {lowest} to {highest}")
    return value


def parse_uri(text: str) -> Account:
    """Read an ``otpauth://`` URI into an :class:`Account`.

    Raises :class:`InvalidURIError` whose ``field`` names the part that is wrong (``uri``,
    ``scheme``, ``type``, ``label``, ``secret``, ``issuer``, ``algorithm``, ``digits``, ``period``,
    ``counter``...). The message never contains the secret.
    """
    if not isinstance(text, str):
        raise InvalidURIError("uri", "expected text")
    text = text.strip()
    if len(text) > MAX_URI_LENGTH:
        raise InvalidURIError("uri", f"longer than {MAX_URI_LENGTH} characters")
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() != "otpauth":
        raise InvalidURIError("scheme", "must be otpauth://")
    head, _, query = rest.partition("?")
    type_text, _, label_text = head.partition("/")
    try:
        kind = OtpType(type_text.lower())
    except ValueError:
        raise InvalidURIError("type", "must be totp, hotp or steam") from None
    label = _decode(label_text, "label")
    # The issuer/account separator is the first literal ':' of the label; a ':' inside the
    # issuer is percent-encoded (%3A). Labels without a literal ':' may use %3A as the separator.
    raw_prefix, literal_colon, raw_name = label_text.partition(":")

    params: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        raw_key, _, raw_value = part.partition("=")
        key = _decode(raw_key.replace("+", " "), "parameter name").strip()
        value = _decode(raw_value.replace("+", " "), key.lower() or "parameter")
        if not key:
            continue
        if key.lower() in KNOWN_PARAMETERS:
            known = params.setdefault(key.lower(), value)
            if known != value:
                # Apps differ in which one they take (first, last): refuse rather than guess.
                raise InvalidURIError(key.lower(), "given twice with different values")
        elif key.lower() == "encoder" and value.lower() == "steam" and kind is OtpType.TOTP:
            kind = OtpType.STEAM  # KeePassXC writes Steam accounts this way
        else:
            extra.append((key, value))

    if "secret" not in params:
        raise InvalidURIError("secret", "missing")
    try:
        secret = Secret.from_base32(params["secret"])
    except InvalidSecretError as exc:
        raise InvalidURIError("secret", str(exc).removeprefix("secret: ")) from None

    issuer_param = params.get("issuer", "").strip()
    if issuer_param and label.startswith(issuer_param + ":"):
        prefix, name = issuer_param, label[len(issuer_param) + 1 :]
    elif literal_colon:
        prefix, name = _decode(raw_prefix, "label"), _decode(raw_name, "label")
    else:
        prefix, colon, name = label.partition(":")
        if not colon:
            prefix, name = "", label
    issuer = issuer_param or prefix.strip()

    algorithm = Algorithm.SHA1
    if "algorithm" in params:
        try:
            algorithm = Algorithm.parse(params["algorithm"])
        except InvalidParameterError:
            raise InvalidURIError("algorithm", "must be SHA1, SHA256 or SHA512") from None
    digits, period, counter = 6, 30, 0
    if kind is not OtpType.STEAM:
        if "digits" in params:
            digits = _whole_number(params["digits"], "digits", 6, 10)
        if "period" in params and kind is OtpType.TOTP:
            period = _whole_number(params["period"], "period", 1, 2**32)
        if "counter" in params and kind is OtpType.HOTP:
            counter = _whole_number(params["counter"], "counter", 0, MAX_COUNTER)
    try:
        return Account(
            secret=secret,
            type=kind,
            issuer=issuer,
            name=name,
            algorithm=algorithm,
            digits=digits,
            period=period,
            counter=counter,
            extra=tuple(extra),
        )
    except InvalidParameterError as exc:
        raise InvalidURIError(exc.field, str(exc).partition(": ")[2]) from None


def build_uri(account: Account) -> str:
    """The canonical ``otpauth://`` URI of ``account``."""
    name = quote(account.name, safe=_LABEL_SAFE)
    label = f"{quote(account.issuer, safe=_LABEL_SAFE)}:{name}" if account.issuer else name
    params = [("secret", account.secret.base32)]
    if account.issuer:
        params.append(("issuer", account.issuer))
    if account.type is not OtpType.STEAM:
        if account.algorithm is not Algorithm.SHA1:
            params.append(("algorithm", account.algorithm.value))
        if account.digits != 6:
            params.append(("digits", str(account.digits)))
        if account.type is OtpType.TOTP and account.period != 30:
            params.append(("period", str(account.period)))
        if account.type is OtpType.HOTP:
            params.append(("counter", str(account.counter)))
    params.extend(account.extra)
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    return f"otpauth://{account.type.value}/{label}?{query}"
