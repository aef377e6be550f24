"""Guild settings changes, each in one transaction with the re-planning it causes (cogs open no transaction)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, time, timedelta
from typing import Any

from db import Database, Transaction
from podium import i18n, seats, weekly
from podium.clock import Clock, to_ms
from podium.cooldown import Cooldown
from podium.delivery import kinds
from podium.delivery.outbox import Outbox
from podium.errors import UserError
from podium.feedback import VOICE_WINDOW
from podium.i18n import N_
from podium.preferences import (
    GuildSettings,
    Switch,
    Via,
    channel_locale,
    load_guild,
    load_guild_identity,
    remember_guild_locale,
    remember_guild_name,
    update_guild,
)
from podium.scheduled_events import EXTERNAL, mirror_upcoming
from podium.talks import TALK_REMINDER, replan_guild_talks

log = logging.getLogger(__name__)

ENGAGEMENT_DAYS = (3, 60)
# What /announce-settings clear can put back to its default, by the words it offers.
CLEARABLE = {
    "announcement channel": "announce_channel_id",
    "log channel": "log_channel_id",
    "moderator role": "moderator_role_id",
    "time zone": "timezone",
}


class SettingsError(UserError):
    """A refused settings change; the message is shown as it is."""


class GuildSettingsService:
    """What /announce-settings changes: where and when Podium speaks to everyone, and the defaults."""

    def __init__(self, db: Database, outbox: Outbox, clock: Clock, cooldown: Cooldown | None = None) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock
        # Counted per guild: settings are shared, and a change re-plans the whole guild's messages.
        self.cooldown = cooldown
        # Each server's preferred locale as last stored, so an interaction writes only when it changed.
        self._locales: dict[int, str] = {}

    async def get(self, guild_id: int) -> GuildSettings:
        """The guild's settings (defaults if it never set anything)."""
        return await load_guild(self.db, guild_id)

    async def _save(self, guild_id: int, *, replan: bool, **columns: Any) -> GuildSettings:
        if self.cooldown is not None:
            self.cooldown.hit(guild_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            guild = await update_guild(tx, guild_id, now, **columns)
            if replan:
                await self._replan(tx, guild, now)
        return guild

    async def _replan(self, tx: Transaction, guild: GuildSettings, now: datetime) -> None:
        # The summary's slot or channel may have changed, and a call for speakers may now be due.
        await weekly.plan_weekly(tx, self.outbox, guild, now)
        await weekly.check_engagement(tx, self.outbox, guild, now)

    async def set_announce_channel(self, guild_id: int, channel_id: int) -> GuildSettings:
        """Where summaries, calls for speakers and channel notices go.

        The first channel a server sets starts the wait before its first call for speakers (weekly.FIRST_CALL_WAIT):
        a moderator still setting Podium up should not see "no talk is scheduled" posted at once. A later change
        of channel keeps the server's rhythm.
        """
        columns: dict[str, Any] = {"announce_channel_id": channel_id}
        if (await self.get(guild_id)).announce_channel_id is None:
            columns["announce_channel_set_at_ms"] = to_ms(self.clock.now())
        return await self._save(guild_id, replan=True, **columns)

    async def set_log_channel(self, guild_id: int, channel_id: int) -> GuildSettings:
        """Where failed deliveries are reported."""
        return await self._save(guild_id, replan=False, log_channel_id=channel_id)

    async def set_weekly(
        self,
        guild_id: int,
        *,
        day: int,
        at: time | None,
        ping_speakers: bool | None = None,
        publish: bool | None = None,
    ) -> GuildSettings:
        """Turn the weekly summary on at a local day (and time, pings, publishing if given)."""
        columns: dict[str, Any] = {"weekly_enabled": 1, "weekly_day": day}
        if at is not None:
            columns["weekly_time"] = f"{at.hour:02d}:{at.minute:02d}"
        if ping_speakers is not None:
            columns["ping_speakers"] = int(ping_speakers)
        if publish is not None:
            columns["crosspost_summary"] = int(publish)
        return await self._save(guild_id, replan=True, **columns)

    async def set_timezone(self, guild_id: int, zone: str) -> GuildSettings:
        """The server's time zone: members without one of their own type times in it; the summary's slot is in it."""
        return await self._save(guild_id, replan=True, timezone=zone, timezone_chosen=1)

    async def clear(self, guild_id: int, setting: str) -> GuildSettings:
        """Put one setting back to its default (no channel, no role, UTC)."""
        defaults = GuildSettings(guild_id)
        column = CLEARABLE.get(setting)
        if column is None:
            raise SettingsError(N_("Unknown setting {setting}; choose one of: {choices}."), setting=repr(setting),
                                choices=", ".join(CLEARABLE))
        # The announcement channel and the zone decide the summary's slot and target: re-plan with them.
        columns: dict[str, Any] = {column: getattr(defaults, column)}
        if column == "timezone":
            columns["timezone_chosen"] = 0  # back to the default UTC, which nobody chose
        return await self._save(guild_id, replan=column in ("announce_channel_id", "timezone"), **columns)

    async def weekly_off(self, guild_id: int) -> GuildSettings:
        """No weekly summary (the pending one is cancelled)."""
        return await self._save(guild_id, replan=True, weekly_enabled=0)

    async def next_weekly_slot(self, guild: GuildSettings) -> datetime:
        """When the weekly summary goes out next."""
        return weekly.next_slot(
            self.clock.now(), guild.weekly_day, weekly.parse_hhmm(guild.weekly_time), guild.timezone
        )

    async def set_reminders(self, guild_id: int, offsets: tuple[timedelta, ...], via: Via | None) -> GuildSettings:
        """The default talk-reminder offsets (and delivery) for speakers who set none."""
        columns: dict[str, Any] = {"reminder_offsets": json.dumps([int(o.total_seconds()) for o in offsets])}
        if via is not None:
            columns["reminder_via"] = via
        if self.cooldown is not None:
            self.cooldown.hit(guild_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            guild = await update_guild(tx, guild_id, now, **columns)
            # Talks already scheduled follow the new default too (speakers with their own keep theirs).
            await replan_guild_talks(tx, self.outbox, guild_id, now, [TALK_REMINDER])
        return guild

    async def set_engagement(self, guild_id: int, days: int | None) -> GuildSettings:
        """Call for speakers after `days` empty days ahead, or never (None)."""
        low, high = ENGAGEMENT_DAYS
        if days is not None and not low <= days <= high:
            raise SettingsError(N_("Give a number of days from {low} to {high}, or `off`. Example: `days:14`"),
                                low=low, high=high)
        return await self._save(guild_id, replan=days is not None, engagement_days=days)

    async def set_talks(
        self, guild_id: int, *, slot_minutes: int | None, moderator_role_id: int | None
    ) -> GuildSettings:
        """The default talk length and the moderator role."""
        columns: dict[str, Any] = {}
        if slot_minutes is not None:
            columns["talk_minutes"] = slot_minutes
        if moderator_role_id is not None:
            columns["moderator_role_id"] = moderator_role_id
        if not columns:
            raise SettingsError(N_("Give `slot-minutes`, `moderator-role` or both. Example: `slot-minutes:45`"))
        return await self._save(guild_id, replan=False, **columns)

    async def set_seat_offer_hours(self, guild_id: int, hours: int) -> None:
        """How long a seat offer stays open (podium/seats.py); offers already made keep their deadline."""
        async with self.db.transaction() as tx:
            await seats.set_offer_hours(tx, guild_id, hours)

    async def set_switch(self, guild_id: int, setting: Switch, enabled: bool) -> GuildSettings:
        """Turn a declared switch on or off; the upcoming talks' messages of the kinds it decides are re-planned."""
        if self.cooldown is not None:
            self.cooldown.hit(guild_id)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            guild = await update_guild(tx, guild_id, now, **{setting.column: int(enabled)})
            if setting.replans:
                await replan_guild_talks(tx, self.outbox, guild_id, now, [kinds.get(k) for k in setting.replans])
        return guild

    async def set_events(
        self,
        guild_id: int,
        *,
        enabled: bool,
        entity_type: int = EXTERNAL,
        channel_id: int | None = None,
        location: str | None = None,
    ) -> tuple[GuildSettings, int]:
        """Mirror talks as Discord scheduled events (or stop making new ones), and where they take place.

        Turned on, the upcoming talks not mirrored yet are queued at once (in this transaction); returns how many.
        Turned off, no event is made any more; events already made keep following their talk until it ends.
        """
        if self.cooldown is not None:
            self.cooldown.hit(guild_id)
        columns: dict[str, Any] = {"events_enabled": int(enabled)}
        if enabled:
            columns.update(events_entity_type=entity_type, events_channel_id=channel_id, events_location=location)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            guild = await update_guild(tx, guild_id, now, **columns)
            queued = await mirror_upcoming(tx, self.outbox, guild_id, now) if enabled else 0
            # Who came is read in a stage or voice channel only: the first look of each upcoming talk follows.
            await replan_guild_talks(tx, self.outbox, guild_id, now, [VOICE_WINDOW])
        return guild, queued

    async def set_language(self, guild_id: int, language: str | None) -> GuildSettings:
        """The language of the server's channel posts (None: the server's Discord preferred locale)."""
        if language is not None and language not in i18n.languages():
            raise SettingsError(N_("Podium does not speak {language} yet; choose one of: {choices}."),
                                language=repr(language), choices=", ".join(i18n.languages()))
        # Payloads hold no text: posts already queued go out in the new language.
        return await self._save(guild_id, replan=False, locale=language)

    async def post_locale(self, guild_id: int) -> str | None:
        """The locale the server's channel posts are written in (its setting, else Discord's preferred one)."""
        return await channel_locale(self.db, await load_guild(self.db, guild_id))

    async def remember_name(self, guild_id: int, name: str, locale: str | None = None) -> None:
        """The server's name and preferred locale as Discord says them; written only when one changed."""
        known_name, known_locale = await load_guild_identity(self.db, guild_id)
        if known_name != name[:100] or (locale is not None and known_locale != locale):
            async with self.db.transaction() as tx:
                await remember_guild_name(tx, guild_id, name, self.clock.now(), locale)
        if locale is not None:
            self._locales[guild_id] = locale

    async def remember_locale(self, guild_id: int, locale: str) -> None:
        """The server's preferred locale as an interaction reports it; one write, and only when it changed."""
        if self._locales.get(guild_id) == locale:
            return
        if (await load_guild_identity(self.db, guild_id))[1] != locale:
            async with self.db.transaction() as tx:
                await remember_guild_locale(tx, guild_id, locale, self.clock.now())
        self._locales[guild_id] = locale

    async def summary_preview(self, guild_id: int) -> dict[str, Any]:
        """This week's summary payload, as it would be posted now."""
        return await weekly.summary_payload(self.db, guild_id, self.clock.now())
