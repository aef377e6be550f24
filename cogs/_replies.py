"""Reply helpers shared by the cogs: every user-facing answer goes through these."""

from __future__ import annotations

from typing import TYPE_CHECKING

import nextcord

from podium import timeparse
from podium.preferences import effective_zone, load_guild, load_user

if TYPE_CHECKING:
    from bot import PodiumBot

# Where talk reminders go, as offered in /remind-me talks and /announce-settings reminders.
VIA_CHOICES = {"DM": "dm", "the talk's thread": "thread", "the announcement channel (mention)": "channel"}
VIA_LABEL = {value: label for label, value in VIA_CHOICES.items()}


async def reply_ephemeral(interaction: nextcord.Interaction, content: str) -> None:
    """Answer privately, whether or not the interaction was already answered or deferred."""
    # User-supplied text may be echoed back: never let it ping anyone.
    mentions = nextcord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=mentions)
    else:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=mentions)


async def autocomplete_timezones(interaction: nextcord.Interaction, typed: str | None) -> None:
    """Offer IANA zones matching what was typed (any part of the name, or an abbreviation)."""
    await interaction.response.send_autocomplete(
        {label[:100]: value for value, label in timeparse.find_timezones(typed or "", limit=25)}
    )


async def parse_user_time(bot: PodiumBot, interaction: nextcord.Interaction, text: str) -> timeparse.ParsedTime:
    """Read `text` in the caller's zone (theirs, else the server's, else UTC)."""
    user = await load_user(bot.db, interaction.user.id)
    guild = await load_guild(bot.db, interaction.guild_id) if interaction.guild_id else None
    return timeparse.parse_when(text, zone=effective_zone(user, guild), now=bot.clock.now())
