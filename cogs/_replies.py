"""Reply helpers shared by the cogs: every user-facing answer goes through these."""

from __future__ import annotations

import nextcord


async def reply_ephemeral(interaction: nextcord.Interaction, content: str) -> None:
    """Answer privately, whether or not the interaction was already answered or deferred."""
    # User-supplied text may be echoed back: never let it ping anyone.
    mentions = nextcord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=mentions)
    else:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=mentions)


async def reply_not_yet(interaction: nextcord.Interaction, feature: str) -> None:
    """The answer of a command whose feature has not landed yet."""
    await reply_ephemeral(interaction, f"{feature} is not yet available in this version of Podium.")
