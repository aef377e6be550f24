"""/announce-settings (moderators): where and when Podium speaks to everyone; plus the hourly planner."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import nextcord
from nextcord import Interaction, SlashOption
from nextcord.ext import commands

from cogs._loops import MonotonicLoop
from cogs._replies import VIA_CHOICES, autocomplete_timezones, reply_ephemeral
from podium import timeparse, weekly
from podium.housekeeping import tidy
from podium.preferences import GuildSettings, load_guild, update_guild
from podium.render import RenderContext, render

if TYPE_CHECKING:
    from bot import PodiumBot

log = logging.getLogger(__name__)

DAY_CHOICES = {name: str(i) for i, name in enumerate(weekly.DAYS)} | {"Off (no weekly summary)": "off"}
TEXT_ONLY = [nextcord.ChannelType.text]
# What the bot must be allowed in the announcement channel, with the names Discord's UI shows.
REQUIRED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}


def missing_permissions(permissions: nextcord.Permissions) -> list[str]:
    """Names of the required permissions the bot lacks."""
    return [label for attr, label in REQUIRED.items() if not getattr(permissions, attr)]


def describe(guild: GuildSettings) -> str:
    """Every setting with its value."""
    weekly_text = (
        f"{weekly.DAYS[guild.weekly_day]} {guild.weekly_time} ({guild.timezone})" if guild.weekly_enabled else "off"
    )
    offsets = ", ".join(timeparse.format_offset(timedelta(seconds=o)) for o in guild.reminder_offsets)
    return "\n".join(
        [
            f"Announcement channel: {f'<#{guild.announce_channel_id}>' if guild.announce_channel_id else 'not set'}",
            f"Log channel: {f'<#{guild.log_channel_id}>' if guild.log_channel_id else 'not set'}",
            f"Weekly summary: {weekly_text}",
            f"Default talk reminders: {offsets} before, by {guild.reminder_via}",
            f"Call for speakers: {f'after {guild.engagement_days} empty days' if guild.engagement_days else 'off'}",
            f"Talk slot: {guild.talk_minutes} min · moderator role: "
            f"{f'<@&{guild.moderator_role_id}>' if guild.moderator_role_id else 'none'}",
            f"Ping speakers in summaries: {'yes' if guild.ping_speakers else 'no'}",
        ]
    )


class AnnounceSettings(commands.Cog):
    """/announce-settings channel | weekly | reminders | engagement | talks | log-channel | show | preview | test."""

    def __init__(self, bot: PodiumBot, *, background: bool = True) -> None:
        self.bot = bot
        # Hourly: summaries stay planned a week ahead; the call-for-speakers rule is checked.
        self.planner = MonotonicLoop("podium-planner", self.plan_all, interval=3600, before=bot.logged_in.wait)
        if background:
            self.planner.start()

    def cog_unload(self) -> None:
        """Stop the planner."""
        self.planner.cancel()

    # -- the hourly planner --------------------------------------------------------------------

    async def plan_all(self) -> None:
        """Tidy up, then queue each configured guild's next summary and any due call for speakers."""
        # An error here is logged by the loop, which tries again an hour later.
        now = self.bot.clock.now()
        await tidy(self.bot.db, self.bot.outbox, now)
        rows = await self.bot.db.fetchall("SELECT guild_id FROM guild_settings WHERE announce_channel_id IS NOT NULL")
        for row in rows:
            async with self.bot.db.transaction() as tx:
                guild = await load_guild(tx, row["guild_id"])
                await weekly.ensure_weekly(tx, self.bot.outbox, guild, now)
                await weekly.check_engagement(tx, self.bot.outbox, guild, now)

    # -- helpers -------------------------------------------------------------------------------

    async def allowed(self, interaction: Interaction) -> bool:
        """Manage Server is required: default_member_permissions only hides the command by default."""
        if interaction.permissions.manage_guild:
            return True
        await reply_ephemeral(interaction, "You need the **Manage Server** permission to change announcement settings.")
        return False

    async def save(self, interaction: Interaction, replan: bool = False, **columns: object) -> GuildSettings:
        """Store settings; re-plan the weekly summary in the same transaction when it is affected."""
        now = self.bot.clock.now()
        async with self.bot.db.transaction() as tx:
            guild = await update_guild(tx, interaction.guild_id, now, **columns)
            if replan:
                await weekly.plan_weekly(tx, self.bot.outbox, guild, now)
                await weekly.check_engagement(tx, self.bot.outbox, guild, now)
        return guild

    # -- commands ------------------------------------------------------------------------------

    @nextcord.slash_command(
        name="announce-settings",
        description="Where and when Podium posts announcements (moderators)",
        contexts=[nextcord.InteractionContextType.guild],
        default_member_permissions=nextcord.Permissions(manage_guild=True),
    )
    async def announce_settings(self, interaction: Interaction) -> None:
        """Parent of the /announce-settings subcommands."""

    @announce_settings.subcommand(name="channel", description="Where summaries, calls for speakers and notices go")
    async def channel(
        self,
        interaction: Interaction,
        channel: nextcord.TextChannel = SlashOption(description="A text channel", channel_types=TEXT_ONLY),
    ) -> None:
        """Set the announcement channel after checking the bot may post there."""
        if not await self.allowed(interaction):
            return
        guild = interaction.guild
        me = guild.me if guild else None
        missing = missing_permissions(channel.permissions_for(me)) if me else list(REQUIRED.values())
        if missing:
            await reply_ephemeral(
                interaction,
                f"I can't use {channel.mention}: I'm missing **{', '.join(missing)}** there. "
                "Grant them to my role in the channel's settings, then try again. Nothing was changed.",
            )
            return
        await self.save(interaction, replan=True, announce_channel_id=channel.id)
        await reply_ephemeral(interaction, f"📣 Announcements will go to {channel.mention}.")

    @announce_settings.subcommand(name="weekly", description="When the weekly summary is posted (local time)")
    async def weekly_cmd(
        self,
        interaction: Interaction,
        day: str = SlashOption(description="Day of the week, or Off", choices=DAY_CHOICES),
        time: str | None = SlashOption(description="Local time, HH:MM (default 09:00)", required=False, max_length=5),
        timezone: str | None = SlashOption(
            description="The server's time zone, e.g. Europe/Berlin", required=False, autocomplete=True
        ),
        ping_speakers: bool | None = SlashOption(
            name="ping-speakers", description="Mention (ping) the speakers in the summary", required=False
        ),
    ) -> None:
        """Set (or turn off) the weekly summary slot."""
        if not await self.allowed(interaction):
            return
        if day == "off":
            await self.save(interaction, replan=True, weekly_enabled=0)
            await reply_ephemeral(interaction, "The weekly summary is off.")
            return
        columns: dict[str, object] = {"weekly_enabled": 1, "weekly_day": int(day)}
        if ping_speakers is not None:
            columns["ping_speakers"] = int(ping_speakers)
        try:
            if time is not None:
                wall = weekly.parse_hhmm(time)
                columns["weekly_time"] = f"{wall.hour:02d}:{wall.minute:02d}"
            if timezone is not None:
                columns["timezone"], _ = timeparse.resolve_timezone(timezone)
        except (ValueError, timeparse.TimeInputError) as exc:
            await reply_ephemeral(interaction, f"{exc}. Example: `day:Monday time:09:00 timezone:Europe/Berlin`")
            return
        guild = await self.save(interaction, replan=True, **columns)
        slot = weekly.next_slot(
            self.bot.clock.now(), guild.weekly_day, weekly.parse_hhmm(guild.weekly_time), guild.timezone
        )
        note = "" if guild.announce_channel_id else " Set the channel with `/announce-settings channel` first."
        await reply_ephemeral(
            interaction,
            f"🗓️ Weekly summary: {weekly.DAYS[guild.weekly_day]} {guild.weekly_time} {guild.timezone}. "
            f"Next: <t:{int(slot.timestamp())}:F>.{note}",
        )

    @weekly_cmd.on_autocomplete("timezone")
    async def timezone_autocomplete(self, interaction: Interaction, timezone: str) -> None:
        """IANA names matched on any part."""
        await autocomplete_timezones(interaction, timezone)

    @announce_settings.subcommand(name="reminders", description="Default talk reminders for this server")
    async def reminders(
        self,
        interaction: Interaction,
        before: str = SlashOption(description="e.g. '24h, 1h'", max_length=100),
        via: str | None = SlashOption(description="Where reminders go", required=False, choices=VIA_CHOICES),
    ) -> None:
        """Set the guild's default offsets (speakers can override theirs with /remind-me talks)."""
        if not await self.allowed(interaction):
            return
        try:
            offsets = timeparse.parse_offsets(before)
        except timeparse.TimeInputError as exc:
            await reply_ephemeral(interaction, str(exc))
            return
        columns: dict[str, object] = {"reminder_offsets": json.dumps([int(o.total_seconds()) for o in offsets])}
        if via:
            columns["reminder_via"] = via
        guild = await self.save(interaction, **columns)
        await reply_ephemeral(
            interaction,
            f"⏰ Default reminders: {', '.join(timeparse.format_offset(o) for o in offsets)} before, by "
            f"{guild.reminder_via}. Applies to talks planned from now on.",
        )

    @announce_settings.subcommand(name="engagement", description="Call for speakers when the schedule runs dry")
    async def engagement(
        self,
        interaction: Interaction,
        days: str = SlashOption(description="Days without talks before a call (3-60), or 'off'", max_length=3),
    ) -> None:
        """Set or turn off the call for speakers."""
        if not await self.allowed(interaction):
            return
        value = days.strip().lower()
        if value == "off":
            await self.save(interaction, engagement_days=None)
            await reply_ephemeral(interaction, "Calls for speakers are off.")
            return
        if not value.isdigit() or not 3 <= int(value) <= 60:
            await reply_ephemeral(interaction, "Give a number of days from 3 to 60, or `off`. Example: `days:14`")
            return
        await self.save(interaction, replan=True, engagement_days=int(value))
        await reply_ephemeral(interaction, f"🎤 A call for speakers goes out when {value} days ahead are empty.")

    @announce_settings.subcommand(name="talks", description="Default talk length and the moderator role")
    async def talks(
        self,
        interaction: Interaction,
        slot_minutes: int | None = SlashOption(
            name="slot-minutes", description="Default talk length (5-240)", required=False, min_value=5, max_value=240
        ),
        moderator_role: nextcord.Role | None = SlashOption(
            name="moderator-role", required=False, description="A role that may act on anyone's talk"
        ),
    ) -> None:
        """Set the slot length and moderator role."""
        if not await self.allowed(interaction):
            return
        columns: dict[str, object] = {}
        if slot_minutes is not None:
            columns["talk_minutes"] = slot_minutes
        if moderator_role is not None:
            columns["moderator_role_id"] = moderator_role.id
        if not columns:
            await reply_ephemeral(
                interaction, "Give `slot-minutes`, `moderator-role` or both. Example: `slot-minutes:45`"
            )
            return
        guild = await self.save(interaction, **columns)
        await reply_ephemeral(interaction, "Saved.\n" + describe(guild))

    @announce_settings.subcommand(name="log-channel", description="Where failed deliveries are reported")
    async def log_channel(
        self,
        interaction: Interaction,
        channel: nextcord.TextChannel = SlashOption(description="A text channel", channel_types=TEXT_ONLY),
    ) -> None:
        """Set the log channel."""
        if not await self.allowed(interaction):
            return
        me = interaction.guild.me if interaction.guild else None
        if me is None or not channel.permissions_for(me).send_messages:
            await reply_ephemeral(interaction, f"I can't post in {channel.mention}; nothing was changed.")
            return
        await self.save(interaction, log_channel_id=channel.id)
        await reply_ephemeral(interaction, f"🪵 Delivery problems will be reported in {channel.mention}.")

    @announce_settings.subcommand(name="show", description="Every setting")
    async def show(self, interaction: Interaction) -> None:
        """Every setting with its value."""
        if not await self.allowed(interaction):
            return
        await reply_ephemeral(interaction, describe(await load_guild(self.bot.db, interaction.guild_id)))

    @announce_settings.subcommand(name="preview", description="This week's summary, exactly as it would be posted")
    async def preview(self, interaction: Interaction) -> None:
        """Render the summary privately."""
        if not await self.allowed(interaction):
            return
        now = self.bot.clock.now()
        payload = await weekly.summary_payload(self.bot.db, interaction.guild_id, now)
        body = render(RenderContext("weekly_summary", payload, None, now, now), mention_user_id=None)
        embeds = [nextcord.Embed.from_dict(e) for e in body.get("embeds", [])]
        await interaction.response.send_message(
            body["content"], embeds=embeds, ephemeral=True, allowed_mentions=nextcord.AllowedMentions.none()
        )

    @announce_settings.subcommand(name="test", description="Post a short test message to the announcement channel")
    async def test(self, interaction: Interaction) -> None:
        """Try the channel now and report exactly what happened."""
        if not await self.allowed(interaction):
            return
        guild = await load_guild(self.bot.db, interaction.guild_id)
        channel = self.bot.get_channel(guild.announce_channel_id) if guild.announce_channel_id else None
        if channel is None:
            await reply_ephemeral(
                interaction,
                "No announcement channel is set (or I can't see it). Set one with `/announce-settings channel`.",
            )
            return
        # The post may wait for the channel's rate limit: answer Discord first (it allows 3 s), report after.
        await interaction.response.defer(ephemeral=True)
        try:
            await channel.send(
                "👋 Podium test message: announcements will appear here.",
                allowed_mentions=nextcord.AllowedMentions.none(),
            )
        except nextcord.HTTPException as exc:
            await reply_ephemeral(
                interaction, f"Posting to <#{channel.id}> failed: {exc.status} {exc.text} (code {exc.code})."
            )
            return
        await reply_ephemeral(interaction, f"✅ Posted a test message in <#{channel.id}>.")
