"""/help: what Podium does, the three things a member does first, and the commands this member may use.

Built from the bot's application commands rather than written by hand, so a new command is in /help the moment
it exists (a test checks that every subcommand appears in exactly one section). Moderators' commands are shown only
to those who may run them: a member shown 39 commands, half of them refused to them, could not find the three
they need.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import nextcord
from nextcord import Interaction
from nextcord.ext import commands

from cogs._replies import NO_MENTIONS, is_moderator, manages_server
from podium import i18n
from podium.i18n import N_, Translator
from podium.markup import command, fit_lines
from podium.services import Services

log = logging.getLogger(__name__)

# Discord: all embeds of a message together hold at most 6,000 characters; these shares leave room for the rest.
EVERYONE_CHARS, MODERATOR_CHARS = 2500, 2500
# Who may run what, by the rule each command checks: /announce-settings needs Manage Server; /schedule import is
# for moderators (Manage Server, Manage Events, Administrator or the moderator role), as is /schedule stats (a
# speaker's record). Everything else is for everyone.
MANAGE_SERVER, MODERATOR = "manage-server", "moderator"
MODERATOR_COMMANDS = {"announce-settings": MANAGE_SERVER, "schedule import": MODERATOR, "schedule stats": MODERATOR,
                      "series create": MODERATOR, "series edit": MODERATOR, "series skip": MODERATOR,
                      "series end": MODERATOR}
# Answers that everyone in the channel sees (every other answer is private): marked in the list.
PUBLIC_COMMANDS = frozenset({"schedule list", "announce-settings test"})
PUBLIC_MARK = "📢"
# The order people need them in: sign up, be reminded, consent, then the server's settings.
SETTINGS = "announce-settings"
# Translators: {commands} is the list of /announce-settings subcommands, as clickable mentions.
SETTINGS_LINE = N_("⚙️ The server's settings (each shows its options): {commands}")
ORDER = ("schedule", "series", "remind-me", "opt-out", "help", "announce-settings")
INTRO = N_(
    "Podium keeps your server's talks: members sign up for a slot, everyone can ask to be reminded of any talk "
    "(🔔 Remind me), and the server gets a weekly summary. Times you type are read in your own time zone; times "
    "shown adapt to everyone's."
)
START = N_("**Start here**")
# The first three things a member does, in order: each names its command by its mention.
FIRST_STEPS = (
    N_("1. {command}: set your time zone, so the times you type are read as you mean them."),
    N_("2. {command}: look at a talk and press 🔔 Remind me to be reminded before it starts (the same button is under "
       "Podium's posts about talks)."),
    N_("3. {command}: sign up to give a talk yourself."),
)
FIRST_COMMANDS = ("remind-me timezone", "schedule info", "schedule add")
WHO_SEES = N_("Only you see this help and the answers to your commands, except those marked {mark}: they post in the "
              "channel for everyone.")


def qualified_names(slash_commands: Iterable[nextcord.BaseApplicationCommand]) -> list[tuple[str, str]]:
    """(`name sub`, description) of every runnable (sub)command, in ORDER."""
    found = {c.name: c for c in slash_commands if isinstance(c, nextcord.SlashApplicationCommand) and c.name}
    names = []
    for name in sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
        children = found[name].children
        if not children:
            names.append((name, found[name].description or ""))
        names.extend((f"{name} {sub_name}", sub.description or "") for sub_name, sub in children.items())
    return names


def rule_of(qualified: str) -> str | None:
    """Who may run a command: MANAGE_SERVER, MODERATOR, or None (everyone)."""
    return MODERATOR_COMMANDS.get(qualified) or MODERATOR_COMMANDS.get(qualified.split(maxsplit=1)[0])


def command_lines(
    slash_commands: Iterable[nextcord.BaseApplicationCommand], *, moderators: bool, rights: frozenset[str] = frozenset(
        {MANAGE_SERVER, MODERATOR}), t: Translator = i18n.ENGLISH
) -> list[str]:
    """One line per (sub)command, `</name sub:id> — description`: everyone's, or the moderators' within `rights`."""
    lines, settings = [], []
    for name, description in qualified_names(slash_commands):
        rule = rule_of(name)
        if (rule is not None) != moderators or (rule is not None and rule not in rights):
            continue
        mark = f" {PUBLIC_MARK}" if name in PUBLIC_COMMANDS else ""
        if name.startswith(f"{SETTINGS} ") and not mark:
            # Every feature brings a setting: ~30 of them, one described per line, do not fit beside the rest in
            # Discord's 6,000 characters of embeds. Their names say what they set; each shows its options when typed.
            settings.append(command(name))
            continue
        # The descriptions are in the catalogue already: the same text Discord shows in the member's language.
        lines.append(f"{command(name)}{mark} — {t._(description)}")
    if settings:
        lines.append(t._(SETTINGS_LINE, commands=" · ".join(settings)))
    return lines


def help_embeds(
    slash_commands: list[nextcord.BaseApplicationCommand],
    t: Translator = i18n.ENGLISH,
    *,
    rights: frozenset[str] = frozenset(),
) -> list[nextcord.Embed]:
    """The help: what Podium is and where to start, everyone's commands, and the moderators' the reader may run."""
    steps = "\n".join(t._(step, command=command(name)) for step, name in zip(FIRST_STEPS, FIRST_COMMANDS, strict=True))
    intro = f"{t._(INTRO)}\n\n{t._(START)}\n{steps}\n\n-# {t._(WHO_SEES, mark=PUBLIC_MARK)}"
    everyone, _ = fit_lines(command_lines(slash_commands, moderators=False, t=t), EVERYONE_CHARS)
    embeds = [
        nextcord.Embed(title=t._("Podium — talks, on time"), description=intro, colour=nextcord.Colour.blurple()),
        nextcord.Embed(title=t._("For everyone"), description=everyone, colour=nextcord.Colour.blurple()),
    ]
    if rights:
        moderators, _ = fit_lines(command_lines(slash_commands, moderators=True, rights=rights, t=t), MODERATOR_CHARS)
        embeds.append(nextcord.Embed(
            title=t._("For moderators (Manage Server, Manage Events or the moderator role)"),
            description=moderators,
            colour=nextcord.Colour.dark_grey(),
        ))
    return embeds


class Help(commands.Cog):
    """/help."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def rights(self, interaction: Interaction) -> frozenset[str]:
        """Which moderators' commands this member may run (none for most members)."""
        rights = set()
        if manages_server(interaction):
            rights.add(MANAGE_SERVER)
        if await is_moderator(interaction, self.services):
            rights.add(MODERATOR)
        return frozenset(rights)

    @nextcord.slash_command(
        name="help",
        description="What Podium does, and its commands",
        contexts=[nextcord.InteractionContextType.guild],
    )
    async def help(self, interaction: Interaction) -> None:
        """Where to start and the commands this member may use, clickable, privately."""
        t = i18n.translator(interaction.locale)
        embeds = help_embeds(list(interaction.client.get_all_application_commands()), t,
                             rights=await self.rights(interaction))
        await interaction.response.send_message(embeds=embeds, ephemeral=True, allowed_mentions=NO_MENTIONS)
