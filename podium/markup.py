"""Discord markup for text Podium shows: instants every reader sees in their own zone, and user text made inert."""

from __future__ import annotations

from datetime import datetime


def discord_time(when: datetime, style: str = "F") -> str:
    """Discord's timestamp markup: every reader sees their own local time."""
    if when.tzinfo is None:
        raise ValueError("naive datetime")
    return f"<t:{int(when.timestamp())}:{style}>"


def both_times(when: datetime) -> str:
    """`<t:…:F> (<t:…:R>)`."""
    return f"{discord_time(when, 'F')} ({discord_time(when, 'R')})"


def escape_bold(text: str) -> str:
    """User text made safe inside bold markdown."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`")


def quote(text: str) -> str:
    """User text shown inline in bold; markdown that would break out of it is escaped."""
    return f"**{escape_bold(text)}**"


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
