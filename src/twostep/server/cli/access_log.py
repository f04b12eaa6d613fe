"""gunicorn's access log (``twostep serve --access-log``) without tokens or codes.

Every atom of a log line goes through :func:`~twostep.server.logs.redact` before it is
formatted, whatever ``access_log_format`` names, so no format can bring a secret back (the
query of the setup link, an invitation's path, ``Authorization``, a ``Referer``).

- :class:`RedactingLogger`: gunicorn's logger with redacted atoms (``logger_class``);
- :class:`JsonAccessLogger`: the same, each request one JSON object a line
  (``TWOSTEP_LOG_FORMAT=json``), and gunicorn's own messages as JSON lines too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

from ..logs import REDACTED, JsonFormatter, json_line, redact

__all__ = ["REDACTED", "JsonAccessLogger", "RedactingLogger", "redact"]


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger; every atom of an access log line redacted (:func:`redact`)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            name: redact(value) if isinstance(value, str) else value
            for name, value in atoms.items()
        }


class JsonAccessLogger(RedactingLogger):
    """Access lines as JSON: time, client and peer address, method, path (with the query,
    redacted), status, bytes, duration, user agent, referer."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if not (self.cfg.accesslog or self.cfg.logconfig or self.cfg.syslog):
            return
        atoms = self.atoms(resp, req, environ, request_time)
        query = environ.get("QUERY_STRING") or ""
        # Redacted whole: the query's secrets are found by the "?" or "&" before their name.
        path = redact(atoms.get("U", "") + ("?" + query if query else ""))
        line = json_line(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "logger": "access",
                "peer": atoms.get("h"),
                "forwarded_for": _none(atoms.get("{x-forwarded-for}i")),
                "method": atoms.get("m"),
                "path": path,
                "protocol": atoms.get("H"),
                "status": int(atoms["s"]) if str(atoms.get("s", "")).isdigit() else atoms.get("s"),
                "bytes": _int(atoms.get("B")),
                "duration_ms": round(request_time.total_seconds() * 1000, 3),
                "user_agent": _none(atoms.get("a")),
                "referer": _none(atoms.get("f")),
            }
        )
        try:
            self.access_log.log(logging.INFO, "%s", line)
        except Exception:  # as gunicorn's own access(): a log line never fails a request
            self.error("Failed to log the request as JSON")


def _none(value: Any) -> Any:
    return None if value in (None, "-", "") else value


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
