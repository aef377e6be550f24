"""The proactive-message loop (Discord side): one monotonic loop that runs the dispatcher's passes."""

from __future__ import annotations

import asyncio
import logging

from nextcord.ext import commands

from cogs._loops import MonotonicLoop
from podium.services import Services

log = logging.getLogger(__name__)


class DeliveryLoop(commands.Cog):
    """Delivers due outbox rows; the database is the source of truth, the loop only wakes up."""

    def __init__(self, services: Services, logged_in: asyncio.Event) -> None:
        self.dispatcher = services.dispatcher
        self.tick = services.settings.dispatch_tick_seconds
        self.logged_in = logged_in
        self.loop = MonotonicLoop("podium-dispatcher", self._pass, before=self._before_first_pass)
        self.loop.start()

    def cog_unload(self) -> None:
        """Stop the loop (nextcord calls this synchronously)."""
        self.loop.cancel()

    async def stop(self) -> None:
        """Stop the loop and abandon deliveries in flight; their rows are retried at the next start."""
        await self.loop.stop()
        await self.dispatcher.cancel_in_flight()

    async def _pass(self) -> None:
        """One pass: start what is due, sleep until the next due row (or a wake-up)."""
        await self.dispatcher.step(tick=self.tick)

    async def _before_first_pass(self) -> None:
        """Wait for the REST login, then requeue what a crash left half-sent."""
        await self.logged_in.wait()
        await self.dispatcher.recover()
