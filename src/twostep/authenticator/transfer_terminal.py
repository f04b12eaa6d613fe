"""The terminal side of ``twostep-auth import`` and ``export``: output, confirmations and the
progress bar, shared by :mod:`.import_cli` and :mod:`.export_cli`."""

from __future__ import annotations

import sys

__all__ = ["PROGRESS_MIN_BYTES", "PROGRESS_MIN_ENTRIES"]

#: Show a progress bar (on a terminal) for files at least this large or with this many entries.
PROGRESS_MIN_BYTES = 1024 * 1024
PROGRESS_MIN_ENTRIES = 200


def _out(text: str = "") -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm(question: str, *, default: bool, yes: bool, needed_for: str) -> bool:
    """Ask on the terminal; ``--yes`` answers yes. Without a terminal, a question that guards
    something risky (``default=False``) fails with a hint instead of guessing."""
    from twostep.authenticator.errors import UsageError

    if yes:
        return True
    if not _interactive():
        if default:
            return True
        raise UsageError(f"{needed_for}: add --yes to confirm (there is no terminal to ask on)")
    hint = "[Y/n]" if default else "[y/N]"
    sys.stderr.write(f"{question} {hint} ")
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    if not answer:
        return default
    return answer in ("y", "yes")


class _Progress:
    """A one-line progress bar on stderr, drawn only on a terminal, for a large file or one
    with many entries (``verb``: what is being done, "reading" or "saving")."""

    def __init__(self, *, large_file: bool, verb: str = "reading") -> None:
        self.terminal = sys.stderr.isatty()
        self.large_file = large_file
        self.verb = verb
        self.drawn = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.terminal or not (self.large_file or total >= PROGRESS_MIN_ENTRIES):
            return
        percent = done * 100 // max(total, 1)
        if percent == self.drawn:
            return
        self.drawn = percent
        filled = percent * 30 // 100
        bar = f"[{'#' * filled}{' ' * (30 - filled)}]"
        sys.stderr.write(f"\r  {self.verb:<7} {bar} {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
