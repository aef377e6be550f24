"""/schedule: placeholder until its feature lands (it answers, so the command is visible and safe)."""

from __future__ import annotations

import logging

import nextcord
from nextcord.ext import commands

from cogs._replies import reply_not_yet

log = logging.getLogger(__name__)


class Schedule(commands.Cog):
    """/schedule."""

    @nextcord.slash_command(
        name="schedule",
        description="Sign up for a talk, move it or cancel it",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def schedule(self, interaction: nextcord.Interaction) -> None:
        """Sign up for a talk, move it or cancel it."""
        await reply_not_yet(interaction, "Talk scheduling")
