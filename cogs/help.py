"""/help: what Podium does and every command, as clickable mentions — listed from the registered commands themselves.

Built from the bot's application commands rather than written by hand, so a new command is in /help the moment
it exists (a test checks that every subcommand appears).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import nextcord
from nextcord import Interaction
from nextcord.ext import commands

from cogs._replies import NO_MENTIONS
from podium import i18n
from podium.i18n import N_, Translator
from podium.markup import command, fit_lines

log = logging.getLogger(__name__)

# Discord: all embeds of a message together hold at most 6,000 characters; these shares leave room for the rest.
EVERYONE_CHARS, MODERATOR_CHARS = 3200, 2200
# Commands for moderators (Manage Server / Manage Events or the moderator role); everything else is for everyone.
MODERATOR_COMMANDS = frozenset({"announce-settings"})
# The order people need them in: sign up, be reminded, consent, then the server's settings.
ORDER = ("schedule", "remind-me", "opt-out", "help", "announce-settings")
INTRO = N_(
    "Podium keeps your server's talks: members sign up for a slot, everyone can ask to be reminded of any talk "
    "(🔔 Remind me), and the server gets a weekly summary. Times you type are read in your own time zone; times "
    "shown adapt to everyone's. Everything below answers only you."
)


def command_lines(
    slash_commands: Iterable[nextcord.BaseApplicationCommand], *, moderators: bool, t: Translator = i18n.ENGLISH
) -> list[str]:
    """One line per (sub)command, `</name sub:id> — description`, in ORDER; moderators' or everyone's."""
    found = {c.name: c for c in slash_commands if isinstance(c, nextcord.SlashApplicationCommand) and c.name}
    lines = []
    for name in sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
        if (name in MODERATOR_COMMANDS) != moderators:
            continue
        children = found[name].children
        if not children:
            lines.append(f"{command(name)} — {t._(found[name].description or '')}")
        for sub_name, sub in children.items():
            # The descriptions are in the catalogue already: the same text Discord shows in the member's language.
            lines.append(f"{command(f'{name} {sub_name}')} — {t._(sub.description or '')}")
    return lines


def help_embeds(
    slash_commands: list[nextcord.BaseApplicationCommand], t: Translator = i18n.ENGLISH
) -> list[nextcord.Embed]:
    """The help: what Podium is, the members' commands, the moderators' commands (each within Discord's limit)."""
    everyone, _ = fit_lines(command_lines(slash_commands, moderators=False, t=t), EVERYONE_CHARS)
    moderators, _ = fit_lines(command_lines(slash_commands, moderators=True, t=t), MODERATOR_CHARS)
    return [
        nextcord.Embed(title=t._("Podium — talks, on time"), description=t._(INTRO), colour=nextcord.Colour.blurple()),
        nextcord.Embed(title=t._("For everyone"), description=everyone, colour=nextcord.Colour.blurple()),
        nextcord.Embed(
            title=t._("For moderators (Manage Server, Manage Events or the moderator role)"),
            description=moderators,
            colour=nextcord.Colour.dark_grey(),
        ),
    ]


class Help(commands.Cog):
    """/help."""

    @nextcord.slash_command(
        name="help",
        description="What Podium does, and its commands",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def help(self, interaction: Interaction) -> None:
        """Every command, clickable, privately."""
        t = i18n.translator(interaction.locale)
        embeds = help_embeds(list(interaction.client.get_all_application_commands()), t)
        await interaction.response.send_message(embeds=embeds, ephemeral=True, allowed_mentions=NO_MENTIONS)
