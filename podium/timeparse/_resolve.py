"""Reading a typed time into one instant: the grammar handled here, dateparser for the rest, DST, past/future."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from dateparser import DateDataParser

from podium.timeparse._base import EXAMPLES, MAX_INPUT_CHARS, ParsedTime, TimeInputError
from podium.timeparse._messages import echo, fail, iso_example, show
from podium.timeparse._relative import read_amounts
from podium.timeparse._zones import ABBREVIATIONS, UTC_OFFSET_RE, listed_zones, offset_zone, zone_info, zone_names

log = logging.getLogger(__name__)

# An hour below this after "tonight" is after midnight, i.e. tomorrow's date.
_NIGHT_ENDS_HOUR = 5
# "tonight" alone: dateparser's choice, kept so both paths agree.
_TONIGHT_HOUR = 20
# "tonight" with an hour from here until evening is contradictory ("tonight 7am").
_EVENING_STARTS_HOUR = 17

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
                raise fail(f"{echo(self.text)} isn't a time of day.", ("5pm", "17:00"))
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
        if hour > 23 or self.minute > 59:
            raise fail(f"{echo(self.text)} isn't a time of day.", ("9:30", "17:00", "5pm"))
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
            raise fail(f"{echo(tokens[0])} isn't a real date.", (iso_example(today), "dec 3 7pm")) from None
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
        raise fail(f"{name.capitalize()} has no day {day}.", (f"{name[:3]} 1 18:00", f"{name[:3]} {last} 18:00"))
    if year is not None:
        try:
            return _Day(date(year, month, day), None)
        except ValueError:
            raise fail(f"{_MONTHS[month - 1].capitalize()} {day}, {year} isn't a real date.") from None
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
    return fail(
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
        raise fail(
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
        raise fail("“midnight” with a day is ambiguous: the start or the end of that day?", examples)
    hour, minute = clock.resolve(day.hint)
    if day.kind == "tonight":
        if hour < _NIGHT_ENDS_HOUR:
            day = _Day(day.first + timedelta(days=1), None, kind="tonight")
        elif hour < _EVENING_STARTS_HOUR:
            raise fail(f"“tonight” and {echo(clock.text)} don't go together.", ("tonight 21:00", "tomorrow 9am"))
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
        raise fail(f"I count seconds, minutes, hours, days and weeks, not {unit}.", ("in 8 weeks", "in 90 minutes"))
    clock = None
    amounts = read_amounts(body)
    if amounts is None:
        head, _, last = body.rpartition(" ")
        clock = _parse_clock(last)
        head = re.sub(r"\s+at$", "", head)
        amounts = read_amounts(head) if clock is not None and not clock.bare else None
        if amounts is None:
            return None
    days = sum((n * unit for n, unit in amounts if unit >= timedelta(days=1)), timedelta(0))
    exact = sum((n * unit for n, unit in amounts if unit < timedelta(days=1)), timedelta(0))
    whole_days = timedelta(days=days.days)
    exact += days - whole_days  # "1.5 days": the half day is elapsed time
    if clock is not None and exact:
        raise fail(f"{echo(text)} mixes hours and a clock time.", ("in 3 days at 18:00", "in 90 minutes"))
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
        raise fail(f"{echo(text)} is too far ahead.") from None


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
        raise fail(f"Write times with a colon: {echo(match[0])} looks like a date.", (clock, f"tomorrow {clock}"))
    soon = today + timedelta(days=7)
    examples = readings or [f"{_MONTHS[soon.month - 1]} {soon.day} 18:00", iso_example(today)]
    raise fail(
        f"{echo(match[0])} means different days in different countries. Write the month as a word or use "
        "year-month-day (and times with a colon, like 18:30).",
        examples,
    )


_TIME_EXAMPLES = {"morning": ("9:30", "10am"), "afternoon": ("15:00", "3pm")}


def _needs_time(text: str) -> TimeInputError:
    """A day without a time: refused, since a talk at midnight is never what was meant."""
    last = text.rpartition(" ")[2]
    a, b = _TIME_EXAMPLES.get(last, ("19:00", "7pm") if last in _PARTS_OF_DAY else ("18:00", "7pm"))
    return fail(f"{echo(text)} needs a time of day.", (f"{text} {a}", f"{text} {b}"))


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
        raise fail(f"{echo(text)} needs a day and a time.", (f"{month} 5 18:00", f"{month} 20 7pm"))
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
    raise fail(f"Write times with a colon: {echo(digits)} could be a year.", (clock, f"{prefix} {clock}"))


def _bare_number(number: int) -> TimeInputError:
    if 1 <= number <= 12:
        examples: tuple[str, ...] = (f"{number}pm", f"{number:02d}:00", f"tomorrow {number}pm")
    elif number <= 23:
        examples = (f"{number}:00", f"tomorrow {number}:00")
    else:
        examples = EXAMPLES[:3]
    return fail(f"“{number}” alone is ambiguous: add am/pm, minutes or a day.", examples)


def _tonight(today: date, zone: ZoneInfo, zone_name: str, now: datetime) -> datetime:
    naive = datetime.combine(today, clock_time(_TONIGHT_HOUR))
    when = _strict_instant(naive, zone, zone_name, now)
    if when <= now:
        raise fail(f"It's already past {_TONIGHT_HOUR}:00 tonight.", ("tonight 22:30", "tomorrow 20:00"))
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
        example = iso_example(now.astimezone(zone).date())
        raise fail(
            f"{echo(text)} isn't a real date and time.", (example, example.replace(" ", "T") + "+01:00")
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
    readings = ABBREVIATIONS.get(last.upper())
    if readings:
        return head, readings[0].zone
    if "/" in last and last in zone_names():
        return head, zone_names()[last]
    offset = UTC_OFFSET_RE.fullmatch(last)
    if offset is not None:
        return head, offset_zone(offset)
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
    shown = echo(shown or text)
    if data is None or data.date_obj is None:
        raise fail(f"I can't read {shown} as a time.")
    if "time" not in data.parts:
        raise fail(f"I can't find a time of day in {shown}.")
    if "day" not in data.parts:
        raise fail(f"I can't find a day in {shown}.")
    naive = data.date_obj.replace(tzinfo=None)
    return _strict_instant(naive, zone, zone_name, now)


def parse_when(text: str, *, zone: str, now: datetime, max_ahead: timedelta = timedelta(days=365)) -> ParsedTime:
    """Read a user's time in their IANA zone relative to aware `now`: future only, at most `max_ahead` ahead."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(UTC)
    typed = text.strip()
    if not typed:
        raise fail("Give a time, in your own timezone.")
    if len(typed) > MAX_INPUT_CHARS:
        raise fail(f"That's too long for a time ({len(typed)} characters; {MAX_INPUT_CHARS} at most).")
    tz = zone_info(zone)
    cleaned = _normalize(typed)
    if not cleaned:
        raise fail("Give a time, in your own timezone.")
    when = _parse_iso(cleaned, tz, zone, now)
    if when is None:
        cleaned, other_zone = _split_zone(cleaned)
        if other_zone is not None:
            zone, tz = other_zone, zone_info(other_zone)
        when = _parse_words(cleaned, tz, zone, now)
        if when is None:
            when = _dateparser(cleaned, tz, zone, now, shown=typed)
    local = when.astimezone(tz)
    if when <= now:
        raise fail(f"{show(local)} ({zone}) has already passed.")
    if when - now > max_ahead:
        raise fail(f"{show(local)} is more than {_days(max_ahead)} ahead.")
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
    listed_zones()
    return time.perf_counter() - start
