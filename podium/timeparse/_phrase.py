"""One pass over the canonical tokens: which of them are the day, the time of day, the part of the day, the zone.

The parts may come in any order ("5pm tomorrow", "9 tomorrow morning", "on Saturday for 9am", "9am (EST) on
friday"); fillers ("at", "on", "for", "by", "around", "um", "gegen") carry no meaning. A phrase with a word no
table knows is not read in this language (the next language is tried), except for a run of words that dateparser
reads as a date. Two different times of day or two different days are refused rather than one of them ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from podium.timeparse._clock import Clock, clock_at, part_at
from podium.timeparse._dates import Day, dateparser_day, day_at, with_weekday
from podium.timeparse._lang import MONTHS
from podium.timeparse._messages import echo, fail
from podium.timeparse._relative import Amount, relative_at
from podium.timeparse._zones import zone_at

_FILLERS = frozenset({"at", "on", "for", "by", "around", "from", "until", "the", "filler", "of", "and"})
_DOTTED_PAIR_RE = re.compile(r"(?P<a>\d{1,2})\.(?P<b>\d{2})")
_GLUED_MONTH_RE = re.compile(r"\d.*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mär|mai|okt|dez)")
_CLOCKISH_RE = re.compile(r"\d{1,2}:\d{2}\S*|\d{1,4}(?:am|pm)|\d{1,2}h\d{0,2}")


@dataclass(slots=True)
class Phrase:
    """What one language made of the tokens."""

    text: str
    day: Day | None = None
    clock: Clock | None = None
    part: str | None = None
    zone: str | None = None
    offset: Amount | None = None
    same_time: bool = False  # "same time tomorrow", "this time next week": the clock time of now

    @property
    def empty(self) -> bool:
        return not (self.day or self.clock or self.part or self.offset or self.same_time)


def read(tokens: list[str], *, text: str, lang: str, today: date, order: str | None) -> Phrase | None:
    """The phrase in `tokens`, or None when this language cannot read them."""
    if len(tokens) == 1 and tokens[0] in MONTHS:
        month = tokens[0]
        raise fail("needs_day_and_time", (f"{month} 5 18:00", f"{month} 20 7pm"), text=echo(text))
    # "12.05" is a date when a time is given too ("12.05 18:00"), else perhaps a time ("17.30").
    clock_given = any(_CLOCKISH_RE.fullmatch(token) for token in tokens) or any(
        token in ("oclock", "noon", "midnight") for token in tokens
    )
    phrase = Phrase(text)
    i = 0
    while i < len(tokens):
        used = _step(tokens, i, phrase, today, order, clock_given)
        if used:
            i += used
            continue
        # Words no table knows: one run of them may still be a date that dateparser reads ("3-dec-2026").
        end = i + 1
        while end < len(tokens) and not _step(tokens, end, Phrase(text), today, order, clock_given):
            end += 1
        span = tokens[i:end]
        # Only words this language does not know, or a month name glued to digits ("3-dec-2026"): canonical words and
        # plain numbers are ours, and dateparser reads "in 15" or "3-5" as dates.
        if not any(token.startswith("?") or _GLUED_MONTH_RE.search(token) for token in span):
            return None
        day = dateparser_day(" ".join(token.lstrip("?#") for token in span), lang, today)
        if day is None:
            return None
        _set_day(phrase, day, today)
        i = end
    return None if phrase.empty else phrase


def _step(tokens: list[str], i: int, phrase: Phrase, today: date, order: str | None, clock_given: bool) -> int:
    """Read what starts at tokens[i] into `phrase`; the number of tokens used, 0 when nothing starts there."""
    token = tokens[i]
    if token.startswith("?") and zone_at(tokens, i) is None:
        return 0
    if (zone := zone_at(tokens, i)) is not None:
        used, name = zone
        if phrase.zone not in (None, name):
            return 0
        phrase.zone = name
        return used
    if (relative := relative_at(tokens, i)) is not None:
        used, amount = relative
        if phrase.offset is not None:
            return 0
        phrase.offset = amount
        return used
    if tokens[i : i + 2] in (["same", "time"], ["this", "time"]):
        phrase.same_time = True
        return 2
    if (day := day_at(tokens, i, today, order, dotted=clock_given)) is not None:
        used, found = day
        _set_day(phrase, found, today)
        return used
    pair = _DOTTED_PAIR_RE.fullmatch(token)
    if pair and 1 <= int(pair["a"]) <= 31 and 1 <= int(pair["b"]) <= 12:
        # Not read as a date (no time given) but it could be one: do not guess which.
        written = f"{int(pair['a'])}:{pair['b']}"
        month = MONTHS[int(pair["b"]) - 1]
        raise fail("date_or_time", (written, f"{month} {int(pair['a'])} 18:00"), text=echo(token))
    if (clock := clock_at(tokens, i, dotted=True)) is not None:
        used, found_clock = clock
        if phrase.clock is not None and phrase.clock != found_clock:
            raise fail("two_times", text=echo(phrase.text))
        phrase.clock = found_clock
        return used
    if (part := part_at(tokens, i)) is not None:
        used, name = part
        _set_part(phrase, name)
        return used
    if token in _FILLERS:
        return 1
    return 0


def _set_day(phrase: Phrase, day: Day, today: date) -> None:
    if phrase.day is not None:
        # A weekday alone and a date are one day when they agree: "Dec 4, Fri", "friday, the 4th".
        if day.weekday is not None and phrase.day.weekday is None:
            day = with_weekday(phrase.day, day.weekday, today)
        elif phrase.day.weekday is not None and day.weekday is None:
            day = with_weekday(day, phrase.day.weekday, today)
        elif phrase.day.dates != day.dates:
            raise fail("two_days", text=echo(phrase.text))
    phrase.day = day
    if day.part is not None:
        _set_part(phrase, day.part)


def _set_part(phrase: Phrase, part: str) -> None:
    # "tonight" is the night; "tonight in the evening" says the same.
    if phrase.part is not None and {phrase.part, part} not in ({phrase.part}, {"evening", "night"}):
        raise fail("hints_clash", ("tomorrow 9am", "tonight 21:00"), a=f"“{phrase.part}”", b=f"“{part}”")
    if phrase.part is None or part == "night":
        phrase.part = part
