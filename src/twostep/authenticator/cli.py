"""``twostep-auth``: placeholder until the authenticator lands; prints codes for URIs."""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="twostep-auth", description="TOTP authenticator")
    sub = parser.add_subparsers(dest="command", required=True)
    code = sub.add_parser("code", help="print the current code for an otpauth:// URI")
    code.add_argument("--uri", required=True)
    code.add_argument("--at", type=float)
    args = parser.parse_args(argv)
    from twostep.otp import OTPError, parse_uri

    try:
        account = parse_uri(args.uri)
        print(account.generate(time.time() if args.at is None else args.at))
    except OTPError as exc:
        print(f"twostep-auth: {exc}", file=sys.stderr)
        return 1
    return 0
