"""/remind-me: personal time zone, talk-reminder preferences and one-off reminders (all replies private)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import cast

import nextcord
from nextcord import Interaction, SlashOption
from nextcord.ext import commands

from cogs._components import handles
from cogs._options import WhenOption, read_time
from cogs._replies import (
    VIA_CHOICES,
    VIA_LABEL,
    autocomplete_timezones,
    guild_id_of,
    is_moderator,
    reply_ephemeral,
    user_id_of,
)
from cogs._zone import OTHER_ZONE, ZONE_SET, read_in, set_zone_from_button
from cogs.announce_settings import calendar_reply
from podium import i18n, timeparse
from podium.components import CustomId
from podium.delivery.outbox import OutboxRow
from podium.i18n import N_
from podium.markup import both_times, discord_time, fit_lines, quote, quote_clipped
from podium.people import PeopleError, PersonalReminder
from podium.preferences import Via, effective_reminders, effective_zone, load_guild, load_user
from podium.services import Services
from podium.talk_model import Talk
from podium.zones import local_moment

log = logging.getLogger(__name__)


# Each part of /remind-me list gets a share of Discord's 2,000 characters; long lists end with "… and N more".
LIST_PARTS = {"personal": 800, "talks": 720, "missed": 330}
REMINDER_TEXT_CHARS = 120
# A talk's topic on a line of /remind-me list: the line must say which talk without crowding the others out.
TALK_TOPIC_CHARS = 60
PICK_REMINDER = i18n.N_("Pick a reminder from the list that appears as you type.")
MORE = N_("… and {n} more")


def where_it_goes(fallback_channel_id: int | None, t: i18n.Translator = i18n.ENGLISH) -> str:
    """Where a personal reminder is delivered, said when it is set and in the list."""
    if fallback_channel_id is not None:
        return "-# " + t._("By DM; if your DMs are closed, here in {channel}.", channel=f"<#{fallback_channel_id}>")
    return "-# " + t._(
        "By DM only: you can't post in this channel, so I won't post it here. If your DMs are closed it is "
        "skipped (`/remind-me list` shows it)."
    )


def reminders_text(
    personal: list[PersonalReminder], talk_rows: list[OutboxRow], missed: list[PersonalReminder],
    t: i18n.Translator = i18n.ENGLISH, talks: Mapping[int, Talk] | None = None,
) -> str:
    """The reply of /remind-me list, within Discord's 2,000 characters; `talks` names each talk reminder's talk."""
    talks = talks or {}

    def reminder_line(r: PersonalReminder) -> str:
        where = (" " + t._("(else {channel})", channel=f"<#{r.fallback_channel_id}>") if r.fallback_channel_id
                 else " " + t._("(DM only)"))
        # No "#12" in front: reminders are picked by their text in /remind-me edit and delete, never by number.
        return f"• {both_times(r.due_at)}: {quote_clipped(r.text, REMINDER_TEXT_CHARS)}{where}"

    def via(target_type: str) -> str:
        return t._(VIA_LABEL[target_type]) if target_type in VIA_LABEL else target_type

    more, none = t._(MORE), "• " + t._("none")
    parts = ["**" + t._("Personal reminders") + "**"]
    parts.append(fit_lines([reminder_line(r) for r in personal], LIST_PARTS["personal"], more)[0] or none)
    parts.append(t._("**Talk reminders** (talks you speak at, and 🔔 talks you asked to be reminded of)"))

    def talk_line(rows: list[OutboxRow]) -> str:
        first = rows[0]
        mark = "" if first.kind == "talk_reminder" else "🔔 "
        talk = talks.get(first.talk_id) if first.talk_id is not None else None
        if talk is None:  # the talk went between the two reads: the reminder alone still says when
            return f"• {mark}" + t._("{when} via {via}", when=discord_time(first.due_at), via=via(first.target_type))
        # One line per talk: its reminders as offsets ("1 day and 1 hour before"), not one bare time per line, which
        # read as the same reminder twice; the next one's relative time says when the member hears next.
        return f"• {mark}" + t._(
            "{topic} ({starts}): {offsets} before, via {via}; next {when}",
            topic=quote_clipped(talk.topic, TALK_TOPIC_CHARS), starts=discord_time(talk.starts_at, "f"),
            offsets=t.durations(talk.starts_at - r.due_at for r in rows),
            when=discord_time(min(r.due_at for r in rows), "R"), via=via(first.target_type),
        )

    # Rows of one talk, kind and target together, in the order they came (by due time).
    grouped: dict[tuple[int | None, str, str], list[OutboxRow]] = {}
    for r in talk_rows:
        key = (r.talk_id, r.kind, r.target_type) if r.talk_id in talks else (r.id, r.kind, r.target_type)
        grouped.setdefault(key, []).append(r)
    talk_lines = [talk_line(rows) for rows in grouped.values()]
    parts.append(fit_lines(talk_lines, LIST_PARTS["talks"], more)[0] or none)
    if missed:
        parts.append("**" + t._("Not delivered in the last 7 days") + "**")
        missed_lines = [
            f"• {discord_time(r.due_at)}: {quote_clipped(r.text, 60)} — {explain_missed(r.reason, t)}" for r in missed
        ]
        parts.append(fit_lines(missed_lines, LIST_PARTS["missed"], more)[0])
    return "\n".join(parts)


def explain_missed(reason: str | None, t: i18n.Translator = i18n.ENGLISH) -> str:
    """Why a personal reminder was not delivered, in a person's words."""
    text = reason or ""
    if "opted out" in text:
        return t._("you stopped personal reminders (`/opt-out allow`)")
    if "DMs refused" in text or "50007" in text:
        return t._("your DMs are closed and you couldn't post in the channel where you set it")
    return t._("Discord refused it")


RESET_CHOICES = {N_("My time zone"): "timezone", N_("My talk reminder settings"): "talk-reminders", N_("Both"): "all"}


class RemindMe(commands.Cog):
    """/remind-me timezone | talks | at | list | edit | delete | calendar | reset | show."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.people = services.people

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
        t = i18n.translator(interaction.locale)
        name, note = timeparse.resolve_timezone(zone, t)
        await self.people.set_timezone(user_id_of(interaction), name)
        local = timeparse.local_now_text(name, self.services.clock.now(), t)
        extra = f"\n-# {note}" if note else ""
        await reply_ephemeral(
            interaction,
            t._("🌍 Your time zone is now **{zone}** — it is {local} there.", zone=name, local=local) + extra,
        )

    @timezone.on_autocomplete("zone")
    async def zone_autocomplete(self, interaction: Interaction, zone: str) -> None:
        """IANA names matched on any part, plus common abbreviations."""
        await autocomplete_timezones(interaction, zone)

    @remind_me.subcommand(
        name="talks", description="When and where you are reminded of talks you speak at or asked to be reminded of"
    )
    async def talks(
        self,
        interaction: Interaction,
        before: str = SlashOption(
            description="e.g. '24h, 1h' or '2d 30m' (1-5 offsets, 5 min to 30 days)", max_length=100
        ),
        via: str | None = SlashOption(description="Where reminders go", required=False, choices=VIA_CHOICES),
    ) -> None:
        """Store reminder offsets (and delivery) and re-plan the caller's upcoming talks."""
        offsets = timeparse.parse_offsets(before)
        replanned = await self.people.set_talk_reminders(user_id_of(interaction), offsets, cast(Via | None, via))
        t = i18n.translator(interaction.locale)
        where = " " + t._("by {via}", via=t._(VIA_LABEL[via])) if via else ""
        talks = ""
        if replanned:
            talks = " " + t.ngettext("Re-planned {n} upcoming talk.", "Re-planned {n} upcoming talks.", replanned)
        await reply_ephemeral(
            interaction,
            t._("⏰ You'll be reminded {offsets} before each talk you speak at or asked to be reminded of "
                "(🔔 Remind me){where}.", offsets=t.durations(offsets), where=where)
            + talks,
        )

    @remind_me.subcommand(name="at", description="A one-off reminder for yourself")
    async def at(
        self,
        interaction: Interaction,
        when: WhenOption = SlashOption(description="e.g. 'in 30 minutes', 'tomorrow 9:00'", max_length=100),
        message: str = SlashOption(description="What to remind you of", min_length=1, max_length=500),
    ) -> None:
        """Queue a personal reminder."""
        permissions = interaction.permissions
        in_thread = isinstance(interaction.channel, nextcord.Thread)
        reminder = await self.people.add_personal_reminder(
            user_id=user_id_of(interaction),
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            when=when.when,
            text=message,
            # The member's own right to post here (Use Application Commands does not include it).
            can_post_there=bool(permissions.send_messages_in_threads if in_thread else permissions.send_messages),
        )
        t = i18n.translator(interaction.locale)
        read, view = await read_in(self.services, interaction, when)
        await reply_ephemeral(
            interaction,
            t._("🔔 I'll remind you {when}: {text}", when=both_times(reminder.due_at), text=quote(reminder.text))
            + f"\n{where_it_goes(reminder.fallback_channel_id, t)}\n{read}",
            view=view,
        )

    @remind_me.subcommand(name="list", description="Your pending reminders")
    async def list_(self, interaction: Interaction) -> None:
        """Personal reminders and planned talk reminders."""
        user_id = user_id_of(interaction)
        personal = await self.people.personal_reminders(user_id)
        talk_rows = await self.people.talk_reminders(user_id)
        since = self.services.clock.now() - timedelta(days=7)
        missed = await self.people.undelivered_reminders(user_id, since=since)
        talks = {}
        for talk_id in {r.talk_id for r in talk_rows if r.talk_id is not None}:
            if (talk := await self.services.talks.find(talk_id)) is not None:
                talks[talk_id] = talk
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(interaction, reminders_text(personal, talk_rows, missed, t, talks))

    @remind_me.subcommand(name="edit", description="Change the time or text of one of your personal reminders")
    async def edit(
        self,
        interaction: Interaction,
        reminder: str = SlashOption(description="The reminder", autocomplete=True),
        when: str | None = SlashOption(
            description="A new time, e.g. 'in 2 hours', 'tomorrow 9:00'", required=False, max_length=100
        ),
        message: str | None = SlashOption(description="A new text", required=False, min_length=1, max_length=500),
    ) -> None:
        """Re-time or re-word a pending personal reminder (the same reminder, so its buttons stay)."""
        if not reminder.strip().isdigit():
            raise PeopleError(PICK_REMINDER)
        # The same reading of times as every `when` option: the member's zone and language.
        parsed = await read_time(interaction.client, interaction, when) if when is not None else None
        edited = await self.people.edit_personal_reminder(
            user_id_of(interaction), int(reminder), when=parsed.when if parsed else None, text=message
        )
        t = i18n.translator(interaction.locale)
        read, view = await read_in(self.services, interaction, parsed) if parsed else ("", None)
        await reply_ephemeral(
            interaction,
            t._("✏️ I'll remind you {when}: {text}", when=both_times(edited.due_at), text=quote(edited.text))
            + (f"\n{read}" if read else ""),
            view=view,
        )

    @remind_me.subcommand(name="delete", description="Delete one of your personal reminders")
    async def delete(
        self,
        interaction: Interaction,
        reminder: str = SlashOption(description="The reminder", autocomplete=True),
    ) -> None:
        """Cancel one pending personal reminder."""
        t = i18n.translator(interaction.locale)
        if not reminder.strip().isdigit():
            await reply_ephemeral(interaction, t._(PICK_REMINDER))
            return
        if await self.people.delete_personal_reminder(user_id_of(interaction), int(reminder)):
            await reply_ephemeral(interaction, t._("🗑️ Deleted."))
        else:
            await reply_ephemeral(interaction, t._("I can't find that pending reminder of yours; nothing changed."))

    @delete.on_autocomplete("reminder")
    @edit.on_autocomplete("reminder")
    async def reminder_autocomplete(self, interaction: Interaction, reminder: str) -> None:
        """The caller's pending personal reminders, matched on text."""
        needle = (reminder or "").casefold()
        found = [
            r for r in await self.people.personal_reminders(user_id_of(interaction)) if needle in r.text.casefold()
        ]
        user = await load_user(self.services.db, user_id_of(interaction))
        guild = await load_guild(self.services.db, interaction.guild_id) if interaction.guild_id else None
        zone = effective_zone(user, guild)
        t = i18n.translator(interaction.locale)
        await interaction.response.send_autocomplete(
            {f"{local_moment(r.due_at, zone, t)} — {r.text}"[:100]: str(r.id) for r in found[:25]}
        )

    @remind_me.subcommand(
        name="calendar", description="Your own calendar feed: talks you speak at or asked to be reminded of"
    )
    async def calendar(
        self,
        interaction: Interaction,
        rotate: bool = SlashOption(description="Make a new link (the old one stops working)", required=False,
                                   default=False),
    ) -> None:
        """Show (or replace) the link to the member's own calendar feed."""
        token = await self.services.calendars.token(guild_id_of(interaction), user_id_of(interaction), rotate=rotate)
        t = i18n.translator(interaction.locale)
        operator = await is_moderator(interaction, self.services)
        await reply_ephemeral(
            interaction, calendar_reply(self.services, token, rotated=rotate, whose="your", operator=operator, t=t)
        )

    @remind_me.subcommand(name="reset", description="Go back to the server's default for a setting of yours")
    async def reset(
        self,
        interaction: Interaction,
        what: str = SlashOption(description="What to reset", choices=RESET_CHOICES),
    ) -> None:
        """Clear the caller's own time zone and/or talk reminder settings: the server's defaults apply again."""
        user_id = user_id_of(interaction)
        replanned = await self.people.reset(user_id, timezone=what in ("timezone", "all"),
                                            talk_reminders=what in ("talk-reminders", "all"))
        user = await self.people.preferences(user_id)
        guild = await self.services.guild_settings.get(guild_id_of(interaction))
        offsets, via = effective_reminders(user, guild)
        t = i18n.translator(interaction.locale)
        lines = []
        if what in ("timezone", "all"):
            lines.append(t._("🌍 Your times are read in the server's time zone again: **{zone}**.",
                             zone=effective_zone(user, guild)))
        if what in ("talk-reminders", "all"):
            before = t.durations(timedelta(seconds=o) for o in offsets)
            again = (" " + t.ngettext("Re-planned {n} upcoming talk.", "Re-planned {n} upcoming talks.", replanned)
                     if replanned else "")
            lines.append(t._("⏰ Talk reminders follow the server again: {before} before, by {via}.",
                             before=before, via=t._(VIA_LABEL.get(via, via))) + again)
        await reply_ephemeral(interaction, "\n".join(lines))

    @handles(ZONE_SET, OTHER_ZONE)
    async def on_zone_button(self, interaction: Interaction, clicked: CustomId) -> None:
        """"Use … as my time zone", offered under a time read in the server's zone (routed by ComponentRouter)."""
        await set_zone_from_button(self.services, interaction, clicked)

    @remind_me.subcommand(name="show", description="Your settings")
    async def show(self, interaction: Interaction) -> None:
        """The caller's effective settings and where each comes from."""
        user = await self.people.preferences(user_id_of(interaction))
        guild = await self.services.guild_settings.get(guild_id_of(interaction))
        offsets, via = effective_reminders(user, guild)
        zone = effective_zone(user, guild)
        t = i18n.translator(interaction.locale)
        # The short names /opt-out offers (Discord shows each member their translation).
        opted = [t._(topic.choice or topic.label) for topic, stopped in await self.people.consent(user.user_id)
                 if stopped]
        default = " " + t._("(server default)")
        before = t.durations(timedelta(seconds=o) for o in offsets)
        lines = [
            t._("Time zone: **{zone}**{default} — {local}", zone=zone, default="" if user.timezone else default,
                local=timeparse.local_now_text(zone, self.services.clock.now(), t)),
            t._("Talk reminders: {before} before, by {via}{default}", before=before,
                via=t._(VIA_LABEL[via]) if via in VIA_LABEL else via,
                default="" if user.reminder_offsets else default),
            t._("Opted out of: {what}", what=", ".join(opted) if opted else t._("nothing")),
        ]
        await reply_ephemeral(interaction, "\n".join(lines))
