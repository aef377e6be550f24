"""A time zone to suggest from a member's Discord locale: a guess offered with one click, never applied silently."""

from __future__ import annotations

# Discord's locales (discord.com/developers/docs/reference#locales) -> the zone most of their speakers live in.
# Where a language spans many zones (en-US, es-419, pt-BR, ru) the guess is the most populous one; the member
# sees the name before clicking, and can pick another with /remind-me timezone.
LOCALE_ZONES: dict[str, str] = {
    "id": "Asia/Jakarta",
    "da": "Europe/Copenhagen",
    "de": "Europe/Berlin",
    "en-GB": "Europe/London",
    "en-US": "America/New_York",
    "es-ES": "Europe/Madrid",
    "es-419": "America/Mexico_City",
    "fr": "Europe/Paris",
    "hr": "Europe/Zagreb",
    "it": "Europe/Rome",
    "lt": "Europe/Vilnius",
    "hu": "Europe/Budapest",
    "nl": "Europe/Amsterdam",
    "no": "Europe/Oslo",
    "pl": "Europe/Warsaw",
    "pt-BR": "America/Sao_Paulo",
    "ro": "Europe/Bucharest",
    "fi": "Europe/Helsinki",
    "sv-SE": "Europe/Stockholm",
    "vi": "Asia/Ho_Chi_Minh",
    "tr": "Europe/Istanbul",
    "cs": "Europe/Prague",
    "el": "Europe/Athens",
    "bg": "Europe/Sofia",
    "ru": "Europe/Moscow",
    "uk": "Europe/Kyiv",
    "hi": "Asia/Kolkata",
    "th": "Asia/Bangkok",
    "zh-CN": "Asia/Shanghai",
    "ja": "Asia/Tokyo",
    "zh-TW": "Asia/Taipei",
    "ko": "Asia/Seoul",
}


def suggest_zone(locale: str | None) -> str | None:
    """The zone to offer a member whose Discord client speaks `locale` (None: no useful guess)."""
    if not locale:
        return None
    return LOCALE_ZONES.get(locale) or LOCALE_ZONES.get(locale.split("-")[0])
