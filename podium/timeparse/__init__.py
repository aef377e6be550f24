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

from podium.timeparse._base import (
    EXAMPLES,
    MAX_INPUT_CHARS,
    MAX_OFFSET,
    MAX_OFFSETS,
    MIN_OFFSET,
    OFFSET_EXAMPLES,
    ZONE_EXAMPLES,
    ParsedTime,
    TimeInputError,
)
from podium.timeparse._relative import format_offset, parse_offsets
from podium.timeparse._resolve import parse_when, warm_up
from podium.timeparse._zones import find_timezones, local_now_text, resolve_timezone

__all__ = [
    "EXAMPLES",
    "MAX_INPUT_CHARS",
    "MAX_OFFSET",
    "MAX_OFFSETS",
    "MIN_OFFSET",
    "OFFSET_EXAMPLES",
    "ZONE_EXAMPLES",
    "ParsedTime",
    "TimeInputError",
    "find_timezones",
    "format_offset",
    "local_now_text",
    "parse_offsets",
    "parse_when",
    "resolve_timezone",
    "warm_up",
]
