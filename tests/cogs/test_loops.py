"""Loops keep time on the monotonic clock: a wall clock stepped back must not stall delivery."""

from __future__ import annotations

import asyncio
import datetime as dt

import nextcord.utils
import pytest
from nextcord.ext import tasks

from cogs._loops import MonotonicLoop
from tests.waiting import eventually

STEP_BACK = dt.timedelta(hours=1)


@pytest.fixture
def wall_clock_stepped_back(monkeypatch):
    """The wall clock runs an hour fast at first, then is stepped back to the right time (NTP, a resumed VM)."""
    real = nextcord.utils.utcnow
    calls = {"n": 0}

    def stepped() -> dt.datetime:
        calls["n"] += 1
        return real() + (STEP_BACK if calls["n"] <= 1 else dt.timedelta(0))

    monkeypatch.setattr(nextcord.utils, "utcnow", stepped)
    monkeypatch.setattr(tasks, "utcnow", stepped)


async def count_iterations(start, stop, seconds: float, counter: list[int]) -> int:
    start()
    # A window of real time is the measure here: how many iterations fit in it.
    await asyncio.sleep(seconds)
    await stop()
    return len(counter)


async def test_nextcord_tasks_loop_stalls_when_the_wall_clock_steps_back(wall_clock_stepped_back):
    """Why Podium does not use tasks.loop for delivery (documents nextcord 3.2's behaviour)."""
    ran: list[int] = []

    @tasks.loop(seconds=0.05)
    async def body() -> None:
        ran.append(1)

    async def stop() -> None:
        body.cancel()

    assert await count_iterations(body.start, stop, 0.6, ran) <= 2


async def test_monotonic_loop_keeps_going_when_the_wall_clock_steps_back(wall_clock_stepped_back):
    ran: list[int] = []

    async def body() -> None:
        nextcord.utils.utcnow()  # bodies read the wall clock; the loop's waits do not depend on it
        ran.append(1)

    loop = MonotonicLoop("test", body, interval=0.05)
    assert await count_iterations(loop.start, loop.stop, 0.6, ran) >= 6


async def test_monotonic_loop_survives_errors_and_runs_before_once():
    events: list[str] = []

    async def before() -> None:
        events.append("before")

    async def body() -> None:
        events.append("body")
        if events.count("body") == 1:
            raise RuntimeError("boom")  # logged; the loop goes on
        await asyncio.sleep(0.01)  # a body that takes time

    loop = MonotonicLoop("test", body, before=before, error_pause=0.01)
    loop.start()
    await eventually(lambda: events.count("body") >= 3, what="three passes, the first of which failed")
    assert loop.running
    await loop.stop()
    assert not loop.running
    assert events[0] == "before" and events.count("before") == 1
    assert events.count("body") >= 3
