"""Which zones to offer a member who has none, and why a typed time was read in the zone it was read in.

A member without a zone has their times read in the server's zone. Most communities live in one region, so the
server's zone is the first offer; a guess from the member's Discord locale comes second, and only where the locale
settles the zone: an en-US client is used from Hawaii to Maine (six zones), and en-GB by much of the world outside
the US, so a guess there would be wrong for many and is worse than none. A guess is never applied silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from podium.markup import command

if TYPE_CHECKING:
    from podium.i18n import Translator

# Discord's locales (discord.com/developers/docs/reference#locales) whose speakers nearly all live on one clock.
# Left out on purpose: en-US, es-419, pt-BR, ru, id (countries with several zones), en-GB and fr (chosen by English
# and French speakers on several continents), es-ES (the Canary Islands are an hour behind Madrid).
LOCALE_ZONES: dict[str, str] = {
    "bg": "Europe/Sofia",
    "cs": "Europe/Prague",
    "da": "Europe/Copenhagen",
    "de": "Europe/Berlin",  # Austria and Switzerland keep the same time
    "el": "Europe/Athens",
    "fi": "Europe/Helsinki",
    "hi": "Asia/Kolkata",
    "hr": "Europe/Zagreb",
    "hu": "Europe/Budapest",
    "it": "Europe/Rome",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "lt": "Europe/Vilnius",
    "nl": "Europe/Amsterdam",  # Belgium keeps the same time
    "no": "Europe/Oslo",
    "pl": "Europe/Warsaw",
    "ro": "Europe/Bucharest",
    "sv-SE": "Europe/Stockholm",
    "th": "Asia/Bangkok",
    "tr": "Europe/Istanbul",
    "uk": "Europe/Kyiv",
    "vi": "Asia/Ho_Chi_Minh",
    "zh-CN": "Asia/Shanghai",
    "zh-TW": "Asia/Taipei",
}

ZoneReason = Literal["typed", "yours", "server", "default"]


def suggest_zone(locale: str | None) -> str | None:
    """The zone a Discord client language settles (None where it does not: en-US, en-GB, pt-BR …)."""
    if not locale:
        return None
    by_name = {name.lower(): zone for name, zone in LOCALE_ZONES.items()}
    # "de-AT" is matched by its language; "en-US" finds no "en": English is spoken on every clock.
    return by_name.get(locale.lower()) or by_name.get(locale.split("-")[0].lower())


def zones_to_offer(server_zone: str | None, locale: str | None) -> tuple[str, ...]:
    """The zones offered, in order, to a member who has none: the server's, then their locale's if it differs."""
    offers = [server_zone] if server_zone else []
    guess = suggest_zone(locale)
    if guess is not None and guess not in offers:
        offers.append(guess)
    return tuple(offers)


def zone_reason(*, typed: bool, user_zone: str | None, server_zone: str | None) -> ZoneReason:
    """Why a time was read in the zone it was: written in it, the member's own, the server's, or UTC by default."""
    if typed:
        return "typed"
    if user_zone:
        return "yours"
    return "server" if server_zone else "default"


def zone_note(reason: ZoneReason, t: Translator) -> str:
    """The sentence after "Read … in <zone>: …" that says truthfully why that zone was used."""
    if reason == "typed":
        return t._("That zone was named in what you typed.")
    if reason == "yours":
        return t._("That is your time zone ({command}).", command=command("remind-me timezone"))
    if reason == "server":
        return t._("That is the server's time zone: you have not set yours ({command}).",
                   command=command("remind-me timezone"))
    return t._("That is UTC: neither you nor the server has chosen another time zone ({command}).",
               command=command("remind-me timezone"))


def local_moment(when: datetime, zone: str, t: Translator) -> str:
    """An instant where `<t:…>` cannot render (choices, select options): in the reader's zone and language.

    "Di. 08. Dez. 18:00": the zone is the reader's own, else their server's, which they know; "UTC" is named only
    when it is the zone shown, since a reader cannot tell UTC from their own time otherwise.
    """
    return t.moment(when.astimezone(ZoneInfo(zone))) + (" UTC" if zone == "UTC" else "")
