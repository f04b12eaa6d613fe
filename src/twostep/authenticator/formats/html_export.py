"""A printable HTML page: one QR code (inline SVG) per account, with its details and secret.

A paper backup: scan a code to add the account to any app, or type the secret. The page is a
single self-contained file (no scripts, fonts, images or styles from elsewhere; a
Content-Security-Policy forbids them), laid out for A4/Letter with no card split across pages.
It holds every secret in clear: print it, keep the paper safe and delete the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Final

from twostep.authenticator.entry import Entry
from twostep.otp import OtpType, build_uri, make_qr_svg

from .base import Format

__all__ = ["FORMAT", "write"]

_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE: Final = """
:root { color-scheme: light; }
body { font: 11pt/1.4 system-ui, sans-serif; margin: 1.5rem; color: #000; background: #fff; }
header p.warning { border: 2px solid #000; padding: .5rem .75rem; font-weight: 600; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 1rem; }
section.card { border: 1px solid #555; border-radius: 6px; padding: .75rem;
  break-inside: avoid; page-break-inside: avoid; }
section.card h2 { font-size: 12pt; margin: 0 0 .25rem; overflow-wrap: anywhere; }
section.card p.account { margin: 0 0 .5rem; overflow-wrap: anywhere; }
svg.qr { display: block; width: 100%; max-width: 14rem; height: auto; margin: 0 auto .5rem; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .1rem .5rem; margin: 0; font-size: 9pt; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
code { font: 10pt/1.3 ui-monospace, monospace; letter-spacing: .05em; }
@page { margin: 12mm; }
@media print {
  body { margin: 0; }
  header p.warning { border-width: 1px; }
  main { grid-template-columns: repeat(3, 1fr); gap: 6mm; }
}
"""


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _kind(entry: Entry) -> str:
    account = entry.account
    if account.type is OtpType.STEAM:
        return "Steam Guard (5 characters)"
    base = f"{account.type.value.upper()}, {account.algorithm.value}, {account.digits} digits"
    if account.type is OtpType.HOTP:
        return f"{base}, counter {account.counter}"
    return f"{base}, {account.period} s"


def _card(entry: Entry) -> str:
    account = entry.account
    title = account.issuer or account.name or "(unnamed)"
    uri = build_uri(account)
    svg = make_qr_svg(uri, scale=4, title=f"QR code for {account.label or title}")
    rows = [
        ("Type", escape(_kind(entry))),
        ("Secret", f"<code>{_grouped(account.secret.base32)}</code>"),
    ]
    if entry.groups:
        rows.append(("Groups", escape(", ".join(entry.groups))))
    if entry.note:
        rows.append(("Note", escape(entry.note).replace("\n", "<br>")))
    details = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    account_line = (
        f'<p class="account">{escape(account.name)}</p>' if account.issuer and account.name else ""
    )
    star = " ★" if entry.favorite else ""
    return (
        f'<section class="card">{svg}<h2>{escape(title)}{star}</h2>{account_line}'
        f"<dl>{details}</dl></section>"
    )


def write(entries: Sequence[Entry], password: str | None = None) -> list[bytes]:
    count = len(entries)
    cards = "\n".join(_card(entry) for entry in entries)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>twostep: {count} account{"" if count == 1 else "s"} (paper backup)</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>twostep paper backup: {count} account{"" if count == 1 else "s"}</h1>
<p class="warning">This page holds your secrets in clear. Anyone who sees a QR code or a secret
can make your codes. Print it, keep the paper somewhere safe, and delete this file.</p>
</header>
<main>
{cards}
</main>
</body>
</html>
"""
    return [page.encode("utf-8")]


FORMAT: Final = Format(
    name="html",
    title="printable HTML page",
    summary="export only: a printable page with one QR code and the secret per account",
    suffix=".html",
    write=write,
)
