"""Slash-command option types that arrive already parsed: handlers receive domain values, never raw text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

import nextcord

from cogs._replies import user_id_of
from cogs._time_questions import chosen_reading
from podium import timeparse
from podium.preferences import effective_zone, load_guild, load_user

if TYPE_CHECKING:
    from bot import PodiumBot


class When(nextcord.OptionConverter):
    """A time the member typed, read in their zone (theirs, else the server's, else UTC), as a ParsedTime.

    A time that cannot be read raises TimeInputError (a UserError) while nextcord converts the options, before the
    handler runs; PodiumBot answers it like any other user mistake.
    """

    def __init__(self) -> None:
        super().__init__(str)

    async def convert(self, interaction: nextcord.Interaction, value: Any) -> timeparse.ParsedTime:
        """Parse `value` in the invoking member's zone (or take the reading they picked when it was ambiguous)."""
        if (picked := chosen_reading(str(value))) is not None:
            return picked
        bot = cast("PodiumBot", interaction.client)
        return await read_time(bot, interaction, str(value))


async def read_time(bot: PodiumBot, interaction: nextcord.Interaction, text: str) -> timeparse.ParsedTime:
    """Read `text` in the caller's zone (theirs, else the server's, else UTC) and language (their Discord locale)."""
    db = bot.services.db
    user = await load_user(db, user_id_of(interaction))
    guild = await load_guild(db, interaction.guild_id) if interaction.guild_id else None
    return timeparse.parse_when(
        text, zone=effective_zone(user, guild), now=bot.services.clock.now(), locale=interaction.locale
    )


# `when: WhenOption = SlashOption(...)`: a string option for Discord, a ParsedTime for the handler.
WhenOption = Annotated[timeparse.ParsedTime, When]
