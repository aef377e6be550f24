"""/remind-me: placeholder until its feature lands (it answers, so the command is visible and safe)."""

from __future__ import annotations

import logging

import nextcord
from nextcord.ext import commands

from cogs._replies import reply_not_yet

log = logging.getLogger(__name__)


class RemindMe(commands.Cog):
    """/remind-me."""

    @nextcord.slash_command(
        name="remind-me",
        description="Your time zone and how you are reminded",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def remind_me(self, interaction: nextcord.Interaction) -> None:
        """Your time zone and how you are reminded."""
        await reply_not_yet(interaction, "Personal reminder settings")
