"""Hypothesis strategies for the OTP core's value types."""

from __future__ import annotations

from hypothesis import strategies as st

from twostep.otp import Account, Algorithm, OtpType, Secret
from twostep.otp.account import KNOWN_PARAMETERS

secrets_ = st.binary(min_size=1, max_size=80).map(Secret)
#: Secrets pyotp and oathtool accept: at least 80 bits.
long_secrets = st.binary(min_size=10, max_size=80).map(Secret)
algorithms = st.sampled_from(list(Algorithm))

# Any Unicode text without control characters or surrogates, as people type it (the account type
# strips it; ':' is the label separator). Includes the characters URIs care about.
_label_chars = st.one_of(
    st.characters(blacklist_categories=("Cc", "Cs")),
    st.sampled_from(list(" :@%&=?#+/;,'\"<>ü漢字🔐\u200b\u00a0")),
)
label_text = st.text(_label_chars, max_size=30)
#: An issuer may hold ':' (Aegis allows it; URIs carry it as %3A).
issuers = label_text
#: Text without ':': an account name without an issuer (nothing to tell the ':' from a separator),
#: and labels for libraries that refuse a ':' in the issuer (pyotp).
colonless = label_text.filter(lambda text: ":" not in text)

_extra_names = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10),
    st.sampled_from(["encoder", "Encoder", "image", "codeDisplay", "pin", "icon", "a b", "x+y"]),
).filter(lambda name: name.strip() and name.strip().lower() not in KNOWN_PARAMETERS)
_extra_values = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.sampled_from(["steam", "STEAM", "", "%41", "a&b=c", '{"trusted":true}', "https://x/y.png"]),
)
extras = st.lists(st.tuples(_extra_names, _extra_values), max_size=4).map(tuple)


@st.composite
def accounts(draw: st.DrawFn, *, with_extra: bool = True) -> Account:
    """Every valid account: all types, algorithms, digits, periods, counters, labels, extras."""
    issuer = draw(issuers)
    # a ':' in the name is only representable when there is an issuer before it
    name = draw(label_text if issuer.strip() else colonless)
    return Account(
        secret=draw(secrets_),
        type=draw(st.sampled_from(list(OtpType))),
        issuer=issuer,
        name=name,
        algorithm=draw(algorithms),
        digits=draw(st.integers(6, 10)),
        period=draw(st.one_of(st.sampled_from([30, 60]), st.integers(1, 2**32))),
        counter=draw(st.one_of(st.integers(0, 100), st.integers(0, 2**64 - 1))),
        extra=draw(extras) if with_extra else (),
    )


@st.composite
def migration_accounts(draw: st.DrawFn) -> Account:
    """Accounts Google Authenticator's export can carry: TOTP (30 s) or HOTP, 6 or 8 digits."""
    issuer = draw(issuers)
    return Account(
        secret=draw(secrets_),
        type=draw(st.sampled_from([OtpType.TOTP, OtpType.HOTP])),
        issuer=issuer,
        name=draw(label_text if issuer.strip() else colonless),
        algorithm=draw(algorithms),
        digits=draw(st.sampled_from([6, 8])),
        counter=draw(st.integers(0, 2**64 - 1)),
    )


#: Times: the epoch's first steps, today, the 2038 boundary, and far beyond it.
times = st.one_of(
    st.integers(0, 2**31 - 1),
    st.integers(2**31 - 90, 2**31 + 90),
    st.integers(2**31, 2**40),
    st.floats(0, 2**35, allow_nan=False, allow_infinity=False),
)
