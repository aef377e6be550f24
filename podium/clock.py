"""The one source of "now": aware UTC, injectable so tests control time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
