"""Client-side pacing so a burst never draws a 429: a smooth global rate and a per-channel window."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

# Discord allows ~5 messages per 5 s per channel. A little slack: our clock and Discord's see a
# request at slightly different instants.
CHANNEL_LIMIT = 5
CHANNEL_WINDOW = 5.0 * 1.05
# Requests the global bucket lets through back to back after a quiet spell. Small, so that requests
# stay evenly spaced: a sliding window of N per second lets N go at once whenever N slots expire
# together, and a few milliseconds of jitter then puts two such bunches into one of Discord's seconds.
GLOBAL_BURST = 3


class SlidingWindow:
    """At most `limit` events in any `window` seconds."""

    def __init__(self, limit: int, window: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._monotonic = monotonic
        self._events: deque[float] = deque()

    def used(self) -> int:
        """Events in the current window."""
        now = self._monotonic()
        while self._events and now - self._events[0] >= self.window:
            self._events.popleft()
        return len(self._events)

    def delay(self) -> float:
        """Seconds to wait before one more event fits (0 if it fits now)."""
        if self.used() < self.limit:
            return 0.0
        return self.window - (self._monotonic() - self._events[0])

    def record(self) -> None:
        """Count one event now."""
        self._events.append(self._monotonic())

    def unrecord(self) -> None:
        """Take back the latest event (it did not happen after all)."""
        if self._events:
            self._events.pop()

    @property
    def idle(self) -> bool:
        """No event in the current window (the window can be forgotten)."""
        return not self._events or self._monotonic() - self._events[-1] >= self.window


class TokenBucket:
    """`rate` tokens per second, holding at most `capacity`."""

    def __init__(self, rate: float, capacity: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = capacity
        self._monotonic = monotonic
        self._tokens = float(capacity)
        self._at = monotonic()

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def delay(self) -> float:
        """Seconds until a token is available (0 if one is)."""
        self._refill()
        # The epsilon keeps float rounding from asking for a wait of 1e-17 s forever.
        return 0.0 if self._tokens >= 1 - 1e-9 else (1 - self._tokens) / self.rate

    def take(self) -> None:
        """Use one token."""
        self._refill()
        self._tokens -= 1

    def give_back(self) -> None:
        """Return one token."""
        self._tokens = min(self.capacity, self._tokens + 1)


class Pacer:
    """Waits until a request fits under the global rate and its channel's limit, then counts it."""

    def __init__(
        self,
        per_second: float,
        channel_limit: int = CHANNEL_LIMIT,
        channel_window: float = CHANNEL_WINDOW,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self._per_second = per_second
        self._global = TokenBucket(per_second, GLOBAL_BURST, monotonic)
        self._recent = SlidingWindow(10**9, 1.0, monotonic)  # only measures the load
        self._channel_limit = channel_limit
        self._channel_window = channel_window
        self._channels: dict[int, SlidingWindow] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, channel_id: int | None = None) -> None:
        """Wait for a slot for one request (to `channel_id`, if it posts a message there)."""
        # One waiter at a time: FIFO, and two waiters never both see the same free slot.
        async with self._lock:
            while True:
                window = self._channel(channel_id) if channel_id is not None else None
                wait = max(self._global.delay(), window.delay() if window else 0.0)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._global.take()
            self._recent.record()
            if window is not None:
                window.record()

    def refund(self, channel_id: int | None = None) -> None:
        """The request counted by the last acquire() was not sent after all."""
        self._global.give_back()
        self._recent.unrecord()
        if channel_id is not None and channel_id in self._channels:
            self._channels[channel_id].unrecord()

    def load(self) -> float:
        """How much of the per-second budget the last second used (0.0 to 1.0)."""
        return self._recent.used() / self._per_second

    async def wait_for_spare(self, max_load: float) -> None:
        """Wait until the last second used at most `max_load` of the budget (background work yields)."""
        # The load falls only as time passes, so a short sleep is exact enough; there is no event to wait on.
        while self.load() > max_load:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

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
