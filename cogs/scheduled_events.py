"""Discord side of scheduled events (domain side: podium/scheduled_events.py): Discord's changes, fed in.

Discord's scheduled-event gateway events, fed to podium.scheduled_events; the reconciliation after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from nextcord.ext import commands

from podium.scheduled_events import COMPLETED
from podium.services import Services

log = logging.getLogger(__name__)

# The gateway events read raw: nextcord 3.2 dispatches its own only for events already in its cache, and its
# ScheduledEvent keeps no `status` (a cancellation could not be seen).
RAW_EVENTS = (
    "GUILD_SCHEDULED_EVENT_USER_ADD",
    "GUILD_SCHEDULED_EVENT_USER_REMOVE",
    "GUILD_SCHEDULED_EVENT_UPDATE",
)


def install_raw_hooks(parsers: dict[str, Callable[[Any], None]], handle: Callable[[str, dict[str, Any]], None]) -> None:
    """Wrap nextcord's parsers of RAW_EVENTS so `handle` also gets each payload (after nextcord's own parsing)."""
    for name in RAW_EVENTS:
        original = parsers[name]  # KeyError on a nextcord without it: tests/cogs pin the name

        def wrapped(data: Any, _name: str = name, _original: Callable[[Any], None] = original) -> None:
            try:
                _original(data)
            finally:
                if isinstance(data, dict):
                    handle(_name, data)

        parsers[name] = wrapped


class ScheduledEventsCog(commands.Cog):
    """Feeds gateway events to the ScheduledEvents service, one at a time, in the order Discord sent them."""

    def __init__(self, services: Services, bot: commands.Bot) -> None:
        self.services = services
        self.bot = bot
        # One worker: an Interested then un-Interested of one member must not be applied the other way round.
        self.queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._reconciling: asyncio.Task[int] | None = None
        install_raw_hooks(bot._connection.parsers, self.received)

    def received(self, name: str, data: dict[str, Any]) -> None:
        """Called by nextcord's parser (in the event loop): queue it; the worker handles it."""
        self.queue.put_nowait((name, data))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="scheduled-event-worker")

    async def _work(self) -> None:
        while True:
            name, data = await self.queue.get()
            try:
                await self.handle(name, data)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not handle %s %s", name, data.get("id") or data.get("guild_scheduled_event_id"))

    async def handle(self, name: str, data: dict[str, Any]) -> None:
        """Apply one gateway event to the talks."""
        events = self.services.events
        guild_id = int(data.get("guild_id") or 0)
        if name == "GUILD_SCHEDULED_EVENT_UPDATE":
            # A change made in Discord's UI: followed only when who made it (the audit log says) may change the talk.
            outcome = await events.event_changed(guild_id, data, self.services.transport)
            log.info("scheduled event %s updated: %s", data.get("id"), outcome)
            if int(data.get("status") or 0) == COMPLETED:
                # Ended in Discord (a host ended the stage) before the talk's end: feedback is asked for now.
                await self.services.feedback.event_ended(guild_id=guild_id, event_id=int(data["id"]))
            return
        event_id, user_id = int(data["guild_scheduled_event_id"]), int(data["user_id"])
        if self.bot.user is not None and user_id == self.bot.user.id:
            return
        if name == "GUILD_SCHEDULED_EVENT_USER_ADD":
            await events.member_interested(guild_id, event_id, user_id)
        else:
            await events.member_uninterested(guild_id, event_id, user_id)

    @commands.Cog.listener("on_ready")
    async def reconcile_after_start(self) -> None:
        """Members who marked events Interested while Podium was away join the talks' audiences."""
        if self._reconciling is not None and not self._reconciling.done():
            return
        self._reconciling = asyncio.create_task(self._reconcile(), name="scheduled-event-reconcile")

    async def _reconcile(self) -> int:
        try:
            joined = await self.services.events.reconcile(
                self.services.transport, [guild.id for guild in self.bot.guilds]
            )
        except Exception:
            log.exception("could not reconcile scheduled events' interested members")
            return 0
        if joined:
            log.info("%d member(s) marked a talk's event Interested while Podium was away; now attendees", joined)
        return joined

    def cog_unload(self) -> None:
        """Stop the worker (nextcord's cog_unload is synchronous)."""
        for task in (self._worker, self._reconciling):
            if task is not None:
                with contextlib.suppress(RuntimeError):
                    task.cancel()
