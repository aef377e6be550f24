"""Background loops that keep time on the monotonic clock.

nextcord's `tasks.loop` schedules each iteration at a wall-clock instant: when the machine's clock is stepped
back by D seconds (NTP, a VM resumed), the loop sleeps D seconds more (measured: an hour's step back stalled
an interval loop for an hour). Delivery must not depend on that, so Podium's loops are plain tasks whose
waits are on the event loop's monotonic clock; each body re-reads the wall clock when it wakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# After a failed pass, wait this long before the next, so a persistent error does not spin.
ERROR_PAUSE_SECONDS = 1.0


class MonotonicLoop:
    """Run `body` again and again (it does its own waiting), or every `interval` seconds; errors never end it."""

    def __init__(
        self,
        name: str,
        body: Callable[[], Awaitable[object]],
        *,
        interval: float = 0.0,
        before: Callable[[], Awaitable[object]] | None = None,
        error_pause: float = ERROR_PAUSE_SECONDS,
    ) -> None:
        self.name = name
        self.body = body
        self.interval = interval
        self.before = before
        self.error_pause = error_pause
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop as a task of the running event loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    @property
    def running(self) -> bool:
        """Started and not stopped."""
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """Cancel the loop and wait until it has stopped."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def cancel(self) -> None:
        """Cancel without waiting (from synchronous code)."""
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        if self.before is not None:
            await self.before()
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await self.body()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: a pass failed; trying again in %.0f s", self.name, self.error_pause)
                await asyncio.sleep(self.error_pause)
                continue
            if self.interval > 0:
                # loop.time() is monotonic: a wall-clock step changes nothing here.
                await asyncio.sleep(max(0.0, self.interval - (loop.time() - started)))
