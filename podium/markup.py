"""Discord markup for text Podium shows: instants every reader sees in their own zone, and user text made inert."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

# Command ids are known only after the bot synced its commands with Discord; bot.py installs the lookup.
CommandLookup = Callable[[str], "int | None"]
_lookup: list[CommandLookup] = []


def discord_time(when: datetime, style: str = "F") -> str:
    """Discord's timestamp markup: every reader sees their own local time."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return f"<t:{int(when.timestamp())}:{style}>"


def both_times(when: datetime) -> str:
    """`<t:…:F> (<t:…:R>)`."""
    return f"{discord_time(when, 'F')} ({discord_time(when, 'R')})"


# Every character Discord's markdown can give a meaning to: emphasis and code (* _ ` ~), spoilers (|), quotes (>),
# headings (#), lists and subtext (- +), masked links ([ ] ( )), autolinks (the : of https://), mentions, channels,
# timestamps and custom emoji (< @), and the escape itself. A backslash before any ASCII punctuation shows it as
# itself, so escaping them all is harmless where they mean nothing.
MARKUP_CHARACTERS = frozenset("\\*_`~|>#-+[]()<:@")
_ESCAPES = str.maketrans({char: "\\" + char for char in MARKUP_CHARACTERS})
# Line breaks of every kind Discord honours: in a one-line field they would start a heading or a quote.
_LINE_BREAKS = str.maketrans({char: " " for char in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"})
_NUMBERED_ITEM = re.compile(r"^(\s*\d+)\.", re.MULTILINE)


def inert(text: str, *, one_line: bool = True) -> str:
    """Member text made plain text in Discord: nothing in it becomes a link, heading, quote, list, mention or code.

    `one_line` (topics, reasons, reminder texts) turns line breaks into spaces; a description keeps its lines,
    each of which is made inert (a numbered item too).
    """
    if one_line:
        text = text.translate(_LINE_BREAKS)
    escaped = text.translate(_ESCAPES)
    return escaped if one_line else _NUMBERED_ITEM.sub(r"\1\\.", escaped)


def escape_bold(text: str) -> str:
    """Member text made safe inside bold markdown (and everywhere else): `inert` on one line."""
    return inert(text)


def quote(text: str) -> str:
    """Member text shown inline in bold; every markup character in it is escaped, line breaks become spaces."""
    return f"**{inert(text)}**"


def set_command_lookup(lookup: CommandLookup | None) -> None:
    """Install (or, with None, remove) how a top-level command name maps to its Discord id."""
    _lookup.clear()
    if lookup is not None:
        _lookup.append(lookup)


def command(name: str) -> str:
    """A clickable command mention (`</schedule add:123>`), or `/schedule add` as code while its id is unknown."""
    command_id = _lookup[0](name.split(maxsplit=1)[0]) if _lookup else None
    return f"</{name}:{command_id}>" if command_id else f"`/{name}`"
ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """User text cut so that, escaped for bold markdown, it takes at most `limit` characters ("…" marks a cut).

    Escaping doubles markdown characters, so a 200-character topic can take 400: lists of such topics would pass
    Discord's limits (2,000 content, 4,096 embed description) if they were cut after escaping, or break markup
    if cut in the middle of an escape.
    """
    if len(escape_bold(text)) <= limit:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        cost = len(escape_bold(char))
        if used + cost > limit - len(ELLIPSIS):
            break
        kept.append(char)
        used += cost
    return "".join(kept).rstrip() + ELLIPSIS


def quote_clipped(text: str, limit: int) -> str:
    """`quote(clip(text, limit))`: user text in bold, at most `limit` characters of it."""
    return quote(clip(text, limit))


def fit_lines(lines: list[str], limit: int, more: str = "… and {n} more", separator: str = "\n") -> tuple[str, int]:
    """As many whole lines as fit in `limit` characters, then "… and N more"; returns the text and how many fit."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        tail = (separator + more.format(n=rest)) if rest else ""
        candidate = separator.join([*kept, line])
        if len(candidate) + len(tail) > limit:
            break
        kept.append(line)
    hidden = len(lines) - len(kept)
    if hidden:
        kept.append(more.format(n=hidden))
    text = separator.join(kept)
    if len(text) > limit:  # even "… and N more" alone does not fit: a limit this small is a caller's mistake
        text = text[: limit - len(ELLIPSIS)] + ELLIPSIS
    return text, len(lines) - hidden
