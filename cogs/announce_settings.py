"""/announce-settings: placeholder until its feature lands (moderators only)."""

from __future__ import annotations

import logging

import nextcord
from nextcord.ext import commands

from cogs._replies import reply_ephemeral, reply_not_yet

log = logging.getLogger(__name__)


class AnnounceSettings(commands.Cog):
    """/announce-settings."""

    @nextcord.slash_command(
        name="announce-settings",
        description="Where and when Podium posts announcements (moderators)",
        contexts=[nextcord.InteractionContextType.guild],
        # Only the default visibility: server admins can override it, so the handler checks too.
        default_member_permissions=nextcord.Permissions(manage_guild=True),
    )
    async def announce_settings(self, interaction: nextcord.Interaction) -> None:
        """Where and when Podium posts announcements."""
        permissions = interaction.permissions
        if not permissions.manage_guild:
            await reply_ephemeral(interaction, "You need the Manage Server permission to change announcement settings.")
            return
        await reply_not_yet(interaction, "Announcement settings")
