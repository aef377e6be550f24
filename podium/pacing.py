"""Client-side pacing so a burst never draws a 429: a global and a per-channel sliding window."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """At most `limit` events in any `window` seconds."""

    def __init__(self, limit: int, window: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._monotonic = monotonic
        self._events: deque[float] = deque()

    def delay(self) -> float:
        """Seconds to wait before one more event fits (0 if it fits now)."""
        if self.used() < self.limit:
            return 0.0
        return self.window - (self._monotonic() - self._events[0])

    def record(self) -> None:
        """Count one event now."""
        self._events.append(self._monotonic())

    def oldest(self) -> float:
        """When the oldest event still in the window happened."""
        return self._events[0] if self._events else self._monotonic()

    def used(self) -> int:
        """Events in the current window."""
        now = self._monotonic()
        while self._events and now - self._events[0] >= self.window:
            self._events.popleft()
        return len(self._events)

    @property
    def idle(self) -> bool:
        """No event in the current window (the window can be forgotten)."""
        return not self._events or self._monotonic() - self._events[-1] >= self.window


class Pacer:
    """Waits until a request fits under both the global and its channel's limit, then counts it."""

    def __init__(
        self,
        per_second: float,
        channel_limit: int = 5,
        channel_window: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self._global = SlidingWindow(max(1, int(per_second)), 1.0, monotonic)
        # A little slack over Discord's 5 per 5 s: our clock and Discord's see a request at slightly
        # different instants.
        self._channel_limit = channel_limit
        self._channel_window = channel_window * 1.05
        self._channels: dict[int, SlidingWindow] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, channel_id: int | None = None) -> None:
        """Wait for a slot for one request (to `channel_id`, if it is a message to a channel)."""
        # One waiter at a time: FIFO, and two waiters never both see the same free slot.
        async with self._lock:
            while True:
                window = self._channel(channel_id) if channel_id is not None else None
                wait = max(self._global.delay(), window.delay() if window else 0.0)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._global.record()
            if window is not None:
                window.record()

    def load(self) -> float:
        """How much of the global per-second budget the last second used (0.0 to 1.0)."""
        return self._global.used() / self._global.limit

    async def wait_for_spare(self, max_load: float) -> None:
        """Wait until the last second used at most `max_load` of the budget (background work yields)."""
        # The condition changes only as time passes, so sleeping until the oldest counted request
        # leaves the window is exact; there is no event to wait on.
        while self.load() > max_load:  # noqa: ASYNC110
            await asyncio.sleep(max(0.01, self._global.window - (self._monotonic() - self._global.oldest())))

    def _channel(self, channel_id: int) -> SlidingWindow:
        window = self._channels.get(channel_id)
        if window is None:
            if len(self._channels) > 1000:
                # Forget idle channels so a month of DMs to thousands of people costs no memory.
                self._channels = {cid: w for cid, w in self._channels.items() if not w.idle}
            window = self._channels[channel_id] = SlidingWindow(
                self._channel_limit, self._channel_window, self._monotonic
            )
        return window
