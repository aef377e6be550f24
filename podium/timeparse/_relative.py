"""Durations: reminder offsets ("24h, 1h") and the amounts inside relative times ("in 2 hours")."""

from __future__ import annotations

import re
from datetime import timedelta

from podium.timeparse._base import MAX_INPUT_CHARS, MAX_OFFSET, MAX_OFFSETS, MIN_OFFSET, OFFSET_EXAMPLES
from podium.timeparse._messages import echo, fail

UNITS: dict[str, timedelta] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), timedelta(seconds=1)),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), timedelta(hours=1)),
    **dict.fromkeys(("d", "day", "days"), timedelta(days=1)),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), timedelta(weeks=1)),
}
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
        raise fail("Give 1 to 5 reminder times before the talk.", OFFSET_EXAMPLES)
    if len(cleaned) > MAX_INPUT_CHARS:
        raise fail(f"That's too long; give at most {MAX_OFFSETS} reminder times.", OFFSET_EXAMPLES)
    # "1 day" is one part, "1h30m" is one part; space, comma and "and" separate parts.
    glued = re.sub(r"(\d)\s+([a-z])", r"\1\2", cleaned)
    parts = [part for part in re.split(r"[,;]|\s+and\s+|\s+", glued) if part and part != "and"]
    found: set[timedelta] = set()
    for part in parts:
        amounts = read_amounts(part)
        if amounts is None:
            if re.fullmatch(r"\d+(?:\.\d+)?", part):
                raise fail(f"{echo(part)} needs a unit: m, h or d.", (f"{part}m", f"{part}h"))
            raise fail(f"I don't understand {echo(part)} as a time before the talk.", OFFSET_EXAMPLES)
        offset = sum((unit * n for n, unit in amounts), timedelta(0))
        offset = timedelta(minutes=round(offset / timedelta(minutes=1)))
        if offset < MIN_OFFSET:
            raise fail(f"{echo(part)} is too close to the talk: reminders start at 5 minutes before.", ("10m", "1h"))
        if offset > MAX_OFFSET:
            raise fail(f"{echo(part)} is too early: reminders go out at most 30 days before.", ("30d", "7d"))
        found.add(offset)
    if not found:
        raise fail("Give 1 to 5 reminder times before the talk.", OFFSET_EXAMPLES)
    if len(found) > MAX_OFFSETS:
        raise fail(f"That's {len(found)} reminder times; {MAX_OFFSETS} at most.", OFFSET_EXAMPLES)
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
