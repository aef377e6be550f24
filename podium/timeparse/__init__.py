"""All user time input in one place: what people type, read in their own timezone, as aware UTC instants.

`parse_when(text, zone=..., now=..., max_ahead=..., locale=None)` returns one ParsedTime, or raises
AmbiguousTimeError (a TimeInputError) with 2-4 `readings` when two readings are plausible, or TimeInputError when
nothing can be read. Every message is a complete English sentence with inputs that would work (docs/time-input.md
has the rules with examples; the corpus in tests/podium/timeparse_corpus.py shows them entry by entry).

Rules (each one decides explicitly what plain dateparser gets wrong or guesses):

- A clock time means the next such time: "5pm", "17:00" are today if still ahead, else tomorrow; "3am" typed at
  04:30 is tomorrow, whether written "3am", "at three am" or "3 in the morning".
- An hour from 1 to 12 without am/pm, a part of the day or a leading zero has a 12-hour and a 24-hour reading.
  Without a day, it is read when the 24-hour reading is also the next one on the clock face and the hour is 7 to 12
  ("10:30" at 04:30 is 10:30); otherwise it is asked ("3:30" at 04:30: 15:30 today or 03:30 tomorrow?). After a day
  it is asked ("friday at 8": 08:00 or 20:00?), except 12, which is noon. Readings already past are dropped ("today
  3:30" at 04:30 is 15:30). German "halb vier", "um 9" follow the same rule.
- A part of the day settles am/pm: "8 tonight", "9 tomorrow morning", "heute Abend um 8". "tonight 1am" and "this
  evening at 12" are the early hours of the next date; "tonight 7am" is refused. "12" in the morning is asked (noon,
  or midnight); "midnight" with a day is asked (its start or its end?) unless the part of the day settles it.
- Clock-face and offset phrases: "a quarter past 3pm", "20 minutes to 2pm", "15 minutes from 1pm", "15 to noon",
  "half seven" (British: 7:30), "Viertel vor 8", "fünf vor halb zehn". Four digits are the 24-hour clock ("1700");
  three digits need am/pm or a part of the day ("330 p.m.", "730 in the evening"), else they are refused.
- A bare number ("5"), a month ("may"), a day or part of a day without a time ("friday", "tomorrow morning") is not
  guessed: a number is asked as an hour, the others are refused with an example that adds a time. "tonight" alone
  is 20:00 while that is ahead.
- Days: a weekday is the next such day ("next friday" is never today; "friday next week" is in next week; "friday
  week" a week after the coming Friday); a month and day without a year is the next such date; "the 15th" is the next
  15th. A weekday given with a date must match it.
- Numeric dates: read when the order is certain (a part above 12, or the year first); otherwise in the order of the
  member's Discord locale (month first for en-US, day first for de, fr, en-GB and most others); asked without one.
- Relative: "in 2 hours", "in a couple of hours" (2), "in a few hours" (3), "2 hours from now", "7 days hence" are
  exact elapsed time; days and weeks move the calendar and keep the wall clock. Months and years are refused.
- German words are read when the locale starts with "de"; English is always understood, as the fallback.
- A wall time that does not exist (the spring-forward gap) is refused with a nearby time that exists; an ambiguous
  one (the fall-back hour) is the first occurrence unless only the second is still ahead. ISO 8601 with an offset is
  that instant. A zone in the text overrides the user's zone: "7pm EST", "9 am (BST)", "18:00 Europe/London",
  "18:00 UTC+2", "9am london time".
- The result must be in the future and at most `max_ahead` (365 days) ahead.

`read_back(parsed)` is the line a reply shows under what it did: what was typed, the zone, and the label, which
names the month in words for a date typed in digits ("Read “03.04.2027 17:00” in Europe/Berlin: Sat 3 Apr 2027
17:00.").

Modules: _lang (English and German words onto one vocabulary), _zones, _dates, _clock, _relative (also reminder
offsets), _phrase (which words are the day, the time, the zone), _resolve (readings, questions, refusals),
_messages (every sentence shown to a user), _base (public types).
"""

from podium.timeparse._base import (
    EXAMPLES,
    MAX_INPUT_CHARS,
    MAX_OFFSET,
    MAX_OFFSETS,
    MIN_OFFSET,
    OFFSET_EXAMPLES,
    ZONE_EXAMPLES,
    AmbiguousTimeError,
    ParsedTime,
    TimeInputError,
)
from podium.timeparse._daytime import DAYTIME_EXAMPLES, parse_time_of_day
from podium.timeparse._messages import read_back
from podium.timeparse._relative import format_offset, parse_offsets
from podium.timeparse._resolve import parse_when, warm_up
from podium.timeparse._zones import find_timezones, local_now_text, resolve_timezone

__all__ = [
    "DAYTIME_EXAMPLES",
    "EXAMPLES",
    "MAX_INPUT_CHARS",
    "MAX_OFFSET",
    "MAX_OFFSETS",
    "MIN_OFFSET",
    "OFFSET_EXAMPLES",
    "ZONE_EXAMPLES",
    "AmbiguousTimeError",
    "ParsedTime",
    "TimeInputError",
    "find_timezones",
    "format_offset",
    "local_now_text",
    "parse_offsets",
    "parse_time_of_day",
    "parse_when",
    "read_back",
    "resolve_timezone",
    "warm_up",
]
