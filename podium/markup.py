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
