"""Zones: IANA names, the abbreviations people type instead, autocomplete, and a trailing zone in a time."""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from podium.timeparse._base import MAX_INPUT_CHARS, ZONE_EXAMPLES
from podium.timeparse._messages import TEXTS, echo, fail
from podium.timeparse._messages import say as english

if TYPE_CHECKING:
    from podium.i18n import Translator

_REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)
# Old names tzdata keeps as aliases: autocomplete offers the current name instead (typed "calcutta" finds
# Asia/Kolkata), and resolve_timezone answers with the current name.
_RENAMED: dict[str, str] = {
    "Africa/Asmera": "Africa/Asmara", "Africa/Timbuktu": "Africa/Bamako",
    "America/Argentina/ComodRivadavia": "America/Argentina/Catamarca", "America/Atka": "America/Adak",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires", "America/Catamarca": "America/Argentina/Catamarca",
    "America/Coral_Harbour": "America/Atikokan", "America/Cordoba": "America/Argentina/Cordoba",
    "America/Ensenada": "America/Tijuana", "America/Fort_Wayne": "America/Indiana/Indianapolis",
    "America/Godthab": "America/Nuuk", "America/Indianapolis": "America/Indiana/Indianapolis",
    "America/Jujuy": "America/Argentina/Jujuy", "America/Knox_IN": "America/Indiana/Knox",
    "America/Louisville": "America/Kentucky/Louisville", "America/Mendoza": "America/Argentina/Mendoza",
    "America/Montreal": "America/Toronto", "America/Porto_Acre": "America/Rio_Branco",
    "America/Rosario": "America/Argentina/Cordoba", "America/Santa_Isabel": "America/Tijuana",
    "America/Shiprock": "America/Denver", "America/Virgin": "America/St_Thomas",
    "Antarctica/South_Pole": "Pacific/Auckland", "Asia/Ashkhabad": "Asia/Ashgabat", "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Chongqing": "Asia/Shanghai", "Asia/Chungking": "Asia/Shanghai", "Asia/Dacca": "Asia/Dhaka",
    "Asia/Harbin": "Asia/Shanghai", "Asia/Istanbul": "Europe/Istanbul", "Asia/Kashgar": "Asia/Urumqi",
    "Asia/Katmandu": "Asia/Kathmandu", "Asia/Macao": "Asia/Macau", "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Tel_Aviv": "Asia/Jerusalem", "Asia/Thimbu": "Asia/Thimphu",
    "Asia/Ujung_Pandang": "Asia/Makassar", "Asia/Ulan_Bator": "Asia/Ulaanbaatar", "Atlantic/Faeroe": "Atlantic/Faroe",
    "Atlantic/Jan_Mayen": "Arctic/Longyearbyen", "Australia/ACT": "Australia/Sydney",
    "Australia/Canberra": "Australia/Sydney", "Australia/LHI": "Australia/Lord_Howe",
    "Australia/NSW": "Australia/Sydney",
    "Australia/North": "Australia/Darwin", "Australia/Queensland": "Australia/Brisbane",
    "Australia/South": "Australia/Adelaide", "Australia/Tasmania": "Australia/Hobart",
    "Australia/Victoria": "Australia/Melbourne", "Australia/West": "Australia/Perth",
    "Australia/Yancowinna": "Australia/Broken_Hill", "Europe/Belfast": "Europe/London", "Europe/Kiev": "Europe/Kyiv",
    "Europe/Tiraspol": "Europe/Chisinau", "Pacific/Enderbury": "Pacific/Kanton", "Pacific/Johnston": "Pacific/Honolulu",
    "Pacific/Ponape": "Pacific/Pohnpei", "Pacific/Samoa": "Pacific/Pago_Pago", "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Yap": "Pacific/Chuuk",
}  # fmt: skip
# The empty-query list, and the tie-break between equally good matches.
_POPULAR: tuple[str, ...] = (
    "UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
    "America/Mexico_City", "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "Europe/London", "Europe/Paris",
    "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Moscow", "Europe/Istanbul", "Africa/Lagos",
    "Africa/Cairo", "Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Shanghai", "Asia/Singapore",
    "Asia/Tokyo", "Australia/Sydney",
)  # fmt: skip
_POPULARITY = {name: rank for rank, name in enumerate(_POPULAR)}


@dataclass(frozen=True, slots=True)
class _Reading:
    """One zone an abbreviation may stand for."""

    zone: str
    tag: str
    place: str


# Abbreviations are not zones (EST is a fixed UTC-5 and CST means two places): map each to the zone most
# people mean, first reading first. Three-letter words users might type ("cat", "eat", "art") are left out.
ABBREVIATIONS: dict[str, tuple[_Reading, ...]] = {
    "UTC": (_Reading("UTC", "UTC", "UTC"),),
    "GMT": (_Reading("UTC", "GMT", "UTC"), _Reading("Europe/London", "GMT/BST", "UK time")),
    "BST": (_Reading("Europe/London", "GMT/BST", "UK time"), _Reading("Asia/Dhaka", "BST, Bangladesh", "Bangladesh")),
    "WET": (_Reading("Europe/Lisbon", "WET/WEST", "Western European time"),),
    "WEST": (_Reading("Europe/Lisbon", "WET/WEST", "Western European time"),),
    "CET": (_Reading("Europe/Berlin", "CET/CEST", "Central European time"),),
    "CEST": (_Reading("Europe/Berlin", "CET/CEST", "Central European time"),),
    "EET": (_Reading("Europe/Athens", "EET/EEST", "Eastern European time"),),
    "EEST": (_Reading("Europe/Athens", "EET/EEST", "Eastern European time"),),
    "MSK": (_Reading("Europe/Moscow", "MSK", "Moscow time"),),
    "IST": (
        _Reading("Asia/Kolkata", "IST, India", "India"),
        _Reading("Europe/Dublin", "IST, Ireland", "Ireland"),
        _Reading("Asia/Jerusalem", "IST, Israel", "Israel"),
    ),
    "PKT": (_Reading("Asia/Karachi", "PKT", "Pakistan"),),
    "WIB": (_Reading("Asia/Jakarta", "WIB", "Western Indonesia"),),
    "SGT": (_Reading("Asia/Singapore", "SGT", "Singapore"),),
    "HKT": (_Reading("Asia/Hong_Kong", "HKT", "Hong Kong"),),
    "JST": (_Reading("Asia/Tokyo", "JST", "Japan"),),
    "KST": (_Reading("Asia/Seoul", "KST", "Korea"),),
    "AWST": (_Reading("Australia/Perth", "AWST", "Western Australia"),),
    "ACST": (_Reading("Australia/Adelaide", "ACST/ACDT", "South Australia"),),
    "ACDT": (_Reading("Australia/Adelaide", "ACST/ACDT", "South Australia"),),
    "AEST": (
        _Reading("Australia/Sydney", "AEST/AEDT", "Australian Eastern time"),
        _Reading("Australia/Brisbane", "AEST, Queensland", "Queensland"),
    ),
    "AEDT": (_Reading("Australia/Sydney", "AEST/AEDT", "Australian Eastern time"),),
    "NZST": (_Reading("Pacific/Auckland", "NZST/NZDT", "New Zealand"),),
    "NZDT": (_Reading("Pacific/Auckland", "NZST/NZDT", "New Zealand"),),
    "SAST": (_Reading("Africa/Johannesburg", "SAST", "South Africa"),),
    "HST": (_Reading("Pacific/Honolulu", "HST", "Hawaii"),),
    "AKST": (_Reading("America/Anchorage", "AKST/AKDT", "Alaska"),),
    "AKDT": (_Reading("America/Anchorage", "AKST/AKDT", "Alaska"),),
    "PST": (_Reading("America/Los_Angeles", "PST/PDT", "US Pacific time"),),
    "PDT": (_Reading("America/Los_Angeles", "PST/PDT", "US Pacific time"),),
    "PT": (_Reading("America/Los_Angeles", "PST/PDT", "US Pacific time"),),
    "MST": (
        _Reading("America/Denver", "MST/MDT", "US Mountain time"),
        _Reading("America/Phoenix", "MST, Arizona", "Arizona"),
    ),
    "MDT": (_Reading("America/Denver", "MST/MDT", "US Mountain time"),),
    "MT": (_Reading("America/Denver", "MST/MDT", "US Mountain time"),),
    "CST": (
        _Reading("America/Chicago", "CST/CDT", "US Central time"),
        _Reading("Asia/Shanghai", "CST, China", "China"),
    ),
    "CDT": (_Reading("America/Chicago", "CST/CDT", "US Central time"),),
    "CT": (_Reading("America/Chicago", "CST/CDT", "US Central time"),),
    "EST": (_Reading("America/New_York", "EST/EDT", "US Eastern time"),),
    "EDT": (_Reading("America/New_York", "EST/EDT", "US Eastern time"),),
    "ET": (_Reading("America/New_York", "EST/EDT", "US Eastern time"),),
    "AST": (_Reading("America/Halifax", "AST/ADT", "Atlantic time"),),
    "ADT": (_Reading("America/Halifax", "AST/ADT", "Atlantic time"),),
    "NST": (_Reading("America/St_Johns", "NST/NDT", "Newfoundland"),),
    "BRT": (_Reading("America/Sao_Paulo", "BRT", "Brasília time"),),
}
UTC_OFFSET_RE = re.compile(r"(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?", re.IGNORECASE)


@functools.cache
def zone_names() -> dict[str, str]:
    """Every zone tzdata knows, by its lower-case name."""
    return {name.lower(): name for name in zoneinfo.available_timezones() if name != "localtime"}


def _is_listed(name: str) -> bool:
    if name == "UTC":
        return True
    region, _, rest = name.partition("/")
    return bool(rest) and region in _REGIONS and name not in _RENAMED


@functools.cache
def listed_zones() -> tuple[tuple[str, str], ...]:
    """(search key, name) of the zones autocomplete offers without being typed exactly."""
    return tuple((_key(name), name) for name in sorted(zone_names().values()) if _is_listed(name))


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", text.strip().lower())


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise fail("zone_unknown", ZONE_EXAMPLES[:2], zone=echo(name)) from None


@functools.cache
def _has_dst(name: str) -> bool:
    zone = ZoneInfo(name)
    year = 2026
    return datetime(year, 1, 15, tzinfo=zone).utcoffset() != datetime(year, 7, 15, tzinfo=zone).utcoffset()


def offset_zone(match: re.Match[str]) -> str:
    """A whole-hour UTC offset as the Etc/ zone (whose sign is inverted, POSIX style)."""
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if minutes or hours > (14 if match["sign"] == "+" else 12):
        raise fail("zone_offset_not_whole", ("Asia/Kolkata", "America/St_Johns"), text=echo(match[0]))
    if hours == 0:
        return "UTC"
    return f"Etc/GMT{'-' if match['sign'] == '+' else '+'}{hours}"


def find_timezones(query: str, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete choices (value, label) for a timezone query, best first, at most `limit`."""
    if limit <= 0:
        return []
    query = query.strip()
    if not query:
        return [(name, name) for name in _POPULAR[:limit]]
    found: dict[str, str] = {}
    readings = ABBREVIATIONS.get(query.upper(), ())
    for reading in readings:
        found.setdefault(reading.zone, _reading_label(reading))
    q = _key(query)
    exact = zone_names().get(q) or zone_names().get(query.lower())
    # A legacy name typed exactly is offered, but not "EST" and the like: fixed offsets that ignore daylight saving.
    if exact is not None and exact not in _RENAMED and (not readings or _is_listed(exact)):
        found.setdefault(exact, exact)
    scored = [
        (score, _POPULARITY.get(name, len(_POPULAR)), len(name), name, name)
        for key, name in listed_zones()
        if (score := _match_score(q, key)) is not None
    ]
    # An old name matches by its city only ("calcutta", "kiev"), never by a shared region prefix.
    scored += [
        (score, _POPULARITY.get(new, len(_POPULAR)), len(new), new, f"{new} (formerly {old})")
        for old, new in _RENAMED.items()
        if (score := _match_score(q, _key(old))) is not None and score <= 1
    ]
    for *_, name, label in sorted(scored):
        found.setdefault(name, label)
    return list(found.items())[:limit]


def _reading_label(reading: _Reading) -> str:
    return reading.zone if reading.tag == reading.zone else f"{reading.zone} ({reading.tag})"


def _match_score(q: str, key: str) -> int | None:
    """Lower is better; None when the query matches no part of the name."""
    city = key.rsplit("/", 1)[-1]
    if key == q:
        return 0
    if city.startswith(q):
        return 1
    if key.startswith(q):
        return 2
    if any(word.startswith(q) for word in re.split(r"[/_]", key)):
        return 3
    if q in key:
        return 4
    if q.replace("_", "") in key.replace("_", ""):
        return 5
    return None


def resolve_timezone(text: str, t: Translator | None = None) -> tuple[str, str | None]:
    """The IANA zone for what a user typed, and a note when an abbreviation or offset was mapped to a zone.

    The note is in the reader's language with `t` (English without).
    """

    def say(key: str, **fields: object) -> str:
        return t._(TEXTS[key], **fields) if t is not None else english(key, **fields)

    typed = text.strip()
    if not typed or len(typed) > MAX_INPUT_CHARS:
        raise fail("zone_needed", ZONE_EXAMPLES[:2])
    readings = ABBREVIATIONS.get(typed.upper())
    if readings and typed.upper() != "UTC":
        first, others = readings[0], readings[1:]
        dst = say("zone_dst" if _has_dst(first.zone) else "zone_no_dst")
        place = "" if first.place == first.zone else f" ({first.place})"
        note = say("zone_note_abbreviation", abbreviation=typed.upper(), zone=first.zone, place=place, dst=dst)
        note += "".join(say("zone_note_other", place=other.place, zone=other.zone) for other in others)
        return first.zone, note
    names = zone_names()
    exact = names.get(typed.lower()) or names.get(_key(typed))
    if exact in _RENAMED:
        return _RENAMED[exact], say("zone_note_renamed", old=exact, new=_RENAMED[exact])
    if exact is not None:
        return exact, None
    offset = UTC_OFFSET_RE.fullmatch(typed)
    if offset is not None:
        zone = offset_zone(offset)
        return zone, say("zone_note_offset", text=typed, zone=zone)
    q = _key(typed)
    cities = [name for key, name in listed_zones() if key.rsplit("/", 1)[-1] == q]
    if len(cities) == 1:
        return cities[0], None
    raise fail("zone_unknown_hint", ZONE_EXAMPLES[:2], zone=echo(typed))


def local_now_text(zone: str, now: datetime, t: Translator | None = None) -> str:
    """The local weekday, time and UTC offset in `zone`, e.g. "Saturday 18:30 (UTC-05:00)" ("Samstag …" with `t`)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    local = now.astimezone(zone_info(zone))
    day = t.weekday(local.weekday()) if t is not None else f"{local:%A}"
    return f"{day} {local:%H:%M} (UTC{_offset_text(local)})"


def _offset_text(local: datetime) -> str:
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


# -- a zone inside a typed time ----------------------------------------------------------------------------

# Lower-case abbreviations the language tables pass through untouched ("9am bst", "18 Uhr MEZ" after its rewrite).
ZONE_WORDS = frozenset(abbreviation.lower() for abbreviation in ABBREVIATIONS)
# "<name> time": the zone most people mean. A city name ("london time", "new york time") is looked up as well.
_NAMED_TIMES = {
    "uk": "Europe/London", "british": "Europe/London", "eastern": "America/New_York", "central": "America/Chicago",
    "mountain": "America/Denver", "pacific": "America/Los_Angeles", "german": "Europe/Berlin",
    "india": "Asia/Kolkata", "indian": "Asia/Kolkata", "japan": "Asia/Tokyo", "japanese": "Asia/Tokyo",
}  # fmt: skip


def _city_zone(words: list[str]) -> str | None:
    """The one listed zone whose city is these words ("new york" is America/New_York), else None."""
    key = "_".join(words)
    if len(words) == 1 and key in _NAMED_TIMES:
        return _NAMED_TIMES[key]
    cities = [name for listed, name in listed_zones() if listed.rsplit("/", 1)[-1] == key]
    return cities[0] if len(cities) == 1 else None


def zone_at(tokens: list[str], i: int) -> tuple[int, str] | None:
    """A zone starting at tokens[i]: "bst", "in utc", "europe/london", "utc+2", "london time"; (tokens used, zone)."""
    start = i + 1 if tokens[i] == "in" and i + 1 < len(tokens) else i
    token = tokens[start]
    readings = ABBREVIATIONS.get(token.upper())
    if readings:
        return start - i + 1, readings[0].zone
    if "/" in token and token in zone_names():
        return start - i + 1, zone_names()[token]
    offset = UTC_OFFSET_RE.fullmatch(token)
    if offset is not None:
        return start - i + 1, offset_zone(offset)
    for width in (1, 2):  # "london time", "new york time"
        end = start + width
        words = tokens[start:end]
        if end < len(tokens) and tokens[end] == "time" and all(word.startswith("?") for word in words):
            zone = _city_zone([word[1:] for word in words])
            if zone is not None:
                return end + 1 - i, zone
    return None
