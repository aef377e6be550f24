"""/opt-out: consent. Checked again when each message is sent, so it applies to queued ones too."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import nextcord
from nextcord import Interaction, SlashOption
from nextcord.ext import commands

from cogs._replies import reply_ephemeral
from podium.people import OPT_OUT_COLUMNS

if TYPE_CHECKING:
    from bot import PodiumBot

log = logging.getLogger(__name__)

TOPICS = {
    "everything": "everything (no proactive message at all)",
    "talk-reminders": "reminders before your talks",
    "notices": "notices when your talk is moved or cancelled",
    "personal-reminders": "your /remind-me at reminders",
    "dms": "direct messages (reminders then come in the talk's thread or the channel)",
}
TOPIC_CHOICES = {label[:100]: key for key, label in TOPICS.items()}


class OptOut(commands.Cog):
    """/opt-out | /opt-out undo | /opt-out status | /opt-out forget-me."""

    def __init__(self, bot: PodiumBot) -> None:
        self.bot = bot

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
        await self.bot.people.set_opt_out(interaction.user.id, what, True)
        await reply_ephemeral(
            interaction,
            f"🔕 Done: no more {TOPICS[what]}. This applies to messages already queued too. Undo with `/opt-out undo`.",
        )

    @opt_out.subcommand(name="undo", description="Allow one kind of message again")
    async def undo(
        self,
        interaction: Interaction,
        what: str = SlashOption(description="What to allow again", choices=TOPIC_CHOICES),
    ) -> None:
        """Opt back in."""
        await self.bot.people.set_opt_out(interaction.user.id, what, False)
        await reply_ephemeral(interaction, f"🔔 {TOPICS[what].capitalize()} are allowed again.")

    @opt_out.subcommand(name="status", description="What Podium may send you")
    async def status(self, interaction: Interaction) -> None:
        """Every consent switch and its value."""
        row = await self.bot.db.fetchone("SELECT * FROM users WHERE user_id = ?", (interaction.user.id,))
        lines = [
            f"{'🔕 stopped' if row is not None and row[column] else '🔔 allowed'} — {TOPICS[topic]}"
            for topic, column in OPT_OUT_COLUMNS.items()
        ]
        await reply_ephemeral(interaction, "\n".join(lines))

    @opt_out.subcommand(name="forget-me", description="Delete your settings, reminders and queued messages")
    async def forget_me(self, interaction: Interaction) -> None:
        """Ask to confirm, then delete the caller's data."""
        await interaction.response.send_message(
            "This deletes your time zone, reminder settings, opt-outs, personal reminders and every message "
            "queued for you. Talks you signed up for stay on the schedule (cancel them with `/schedule cancel`). "
            "Continue?",
            view=ConfirmForget(self.bot, interaction.user.id),
            ephemeral=True,
        )


class ConfirmForget(nextcord.ui.View):
    """Delete / keep buttons for /opt-out forget-me."""

    def __init__(self, bot: PodiumBot, user_id: int) -> None:
        super().__init__(timeout=300)
        self.bot, self.user_id = bot, user_id

    async def interaction_check(self, interaction: Interaction) -> bool:
        """Only the person whose data it is."""
        return interaction.user is not None and interaction.user.id == self.user_id

    @nextcord.ui.button(label="Delete my data", style=nextcord.ButtonStyle.danger)
    async def confirm(self, button: nextcord.ui.Button, interaction: Interaction) -> None:
        """Delete now."""
        self.stop()
        deleted = await self.bot.people.forget(self.user_id)
        await interaction.response.edit_message(
            content=f"🧹 Done: your settings are gone and {deleted} queued message(s) or reminder(s) deleted.",
            view=None,
        )

    @nextcord.ui.button(label="Keep it", style=nextcord.ButtonStyle.secondary)
    async def keep(self, button: nextcord.ui.Button, interaction: Interaction) -> None:
        """Change nothing."""
        self.stop()
        await interaction.response.edit_message(content="Nothing deleted.", view=None)
