"""/announce-settings (moderators): where and when Podium speaks to everyone. Thin: parse, call the service, reply."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import cast

import nextcord
from nextcord import Interaction, SlashOption
from nextcord.ext import commands

from cogs._replies import (
    NO_MENTIONS,
    VIA_CHOICES,
    VIA_LABEL,
    autocomplete_timezones,
    guild_id_of,
    manages_server,
    reply_ephemeral,
)
from podium import feedback, i18n, seats, slots, timeparse, weekly
from podium.audience import NEW_TALKS
from podium.calendar_feed import feed_links
from podium.delivery.render import RenderContext, render
from podium.errors import Text, UserError
from podium.guild_settings import CLEARABLE
from podium.i18n import N_, Translator
from podium.markup import command, discord_time
from podium.preferences import GuildSettings, Switch, Via, switches
from podium.scheduled_events import EXTERNAL, STAGE, VOICE, location_text, validate_location
from podium.services import Services
from podium.starting import STARTING_NOW_SETTING
from podium.talk_page import PageSettings, page_links
from podium.workflow import WorkflowSettings, answer_within

log = logging.getLogger(__name__)

SET_CHANNEL_FIRST = N_("Set the channel with `/announce-settings channel` first.")

# Choice labels are catalogue entries: Discord shows each member their translation (cogs/_localizations.py).
_LABELS = (
    N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"),
    N_("Announcement channel"), N_("Log channel"), N_("Moderator role"), N_("Time zone"),
    N_("announcement channel"), N_("log channel"), N_("moderator role"), N_("time zone"),
)
DAY_CHOICES = {name: str(i) for i, name in enumerate(weekly.DAYS)} | {N_("Off (no weekly summary)"): "off"}
# "Off" is a choice like the others, everywhere.
# Each label written out: a label is a catalogue entry as it stands (Discord localizes choices by their exact name).
ENGAGEMENT_CHOICES = {
    N_("Off (no call for speakers)"): 0,
    N_("after 3 empty days"): 3,
    N_("after 5 empty days"): 5,
    N_("after 7 empty days"): 7,
    N_("after 10 empty days"): 10,
    N_("after 14 empty days (default)"): 14,
    N_("after 21 empty days"): 21,
    N_("after 30 empty days"): 30,
    N_("after 45 empty days"): 45,
    N_("after 60 empty days"): 60,
}
CLEAR_CHOICES = {words.capitalize(): words for words in CLEARABLE}
# The server's Discord language, or one of the catalogue's (each in its own name).
# Every optional post a feature declared (`preferences.switch`), by what it does; Discord shows at most 25 choices.
SWITCH_CHOICES = {setting.label: setting.name for setting in switches()}
SERVER_DEFAULT = "default"
LANGUAGE_CHOICES = {N_("Server default (the server's language in Discord)"): SERVER_DEFAULT} | {
    i18n.language_name(language): language for language in i18n.languages()
}
# /announce-settings page: what to do with the server's web page of talks.
PAGE_CHOICES = {
    N_("On: show its link"): "on",
    N_("Public: also at an address with the server's id"): "public",
    N_("Private: only the secret link"): "private",
    N_("Rotate: a new secret link"): "rotate",
    N_("Off: take the page down"): "off",
}
# The `whose` values calendar_reply is called with (here and in /remind-me calendar).
_WHOSE = (N_("the server's"), N_("your"))
# Text and announcement channels (type 5, where communities post announcements others can follow).
POSTABLE = [nextcord.ChannelType.text, nextcord.ChannelType.news]
# What the bot must be allowed in the announcement channel, with the names Discord's UI shows (catalogue entries:
# translated as Discord's UI names them in that language).
# Translators: the names of Discord permissions, exactly as Discord's own settings show them in your language.
REQUIRED = {
    "view_channel": N_("View Channel"),
    "send_messages": N_("Send Messages"),
    "embed_links": N_("Embed Links"),
    "create_public_threads": N_("Create Public Threads"),
    "send_messages_in_threads": N_("Send Messages in Threads"),
}


# Scheduled events: what the bot needs server-wide, and in the stage or voice channel they take place in.
EVENTS_REQUIRED = {"create_events": N_("Create Events")}
EVENT_CHANNEL_REQUIRED = {
    STAGE: {"manage_channels": N_("Manage Channels"), "mute_members": N_("Mute Members"),
            "move_members": N_("Move Members")},
    VOICE: {"view_channel": N_("View Channel"), "connect": N_("Connect")},
}
EVENT_CHANNELS = [nextcord.ChannelType.voice, nextcord.ChannelType.stage_voice]


def lacking(permissions: nextcord.Permissions, required: dict[str, str]) -> list[str]:
    """Names (as Discord's UI shows them) of the `required` permissions missing from `permissions`."""
    return [label for attr, label in required.items() if not getattr(permissions, attr)]


# What a member must be allowed in a channel before they may have Podium post there for them (README: "A member
# can't make the bot post where they can't post").
CALLER_POSTS = {"view_channel": N_("View Channel"), "send_messages": N_("Send Messages")}


def caller_lacks(interaction: Interaction, channel: nextcord.abc.GuildChannel | nextcord.Thread,
                 required: dict[str, str]) -> list[str]:
    """Names of the `required` permissions the member acting lacks in `channel` (their roles with its overwrites).

    Computed from the member and the cached channel, not `interaction.permissions` (those are for the channel the
    command was run in, not the one it names).
    """
    member = interaction.user
    if not isinstance(member, nextcord.Member):
        return list(required.values())
    return lacking(channel.permissions_for(member), required)


def missing_permissions(permissions: nextcord.Permissions) -> list[str]:
    """Names of the required permissions the bot lacks (catalogue entries: Discord's English UI names)."""
    return [label for attr, label in REQUIRED.items() if not getattr(permissions, attr)]


def names(items: Sequence[str | Text]) -> Text:
    """A list of catalogue entries (permission names), "a, b, c", each translated where the text is shown."""
    return Text(", ".join(f"{{name{i}}}" for i in range(len(items))),
                {f"name{i}": item if isinstance(item, Text) else Text(item) for i, item in enumerate(items)})


def _yes(t: Translator, value: bool) -> str:
    return t._("yes") if value else t._("no")


def describe(guild: GuildSettings, t: Translator = i18n.ENGLISH, server_locale: str | None = None) -> str:
    """Every setting with its value, in words."""
    day = t._(weekly.DAYS[guild.weekly_day])
    weekly_text = t._("{day} at {time}", day=day, time=guild.weekly_time) if guild.weekly_enabled else t._("off")
    if guild.weekly_enabled and guild.crosspost_summary:
        weekly_text += t._(", published to following servers")
    offsets = t.durations(timedelta(seconds=o) for o in guild.reminder_offsets)
    not_set = t._("not set")
    via = t._(VIA_LABEL.get(guild.reminder_via, guild.reminder_via))
    engagement = (t._("after {days} empty days", days=guild.engagement_days) if guild.engagement_days
                  else t._("off"))
    role = f"<@&{guild.moderator_role_id}>" if guild.moderator_role_id else t._("none")
    if guild.locale:
        language = i18n.language_name(i18n.language_of(guild.locale))
    else:
        language = t._("the server's language in Discord ({language})",
                       language=i18n.language_name(i18n.language_of(server_locale)))
    return "\n".join(
        [
            t._("Time zone: {zone}", zone=guild.timezone),
            t._("Announcement channel: {channel}",
                channel=f"<#{guild.announce_channel_id}>" if guild.announce_channel_id else not_set),
            t._("Log channel: {channel}", channel=f"<#{guild.log_channel_id}>" if guild.log_channel_id else not_set),
            t._("Weekly summary: {weekly}", weekly=weekly_text),
            t._("Default talk reminders: {offsets} before, by {via}", offsets=offsets, via=via),
            t._("Call for speakers: {engagement}", engagement=engagement),
            t._("Talk slot: {minutes} min · moderator role: {role}", minutes=guild.talk_minutes, role=role),
            t._("Ping speakers in summaries: {yes}", yes=_yes(t, guild.ping_speakers)),
            # Every declared switch (the "🎤 starting now" post, a kind's own optional post…), where it was declared.
            *(t._("{setting}: {yes}", setting=t._(setting.label), yes=_yes(t, guild.is_on(setting)))
              for setting in switches()),
            t._("Talks in Discord's Events: {yes}",
                yes=t._("yes, at {place}", place=location_text(guild)) if guild.events_enabled else t._("no")),
            t._("Language of posts: {language}", language=language),
        ]
    )


def describe_workflow(flow: WorkflowSettings, t: Translator = i18n.ENGLISH) -> str:
    """Approval of sign-ups and the speakers' confirmation, in words."""
    if flow.approval:
        where = (f"<#{flow.review_channel_id}>" if flow.review_channel_id is not None else t._("the log channel"))
        approval = t._("on: members' sign-ups wait for a moderator (posted in {channel}); moderators' own are "
                       "approved at once", channel=where)
    else:
        approval = t._("off")
    if flow.confirm_hours:
        confirm = t._("speakers are asked {before} before their talk whether they still come",
                      before=t.durations([timedelta(hours=flow.confirm_hours)]))
        # The window the speaker really gets (half a short lead), not a fixed "day".
        within = t.durations([answer_within(flow)])
        if flow.release_unconfirmed:
            confirm += t._("; no answer within {within} cancels the talk", within=within)
        else:
            confirm += t._("; no answer within {within} is told in the log channel", within=within)
    else:
        confirm = t._("off")
    return "\n".join([t._("Approval of sign-ups: {approval}", approval=approval),
                      t._("Speakers confirm: {confirm}", confirm=confirm)])


def calendar_reply(
    services: Services, token: str, *, rotated: bool, whose: str, operator: bool = True, t: Translator = i18n.ENGLISH
) -> str:
    """The private answer with a feed's links, or (feeds not set up) what to do instead.

    Only a moderator (`operator`) can get the host to set the web endpoint up: a member is pointed at what works
    today instead of being handed settings they cannot change.
    """
    settings = services.settings
    links = feed_links(settings.public_url, token)
    if links is None or settings.http_port is None:
        if not operator:
            return t._("Calendar links aren't set up on this server yet — try {command} for a file of the talks.",
                       command=command("schedule export"))
        return t._(
            "Calendar feeds need the bot's web endpoint to be reachable: ask whoever hosts Podium to set `HTTP_PORT` "
            "and `PUBLIC_URL` (README, \"Calendar feeds\")."
        )
    url, webcal = links
    note = " " + t._("The old link no longer works.") if rotated else ""
    return (
        t._("📅 Subscribe to {whose} talks in your calendar app: {link}", whose=t._(whose), link=f"<{webcal}>") + "\n"
        + t._("Or add it by URL (Google Calendar: *Other calendars → From URL*): {link}", link=f"<{url}>") + "\n-# "
        + t._("Keep it to yourselves: anyone with the link can read the talks. New link: `rotate:True`.") + note
    )


class AnnounceSettings(commands.Cog):
    """/announce-settings: channel, weekly, reminders, engagement, talks, starting-now, new-talks and more."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.guild_settings

    @staticmethod
    def require_manage_server(interaction: Interaction) -> None:
        """Require Manage Server, server-wide from the member's roles.

        default_member_permissions only hides the command by default, and a channel's overwrite is not a right over
        the whole server.
        """
        if not manages_server(interaction):
            raise UserError(N_("You need the **Manage Server** permission to change announcement settings."))

    # -- commands ------------------------------------------------------------------------------

    @nextcord.slash_command(
        name="announce-settings",
        description="Podium's server settings: where and when it posts, time zone, defaults (moderators)",
        contexts=[nextcord.InteractionContextType.guild],
        default_member_permissions=nextcord.Permissions(manage_guild=True),
    )
    async def announce_settings(self, interaction: Interaction) -> None:
        """Parent of the /announce-settings subcommands."""

    @announce_settings.subcommand(name="channel", description="Where summaries, calls for speakers and notices go")
    async def channel(
        self,
        interaction: Interaction,
        channel: nextcord.TextChannel = SlashOption(
            description="A text or announcement channel", channel_types=POSTABLE
        ),
    ) -> None:
        """Set the announcement channel after checking the bot may post there."""
        self.require_manage_server(interaction)
        guild = interaction.guild
        me = guild.me if guild else None
        missing = missing_permissions(channel.permissions_for(me)) if me else list(REQUIRED.values())
        if missing:
            raise UserError(
                N_("I can't use {channel}: I'm missing **{missing}** there. "
                   "Grant them to my role in the channel's settings, then try again. Nothing was changed."),
                channel=channel.mention, missing=names(missing),
            )
        guild_settings = await self.settings.set_announce_channel(guild_id_of(interaction), channel.id)
        t = i18n.translator(interaction.locale)
        note = ""
        if channel.is_news() and not guild_settings.crosspost_summary:
            note = "\n-# " + t._(
                "It's an announcement channel: `/announce-settings weekly publish:True` publishes the summary."
            )
        await reply_ephemeral(
            interaction, t._("📣 Announcements will go to {channel}.", channel=channel.mention) + note
        )

    @announce_settings.subcommand(name="weekly", description="When the weekly summary is posted (server's time)")
    async def weekly_cmd(
        self,
        interaction: Interaction,
        day: str = SlashOption(description="Day of the week, or Off", choices=DAY_CHOICES),
        time: str | None = SlashOption(
            description="Local time, e.g. 09:00, 9am or 18:30 (default 09:00)", required=False, max_length=40
        ),
        ping_speakers: bool | None = SlashOption(
            name="ping-speakers", description="Mention (ping) the speakers in the summary", required=False
        ),
        publish: bool | None = SlashOption(
            description="Publish it to servers following the announcement channel (announcement channels only)",
            required=False,
        ),
    ) -> None:
        """Set (or turn off) the weekly summary slot, in the server's time zone."""
        self.require_manage_server(interaction)
        guild_id = guild_id_of(interaction)
        t = i18n.translator(interaction.locale)
        if day == "off":
            await self.settings.weekly_off(guild_id)
            await reply_ephemeral(interaction, t._("The weekly summary is off."))
            return
        if publish:
            current = await self.settings.get(guild_id)
            channel = interaction.client.get_channel(current.announce_channel_id or 0)
            if not isinstance(channel, nextcord.TextChannel) or not channel.is_news():
                raise UserError(
                    N_("Publishing needs an announcement channel (one other servers can follow): set one with "
                       "`/announce-settings channel`, then try again. Nothing was changed.")
                )
        wall = timeparse.parse_time_of_day(time, locale=interaction.locale) if time is not None else None
        guild = await self.settings.set_weekly(
            guild_id, day=int(day), at=wall, ping_speakers=ping_speakers, publish=publish
        )
        slot = await self.settings.next_weekly_slot(guild)
        note = "" if guild.announce_channel_id else " " + t._(SET_CHANNEL_FIRST)
        await reply_ephemeral(
            interaction,
            t._("🗓️ Weekly summary: {day} at {time}, {zone} time. Next: {next}.", day=t._(weekly.DAYS[guild.weekly_day]),
                time=guild.weekly_time, zone=guild.timezone, next=discord_time(slot))
            + note + "\n-# " + t._("Change the server's time zone with `/announce-settings timezone`."),
        )

    @announce_settings.subcommand(name="timezone", description="The server's time zone (members' default)")
    async def timezone(
        self,
        interaction: Interaction,
        zone: str = SlashOption(description="e.g. Europe/Berlin, America/New_York, or a city", autocomplete=True),
    ) -> None:
        """Set the server's time zone: times members type are read in it unless they set their own."""
        self.require_manage_server(interaction)
        t = i18n.translator(interaction.locale)
        name, note = timeparse.resolve_timezone(zone, t)
        await self.settings.set_timezone(guild_id_of(interaction), name)
        local = timeparse.local_now_text(name, self.services.clock.now(), t)
        extra = f"\n-# {note}" if note else ""
        await reply_ephemeral(
            interaction,
            t._("🌍 The server's time zone is now **{zone}** (it is {local} there). Members without their own "
                "(`/remind-me timezone`) type times in it, and the weekly summary goes out in it.", zone=name,
                local=local) + extra,
        )

    @timezone.on_autocomplete("zone")
    async def timezone_autocomplete(self, interaction: Interaction, zone: str) -> None:
        """IANA names matched on any part."""
        await autocomplete_timezones(interaction, zone)

    @announce_settings.subcommand(name="clear", description="Put one setting back to its default")
    async def clear(
        self,
        interaction: Interaction,
        setting: str = SlashOption(description="Which setting", choices=CLEAR_CHOICES),
    ) -> None:
        """Clear a channel, the moderator role, or the time zone."""
        self.require_manage_server(interaction)
        guild = await self.settings.clear(guild_id_of(interaction), setting)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(
            interaction,
            t._("Cleared the {setting}.", setting=t._(setting)) + "\n"
            + describe(guild, t, interaction.guild_locale),
        )

    @announce_settings.subcommand(name="reminders", description="Default talk reminders for this server")
    async def reminders(
        self,
        interaction: Interaction,
        before: str = SlashOption(description="e.g. '24h, 1h'", max_length=100),
        via: str | None = SlashOption(description="Where reminders go", required=False, choices=VIA_CHOICES),
    ) -> None:
        """Set the guild's default offsets (speakers can override theirs with /remind-me talks)."""
        self.require_manage_server(interaction)
        offsets = timeparse.parse_offsets(before)
        guild = await self.settings.set_reminders(guild_id_of(interaction), offsets, cast(Via | None, via))
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(
            interaction,
            t._("⏰ Default reminders: {offsets} before, by {via}. Talks already scheduled are re-planned "
                "(speakers who chose their own keep them).",
                offsets=t.durations(offsets),
                via=t._(VIA_LABEL.get(guild.reminder_via, guild.reminder_via))),
        )

    @announce_settings.subcommand(name="engagement", description="Call for speakers when the schedule runs dry")
    async def engagement(
        self,
        interaction: Interaction,
        days: int = SlashOption(description="When no talk is scheduled this many days ahead, or Off",
                                choices=ENGAGEMENT_CHOICES),
    ) -> None:
        """Set or turn off the call for speakers."""
        self.require_manage_server(interaction)
        t = i18n.translator(interaction.locale)
        if days == 0:
            await self.settings.set_engagement(guild_id_of(interaction), None)
            await reply_ephemeral(interaction, t._("Calls for speakers are off."))
            return
        await self.settings.set_engagement(guild_id_of(interaction), days)
        await reply_ephemeral(
            interaction,
            t.ngettext("🎤 A call for speakers goes out when {n} day ahead is empty.",
                       "🎤 A call for speakers goes out when {n} days ahead are empty.", days),
        )

    @announce_settings.subcommand(name="talks",
                                  description="Talk length, moderator role, approval of sign-ups, confirmations")
    async def talks(
        self,
        interaction: Interaction,
        slot_minutes: int | None = SlashOption(
            name="slot-minutes", description="Default talk length (5-240)", required=False, min_value=5, max_value=240
        ),
        moderator_role: nextcord.Role | None = SlashOption(
            name="moderator-role", required=False, description="A role that may act on anyone's talk"
        ),
        approval: bool | None = SlashOption(
            required=False, description="On: members' sign-ups wait for a moderator's approval (moderators' don't)"
        ),
        review_channel: nextcord.TextChannel | None = SlashOption(
            name="review-channel", required=False, description="Where sign-ups to approve are posted (default: log)"
        ),
        confirm_hours: int | None = SlashOption(
            name="confirm-hours", required=False, min_value=0, max_value=720,
            description="Ask speakers this many hours before their talk if they still come (0: don't; default 72)",
        ),
        release_unconfirmed: bool | None = SlashOption(
            name="release-unconfirmed", required=False,
            description="On: a talk whose speaker didn't answer in time is cancelled (default: off)",
        ),
    ) -> None:
        """Set the slot length, moderator role, approval of sign-ups and the speakers' confirmation."""
        self.require_manage_server(interaction)
        t = i18n.translator(interaction.locale)
        flow = None
        if (approval, review_channel, confirm_hours, release_unconfirmed) != (None,) * 4:
            # First: its refusal (approval without a channel to review in) must leave everything as it was.
            flow = await self.services.workflow.configure(
                guild_id_of(interaction), approval=approval,
                review_channel_id=review_channel.id if review_channel is not None else None,
                confirm_hours=confirm_hours, release_unconfirmed=release_unconfirmed,
            )
            if slot_minutes is None and moderator_role is None:
                await reply_ephemeral(interaction, t._("Saved.") + "\n" + describe_workflow(flow, t))
                return
        if moderator_role is not None and (moderator_role.is_default() or moderator_role.managed):
            # @everyone would make every member a moderator; a bot's or integration's own role is not for people.
            raise UserError(
                N_("{role} can't be the moderator role: pick a role you give to people who run talks."),
                role=moderator_role.mention,
            )
        guild = await self.settings.set_talks(
            guild_id_of(interaction),
            slot_minutes=slot_minutes,
            moderator_role_id=moderator_role.id if moderator_role is not None else None,
        )
        text = t._("Saved.") + "\n" + describe(guild, t, interaction.guild_locale)
        if flow is not None:
            text += "\n" + describe_workflow(flow, t)
        await reply_ephemeral(interaction, text)

    @announce_settings.subcommand(name="seats", description="How long a freed seat is held for the one offered it")
    async def seats(
        self,
        interaction: Interaction,
        offer_hours: int = SlashOption(
            name="offer-hours", description="Hours to answer a seat offer (1-168; default 12)", min_value=1,
            max_value=168,
        ),
    ) -> None:
        """Set how long a seat offer stays open before the next one waiting is offered the seat."""
        self.require_manage_server(interaction)
        await self.settings.set_seat_offer_hours(guild_id_of(interaction), offer_hours)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(interaction, t.ngettext(
            "🎟️ A freed seat is offered to the first one waiting, who has {n} hour to take it; then the next one "
            "waiting is offered it.",
            "🎟️ A freed seat is offered to the first one waiting, who has {n} hours to take it; then the next one "
            "waiting is offered it.", offer_hours))

    @announce_settings.subcommand(name="starting-now", description="Post in the channel when each talk starts")
    async def starting_now(
        self,
        interaction: Interaction,
        enabled: bool = SlashOption(description="On: a short post when a talk begins; off: none (the default)"),
    ) -> None:
        """Turn the "🎤 starting now" post on or off (the first switch, kept under its own name)."""
        await self._switch(interaction, STARTING_NOW_SETTING, enabled)

    @announce_settings.subcommand(name="posts", description="Turn one of the optional posts on or off")
    async def posts(
        self,
        interaction: Interaction,
        post: str = SlashOption(description="Which post", choices=SWITCH_CHOICES),
        enabled: bool = SlashOption(description="On or off (each is off by default)"),
    ) -> None:
        """Any declared switch: the choices are every feature's own (`preferences.switch`)."""
        await self._switch(interaction, next(s for s in switches() if s.name == post), enabled)

    async def _switch(self, interaction: Interaction, setting: Switch, enabled: bool) -> None:
        self.require_manage_server(interaction)
        guild = await self.settings.set_switch(guild_id_of(interaction), setting, enabled)
        t = i18n.translator(interaction.locale)
        if not enabled:
            await reply_ephemeral(interaction, t._(setting.off))
            return
        note = "" if guild.announce_channel_id or not setting.needs_channel else " " + t._(SET_CHANNEL_FIRST)
        await reply_ephemeral(interaction, t._(setting.on) + note)

    @announce_settings.subcommand(name="feedback", description="When speakers get their feedback summary by DM")
    async def feedback(
        self,
        interaction: Interaction,
        summary_after: int = SlashOption(name="summary-after", description="Hours after the talk (1-168; default 24)",
                                         min_value=1, max_value=168),
    ) -> None:
        """When the speaker's feedback summary comes (podium/feedback.py); the post itself is a switch (`posts`)."""
        self.require_manage_server(interaction)
        on = await self.services.feedback.set_summary_hours(guild_id_of(interaction), summary_after)
        t = i18n.translator(interaction.locale)
        text = t.ngettext("📊 Speakers get their feedback summary by DM {n} hour after their talk.",
                          "📊 Speakers get their feedback summary by DM {n} hours after their talk.", summary_after)
        if not on:
            text += " " + t._("Feedback is off: turn it on with `/announce-settings posts` `post:feedback`.")
        await reply_ephemeral(interaction, text)

    @announce_settings.subcommand(name="new-talks", description="Post each new talk, with a 🔔 Remind me button")
    async def new_talks(
        self,
        interaction: Interaction,
        enabled: bool = SlashOption(
            description="On: each talk added is posted, with its own thread; off: none (the default)"
        ),
    ) -> None:
        """Turn the new-talk announcement on or off (talks added from now on; a switch kept under its own name)."""
        await self._switch(interaction, NEW_TALKS, enabled)
    @announce_settings.subcommand(name="events", description="Show each talk in Discord's Events list")
    async def events(
        self,
        interaction: Interaction,
        enabled: bool = SlashOption(description="On: each talk becomes a scheduled event; off: none (the default)"),
        channel: nextcord.abc.GuildChannel | None = SlashOption(
            description="A stage or voice channel where talks take place", required=False,
            channel_types=EVENT_CHANNELS,
        ),
        location: str | None = SlashOption(
            description="Or where else (default: the announcement channel's name)", required=False, max_length=100,
        ),
    ) -> None:
        """Turn the mirror of talks as Discord scheduled events on or off, and say where they take place."""
        self.require_manage_server(interaction)
        t = i18n.translator(interaction.locale)
        guild_id = guild_id_of(interaction)
        if not enabled:
            await self.settings.set_events(guild_id, enabled=False)
            await reply_ephemeral(
                interaction, t._("No new scheduled events will be made. Events already made keep following their "
                                 "talk until it ends; delete them in Discord's Events if you want them gone."),
            )
            return
        if channel is not None and location is not None:
            raise UserError(N_(
                "Give a `channel` (stage or voice) or a `location`, not both. Nothing was changed. "
                "Example: `/announce-settings events enabled:True location:The Zoom link in #talks`"
            ))
        guild = interaction.guild
        me = guild.me if guild is not None else None
        missing: list[str | Text] = [
            *(lacking(me.guild_permissions, EVENTS_REQUIRED) if me is not None else EVENTS_REQUIRED.values())
        ]
        entity_type, channel_id, place = EXTERNAL, None, None
        if channel is not None:
            entity_type = STAGE if channel.type == nextcord.ChannelType.stage_voice else VOICE
            channel_id = channel.id
            if me is not None:
                missing += [
                    Text(N_("{permission} in {channel}"), {"permission": Text(name), "channel": channel.mention})
                    for name in lacking(channel.permissions_for(me), EVENT_CHANNEL_REQUIRED[entity_type])
                ]
        else:
            place = validate_location(location) if location is not None else None
            place = place or await self._default_location(interaction, guild_id)
        if missing:
            raise UserError(
                N_("I can't make scheduled events: my role is missing **{missing}**. Grant it in Server "
                   "Settings → Roles (or the channel's permissions), then try again. Nothing was changed."),
                missing=names(missing),
            )
        saved, queued = await self.settings.set_events(
            guild_id, enabled=True, entity_type=entity_type, channel_id=channel_id, location=place
        )
        notes = [t.ngettext("{n} upcoming talk is being added now.", "{n} upcoming talks are being added now.",
                            queued)] if queued else []
        if me is not None and not me.guild_permissions.manage_events:
            notes.append(t._("Importing events made by hand (`/schedule import`) also needs **Manage Events** for my "
                             "role."))
        if me is not None and not me.guild_permissions.view_audit_log:
            # Not a refusal: events work without it, only hand edits in Discord are not followed.
            notes.append(t._("My role is missing **View Audit Log**: without it I can't tell who moved or cancelled "
                             "a talk's event in Discord's Events, so every such change is put back (the log channel "
                             "is told once). Grant it in Server Settings → Roles."))
        await reply_ephemeral(
            interaction,
            t._("📅 Each talk now appears in Discord's Events, at {place}: moved, edited and cancelled with it. "
                "Members who click **Interested** are reminded like those who click 🔔 Remind me; when the speaker "
                "or a moderator moves or cancels the event in Discord, the talk follows (anyone else's change is "
                "put back).", place=location_text(saved))
            + "".join(f"\n-# {note}" for note in notes),
        )

    async def _default_location(self, interaction: Interaction, guild_id: int) -> str:
        """The announcement channel's name (#talks), else "Discord"."""
        current = await self.settings.get(guild_id)
        channel = interaction.client.get_channel(current.announce_channel_id or 0)
        return f"#{channel.name}"[:100] if isinstance(channel, nextcord.abc.GuildChannel) else "Discord"

    @announce_settings.subcommand(name="calendar", description="The server's calendar feed: a link to subscribe to")
    async def calendar(
        self,
        interaction: Interaction,
        rotate: bool = SlashOption(description="Make a new link (the old one stops working)", required=False,
                                   default=False),
    ) -> None:
        """Show (or replace) the link to the guild's subscribable calendar feed."""
        self.require_manage_server(interaction)
        token = await self.services.calendars.token(guild_id_of(interaction), rotate=rotate)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(
            interaction, calendar_reply(self.services, token, rotated=rotate, whose="the server's", t=t)
        )

    @announce_settings.subcommand(name="log-channel", description="Where failed deliveries are reported")
    async def log_channel(
        self,
        interaction: Interaction,
        channel: nextcord.TextChannel = SlashOption(
            description="A text or announcement channel", channel_types=POSTABLE
        ),
    ) -> None:
        """Set the log channel."""
        self.require_manage_server(interaction)
        me = interaction.guild.me if interaction.guild else None
        if me is None or not channel.permissions_for(me).send_messages:
            raise UserError(N_("I can't post in {channel}; nothing was changed."), channel=channel.mention)
        await self.settings.set_log_channel(guild_id_of(interaction), channel.id)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(
            interaction, t._("🪵 Delivery problems will be reported in {channel}.", channel=channel.mention)
        )

    @announce_settings.subcommand(name="show", description="Every setting")
    async def show(self, interaction: Interaction) -> None:
        """Every setting with its value."""
        self.require_manage_server(interaction)
        guild = await self.settings.get(guild_id_of(interaction))
        flow = await self.services.workflow.settings(guild_id_of(interaction))
        t = i18n.translator(interaction.locale)
        page = await self.services.pages.settings(guild.guild_id)
        page_state = (t._("Web page: off") if page is None else t._("Web page: public") if page.public
                      else t._("Web page: on, at its secret link"))
        claiming = await slots.load_settings(self.services.db, guild.guild_id)
        claims = t.ngettext("Series slots: {n} per member and evening; open slots posted {before} before",
                            "Series slots: {n} per member and evening; open slots posted {before} before",
                            claiming.per_member, before=t.durations([timedelta(days=claiming.days_before)]))
        offer = await seats.offer_window(self.services.db, guild.guild_id)
        after = await feedback.summary_hours(self.services.db, guild.guild_id)
        timing = t._("Seat offers stay open {offer}; speakers get their feedback summary {after} after the talk",
                     offer=t.durations([offer]), after=t.durations([timedelta(hours=after)]))
        await reply_ephemeral(interaction, describe(guild, t, interaction.guild_locale) + "\n"
                              + describe_workflow(flow, t) + "\n" + page_state + "\n" + claims + "\n" + timing)

    @announce_settings.subcommand(name="preview", description="This week's summary, exactly as it would be posted")
    async def preview(self, interaction: Interaction) -> None:
        """Render the summary privately."""
        self.require_manage_server(interaction)
        now = self.services.clock.now()
        guild_id = guild_id_of(interaction)
        payload = await self.settings.summary_preview(guild_id)
        # In the language it would be posted in, not the moderator's.
        locale = await self.settings.post_locale(guild_id)
        context = RenderContext(weekly.WEEKLY_SUMMARY.name, payload, None, now, now, locale=locale)
        body = render(context, mention_user_id=None)
        embeds = [nextcord.Embed.from_dict(e) for e in body.get("embeds", [])]
        await interaction.response.send_message(
            body["content"], embeds=embeds, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @announce_settings.subcommand(name="test", description="Post a short test message to the announcement channel")
    async def test(self, interaction: Interaction) -> None:
        """Try the channel now and report exactly what happened."""
        self.require_manage_server(interaction)
        guild = await self.settings.get(guild_id_of(interaction))
        channel = interaction.client.get_channel(guild.announce_channel_id) if guild.announce_channel_id else None
        if not isinstance(channel, nextcord.TextChannel):
            raise UserError(
                N_("No announcement channel is set (or I can't see it). Set one with `/announce-settings channel`.")
            )
        me = interaction.guild.me if interaction.guild else None
        missing = missing_permissions(channel.permissions_for(me)) if me else []
        if missing:
            raise UserError(
                N_("I can't post in {channel}: I'm missing **{missing}** there. Grant them to my "
                   "role in the channel's settings (Edit Channel → Permissions), then try again."),
                channel=channel.mention, missing=names(missing),
            )
        t = i18n.translator(interaction.locale)
        post_t = i18n.translator(await self.settings.post_locale(guild.guild_id))
        # The post may wait for the channel's rate limit: answer Discord first (it allows 3 s), report after.
        await interaction.response.defer(ephemeral=True)
        try:
            await channel.send(
                post_t._("👋 Podium test message: announcements will appear here."),
                allowed_mentions=NO_MENTIONS,
            )
        except nextcord.Forbidden:
            await reply_ephemeral(
                interaction,
                t._("Discord did not let me post in {channel}: my role lacks a permission there (Send Messages, "
                    "or View Channel). Check the channel's permissions for my role, then try again.",
                    channel=channel.mention),
            )
            return
        except nextcord.HTTPException as exc:
            await reply_ephemeral(
                interaction,
                t._("Posting to {channel} failed on Discord's side ({status}); try again later.",
                    channel=channel.mention, status=exc.status),
            )
            return
        await reply_ephemeral(interaction, t._("✅ Posted a test message in {channel}.", channel=f"<#{channel.id}>"))

    @announce_settings.subcommand(name="language", description="The language of the server's posts")
    async def language(
        self,
        interaction: Interaction,
        language: str = SlashOption(description="A language Podium speaks, or the server's language in Discord",
                                    choices=LANGUAGE_CHOICES),
    ) -> None:
        """Set (or clear) the language of the announcement channel's posts; queued posts follow it too."""
        self.require_manage_server(interaction)
        chosen = None if language == SERVER_DEFAULT else language
        await self.settings.set_language(guild_id_of(interaction), chosen)
        t = i18n.translator(interaction.locale)
        if chosen is None:
            name = i18n.language_name(i18n.language_of(interaction.guild_locale))
            text = t._("📣 Posts follow the server's language in Discord again (now {language}).", language=name)
        else:
            text = t._("📣 Posts are written in {language} from now on, also those already queued.",
                       language=i18n.language_name(chosen))
        await reply_ephemeral(interaction, text)

    @announce_settings.subcommand(name="page", description="The server's web page of talks: on, public, new link, off")
    async def page(
        self,
        interaction: Interaction,
        action: str = SlashOption(description="What to do with the page", choices=PAGE_CHOICES),
        ratings: bool | None = SlashOption(description="Show each past talk's number of ratings on the page",
                                           required=False, default=None),
    ) -> None:
        """Turn the web page of talks on or off, make it public or private, or give it a new secret link."""
        self.require_manage_server(interaction)
        settings = self.services.settings
        if settings.public_url is None or settings.http_port is None:
            # Nothing is stored: a page nobody can reach would only look on.
            raise UserError(N_("The web page needs the bot's web endpoint to be reachable: ask whoever hosts Podium "
                               "to set `HTTP_PORT` and `PUBLIC_URL` (README, \"Web page\"). Nothing was changed."))
        guild_id = guild_id_of(interaction)
        t = i18n.translator(interaction.locale)
        pages = self.services.pages
        if action == "off":
            removed = await pages.turn_off(guild_id)
            await reply_ephemeral(interaction, t._("🌐 The web page is off; its links no longer work.") if removed
                                  else t._("🌐 The web page was already off."))
            return
        if action == "rotate":
            rotated = await pages.rotate(guild_id, ratings=ratings)
            if rotated is None:
                # No link to retire, and a new link is not a request to publish the talks.
                await reply_ephemeral(interaction, t._("🌐 The web page is off, so it has no link to replace; nothing "
                                                       "was changed. Turn it on with `action:on`."))
                return
            await reply_ephemeral(interaction, page_reply(settings.public_url, rotated, action, t))
            return
        public = {"public": True, "private": False}.get(action)
        page = await pages.turn_on(guild_id, public=public, ratings=ratings)
        await reply_ephemeral(interaction, page_reply(settings.public_url, page, action, t))


    @announce_settings.subcommand(name="slots", description="Claiming series slots: per member, and when announced")
    async def slots_cmd(
        self,
        interaction: Interaction,
        per_member: int | None = SlashOption(
            name="per-member", description="How many slots of one evening a member may hold (1-10; default 1)",
            required=False, min_value=1, max_value=10,
        ),
        days_before: int | None = SlashOption(
            name="days-before", description="Days before an evening its open slots are posted (1-28; default 5)",
            required=False, min_value=1, max_value=28,
        ),
    ) -> None:
        """Set how many slots of an evening one member may claim, and when open slots are announced."""
        self.require_manage_server(interaction)
        services = self.services
        chosen = await slots.save_settings(services.db, services.outbox, guild_id_of(interaction),
                                           services.clock.now(), per_member=per_member, days_before=days_before)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(interaction, t.ngettext(
            "🎤 A member may hold {n} slot of one evening; open slots are posted {before} before each evening.",
            "🎤 A member may hold {n} slots of one evening; open slots are posted {before} before each evening.",
            chosen.per_member, before=t.durations([timedelta(days=chosen.days_before)])))


def page_reply(public_url: str, page: PageSettings, action: str, t: Translator) -> str:
    """The private answer with the page's links and what they show."""
    links = page_links(public_url, page)
    assert links is not None
    secret, public = links
    lines = [t._("🌐 The server's web page of talks: {link}", link=f"<{secret}>")]
    if action == "rotate":
        lines.append(t._("The old link no longer works."))
    if public is not None:
        lines.append(t._("It is public, also at {link}: anyone may find and share it.", link=f"<{public}>"))
    else:
        lines.append(t._("Only people with the link can open it. Make a new one with `action:rotate`."))
    lines.append(t._("-# It shows approved talks with their speakers' names, descriptions and links; rating counts: "
                     "{ratings}.", ratings=_yes(t, page.show_ratings)))
    return "\n".join(lines)
