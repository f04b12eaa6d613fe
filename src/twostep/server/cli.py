"""``twostep``: placeholder entry point until the server lands."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="twostep", description="twostep server (not yet)")
    parser.parse_args(argv)
    return 0
