"""/schedule: talk sign-ups, listing, moving, cancelling, exporting. Thin: parse, call TalkService, reply."""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import nextcord
from nextcord import Interaction, SlashOption
from nextcord.ext import commands

from cogs._components import view_of
from cogs._confirm import ConfirmView
from cogs._options import WhenOption
from cogs._replies import (
    NO_MENTIONS,
    VIA_LABEL,
    guild_id_of,
    guild_rights,
    has_role,
    reply_ephemeral,
    user_id_of,
)
from cogs._zone import read_in
from podium import components, i18n, timeparse
from podium.audience import AUDIENCE_KINDS, going
from podium.calendar_feed import build_calendar
from podium.clock import from_ms
from podium.markup import both_times, command, discord_time, fit_lines, quote_clipped
from podium.preferences import effective_zone, load_guild, load_user
from podium.scheduled_events import EVENT_KINDS, EventsError
from podium.services import Services
from podium.talks import Actor, Talk, TalkError
from podium.transport import GoneError

log = logging.getLogger(__name__)

PAGE_SIZE = 10
LIST_PREFIX = "podium:list:"
CONTENT_LIMIT, EMBED_DESCRIPTION_LIMIT = 2000, 4096
MORE_TALKS = "… and {n} more"


# A topic in a list takes at most this many characters (escaped): ten of them always fit one embed.
LIST_TOPIC_CHARS = 150


def talk_line(talk: Talk, attendees: int = 0) -> str:
    """One line of a talk list: when, topic, speaker (named; embeds never ping), how many are going."""
    topic = quote_clipped(talk.topic, LIST_TOPIC_CHARS)
    count = f" · 🔔 {going(attendees)}" if attendees else ""
    return f"{both_times(talk.starts_at)} — {topic} by <@{talk.speaker_id}> · {talk.duration_minutes} min{count}"


def mine_text(talks: list[Talk], total: int) -> str:
    """The reply of /schedule mine, within Discord's 2,000 characters."""
    lines, _ = fit_lines([f"#{t.id} {talk_line(t)}" for t in talks], CONTENT_LIMIT - 40, more=MORE_TALKS)
    return f"Your upcoming talks ({total}):\n{lines}"


def info_text(
    talk: Talk,
    planned: list[tuple[str, datetime, str]] | None,
    *,
    attendees: int = 0,
    mine: bool = False,
    audience_rows: dict[str, int] | None = None,
) -> str:
    """The reply of /schedule info; what is planned (and the audience's rows, counted) for speaker and moderators."""
    head = [
        f"{quote_clipped(talk.topic, 400)} (#{talk.id}, {talk.state})",
        f"Speaker: <@{talk.speaker_id}> · {both_times(talk.starts_at)} · {talk.duration_minutes} min",
        f"🔔 {going(attendees)}{' (you too)' if mine else ''}",
    ]
    # A block quote runs to the end of the message: the description comes last.
    tail = f"\n>>> {talk.description}" if talk.description else ""
    if planned is None:
        return "\n".join(head) + tail
    lines = [
        f"• {kind.replace('_', ' ')} {discord_time(when)} via {VIA_LABEL.get(via, via)}" for kind, when, via in planned
    ]
    lines += [f"• {n} × {kind.replace('_', ' ')}" for kind, n in (audience_rows or {}).items()]
    if not lines:
        return "\n".join([*head, "No messages planned."]) + tail
    budget = CONTENT_LIMIT - len("\n".join(head)) - len(tail) - 30
    listed, _ = fit_lines(lines, budget, more="… and {n} more")
    return "\n".join([*head, "Planned messages:", listed]) + tail


def choice_label(talk: Talk, zone: str = "UTC") -> str:
    """An autocomplete label in the member's zone, with the speaker's name (Discord: ≤ 100 characters, plain text)."""
    local = talk.starts_at.astimezone(ZoneInfo(zone))
    when = f"{local:%a %d %b %H:%M}" + (" UTC" if zone == "UTC" else "")
    by = f" · {talk.speaker_name[:30]}" if talk.speaker_name else ""
    tail = f" — {when}{by}"
    return f"{talk.topic[: 100 - len(tail)]}{tail}"


class Schedule(commands.Cog):
    """/schedule add | list | mine | reschedule | edit | cancel | info | export."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.talks = services.talks
        # dateparser's first call costs ~300 ms: pay it at start, not in someone's command.
        log.debug("dateparser warmed up in %.0f ms", timeparse.warm_up() * 1000)

    # -- helpers -------------------------------------------------------------------------------

    async def actor(self, interaction: Interaction) -> Actor:
        """Who is acting, and whether they are a moderator of the whole server.

        Manage Events, Manage Server or Administrator from their roles, or the moderator role — never from one
        channel's overwrites.
        """
        rights = guild_rights(interaction)
        is_moderator = bool(rights.manage_events or rights.manage_guild or rights.administrator)
        if not is_moderator and interaction.guild_id is not None:
            guild = await self.services.guild_settings.get(interaction.guild_id)
            is_moderator = has_role(interaction, guild.moderator_role_id)
        return Actor(user_id_of(interaction), is_moderator=is_moderator)

    @staticmethod
    def talk_id(value: str) -> int:
        """The talk id an autocomplete choice carries."""
        if not value.strip().isdigit():
            raise TalkError("Pick a talk from the list that appears as you type in the `talk` option.")
        return int(value)

    async def list_page(self, guild_id: int, days: int, page: int) -> tuple[nextcord.Embed, nextcord.ui.View | None]:
        """One page of upcoming talks, a "Remind me of…" select of them, previous/next buttons past PAGE_SIZE."""
        talks, total = await self.talks.upcoming(
            guild_id, within=timedelta(days=days), limit=PAGE_SIZE, offset=page * PAGE_SIZE
        )
        pages = max(1, -(-total // PAGE_SIZE))
        going_to = await self.services.audience.counts([t.id for t in talks])
        embed = nextcord.Embed(title=f"Upcoming talks — next {days} days", colour=nextcord.Colour.blurple())
        lines, _ = fit_lines([talk_line(t, going_to[t.id]) for t in talks], EMBED_DESCRIPTION_LIMIT, more=MORE_TALKS)
        embed.description = lines or f"No talks yet — sign up with {command('schedule add')}."
        embed.set_footer(text=f"Page {page + 1}/{pages} · {total} talk{'s' if total != 1 else ''}")
        if not talks:
            return embed, None
        # prevent_update=False (view_of): nextcord must not track (and auto-answer) these; the stateless
        # listeners answer them (on_list_page, and cogs/audience.py for the select), also after a restart.
        choices = [(t.id, choice_label(t)) for t in talks]
        view = view_of([components.talk_picker(choices), components.stop_picker(choices)])
        if pages > 1:
            for label, target, disabled in (
                ("◀ Previous", page - 1, page == 0),
                ("Next ▶", page + 1, page >= pages - 1),
            ):
                view.add_item(nextcord.ui.Button(
                    label=label, custom_id=f"{LIST_PREFIX}{days}:{target}:{label[0]}", disabled=disabled, row=2
                ))
        return embed, view

    # -- commands ------------------------------------------------------------------------------

    @nextcord.slash_command(
        name="schedule",
        description="Sign up for a talk, move it or cancel it",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def schedule(self, interaction: Interaction) -> None:
        """Parent of the /schedule subcommands."""

    @schedule.subcommand(name="add", description="Sign up for a talk")
    async def add(
        self,
        interaction: Interaction,
        when: WhenOption = SlashOption(
            description="When, in your time zone: e.g. 'friday 18:00', '2026-12-03 19:00'", max_length=100
        ),
        topic: str = SlashOption(description="What the talk is about", min_length=1, max_length=200),
        speaker: nextcord.Member | None = SlashOption(description="Sign someone else up (moderators)", required=False),
        duration: int | None = SlashOption(
            description="Minutes (5-240); default: the server's slot length", required=False, min_value=5, max_value=240
        ),
    ) -> None:
        """Sign up for a talk."""
        actor = await self.actor(interaction)
        person = speaker or interaction.user
        talk = await self.talks.add(
            guild_id=guild_id_of(interaction),
            actor=actor,
            speaker_id=speaker.id if speaker else actor.user_id,
            topic=topic,
            starts_at=when.when,
            duration_minutes=duration,
            speaker_name=person.display_name if person is not None else None,
        )
        t = i18n.translator(interaction.locale)
        details = {"topic": quote_clipped(talk.topic, 400), "when": both_times(talk.starts_at),
                   "minutes": talk.duration_minutes}
        if talk.speaker_id == actor.user_id:
            signed_up = t._("✅ You are signed up: {topic} on {when}, {minutes} min.", **details)
        else:
            signed_up = t._("✅ {speaker} is signed up: {topic} on {when}, {minutes} min.",
                            speaker=f"<@{talk.speaker_id}>", **details)
        read, view = await read_in(self.services, interaction, when)
        await reply_ephemeral(interaction, f"{signed_up} #{talk.id}\n{read}", view=view)

    @schedule.subcommand(name="list", description="Upcoming talks")
    async def list_(
        self,
        interaction: Interaction,
        days: int = SlashOption(
            description="How many days ahead (1-90)", required=False, default=30, min_value=1, max_value=90
        ),
    ) -> None:
        """Upcoming talks, paginated."""
        embed, view = await self.list_page(guild_id_of(interaction), days, 0)
        if view is None:
            await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(embed=embed, view=view, allowed_mentions=NO_MENTIONS)

    @schedule.subcommand(name="mine", description="Your upcoming talks")
    async def mine(self, interaction: Interaction) -> None:
        """The caller's own upcoming talks."""
        talks, total = await self.talks.upcoming(guild_id_of(interaction), speaker_id=user_id_of(interaction))
        if not talks:
            t = i18n.translator(interaction.locale)
            await reply_ephemeral(interaction, t._("You have no upcoming talks. Sign up with `/schedule add`."))
            return
        await reply_ephemeral(interaction, mine_text(talks, total))

    @schedule.subcommand(name="reschedule", description="Move a talk")
    async def reschedule(
        self,
        interaction: Interaction,
        talk: str = SlashOption(description="The talk to move", autocomplete=True),
        when: WhenOption = SlashOption(description="The new time, in your time zone", max_length=100),
    ) -> None:
        """Move a talk to a new time."""
        _, after = await self.talks.reschedule(
            guild_id=guild_id_of(interaction),
            actor=await self.actor(interaction),
            talk_id=self.talk_id(talk),
            starts_at=when.when,
        )
        t = i18n.translator(interaction.locale)
        read, view = await read_in(self.services, interaction, when)
        await reply_ephemeral(
            interaction,
            t._("📅 {topic} moved to {when}. The speaker is notified and the reminders re-planned.",
                topic=quote_clipped(after.topic, 400), when=both_times(after.starts_at))
            + f"\n{read}",
            view=view,
        )

    @schedule.subcommand(name="edit", description="Change a talk's topic, length, description or speaker")
    async def edit(
        self,
        interaction: Interaction,
        talk: str = SlashOption(description="The talk to change", autocomplete=True),
        topic: str | None = SlashOption(description="A new topic", required=False, min_length=1, max_length=200),
        duration: int | None = SlashOption(
            description="A new length in minutes (5-240)", required=False, min_value=5, max_value=240
        ),
        description: str | None = SlashOption(
            description="What the talk is about, up to 1,000 characters ('-' removes it)", required=False,
            max_length=1000,
        ),
        speaker: nextcord.Member | None = SlashOption(description="Give it to someone else (moderators)",
                                                      required=False),
    ) -> None:
        """Edit a talk without cancelling it; attendees hear only of a new speaker."""
        before, after = await self.talks.edit(
            guild_id=guild_id_of(interaction),
            actor=await self.actor(interaction),
            talk_id=self.talk_id(talk),
            topic=topic,
            duration_minutes=duration,
            description=description,
            speaker_id=speaker.id if speaker else None,
        )
        changed = [
            name for name, old, new in (
                ("topic", before.topic, after.topic),
                ("length", before.duration_minutes, after.duration_minutes),
                ("description", before.description, after.description),
                ("speaker", before.speaker_id, after.speaker_id),
            ) if old != new
        ]
        told = (" Those who asked to be reminded are told about the new speaker, who gets the speaker's reminders."
                if before.speaker_id != after.speaker_id else "")
        await reply_ephemeral(
            interaction,
            f"✏️ {quote_clipped(after.topic, 400)} ({both_times(after.starts_at)}): changed the {', '.join(changed)}."
            f"{told}",
        )

    @schedule.subcommand(name="cancel", description="Cancel a talk (asks to confirm)")
    async def cancel(
        self,
        interaction: Interaction,
        talk: str = SlashOption(description="The talk to cancel", autocomplete=True),
        reason: str | None = SlashOption(description="Why (told to the speaker)", required=False, max_length=300),
    ) -> None:
        """Ask to confirm, then cancel."""
        found = await self.talks.get(guild_id_of(interaction), self.talk_id(talk))
        if found is None or found.state != "scheduled":
            raise TalkError(
                i18n.N_("I can't find that scheduled talk. Pick one from the list that appears as you type.")
            )
        actor = await self.actor(interaction)
        if found.speaker_id != actor.user_id and not actor.is_moderator:
            raise TalkError(i18n.N_("Only the speaker or a moderator can cancel this talk."))
        await ConfirmCancel(self, found, actor, reason).ask(
            interaction,
            i18n.translator(interaction.locale)._("Cancel {topic} on {when}? This can't be undone.",
                                                  topic=quote_clipped(found.topic, 400),
                                                  when=discord_time(found.starts_at)),
        )

    @schedule.subcommand(name="info", description="One talk in detail, with its planned reminders")
    async def info(
        self, interaction: Interaction, talk: str = SlashOption(description="The talk", autocomplete=True)
    ) -> None:
        """Details of one talk."""
        found = await self.talks.get(guild_id_of(interaction), self.talk_id(talk))
        if found is None:
            raise TalkError(i18n.N_("I can't find that talk. Pick one from the list that appears as you type."))
        actor = await self.actor(interaction)
        attendees = await self.services.audience.count(found.id)
        mine = await self.services.audience.is_attending(found.id, actor.user_id)
        planned = None
        if actor.user_id == found.speaker_id or actor.is_moderator:
            # When and where someone is reminded is theirs: shown to the speaker and moderators only. The
            # audience's rows are counted, not listed: a talk may have thousands of attendees.
            # The event's updates are no messages to anyone: not listed.
            rows = await self.talks.planned_messages(found.id, exclude=(*AUDIENCE_KINDS, *EVENT_KINDS))
            planned = [(r["kind"], from_ms(r["due_at_ms"]), r["target_type"]) for r in rows]
            audience_rows = await self.services.audience.planned(found.id)
        else:
            audience_rows = None
        content = info_text(found, planned, attendees=attendees, mine=mine, audience_rows=audience_rows)
        if found.state != "scheduled":
            await reply_ephemeral(interaction, content)
            return
        await interaction.response.send_message(
            content, view=view_of([components.remind_buttons(found.id)]), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @schedule.subcommand(name="export", description="Download upcoming talks as a calendar file (.ics)")
    async def export(self, interaction: Interaction) -> None:
        """An .ics file of the upcoming talks."""
        talks, _ = await self.talks.upcoming(guild_id_of(interaction), limit=1000)
        name = f"{interaction.guild.name} talks" if interaction.guild else "Talks"
        data = build_calendar(talks, name=name, now=self.services.clock.now())
        await interaction.response.send_message(
            f"{len(talks)} upcoming talk{'s' if len(talks) != 1 else ''}: open the file to add them to your calendar.",
            file=nextcord.File(io.BytesIO(data), filename="podium-talks.ics"),
            ephemeral=True,
        )

    @schedule.subcommand(name="import", description="Make a talk of an event made in Discord's Events (moderators)")
    async def import_event(
        self,
        interaction: Interaction,
        event: str = SlashOption(description="The event (scheduled, not started)", autocomplete=True),
        speaker: nextcord.Member | None = SlashOption(
            description="The speaker (default: who created the event)", required=False
        ),
    ) -> None:
        """A scheduled event created by hand becomes a talk; its event id is stored with it."""
        actor = await self.actor(interaction)
        if not actor.is_moderator:
            raise EventsError("Only moderators (Manage Events, Manage Server or the moderator role) can import events.")
        guild_id = guild_id_of(interaction)
        if not event.strip().isdigit():
            raise EventsError("Pick an event from the list that appears as you type. Example: "
                              "`/schedule import event:Rust meetup`")
        me = interaction.guild.me if interaction.guild is not None else None
        if me is not None and not me.guild_permissions.manage_events:
            raise EventsError(
                "To keep an event made by someone else in step with its talk, my role needs **Manage Events**. "
                "Grant it in Server Settings → Roles, then try again. Nothing was changed."
            )
        # Reading the event and its interested members may take a few requests: answer Discord first.
        await interaction.response.defer(ephemeral=True)
        transport = self.services.dispatcher.transport
        try:
            data = await transport.get_scheduled_event(guild_id, int(event))
        except GoneError:
            raise EventsError("That event no longer exists. Pick another from the list.") from None
        creator = interaction.guild.get_member(int(data.get("creator_id") or 0)) if interaction.guild else None
        person = speaker or creator
        imported = await self.services.events.import_event(
            guild_id=guild_id, actor=actor, event=data, speaker_id=speaker.id if speaker else None,
            speaker_name=person.display_name if person is not None else None,
        )
        talk = imported.talk
        joined = await self.services.events.adopt_interested(transport, talk)
        length = "from the event's end" if imported.duration_from_event else "the server's default length"
        await reply_ephemeral(
            interaction,
            f"📥 {quote_clipped(talk.topic, 400)} is now talk #{talk.id} by <@{talk.speaker_id}>, "
            f"{both_times(talk.starts_at)} ({talk.duration_minutes} min, {length}). Changes to the talk now update "
            f"the event, and the event's changes the talk. {joined} member(s) who marked it Interested are reminded.",
        )

    @import_event.on_autocomplete("event")
    async def event_autocomplete(self, interaction: Interaction, event: str) -> None:
        """The guild's upcoming events that are not a talk yet (from nextcord's cache: no request per keystroke)."""
        guild = interaction.guild
        if guild is None:
            await interaction.response.send_autocomplete({})
            return
        taken = await self.services.events.mirrored_ids(guild.id)
        now, typed = self.services.clock.now(), (event or "").strip().lower()
        found = sorted(
            (e for e in guild.scheduled_events
             if e.id not in taken and e.start_time > now and typed in e.name.lower()),
            key=lambda e: e.start_time,
        )
        await interaction.response.send_autocomplete(
            {f"{e.name[:70]} — {e.start_time:%Y-%m-%d %H:%M} UTC"[:100]: str(e.id) for e in found[:25]}
        )

    @reschedule.on_autocomplete("talk")
    @edit.on_autocomplete("talk")
    @cancel.on_autocomplete("talk")
    async def talk_autocomplete(self, interaction: Interaction, talk: str) -> None:
        """The caller's own upcoming talks (all talks for moderators), matched on topic."""
        actor = await self.actor(interaction)
        found = await self.talks.search(
            guild_id_of(interaction), talk or "", speaker_id=None if actor.is_moderator else actor.user_id
        )
        await self.offer_talks(interaction, found)

    @info.on_autocomplete("talk")
    async def any_talk_autocomplete(self, interaction: Interaction, talk: str) -> None:
        """Every upcoming talk of the server, matched on topic: anyone may look one up."""
        found = await self.talks.search(guild_id_of(interaction), talk or "", speaker_id=None)
        await self.offer_talks(interaction, found)

    async def offer_talks(self, interaction: Interaction, talks: list[Talk]) -> None:
        """Talks as autocomplete choices, labelled in the member's own zone (else the server's)."""
        db = self.services.db
        user = await load_user(db, user_id_of(interaction))
        guild = await load_guild(db, interaction.guild_id) if interaction.guild_id else None
        zone = effective_zone(user, guild)
        await interaction.response.send_autocomplete({choice_label(t, zone): str(t.id) for t in talks[:25]})

    @commands.Cog.listener("on_interaction")
    async def on_list_page(self, interaction: Interaction) -> None:
        """Previous/next buttons of /schedule list (stateless custom ids: they work after a restart)."""
        if interaction.type != nextcord.InteractionType.component:
            return
        custom_id = str(cast(dict[str, Any], interaction.data or {}).get("custom_id", ""))
        if not custom_id.startswith(LIST_PREFIX):
            return
        try:
            days, page = (int(part) for part in custom_id[len(LIST_PREFIX) :].split(":")[:2])
        except ValueError:
            return
        embed, view = await self.list_page(guild_id_of(interaction), days, max(0, page))
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            # The presser's own copy: turning its page disturbs nobody.
            await interaction.response.edit_message(embed=embed, view=view)
            return
        # A list posted in the channel stays as it is for everyone reading it: the presser gets the page privately.
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                embed=embed, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
            )


class ConfirmCancel(ConfirmView):
    """Confirm / keep buttons for /schedule cancel; only the person who asked can press them."""

    def __init__(self, cog: Schedule, talk: Talk, actor: Actor, reason: str | None) -> None:
        super().__init__(owner_id=actor.user_id, command_name="schedule cancel")
        self.cog, self.talk, self.actor, self.reason = cog, talk, actor, reason

    @nextcord.ui.button(label="Cancel the talk", style=nextcord.ButtonStyle.danger)
    async def confirm(self, button: nextcord.ui.Button, interaction: Interaction) -> None:
        """Cancel it now."""
        self.stop()
        # Rights are checked again at the click: a moderator role taken away meanwhile no longer counts.
        actor = await self.cog.actor(interaction)
        try:
            talk = await self.cog.talks.cancel(
                guild_id=self.talk.guild_id, actor=actor, talk_id=self.talk.id, reason=self.reason
            )
        except TalkError as exc:
            # Replace the question with the reason (the talk started, or was cancelled meanwhile).
            await interaction.response.edit_message(content=str(exc), view=None)
            return
        await interaction.response.edit_message(
            content=f"🚫 {quote_clipped(talk.topic, 400)} is cancelled. The speaker is notified.", view=None
        )

    @nextcord.ui.button(label="Keep it", style=nextcord.ButtonStyle.secondary)
    async def keep(self, button: nextcord.ui.Button, interaction: Interaction) -> None:
        """Change nothing."""
        self.stop()
        await interaction.response.edit_message(content="Nothing changed: the talk stays scheduled.", view=None)
