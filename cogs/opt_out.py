"""/opt-out: consent. Checked again when each message is sent, so it applies to queued ones too."""

from __future__ import annotations

import logging

import nextcord
from nextcord import Interaction, SlashOption
from nextcord.ext import commands

from cogs._confirm import ConfirmView
from cogs._replies import reply_ephemeral, stores_nothing_about_the_caller, user_id_of
from podium import i18n
from podium.consent import TOPICS
from podium.delivery.transport import Transport
from podium.i18n import N_
from podium.markup import command
from podium.people import People
from podium.services import Services

log = logging.getLogger(__name__)

TOPIC_CHOICES = {topic.choice[:100]: key for key, topic in TOPICS.items()}


class OptOut(commands.Cog):
    """/opt-out stop | allow | status | forget-me."""

    def __init__(self, services: Services) -> None:
        self.people = services.people
        self.transport = services.transport

    @nextcord.slash_command(
        name="opt-out",
        description="Choose which messages Podium may send you",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def opt_out(self, interaction: Interaction) -> None:
        """Parent of the /opt-out subcommands."""

    @opt_out.subcommand(name="stop", description="Stop one kind of message from Podium")
    async def stop(
        self,
        interaction: Interaction,
        what: str = SlashOption(description="What to stop", choices=TOPIC_CHOICES),
    ) -> None:
        """Opt out of one kind of message."""
        topic = await self.people.set_opt_out(user_id_of(interaction), what, True)
        t = i18n.translator(interaction.locale)
        await reply_ephemeral(
            interaction,
            f"🔕 {t._(topic.stopped)} "
            + t._("This applies to messages already queued too. Changed your mind? {command} `what:{choice}`.",
                  command=command("opt-out allow"), choice=t._(topic.choice)),
        )

    @opt_out.subcommand(name="allow", description="Allow one kind of message again")
    async def allow(
        self,
        interaction: Interaction,
        what: str = SlashOption(description="What to allow again", choices=TOPIC_CHOICES),
    ) -> None:
        """Opt back in."""
        topic = await self.people.set_opt_out(user_id_of(interaction), what, False)
        await reply_ephemeral(interaction, f"🔔 {i18n.translator(interaction.locale)._(topic.allowed)}")

    @opt_out.subcommand(name="status", description="What Podium may send you")
    async def status(self, interaction: Interaction) -> None:
        """Every consent switch and its value."""
        t = i18n.translator(interaction.locale)
        lines = [
            (t._("🔕 Stopped: {what}", what=t._(topic.label)) if stopped
             else t._("🔔 Allowed: {what}", what=t._(topic.label)))
            for topic, stopped in await self.people.consent(user_id_of(interaction))
        ]
        lines.append("-# " + t._("Change one with {stop} or {allow}.", stop=command("opt-out stop"),
                                 allow=command("opt-out allow")))
        await reply_ephemeral(interaction, "\n".join(lines))

    @opt_out.subcommand(name="forget-me", description="Delete your settings, reminders and queued messages")
    @stores_nothing_about_the_caller
    async def forget_me(self, interaction: Interaction) -> None:
        """Ask to confirm, then delete the caller's data."""
        t = i18n.translator(interaction.locale)
        await ConfirmForget(self.people, self.transport, user_id_of(interaction)).ask(
            interaction,
            t._("This deletes everything Podium keeps about you: your time zone, reminder settings, opt-outs, "
                "personal reminders, the talks you asked to be reminded of, your calendar feed link, every message "
                "sent or queued for you, and your name in other people's messages. Talks you give stay on the "
                "schedule (cancel them with {command}). An **Interested** you clicked on a server event stays in "
                "Discord, but Podium will not put you back on that talk's list unless you click it again. Continue?",
                command=command("schedule cancel")),
        )


class ConfirmForget(ConfirmView):
    """Delete / keep buttons for /opt-out forget-me."""

    def __init__(self, people: People, transport: Transport, user_id: int) -> None:
        super().__init__(owner_id=user_id, command_name="opt-out forget-me")
        self.people, self.transport, self.user_id = people, transport, user_id

    @nextcord.ui.button(label=N_("Delete my data"), style=nextcord.ButtonStyle.danger)
    async def confirm(self, button: nextcord.ui.Button, interaction: Interaction) -> None:
        """Delete now, then take the member out of the talk threads they were put in."""
        self.stop()
        # One paced request per thread can outlast Discord's 3 s for an answer.
        await interaction.response.defer()
        forgotten = await self.people.forget(self.user_id)
        # After the commit and not through the outbox: a queued row would hold the id just deleted everywhere.
        left = await self.people.leave_threads(self.transport, self.user_id, forgotten.thread_ids)
        t = i18n.translator(interaction.locale)
        lines = [t.ngettext("🧹 Done: your settings are gone and {n} queued message or reminder deleted.",
                            "🧹 Done: your settings are gone and {n} queued messages or reminders deleted.",
                            forgotten.deleted)]
        if left.removed:
            lines.append(t.ngettext("You were removed from {n} talk thread.",
                                    "You were removed from {n} talk threads.", left.removed))
        if left.refused:
            lines.append(t.ngettext(
                "Podium could not remove you from {n} talk thread: it lacks the Manage Threads permission there. "
                "You can leave it yourself (the thread's menu → Leave Thread).",
                "Podium could not remove you from {n} talk threads: it lacks the Manage Threads permission there. "
                "You can leave them yourself (each thread's menu → Leave Thread).",
                left.refused))
        if left.failed:
            lines.append(t.ngettext(
                "Podium could not remove you from {n} talk thread just now. You can leave it yourself (the "
                "thread's menu → Leave Thread).",
                "Podium could not remove you from {n} talk threads just now. You can leave them yourself (each "
                "thread's menu → Leave Thread).",
                left.failed))
        await interaction.edit_original_message(content="\n".join(lines), view=None)

    @nextcord.ui.button(label=N_("Keep it"), style=nextcord.ButtonStyle.secondary)
    async def keep(self, button: nextcord.ui.Button, interaction: Interaction) -> None:
        """Change nothing."""
        self.stop()
        await interaction.response.edit_message(content=i18n.translator(interaction.locale)._("Nothing deleted."),
                                                view=None)
