"""How guessable a new vault password is, and the refusal of one that is trivially guessable.

The estimate is zxcvbn's (Dropbox's estimator, the Python port: dictionaries of common
passwords, names and words, keyboard patterns, dates, repeats, l33t substitutions). Its score
runs from 0 to 4; below :data:`MIN_SCORE` (fewer than about a million guesses) ``init`` and
``passwd`` refuse the password with zxcvbn's own warning and suggestions, unless the user passes
``--weak-password-ok``. The Argon2id KDF slows each guess down, but an attacker with the vault
file tries guesses on many cores at once, and the top of a password list falls in minutes.

``zxcvbn`` is imported only when a password is checked (it costs a quarter of a second).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

from twostep.authenticator.errors import WeakPasswordError

__all__ = ["MIN_SCORE", "Strength", "check_new_password", "estimate"]

#: The lowest zxcvbn score accepted without ``--weak-password-ok`` (2: "somewhat guessable",
#: more than 10^6 guesses; 0 and 1 are "too guessable" and "very guessable").
MIN_SCORE: Final = 2
#: zxcvbn refuses longer inputs (its matching is quadratic); the first 72 characters of a
#: longer password are estimated, which can only understate its strength.
_MAX_LENGTH: Final = 72
#: Words an attacker would try first for this vault's password.
_CONTEXT: Final = ("twostep", "twostep-auth", "authenticator", "vault", "totp", "password")


@dataclass(frozen=True, slots=True)
class Strength:
    """zxcvbn's verdict: ``score`` 0-4 and its feedback (never the password itself)."""

    score: int
    warning: str
    suggestions: tuple[str, ...]

    @property
    def weak(self) -> bool:
        return self.score < MIN_SCORE

    def reason(self) -> str:
        """The warning and suggestions as one sentence or a few."""
        parts = [self.warning, *self.suggestions]
        text = " ".join(p.strip() for p in parts if p and p.strip())
        return text or "It is short or made of common patterns."


def estimate(password: str) -> Strength:
    from zxcvbn import zxcvbn

    user = [os.environ.get("USER", ""), os.path.basename(os.path.expanduser("~"))]
    result = zxcvbn(password[:_MAX_LENGTH], user_inputs=[*_CONTEXT, *filter(None, user)])
    feedback = result["feedback"]
    return Strength(
        score=int(result["score"]),
        warning=str(feedback.get("warning") or ""),
        suggestions=tuple(str(s) for s in feedback.get("suggestions") or ()),
    )


def check_new_password(password: str, *, weak_ok: bool) -> str | None:
    """Refuse a trivially guessable ``password`` with :class:`WeakPasswordError` (its reason
    included); with ``weak_ok`` return that reason as a warning instead. ``None`` if it is fine.
    """
    strength = estimate(password)
    if not strength.weak:
        return None
    verdict = (
        f"the password is too easy to guess (zxcvbn score {strength.score} of 4, "
        f"{MIN_SCORE} needed): {strength.reason()}"
    )
    if weak_ok:
        return f"warning: {verdict} Using it anyway (--weak-password-ok)."
    raise WeakPasswordError(
        f"{verdict} Choose a longer one (a few uncommon words), or pass --weak-password-ok "
        "to use it anyway."
    )
