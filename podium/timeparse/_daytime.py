"""A time of day on its own, for settings that repeat ("the weekly summary at 9am"): no day, no instant.

The same words as `parse_when` ("9am", "21:30", "9:30pm", "9 Uhr", "halb zehn", "9 in the morning"), so a setting
accepts what every other time field accepts. Without a day nothing is "already past", so an hour with no am/pm and
no part of the day is read as written on the 24-hour clock ("9" is 09:00, "9 Uhr" too): the reply names the time it
stored, and a weekly slot is changed again as easily as it was set.
"""

from __future__ import annotations

from datetime import time

from podium.timeparse._base import TimeInputError
from podium.timeparse._clock import clock_at, options, part_at
from podium.timeparse._lang import normalize, tokens
from podium.timeparse._messages import Typed, echo, fail, reading
from podium.timeparse._zones import ZONE_WORDS

# What a weekly time field suggests when it cannot read what was typed (valid in every language's parser).
DAYTIME_EXAMPLES = ("09:00", "9am", "18:30")
# The same for the reader: a German moderator is offered "9 Uhr", as the option's own description says.
_EXAMPLES_TO_SHOW = ("09:00", Typed("9am", {}, "9 Uhr"), "18:30")


def parse_time_of_day(text: str, *, locale: str | None = None) -> time:
    """"9am" -> 09:00, "9 Uhr" (German locale) -> 09:00, "9:30pm" -> 21:30; a TimeInputError with examples otherwise."""
    cleaned = normalize(text)
    languages = ("de", "en") if locale and locale.lower().startswith("de") else ("en",)
    problem: TimeInputError | None = None
    for lang in languages:
        words = tokens(cleaned, lang, ZONE_WORDS)
        start = 1 if words[:1] == ["at"] else 0  # "at 9am", "um 9 Uhr"
        if start >= len(words):
            continue
        if words[start:] == ["midday"]:  # "Mittag" alone, as "Freitag Mittag" is noon everywhere else
            return time(12, 0)
        try:
            with reading(text, lang):
                found = clock_at(words, start, dotted=True)
            if found is None:
                continue
            used, clock = found
            end = start + used
            part = None
            if end < len(words) and (said := part_at(words, end)) is not None:
                end, part = end + said[0], said[1]
            if end != len(words):
                continue
            readings, _ = options(clock, part, dated=False)
        except TimeInputError as exc:
            problem = exc
            continue
        first = readings[0]
        return time(first.hour, first.minute)
    raise problem or fail("not_a_time", _EXAMPLES_TO_SHOW, text=echo(text))
