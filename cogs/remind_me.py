"""/remind-me: personal time zone, talk-reminder preferences and one-off reminders (all replies private)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import nextcord
from nextcord import Interaction, SlashOption
from nextcord.ext import commands

from cogs._replies import VIA_CHOICES, VIA_LABEL, autocomplete_timezones, parse_user_time, reply_ephemeral
from podium import timeparse
from podium.people import PeopleError
from podium.preferences import effective_reminders, effective_zone, load_guild, load_user
from podium.render import both_times, discord_time, quote

if TYPE_CHECKING:
    from bot import PodiumBot

log = logging.getLogger(__name__)


class RemindMe(commands.Cog):
    """/remind-me timezone | talks | at | list | delete | show."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

    @nextcord.slash_command(
        name="remind-me",
        description="Your time zone and how you are reminded",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def remind_me(self, interaction: Interaction) -> None:
        """Parent of the /remind-me subcommands."""

    @remind_me.subcommand(name="timezone", description="Set your time zone (times you type are read in it)")
    async def timezone(
        self,
        interaction: Interaction,
        zone: str = SlashOption(description="e.g. Europe/Berlin, America/New_York, or a city", autocomplete=True),
    ) -> None:
        """Store the caller's IANA zone and show the local time there."""
        try:
            name, note = timeparse.resolve_timezone(zone)
        except timeparse.TimeInputError as exc:
            await reply_ephemeral(interaction, str(exc))
            return
        await self.bot.people.set_timezone(interaction.user.id, name)
        local = timeparse.local_now_text(name, self.bot.clock.now())
        extra = f"\n-# {note}" if note else ""
        await reply_ephemeral(interaction, f"🌍 Your time zone is now **{name}** — it is {local} there.{extra}")

    @timezone.on_autocomplete("zone")
    async def zone_autocomplete(self, interaction: Interaction, zone: str) -> None:
        """IANA names matched on any part, plus common abbreviations."""
        await autocomplete_timezones(interaction, zone)

    @remind_me.subcommand(name="talks", description="When and where you are reminded before your talks")
    async def talks(
        self,
        interaction: Interaction,
        before: str = SlashOption(
            description="e.g. '24h, 1h' or '2d 30m' (1-5 offsets, 5 min to 30 days)", max_length=100
        ),
        via: str | None = SlashOption(description="Where reminders go", required=False, choices=VIA_CHOICES),
    ) -> None:
        """Store reminder offsets (and delivery) and re-plan the caller's upcoming talks."""
        try:
            offsets = timeparse.parse_offsets(before)
        except timeparse.TimeInputError as exc:
            await reply_ephemeral(interaction, str(exc))
            return
        replanned = await self.bot.people.set_talk_reminders(interaction.user.id, offsets, via)
        where = f" by {VIA_LABEL[via]}" if via else ""
        talks = f" Re-planned {replanned} upcoming talk{'s' if replanned != 1 else ''}." if replanned else ""
        await reply_ephemeral(
            interaction,
            f"⏰ You'll be reminded {', '.join(timeparse.format_offset(o) for o in offsets)} before each talk"
            f"{where}.{talks}",
        )

    @remind_me.subcommand(name="at", description="A one-off reminder for yourself")
    async def at(
        self,
        interaction: Interaction,
        when: str = SlashOption(description="e.g. 'in 30 minutes', 'tomorrow 9:00'", max_length=100),
        message: str = SlashOption(description="What to remind you of", min_length=1, max_length=500),
    ) -> None:
        """Queue a personal reminder."""
        try:
            parsed = await parse_user_time(self.bot, interaction, when)
            reminder = await self.bot.people.add_personal_reminder(
                user_id=interaction.user.id,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
                when=parsed.when,
                text=message,
            )
        except (timeparse.TimeInputError, PeopleError) as exc:
            await reply_ephemeral(interaction, str(exc))
            return
        await reply_ephemeral(
            interaction,
            f"🔔 I'll remind you {both_times(reminder.due_at)}: {quote(reminder.text)}\n"
            f"-# Read “{when}” in {parsed.zone}.",
        )

    @remind_me.subcommand(name="list", description="Your pending reminders")
    async def list_(self, interaction: Interaction) -> None:
        """Personal reminders and planned talk reminders."""
        personal = await self.bot.people.personal_reminders(interaction.user.id)
        talk_rows = await self.bot.people.talk_reminders(interaction.user.id)
        lines = ["**Personal reminders**"] + (
            [f"• #{r.id} {both_times(r.due_at)}: {quote(r.text)}" for r in personal] or ["• none"]
        )
        lines += ["**Talk reminders**"] + (
            [f"• {discord_time(r.due_at)} via {VIA_LABEL.get(r.target_type, r.target_type)}" for r in talk_rows]
            or ["• none"]
        )
        await reply_ephemeral(interaction, "\n".join(lines)[:2000])

    @remind_me.subcommand(name="delete", description="Delete one of your personal reminders")
    async def delete(
        self,
        interaction: Interaction,
        reminder: str = SlashOption(description="The reminder", autocomplete=True),
    ) -> None:
        """Cancel one pending personal reminder."""
        if not reminder.strip().isdigit():
            await reply_ephemeral(interaction, "Pick a reminder from the list that appears as you type.")
            return
        if await self.bot.people.delete_personal_reminder(interaction.user.id, int(reminder)):
            await reply_ephemeral(interaction, "🗑️ Deleted.")
        else:
            await reply_ephemeral(interaction, "I can't find that pending reminder of yours; nothing changed.")

    @delete.on_autocomplete("reminder")
    async def reminder_autocomplete(self, interaction: Interaction, reminder: str) -> None:
        """The caller's pending personal reminders, matched on text."""
        needle = (reminder or "").casefold()
        found = [
            r for r in await self.bot.people.personal_reminders(interaction.user.id) if needle in r.text.casefold()
        ]
        await interaction.response.send_autocomplete(
            {f"{r.due_at:%Y-%m-%d %H:%M} UTC — {r.text}"[:100]: str(r.id) for r in found[:25]}
        )

    @remind_me.subcommand(name="show", description="Your settings")
    async def show(self, interaction: Interaction) -> None:
        """The caller's effective settings and where each comes from."""
        user = await load_user(self.bot.db, interaction.user.id)
        guild = await load_guild(self.bot.db, interaction.guild_id)
        offsets, via = effective_reminders(user, guild)
        zone = effective_zone(user, guild)
        opted = [
            name
            for name, on in (
                ("everything", user.opt_out_everything),
                ("talk reminders", user.opt_out_talk_reminders),
                ("notices", user.opt_out_notices),
                ("personal reminders", user.opt_out_personal_reminders),
                ("DMs", user.opt_out_dms),
            )
            if on
        ]
        lines = [
            f"Time zone: **{zone}**{'' if user.timezone else ' (server default)'} — "
            f"{timeparse.local_now_text(zone, self.bot.clock.now())}",
            "Talk reminders: "
            + ", ".join(timeparse.format_offset(timedelta(seconds=o)) for o in offsets)
            + f" before, by {VIA_LABEL.get(via, via)}{'' if user.reminder_offsets else ' (server default)'}",
            f"Opted out of: {', '.join(opted) if opted else 'nothing'}",
        ]
        await reply_ephemeral(interaction, "\n".join(lines))
