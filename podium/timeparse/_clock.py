"""Times of day: "5pm", "17:30", "half past 3", "Viertel vor 8", "15 minutes before noon", and the parts of a day.

A clock is one of:
- fixed: on the 24-hour clock, because am/pm was given ("3pm", "7a"), the hour is 0 or 13-23, it has a leading zero
  ("03:30", "0330"), it is written the French/German way ("15h", "3h30"), or it has four digits ("1700");
- open: an hour from 1 to 12 with nothing to say morning or afternoon ("3:30", "halb vier", "at nine");
- noon, midnight.

`options` turns a clock and the part of the day it was said with into the wall times it can mean. An open hour with
a part of the day is settled by it ("9 tomorrow morning", "8 tonight", "heute Abend um 8"); without one, the
12-hour/24-hour rule decides (see _resolve): after a day it is asked ("friday at 8": 08:00 or 20:00?), except 12,
which is noon; without a day, the hour is read when the 24-hour reading is also the next one on the clock face and
the hour is 7 to 12 ("10:30" at 04:30), else asked ("3:30" at 04:30: 15:30 today or 03:30 tomorrow?).
Members whose locale writes the 24-hour clock (de, en-GB, fr …) are never asked about a time with minutes in digits
("9:30" is 09:30): only a bare hour ("um 8") is open for them.

"midnight" with a day is asked (the start or the end of that day?) unless the part of the day settles it ("tonight at
midnight" is the end). "12" in the morning is asked (noon, or "12 am" meaning midnight); in the evening it is the
midnight that ends it ("this evening at 12").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from podium.timeparse._messages import Typed, echo, fail
from podium.timeparse._relative import amount_at

_CLOCK_RES = (
    # 17:30, 5:30pm, 17:30h, 17:30:15
    re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::\d{2})?(?P<ap>am|pm|h)?"),
    # 5pm, 12am
    re.compile(r"(?P<h>\d{1,2})(?P<ap>am|pm)"),
    # 330pm, 1130pm
    re.compile(r"(?P<h>\d{1,2})(?P<m>\d{2})(?P<ap>am|pm)"),
    # 17h30, 15h (French and German notation: the 24-hour clock)
    re.compile(r"(?P<h>\d{1,2})(?P<ap>h)(?P<m>\d{2})?"),
)
_DOTTED_RE = re.compile(r"(?P<h>\d{1,2})\.(?P<m>\d{2})")
_MILITARY_RE = re.compile(r"(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)")
_BARE_RE = re.compile(r"\d{1,2}")
_THREE_DIGITS_RE = re.compile(r"\d{3}")
# Minutes before/after an hour written without "minutes": "10 to 5", "twenty past"; "3 to 5" is a range.
_FACE_MINUTES = frozenset({5, 10, 15, 20, 25})

PART_WORDS = {"morning": "morning", "afternoon": "afternoon", "evening": "evening", "night": "night",
              "midday": "midday"}  # fmt: skip
_IN_THE = {**PART_WORDS, "am": "morning", "pm": "afternoon"}
# Hours after an evening or a night that belong to the next date: "tonight at 1", "friday night 2am".
NIGHT_ENDS_HOUR = 5


@dataclass(frozen=True, slots=True)
class Clock:
    """A time of day as typed; see the module docstring for the kinds."""

    hour: int  # 0-23 when fixed, 1-12 when open
    minute: int
    kind: str  # "fixed", "open", "noon", "midnight"
    meridiem: str | None = None  # "am"/"pm" when typed: checked against "tonight", "morning" ...
    text: str = ""
    # Written in digits with minutes ("9:30", "9.30"): a 24-hour locale writes the afternoon as 21:30, so this is
    # the time as written there; a bare hour ("um 8") or a clock-face phrase ("halb vier") is not.
    digital: bool = False


@dataclass(frozen=True, slots=True)
class Option:
    """One wall time a clock can mean: hour and minute, days after the day it was said with, and the reading's role."""

    hour: int
    minute: int
    days: int = 0
    literal: bool = True  # the 24-hour reading of what was typed (for an open hour: the morning one)
    roll: bool = False  # if already past on that day, the same time a day later ("this morning at 12": midnight)


def _number(token: str) -> tuple[int, bool] | None:
    """(value, written as a word) of "7" or "#7"."""
    if token.startswith("#"):
        return int(token[1:]), True
    if _BARE_RE.fullmatch(token):
        return int(token), False
    return None


# "5pm" for an English reader; a German one writes (and is read) "17 Uhr".
FIVE_PM = Typed("5pm", {}, "17 Uhr")


def _make(hour: int, minute: int, meridiem: str | None, fixed: bool, typed: str, digital: bool = False) -> Clock:
    if meridiem in ("am", "pm"):
        if not 1 <= hour <= 12 or minute > 59:
            raise fail("not_a_time", (FIVE_PM, "17:00"), text=echo(typed))
        return Clock(hour % 12 + (12 if meridiem == "pm" else 0), minute, "fixed", meridiem, typed)
    if hour > 23 or minute > 59:
        raise fail("not_a_time", ("9:30", "17:00", FIVE_PM), text=echo(typed))
    if fixed or hour == 0 or hour > 12:
        return Clock(hour, minute, "fixed", None, typed)
    return Clock(hour, minute, "open", None, typed, digital)


def _token_clock(token: str, dotted: bool, military: bool) -> Clock | None:
    """A clock written as one token."""
    for pattern in _CLOCK_RES:
        match = pattern.fullmatch(token)
        if match is not None:
            groups = match.groupdict()
            hour, minute = int(groups["h"]), int(groups.get("m") or 0)
            meridiem = groups.get("ap") if groups.get("ap") in ("am", "pm") else None
            fixed = groups.get("ap") == "h" or (len(groups["h"]) == 2 and groups["h"].startswith("0"))
            return _make(hour, minute, meridiem, fixed, token, digital=groups.get("m") is not None)
    if dotted and (match := _DOTTED_RE.fullmatch(token)):
        return _make(int(match["h"]), int(match["m"]), None, match["h"].startswith("0"), token, digital=True)
    if military and (match := _MILITARY_RE.fullmatch(token)):
        return _make(int(match["h"]), int(match["m"]), None, True, token)
    return None


def _base_at(tokens: list[str], i: int, dotted: bool, military: bool) -> tuple[int, Clock] | None:
    """An hour with what belongs to it: "5pm", "17:30", "seven thirty pm", "17 Uhr 30", "1500 hours", "noon"."""
    token = tokens[i]
    if token in ("noon", "midnight"):
        return 1, Clock(12 if token == "noon" else 0, 0, token, None, token)
    clock = _token_clock(token, dotted, military)
    if clock is not None:
        if tokens[i + 1 : i + 2] in (["oclock"], ["hours"]):  # "17:30 Uhr", "1500 hours"
            return 2, clock
        return 1, clock
    number = _number(token)
    if number is None:
        if _THREE_DIGITS_RE.fullmatch(token):
            if i + 1 < len(tokens) and part_at(tokens, i + 1) is not None and int(token[1:]) < 60:
                return 1, _make(int(token[0]), int(token[1:]), None, False, token)  # "730 in the evening"
            written = f"{token[0]}:{token[1:]}"
            raise fail("colon", (written, f"tomorrow {written}"), text=echo(token))
        return None
    hour, as_word = number
    minute, used = 0, 1
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if as_word and nxt.startswith("#") and int(nxt[1:]) < 60:  # "ten thirty", "seven oh five"
        minute, used = int(nxt[1:]), 2
    elif not as_word and re.fullmatch(r"[0-5]\d", nxt):  # "at 3 15"
        minute, used = int(nxt), 2
    meridiem = None
    if tokens[i + used : i + used + 1] in (["am"], ["pm"]):
        meridiem, used = tokens[i + used], used + 1
    elif tokens[i + used : i + used + 1] == ["oclock"]:
        used += 1
        after = _number(tokens[i + used]) if i + used < len(tokens) and used == 2 else None
        if after is not None and after[0] < 60:  # "17 Uhr 30"
            minute, used = after[0], used + 1
        if tokens[i + used : i + used + 1] in (["am"], ["pm"]):  # "5 o'clock pm"
            meridiem, used = tokens[i + used], used + 1
    fixed = not as_word and len(token) == 2 and token.startswith("0")  # "07 Uhr"
    typed = " ".join(tokens[i : i + used]).replace("#", "")
    return used, _make(hour, minute, meridiem, fixed, typed)


def _shift(clock: Clock, minutes: int, typed: str) -> Clock:
    """A clock moved by some minutes: "quarter to 4" is 4:00 less 15. An open hour stays open (3:45, not 15:45)."""
    if clock.kind == "open":
        total = (clock.hour % 12) * 60 + clock.minute + minutes
        hour, minute = divmod(total % 720, 60)
        return Clock(hour or 12, minute, "open", None, typed)
    total = clock.hour * 60 + clock.minute + minutes
    hour, minute = divmod(total % 1440, 60)
    return Clock(hour, minute, "fixed", clock.meridiem, typed)


def clock_at(tokens: list[str], i: int, *, dotted: bool = False, military: bool = True) -> tuple[int, Clock] | None:
    """A time of day starting at tokens[i]; (tokens used, Clock). `dotted`: "17.30" may be a time here."""
    found = _face_at(tokens, i, dotted, military)
    if found is not None:
        return found
    return _base_at(tokens, i, dotted, military)


def _face_at(tokens: list[str], i: int, dotted: bool, military: bool) -> tuple[int, Clock] | None:
    """Clock-face and offset phrases: "half past 3", "a quarter to 9am", "20 minutes to 2pm", "halb vier"."""
    token = tokens[i]
    start = i + 1 if token == "a" and tokens[i + 1 : i + 2] == ["quarter"] else i
    word = tokens[start]
    minutes: int | None = None
    direction = 0
    after = start + 1
    if word == "halb":  # German: half way to the hour
        minutes, direction = 30, -1
    elif word in ("viertel", "dreiviertel"):
        link = tokens[after] if after < len(tokens) else ""
        if link in ("after", "past", "to"):
            minutes, direction, after = 15, (1 if link != "to" else -1), after + 1
        else:  # East German "viertel vier" is 3:15, "dreiviertel vier" 3:45
            minutes, direction = (45, -1) if word == "viertel" else (15, -1)
    elif word in ("half", "quarter"):
        link = tokens[after] if after < len(tokens) else ""
        if link in ("past", "after"):
            minutes, direction, after = (30 if word == "half" else 15), 1, after + 1
        elif link in ("to", "of", "before", "until") and word == "quarter":
            minutes, direction, after = 15, -1, after + 1
        elif word == "half":  # British: "half seven" is 7:30
            minutes, direction = 30, 1
    else:
        found = _offset_at(tokens, i)
        if found is None:
            return None
        minutes, direction, after = found
    if minutes is None:
        return None  # "quarter" with neither "past" nor "to"
    base = _base_at(tokens, after, dotted, military) if after < len(tokens) else None
    if base is None and after < len(tokens) and tokens[after] == "halb" and after + 1 < len(tokens):
        # "fünf vor halb vier": five minutes before half past three
        inner = _base_at(tokens, after + 1, dotted, military)
        if inner is not None:
            used, clock = inner
            base = used + 1, _shift(clock, -30, clock.text)
    if base is None:
        return None
    used, clock = base
    end = after + used
    typed = " ".join(tokens[i:end]).replace("#", "")
    return end - i, _shift(clock, direction * minutes, typed)


def _offset_at(tokens: list[str], i: int) -> tuple[int, int, int] | None:
    """(minutes, direction, index of the hour) for "20 minutes to", "2 hours after", "ten past", "zehn nach"."""
    amount = amount_at(tokens, i)
    if amount is not None:
        used, value = amount
        link = tokens[i + used] if i + used < len(tokens) else ""
        if not value.words or value.days or link not in ("past", "after", "from", "to", "of", "before", "until"):
            return None
        minutes = round(value.exact.total_seconds() / 60)
        return minutes, (-1 if link in ("to", "of", "before", "until") else 1), i + used + 1
    number = _number(tokens[i])
    link = tokens[i + 1] if i + 1 < len(tokens) else ""
    if number is None or link not in ("past", "after", "to", "of", "before", "until"):
        return None
    count, as_word = number
    if not (count in _FACE_MINUTES or (as_word and 1 <= count <= 30)):
        return None
    return count, (-1 if link in ("to", "of", "before", "until") else 1), i + 2


def part_at(tokens: list[str], i: int) -> tuple[int, str] | None:
    """A part of the day: "morning", "in the afternoon", "at night"; (tokens used, part)."""
    token = tokens[i]
    if token in PART_WORDS:
        return 1, PART_WORDS[token]
    if token in ("in", "at") and i + 1 < len(tokens):
        rest = tokens[i + 1 : i + 3]
        if rest[:1] == ["the"] and rest[1:2] and rest[1] in _IN_THE:
            return 3, _IN_THE[rest[1]]  # "in the morning", "in the PM"
        if token == "in" and rest[0] in PART_WORDS:
            return 2, PART_WORDS[rest[0]]  # "in afternoon"
        if token == "at" and rest[:1] == ["night"]:
            return 2, "night"
    return None


def options(
    clock: Clock, part: str | None, *, dated: bool, twenty_four: bool = False
) -> tuple[tuple[Option, ...], str | None]:
    """The wall times a clock can mean with the part of the day it was said with; and why there are several.

    `twenty_four`: the member's locale writes times on the 24-hour clock, so "9:30" is 09:30 as written.

    The reason is None (one option, or the open 12/24-hour pair an undated phrase still has to settle, reason
    "open"), "clock" (12/24 hours after a day), "midnight" (start or end of the day), or "noon_or_midnight".
    """
    late = 1 if dated else 0  # "tonight at 1" is the next date; an undated "1 at night" is simply the next 01:00
    if clock.kind == "noon":
        if part in ("evening", "night"):
            raise fail("hints_clash", ("noon", "tonight 21:00"), a="“noon”", b=f"“{part}”")
        return (Option(12, 0),), None
    if clock.kind == "midnight":
        if part in ("evening", "night"):
            return (Option(0, 0, late),), None
        if part == "morning" or not dated:
            return (Option(0, 0),), None
        return (Option(0, 0), Option(0, 0, 1, literal=False)), "midnight"
    hour, minute = clock.hour, clock.minute
    if clock.kind == "fixed":
        return (_fixed(clock, part, late),), None
    # An open hour, 1-12.
    if part == "morning":
        if hour == 12:
            return (Option(12, minute), Option(0, minute, literal=False, roll=True)), "noon_or_midnight"
        return (Option(hour, minute),), None
    if part == "afternoon":
        return (Option(hour % 12 + 12, minute),), None
    if part == "midday":
        if hour in (11, 12):
            return (Option(hour, minute),), None
        if 1 <= hour <= 4:
            return (Option(hour + 12, minute),), None
        raise fail("hints_clash", ("12:30", "13:00"), a=echo(clock.text), b="“midday”")
    if part in ("evening", "night"):
        if hour == 12:
            return (Option(0, minute, late),), None
        if hour < NIGHT_ENDS_HOUR:
            return (Option(hour, minute, late),), None
        return (Option(hour + 12, minute),), None
    literal = Option(hour, minute)
    if twenty_four and clock.digital:
        return (literal,), None
    other = Option((hour + 12) % 24, minute, literal=False)
    if dated:  # "friday at 8": 08:00 or 20:00 are both plausible; "friday at 12" is noon
        return ((literal,), None) if hour == 12 else ((literal, other), "clock")
    return (literal, other), "open"


def _fixed(clock: Clock, part: str | None, late: int) -> Option:
    """A fixed clock must agree with the part of the day: "tonight 1am" is the next date, "tonight 7am" is refused."""
    hour, minute = clock.hour, clock.minute
    clash = False
    if part == "morning":
        clash = hour >= 13
    elif part == "afternoon":
        clash = hour < 12
    elif part in ("evening", "night"):
        if hour < NIGHT_ENDS_HOUR:
            return Option(hour, minute, late)
        clash = hour < 17
    if clash:
        examples = ("tonight 21:00", "tomorrow 9am") if part in ("evening", "night") else ("9:30", "15:00")
        raise fail("hints_clash", examples, a=f"“{part}”", b=echo(clock.text))
    return Option(hour, minute)
