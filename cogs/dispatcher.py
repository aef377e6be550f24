"""The proactive-message loop: one monotonic loop that sleeps until the next due outbox row."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from nextcord.ext import commands

from cogs._loops import MonotonicLoop
from cogs._transport import NextcordTransport
from podium import weekly
from podium.dispatcher import Dispatcher
from podium.pacing import Pacer

if TYPE_CHECKING:
    from bot import PodiumBot

log = logging.getLogger(__name__)


class DispatcherCog(commands.Cog):
    """Delivers due outbox rows; the database is the source of truth, the loop only wakes up."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot
        # One pacer: the transport counts each request as it leaves; the dispatcher reads the load.
        pacer = Pacer(bot.settings.send_rate_per_second)
        self.dispatcher = Dispatcher(
            bot.db,
            bot.outbox,
            NextcordTransport(bot.http, pacer, lambda: bot.user.id if bot.user else None),
            bot.clock,
            pacer=pacer,
            retry_base_seconds=bot.settings.retry_base_seconds,
            preparers={"weekly_summary": lambda db, row, now: weekly.summary_payload(db, row.guild_id, now)},
            on_sent={"weekly_summary": weekly.mark_announced},
        )
        self.deliver_loop = MonotonicLoop("podium-dispatcher", self._pass, before=self._before_first_pass)
        self.deliver_loop.start()

    def cog_unload(self) -> None:
        """Stop the loop (nextcord calls this synchronously)."""
        self.deliver_loop.cancel()

    async def stop(self) -> None:
        """Stop the loop and abandon deliveries in flight; their rows are retried at the next start."""
        await self.deliver_loop.stop()
        await self.dispatcher.cancel_in_flight()

    async def _pass(self) -> None:
        """One pass: start what is due, sleep until the next due row (or a wake-up)."""
        await self.dispatcher.step(tick=self.bot.settings.dispatch_tick_seconds)

    async def _before_first_pass(self) -> None:
        """Wait for the REST login, then requeue what a crash left half-sent."""
        await self.bot.logged_in.wait()
        await self.dispatcher.recover()
