"""Client-side pacing so a burst never draws a 429: a smooth global rate and a per-channel window."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

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

    def record(self) -> float:
        """Count one event now; the instant it was counted at (to take back that one event)."""
        at = self._monotonic()
        self._events.append(at)
        return at

    def unrecord(self, at: float) -> None:
        """Take back the event counted at `at` (it did not happen after all); a no-op once it left the window."""
        # Not the latest: another request may have been counted since, and it did leave.
        with contextlib.suppress(ValueError):
            self._events.remove(at)

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


@dataclass(frozen=True, slots=True)
class Ticket:
    """One counted request: what `Pacer.refund` takes back if it was not sent after all."""

    at: float
    channel_id: int | None = None
    channel_at: float | None = None


class ChannelBusy(Exception):
    """The channel has no room within the caller's patience: nothing was counted; come back after `delay` s."""

    def __init__(self, channel_id: int, delay: float) -> None:
        super().__init__(f"channel {channel_id} has no room for {delay:.2f} s")
        self.channel_id = channel_id
        self.delay = delay


class _Channel:
    """One channel's window, its own queue, and how long Discord told us to leave it alone."""

    __slots__ = ("blocked_until", "lock", "window")

    def __init__(self, window: SlidingWindow) -> None:
        self.window = window
        self.lock = asyncio.Lock()
        self.blocked_until = float("-inf")

    def idle(self, now: float) -> bool:
        return self.window.idle and not self.lock.locked() and self.blocked_until <= now


class Pacer:
    """Waits until a request fits under the global rate and its channel's limit, then counts it.

    A channel's waiters queue behind each other only: the global slot is taken once the channel has room,
    so a busy announcement channel never delays a DM. Discord's 429s tighten both: `block()` closes one
    channel for its `retry_after`, `pause()` everything (a global 429).
    """

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
        self._global_lock = asyncio.Lock()
        self._paused_until = float("-inf")
        self._recent = SlidingWindow(10**9, 1.0, monotonic)  # only measures the load
        self._channel_limit = channel_limit
        self._channel_window = channel_window
        self._channels: dict[int, _Channel] = {}

    async def acquire(self, channel_id: int | None = None, *, max_wait: float | None = None) -> Ticket:
        """Wait for a slot for one request (to `channel_id`, if it posts a message there); its ticket.

        With `max_wait`, a channel that has no room within that many seconds raises ChannelBusy at once
        instead of holding the caller (the dispatcher then puts the message back until the channel has room).
        """
        if channel_id is None:
            return Ticket(await self._take_global())
        channel = self._channel(channel_id)
        # FIFO per channel: two waiters never both see the same free slot; other channels are not queued here.
        async with channel.lock:
            while (wait := self.channel_delay(channel_id)) > 0:
                if max_wait is not None and wait > max_wait:
                    raise ChannelBusy(channel_id, wait)
                await asyncio.sleep(wait)
            at = await self._take_global()
            return Ticket(at, channel_id, channel.window.record())

    async def _take_global(self) -> float:
        async with self._global_lock:
            # Time-based: the token bucket refills as time passes; there is no event to wait on.
            while (wait := max(self._global.delay(), self._paused_until - self._monotonic())) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)
            self._global.take()
            return self._recent.record()

    def channel_delay(self, channel_id: int) -> float:
        """Seconds until one more message fits in this channel (0 if it fits now)."""
        channel = self._channels.get(channel_id)
        if channel is None:
            return 0.0
        return max(0.0, channel.window.delay(), channel.blocked_until - self._monotonic())

    def refund(self, ticket: Ticket) -> None:
        """The request this ticket counted was not sent after all: take back exactly its events."""
        self._global.give_back()
        self._recent.unrecord(ticket.at)
        channel = self._channels.get(ticket.channel_id) if ticket.channel_id is not None else None
        if channel is not None and ticket.channel_at is not None:
            channel.window.unrecord(ticket.channel_at)

    def block(self, channel_id: int, seconds: float) -> None:
        """Discord said this channel's limit is used up (a 429 for the route): nothing goes there for `seconds`."""
        channel = self._channel(channel_id)
        channel.blocked_until = max(channel.blocked_until, self._monotonic() + seconds)

    def pause(self, seconds: float) -> None:
        """Discord said the bot's global limit is used up (a global 429): no request leaves for `seconds`."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def load(self) -> float:
        """How much of the per-second budget the last second used (0.0 to 1.0)."""
        return self._recent.used() / self._per_second

    async def wait_for_spare(self, max_load: float) -> None:
        """Wait until the last second used at most `max_load` of the budget (background work yields)."""
        # The load falls only as time passes, so a short sleep is exact enough; there is no event to wait on.
        while self.load() > max_load or self._paused_until > self._monotonic():  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    def _channel(self, channel_id: int) -> _Channel:
        channel = self._channels.get(channel_id)
        if channel is None:
            if len(self._channels) > 1000:
                # Forget idle channels so a month of DMs to thousands of people costs no memory.
                now = self._monotonic()
                self._channels = {cid: c for cid, c in self._channels.items() if not c.idle(now)}
            channel = self._channels[channel_id] = _Channel(
                SlidingWindow(self._channel_limit, self._channel_window, self._monotonic)
            )
        return channel
