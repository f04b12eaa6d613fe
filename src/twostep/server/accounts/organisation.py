"""The organisation's name: the issuer in every authenticator app's entry (QR codes and
``otpauth://`` URIs), the pages' titles and the mails' subjects.

- ``organisation_name() -> str`` the name now ("twostep" until one is set);
- ``rename_organisation(name, *, actor, clock, address=None) -> str`` checks and stores a new
  name (audited); returns it. Accounts already added to authenticator apps keep the name they
  were added with: an app never learns of the change.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from ..audit.services import Events, record
from ..clock import Clock
from ..errors import InvalidUserDataError
from .models import Organisation, User

__all__ = ["DEFAULT_NAME", "MAX_NAME", "organisation_name", "rename_organisation"]

DEFAULT_NAME: Final = "twostep"
MAX_NAME: Final = 100


def organisation_name() -> str:
    name = Organisation.objects.filter(pk=1).values_list("name", flat=True).first()
    return name or DEFAULT_NAME


def _clean(name: object) -> str:
    text = unicodedata.normalize("NFKC", name if isinstance(name, str) else "").strip()
    text = " ".join(text.split())  # one line: it is a title and a mail subject
    if not text or len(text) > MAX_NAME:
        raise InvalidUserDataError(
            "name", f"Give the organisation a name of 1 to {MAX_NAME} characters."
        )
    if ":" in text:
        # otpauth://totp/Issuer:account: apps split the label at the colon.
        raise InvalidUserDataError(
            "name", "Use a name without a colon: authenticator apps read it as a separator."
        )
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise InvalidUserDataError("name", "Use letters, digits, spaces and punctuation only.")
    return text


def rename_organisation(
    name: str, *, actor: User | None, clock: Clock, address: str | None = None
) -> str:
    new = _clean(name)
    org, _ = Organisation.objects.get_or_create(pk=1)
    old = org.name
    if new != old:
        Organisation.objects.filter(pk=1).update(name=new)
        record(
            Events.ORGANISATION_RENAMED, clock=clock, actor=actor, address=address, old=old, new=new
        )
    return new
