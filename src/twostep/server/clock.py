"""The clock: a callable returning the current time as an aware UTC ``datetime``.

Services take ``clock`` as an argument (tests pass a :class:`FakeClock`); only the edges (views,
CLI) call :func:`get_clock` to get the configured one:

- ``settings.TWOSTEP_CLOCK`` when set (a callable; the test suite's fixtures use this);
- else, when ``TWOSTEP_FAKE_CLOCK_FILE`` is configured, the system clock plus the number of
  seconds written in that file (lets an end-to-end test move a running server's clock; for tests
  only: ``twostep check`` warns when it is set);
- else the system clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["Clock", "FakeClock", "FileOffsetClock", "get_clock", "system_clock"]

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class FakeClock:
    """A clock that stands still until moved: ``clock.advance(seconds=30)``."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
        if self.now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class FileOffsetClock:
    """The system clock shifted by the number of seconds in a file (missing file: no shift)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def offset(self) -> float:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return 0.0
        return float(text or 0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset())


def get_clock() -> Clock:
    from django.conf import settings

    configured = getattr(settings, "TWOSTEP_CLOCK", None)
    if configured is not None:
        return configured  # type: ignore[no-any-return]
    path = getattr(settings, "TWOSTEP_FAKE_CLOCK_FILE", None)
    if path:
        return FileOffsetClock(Path(path))
    return system_clock
