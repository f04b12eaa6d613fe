"""``twostep-auth add``, and what it does when the account is in the vault already.

Re-enrolling (a site reset, or a new QR code shown during setup) gives the same issuer and
account name with a new secret. Adding it as one more entry would leave copies with the same
label, all but one giving wrong codes, so for each new entry whose issuer and account name
(case-insensitive) are already in the vault:

- the very same account (same secret too) is not added again (exit 6 at the end), unless
  ``--keep-both`` (alias ``--force``);
- with another secret, ``add`` asks on a terminal whether to replace the old entry(ies), keep
  both, or skip; ``--replace`` / ``--keep-both`` answer in advance. Without a terminal and
  without either, nothing is saved and the command fails with
  :class:`~twostep.authenticator.errors.SameAccountError` (exit 9).

A replacing entry takes the id and place of the (first) old one, and keeps its note, groups,
favourite mark and icon unless it brings its own; every old entry with that label goes (the
previous vault stays in ``*.bak``). Everything is saved at once
(:meth:`~twostep.authenticator.unlocked_vault.Authenticator.add_replacing`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from twostep.authenticator import opening
from twostep.authenticator.entry import Entry
from twostep.authenticator.errors import DuplicateEntryError, SameAccountError, UsageError

__all__ = ["add_options", "cmd_add"]

Action = Literal["add", "replace", "skip", "present"]


def _out(text: str) -> None:
    print(text)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def add_options(p: argparse.ArgumentParser, otp_parameters: Callable[..., None]) -> None:
    """The options of ``add`` (the CLI's parser builder calls this; ``otp_parameters`` adds
    --type, --algorithm, --digits, --period and --counter to a group)."""
    source = p.add_argument_group("source (one of)")
    source.add_argument("--uri", help="an otpauth:// URI")
    source.add_argument("--qr", nargs="+", metavar="IMAGE", help="image file(s) with QR codes")
    source.add_argument(
        "--screen", action="store_true", help="find QR codes on the screen (all monitors)"
    )
    manual = p.add_argument_group("by hand")
    manual.add_argument("--issuer", help="the service (GitHub, ACME...)")
    manual.add_argument("--account", help="your account name there")
    manual.add_argument("--secret", help="the base32 key (asked for when omitted)")
    otp_parameters(manual, counter_default=0)
    extra = p.add_argument_group("options")
    extra.add_argument("--note", help="a note to keep with the entry")
    extra.add_argument(
        "--group", action="append", default=[], help="a group/tag (repeat for several)"
    )
    extra.add_argument("--favorite", action="store_true", help="mark as favourite")
    again = p.add_argument_group(
        "when the issuer and account are already in the vault",
        "A new secret for them (a re-enrolment: a reset, or a new QR code during setup) is\n"
        "asked about on a terminal: replace the old entry, keep both, or skip. Without a\n"
        "terminal, pass one of these, or add fails with exit 9 and saves nothing. The very\n"
        "same account (same secret) is not added twice (exit 6) unless --keep-both.",
    ).add_mutually_exclusive_group()
    again.add_argument(
        "--replace",
        action="store_true",
        help="replace the old entry (its note, groups and id are kept)",
    )
    again.add_argument(
        "--keep-both",
        "--force",
        dest="keep_both",
        action="store_true",
        help="add a second entry beside the old one",
    )


def _manual_account(args: argparse.Namespace) -> Any:
    from twostep.otp import Account, Algorithm, OtpType, Secret

    secret_text = args.secret
    if secret_text is None:
        secret_text = opening.read_password(
            "Secret (base32): ", stdin=False, what="the secret", hint="pass it with --secret"
        )
    return Account(
        secret=Secret.from_base32(secret_text),
        type=OtpType(args.type or "totp"),
        issuer=args.issuer or "",
        name=args.account or "",
        algorithm=Algorithm.parse(args.algorithm),
        digits=args.digits if args.digits is not None else (5 if args.type == "steam" else 6),
        period=args.period,
        counter=args.counter,
    )


def _accounts(args: argparse.Namespace) -> tuple[list[Any], tuple[str, ...]]:
    sources = sum(bool(x) for x in (args.uri, args.qr, args.screen))
    manual = args.issuer is not None or args.account is not None or args.secret is not None
    if sources + manual != 1:
        raise UsageError(
            "add takes one source: --uri URI, --qr IMAGE..., --screen, "
            "or --issuer/--account/--secret"
        )
    if args.uri:
        from twostep.otp import parse_uri

        return [parse_uri(args.uri)], ()
    if args.qr or args.screen:
        from twostep.authenticator import qrscan

        scan = qrscan.scan_images(args.qr) if args.qr else qrscan.scan_screen()
        return list(scan.accounts), scan.notes
    if not args.secret and not (args.issuer or args.account):
        raise UsageError("give at least --issuer or --account with --secret")
    return [_manual_account(args)], ()


def _describe(old: Sequence[Entry]) -> str:
    """``twostep:carol is`` / ``3 entries twostep:carol are``, then ``already in the vault with
    another secret (added 2026-12-04 10:00, id 1a2b3c4d)``."""
    details = "; ".join(
        (time.strftime("added %Y-%m-%d %H:%M, ", time.localtime(e.created_at)) * bool(e.created_at))
        + f"id {e.id[:8]}"
        for e in old
    )
    label = old[0].label or "(no name)"
    who = f"{label} is" if len(old) == 1 else f"{len(old)} entries {label} are"
    return f"{who} already in the vault with another secret ({details})"


def _ask(entry: Entry, old: Sequence[Entry]) -> Action:
    they = "it" if len(old) == 1 else "them"
    _err(f"{_describe(old)}. After a re-enrolment only the new one gives valid codes.")
    answer = input(f"Replace {they} with the new one? [y]es / [k]eep both / [N]o, skip: ")
    choice = answer.strip().casefold()
    if choice in ("y", "yes", "r", "replace"):
        return "replace"
    if choice in ("k", "keep", "keep both", "b", "both"):
        return "add"
    return "skip"


def _plan(
    new: Sequence[Entry], current: Sequence[Entry], args: argparse.Namespace
) -> list[tuple[Entry, Action, tuple[Entry, ...]]]:
    """What to do with each new entry, and the entries with its label already there (in the
    vault, or earlier in ``new``: two codes for one account in the same images)."""
    plan: list[tuple[Entry, Action, tuple[Entry, ...]]] = []
    conflicts: list[tuple[Entry, ...]] = []
    seen = list(current)
    for entry in new:
        same = tuple(old for old in seen if old.same_label(entry))
        action: Action
        if not same or args.keep_both:
            action = "add"
        elif args.replace:
            action = "replace"
        elif any(old.same_account(entry) for old in same):
            action = "present"
        elif sys.stdin.isatty():
            action = _ask(entry, same)
        else:
            conflicts.append(same)
            continue
        plan.append((entry, action, same))
        if action == "replace":
            seen = [old for old in seen if old not in same]
        if action in ("add", "replace"):
            seen.append(entry)
    if conflicts:
        listed = "; ".join(_describe(same) for same in conflicts)
        raise SameAccountError(
            f"{listed}: a re-enrolment? Nothing was added. There is no terminal to ask on: pass "
            "--replace to replace the old entry with the new one, or --keep-both to keep both"
        )
    return plan


def cmd_add(args: argparse.Namespace) -> int:
    accounts, notes = _accounts(args)
    auth = opening.open_vault(password_stdin=bool(getattr(args, "password_stdin", False)))
    entries = [
        Entry(a, note=args.note or "", groups=tuple(args.group), favorite=args.favorite)
        for a in accounts
    ]
    plan = _plan(entries, auth.entries(), args)
    changes = [
        (entry, tuple(e.id for e in same) if action == "replace" else ())
        for entry, action, same in plan
        if action in ("add", "replace")
    ]
    saved = auth.add_replacing(changes) if changes else []
    for note in notes:
        _err(f"twostep-auth: note: {note}")
    for entry, replaced in saved:
        a = entry.account
        detail = f"{a.type.value.upper()}, {a.digits} digits, " + (
            f"{a.period} s" if a.is_time_based else f"counter {a.counter}"
        )
        label = entry.label or "(no name)"
        if replaced:
            what = label if replaced == 1 else f"the {replaced} entries {label}"
            _out(f"Replaced {what} with the new one ({detail}); the previous vault is in *.bak.")
        else:
            _out(f"Added {label} ({detail}).")
        if a.secret.is_below_rfc_minimum:
            _err(
                f"twostep-auth: warning: {entry.label}: the secret has {a.secret.bits} bits, "
                "below RFC 4226's 128"
            )
    skipped = [entry for entry, action, _ in plan if action == "skip"]
    for entry in skipped:
        _err(f"twostep-auth: not added: {entry.label or '(no name)'} (the old entry is kept)")
    present = [entry for entry, action, _ in plan if action == "present"]
    if present:
        names = ", ".join(e.label or "(no name)" for e in present)
        raise DuplicateEntryError(
            f"already in the vault, not added: {names} (use --keep-both or --force to add a "
            "second copy)"
        )
    return 1 if skipped and not changes else 0
