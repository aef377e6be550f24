"""The hourly plan (Discord side): runs the Planner at login and every hour on the monotonic clock."""

from __future__ import annotations

import asyncio
import logging

from nextcord.ext import commands

from cogs._loops import MonotonicLoop
from podium.planner import PLAN_EVERY_SECONDS, PLAN_RETRY_SECONDS
from podium.services import Services

log = logging.getLogger(__name__)


class PlannerLoop(commands.Cog):
    """Summaries stay planned a week ahead, finished talks become done, old rows are pruned."""

    def __init__(self, services: Services, logged_in: asyncio.Event) -> None:
        self.planner = services.planner
        # An error in a pass is logged by the loop; the next pass is an hour later.
        self.loop = MonotonicLoop(
            "podium-planner",
            self._plan,
            interval=PLAN_EVERY_SECONDS,
            before=logged_in.wait,
            error_pause=PLAN_RETRY_SECONDS,
        )
        self.loop.start()

    async def _plan(self) -> None:
        """One pass, logged once done: the hourly heartbeat of planning (and what a test of a restart waits for)."""
        await self.planner.run_once()
        log.info("planned ahead (weekly summaries, calls for speakers, finished talks)")

    def cog_unload(self) -> None:
        """Stop the loop (nextcord calls this synchronously)."""
        self.loop.cancel()

    async def stop(self) -> None:
        """Stop the loop; a pass interrupted here rolls back whole and runs again at the next start."""
        await self.loop.stop()
