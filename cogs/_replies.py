"""What every cog needs to answer: private replies, the guild and user of a command, shared labels and views."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import nextcord

from podium import i18n, timeparse
from podium.errors import UserError
from podium.preferences import Via
from podium.services import Services

log = logging.getLogger(__name__)

# Where talk reminders go, as offered in /remind-me talks and /announce-settings reminders.
VIA_CHOICES: dict[str, Via] = {
    i18n.N_("DM"): "dm",
    i18n.N_("the talk's thread"): "thread",
    i18n.N_("the announcement channel (mention)"): "channel",
}
VIA_LABEL: dict[str, str] = {value: label for label, value in VIA_CHOICES.items()}
NO_MENTIONS = nextcord.AllowedMentions.none()
# Seconds nextcord keeps a shown modal (form); a later submit is still answered by the listener.
MODAL_TIMEOUT = 600.0

_STORES_NOTHING = "podium_stores_nothing_about_the_caller"


def stores_nothing_about_the_caller[Callback: Callable[..., Any]](callback: Callback) -> Callback:
    """Declare a command after which nothing new is stored about who ran it (bot.py keeps not even their language).

    Put it under the command's decorator: `/opt-out forget-me` is one (who asks to be forgotten gets no new row).
    """
    setattr(callback, _STORES_NOTHING, True)
    return callback


def stores_nothing(command: object) -> bool:
    """Whether an application command was declared with `stores_nothing_about_the_caller`."""
    return bool(getattr(getattr(command, "callback", None), _STORES_NOTHING, False))


async def reply_ephemeral(
    interaction: nextcord.Interaction, content: str, *, view: nextcord.ui.View | None = None
) -> None:
    """Answer privately (with buttons, if given), whether or not the interaction was already answered or deferred."""
    # nextcord treats an explicit view=None differently from no view: pass it only when there is one.
    extra: dict[str, Any] = {"view": view} if view is not None else {}
    # User-supplied text may be echoed back: never let it ping anyone.
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **extra)
    else:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **extra)


def guild_id_of(interaction: nextcord.Interaction) -> int:
    """The guild of a guild-only command (Discord never sends one without)."""
    if interaction.guild_id is None:
        raise UserError(i18n.N_("This command works in a server, not in direct messages."))
    return interaction.guild_id


def user_id_of(interaction: nextcord.Interaction) -> int:
    """Who ran the command or pressed the button."""
    if interaction.user is None:
        raise UserError(i18n.N_("Discord did not say who you are; please try again."))
    return interaction.user.id


def guild_rights(interaction: nextcord.Interaction) -> nextcord.Permissions:
    """The member's rights in the whole server, from their roles (not the channel's overwrites).

    `interaction.permissions` are the member's permissions in THAT channel: a Manage Events overwrite on one voice
    channel must not make anyone a moderator of every talk.
    """
    member = interaction.user
    if isinstance(member, nextcord.Member):
        return member.guild_permissions
    return nextcord.Permissions.none()


def has_role(interaction: nextcord.Interaction, role_id: int | None) -> bool:
    """Whether the member holds this role."""
    member = interaction.user
    return role_id is not None and isinstance(member, nextcord.Member) and any(r.id == role_id for r in member.roles)


async def is_moderator(interaction: nextcord.Interaction, services: Services) -> bool:
    """A moderator of the whole server, by the rule of `Actor.is_moderator`.

    Manage Events, Manage Server or Administrator from their roles, or the server's moderator role — never one
    channel's overwrites.
    """
    rights = guild_rights(interaction)
    if rights.manage_events or rights.manage_guild or rights.administrator:
        return True
    if interaction.guild_id is None:
        return False
    guild = await services.guild_settings.get(interaction.guild_id)
    return has_role(interaction, guild.moderator_role_id)


def manages_server(interaction: nextcord.Interaction) -> bool:
    """Manage Server (or Administrator) from the member's roles: what /announce-settings requires."""
    rights = guild_rights(interaction)
    return bool(rights.manage_guild or rights.administrator)


async def autocomplete_timezones(interaction: nextcord.Interaction, typed: str | None) -> None:
    """Offer IANA zones matching what was typed (any part of the name, or an abbreviation)."""
    await interaction.response.send_autocomplete(
        {label[:100]: value for value, label in timeparse.find_timezones(typed or "", limit=25)}
    )


class PodiumView(nextcord.ui.View):
    """A View whose button callbacks may raise UserError, answered like a command's (privately)."""

    async def on_error(self, error: Exception, item: nextcord.ui.Item, interaction: nextcord.Interaction) -> None:
        """A UserError is the presser's mistake; anything else is logged and apologised for."""
        if isinstance(error, UserError):
            with contextlib.suppress(nextcord.HTTPException):
                await reply_ephemeral(interaction, error.text_for(i18n.translator(interaction.locale)))
            return
        log.error("a button of %s failed", type(self).__name__, exc_info=error)
        with contextlib.suppress(nextcord.HTTPException):
            t = i18n.translator(interaction.locale)
            await reply_ephemeral(interaction, t._("Sorry, something went wrong on our side; nothing was changed."))
