"""The one source of "now": aware UTC, injectable so tests control time."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current instant."""

    def now(self) -> datetime:
        """The current instant, aware UTC."""
        ...


class SystemClock:
    """The machine's clock, optionally shifted (tests of a running bot use the shift)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        """The current instant plus the offset, aware UTC."""
        return datetime.now(UTC) + self.offset


class FileClock:
    """The instant written in a file, running on in real time since the file was written (CLOCK_FILE).

    For a bot process that a test or the tour drives: it starts on a fixed day and can jump ahead (rewrite the
    file) to the moment a reminder is due, while waits and rate limits still run in real time.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        """The file's instant plus the time since it was last written, aware UTC."""
        # Read at every call (test-only, ~20 µs): a cache keyed by inode and mtime misses a rewrite that reuses
        # the inode within the file system's mtime granularity.
        written = datetime.fromtimestamp(os.stat(self.path).st_mtime_ns / 1e9, tz=UTC)
        start = datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip()).astimezone(UTC)
        return start + max(datetime.now(UTC) - written, timedelta(0))

    @staticmethod
    def write(path: Path, when: datetime) -> None:
        """Set the clock of every FileClock reading `path` to `when` (aware), atomically."""
        if when.tzinfo is None:
            raise ValueError("FileClock needs an aware datetime")
        partial = path.with_name(path.name + ".new")
        partial.write_text(when.astimezone(UTC).isoformat(), encoding="utf-8")
        partial.replace(path)


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The instant the clock was set to."""
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by a timedelta or a number of seconds; return the new now."""
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to an aware instant."""
        self._now = when.astimezone(UTC)


def to_ms(when: datetime) -> int:
    """An aware datetime as integer unix milliseconds (how the database stores instants)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: Podium stores aware UTC instants only")
    return round(when.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Integer unix milliseconds back to an aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
