"""Discord markup for text Podium shows: instants every reader sees in their own zone, and user text made inert."""

from __future__ import annotations

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


def escape_bold(text: str) -> str:
    """User text made safe inside bold markdown."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`")


def quote(text: str) -> str:
    """User text shown inline in bold; markdown that would break out of it is escaped."""
    return f"**{escape_bold(text)}**"


def set_command_lookup(lookup: CommandLookup | None) -> None:
    """Install (or, with None, remove) how a top-level command name maps to its Discord id."""
    _lookup.clear()
    if lookup is not None:
        _lookup.append(lookup)


def command(name: str) -> str:
    """A clickable command mention (`</schedule add:123>`), or `/schedule add` as code while its id is unknown."""
    command_id = _lookup[0](name.split(maxsplit=1)[0]) if _lookup else None
    return f"</{name}:{command_id}>" if command_id else f"`/{name}`"
