"""Which zone a typed time was read in, said in the reply; a member without a zone of their own can set one in a click.

A member who never ran /remind-me timezone has their times read in the server's zone (or UTC). They are told so
in the reply that echoes the time, and offered their likely zone (from their Discord locale, podium/zones.py) as
a button; the click stores it. The button's custom id carries the zone, so it works after a restart.
"""

from __future__ import annotations

import logging

import nextcord

from cogs._components import custom_id_of
from cogs._replies import reply_ephemeral, user_id_of
from podium import i18n, timeparse
from podium.markup import command
from podium.preferences import load_user
from podium.services import Services
from podium.zones import suggest_zone

log = logging.getLogger(__name__)

SET_ZONE = "podium:tz:set:"  # + an IANA zone name


async def read_in(
    services: Services, interaction: nextcord.Interaction, parsed: timeparse.ParsedTime
) -> tuple[str, nextcord.ui.View | None]:
    """The "Read … in <zone>" line of a reply, and for a member without their own zone a button to set theirs."""
    user = await load_user(services.db, user_id_of(interaction))
    t = i18n.translator(interaction.locale)
    if user.timezone:
        return f"-# {timeparse.read_back(parsed, t)}", None
    line = f"-# {timeparse.read_back(parsed, t)} " + t._(
        "That is the server's time zone: you have not set yours ({command}).", command=command("remind-me timezone")
    )
    suggestion = suggest_zone(str(interaction.locale) if interaction.locale else None)
    if suggestion is None or suggestion == parsed.zone:
        return line, None
    # prevent_update=False: answered by a listener (RemindMe.on_zone_button), not a view nextcord would forget.
    view = nextcord.ui.View(timeout=None, prevent_update=False)
    label = t._("🌍 Use {zone} as my time zone", zone=suggestion)
    view.add_item(nextcord.ui.Button(label=label[:80], custom_id=SET_ZONE + suggestion))
    return line, view


def zone_button_clicked(interaction: nextcord.Interaction) -> bool:
    """Whether this is a click on a "Use … as my time zone" button."""
    return interaction.type == nextcord.InteractionType.component and custom_id_of(interaction).startswith(SET_ZONE)


async def set_zone_from_button(services: Services, interaction: nextcord.Interaction) -> None:
    """Store the zone the button carries (checked like a typed one: a client can forge a custom id)."""
    zone, _ = timeparse.resolve_timezone(custom_id_of(interaction)[len(SET_ZONE) :])
    await services.people.set_timezone(user_id_of(interaction), zone)
    t = i18n.translator(interaction.locale)
    local = timeparse.local_now_text(zone, services.clock.now(), t)
    await reply_ephemeral(
        interaction,
        t._("🌍 Your time zone is now **{zone}** — it is {local} there. Times you type from now on are read in it. "
            "The time above was read in the server's zone: if it is not what you meant, change it (e.g. {command}).",
            zone=zone, local=local, command=command("schedule reschedule")),
    )
