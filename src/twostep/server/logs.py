"""Log lines as JSON objects (``TWOSTEP_LOG_FORMAT=json``), one a line, for a log shipper.

:class:`JsonFormatter` writes ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, the
fields a record carries in its ``audit`` or ``access`` extra (``twostep.server.metrics``,
``cli.access_log``), and ``error`` with the traceback of an exception. Every string goes
through :func:`redact` before it is written.

:func:`redact` (text) -> the text with secrets replaced by ``[redacted]``. A request line
carries them in three places: the query (the one-time setup link ``/welcome/?token=...``), the
path (an invitation ``/console/join/<token>/``) and the headers (``Authorization: Bearer
tsk_...``, a ``Referer`` that repeats the setup link).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any, Final

__all__ = ["REDACTED", "JsonFormatter", "json_line", "redact"]

REDACTED: Final = "[redacted]"

# Query parameters whose value is a secret (any case, percent-encoded names included).
_SECRET_PARAMS: Final = re.compile(
    r"(?i)([?&;](?:[^=&;#\s]*?(?:token|code|key|secret|password|passwd)[^=&;#\s]*)=)[^&;#\s\"]*"
)
# Path segments that are tokens: the invitation and sync verification links, and any twostep
# token wherever it is.
_SECRET_PATHS: Final = re.compile(r"(/join/|/sync/verify/)[^/?#\s\"]+")
_TOKENS: Final = re.compile(r"\bts[a-z]_[0-9a-f]{12}_[A-Za-z0-9_-]+")
_BEARER: Final = re.compile(r"(?i)\b(bearer|basic)\s+\S+")


def redact(text: str) -> str:
    text = _SECRET_PARAMS.sub(lambda m: m.group(1) + REDACTED, text)
    text = _SECRET_PATHS.sub(lambda m: m.group(1) + REDACTED, text)
    text = _TOKENS.sub(REDACTED, text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def json_line(fields: dict[str, Any]) -> str:
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for extra in ("audit", "access"):
            value = getattr(record, extra, None)
            if isinstance(value, dict):
                fields.update(value)
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info)
        return json_line({k: redact(v) if isinstance(v, str) else v for k, v in fields.items()})
