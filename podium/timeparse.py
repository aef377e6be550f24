"""All user time input in one place: what people type, read in their own timezone, as aware UTC instants.

Rules (each one is a trap of plain dateparser that this module decides explicitly):

- A bare clock time ("5pm", "17:00") means the next such time: today if still ahead, else tomorrow.
- A bare number ("5"), a month ("may"), or a day without a time ("friday", "tomorrow", "dec 3") is refused
  with an example that adds a time: a talk at midnight is never what was meant.
- A weekday means the next such day at that time: "friday 18:00" and "this friday 18:00" include today if
  18:00 is still ahead; "next friday 18:00" is the first Friday after today (on a Thursday: tomorrow).
- A number right after a day is an hour on the 24-hour clock: "tomorrow 9" is 09:00, "tomorrow 21" is 21:00.
  After a part of the evening ("tonight 9", "friday evening 7") it is pm.
- "tonight" alone is 20:00 today while that is ahead, refused after. "tonight 1am" and "tonight midnight" are
  the early hours of tomorrow; "tonight 7am" is refused. "midnight" alone is the coming 00:00; with a day it is
  refused ("friday midnight": the start or the end of Friday?).
- A month and day without a year is the next such date: "nov 28 17:00" on Nov 28 at 18:30 is next year.
  A weekday given with a date must match it ("friday dec 3" is refused when Dec 3 is a Thursday).
- "in 30 minutes", "in 2 hours" are exact elapsed time; "in 3 days", "in 2 weeks" move the calendar and keep
  the local clock time (across a DST change that is 23 or 25 hours). "in 30 seconds" is exact too (personal
  reminders). Months and years are refused.
- Numeric day/month forms ("03/04", "3.4.2026", "12-05") are refused: they mean different days in different
  countries; so are times without a colon ("1700", "17.30"). ISO 8601 is accepted: with an offset it is that
  instant; without, a wall time in the user's zone.
- A wall time that does not exist (the spring-forward gap, e.g. 02:30 on 2026-03-08 in New York) is refused
  with a nearby time that exists ("in 1 day" landing in the gap moves forward instead). An ambiguous one (the
  fall-back hour) is the first occurrence (fold=0, daylight time), unless that has passed and the second not.
- A trailing zone overrides the user's zone: "friday 18:00 UTC", "7pm EST" (EST means US Eastern time, with
  daylight saving), "18:00 Europe/London", "18:00 UTC+2".
- The result must be in the future and at most `max_ahead` (365 days) ahead.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from dateparser import DateDataParser

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 100
EXAMPLES: tuple[str, ...] = ("tomorrow 17:00", "friday 18:30", "in 2 hours", "dec 3 7pm", "next monday 9am")
OFFSET_EXAMPLES: tuple[str, ...] = ("24h, 1h", "2d 30m", "1h30m, 10m")
ZONE_EXAMPLES: tuple[str, ...] = ("Europe/Berlin", "America/New_York", "Asia/Kolkata")
MIN_OFFSET = timedelta(minutes=5)
MAX_OFFSET = timedelta(days=30)
MAX_OFFSETS = 5

# An hour below this after "tonight" is after midnight, i.e. tomorrow's date.
_NIGHT_ENDS_HOUR = 5
# "tonight" alone: dateparser's choice, kept so both paths agree.
_TONIGHT_HOUR = 20
# "tonight" with an hour from here until evening is contradictory ("tonight 7am").
_EVENING_STARTS_HOUR = 17


class TimeInputError(ValueError):
    """User input that cannot be used; str(exc) is a complete sentence for the user, with examples."""


@dataclass(frozen=True, slots=True)
class ParsedTime:
    """A parsed instant (aware UTC), the IANA zone it was read in, and the text it came from."""

    when: datetime
    zone: str
    text: str


# -- messages -------------------------------------------------------------------------------------------


def _or_list(examples: Iterable[str]) -> str:
    items = [f"`{example}`" for example in examples]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _fail(problem: str, examples: Iterable[str] = EXAMPLES[:3]) -> TimeInputError:
    return TimeInputError(f"{problem} Try {_or_list(examples)}.")


def _echo(text: str, limit: int = 40) -> str:
    """User text quoted inside a message: one line, shortened, markdown and mention syntax escaped."""
    cleaned = re.sub(r"[`\s]+", " ", text).strip()
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return "“" + re.sub(r"([\\*_~|<>])", r"\\\1", cleaned) + "”"


def _show(when: datetime) -> str:
    return f"{when:%a %d %b %Y %H:%M}"


def _iso_example(today: date) -> str:
    """A year-month-day example that is still ahead (a fixed one would age into the past)."""
    return f"{today + timedelta(days=7):%Y-%m-%d} 19:00"


# -- zones ----------------------------------------------------------------------------------------------

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
_ABBREVIATIONS: dict[str, tuple[_Reading, ...]] = {
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
_UTC_OFFSET_RE = re.compile(
    r"(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?", re.IGNORECASE
)


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every zone tzdata knows, by its lower-case name."""
    return {name.lower(): name for name in zoneinfo.available_timezones() if name != "localtime"}


def _is_listed(name: str) -> bool:
    if name == "UTC":
        return True
    region, _, rest = name.partition("/")
    return bool(rest) and region in _REGIONS and name not in _RENAMED


@functools.cache
def _listed_zones() -> tuple[tuple[str, str], ...]:
    """(search key, name) of the zones autocomplete offers without being typed exactly."""
    return tuple((_key(name), name) for name in sorted(_zone_names().values()) if _is_listed(name))


def _key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", text.strip().lower())


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _fail(f"{_echo(name)} isn't a timezone I know.", ZONE_EXAMPLES[:2]) from None


@functools.cache
def _has_dst(name: str) -> bool:
    zone = ZoneInfo(name)
    year = 2026
    return datetime(year, 1, 15, tzinfo=zone).utcoffset() != datetime(year, 7, 15, tzinfo=zone).utcoffset()


def _offset_zone(match: re.Match[str]) -> str:
    """A whole-hour UTC offset as the Etc/ zone (whose sign is inverted, POSIX style)."""
    hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
    if minutes or hours > (14 if match["sign"] == "+" else 12):
        raise _fail(
            f"{_echo(match[0])} isn't a whole-hour offset I can use as a zone; pick a city zone instead.",
            ("Asia/Kolkata", "America/St_Johns"),
        )
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
    readings = _ABBREVIATIONS.get(query.upper(), ())
    for reading in readings:
        found.setdefault(reading.zone, _reading_label(reading))
    q = _key(query)
    exact = _zone_names().get(q) or _zone_names().get(query.lower())
    # A legacy name typed exactly is offered, but not "EST" and the like: fixed offsets that ignore daylight saving.
    if exact is not None and exact not in _RENAMED and (not readings or _is_listed(exact)):
        found.setdefault(exact, exact)
    scored = [
        (score, _POPULARITY.get(name, len(_POPULAR)), len(name), name, name)
        for key, name in _listed_zones()
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


def resolve_timezone(text: str) -> tuple[str, str | None]:
    """The IANA zone for what a user typed, and a note when an abbreviation or offset was mapped to a zone."""
    typed = text.strip()
    if not typed or len(typed) > MAX_INPUT_CHARS:
        raise _fail("Give a timezone name.", ZONE_EXAMPLES[:2])
    readings = _ABBREVIATIONS.get(typed.upper())
    if readings and typed.upper() != "UTC":
        first, others = readings[0], readings[1:]
        dst = "follows daylight saving" if _has_dst(first.zone) else "has no daylight saving"
        place = "" if first.place == first.zone else f" ({first.place})"
        note = f"{typed.upper()} is not a timezone; using {first.zone}{place}, which {dst}."
        note += "".join(f" For {other.place} pick {other.zone}." for other in others)
        return first.zone, note
    names = _zone_names()
    exact = names.get(typed.lower()) or names.get(_key(typed))
    if exact in _RENAMED:
        return _RENAMED[exact], f"{exact} is an old name; using {_RENAMED[exact]}."
    if exact is not None:
        return exact, None
    offset = _UTC_OFFSET_RE.fullmatch(typed)
    if offset is not None:
        zone = _offset_zone(offset)
        return zone, f"{typed} is a fixed offset: {zone} never changes for daylight saving; a city zone does."
    q = _key(typed)
    cities = [name for key, name in _listed_zones() if key.rsplit("/", 1)[-1] == q]
    if len(cities) == 1:
        return cities[0], None
    raise _fail(
        f"{_echo(typed)} isn't a timezone I know. Use a region/city name (start typing a city to see suggestions).",
        ZONE_EXAMPLES[:2],
    )


def local_now_text(zone: str, now: datetime) -> str:
    """The local weekday, time and UTC offset in `zone`, e.g. "Saturday 18:30 (UTC-05:00)"."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    local = now.astimezone(_zone(zone))
    return f"{local:%A %H:%M} (UTC{_offset_text(local)})"


def _offset_text(local: datetime) -> str:
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


# -- durations ------------------------------------------------------------------------------------------

_UNITS: dict[str, timedelta] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), timedelta(seconds=1)),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), timedelta(hours=1)),
    **dict.fromkeys(("d", "day", "days"), timedelta(days=1)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), timedelta(weeks=1)),
}
_AMOUNT_RE = re.compile(r"(?P<n>\d{1,6}(?:\.\d{1,3})?)\s*(?P<unit>[a-z]+)")
_AMOUNTS_RE = re.compile(r"(?:\d{1,6}(?:\.\d{1,3})?\s*[a-z]+\s*)+")


def _amounts(text: str) -> list[tuple[float, timedelta]] | None:
    """`1h30m`, `2 hours 30 minutes` as (number, unit) pairs; None if any part is not one."""
    if not _AMOUNTS_RE.fullmatch(text):
        return None
    pairs = [(float(m["n"]), _UNITS.get(m["unit"])) for m in _AMOUNT_RE.finditer(text)]
    if any(unit is None for _, unit in pairs):
        return None
    return [(n, unit) for n, unit in pairs if unit is not None]


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """Reminder offsets like "24h, 1h" or "2d 30m": 1 to 5, each 5 min to 30 days, unique, longest first."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise _fail("Give 1 to 5 reminder times before the talk.", OFFSET_EXAMPLES)
    if len(cleaned) > MAX_INPUT_CHARS:
        raise _fail(f"That's too long; give at most {MAX_OFFSETS} reminder times.", OFFSET_EXAMPLES)
    # "1 day" is one part, "1h30m" is one part; space, comma and "and" separate parts.
    glued = re.sub(r"(\d)\s+([a-z])", r"\1\2", cleaned)
    parts = [part for part in re.split(r"[,;]|\s+and\s+|\s+", glued) if part and part != "and"]
    found: set[timedelta] = set()
    for part in parts:
        amounts = _amounts(part)
        if amounts is None:
            if re.fullmatch(r"\d+(?:\.\d+)?", part):
                raise _fail(f"{_echo(part)} needs a unit: m, h or d.", (f"{part}m", f"{part}h"))
            raise _fail(f"I don't understand {_echo(part)} as a time before the talk.", OFFSET_EXAMPLES)
        offset = sum((unit * n for n, unit in amounts), timedelta(0))
        offset = timedelta(minutes=round(offset / timedelta(minutes=1)))
        if offset < MIN_OFFSET:
            raise _fail(f"{_echo(part)} is too close to the talk: reminders start at 5 minutes before.", ("10m", "1h"))
        if offset > MAX_OFFSET:
            raise _fail(f"{_echo(part)} is too early: reminders go out at most 30 days before.", ("30d", "7d"))
        found.add(offset)
    if not found:
        raise _fail("Give 1 to 5 reminder times before the talk.", OFFSET_EXAMPLES)
    if len(found) > MAX_OFFSETS:
        raise _fail(f"That's {len(found)} reminder times; {MAX_OFFSETS} at most.", OFFSET_EXAMPLES)
    return tuple(sorted(found, reverse=True))


def format_offset(delta: timedelta) -> str:
    """A compact duration such as "1 d 2 h" or "30 min"."""
    sign = "-" if delta < timedelta(0) else ""
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{value} {unit}" for value, unit in ((days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s")) if value
    ]
    return sign + (" ".join(parts) if parts else "0 min")


# -- parsing times --------------------------------------------------------------------------------------

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")  # fmt: skip
_MONTH_NUMBERS = {
    **{name: number for number, name in enumerate(_MONTHS, 1)},
    **{name[:3]: number for number, name in enumerate(_MONTHS, 1)},
    "sept": 9,
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_NUMBERS = {
    **{name: number for number, name in enumerate(_WEEKDAYS)},
    **{name[:3]: number for number, name in enumerate(_WEEKDAYS)},
    "tues": 1, "weds": 2, "thur": 3, "thurs": 3,
}  # fmt: skip
_TOMORROW = frozenset({"tomorrow", "tmrw", "tmr", "tmw", "tomorow", "tommorow", "tommorrow"})
_PARTS_OF_DAY = {"morning": "am", "afternoon": "pm", "evening": "pm", "night": "pm"}

_ISO_RE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:[t ](?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?"
    r"\s?(?P<offset>z|[+-]\d{2}(?::?\d{2})?)?"
)
_CLOCK_RE = re.compile(r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?P<ap>am|pm)?|(?P<hh>\d{1,2})h(?P<hm>\d{2})?")
_DAY_NUMBER_RE = re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?")
_YEAR_RE = re.compile(r"\d{4}")
# d/m, m/d, d.m.y: read differently in different countries. Not an ISO date (year first, dashes).
_NUMERIC_DATE_RE = re.compile(r"(?<![\d:/.\-])(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})(?:[/.\-](?P<y>\d{2,4}))?(?![\d:/.\-])")
_UNCOUNTED_RE = re.compile(r"\d\s*(?P<unit>months?|mos?|years?|yrs?)\b")
_RELATIVE_RE = re.compile(r"in (?P<body>.+)|(?P<body2>.+) from now")


@dataclass(frozen=True, slots=True)
class _Clock:
    """A time of day as typed; `bare` is a number with no minutes, am/pm or "h" ("9")."""

    hour: int
    minute: int
    meridiem: str | None
    bare: bool
    word: str | None
    text: str

    def resolve(self, hint: str | None) -> tuple[int, int]:
        """(hour, minute) on the 24-hour clock; `hint` ("am"/"pm") from "tonight", "evening" ..."""
        hour, meridiem = self.hour, self.meridiem
        if meridiem is None and hint == "pm" and 1 <= hour <= 11:
            meridiem = "pm"
        if meridiem is not None:
            if not 1 <= hour <= 12:
                raise _fail(f"{_echo(self.text)} isn't a time of day.", ("5pm", "17:00"))
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
        if hour > 23 or self.minute > 59:
            raise _fail(f"{_echo(self.text)} isn't a time of day.", ("9:30", "17:00", "5pm"))
        return hour, self.minute


def _parse_clock(token: str) -> _Clock | None:
    if token in ("noon", "midday"):
        return _Clock(12, 0, None, bare=False, word="noon", text=token)
    if token == "midnight":
        return _Clock(0, 0, None, bare=False, word="midnight", text=token)
    match = _CLOCK_RE.fullmatch(token)
    if match is None:
        return None
    if match["hh"] is not None:
        return _Clock(int(match["hh"]), int(match["hm"] or 0), None, bare=False, word=None, text=token)
    bare = match["m"] is None and match["ap"] is None
    return _Clock(int(match["h"]), int(match["m"] or 0), match["ap"], bare=bare, word=None, text=token)


@dataclass(frozen=True, slots=True)
class _Day:
    """The date part of an input: a first candidate date, and how to move on when that is already past."""

    first: date
    step: str | None  # "day", "week", "year" or None (an explicit date: past means refuse)
    hint: str | None = None  # "am"/"pm" from a part of the day
    kind: str = "date"  # "clock" (no date given), "tonight", "date"


def _month_day(tokens: list[str], today: date) -> _Day | None:
    """A calendar date: "dec 3", "december 3rd 2026", "3 dec", "3rd of december 2026", "2026-12-03"."""
    if len(tokens) == 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", tokens[0]):
        try:
            return _Day(date.fromisoformat(tokens[0]), None)
        except ValueError:
            raise _fail(f"{_echo(tokens[0])} isn't a real date.", (_iso_example(today), "dec 3 7pm")) from None
    year: int | None = None
    if len(tokens) >= 3 and _YEAR_RE.fullmatch(tokens[-1]):
        year, tokens = int(tokens[-1]), tokens[:-1]
    if len(tokens) == 3 and tokens[1] == "of":
        tokens = [tokens[0], tokens[2]]
    if len(tokens) != 2:
        return None
    if tokens[0].rstrip(".") in _MONTH_NUMBERS:
        month_word, day_word = tokens[0].rstrip("."), tokens[1]
    elif tokens[1].rstrip(".") in _MONTH_NUMBERS:
        day_word, month_word = tokens
        month_word = month_word.rstrip(".")
    else:
        return None
    day_match = _DAY_NUMBER_RE.fullmatch(day_word)
    if day_match is None:
        return None
    month, day = _MONTH_NUMBERS[month_word], int(day_match["d"])
    if not 1 <= day <= 31 or (month == 2 and day > 29) or (month in (4, 6, 9, 11) and day > 30):
        last = 29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31
        name = _MONTHS[month - 1]
        raise _fail(f"{name.capitalize()} has no day {day}.", (f"{name[:3]} 1 18:00", f"{name[:3]} {last} 18:00"))
    if year is not None:
        try:
            return _Day(date(year, month, day), None)
        except ValueError:
            raise _fail(f"{_MONTHS[month - 1].capitalize()} {day}, {year} isn't a real date.") from None
    # Feb 29 falls back to the next leap year: the max_ahead check then refuses it with a clear message.
    for candidate_year in range(today.year, today.year + 9):
        try:
            return _Day(date(candidate_year, month, day), "year")
        except ValueError:
            continue
    return None  # pragma: no cover - every 8 years contain a leap year


def _parse_day(tokens: list[str], today: date) -> _Day | None:
    """The date part of an input, or None when the words are not one."""
    hint = None
    if tokens and tokens[-1] in _PARTS_OF_DAY:
        hint, tokens = _PARTS_OF_DAY[tokens[-1]], tokens[:-1]
        if tokens == ["this"]:
            return _Day(today, None, hint)
    if not tokens:
        return None
    phrase = " ".join(tokens)
    if phrase == "tonight" and hint is None:
        return _Day(today, None, "pm", kind="tonight")
    if phrase == "today":
        return _Day(today, None, hint)
    if phrase in _TOMORROW:
        return _Day(today + timedelta(days=1), None, hint)
    if phrase in ("day after tomorrow", "the day after tomorrow", "overmorrow"):
        return _Day(today + timedelta(days=2), None, hint)
    modifier = None
    if len(tokens) == 2 and tokens[0] in ("next", "this", "coming", "on"):
        modifier, tokens = tokens[0], tokens[1:]
    if len(tokens) == 1 and tokens[0] in _WEEKDAY_NUMBERS:
        ahead = (_WEEKDAY_NUMBERS[tokens[0]] - today.weekday()) % 7
        if modifier == "next" and ahead == 0:
            ahead = 7  # "next friday" said on a Friday is never today
        return _Day(today + timedelta(days=ahead), "week", hint)
    if modifier is not None:
        return None
    # "thursday december 3 7pm": the weekday must agree with the date.
    weekday = None
    if len(tokens) > 1 and tokens[0] in _WEEKDAY_NUMBERS:
        weekday, tokens = _WEEKDAY_NUMBERS[tokens[0]], tokens[1:]
    day = _month_day(tokens, today)
    if day is None:
        return None
    if weekday is not None and day.step is None and day.first.weekday() != weekday:
        raise _weekday_mismatch(day.first, weekday)
    if weekday is not None and day.step == "year":
        # Checked against the next such date: a weekday that fits only some later year is a typo, not a plan.
        target = next(candidate for candidate in _candidates(day) if candidate >= today)
        if target.weekday() != weekday:
            raise _weekday_mismatch(target, weekday)
        return _Day(target, None, hint)
    return _Day(day.first, day.step, hint)


def _weekday_mismatch(day: date, weekday: int) -> TimeInputError:
    return _fail(
        f"{day:%B} {day.day}, {day.year} is a {day:%A}, not a {_WEEKDAYS[weekday].capitalize()}.",
        (f"{day:%b} {day.day} 18:00".lower(), f"{_WEEKDAYS[day.weekday()]} {day:%b} {day.day} 18:00".lower()),
    )


def _exists(naive: datetime, zone: ZoneInfo) -> bool:
    """False for a wall time in a spring-forward gap."""
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive


def _instant(naive: datetime, zone: ZoneInfo, now: datetime) -> datetime:
    """A local wall time as a UTC instant: the first occurrence, or the second if only that is still ahead."""
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first <= now < second and _exists(naive, zone):
        return second
    return first


def _strict_instant(naive: datetime, zone: ZoneInfo, zone_name: str, now: datetime) -> datetime:
    """Like `_instant`, but a wall time the clocks skip is refused, naming a time that exists."""
    if not _exists(naive, zone):
        later = naive.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)  # moved forward by the gap
        raise _fail(
            f"{naive:%H:%M} doesn't exist on {naive:%A %d %B %Y} in {zone_name}: the clocks jump forward "
            "for daylight saving.",
            (f"{later:%Y-%m-%d %H:%M}", f"{naive - timedelta(hours=1):%Y-%m-%d %H:%M}"),
        )
    return _instant(naive, zone, now)


def _candidates(day: _Day) -> Iterator[date]:
    yield day.first
    if day.step == "day":
        yield day.first + timedelta(days=1)
    elif day.step == "week":
        yield day.first + timedelta(weeks=1)
    elif day.step == "year":
        for year in range(day.first.year + 1, day.first.year + 9):
            try:
                yield day.first.replace(year=year)
            except ValueError:
                continue


def _at(day: _Day, clock: _Clock, zone: ZoneInfo, zone_name: str, now: datetime) -> datetime:
    """The first candidate day at the clock time that is still ahead (or the last candidate)."""
    if clock.word == "midnight" and day.kind == "date":
        examples = (f"{day.first + timedelta(days=1):%A} 00:00".lower(), f"{day.first:%A} 23:59".lower())
        raise _fail("“midnight” with a day is ambiguous: the start or the end of that day?", examples)
    hour, minute = clock.resolve(day.hint)
    if day.kind == "tonight":
        if hour < _NIGHT_ENDS_HOUR:
            day = _Day(day.first + timedelta(days=1), None, kind="tonight")
        elif hour < _EVENING_STARTS_HOUR:
            raise _fail(f"“tonight” and {_echo(clock.text)} don't go together.", ("tonight 21:00", "tomorrow 9am"))
    chosen: datetime | None = None
    for candidate in _candidates(day):
        naive = datetime.combine(candidate, clock_time(hour, minute))
        chosen = naive
        if _instant(naive, zone, now) > now:
            break
    assert chosen is not None
    return _strict_instant(chosen, zone, zone_name, now)


def _relative(text: str, zone: ZoneInfo, zone_name: str, now: datetime) -> datetime | None:
    """A relative time: "in 2 hours", "in 3 days at 18:00", "90 minutes from now"; None when the text is not one."""
    match = _RELATIVE_RE.fullmatch(text)
    if match is None:
        return None
    body = match["body"] or match["body2"]
    body = body.replace("an hour and a half", "90 minutes").replace("half an hour", "30 minutes")
    body = re.sub(r"\b(?:an?|one)\b", "1", body.replace("a half hour", "30 minutes"))
    body = re.sub(r"\s*(?:,|\band\b)\s*", " ", body).strip()
    uncounted = _UNCOUNTED_RE.search(body)
    if uncounted is not None:
        unit = {"m": "months", "y": "years"}[uncounted["unit"][0]]
        raise _fail(f"I count seconds, minutes, hours, days and weeks, not {unit}.", ("in 8 weeks", "in 90 minutes"))
    clock = None
    amounts = _amounts(body)
    if amounts is None:
        head, _, last = body.rpartition(" ")
        clock = _parse_clock(last)
        head = re.sub(r"\s+at$", "", head)
        amounts = _amounts(head) if clock is not None and not clock.bare else None
        if amounts is None:
            return None
    days = sum((n * unit for n, unit in amounts if unit >= timedelta(days=1)), timedelta(0))
    exact = sum((n * unit for n, unit in amounts if unit < timedelta(days=1)), timedelta(0))
    whole_days = timedelta(days=days.days)
    exact += days - whole_days  # "1.5 days": the half day is elapsed time
    if clock is not None and exact:
        raise _fail(f"{_echo(text)} mixes hours and a clock time.", ("in 3 days at 18:00", "in 90 minutes"))
    local = now.astimezone(zone).replace(tzinfo=None)
    try:
        if clock is not None:
            hour, minute = clock.resolve(None)
            naive = datetime.combine(local.date() + whole_days, clock_time(hour, minute))
            return _strict_instant(naive, zone, zone_name, now)
        # Days move the calendar and keep the wall clock; a wall time the clocks skip moves forward (fold=0 does).
        moved = _instant(local + whole_days, zone, now) if whole_days else now
        # Exact: "in 30 seconds" is a personal reminder's whole point.
        return moved + exact
    except OverflowError:
        raise _fail(f"{_echo(text)} is too far ahead.") from None


def _refuse_numeric_date(text: str, today: date) -> None:
    match = _NUMERIC_DATE_RE.search(text)
    if match is None:
        return
    a, b = int(match["a"]), int(match["b"])
    readings = []
    for day, month in ((a, b), (b, a)):
        if 1 <= month <= 12 and 1 <= day <= 31:
            example = f"{_MONTHS[month - 1]} {day} 18:00"
            if example not in readings:
                readings.append(example)
    if not readings and a <= 23 and b <= 59:
        clock = f"{a}:{b:02d}"
        raise _fail(f"Write times with a colon: {_echo(match[0])} looks like a date.", (clock, f"tomorrow {clock}"))
    soon = today + timedelta(days=7)
    examples = readings or [f"{_MONTHS[soon.month - 1]} {soon.day} 18:00", _iso_example(today)]
    raise _fail(
        f"{_echo(match[0])} means different days in different countries. Write the month as a word or use "
        "year-month-day (and times with a colon, like 18:30).",
        examples,
    )


_TIME_EXAMPLES = {"morning": ("9:30", "10am"), "afternoon": ("15:00", "3pm")}


def _needs_time(text: str) -> TimeInputError:
    """A day without a time: refused, since a talk at midnight is never what was meant."""
    last = text.rpartition(" ")[2]
    a, b = _TIME_EXAMPLES.get(last, ("19:00", "7pm") if last in _PARTS_OF_DAY else ("18:00", "7pm"))
    return _fail(f"{_echo(text)} needs a time of day.", (f"{text} {a}", f"{text} {b}"))


def _parse_words(text: str, zone: ZoneInfo, zone_name: str, now: datetime) -> datetime | None:
    """The grammar this module handles itself; None hands the text to dateparser."""
    relative = _relative(text, zone, zone_name, now)
    if relative is not None:
        return relative
    today = now.astimezone(zone).date()
    _refuse_numeric_date(text, today)
    tokens = text.split()
    # The time at the end: "friday 18:00", "tomorrow at 9", "5pm".
    clock = _parse_clock(tokens[-1])
    if clock is not None:
        rest = tokens[:-1]
        if rest and rest[-1] == "at":
            rest = rest[:-1]
        if not rest:
            if clock.bare:
                raise _bare_number(clock.hour)
            return _at(_Day(today, "day", kind="clock"), clock, zone, zone_name, now)
        day = _parse_day(rest, today)
        if day is not None:
            return _at(day, clock, zone, zone_name, now)
    # The time first: "5pm friday", "7pm on monday".
    clock = _parse_clock(tokens[0])
    if clock is not None and not clock.bare and len(tokens) > 1:
        rest = tokens[2:] if tokens[1] == "on" else tokens[1:]
        day = _parse_day(rest, today)
        if day is not None:
            return _at(day, clock, zone, zone_name, now)
    day = _parse_day(tokens, today)
    if day is not None:
        if day.kind == "tonight":
            return _tonight(today, zone, zone_name, now)
        raise _needs_time(text)
    if text in _MONTH_NUMBERS:
        month = _MONTHS[_MONTH_NUMBERS[text] - 1]
        raise _fail(f"{_echo(text)} needs a day and a time.", (f"{month} 5 18:00", f"{month} 20 7pm"))
    _refuse_digit_time(tokens, today)
    return None


def _refuse_digit_time(tokens: list[str], today: date) -> None:
    """ "1700", "tomorrow 1730": refused with the same time written with a colon (bare digits may be a year)."""
    digits = tokens[-1]
    if not re.fullmatch(r"\d{3,4}", digits) or int(digits[:-2]) > 23 or int(digits[-2:]) > 59:
        return
    rest = tokens[:-1]
    if rest and rest[-1] == "at":
        rest = rest[:-1]
    day = _parse_day(rest, today) if rest else None
    if rest and (day is None or day.step == "year"):
        return  # "dec 3 2026": a year
    clock = f"{int(digits[:-2])}:{digits[-2:]}"
    prefix = " ".join(rest) if rest else "tomorrow"
    raise _fail(f"Write times with a colon: {_echo(digits)} could be a year.", (clock, f"{prefix} {clock}"))


def _bare_number(number: int) -> TimeInputError:
    if 1 <= number <= 12:
        examples: tuple[str, ...] = (f"{number}pm", f"{number:02d}:00", f"tomorrow {number}pm")
    elif number <= 23:
        examples = (f"{number}:00", f"tomorrow {number}:00")
    else:
        examples = EXAMPLES[:3]
    return _fail(f"“{number}” alone is ambiguous: add am/pm, minutes or a day.", examples)


def _tonight(today: date, zone: ZoneInfo, zone_name: str, now: datetime) -> datetime:
    naive = datetime.combine(today, clock_time(_TONIGHT_HOUR))
    when = _strict_instant(naive, zone, zone_name, now)
    if when <= now:
        raise _fail(f"It's already past {_TONIGHT_HOUR}:00 tonight.", ("tonight 22:30", "tomorrow 20:00"))
    return when


def _parse_iso(text: str, zone: ZoneInfo, zone_name: str, now: datetime) -> datetime | None:
    match = _ISO_RE.fullmatch(text)
    if match is None:
        return None
    if match["time"] is None:
        raise _needs_time(match["date"])
    offset = (match["offset"] or "").upper()
    try:
        parsed = datetime.fromisoformat(f"{match['date']}T{match['time']}{offset}")
    except ValueError:
        example = _iso_example(now.astimezone(zone).date())
        raise _fail(
            f"{_echo(text)} isn't a real date and time.", (example, example.replace(" ", "T") + "+01:00")
        ) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return _strict_instant(parsed, zone, zone_name, now)


def _normalize(text: str) -> str:
    s = text.lower().replace("\u00a0", " ").replace("’", "'")
    s = re.sub(r"(?<![a-z])([ap])\.\s?m(?:\.|(?![a-z]))", r"\1m", s)  # a.m. / p.m.
    s = re.sub(r"\bo'?clock\b", " ", s)
    s = re.sub(r"[,;]", " ", s).replace("@", " at ")
    s = re.sub(r"(\d)\s+(am|pm)\b", r"\1\2", s)  # "5 pm" is one token
    s = re.sub(r"\b(\d{1,2})\.(\d{2})(am|pm)\b", r"\1:\2\3", s)  # "5.30pm" is a time, not a date
    s = re.sub(r"\s+", " ", s).strip(" .!?")
    return re.sub(r"^(?:on|at)\s+", "", s)


def _split_zone(text: str) -> tuple[str, str | None]:
    """A trailing zone ("... UTC", "... EST", "... Europe/London", "... UTC+2") split off the text."""
    head, _, last = text.rpartition(" ")
    if not head:
        return text, None
    head = re.sub(r"\s+in$", "", head)  # "18:00 in utc"
    readings = _ABBREVIATIONS.get(last.upper())
    if readings:
        return head, readings[0].zone
    if "/" in last and last in _zone_names():
        return head, _zone_names()[last]
    offset = _UTC_OFFSET_RE.fullmatch(last)
    if offset is not None:
        return head, _offset_zone(offset)
    return text, None


# One parser for the process: languages=['en'] keeps failures cheap (~0.3 ms, not 12.7 ms). RELATIVE_BASE and
# TIMEZONE change per call, so each call swaps in settings derived from these under the lock.
_DATEPARSER = DateDataParser(
    languages=["en"],
    settings={
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
        # No unix timestamps ("1700000000") or digit runs read as times ("1730").
        "PARSERS": ["relative-time", "absolute-time"],
    },
)
_DATEPARSER_SETTINGS = _DATEPARSER._settings
_DATEPARSER_LOCK = threading.Lock()


def _dateparser(text: str, zone: ZoneInfo, zone_name: str, now: datetime, shown: str | None = None) -> datetime:
    """What dateparser makes of the rest; it must give a day and a time of day. `shown` is echoed in errors."""
    # A naive base in the user's zone: an aware one breaks "3pm" (dateparser issue 1213), a naive UTC one
    # gives the wrong day near midnight.
    base = now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    settings = _DATEPARSER_SETTINGS.replace(RELATIVE_BASE=base, TIMEZONE=zone_name)
    try:
        with _DATEPARSER_LOCK:
            _DATEPARSER._settings = settings
            data = _DATEPARSER.get_date_data(text)
    except Exception:
        log.exception("dateparser failed on %r", text)
        data = None
    shown = _echo(shown or text)
    if data is None or data.date_obj is None:
        raise _fail(f"I can't read {shown} as a time.")
    if "time" not in data.parts:
        raise _fail(f"I can't find a time of day in {shown}.")
    if "day" not in data.parts:
        raise _fail(f"I can't find a day in {shown}.")
    naive = data.date_obj.replace(tzinfo=None)
    return _strict_instant(naive, zone, zone_name, now)


def parse_when(text: str, *, zone: str, now: datetime, max_ahead: timedelta = timedelta(days=365)) -> ParsedTime:
    """Read a user's time in their IANA zone relative to aware `now`: future only, at most `max_ahead` ahead."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(UTC)
    typed = text.strip()
    if not typed:
        raise _fail("Give a time, in your own timezone.")
    if len(typed) > MAX_INPUT_CHARS:
        raise _fail(f"That's too long for a time ({len(typed)} characters; {MAX_INPUT_CHARS} at most).")
    tz = _zone(zone)
    cleaned = _normalize(typed)
    if not cleaned:
        raise _fail("Give a time, in your own timezone.")
    when = _parse_iso(cleaned, tz, zone, now)
    if when is None:
        cleaned, other_zone = _split_zone(cleaned)
        if other_zone is not None:
            zone, tz = other_zone, _zone(other_zone)
        when = _parse_words(cleaned, tz, zone, now)
        if when is None:
            when = _dateparser(cleaned, tz, zone, now, shown=typed)
    local = when.astimezone(tz)
    if when <= now:
        raise _fail(f"{_show(local)} ({zone}) has already passed.")
    if when - now > max_ahead:
        raise _fail(f"{_show(local)} is more than {_days(max_ahead)} ahead.")
    return ParsedTime(when=when, zone=zone, text=typed)


def _days(delta: timedelta) -> str:
    return f"{delta.days} days" if delta.days != 1 else "1 day"


def warm_up() -> float:
    """Pay dateparser's first-call cost (~100-300 ms) at start, not in a command; returns the seconds it took."""
    start = time.perf_counter()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    # An absolute and a relative sample in a real zone: each parser, and the first non-UTC zone, cost once.
    for sample in ("december 3rd 2026 at 7pm", "next week 5pm"):
        try:
            _dateparser(sample, ZoneInfo("Europe/Berlin"), "Europe/Berlin", now)
        except TimeInputError:  # pragma: no cover - the samples parse; only the cost matters here
            log.warning("dateparser warm-up did not parse %r", sample)
    _listed_zones()
    return time.perf_counter() - start
