"""The hourly plan: housekeeping, each guild's next weekly summary, the call-for-speakers rule, series evenings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from db import Database
from podium import slots, weekly
from podium.calendar_feed import Calendars, Feed
from podium.clock import Clock
from podium.delivery.outbox import Outbox
from podium.errors import Text
from podium.housekeeping import tidy
from podium.preferences import load_guild

if TYPE_CHECKING:
    from podium.series import SeriesService

log = logging.getLogger(__name__)

PLAN_EVERY_SECONDS = 3600.0
# A failed pass (database busy, disk full) is tried again this soon, not an hour later.
PLAN_RETRY_SECONDS = 60.0


class Planner:
    """Keeps what is planned ahead planned: idempotent, safe to run at start and every hour."""

    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        clock: Clock,
        calendars: Calendars | None = None,
        calendar_name: Callable[[Feed], str | Text] | None = None,
        series: SeriesService | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        self.calendars = calendars
        self.calendar_name = calendar_name or (lambda feed: "Talks")
        self.series = series

    async def run_once(self) -> None:
        """Tidy up, then queue each configured guild's next summary and any due call for speakers."""
        now = self.clock.now()
        await tidy(self.db, self.outbox, now)
        rows = await self.db.fetchall("SELECT guild_id FROM guild_settings WHERE announce_channel_id IS NOT NULL")
        for row in rows:
            # One transaction per guild: one guild's failure does not undo the others' plans.
            async with self.db.transaction() as tx:
                guild = await load_guild(tx, row["guild_id"])
                await weekly.ensure_weekly(tx, self.outbox, guild, now)
                await weekly.check_engagement(tx, self.outbox, guild, now)
                await slots.plan_open_slots(tx, self.outbox, guild.guild_id, now)
        if self.series is not None:
            # Every active series' evenings 8 weeks ahead; a pass with nothing new to plan writes nothing.
            await self.series.plan_all(now)
        if self.calendars is not None:
            await self.calendars.warm_up(self.calendar_name)
