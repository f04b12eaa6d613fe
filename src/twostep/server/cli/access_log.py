"""gunicorn's access log (``twostep serve --access-log``) without tokens or codes.

A request line carries secrets in three places: the query (the one-time setup link
``/welcome/?token=...``), the path (an invitation ``/console/join/<token>/``) and the headers
(``Authorization: Bearer tsk_...``, a ``Referer`` that repeats the setup link). Every atom of a
log line goes through :func:`redact` before it is formatted, whatever ``access_log_format``
names, so no format can bring one back.

- :func:`redact` (text) -> the text with those secrets replaced by ``[redacted]``;
- :class:`RedactingLogger`: gunicorn's logger with redacted atoms (``logger_class``).
"""

from __future__ import annotations

import re
from typing import Any, Final

from gunicorn.glogging import Logger

__all__ = ["REDACTED", "RedactingLogger", "redact"]

REDACTED: Final = "[redacted]"

# Query parameters whose value is a secret (any case, percent-encoded names included).
_SECRET_PARAMS: Final = re.compile(
    r"(?i)([?&;](?:[^=&;#\s]*?(?:token|code|key|secret|password|passwd)[^=&;#\s]*)=)[^&;#\s\"]*"
)
# Path segments that are tokens: the invitation link, the sync verification link, and any
# twostep token wherever it is.
_SECRET_PATHS: Final = re.compile(r"(/join/|/sync/verify/)[^/?#\s\"]+")
_TOKENS: Final = re.compile(r"\bts[a-z]_[0-9a-f]{12}_[A-Za-z0-9_-]+")
_BEARER: Final = re.compile(r"(?i)\b(bearer|basic)\s+\S+")


def redact(text: str) -> str:
    text = _SECRET_PARAMS.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SECRET_PATHS.sub(lambda m: m.group(1) + REDACTED, text)
    text = _TOKENS.sub(REDACTED, text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger; every atom of an access log line redacted (:func:`redact`)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }
