"""A series' recurrence: "every other tuesday 18:30", "jeden ersten Montag im Monat 19 Uhr", read into a rule.

The words are the time input's (`podium.timeparse.parse_time_of_day` reads the clock part, so "7pm", "19:00",
"19 Uhr", "halb acht" all work); this module reads only the day part: a weekday ("thursday", "thursdays",
"donnerstags", "Do", "Do."), "every other"/"jeden zweiten" (every second week), "first … of the month"/"ersten …
im Monat" (1st to 4th, or last, of a month).

Occurrences are computed in the series' IANA zone at local wall time: an evening at 19:00 is 19:00 in March and in
November, whatever the UTC offset that day (Discord's own recurring events shift with the creator's DST).
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from podium.errors import UserError
from podium.i18n import N_
from podium.timeparse import TimeInputError, parse_time_of_day

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DE_WEEKDAYS = ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")


def _weekday_words() -> dict[str, int]:
    words: dict[str, int] = {}
    for number, (en, de) in enumerate(zip(WEEKDAYS, _DE_WEEKDAYS, strict=True)):
        for word in (en, en + "s", en[:3], de, de + "s"):
            words[word] = number
    words.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3, "sonnabend": 5, "sonnabends": 5,
                  "mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6})
    return words


_WEEKDAY_WORDS = _weekday_words()
_GERMAN_ONLY_SHORT = frozenset({"mo", "di", "mi", "do", "fr", "sa", "so"})
# 1-4 and -1 (the last): a fifth weekday is in only some months, so a "fifth Friday" series would skip most.
_ORDINALS = {
    "first": 1, "1st": 1, "1.": 1, "second": 2, "2nd": 2, "2.": 2, "third": 3, "3rd": 3, "3.": 3,
    "fourth": 4, "4th": 4, "4.": 4, "last": -1,
    "erste": 1, "ersten": 1, "erster": 1, "zweite": 2, "zweiten": 2, "zweiter": 2, "dritte": 3, "dritten": 3,
    "dritter": 3, "vierte": 4, "vierten": 4, "vierter": 4, "letzte": -1, "letzten": -1, "letzter": -1,
}  # fmt: skip
_OTHER = frozenset({"other", "alternate", "alternating"})
_EVERY = frozenset({"every", "each", "jeden", "jede", "jeder", "jedes", "alle", "immer"})
_MONTH = frozenset({"month", "monat", "monats", "monthly", "monatlich"})
# Glue around the day part: "of the month", "on thursdays", "im Monat", "des Monats", "am Donnerstag".
_GLUE = frozenset({"of", "the", "in", "im", "des", "on", "am", "a"})

EXAMPLES = ("thursday 19:00", "every other tuesday 18:30", "first monday of the month 19:00")
_DE_EXAMPLES = ("donnerstags 19 Uhr", "jeden zweiten Dienstag 18:30", "jeden ersten Montag im Monat 19 Uhr")


class RecurrenceError(UserError):
    """An `every` that cannot be read; the message has examples that work."""


@dataclass(frozen=True, slots=True)
class Rule:
    """When a series meets: a weekday at a local time, every week, every other week, or the nth of a month.

    `anchor` (every other week): a date of the rule's weekday that is an evening; the others are 14 days apart.
    """

    freq: Literal["weekly", "monthly"]
    weekday: int  # 0 = Monday
    hour: int
    minute: int
    interval: int = 1  # weeks between evenings (weekly)
    nth: int = 0  # monthly: 1-4, or -1 for the last
    anchor: str | None = None  # ISO date (interval 2)

    def to_json(self) -> str:
        """As stored in `series.rule`."""
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Rule:
        """From `series.rule`."""
        return cls(**json.loads(text))

    @property
    def at(self) -> time:
        """The local wall time of each evening."""
        return time(self.hour, self.minute)


def _refuse(text: str, locale: str | None) -> RecurrenceError:
    german = bool(locale and locale.lower().startswith("de"))
    examples = _DE_EXAMPLES if german else EXAMPLES
    return RecurrenceError(
        N_("I can't read “{text}” as a repeating time. Write a weekday and a time, for example "
           "`{first}`, `{second}` or `{third}`."),
        text=text[:100], first=examples[0], second=examples[1], third=examples[2],
    )


_TOKEN_RE = re.compile(r"[^\s,;]+")


def parse_every(text: str, *, today: date, locale: str | None = None) -> Rule:
    """Read `every` ("thursday 19:00", "jeden zweiten Dienstag 18:30"); `today` (the series' zone) anchors biweekly.

    A RecurrenceError with examples in the reader's language when it cannot be read.
    """
    german = bool(locale and locale.lower().startswith("de"))
    # A weekday abbreviated with a dot ("Do.", "thu.") as the time input reads it and Podium writes it ("Do. 10. Dez.").
    words = [word[:-1] if word.endswith(".") and word[:-1] in _WEEKDAY_WORDS else word
             for word in (word.lower() for word in _TOKEN_RE.findall(text.strip()[:100]))]
    weekday: int | None = None
    ordinal: int | None = None
    other = monthly = False
    rest: list[str] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if word in _WEEKDAY_WORDS and (german or word not in _GERMAN_ONLY_SHORT):
            if weekday is not None:
                raise _refuse(text, locale)
            weekday = _WEEKDAY_WORDS[word]
        elif word in _ORDINALS and (following in _WEEKDAY_WORDS or following in _ORDINALS):
            ordinal = _ORDINALS[word]
        elif word in _OTHER:
            other = True
        elif word in _MONTH:
            monthly = True
        elif word in _EVERY:
            continue
        elif word in ("am", "on", "the", "den", "der") and (following in _WEEKDAY_WORDS or following in _ORDINALS):
            continue  # "am Donnerstag", "on thursdays", "the first"; "7 am" stays the clock's
        elif word in _GLUE and any(later in _MONTH for later in words[i + 1:i + 3]):
            continue  # "of the month", "im Monat", "des Monats"
        else:
            rest.append(word)
    if weekday is None or not rest:
        raise _refuse(text, locale)
    try:
        at = parse_time_of_day(" ".join(rest), locale=locale)
    except TimeInputError:
        # A German server's rule typed by a member whose client is English ("donnerstags 19 Uhr"): the weekday was
        # read in either language, so the clock is too.
        try:
            at = parse_time_of_day(" ".join(rest), locale="de")
        except TimeInputError:
            raise _refuse(text, locale) from None
    if monthly:
        if ordinal is None or other:
            raise _refuse(text, locale)
        return Rule("monthly", weekday, at.hour, at.minute, nth=ordinal)
    if ordinal not in (None, 2) or (ordinal == 2 and other):
        raise _refuse(text, locale)
    if other or ordinal == 2:  # "every other tuesday", "jeden zweiten Dienstag", "every second tuesday"
        anchor = today + timedelta(days=(weekday - today.weekday()) % 7)
        return Rule("weekly", weekday, at.hour, at.minute, interval=2, anchor=anchor.isoformat())
    return Rule("weekly", weekday, at.hour, at.minute)


def _dates(rule: Rule, first: date) -> Iterator[date]:
    """The rule's dates from `first` on, in order, without end."""
    if rule.freq == "weekly":
        day = first + timedelta(days=(rule.weekday - first.weekday()) % 7)
        if rule.interval > 1 and rule.anchor is not None:
            # Line up with the anchor's fortnight, before or after it.
            behind = (day - date.fromisoformat(rule.anchor)).days % (7 * rule.interval)
            if behind:
                day += timedelta(days=7 * rule.interval - behind)
        while True:
            yield day
            day += timedelta(days=7 * rule.interval)
    year, month = first.year, first.month
    while True:
        day = _nth_weekday(year, month, rule.weekday, rule.nth)
        if day >= first:
            yield day
        month += 1
        if month == 13:
            year, month = year + 1, 1


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at wall time `at` in `zone`, as aware UTC.

    Deliberate choices at DST changes: an ambiguous time (the fall-back hour, it happens twice) is its first
    occurrence, in daylight time (`fold=0`), so an evening at 02:30 does not come an hour late. A time that does not
    exist (the spring-forward gap; only series at about 02:00-03:00 meet one) is read with the offset before the
    change, which lands the same number of minutes after the gap: 02:30 on that night is 03:30, the first moment that
    exists after it. The evening still takes place that night, and the week after is back at 02:30.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def occurrences(
    rule: Rule, zone: str, start: datetime, end: datetime, until: datetime | None = None
) -> list[datetime]:
    """The rule's evenings (aware UTC) with `start` <= evening < `end`, none after `until`."""
    tz = ZoneInfo(zone)
    found = []
    # A day early: the local date of `start` may be the day before its UTC date.
    for day in _dates(rule, start.astimezone(tz).date() - timedelta(days=1)):
        instant = local_instant(day, rule.at, tz)
        if instant >= end or (until is not None and instant > until):
            break
        if instant >= start:
            found.append(instant)
    return found


def describe(rule: Rule) -> tuple[str, dict[str, object]]:
    """The rule in words: a catalogue msgid and its values (weekday as its msgid), for `Text`."""
    weekday = _WEEKDAY_MSGIDS[rule.weekday]
    clock = f"{rule.hour:02d}:{rule.minute:02d}"
    if rule.freq == "monthly":
        return _NTH_MSGIDS[rule.nth], {"weekday": weekday, "time": clock}
    if rule.interval == 2:
        return N_("every other {weekday} at {time}"), {"weekday": weekday, "time": clock}
    return N_("every {weekday} at {time}"), {"weekday": weekday, "time": clock}


_WEEKDAY_MSGIDS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
                   N_("Sunday"))  # fmt: skip
_NTH_MSGIDS = {
    1: N_("the first {weekday} of each month at {time}"),
    2: N_("the second {weekday} of each month at {time}"),
    3: N_("the third {weekday} of each month at {time}"),
    4: N_("the fourth {weekday} of each month at {time}"),
    -1: N_("the last {weekday} of each month at {time}"),
}
