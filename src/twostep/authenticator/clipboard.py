"""Put a code on the clipboard, and clear it again a little later.

:func:`copy_code` copies with ``pyperclip`` (xclip/xsel on X11, wl-copy on Wayland, pbcopy on
macOS) and starts a detached helper process (``python -m twostep.authenticator.clipboard``) that
waits ``clear_after`` seconds and then empties the clipboard, but only if it still holds the
code (the user may have copied something else meanwhile). The code reaches the helper on its
standard input, never on its command line (visible to other users in ``ps``).
"""

from __future__ import annotations

import contextlib
import hmac
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any, Final

from twostep.authenticator.errors import ClipboardError

__all__ = ["DEFAULT_CLEAR_AFTER", "copy_code"]

#: Seconds after which a copied code is cleared from the clipboard.
DEFAULT_CLEAR_AFTER: Final = 30.0


def _pyperclip() -> Any:
    import pyperclip  # type: ignore[import-untyped]

    return pyperclip


def _functions() -> tuple[Any, Any, type[Exception]]:
    """pyperclip's (copy, paste) for the environment as it is now, and its exception."""
    pyperclip = _pyperclip()
    copy, paste = pyperclip.determine_clipboard()
    return copy, paste, pyperclip.PyperclipException


@contextlib.contextmanager
def _output_detached() -> Iterator[None]:
    """Point fds 1 and 2 at /dev/null while pyperclip runs: ``xclip`` stays in the background
    to serve the clipboard and would otherwise hold our stdout open, so that a caller reading
    it until EOF (``$(twostep-auth code x --copy)``, a test) would wait for ever."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)


def _reads_back(paste: Any, text: str, attempts: int = 20) -> bool:
    """Whether the clipboard holds ``text``; xclip takes the selection from a background
    process, so the first read may still see the previous content."""
    for attempt in range(attempts):
        if hmac.compare_digest(str(paste()).encode(), text.encode()):
            return True
        time.sleep(0.02 * (attempt + 1))
    return False


def _copy(text: str, *, detach_output: bool = True) -> None:
    """Copy, then read back: xclip and friends can fail without saying so (X server gone)."""
    copy, paste, failure = _functions()
    try:
        with _output_detached() if detach_output else contextlib.nullcontext():
            copy(text)
            ok = _reads_back(paste, text)
    except failure as exc:
        raise ClipboardError(
            "no clipboard available (on X11 install xclip or xsel, on Wayland wl-clipboard; "
            "over SSH there is none)",
            detail=str(exc),
        ) from None
    if not ok:
        raise ClipboardError("the clipboard did not take the code (is the display still there?)")


def copy_code(
    code: str, *, clear_after: float = DEFAULT_CLEAR_AFTER, detach_output: bool = True
) -> None:
    """Copy ``code``; clear it after ``clear_after`` seconds (0: never). A full-screen caller
    passes ``detach_output=False`` (its output is a terminal, nobody waits for EOF)."""
    _copy(code, detach_output=detach_output)
    if clear_after <= 0:
        return
    helper = subprocess.Popen(
        [sys.executable, "-m", "twostep.authenticator.clipboard", str(clear_after)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # survives the terminal closing and Ctrl-C
        close_fds=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert helper.stdin is not None
    helper.stdin.write(code.encode())
    helper.stdin.close()
    # Not waited for: it outlives us (the kernel's init reaps it).
    helper.returncode = 0  # keep Popen.__del__ from warning about a running child


def _clear_later(code: str, delay: float) -> None:
    time.sleep(delay)
    copy, paste, failure = _functions()
    try:
        if hmac.compare_digest(str(paste()).encode(), code.encode()):
            copy("")
    except failure:  # pragma: no cover - the clipboard went away
        pass


if __name__ == "__main__":  # the detached helper
    _clear_later(sys.stdin.read(), float(sys.argv[1]))
