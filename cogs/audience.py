"""Discord side of the audience (domain side: podium/audience.py): the buttons on Podium's messages, answered.

Buttons on Podium's messages: 🔔 Remind me / Can't make it, snooze, and the speaker's Reschedule… / Cancel….

Every button carries a stateless custom id (podium/components.py) and is answered here by a listener, so buttons
on a message posted months ago, before a restart, still work. Thin: parse the id, call a service, reply privately.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import nextcord
from nextcord import Interaction
from nextcord.ext import commands

from cogs._components import handles, modal_values, picked, view_of
from cogs._replies import MODAL_TIMEOUT, NO_MENTIONS, reply_ephemeral, user_id_of
from cogs._zone import read_line
from podium import components, i18n, timeparse
from podium.audience import Attendance, AudienceError, going
from podium.calendar_feed import google_calendar_url, talk_calendar
from podium.components import CustomId
from podium.i18n import N_, Translator
from podium.markup import both_times, command, discord_time, quote
from podium.preferences import effective_zone, load_guild, load_user
from podium.services import Services
from podium.talk_model import Talk, TalkError
from podium.talks import Action, Actor, confirmation, refusal, who_is_told

log = logging.getLogger(__name__)

WHEN_INPUT, REASON_INPUT = "when", "reason"
PICK_ONE = N_("Pick at least one talk.")


def attendance_text(attendance: Attendance, t: Translator = i18n.ENGLISH) -> str:
    """What a click did, in one private message."""
    talk, topic = attendance.talk, quote(attendance.talk.topic)
    count = going(attendance.attendees, t)
    if attendance.waiting_position is not None:
        # A full talk (podium/seats.py): they wait in line and are offered a seat by DM when one frees.
        place = t._("⏳ {topic} is full: you're number {place} on its waitlist.", topic=topic,
                    place=attendance.waiting_position)
        if not attendance.changed:
            place = t._("You're already on the waitlist of {topic}, number {place}.", topic=topic,
                        place=attendance.waiting_position)
        return place + " " + t._("When a seat frees, I'll offer it to you by DM, first come first served; "
                                 "\"Can't make it\" takes you off the list.")
    if attendance.left_waitlist:
        return t._("You're off the waitlist of {topic}.", topic=topic)
    if not attendance.attending:
        if not attendance.changed:
            return t._("You weren't on the list for {topic}; nothing changed.", topic=topic)
        return t._("🔕 You won't be reminded of {topic} any more. {going}.", topic=topic, going=count)
    if attendance.next_reminder is not None:
        soon = discord_time(attendance.next_reminder, "R")
        if attendance.via == "dm":
            when = t._("You'll be reminded of {topic} {when} by DM", topic=topic, when=soon)
        else:
            when = t._("You'll be reminded of {topic} {when} in the talk's thread", topic=topic, when=soon)
    else:
        before = t.durations(timedelta(seconds=o) for o in attendance.offsets)
        when = t._("{topic} starts {when}, sooner than your reminders ({before} before): none will come, but you're "
                   "on the list", topic=topic, when=discord_time(talk.starts_at, "R"), before=before)
    head = "🔔 " if attendance.changed else t._("You're already on the list.") + " "
    return head + t._("{what} — change it with {command}. {going}.", what=when, command=command("remind-me talks"),
                      going=count)


class AudienceCog(commands.Cog):
    """Answers the buttons and selects of every Podium message, and keeps the server's name for DMs."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.audience = services.audience
        self.talks = services.talks
        self.people = services.people

    # -- what a click on each of the buttons below does (cogs/_components.ComponentRouter routes it here) -----

    @handles(components.JOIN)
    async def on_join(self, interaction: Interaction, clicked: CustomId) -> None:
        """🔔 Remind me."""
        await self.join(interaction, [clicked.numbers[0]])

    @handles(components.PICK)
    async def on_pick(self, interaction: Interaction, clicked: CustomId) -> None:
        """🔔 Remind me of the talks picked in a select."""
        await self.join(interaction, picked(interaction))

    @handles(components.LEAVE)
    async def on_leave(self, interaction: Interaction, clicked: CustomId) -> None:
        """Can't make it."""
        await self.leave(interaction, [clicked.numbers[0]])

    @handles(components.UNPICK)
    async def on_unpick(self, interaction: Interaction, clicked: CustomId) -> None:
        """Can't make it, for the talks picked in a select."""
        await self.leave(interaction, picked(interaction))

    @handles(components.SNOOZE)
    async def on_snooze(self, interaction: Interaction, clicked: CustomId) -> None:
        """Snooze a personal reminder."""
        await self.snooze(interaction, *clicked.numbers)

    @handles(components.MOVE, components.CANCEL)
    async def on_ask(self, interaction: Interaction, clicked: CustomId) -> None:
        """Reschedule… / Cancel…: the form."""
        await self.ask(interaction, clicked.action, clicked.numbers[0])

    @handles(components.MOVE_MODAL)
    async def on_move(self, interaction: Interaction, clicked: CustomId) -> None:
        """The Reschedule… form sent."""
        await self.move(interaction, clicked.numbers[0])

    @handles(components.CANCEL_MODAL)
    async def on_cancel(self, interaction: Interaction, clicked: CustomId) -> None:
        """The Cancel… form sent."""
        await self.cancel(interaction, clicked.numbers[0])

    @handles(components.CALENDAR)
    async def on_calendar(self, interaction: Interaction, clicked: CustomId) -> None:
        """📅 Add to calendar."""
        await self.add_to_calendar(interaction, clicked.numbers[0])

    # -- the audience ----------------------------------------------------------------------------------------

    async def join(self, interaction: Interaction, talk_ids: list[int]) -> None:
        """🔔 Remind me (a button for one talk, or several picked in a select)."""
        user_id = user_id_of(interaction)
        t = i18n.translator(interaction.locale)
        lines = []
        for talk_id in talk_ids:
            try:
                attendance = await self.audience.join(talk_id=talk_id, user_id=user_id,
                                                      guild_id=interaction.guild_id)
            except AudienceError as exc:
                if len(talk_ids) == 1:
                    raise
                lines.append(exc.text_for(t))  # one refused talk of several picked: say why, do the others
                continue
            lines.append(attendance_text(attendance, t))
        await reply_ephemeral(interaction, "\n".join(lines)[:2000] or t._(PICK_ONE))

    async def leave(self, interaction: Interaction, talk_ids: list[int]) -> None:
        """Can't make it / stop reminding me (a button for one talk, or several picked in a select)."""
        t = i18n.translator(interaction.locale)
        lines = []
        for talk_id in talk_ids:
            attendance = await self.audience.leave(talk_id=talk_id, user_id=user_id_of(interaction),
                                                   guild_id=interaction.guild_id)
            lines.append(attendance_text(attendance, t))
        await reply_ephemeral(interaction, "\n".join(lines)[:2000] or t._(PICK_ONE))

    async def snooze(self, interaction: Interaction, row_id: int, minutes: int) -> None:
        """A personal reminder again in 10 min or 1 h."""
        again = await self.people.snooze(user_id_of(interaction), row_id, minutes)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(
            interaction, t._("💤 Snoozed: I'll remind you again {when}.", when=discord_time(again.due_at, "R"))
        )

    async def add_to_calendar(self, interaction: Interaction, talk_id: int) -> None:
        """📅 Add to calendar: the talk as a one-event .ics file and a Google Calendar link, privately."""
        talk = await self.audience.for_calendar(talk_id=talk_id, user_id=user_id_of(interaction),
                                                guild_id=interaction.guild_id)
        t = i18n.translator(interaction.locale)
        await interaction.response.send_message(
            t._("📅 {topic}, {when}: open the file to add it to your calendar app, or use the Google Calendar "
                "button.", topic=quote(talk.topic), when=both_times(talk.starts_at)),
            file=nextcord.File(io.BytesIO(talk_calendar(talk, interaction.locale)), filename=f"talk-{talk.id}.ics"),
            view=view_of([components.row(components.link(t._("Google Calendar"),
                                                         google_calendar_url(talk, interaction.locale)))]),
            ephemeral=True, allowed_mentions=NO_MENTIONS,
        )

    # -- the speaker's buttons on their reminder -------------------------------------------------------------

    async def _own_talk(self, interaction: Interaction, talk_id: int, action: Action) -> tuple[Talk, Actor]:
        talk = await self.talks.find(talk_id)
        if talk is None or talk.state != "scheduled":
            raise TalkError(N_("That talk is no longer scheduled; nothing to change."))
        # The clicker, never the talk's speaker: a reminder posted in a thread shows these buttons to everyone.
        # A click (maybe in a DM) carries no server-wide roles: these forms are the speaker's; moderators use
        # the commands, which compute theirs.
        actor = Actor(user_id_of(interaction))
        if refusal(actor, action, talk) is not None:
            raise TalkError(N_("Only the speaker can change the talk from here; moderators can use "
                               "{reschedule} or {cancel}."),
                            reschedule=command("schedule reschedule"), cancel=command("schedule cancel"))
        return talk, actor

    async def ask(self, interaction: Interaction, action: str, talk_id: int) -> None:
        """Reschedule… / Cancel…: a form for the new time (or the reason), after checking it is theirs."""
        talk, _ = await self._own_talk(interaction, talk_id, "reschedule" if action == components.MOVE else "cancel")
        t = i18n.translator(interaction.locale)
        if action == components.MOVE:
            # auto_defer=False: the listener answers the submit (nextcord would defer it first otherwise).
            modal = nextcord.ui.Modal(
                # Translators: a form's title, at most 45 characters (Discord refuses the whole form otherwise).
                title=t._("Reschedule your talk"), timeout=MODAL_TIMEOUT, auto_defer=False,
                custom_id=components.custom_id(components.MOVE_MODAL, talk.id),
            )
            modal.add_item(nextcord.ui.TextInput(
                # Translators: a form label, at most 45 characters; the placeholder below holds up to 100.
                label=t._("New time, in your time zone"), custom_id=WHEN_INPUT, placeholder=t._("e.g. friday 18:30"),
                min_length=1, max_length=100, required=True,
            ))
        else:
            modal = nextcord.ui.Modal(
                # Translators: a form's title, at most 45 characters.
                title=t._("Cancel your talk?"), timeout=MODAL_TIMEOUT, auto_defer=False,
                custom_id=components.custom_id(components.CANCEL_MODAL, talk.id),
            )
            modal.add_item(nextcord.ui.TextInput(
                # Translators: a form label, at most 45 characters (Discord refuses the whole form otherwise).
                label=t._("Reason (optional)"), custom_id=REASON_INPUT,
                placeholder=t._("Told to everyone who asked to be reminded of the talk"),
                style=nextcord.TextInputStyle.paragraph, max_length=300, required=False,
            ))
        await interaction.response.send_modal(modal)

    async def move(self, interaction: Interaction, talk_id: int) -> None:
        """The Reschedule… form: its text read like any typed time, in the speaker's zone and language."""
        talk, actor = await self._own_talk(interaction, talk_id, "reschedule")
        text = modal_values(interaction).get(WHEN_INPUT, "")
        db = self.services.db
        user = await load_user(db, user_id_of(interaction))
        # A DM has no server: the talk's server's zone is the fallback, as in the server itself.
        guild = await load_guild(db, talk.guild_id)
        zone = effective_zone(user, guild)
        parsed = timeparse.parse_when(text, zone=zone, now=self.services.clock.now(), locale=interaction.locale)
        _, after = await self.talks.reschedule(guild_id=talk.guild_id, actor=actor,
                                               talk_id=talk.id, starts_at=parsed.when)
        t = i18n.translator(interaction.locale)
        told = await who_is_told(self.services.db, after, actor)
        await reply_ephemeral(
            interaction, confirmation(t, "reschedule", after, told) + "\n-# " + read_line(parsed, user, guild, t),
        )

    async def cancel(self, interaction: Interaction, talk_id: int) -> None:
        """The Cancel… form: submitting it is the confirmation."""
        talk, actor = await self._own_talk(interaction, talk_id, "cancel")
        reason = modal_values(interaction).get(REASON_INPUT) or None
        after = await self.talks.cancel(guild_id=talk.guild_id, actor=actor, talk_id=talk.id, reason=reason)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(interaction, confirmation(t, "cancel", after, await who_is_told(self.services.db,
                                                                                              after, actor)))

    # -- the server's name (for DMs) and preferred locale (for its posts) ----------------------------------------------

    @commands.Cog.listener("on_guild_available")
    async def remember_available(self, guild: nextcord.Guild) -> None:
        """At every start: DM reminders name the server they come from."""
        await self._remember(guild)

    @commands.Cog.listener("on_guild_join")
    async def remember_joined(self, guild: nextcord.Guild) -> None:
        """A server that just added the bot."""
        await self._remember(guild)

    @commands.Cog.listener("on_guild_update")
    async def remember_renamed(self, before: nextcord.Guild, after: nextcord.Guild) -> None:
        """A renamed server."""
        await self._remember(after)

    async def _remember(self, guild: nextcord.Guild) -> None:
        if guild.name:
            try:
                await self.services.guild_settings.remember_name(guild.id, guild.name, guild.preferred_locale)
            except Exception:
                # Only a nicety for DMs: a busy database must not break the gateway's event handling.
                log.exception("could not store the name of guild %s", guild.id)

