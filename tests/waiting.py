"""The one helper for waiting on a condition nothing announces (a database row, a flag): never a fixed sleep.

Most waits have an event: the fake Discord's `wait_for_message` / `wait_for_request` / `wait_for_response`, or a
bot's own output (`BotProcess.wait_for_output`). What the bot writes to its database has none: a row changes
state just after the request that caused it. `eventually` re-checks such a condition each time the fake records
a request (the bot did something), and otherwise every `recheck` seconds, until it holds or `timeout` passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fake_discord import FakeDiscord, RecordedRequest

RECHECK_SECONDS = 0.05


async def eventually[T](condition: Callable[[], T | Awaitable[T]], *, what: str | None = None,
                        fake: FakeDiscord | None = None, timeout: float = 10.0,  # noqa: ASYNC109
                        recheck: float = RECHECK_SECONDS) -> T:
    """The first truthy value of `condition()` (awaited if it is a coroutine).

    AssertionError naming `what` (and the last value seen) after `timeout`.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        since = time.time()
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"not within {timeout} s: {what or condition} (last seen: {value!r})")
        pause = min(recheck, remaining)
        if fake is None:
            # Nothing to wake us early: the bounded re-check is the wait (the condition is read, not slept on).
            await asyncio.sleep(pause)
        else:
            def newer(request: RecordedRequest, since: float = since) -> bool:
                return request.at >= since

            with contextlib.suppress(TimeoutError):
                await fake.wait_for_request(newer, timeout=pause)
