"""/opt-out: placeholder until its feature lands (it answers, so the command is visible and safe)."""

from __future__ import annotations

import logging

import nextcord
from nextcord.ext import commands

from cogs._replies import reply_not_yet

log = logging.getLogger(__name__)


class OptOut(commands.Cog):
    """/opt-out."""

    @nextcord.slash_command(
        name="opt-out",
        description="Choose which messages Podium may send you",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def opt_out(self, interaction: nextcord.Interaction) -> None:
        """Choose which messages Podium may send you."""
        await reply_not_yet(interaction, "Opting out")
