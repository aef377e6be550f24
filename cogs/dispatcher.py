"""The proactive-message loop: one tasks.loop that sleeps until the next due outbox row."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from nextcord.ext import commands, tasks

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
            NextcordTransport(bot.http, pacer),
            bot.clock,
            pacer=pacer,
            retry_base_seconds=bot.settings.retry_base_seconds,
            preparers={"weekly_summary": lambda db, row, now: weekly.summary_payload(db, row.guild_id, now)},
            on_sent={"weekly_summary": weekly.mark_announced},
        )
        self.deliver_loop.start()

    def cog_unload(self) -> None:
        """Stop the loop (nextcord calls this synchronously)."""
        self.deliver_loop.cancel()

    async def stop(self) -> None:
        """Stop the loop and abandon deliveries in flight; their rows are retried at the next start."""
        self.deliver_loop.cancel()
        await self.dispatcher.cancel_in_flight()

    # seconds=0: the body itself sleeps exactly until the next due row (or a wake-up).
    @tasks.loop(seconds=0)
    async def deliver_loop(self) -> None:
        """One pass: start what is due, sleep until the next due row."""
        try:
            await self.dispatcher.step(tick=self.bot.settings.dispatch_tick_seconds)
        except asyncio.CancelledError:
            raise
        except Exception:
            # tasks.loop dies on anything but network errors: log, pause, carry on.
            log.exception("dispatcher pass failed; retrying in 1 s")
            await asyncio.sleep(1)

    @deliver_loop.before_loop
    async def before_deliver_loop(self) -> None:
        """Wait for the REST login, then requeue what a crash left half-sent."""
        await self.bot.logged_in.wait()
        await self.dispatcher.recover()

    @deliver_loop.error
    async def deliver_loop_error(self, exc: BaseException) -> None:
        """Never reached in practice (the body catches everything); logs instead of nextcord's broken default."""
        log.error("the dispatcher loop stopped", exc_info=exc)
