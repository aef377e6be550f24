"""Durations: reminder offsets ("24h, 1h") and the amounts inside relative times ("in 2 hours")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from podium.timeparse._base import MAX_INPUT_CHARS, MAX_OFFSET, MAX_OFFSETS, MIN_OFFSET, OFFSET_EXAMPLES
from podium.timeparse._messages import Typed, echo, fail

UNITS: dict[str, timedelta] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), timedelta(seconds=1)),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), timedelta(hours=1)),
    **dict.fromkeys(("d", "day", "days"), timedelta(days=1)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), timedelta(weeks=1)),
    # German, as a German member writes them ("1 Tag, 1 Stunde", "2 Std.", "30 Min."; the full stop is dropped).
    **dict.fromkeys(("sek", "sekunde", "sekunden"), timedelta(seconds=1)),
    **dict.fromkeys(("minute", "minuten"), timedelta(minutes=1)),
    **dict.fromkeys(("std", "stunde", "stunden"), timedelta(hours=1)),
    **dict.fromkeys(("t", "tag", "tage", "tagen"), timedelta(days=1)),
    **dict.fromkeys(("wo", "woche", "wochen"), timedelta(weeks=1)),
}
# Words between the amounts that say nothing more: "1 day and 1 hour before", "1 Tag und 1 Stunde vorher".
_FILLERS = frozenset({"and", "und", "before", "vorher"})
_AMOUNT_RE = re.compile(r"(?P<n>\d{1,6}(?:\.\d{1,3})?)\s*(?P<unit>[a-z]+)")
_AMOUNTS_RE = re.compile(r"(?:\d{1,6}(?:\.\d{1,3})?\s*[a-z]+\s*)+")


def read_amounts(text: str) -> list[tuple[float, timedelta]] | None:
    """`1h30m`, `2 hours 30 minutes` as (number, unit) pairs; None if any part is not one."""
    if not _AMOUNTS_RE.fullmatch(text):
        return None
    pairs = [(float(m["n"]), UNITS.get(m["unit"])) for m in _AMOUNT_RE.finditer(text)]
    if any(unit is None for _, unit in pairs):
        return None
    return [(n, unit) for n, unit in pairs if unit is not None]


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """Reminder offsets like "24h, 1h" or "2d 30m": 1 to 5, each 5 min to 30 days, unique, longest first."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise fail("offsets_empty", OFFSET_EXAMPLES)
    if len(cleaned) > MAX_INPUT_CHARS:
        raise fail("offsets_too_long", OFFSET_EXAMPLES, count=MAX_OFFSETS)
    # "1 day" is one part, "1h30m" is one part; space, comma and "and" separate parts, but a comma between digits
    # is a decimal one ("1,5 Stunden", as German writes 1.5). Each part keeps its case, space and full stops for
    # echoing it back as typed ("2 Min."); an abbreviation's full stop ("Std.") is no sentence's end when read.
    words = [w for w in re.split(r"(?<!\d),|,(?!\d)|;|\s+", text.strip())
             if w and _plain(w) not in _FILLERS]
    parts: list[str] = []
    for word in words:
        if parts and _NUMBER_RE.fullmatch(_plain(parts[-1])) and re.match(r"[^\W\d_]", word):
            parts[-1] += " " + word
        else:
            parts.append(word)
    found: set[timedelta] = set()
    for typed in parts:
        part = _plain(typed).replace(" ", "")
        shown = echo(typed)
        amounts = read_amounts(part)
        if amounts is None:
            if _NUMBER_RE.fullmatch(part):
                number = typed.strip()
                raise fail("offset_needs_unit", (Typed(f"{number}m", {}, f"{number} Min."),
                                                 Typed(f"{number}h", {}, f"{number} Std.")), part=shown)
            raise fail("offset_unreadable", OFFSET_EXAMPLES, part=shown)
        offset = sum((unit * n for n, unit in amounts), timedelta(0))
        offset = timedelta(minutes=round(offset / timedelta(minutes=1)))
        if offset < MIN_OFFSET:
            raise fail("offset_too_close", (Typed("10m", {}, "10 Min."), Typed("1h", {}, "1 Std.")), part=shown)
        if offset > MAX_OFFSET:
            raise fail("offset_too_early", (Typed("30d", {}, "30 Tage"), Typed("7d", {}, "7 Tage")), part=shown)
        found.add(offset)
    if not found:
        raise fail("offsets_empty", OFFSET_EXAMPLES)
    if len(found) > MAX_OFFSETS:
        raise fail("offsets_too_many", OFFSET_EXAMPLES, count=len(found), limit=MAX_OFFSETS)
    return tuple(sorted(found, reverse=True))


_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


def _plain(typed: str) -> str:
    """A typed part as it is read: lower case, no abbreviation's full stop ("Std."), a decimal point for a comma."""
    return re.sub(r"(?<=\d),(?=\d)", ".", re.sub(r"(?<=[^\W\d_])\.", "", typed.lower()))


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


# -- durations inside a typed time ---------------------------------------------------------------------------

# Canonical unit words (see _lang); months and years are refused, they have no fixed length.
_TOKEN_UNITS: dict[str, timedelta] = {
    **dict.fromkeys(("second", "seconds"), timedelta(seconds=1)),
    **dict.fromkeys(("minute", "minutes"), timedelta(minutes=1)),
    **dict.fromkeys(("hour", "hours"), timedelta(hours=1)),
    **dict.fromkeys(("day", "days"), timedelta(days=1)),
    **dict.fromkeys(("week", "weeks"), timedelta(weeks=1)),
    **dict.fromkeys(("fortnight", "fortnights"), timedelta(weeks=2)),
}
_UNCOUNTED = {"month": "months", "months": "months", "year": "years", "years": "years"}
_GLUED_RE = re.compile(r"(?:\d{1,6}(?:\.\d{1,3})?(?:s|secs?|m|mins?|h|hrs?|d|w|wks?))+\d{0,2}")
_GLUED_PART_RE = re.compile(r"(?P<n>\d{1,6}(?:\.\d{1,3})?)(?P<unit>[a-z]+)|(?P<tail>\d{1,2})$")
# "15h", "1h30" alone are clock times (French and German style), not durations.
CLOCK_H_RE = re.compile(r"\d{1,2}h(?:\d{2})?")
_MILITARY_RE = re.compile(r"(?:[01]\d|2[0-3])[0-5]\d")


def _military_hours(tokens: list[str]) -> bool:
    """Whether "1500 hours" is military time, not two months from now."""
    return len(tokens) == 2 and tokens[1] == "hours" and _MILITARY_RE.fullmatch(tokens[0]) is not None


# A few = 3, a couple = 2 (documented in docs/time-input.md).
_VAGUE = {"couple": 2, "few": 3}


@dataclass(frozen=True, slots=True)
class Amount:
    """A typed duration: whole calendar days (days and weeks keep the wall clock) and exact elapsed time."""

    days: int
    exact: timedelta
    words: bool  # written with unit words ("10 min"), not only glued ("2h")

    @property
    def calendar_only(self) -> bool:
        return not self.exact


def _quantity(tokens: list[str], i: int) -> tuple[float, int] | None:
    """A count at tokens[i]: "2", "1.5", "#2" (a number word), "a", "a couple of", "a few"; (value, tokens used)."""
    token = tokens[i]
    used = 1
    if token == "a" and i + 1 < len(tokens) and tokens[i + 1] in _VAGUE:
        used, token = 2, tokens[i + 1]
    if token in _VAGUE:
        value = float(_VAGUE[token])
        return value, used + (1 if i + used < len(tokens) and tokens[i + used] == "of" else 0)
    if token == "a":
        return 1.0, 1
    if token.startswith("#"):
        return float(token[1:]), 1
    if re.fullmatch(r"\d{1,6}(?:\.\d{1,3})?", token):
        return float(token), 1
    return None


def _glued(token: str) -> list[tuple[float, timedelta]] | None:
    """Glued amounts: "2h", "1h30m", "1h30", "90min" as (number, unit) pairs."""
    if not _GLUED_RE.fullmatch(token):
        return None
    pairs: list[tuple[float, timedelta]] = []
    for match in _GLUED_PART_RE.finditer(token):
        if match["tail"] is not None:
            pairs.append((float(match["tail"]), timedelta(minutes=1)))  # "1h30": minutes
            continue
        unit = UNITS.get(match["unit"])
        if unit is None:
            return None
        pairs.append((float(match["n"]), unit))
    return pairs


def amount_at(tokens: list[str], i: int) -> tuple[int, Amount] | None:
    """A duration starting at tokens[i] ("2 hours and 30 minutes", "a couple of days", "1h30m"); (tokens, Amount)."""
    j, pairs, words = i, [], False
    while j < len(tokens):
        quantity = _quantity(tokens, j)
        if quantity is not None and j + quantity[1] < len(tokens):
            value, used = quantity
            unit_word = tokens[j + used]
            if unit_word in _UNCOUNTED:
                raise fail(f"uncounted_{_UNCOUNTED[unit_word]}",
                           (Typed("in 8 weeks", {}, "in 8 Wochen"), Typed("in 90 minutes", {}, "in 90 Minuten")))
            if unit_word not in _TOKEN_UNITS:
                break
            pairs.append((value, _TOKEN_UNITS[unit_word]))
            j, words = j + used + 1, True
        elif (glued := _glued(tokens[j])) is not None:
            pairs.extend(glued)
            j += 1
        else:
            break
        if j + 1 < len(tokens) and tokens[j] == "and" and (_quantity(tokens, j + 1) or _glued(tokens[j + 1])):
            j += 1
    if not pairs:
        return None
    days = sum((n * unit for n, unit in pairs if unit >= timedelta(days=1)), timedelta(0))
    exact = sum((n * unit for n, unit in pairs if unit < timedelta(days=1)), timedelta(0))
    whole_days = days.days
    exact += days - timedelta(days=whole_days)  # "1.5 days": the half day is elapsed time
    return j - i, Amount(whole_days, exact, words)


def relative_at(tokens: list[str], i: int) -> tuple[int, Amount] | None:
    """A time counted from now: "in 2 hours", "2 hours from now", "7 days hence", "after 2 hours", "10 min"."""
    if tokens[i] in ("in", "after") and i + 1 < len(tokens):
        skip = 2 if tokens[i + 1] == "around" else 1  # "in about half an hour"
        found = amount_at(tokens, i + skip)
        if found is None:
            return None
        used = found[0] + skip
        if i + used < len(tokens) and tokens[i + used] == "time":  # "in 3 days time"
            used += 1
        return used, found[1]
    found = amount_at(tokens, i)
    if found is None:
        return None
    used, amount = found
    after = tokens[i + used : i + used + 2]
    if after[:1] in (["hence"], ["later"]):
        return used + 1, amount
    if after in (["from", "now"], ["from", "today"]):
        return used + 2, amount
    if after[:1] == ["ago"]:
        return used + 1, Amount(-amount.days, -amount.exact, amount.words)
    if i == 0 and used == len(tokens) and not CLOCK_H_RE.fullmatch(tokens[0]) and not _military_hours(tokens):
        return used, amount  # the whole text is a duration: "10 min", "2h30"
    return None
