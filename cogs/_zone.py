"""Which zone a typed time was read in, and why, said in the reply; a member without a zone can set one in a click.

A member who never ran /remind-me timezone has their times read in the server's zone (or UTC). The reply that
echoes the time says which zone it was read in and why (written in the time, theirs, the server's, or UTC for want
of any), and offers buttons: the server's zone first (most communities live in one region), then a guess from
their Discord locale where the locale settles it (podium/zones.py), then "Choose another…", which points to
/remind-me timezone and its autocomplete (a modal cannot autocomplete). The buttons' custom ids carry the zone
offered and the zone the time was read in, so they work after a restart and the click's answer stays true; under
a talk's time they also say so, so the answer names the command that changes what was read (a talk is moved with
/schedule reschedule, a personal reminder with /remind-me edit).
"""

from __future__ import annotations

import logging

import nextcord

from cogs._replies import reply_ephemeral, user_id_of
from podium import components, i18n, timeparse
from podium.components import CustomId
from podium.markup import command
from podium.preferences import GuildSettings, UserPreferences, load_guild, load_user
from podium.services import Services
from podium.zones import zone_note, zone_reason, zones_to_offer

log = logging.getLogger(__name__)

# Declared like every button Podium renders, so the one router (cogs/_components.py) answers them: RemindMe's
# `@handles` method. The id carries an IANA zone name, then "|" and the zone the time above was read in (older
# buttons: the zone only), so it is answered from the id alone, after a restart too.
ZONE_SET = components.declare("podium:tz:set", numbers=0, tail=r".+")
SET_ZONE = ZONE_SET + ":"  # + the zone offered "|" the zone read in
# Appended ("|talk") under a talk's time. Under a personal reminder nothing is appended: the ids stay as they were.
FOR_TALK = "talk"
OTHER_ZONE = components.declare("podium:tz:other", numbers=0)


def read_line(
    parsed: timeparse.ParsedTime, user: UserPreferences, guild: GuildSettings | None, t: i18n.Translator
) -> str:
    """"Read … in <zone>: <label>." and why that zone: written in the text, the member's, the server's, or UTC."""
    reason = zone_reason(typed=parsed.zone_typed, user_zone=user.timezone, server_zone=server_zone(guild))
    return f"{timeparse.read_back(parsed, t)} {zone_note(reason, t)}"


def server_zone(guild: GuildSettings | None) -> str | None:
    """The zone a moderator chose for the server (None while it is the default UTC)."""
    # A server's zone is "UTC" until a moderator picks one: that default is no region to offer, nor a choice to
    # credit. A UTC chosen on purpose (timezone_chosen) is both, like any other chosen zone.
    if guild is None or (guild.timezone == "UTC" and not guild.timezone_chosen):
        return None
    return guild.timezone


async def read_in(
    services: Services, interaction: nextcord.Interaction, parsed: timeparse.ParsedTime, *, talk: bool = False
) -> tuple[str, nextcord.ui.View | None]:
    """The "Read … in <zone>" line of a reply, and for a member without their own zone the buttons to set one.

    `talk`: the time is a talk's (not a personal reminder's), which the click's answer needs to name how to change it.
    """
    user = await load_user(services.db, user_id_of(interaction))
    guild = await load_guild(services.db, interaction.guild_id) if interaction.guild_id else None
    t = i18n.translator(interaction.locale)
    line = f"-# {read_line(parsed, user, guild, t)}"
    if user.timezone:
        return line, None
    # prevent_update=False: answered by the router (RemindMe.on_zone_button), not a view nextcord would forget.
    view = nextcord.ui.View(timeout=None, prevent_update=False)
    suffix = f"|{FOR_TALK}" if talk else ""
    for zone in zones_to_offer(server_zone(guild), str(interaction.locale) if interaction.locale else None):
        label = t._("🌍 Use {zone} as my time zone", zone=zone)
        view.add_item(nextcord.ui.Button(label=label[:80], custom_id=f"{SET_ZONE}{zone}|{parsed.zone}{suffix}"[:100]))
    view.add_item(nextcord.ui.Button(label=t._("🌍 Choose another…")[:80], custom_id=OTHER_ZONE,
                                     style=nextcord.ButtonStyle.secondary))
    return line, view


async def set_zone_from_button(services: Services, interaction: nextcord.Interaction, clicked: CustomId) -> None:
    """Store the zone the button carries (checked like a typed one: a client can forge a custom id)."""
    t = i18n.translator(interaction.locale)
    if clicked.action == OTHER_ZONE:
        await reply_ephemeral(
            interaction,
            t._("🌍 Set your time zone with {command}: start typing your city (e.g. `Berlin` or `Chicago`) and "
                "pick it from the list.", command=command("remind-me timezone")),
        )
        return
    offered, _, rest = clicked.tail.partition("|")
    read_zone, _, what = rest.partition("|")
    zone, _ = timeparse.resolve_timezone(offered)
    await services.people.set_timezone(user_id_of(interaction), zone)
    local = timeparse.local_now_text(zone, services.clock.now(), t)
    text = t._("🌍 Your time zone is now **{zone}** — it is {local} there. Times you type from now on are read in it.",
               zone=zone, local=local)
    if read_zone and read_zone != zone:
        # Buttons from before a restart may carry no read zone: then nothing is claimed about the time above.
        # The command that changes what was read: a talk is moved, a personal reminder edited.
        change = "schedule reschedule" if what == FOR_TALK else "remind-me edit"
        text += " " + t._("The time above was read in {zone}: if it is not what you meant, change it (e.g. {command}).",
                          zone=read_zone, command=command(change))
    await reply_ephemeral(interaction, text)
